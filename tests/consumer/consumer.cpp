// A downstream program: uses banditry through its installed or vendored CMake target.
#include <banditry/core.hpp>
#include <iostream>
#include <vector>

int main() {
  const std::vector<double> logits{1.0, 2.0, 3.0};
  const auto p = banditry::softmax(logits);
  banditry::xoshiro256ss rng(1);
  const double u = banditry::uniform01(rng);
  std::cout << "banditry " << banditry::version_string << " softmax[2] = " << p[2] << '\n';
  return (p[2] > 0.66 && p[2] < 0.67 && u >= 0 && u < 1) ? 0 : 1;
}

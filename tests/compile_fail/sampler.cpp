// Must not compile: a sampler is called as sampler(context, rng).
#include "banditry/core/concepts.hpp"

struct takes_no_generator {
  std::size_t operator()(std::size_t) const { return 0; }
};

template <banditry::sampler Sampler>
std::size_t draw(const Sampler& s) {
  banditry::xoshiro256ss rng(1);
  return s(0, rng);
}

int main() { return static_cast<int>(draw(takes_no_generator{})); }

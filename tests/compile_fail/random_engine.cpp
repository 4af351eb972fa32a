// Must not compile: std::mt19937 yields 32-bit words, so it is not a random_engine64.
#include <random>

#include "banditry/core/rng.hpp"

int main() {
  std::mt19937 engine(1);
  return static_cast<int>(banditry::uniform01(engine));
}

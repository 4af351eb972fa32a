// Must not compile: a preference model needs preference(a, b) and size().
#include "banditry/core/concepts.hpp"

struct only_size {
  std::size_t size() const { return 2; }
};

template <banditry::preference_model Model>
double first_preference(const Model& model) {
  return model.preference(0, 1);
}

int main() { return static_cast<int>(first_preference(only_size{})); }

// Must not compile: a type without operator()(context, action) is not a reward_model.
#include "banditry/core/concepts.hpp"

struct no_call_operator {};

template <banditry::reward_model Model>
double first_reward(const Model& model) {
  return model(0, 0);
}

int main() { return static_cast<int>(first_reward(no_call_operator{})); }

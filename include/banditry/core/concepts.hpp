// Concepts of the generic API. Each names the operations an algorithm calls, so a user type that
// lacks one fails at the call site with the concept's name in the compiler message.
#pragma once

#include <Eigen/Core>
#include <concepts>
#include <cstddef>
#include <cstdint>

#include "banditry/core/rng.hpp"

namespace banditry {

/// A reward model scores (context, action) pairs: `model(context, action)` returns a real reward.
/// Contexts and actions are indices. Example: a table r[s][a], or a linear model theta^T phi(s, a).
template <class Model>
concept reward_model = requires(const Model& model, std::size_t context, std::size_t action) {
  { model(context, action) } -> std::convertible_to<double>;
};

/// A sampler draws an action for a context from a 64-bit generator: `sampler(context, rng)`.
template <class Sampler>
concept sampler = requires(const Sampler& s, std::size_t context, xoshiro256ss& rng) {
  { s(context, rng) } -> std::convertible_to<std::size_t>;
};

/// A feature map returns phi(context, action) in R^d: `map(context, action)` converts to an Eigen
/// vector and `map.dimension()` gives d.
template <class Map>
concept feature_map = requires(const Map& map, std::size_t context, std::size_t action) {
  { map(context, action) } -> std::convertible_to<Eigen::VectorXd>;
  { map.dimension() } -> std::convertible_to<std::size_t>;
};

/// A preference model gives P(a beats b) in [0, 1] for actions a, b: `model.preference(a, b)`, with
/// preference(a, b) + preference(b, a) = 1, and `model.size()` the number of actions.
template <class Model>
concept preference_model = requires(const Model& model, std::size_t a, std::size_t b) {
  { model.preference(a, b) } -> std::convertible_to<double>;
  { model.size() } -> std::convertible_to<std::size_t>;
};

}  // namespace banditry

// Aggregation of the per-step scores of a process reward model into one score per sample.
//
// A process reward model scores every reasoning step of a completion; selection rules need one
// number per sample. The usual reductions are the weakest step (min), the last step, the product of
// step scores (the probability that every step is correct, when scores are probabilities) and the
// mean.
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

#include "banditry/core/error.hpp"

namespace banditry::select {

/// Reduction of per-step scores.
enum class step_aggregation { min, last, product, mean };

/// Parses "min", "last", "product" or "mean". \returns std::nullopt for another name.
inline std::optional<step_aggregation> parse_step_aggregation(std::string_view name) {
  if (name == "min") return step_aggregation::min;
  if (name == "last") return step_aggregation::last;
  if (name == "product") return step_aggregation::product;
  if (name == "mean") return step_aggregation::mean;
  return std::nullopt;
}

/// One score from the per-step scores of a completion.
/// \param steps the step scores in step order, non-empty and finite (any real values; product is
///        meaningful for probabilities in [0, 1])
/// \param how min, last, product or mean
/// \returns the reduced score
/// \throws std::invalid_argument for an empty list; std::domain_error for a non-finite step
/// Complexity: O(number of steps); mean and product accumulate in step order in double.
inline double aggregate_steps(std::span<const double> steps, step_aggregation how) {
  constexpr std::string_view function = "select::aggregate_steps";
  require_nonempty(steps.size(), function, "steps");
  require_all_finite(steps, function, "steps");
  switch (how) {
    case step_aggregation::min:
      return *std::min_element(steps.begin(), steps.end());
    case step_aggregation::last:
      return steps.back();
    case step_aggregation::product: {
      double p = 1;
      for (double s : steps) p *= s;
      return p;
    }
    case step_aggregation::mean: {
      double sum = 0;
      for (double s : steps) sum += s;
      return sum / static_cast<double>(steps.size());
    }
  }
  return 0;
}

}  // namespace banditry::select

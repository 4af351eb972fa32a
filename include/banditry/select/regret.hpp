// Pass@k value and regret of a submission when the true rewards are known.
//
// A Pass@k submission is a list of at most k distinct answers; only the best counts. Its value is
// max_i r*(y_i) (0 for an empty list) and its regret is r*(y*) - value ("Best-of-Majority:
// Minimax-Optimal Strategy for Pass@k Inference Scaling", arXiv 2510.03199, Definition 2). With a
// 0/1 verifier and one correct answer the regret is 1 - [a correct answer was submitted].
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>

#include "banditry/core/error.hpp"

namespace banditry::select {

/// Value of a submission: the largest true reward among the selected answers, 0 when empty.
/// \param rewards r*(answer j) for every distinct answer j, finite
/// \param selection answer indices (as returned by a rule)
/// \throws std::invalid_argument for an index past `rewards`; std::domain_error for a non-finite
///         reward of a selected answer
/// Complexity: O(k).
inline double submission_value(std::span<const double> rewards,
                               std::span<const std::size_t> selection) {
  constexpr std::string_view function = "select::submission_value";
  double best = 0;
  bool first = true;
  for (std::size_t j : selection) {
    require(j < rewards.size(), function, "selected index",
            "below the number of answers " + std::to_string(rewards.size()), j);
    require_finite(rewards[j], function, "reward of a selected answer");
    best = first ? rewards[j] : std::max(best, rewards[j]);
    first = false;
  }
  return best;
}

/// Pass\@k regret r*(y*) - value of the submission.
/// \param optimal_reward r*(y*), the best true reward over the whole answer space (not only over
///        the sampled answers), finite
/// \param rewards, selection as submission_value
/// \returns the regret; >= 0 when optimal_reward bounds every reward
/// \throws as submission_value; std::domain_error for a non-finite optimal_reward
/// Complexity: O(k).
inline double pass_at_k_regret(double optimal_reward, std::span<const double> rewards,
                               std::span<const std::size_t> selection) {
  require_finite(optimal_reward, "select::pass_at_k_regret", "optimal_reward");
  return optimal_reward - submission_value(rewards, selection);
}

}  // namespace banditry::select

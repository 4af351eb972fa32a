// Pass@k selection rules over grouped answers: majority voting, Best-of-N, Best-of-Majority, soft
// Best-of-N and weighted majority voting.
//
// Source: "Best-of-Majority: Minimax-Optimal Strategy for Pass@k Inference Scaling",
// arXiv 2510.03199. Every rule returns an ordered list of at most k distinct answer indices j (into
// answer_groups), best first (soft Best-of-N: in draw order). With M = 0 distinct answers every
// rule returns the empty list; k = 0 also returns the empty list (random tie keys are still drawn,
// so the generator advances the same way for every k).
//
// Tie sources (the last argument of the deterministic rules):
//   - first_appearance_ties{} (default): ties go to the answer sampled first;
//   - a 64-bit generator `rng` (passed as an lvalue): random ties, one Fisher-Yates permutation of
//     all M answers drawn from it per call (M - 1 uniform integers), before any filtering;
//   - precomputed_ties{keys}: tie keys computed by the caller (for example one random permutation
//     shared by several rules applied to the same pool, which equals giving each rule a fresh
//     generator with the same seed).
//
// Every entry point also checks that the vectors of `answer_groups` agree (first_appearance,
// frequencies and, when present, scores of size M; sample_scores of the size of group_of; group_of
// entries below M) and throws std::invalid_argument naming the first disagreement otherwise.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "banditry/core/error.hpp"
#include "banditry/core/rng.hpp"
#include "banditry/select/grouping.hpp"
#include "banditry/select/ranking.hpp"

namespace banditry::select {

/// Tie source: first appearance in sampling order.
struct first_appearance_ties {};

/// Tie source: tie keys t_j chosen by the caller (size M, distinct values).
struct precomputed_ties {
  std::span<const std::size_t> keys;
};

/// What Best-of-Majority does when no answer reaches the frequency threshold.
enum class empty_filter {
  fallback_max_count,  ///< keep the answers of maximal count (default; never empty when M >= 1)
  return_empty         ///< abstain: return the empty list
};

namespace detail {

template <class Ties>
std::vector<std::size_t> resolve_tie_keys(const answer_groups& groups, Ties&& ties) {
  using T = std::remove_cvref_t<Ties>;
  if constexpr (std::is_same_v<T, first_appearance_ties>) {
    return first_appearance_keys(groups);
  } else if constexpr (std::is_same_v<T, precomputed_ties>) {
    require_same_size(ties.keys.size(), groups.size(), "select::rank", "tie keys",
                      "the distinct answers");
    std::vector<std::size_t> sorted(ties.keys.begin(), ties.keys.end());
    std::sort(sorted.begin(), sorted.end());
    const auto twice = std::adjacent_find(sorted.begin(), sorted.end());
    if (twice != sorted.end()) {
      throw_invalid_argument("select::rank", "tie keys", "distinct",
                             "key " + std::to_string(*twice) + " more than once");
    }
    return std::vector<std::size_t>(ties.keys.begin(), ties.keys.end());
  } else {
    static_assert(random_engine64<T>,
                  "a tie source is first_appearance_ties, precomputed_ties or "
                  "a 64-bit generator");
    return random_tie_keys(groups, ties);
  }
}

// Checks that the per-answer vectors of a (possibly hand-built) answer_groups agree in size and
// that per-sample group indices point at existing answers, so no rule reads out of bounds.
inline void require_consistent(const answer_groups& groups, std::string_view function) {
  const std::size_t m = groups.size();
  require_same_size(groups.first_appearance.size(), m, function, "groups.first_appearance",
                    "groups.counts");
  require_same_size(groups.frequencies.size(), m, function, "groups.frequencies", "groups.counts");
  if (!groups.scores.empty()) {
    require_same_size(groups.scores.size(), m, function, "groups.scores", "groups.counts");
  }
  if (!groups.group_of.empty() && !groups.sample_scores.empty()) {
    require_same_size(groups.sample_scores.size(), groups.group_of.size(), function,
                      "groups.sample_scores", "groups.group_of");
  }
  for (std::size_t i = 0; i < groups.group_of.size(); ++i) {
    const std::size_t j = groups.group_of[i];
    if (j != no_group && j >= m) {
      throw_invalid_argument(function, "groups.group_of[" + std::to_string(i) + "]",
                             "below M = " + std::to_string(m) + " or no_group", j);
    }
  }
}

inline void require_scores(const answer_groups& groups, std::string_view function) {
  require_consistent(groups, function);
  if (!groups.has_scores()) {
    throw_invalid_argument(function, "scores", "present for a rule that ranks by score",
                           "no scores");
  }
  require_same_size(groups.scores.size(), groups.size(), function, "scores",
                    "the distinct answers");
}

}  // namespace detail

/// Majority voting: the min(k, M) most frequent answers (scores are never used, not even for ties).
///
/// \param groups grouped answers of one prompt
/// \param k maximum number of answers submitted (0 returns nothing)
/// \param ties tie source (first_appearance_ties{}, a generator, or precomputed_ties)
/// \returns answer indices, most frequent first
/// \throws std::invalid_argument for precomputed tie keys of the wrong size or with a repeated key
/// Complexity: O(M log k), plus M - 1 uniform integers with random ties.
template <class Ties = first_appearance_ties>
std::vector<std::size_t> majority_vote(const answer_groups& groups, std::size_t k,
                                       Ties&& ties = {}) {
  detail::require_consistent(groups, "select::majority_vote");
  const auto keys = detail::resolve_tie_keys(groups, std::forward<Ties>(ties));
  std::vector<double> values(groups.counts.begin(), groups.counts.end());
  return rank_top_k(all_answers(groups), values, keys, k);
}

/// Best-of-N over distinct answers: the min(k, M) answers with the highest aggregated score S_j, so
/// the k submissions are all different.
///
/// \param groups grouped answers with scores
/// \param k maximum number of answers submitted
/// \param ties tie source
/// \returns answer indices, highest score first
/// \throws std::invalid_argument when the groups carry no scores
/// Complexity: O(M log k), plus M - 1 uniform integers with random ties.
template <class Ties = first_appearance_ties>
std::vector<std::size_t> best_of_n(const answer_groups& groups, std::size_t k, Ties&& ties = {}) {
  detail::require_scores(groups, "select::best_of_n");
  const auto keys = detail::resolve_tie_keys(groups, std::forward<Ties>(ties));
  return rank_top_k(all_answers(groups), groups.scores, keys, k);
}

/// Indices of the answers whose frequency c_j / N reaches alpha (compared as doubles with >=).
/// \pre alpha finite and >= 0 (checked). O(M).
inline std::vector<std::size_t> frequency_filter(const answer_groups& groups, double alpha) {
  if (!(alpha >= 0) || !std::isfinite(alpha)) {
    throw_domain_error("select::frequency_filter", "alpha", "finite and >= 0", alpha);
  }
  detail::require_consistent(groups, "select::frequency_filter");
  std::vector<std::size_t> kept;
  for (std::size_t j = 0; j < groups.size(); ++j) {
    if (groups.frequencies[j] >= alpha) kept.push_back(j);
  }
  return kept;
}

/// Best-of-Majority (arXiv 2510.03199, Algorithm 1): keep the answers with frequency
/// c_j / N >= alpha, then submit the min(k, |kept|) kept answers with the highest score S_j. Fewer
/// than k answers may come back.
///
/// With alpha <= 1/N every answer passes and the result equals best_of_n (same list, same order,
/// same generator use). The theory uses alpha = 3 / (4 C*), C* = 1 / pi_ref(y*); in practice alpha
/// is a tuned constant around 0.003 to 0.02.
///
/// \param groups grouped answers with scores
/// \param k maximum number of answers submitted
/// \param alpha frequency threshold, finite, >= 0
/// \param on_empty what happens when no answer reaches alpha: fallback_max_count ranks the answers
///        of maximal count by score; return_empty returns nothing
/// \param ties tie source; random tie keys are drawn over all M answers before the filter
/// \returns answer indices, highest score first
/// \throws std::invalid_argument without scores; std::domain_error for a negative or non-finite
///         alpha
/// Complexity: O(M log k), plus M - 1 uniform integers with random ties.
template <class Ties = first_appearance_ties>
std::vector<std::size_t> best_of_majority(const answer_groups& groups, std::size_t k, double alpha,
                                          empty_filter on_empty = empty_filter::fallback_max_count,
                                          Ties&& ties = {}) {
  detail::require_scores(groups, "select::best_of_majority");
  auto kept = frequency_filter(groups, alpha);
  const auto keys = detail::resolve_tie_keys(groups, std::forward<Ties>(ties));
  if (kept.empty() && !groups.empty()) {
    if (on_empty == empty_filter::return_empty) return {};
    const std::size_t top = *std::max_element(groups.counts.begin(), groups.counts.end());
    for (std::size_t j = 0; j < groups.size(); ++j) {
      if (groups.counts[j] == top) kept.push_back(j);
    }
  }
  return rank_top_k(std::move(kept), groups.scores, keys, k);
}

/// Mid-rank calibration of answer scores over samples (the SBoN(C) variant): S'_j = (sum of c_i
/// over answers with S_i < S_j + half the sum of c_i over answers with S_i == S_j) / sum of c_i.
/// Equal scores share one mid-rank. \returns values in (0, 1). \throws std::invalid_argument
/// without scores or for inconsistent sizes; std::domain_error naming the index of a non-finite
/// score. O(M log M).
inline std::vector<double> mid_rank_scores(const answer_groups& groups) {
  constexpr std::string_view function = "select::mid_rank_scores";
  detail::require_scores(groups, function);
  // A NaN would break the strict weak order of the sort and the tie scan below.
  require_all_finite(std::span<const double>(groups.scores), function, "scores");
  const std::size_t m = groups.size();
  std::vector<std::size_t> order(m);
  for (std::size_t j = 0; j < m; ++j) order[j] = j;
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return groups.scores[a] < groups.scores[b]; });
  double total = 0;
  for (std::size_t c : groups.counts) total += static_cast<double>(c);
  std::vector<double> out(m);
  double below = 0;
  for (std::size_t a = 0; a < m;) {
    std::size_t b = a;
    double tied = 0;
    while (b < m && groups.scores[order[b]] == groups.scores[order[a]]) {
      tied += static_cast<double>(groups.counts[order[b]]);
      ++b;
    }
    for (std::size_t q = a; q < b; ++q) out[order[q]] = (below + tied / 2) / total;
    below += tied;
    a = b;
  }
  return out;
}

/// Soft Best-of-N: min(k, M) distinct answers drawn without replacement with weights
/// c_j exp(beta S_j), i.e. proportional to the empirical frequency times exp(beta S_j).
///
/// Each draw computes log-weights l_j = log c_j + beta S_j over the answers not yet chosen,
/// w_j = exp(l_j - max l), draws u uniform in [0, 1) times the sum of w, and scans the remaining
/// answers in first-appearance order subtracting w_j until u < 0 (the last remaining answer if
/// rounding leaves u >= 0). beta = 0 samples in proportion to counts; beta -> infinity recovers
/// Best-of-N for distinct scores. The reference implementation of arXiv 2510.03199 uses beta = 1.
///
/// \param groups grouped answers with scores
/// \param k maximum number of answers drawn
/// \param beta inverse temperature, finite (may be negative)
/// \param rng generator; exactly min(k, M) uniform01 draws
/// \param calibrated when true, S_j is replaced by its mid-rank (mid_rank_scores)
/// \returns answer indices in draw order
/// \throws std::invalid_argument without scores; std::domain_error for a non-finite score S_j,
///         a non-finite beta or a non-finite log-weight (beta S_j overflowing)
/// Complexity: O(k M).
template <random_engine64 Rng>
std::vector<std::size_t> soft_best_of_n(const answer_groups& groups, std::size_t k, double beta,
                                        Rng& rng, bool calibrated = false) {
  constexpr std::string_view function = "select::soft_best_of_n";
  detail::require_scores(groups, function);
  require_all_finite(std::span<const double>(groups.scores), function, "scores");
  require_finite(beta, function, "beta");
  const std::size_t m = groups.size();
  const std::vector<double> scores = calibrated ? mid_rank_scores(groups) : groups.scores;
  std::vector<double> log_weight(m);
  for (std::size_t j = 0; j < m; ++j) {
    log_weight[j] = std::log(static_cast<double>(groups.counts[j])) + beta * scores[j];
    if (!std::isfinite(log_weight[j])) {
      throw_domain_error(function, "log weight of answer " + std::to_string(j), "finite",
                         log_weight[j]);
    }
  }
  std::vector<std::size_t> remaining(m);
  for (std::size_t j = 0; j < m; ++j) remaining[j] = j;
  std::vector<std::size_t> out;
  const std::size_t draws = std::min(k, m);
  out.reserve(draws);
  std::vector<double> w(m);
  for (std::size_t d = 0; d < draws; ++d) {
    double top = -std::numeric_limits<double>::infinity();
    for (std::size_t j : remaining) top = std::max(top, log_weight[j]);
    double total = 0;
    for (std::size_t q = 0; q < remaining.size(); ++q) {
      w[q] = std::exp(log_weight[remaining[q]] - top);
      total += w[q];
    }
    double u = uniform01(rng) * total;
    std::size_t chosen = remaining.size() - 1;
    for (std::size_t q = 0; q < remaining.size(); ++q) {
      u -= w[q];
      if (u < 0) {
        chosen = q;
        break;
      }
    }
    out.push_back(remaining[chosen]);
    remaining.erase(remaining.begin() + static_cast<std::ptrdiff_t>(chosen));
  }
  return out;
}

/// Per-sample weight function of weighted majority voting.
enum class vote_weight {
  unit,        ///< omega(s) = 1: plain majority voting (no scores needed)
  identity,    ///< omega(s) = s; every answered score must be >= 0
  exponential  ///< omega(s) = exp((s - s_max) / tau), s_max the largest answered score
};

/// Weighted majority voting: W_j = sum over the samples of answer j of omega(s_i); submit the
/// min(k, M) answers with the largest W_j. Not defined in arXiv 2510.03199; offered as the standard
/// reward-weighted voting baseline. With unit weights it equals majority_vote; with the identity
/// weight it equals best_of_n under sum aggregation.
///
/// Groups built by groups_from_counts (no per-sample scores) give every sample of answer j the
/// score S_j, so W_j = c_j omega(S_j).
///
/// \param groups grouped answers; with per-sample scores (group_answers) or answer scores
/// \param k maximum number of answers submitted
/// \param weight the weight function
/// \param tau temperature of the exponential weight in score units, finite, > 0 (default 1)
/// \param ties tie source
/// \returns answer indices, largest total weight first
/// \throws std::invalid_argument without scores (except unit weights) or for a negative score
///         under the identity weight; std::domain_error for a bad tau
/// Complexity: O(N + M log k).
template <class Ties = first_appearance_ties>
std::vector<std::size_t> weighted_majority(const answer_groups& groups, std::size_t k,
                                           vote_weight weight, double tau = 1.0, Ties&& ties = {}) {
  constexpr std::string_view function = "select::weighted_majority";
  if (weight == vote_weight::unit) {
    return majority_vote(groups, k, std::forward<Ties>(ties));
  }
  detail::require_scores(groups, function);
  if (!(tau > 0) || !std::isfinite(tau)) throw_domain_error(function, "tau", "finite and > 0", tau);
  const bool per_sample = !groups.group_of.empty() && !groups.sample_scores.empty();
  // s_max over answered samples (for groups from counts: over the answer scores).
  double s_max = -std::numeric_limits<double>::infinity();
  if (per_sample) {
    for (std::size_t i = 0; i < groups.group_of.size(); ++i) {
      if (groups.group_of[i] != no_group) s_max = std::max(s_max, groups.sample_scores[i]);
    }
  } else {
    for (double s : groups.scores) s_max = std::max(s_max, s);
  }
  auto omega = [&](double s, std::size_t where) {
    if (weight == vote_weight::identity) {
      if (s < 0) {
        throw_invalid_argument(function, "score of sample " + std::to_string(where),
                               ">= 0 under the identity weight", s);
      }
      return s;
    }
    return std::exp((s - s_max) / tau);
  };
  std::vector<double> total(groups.size(), 0.0);
  if (per_sample) {
    for (std::size_t i = 0; i < groups.group_of.size(); ++i) {
      const std::size_t j = groups.group_of[i];
      if (j != no_group) total[j] += omega(groups.sample_scores[i], i);
    }
  } else {
    for (std::size_t j = 0; j < groups.size(); ++j) {
      total[j] = static_cast<double>(groups.counts[j]) * omega(groups.scores[j], j);
    }
  }
  const auto keys = detail::resolve_tie_keys(groups, std::forward<Ties>(ties));
  return rank_top_k(all_answers(groups), total, keys, k);
}

}  // namespace banditry::select

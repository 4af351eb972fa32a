// Estimators of Pass@k accuracy over pools of samples with known correctness: the accuracy of any
// selection rule on m-sample subsets of a pool (maj@m, BoN@m, BoM@m, ...), exactly by enumerating
// the subsets or by resampling them, and summaries over the prompts of a benchmark.
//
// The resampling estimator draws B subsets of size m uniformly without replacement (partial
// Fisher-Yates), sorts each subset's indices so it keeps the original sampling order (a
// first-appearance tie then means the same thing on a subset as on the pool), groups it with N = m,
// applies the rule and records Z_b = 1 when a submitted answer is correct. One generator serves the
// subset draws and the rule's own draws (random ties, soft Best-of-N), in that order within each
// resample.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "banditry/core/error.hpp"
#include "banditry/core/rng.hpp"
#include "banditry/select/grouping.hpp"
#include "banditry/select/rule.hpp"

namespace banditry::select {

/// A pool of n samples of one prompt with known correctness, answers mapped to dense ids.
struct answer_pool {
  std::vector<std::int64_t> ids;  ///< per sample: answer id in [0, id_count), or -1 for no answer
  std::vector<double> scores;     ///< per-sample scores (size n) or empty
  std::vector<std::uint8_t> correct;          ///< per answer id: 1 when the answer is correct
  aggregation aggregate = aggregation::mean;  ///< how subsets aggregate sample scores

  std::size_t size() const noexcept { return ids.size(); }
  std::size_t id_count() const noexcept { return correct.size(); }
  /// Number of samples whose answer is correct (the c of pass\@k).
  std::size_t correct_count() const {
    std::size_t c = 0;
    for (auto id : ids) c += (id >= 0 && correct[static_cast<std::size_t>(id)]) ? 1 : 0;
    return c;
  }
};

/// Builds an answer_pool from raw samples and a correctness predicate.
/// \param samples the n >= 1 answers in sampling order (std::optional or empty answers count as
///        "no answer" as in group_answers)
/// \param scores empty or n per-sample scores, finite where the sample has an answer
/// \param is_correct `bool(const Answer&)`, called once per distinct answer
/// \param options aggregation and the empty-answer convention
/// \throws as group_answers. Complexity: O(n) hash operations.
template <class Sample, class IsCorrect>
answer_pool make_pool(std::span<const Sample> samples, std::span<const double> scores,
                      IsCorrect&& is_correct, const grouping_options& options = {}) {
  const auto grouped = group_answers(samples, scores, options);
  answer_pool pool;
  pool.aggregate = options.aggregate;
  pool.ids.resize(samples.size());
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const std::size_t j = grouped.groups.group_of[i];
    pool.ids[i] = j == no_group ? -1 : static_cast<std::int64_t>(j);
  }
  pool.scores.assign(scores.begin(), scores.end());
  for (const auto& answer : grouped.answers) pool.correct.push_back(is_correct(answer) ? 1 : 0);
  return pool;
}

/// An accuracy estimate for one prompt.
struct pass_estimate {
  double mean = 0;          ///< estimated probability that the submission contains a correct answer
  double se = 0;            ///< standard error (0 when exact)
  std::size_t subsets = 0;  ///< subsets evaluated (resamples, or all subsets when exact)
  bool exact = false;       ///< true when every m-subset was enumerated
};

namespace detail {

inline void validate_subset_request(const answer_pool& pool, const selection_rule& rule,
                                    std::size_t m, std::string_view function) {
  require_nonempty(pool.size(), function, "pool");
  require(m >= 1 && m <= pool.size(), function, "m",
          "in [1, n = " + std::to_string(pool.size()) + "]", m);
  require(rule.k >= 1 && rule.k <= m, function, "k", "in [1, m = " + std::to_string(m) + "]",
          rule.k);
  if (!pool.scores.empty()) {
    require_same_size(pool.scores.size(), pool.size(), function, "scores", "ids");
  }
  if (needs_scores(rule) && pool.scores.empty()) {
    throw_invalid_argument(function, "scores",
                           "present for rule " + std::string(to_string(rule.kind)), "no scores");
  }
}

// Groups the samples at `chosen` (ascending) and returns 1 when the rule submits a correct answer.
template <random_engine64 Rng>
double evaluate_subset(const answer_pool& pool, const selection_rule& rule,
                       std::span<const std::size_t> chosen, std::vector<std::int64_t>& sub_ids,
                       std::vector<double>& sub_scores, std::vector<std::int64_t>& answer_ids,
                       Rng& rng) {
  sub_ids.resize(chosen.size());
  sub_scores.resize(pool.scores.empty() ? 0 : chosen.size());
  for (std::size_t q = 0; q < chosen.size(); ++q) {
    sub_ids[q] = pool.ids[chosen[q]];
    if (!pool.scores.empty()) sub_scores[q] = pool.scores[chosen[q]];
  }
  const auto groups =
      group_ids(sub_ids, pool.id_count(), sub_scores, pool.aggregate, -1, &answer_ids);
  for (std::size_t j : apply(rule, groups, rng)) {
    if (pool.correct[static_cast<std::size_t>(answer_ids[j])]) return 1.0;
  }
  return 0.0;
}

}  // namespace detail

/// Accuracy of `rule` on uniformly random m-subsets of the pool, by B resamples.
///
/// \param pool the prompt's samples
/// \param rule selection rule with 1 <= rule.k <= m
/// \param m subset size, 1 <= m <= n
/// \param resamples B >= 2 (1000 gives a standard error below 0.016 per prompt)
/// \param rng generator for the subsets and the rule's draws
/// \returns mean of Z_b and its standard error sd(Z) / sqrt(B) (sd with divisor B - 1)
/// \throws std::invalid_argument for m, k or B out of range, or a rule needing absent scores
/// Complexity: O(B (m log m + id_count + rule cost)).
template <random_engine64 Rng>
pass_estimate resampled_pass_rate(const answer_pool& pool, const selection_rule& rule,
                                  std::size_t m, std::size_t resamples, Rng& rng) {
  constexpr std::string_view function = "select::resampled_pass_rate";
  detail::validate_subset_request(pool, rule, m, function);
  require(resamples >= 2, function, "resamples", "at least 2", resamples);
  const std::size_t n = pool.size();
  std::vector<std::size_t> positions(n);
  std::vector<std::size_t> chosen(m);
  std::vector<std::int64_t> sub_ids;
  std::vector<double> sub_scores;
  std::vector<std::int64_t> answer_ids;
  double hits = 0;
  for (std::size_t b = 0; b < resamples; ++b) {
    for (std::size_t i = 0; i < n; ++i) positions[i] = i;
    for (std::size_t i = 0; i < m; ++i) {
      const auto j = i + static_cast<std::size_t>(uniform_int(rng, n - i));
      std::swap(positions[i], positions[j]);
    }
    std::copy(positions.begin(), positions.begin() + static_cast<std::ptrdiff_t>(m),
              chosen.begin());
    std::sort(chosen.begin(), chosen.end());
    hits += detail::evaluate_subset(pool, rule, chosen, sub_ids, sub_scores, answer_ids, rng);
  }
  const auto b = static_cast<double>(resamples);
  pass_estimate out;
  out.mean = hits / b;
  // Z is 0/1: sum of squared deviations = hits (1 - mean).
  const double variance = hits * (1 - out.mean) / (b - 1);
  out.se = std::sqrt(variance / b);
  out.subsets = resamples;
  return out;
}

/// Number of m-subsets C(n, m), saturated at `cap + 1` to avoid overflow. O(min(m, n - m)).
inline std::uint64_t subset_count(std::uint64_t n, std::uint64_t m, std::uint64_t cap) {
  if (m > n) return 0;
  m = std::min(m, n - m);
  long double c = 1;
  for (std::uint64_t i = 1; i <= m; ++i) {
    c = c * static_cast<long double>(n - m + i) / static_cast<long double>(i);
    if (c > static_cast<long double>(cap)) return cap + 1;
  }
  return static_cast<std::uint64_t>(std::llround(static_cast<double>(c)));
}

/// Exact accuracy of a deterministic rule averaged over all C(n, m) subsets of size m (each kept in
/// sampling order).
///
/// \param pool the prompt's samples
/// \param rule a deterministic rule (first-appearance ties, not soft Best-of-N), 1 <= k <= m
/// \param m subset size
/// \param max_subsets refuse when C(n, m) exceeds this (default 10^6)
/// \returns the exact mean, se = 0, exact = true
/// \throws std::invalid_argument for a rule that draws random numbers, for C(n, m) > max_subsets,
///         or as resampled_pass_rate
/// Complexity: O(C(n, m) (m + id_count + rule cost)).
inline pass_estimate exact_subset_pass_rate(const answer_pool& pool, const selection_rule& rule,
                                            std::size_t m, std::uint64_t max_subsets = 1000000) {
  constexpr std::string_view function = "select::exact_subset_pass_rate";
  detail::validate_subset_request(pool, rule, m, function);
  if (uses_generator(rule)) {
    const std::string policy = rule.ties == tie_break::random ? "random" : "first-appearance";
    throw_invalid_argument(function, "rule", "deterministic (first-appearance ties, no soft draws)",
                           std::string(to_string(rule.kind)) + " with " + policy + " ties");
  }
  const std::uint64_t count = subset_count(pool.size(), m, max_subsets);
  require(count <= max_subsets, function, "number of subsets C(n, m)",
          "at most max_subsets = " + std::to_string(max_subsets), count);
  std::vector<std::size_t> chosen(m);
  for (std::size_t i = 0; i < m; ++i) chosen[i] = i;
  std::vector<std::int64_t> sub_ids;
  std::vector<double> sub_scores;
  std::vector<std::int64_t> answer_ids;
  xoshiro256ss unused(0);
  double hits = 0;
  std::size_t seen = 0;
  const std::size_t n = pool.size();
  while (true) {
    hits += detail::evaluate_subset(pool, rule, chosen, sub_ids, sub_scores, answer_ids, unused);
    ++seen;
    // Next combination in lexicographic order.
    std::size_t i = m;
    while (i > 0 && chosen[i - 1] == n - m + (i - 1)) --i;
    if (i == 0) break;
    ++chosen[i - 1];
    for (std::size_t q = i; q < m; ++q) chosen[q] = chosen[q - 1] + 1;
  }
  return {hits / static_cast<double>(seen), 0.0, seen, true};
}

/// Accuracy on m-subsets: exact enumeration when the rule is deterministic and C(n, m) <= B,
/// otherwise B resamples.
/// \param pool, rule, m as resampled_pass_rate
/// \param resamples B
/// \param rng used only when resampling
/// \throws as resampled_pass_rate
template <random_engine64 Rng>
pass_estimate subset_pass_rate(const answer_pool& pool, const selection_rule& rule, std::size_t m,
                               std::size_t resamples, Rng& rng) {
  if (!uses_generator(rule) && m <= pool.size() &&
      subset_count(pool.size(), m, resamples) <= resamples) {
    return exact_subset_pass_rate(pool, rule, m, resamples);
  }
  return resampled_pass_rate(pool, rule, m, resamples, rng);
}

/// A benchmark value: the mean of per-prompt values with its uncertainty.
struct benchmark_estimate {
  double mean = 0;           ///< mean over prompts
  double se_prompts = 0;     ///< sd over prompts / sqrt(P): uncertainty from the choice of prompts
  double se_resampling = 0;  ///< sqrt(sum of per-prompt SE^2) / P: Monte-Carlo error only
  double ci_lo = 0;          ///< max(0, mean - 1.96 se_prompts): normal 95 % interval over prompts
  double ci_hi = 0;          ///< min(1, mean + 1.96 se_prompts)
  std::size_t prompts = 0;   ///< P
};

/// Summarises per-prompt estimates into a benchmark value with a 95 % normal confidence interval
/// over prompts. The interval is clipped to [0, 1], the range of an accuracy: with few prompts or a
/// mean near 0 or 1, mean -/+ 1.96 se_prompts can leave it.
/// \param per_prompt the P >= 1 per-prompt estimates, each mean a probability in [0, 1]
/// \throws std::invalid_argument for an empty list; std::domain_error for a mean outside [0, 1]
///         (NaN included) or a standard error that is negative or not finite
/// Complexity: O(P).
inline benchmark_estimate summarise_prompts(std::span<const pass_estimate> per_prompt) {
  constexpr std::string_view function = "select::summarise_prompts";
  require_nonempty(per_prompt.size(), function, "per_prompt");
  benchmark_estimate out;
  out.prompts = per_prompt.size();
  const auto p = static_cast<double>(per_prompt.size());
  double sum = 0;
  double se2 = 0;
  for (std::size_t i = 0; i < per_prompt.size(); ++i) {
    require_probability(per_prompt[i].mean, function, "per_prompt[" + std::to_string(i) + "].mean");
    const double se = per_prompt[i].se;
    if (!(se >= 0) || !std::isfinite(se)) {
      throw_domain_error(function, "per_prompt[" + std::to_string(i) + "].se", "finite and >= 0",
                         se);
    }
    sum += per_prompt[i].mean;
    se2 += per_prompt[i].se * per_prompt[i].se;
  }
  out.mean = sum / p;
  double ss = 0;
  for (const auto& e : per_prompt) ss += (e.mean - out.mean) * (e.mean - out.mean);
  out.se_prompts = per_prompt.size() > 1 ? std::sqrt(ss / (p - 1) / p) : 0.0;
  out.se_resampling = std::sqrt(se2) / p;
  out.ci_lo = std::max(0.0, out.mean - 1.96 * out.se_prompts);
  out.ci_hi = std::min(1.0, out.mean + 1.96 * out.se_prompts);
  return out;
}

}  // namespace banditry::select

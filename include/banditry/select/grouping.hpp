// Grouping of N sampled answers into distinct answers with counts, first-appearance order and an
// aggregated score per answer.
//
// This is the first step of every Pass@k selection rule ("Best-of-Majority: Minimax-Optimal
// Strategy for Pass@k Inference Scaling", arXiv 2510.03199): the rules rank distinct answers, never
// samples.
//
// Conventions shared by the whole selection library:
//   - Samples are indexed i = 0..N-1 in sampling order. The first time an answer appears it opens
//     distinct answer j (j = 0, 1, ...) with first-appearance index f_j = i; so j order is
//     first-appearance order.
//   - A sample with no answer (no final answer could be extracted) joins no group but counts in N,
//     so frequencies c_j / N are fractions of all draws.
//   - Answers are compared by exact equality (operator== or a caller-given predicate). Hashing only
//     speeds up the search: two different answers with the same hash stay two groups.
//   - Scores are optional. When given, every sample that has an answer needs a finite score;
//     scores of no-answer samples are ignored (they may be NaN).
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "banditry/core/error.hpp"

namespace banditry::select {

/// How the per-sample scores of one distinct answer become its answer score S_j.
enum class aggregation {
  mean,  ///< S_j = (sum of the group's scores in sampling order) / c_j; the default
  max,   ///< S_j = largest score of the group (max of -tokens gives "shortest answer")
  sum    ///< S_j = sum of the group's scores in sampling order (reward-weighted voting).
         ///< NOTE: a sum past DBL_MAX becomes +-inf; it is not rescaled as the mean is.
};

/// Marks "this sample has no answer" in `group_of`.
inline constexpr std::size_t no_group = std::numeric_limits<std::size_t>::max();

/// Statistics of the distinct answers of one prompt, independent of the answer type. Every
/// selection rule works on this struct; index j always means distinct answer j.
struct answer_groups {
  std::size_t sample_count = 0;               ///< N: all samples, including no-answer samples
  std::vector<std::size_t> counts;            ///< c_j >= 1
  std::vector<std::size_t> first_appearance;  ///< f_j: sample index that opened answer j
  std::vector<double> frequencies;            ///< c_j / N, one correctly rounded division
  std::vector<double> scores;                 ///< S_j; empty when no scores were given
  std::vector<std::size_t> group_of;          ///< per sample: its answer j, or no_group; may be
                                              ///< empty for groups built from counts
  std::vector<double> sample_scores;          ///< per-sample scores as given (size N) or empty

  /// Number of distinct answers M.
  std::size_t size() const noexcept { return counts.size(); }
  /// True when there are no distinct answers (M = 0).
  bool empty() const noexcept { return counts.empty(); }
  /// True when answer scores S_j are present (vacuously true when M = 0).
  bool has_scores() const noexcept { return !scores.empty() || counts.empty(); }
};

/// Distinct answers of type Answer together with their statistics: answers[j] is distinct answer j.
template <class Answer>
struct grouped_answers {
  std::vector<Answer> answers;  ///< distinct answers in first-appearance order
  answer_groups groups;         ///< counts, frequencies, scores of answers[j]
};

/// Options of the grouping step.
struct grouping_options {
  aggregation aggregate = aggregation::mean;  ///< how sample scores become answer scores
  /// When true and Answer has `empty()` (std::string, std::string_view, containers), an empty
  /// answer means "no answer was extracted": the sample counts in N and joins no group. The
  /// command-line tool sets this (an empty string in its input is a missing answer).
  bool empty_is_no_answer = false;
};

namespace detail {

// Adds sample i with score s to group j under the aggregation.
inline void add_score(answer_groups& g, std::size_t j, double s, aggregation aggregate,
                      bool opened) {
  if (opened) {
    g.scores.push_back(s);
    return;
  }
  if (aggregate == aggregation::max) {
    g.scores[j] = std::max(g.scores[j], s);
  } else {
    g.scores[j] += s;
  }
}

inline void validate_scores(std::span<const double> scores, std::size_t n,
                            std::string_view function) {
  if (!scores.empty()) require_same_size(scores.size(), n, function, "scores", "answers");
}

inline void require_answered_score(double s, std::size_t i, std::string_view function) {
  if (!std::isfinite(s)) {
    throw_domain_error(function, "scores[" + std::to_string(i) + "]",
                       "finite for a sample that has an answer", s);
  }
}

// Final pass shared by all grouping functions: frequencies and mean scores.
inline void finish_groups(answer_groups& g, aggregation aggregate, bool with_scores) {
  const auto n = static_cast<double>(g.sample_count);
  g.frequencies.resize(g.counts.size());
  for (std::size_t j = 0; j < g.counts.size(); ++j) {
    g.frequencies[j] = static_cast<double>(g.counts[j]) / n;
  }
  if (with_scores && aggregate == aggregation::mean) {
    // The plain sum of finite scores can overflow (1e308 + 1e308). Only such groups are summed
    // again with every score scaled by 2^-e, e = bit width of c_j, so the sum stays below
    // DBL_MAX; other groups keep the plain sum divided once by c_j.
    std::vector<int> shift(g.counts.size(), 0);
    bool overflowed = false;
    for (std::size_t j = 0; j < g.counts.size(); ++j) {
      if (std::isfinite(g.scores[j])) continue;
      shift[j] = static_cast<int>(std::bit_width(g.counts[j]));
      g.scores[j] = 0;
      overflowed = true;
    }
    if (overflowed) {
      for (std::size_t i = 0; i < g.group_of.size(); ++i) {
        const std::size_t j = g.group_of[i];
        if (j != no_group && shift[j] != 0)
          g.scores[j] += std::ldexp(g.sample_scores[i], -shift[j]);
      }
    }
    for (std::size_t j = 0; j < g.counts.size(); ++j) {
      g.scores[j] /= static_cast<double>(g.counts[j]);
      if (shift[j] != 0) g.scores[j] = std::ldexp(g.scores[j], shift[j]);
    }
  }
}

template <class Answer>
bool is_missing(const Answer& answer, bool empty_is_no_answer) {
  if constexpr (requires { answer.empty(); }) {
    return empty_is_no_answer && answer.empty();
  } else {
    return false;
  }
}

template <class Answer>
const Answer* present(const Answer& answer, bool empty_is_no_answer) {
  return is_missing(answer, empty_is_no_answer) ? nullptr : &answer;
}

template <class Answer>
const Answer* present(const std::optional<Answer>& answer, bool empty_is_no_answer) {
  if (!answer || is_missing(*answer, empty_is_no_answer)) return nullptr;
  return &*answer;
}

template <class Sample>
struct answer_type {
  using type = Sample;
};
template <class Answer>
struct answer_type<std::optional<Answer>> {
  using type = Answer;
};

// Core loop: `find_or_open(answer, i)` returns (j, opened).
template <class Sample, class FindOrOpen>
answer_groups group_samples(std::span<const Sample> samples, std::span<const double> scores,
                            const grouping_options& options, std::string_view function,
                            FindOrOpen&& find_or_open) {
  require_nonempty(samples.size(), function, "answers");
  validate_scores(scores, samples.size(), function);
  const bool with_scores = !scores.empty();
  answer_groups g;
  g.sample_count = samples.size();
  g.group_of.assign(samples.size(), no_group);
  g.sample_scores.assign(scores.begin(), scores.end());
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const auto* answer = present(samples[i], options.empty_is_no_answer);
    if (answer == nullptr) continue;
    if (with_scores) require_answered_score(scores[i], i, function);
    const auto [j, opened] = find_or_open(*answer, i);
    if (opened) {
      g.counts.push_back(1);
      g.first_appearance.push_back(i);
    } else {
      ++g.counts[j];
    }
    g.group_of[i] = j;
    if (with_scores) add_score(g, j, scores[i], options.aggregate, opened);
  }
  finish_groups(g, options.aggregate, with_scores);
  return g;
}

}  // namespace detail

/// Groups N sampled answers into distinct answers by hashing, exactly under hash collisions.
///
/// \tparam Sample an answer type (hashable with Hash, comparable with Equal), or std::optional of
///         one where std::nullopt means "no answer".
/// \param samples the N >= 1 sampled answers in sampling order
/// \param scores either empty (no scores) or N per-sample scores; finite wherever the sample has an
///        answer, ignored (may be NaN) where it has none
/// \param options aggregation (mean by default) and the empty-answer convention
/// \returns the distinct answers in first-appearance order with counts c_j, first-appearance
///          indices f_j, frequencies c_j / N, aggregated scores S_j (empty without scores), the
///          group of every sample and a copy of the per-sample scores
/// \pre samples non-empty; scores empty or of size N; answered scores finite
/// \throws std::invalid_argument for an empty sample list or a size mismatch;
///         std::domain_error for a non-finite score of an answered sample
/// Complexity: O(N) expected hash operations and equality checks; mean scores are summed in
/// sampling order in double and divided once by c_j (a group whose sum overflows is summed again
/// with scores scaled by a power of two, so its mean stays finite).
template <class Sample, class Hash = std::hash<typename detail::answer_type<Sample>::type>,
          class Equal = std::equal_to<typename detail::answer_type<Sample>::type>>
grouped_answers<typename detail::answer_type<Sample>::type> group_answers(
    std::span<const Sample> samples, std::span<const double> scores = {},
    const grouping_options& options = {}) {
  using Answer = typename detail::answer_type<Sample>::type;
  grouped_answers<Answer> out;
  std::unordered_map<Answer, std::size_t, Hash, Equal> index;
  out.groups = detail::group_samples(
      samples, scores, options, "select::group_answers",
      [&](const Answer& answer, std::size_t) -> std::pair<std::size_t, bool> {
        const auto [it, inserted] = index.try_emplace(answer, out.answers.size());
        if (inserted) out.answers.push_back(answer);
        return {it->second, inserted};
      });
  return out;
}

/// Convenience overload for std::vector inputs; see the span overload.
template <class Sample, class Hash = std::hash<typename detail::answer_type<Sample>::type>,
          class Equal = std::equal_to<typename detail::answer_type<Sample>::type>>
grouped_answers<typename detail::answer_type<Sample>::type> group_answers(
    const std::vector<Sample>& samples, const std::vector<double>& scores = {},
    const grouping_options& options = {}) {
  return group_answers<Sample, Hash, Equal>(std::span<const Sample>(samples),
                                            std::span<const double>(scores), options);
}

/// Groups N sampled answers with a caller-supplied equivalence predicate instead of hashing (for
/// answers that are equal up to canonicalisation, such as "0.5" and "1/2").
///
/// \param samples the N >= 1 sampled answers in sampling order, as group_answers
/// \param scores empty or N per-sample scores, as group_answers
/// \param equal an equivalence relation `bool(const Answer&, const Answer&)`; a sample joins the
///        first earlier distinct answer it is equal to
/// \param options aggregation and the empty-answer convention, as group_answers
/// \returns as group_answers; answers[j] is the first sample of group j
/// \pre as group_answers; `equal` reflexive, symmetric and transitive (not checked)
/// \throws as group_answers
/// Complexity: O(N M) calls of `equal`.
template <class Sample, class Equal>
grouped_answers<typename detail::answer_type<Sample>::type> group_answers_with(
    std::span<const Sample> samples, std::span<const double> scores, Equal&& equal,
    const grouping_options& options = {}) {
  using Answer = typename detail::answer_type<Sample>::type;
  grouped_answers<Answer> out;
  out.groups =
      detail::group_samples(samples, scores, options, "select::group_answers_with",
                            [&](const Answer& answer, std::size_t) -> std::pair<std::size_t, bool> {
                              for (std::size_t j = 0; j < out.answers.size(); ++j) {
                                if (equal(out.answers[j], answer)) return {j, false};
                              }
                              out.answers.push_back(answer);
                              return {out.answers.size() - 1, true};
                            });
  return out;
}

/// Groups samples given as dense integer ids in {0..id_count-1} (answers already mapped to ids);
/// the id `missing` (for example -1) marks a sample without an answer.
///
/// \param ids the N >= 1 sample ids in sampling order
/// \param id_count number of possible ids; every id other than `missing` must be below it
/// \param scores empty or N per-sample scores, as group_answers
/// \param aggregate score aggregation
/// \param missing the id that means "no answer"
/// \param answer_ids output, or null: when not null it is cleared and receives the id of each
///        distinct answer in first-appearance order
/// \returns the statistics of the distinct ids
/// \pre ids non-empty; ids in range; scores as group_answers
/// \throws std::invalid_argument for an empty list, an id out of range or a size mismatch;
///         std::domain_error for a non-finite answered score
/// Complexity: O(N + id_count) time and memory, no hashing.
inline answer_groups group_ids(std::span<const std::int64_t> ids, std::size_t id_count,
                               std::span<const double> scores = {},
                               aggregation aggregate = aggregation::mean, std::int64_t missing = -1,
                               std::vector<std::int64_t>* answer_ids = nullptr) {
  constexpr std::string_view function = "select::group_ids";
  require_nonempty(ids.size(), function, "ids");
  std::vector<std::size_t> slot(id_count, no_group);
  if (answer_ids != nullptr) answer_ids->clear();
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] != missing && (ids[i] < 0 || static_cast<std::size_t>(ids[i]) >= id_count)) {
      throw_invalid_argument(
          function, "ids[" + std::to_string(i) + "]",
          "in [0, id_count = " + std::to_string(id_count) + ") or the missing id", ids[i]);
    }
  }
  grouping_options options;
  options.aggregate = aggregate;
  std::size_t next = 0;
  // Samples are wrapped as optionals so that `missing` joins no group.
  std::vector<std::optional<std::int64_t>> samples(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] != missing) samples[i] = ids[i];
  }
  return detail::group_samples(std::span<const std::optional<std::int64_t>>(samples), scores,
                               options, function,
                               [&](std::int64_t id, std::size_t) -> std::pair<std::size_t, bool> {
                                 auto& j = slot[static_cast<std::size_t>(id)];
                                 if (j != no_group) return {j, false};
                                 j = next++;
                                 if (answer_ids != nullptr) answer_ids->push_back(id);
                                 return {j, true};
                               });
}

/// Builds answer statistics directly from counts, for simulators that draw counts instead of
/// samples: answer j has count c_j, one score S_j shared by all its samples, and first-appearance
/// index j (list order stands in for sampling order).
///
/// \param counts c_j >= 1 for every listed answer
/// \param scores empty or one score per answer, finite
/// \param sample_count N >= sum of counts (the rest are no-answer samples)
/// \returns statistics with frequencies c_j / N; group_of and sample_scores stay empty
/// \pre counts >= 1; scores empty or the same size and finite; N >= sum of counts and N >= 1
/// \throws std::invalid_argument or std::domain_error when a precondition fails
/// Complexity: O(M).
inline answer_groups groups_from_counts(std::span<const std::size_t> counts,
                                        std::span<const double> scores, std::size_t sample_count) {
  constexpr std::string_view function = "select::groups_from_counts";
  if (!scores.empty())
    require_same_size(scores.size(), counts.size(), function, "scores", "counts");
  require(sample_count >= 1, function, "sample_count", "at least 1", sample_count);
  answer_groups g;
  g.sample_count = sample_count;
  std::size_t total = 0;
  for (std::size_t j = 0; j < counts.size(); ++j) {
    require(counts[j] >= 1, function, "counts[" + std::to_string(j) + "]", "at least 1", counts[j]);
    if (counts[j] > std::numeric_limits<std::size_t>::max() - total) {
      throw_invalid_argument(function, "sum of counts",
                             "at most sample_count = " + std::to_string(sample_count),
                             "a sum past SIZE_MAX at counts[" + std::to_string(j) + "]");
    }
    total += counts[j];
  }
  require(total <= sample_count, function, "sum of counts",
          "at most sample_count = " + std::to_string(sample_count), total);
  require_all_finite(scores, function, "scores");
  g.counts.assign(counts.begin(), counts.end());
  g.first_appearance.resize(counts.size());
  for (std::size_t j = 0; j < counts.size(); ++j) g.first_appearance[j] = j;
  g.scores.assign(scores.begin(), scores.end());
  detail::finish_groups(g, aggregation::sum, false);
  return g;
}

/// The answers picked by a selection (indices into `grouped.answers`), in selection order.
/// \throws std::out_of_range for an index that is not a distinct answer. O(k).
template <class Answer>
std::vector<Answer> selected_answers(const grouped_answers<Answer>& grouped,
                                     std::span<const std::size_t> selection) {
  std::vector<Answer> out;
  out.reserve(selection.size());
  for (std::size_t j : selection) out.push_back(grouped.answers.at(j));
  return out;
}

}  // namespace banditry::select

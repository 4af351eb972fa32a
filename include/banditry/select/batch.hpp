// Batched Pass@k selection: majority voting, Best-of-N and Best-of-Majority for many prompts at
// once, on answer ids already interned to 64-bit integers.
//
// Rules as in "Best-of-Majority: Minimax-Optimal Strategy for Pass@k Inference Scaling",
// arXiv 2510.03199. Per prompt, the result equals the single-prompt functions of rules.hpp applied
// to group_answers of the same row (mean score aggregation, first-appearance ties), bit for bit:
//   - batch_majority_vote      == majority_vote(group_answers(ids), k)
//   - batch_best_of_n          == best_of_n(group_answers(ids, scores), k)
//   - batch_best_of_majority   == best_of_majority(group_answers(ids, scores), k, alpha, on_empty)
//   - batch_top_k_scores       == best_of_n with every sample its own answer (ids 0..N-1)
// A selected answer is reported by the sample index (within its row) of its first appearance;
// ids(b, first_index(b, r)) is the answer id.
//
// Layouts: fixed N as B x N row-major xtensors, or ragged rows as flat spans with B + 1 offsets
// (row b is [offsets[b], offsets[b+1])). Every sample has an answer: this batched form has no
// "no answer" marker, and ids compare by exact equality over all 2^64 values.
//
// Empty rows (N = 0 in a ragged batch, or a B x 0 array) select nothing: size(b) = 0 and the row of
// first_index is all -1.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>
#include <xtensor/xtensor.hpp>

#include "banditry/core/error.hpp"
#include "banditry/select/detail/batch_interleaved.hpp"
#include "banditry/select/detail/batch_row_top_k.hpp"
#include "banditry/select/detail/batch_rows.hpp"
#include "banditry/select/detail/batch_simd.hpp"
#include "banditry/select/rules.hpp"

namespace banditry::select {

/// Execution options of the batched functions.
struct batch_options {
  /// Worker threads over prompts (>= 1). Prompts are split into equal contiguous ranges, one per
  /// thread, so the result does not depend on the thread count.
  std::size_t threads = 1;
  /// Kernel implementation; every kernel returns the same result.
  batch_kernel kernel = batch_kernel::automatic;
};

/// Selections of a batch: row b lists the selected answers of prompt b, best first.
struct batch_selection {
  /// B x k: sample index (within the row) of the first appearance of each selected answer; -1
  /// after the last selected answer.
  xt::xtensor<std::int32_t, 2> first_index;
  /// B: number of selected answers per prompt, min(k, number of candidates); 0 for an empty row.
  xt::xtensor<std::int32_t, 1> size;
};

namespace detail {

// Row access for the fixed (B x N) layout.
struct fixed_rows {
  const std::uint64_t* ids;
  const float* scores;
  std::size_t n;
  batch_row operator()(std::size_t b) const noexcept {
    return {ids == nullptr ? nullptr : ids + b * n, scores == nullptr ? nullptr : scores + b * n,
            n};
  }
};

// Row access for the ragged layout.
struct ragged_rows {
  const std::uint64_t* ids;
  const float* scores;
  const std::size_t* offsets;
  batch_row operator()(std::size_t b) const noexcept {
    const std::size_t begin = offsets[b];
    return {ids == nullptr ? nullptr : ids + begin, scores == nullptr ? nullptr : scores + begin,
            offsets[b + 1] - begin};
  }
};

inline batch_selection make_selection(std::size_t prompts, std::size_t k) {
  batch_selection out;
  out.first_index = xt::xtensor<std::int32_t, 2>::from_shape({prompts, k});
  std::fill(out.first_index.begin(), out.first_index.end(), -1);
  out.size = xt::xtensor<std::int32_t, 1>::from_shape({prompts});
  std::fill(out.size.begin(), out.size.end(), 0);
  return out;
}

/// Runs work(begin, end, workspace) over `threads` equal contiguous ranges of [0, prompts). An
/// exception from the range that starts first wins, so the error does not depend on the thread
/// count: each range stops at its first failing prompt, and ranges are ordered.
template <class Work>
void for_each_prompt_range(std::size_t prompts, std::size_t threads, Work&& work) {
  threads = std::max<std::size_t>(1, std::min(threads, prompts));
  if (threads == 1) {
    batch_workspace ws;
    work(std::size_t{0}, prompts, ws);
    return;
  }
  std::vector<std::exception_ptr> errors(threads);
  {
    std::vector<std::jthread> pool;
    pool.reserve(threads);
    const std::size_t chunk = (prompts + threads - 1) / threads;
    for (std::size_t t = 0; t < threads; ++t) {
      const std::size_t begin = std::min(prompts, t * chunk);
      const std::size_t end = std::min(prompts, begin + chunk);
      pool.emplace_back([&, t, begin, end] {
        try {
          batch_workspace ws;
          work(begin, end, ws);
        } catch (...) {
          errors[t] = std::current_exception();
        }
      });
    }
  }
  for (const auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
}

template <class Rows>
batch_selection run_rule(const Rows& rows, std::size_t prompts, const row_rule& rule,
                         const batch_options& options, std::string_view function) {
  require(options.threads >= 1, function, "options.threads", "at least 1", options.threads);
  const batch_kernel kernel = resolve_kernel(options.kernel, function);
  batch_selection out = make_selection(prompts, rule.k);
  std::int32_t* first = out.first_index.data();
  std::int32_t* size = out.size.data();
  for_each_prompt_range(
      prompts, options.threads, [&](std::size_t begin, std::size_t end, batch_workspace& ws) {
#ifdef BANDITRY_SELECT_X86
        if (kernel == batch_kernel::avx512) {
          run_rule_interleaved_avx512(rows, begin, end, rule, function, ws, first, size);
          return;
        }
        if (kernel == batch_kernel::avx2) {
          run_rule_interleaved_avx2(rows, begin, end, rule, function, ws, first, size);
          return;
        }
#endif
        for (std::size_t b = begin; b < end; ++b) {
          size[b] = static_cast<std::int32_t>(
              process_row(kernel, rows(b), rule, b, function, ws, first + b * rule.k));
        }
      });
  return out;
}

template <class Rows>
batch_selection run_top_k(const Rows& rows, std::size_t prompts, std::size_t k,
                          const batch_options& options, std::string_view function) {
  require(options.threads >= 1, function, "options.threads", "at least 1", options.threads);
  const batch_kernel kernel = resolve_kernel(options.kernel, function);
  batch_selection out = make_selection(prompts, k);
  std::int32_t* first = out.first_index.data();
  std::int32_t* size = out.size.data();
  for_each_prompt_range(
      prompts, options.threads, [&](std::size_t begin, std::size_t end, batch_workspace&) {
        for (std::size_t b = begin; b < end; ++b) {
          const batch_row row = rows(b);
          size[b] = static_cast<std::int32_t>(
              row_top_k(kernel, row.scores, row.n, k, b, function, first + b * k));
        }
      });
  return out;
}

inline void require_row_length(std::size_t n, std::string_view function) {
  require(n <= static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()), function,
          "samples per prompt", "at most 2^31 - 1", n);
}

inline void require_alpha(double alpha, std::string_view function) {
  if (!(alpha >= 0) || !std::isfinite(alpha)) {
    throw_domain_error(function, "alpha", "finite and >= 0", alpha);
  }
}

inline void require_same_shape(const xt::xtensor<std::uint64_t, 2>& ids,
                               const xt::xtensor<float, 2>& scores, std::string_view function) {
  if (ids.shape(0) != scores.shape(0) || ids.shape(1) != scores.shape(1)) {
    throw_invalid_argument(
        function, "scores shape",
        "equal to the ids shape (" + std::to_string(ids.shape(0)) + " x " +
            std::to_string(ids.shape(1)) + ")",
        std::to_string(scores.shape(0)) + " x " + std::to_string(scores.shape(1)));
  }
}

/// Checks ragged offsets: B + 1 entries, offsets[0] = 0, non-decreasing, last = total samples.
inline void require_offsets(std::span<const std::size_t> offsets, std::size_t total,
                            std::string_view function) {
  require(!offsets.empty(), function, "offsets size", "at least 1 (B + 1 entries)", offsets.size());
  require(offsets.front() == 0, function, "offsets[0]", "0", offsets.front());
  for (std::size_t b = 0; b + 1 < offsets.size(); ++b) {
    if (offsets[b + 1] < offsets[b]) {
      throw_invalid_argument(
          function, "offsets[" + std::to_string(b + 1) + "]",
          "at least offsets[" + std::to_string(b) + "] = " + std::to_string(offsets[b]),
          offsets[b + 1]);
    }
    require_row_length(offsets[b + 1] - offsets[b], function);
  }
  require(offsets.back() == total, function, "offsets[B]",
          "the number of samples (" + std::to_string(total) + ")", offsets.back());
}

}  // namespace detail

/// Majority voting for every prompt of a B x N batch: the min(k, M) most frequent answers of each
/// row, ties by first appearance.
///
/// \param ids B x N answer ids, row b = prompt b in sampling order
/// \param k maximum number of answers per prompt (0 selects nothing)
/// \param options threads and kernel
/// \returns first-appearance sample indices of the selected answers, most frequent first
/// \pre options.threads >= 1; an explicitly requested kernel is supported by the CPU
/// \throws std::invalid_argument when a precondition fails
/// Complexity: O(N) per prompt for few distinct answers (one vector pass per distinct answer, at
/// most 16 passes), then expected O(1) hash-table work per remaining sample.
inline batch_selection batch_majority_vote(const xt::xtensor<std::uint64_t, 2>& ids,
                                           std::size_t k = 1, const batch_options& options = {}) {
  constexpr std::string_view function = "select::batch_majority_vote";
  detail::require_row_length(ids.shape(1), function);
  const detail::fixed_rows rows{ids.data(), nullptr, ids.shape(1)};
  return detail::run_rule(rows, ids.shape(0), {detail::row_method::majority, k}, options, function);
}

/// Majority voting over a ragged batch; see the B x N overload.
/// \param ids all samples, prompt after prompt
/// \param offsets B + 1 non-decreasing offsets with offsets[0] = 0 and offsets[B] = ids.size()
/// \throws std::invalid_argument for invalid offsets, as well as the B x N overload's errors
inline batch_selection batch_majority_vote(std::span<const std::uint64_t> ids,
                                           std::span<const std::size_t> offsets, std::size_t k = 1,
                                           const batch_options& options = {}) {
  constexpr std::string_view function = "select::batch_majority_vote";
  detail::require_offsets(offsets, ids.size(), function);
  const detail::ragged_rows rows{ids.data(), nullptr, offsets.data()};
  return detail::run_rule(rows, offsets.size() - 1, {detail::row_method::majority, k}, options,
                          function);
}

/// Best-of-N over distinct answers for every prompt: the min(k, M) answers with the highest mean
/// score (scores of a group summed in double in sampling order, divided by its count), ties by
/// first appearance. Equals batch_best_of_majority with alpha = 0.
///
/// \param ids B x N answer ids
/// \param scores B x N reward-model scores, finite
/// \param k maximum number of answers per prompt
/// \param options threads and kernel
/// \returns first-appearance sample indices, highest mean score first
/// \pre scores has the shape of ids; every score finite
/// \throws std::invalid_argument for a shape mismatch; std::domain_error naming the prompt and
///         sample of the first non-finite score (the first failing prompt in prompt order)
/// Complexity: as batch_majority_vote, plus one masked vector sum per distinct answer.
inline batch_selection batch_best_of_n(const xt::xtensor<std::uint64_t, 2>& ids,
                                       const xt::xtensor<float, 2>& scores, std::size_t k = 1,
                                       const batch_options& options = {}) {
  constexpr std::string_view function = "select::batch_best_of_n";
  detail::require_same_shape(ids, scores, function);
  detail::require_row_length(ids.shape(1), function);
  const detail::fixed_rows rows{ids.data(), scores.data(), ids.shape(1)};
  return detail::run_rule(rows, ids.shape(0), {detail::row_method::best_of_n, k}, options,
                          function);
}

/// Best-of-N over a ragged batch; see the B x N overload and batch_majority_vote for offsets.
inline batch_selection batch_best_of_n(std::span<const std::uint64_t> ids,
                                       std::span<const float> scores,
                                       std::span<const std::size_t> offsets, std::size_t k = 1,
                                       const batch_options& options = {}) {
  constexpr std::string_view function = "select::batch_best_of_n";
  require_same_size(scores.size(), ids.size(), function, "scores", "ids");
  detail::require_offsets(offsets, ids.size(), function);
  const detail::ragged_rows rows{ids.data(), scores.data(), offsets.data()};
  return detail::run_rule(rows, offsets.size() - 1, {detail::row_method::best_of_n, k}, options,
                          function);
}

/// Best-of-Majority (arXiv 2510.03199, Algorithm 1) for every prompt: keep the answers whose
/// frequency c_j / N (one double division) is >= alpha, then select the min(k, |kept|) kept
/// answers with the highest mean score, ties by first appearance. alpha <= 1/N gives Best-of-N.
///
/// \param ids B x N answer ids
/// \param scores B x N reward-model scores, finite
/// \param alpha frequency threshold, finite, >= 0
/// \param k maximum number of answers per prompt
/// \param on_empty when no answer reaches alpha: fallback_max_count ranks the answers of maximal
///        count by score, return_empty selects nothing for that prompt
/// \param options threads and kernel
/// \returns first-appearance sample indices, highest mean score first
/// \throws std::domain_error for a negative or non-finite alpha or a non-finite score (naming the
///         prompt and sample); std::invalid_argument for a shape mismatch
/// Complexity: as batch_best_of_n; sums are computed only for the answers that pass the filter.
inline batch_selection batch_best_of_majority(
    const xt::xtensor<std::uint64_t, 2>& ids, const xt::xtensor<float, 2>& scores, double alpha,
    std::size_t k = 1, empty_filter on_empty = empty_filter::fallback_max_count,
    const batch_options& options = {}) {
  constexpr std::string_view function = "select::batch_best_of_majority";
  detail::require_alpha(alpha, function);
  detail::require_same_shape(ids, scores, function);
  detail::require_row_length(ids.shape(1), function);
  const detail::fixed_rows rows{ids.data(), scores.data(), ids.shape(1)};
  return detail::run_rule(rows, ids.shape(0),
                          {detail::row_method::best_of_majority, k, alpha, on_empty}, options,
                          function);
}

/// Best-of-Majority over a ragged batch; see the B x N overload and batch_majority_vote for
/// offsets. The threshold applies per row with that row's N.
inline batch_selection batch_best_of_majority(
    std::span<const std::uint64_t> ids, std::span<const float> scores,
    std::span<const std::size_t> offsets, double alpha, std::size_t k = 1,
    empty_filter on_empty = empty_filter::fallback_max_count, const batch_options& options = {}) {
  constexpr std::string_view function = "select::batch_best_of_majority";
  detail::require_alpha(alpha, function);
  require_same_size(scores.size(), ids.size(), function, "scores", "ids");
  detail::require_offsets(offsets, ids.size(), function);
  const detail::ragged_rows rows{ids.data(), scores.data(), offsets.data()};
  return detail::run_rule(rows, offsets.size() - 1,
                          {detail::row_method::best_of_majority, k, alpha, on_empty}, options,
                          function);
}

/// Best-of-N when every sample is its own answer: per prompt, the sample indices of the min(k, N)
/// largest scores, larger first, equal scores by lower index.
///
/// \param scores B x N scores, finite
/// \param k maximum number of samples per prompt
/// \param options threads and kernel
/// \returns sample indices, highest score first
/// \throws std::domain_error naming the prompt and sample of the first non-finite score
/// Complexity: O(N k) per prompt; the AVX-512 kernel handles N <= 64 in registers.
inline batch_selection batch_top_k_scores(const xt::xtensor<float, 2>& scores, std::size_t k = 1,
                                          const batch_options& options = {}) {
  constexpr std::string_view function = "select::batch_top_k_scores";
  detail::require_row_length(scores.shape(1), function);
  const detail::fixed_rows rows{nullptr, scores.data(), scores.shape(1)};
  return detail::run_top_k(rows, scores.shape(0), k, options, function);
}

/// Sample-level top-k over a ragged batch; see the B x N overload and batch_majority_vote for
/// offsets.
inline batch_selection batch_top_k_scores(std::span<const float> scores,
                                          std::span<const std::size_t> offsets, std::size_t k = 1,
                                          const batch_options& options = {}) {
  constexpr std::string_view function = "select::batch_top_k_scores";
  detail::require_offsets(offsets, scores.size(), function);
  const detail::ragged_rows rows{nullptr, scores.data(), offsets.data()};
  return detail::run_top_k(rows, offsets.size() - 1, k, options, function);
}

}  // namespace banditry::select

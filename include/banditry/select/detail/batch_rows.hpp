// Per-prompt work of the batched selection functions: grouping one row of answer ids into distinct
// answers and applying majority voting, Best-of-N or Best-of-Majority to the groups.
//
// Grouping runs in two phases, chosen by the number of distinct answers:
//   1. compare phase: take the first sample not yet grouped, compare its id with the whole row
//      (vector compares into a bit mask), count the matches with popcount and remove them. Each
//      distinct answer costs one pass over the row, so this phase stops after
//      compare_phase_max_groups answers, or earlier when the groups found so far are small;
//   2. table phase: the remaining samples go through a small open-addressing table that resets
//      only the slots it touched, so its cost does not depend on the table size.
// Both phases produce groups in first-appearance order. The table phase adds scores in sample
// order. The compare phase adds them in any order when the row passed the exactness test of
// sums_exact_in_any_order, and in sample order otherwise, so every group sum equals the
// left-to-right double sum of the single-prompt grouping bit for bit.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "banditry/core/error.hpp"
#include "banditry/select/detail/batch_simd.hpp"
#include "banditry/select/rules.hpp"

namespace banditry::select::detail {

/// One distinct answer of a row.
struct batch_group {
  std::uint32_t first = 0;  ///< sample index of its first appearance
  std::uint32_t count = 0;  ///< number of samples with this answer
  bool has_sum = false;     ///< whether `sum` was computed
  double sum = 0;           ///< sum of the group's scores
};

/// Scratch memory of one thread; reused across rows so that no row allocates.
struct batch_workspace {
  std::vector<std::uint64_t> remaining;   // bit i: sample i not yet in a group
  std::vector<batch_group> groups;        // distinct answers in first-appearance order
  std::vector<double> widened;            // the row's scores converted to double
  std::vector<std::uint64_t> slot_key;    // table phase: id stored in a slot
  std::vector<std::uint32_t> slot_group;  // table phase: group index + 1, 0 for an empty slot
  std::vector<std::uint32_t> touched;     // table phase: slots to reset after the row
};

/// The rules the row kernels implement.
enum class row_method { majority, best_of_n, best_of_majority };

/// What the row kernels need to know about the rule.
struct row_rule {
  row_method kind = row_method::majority;
  std::size_t k = 1;
  double alpha = 0;
  empty_filter on_empty = empty_filter::fallback_max_count;
};

inline constexpr std::size_t compare_phase_max_groups = 16;

/// Smallest count c in [0, n] with double(c) / double(n) >= alpha, or n + 1 when there is none.
/// Correctly rounded division is monotone in c, so `count >= min_count(alpha, n)` equals the
/// single-prompt test `c / N >= alpha` for every count.
inline std::size_t min_count(double alpha, std::size_t n) noexcept {
  if (n == 0) return 1;
  const auto n_real = static_cast<double>(n);
  double guess = std::ceil(alpha * n_real);
  if (!(guess >= 0)) guess = 0;
  auto c = static_cast<std::size_t>(std::min(guess, n_real + 1));
  while (c > 0 && static_cast<double>(c - 1) / n_real >= alpha) --c;
  while (c <= n && static_cast<double>(c) / n_real < alpha) ++c;
  return c;
}

/// Equality mask of ids[0..len) against key with the chosen kernel (len <= 64).
inline std::uint64_t match_word(batch_kernel kernel, const std::uint64_t* ids, std::size_t len,
                                std::uint64_t key) {
#ifdef BANDITRY_SELECT_X86
  if (kernel == batch_kernel::avx512) return match_word_avx512(ids, len, key);
  if (kernel == batch_kernel::avx2) return match_word_avx2(ids, len, key);
#endif
  (void)kernel;
  return match_word_portable(ids, len, key);
}

inline score_scan scan_scores(batch_kernel kernel, const float* scores, std::size_t n,
                              double* widened) {
#ifdef BANDITRY_SELECT_X86
  if (kernel == batch_kernel::avx512) return scan_scores_avx512(scores, n, widened);
  if (kernel == batch_kernel::avx2) return scan_scores_avx2(scores, n, widened);
#endif
  (void)kernel;
  (void)widened;  // the portable kernel sums floats in sample order and needs no widened copy
  return scan_scores_portable(scores, n, nullptr);
}

/// Adds the group's scores under the mask of one word to `sum`. With `any_order` the vector
/// kernels may add in any order; otherwise the addition continues the left-to-right chain.
inline void add_word_sum(batch_kernel kernel, bool any_order, const float* scores,
                         const double* widened, std::uint64_t mask, std::size_t len, double& sum,
                         bool& started) {
#ifdef BANDITRY_SELECT_X86
  if (any_order && kernel != batch_kernel::portable) {
    const double part = kernel == batch_kernel::avx512 ? masked_sum_avx512(widened, mask, len)
                                                       : masked_sum_avx2(widened, mask, len);
    sum = started ? sum + part : part;
    started = true;
    return;
  }
#endif
  (void)any_order;
  (void)widened;
  (void)len;
  (void)kernel;
  sequential_masked_sum(scores, mask, sum, started);
}

/// One prompt's samples.
struct batch_row {
  const std::uint64_t* ids = nullptr;
  const float* scores = nullptr;  // null for majority voting
  std::size_t n = 0;
};

/// Computes the sum of group `g` by comparing its id with the row again (used for the groups that
/// the compare phase skipped, such as the fallback groups of Best-of-Majority).
inline void fill_group_sum(batch_kernel kernel, bool any_order, const batch_row& row,
                           batch_workspace& ws, batch_group& g) {
  const std::uint64_t key = row.ids[g.first];
  double sum = 0;
  bool started = false;
  for (std::size_t base = g.first - g.first % 64; base < row.n; base += 64) {
    const std::size_t len = std::min<std::size_t>(64, row.n - base);
    const std::uint64_t mask = match_word(kernel, row.ids + base, len, key);
    if (mask == 0) continue;
    add_word_sum(kernel, any_order, row.scores + base, ws.widened.data() + base, mask, len, sum,
                 started);
  }
  g.sum = sum;
  g.has_sum = true;
}

/// Table phase: groups the samples still marked in ws.remaining, in sample order.
inline void group_remaining_with_table(const batch_row& row, bool with_scores,
                                       std::size_t remaining_count, batch_workspace& ws) {
  std::size_t capacity = 16;
  while (capacity < 2 * remaining_count) capacity *= 2;
  if (ws.slot_key.size() < capacity) {
    ws.slot_key.resize(capacity);
    ws.slot_group.assign(capacity, 0);
  }
  const int shift = 64 - std::countr_zero(capacity);
  const std::size_t slot_mask = capacity - 1;
  ws.touched.clear();
  for (std::size_t word = 0; word < ws.remaining.size(); ++word) {
    std::uint64_t bits = ws.remaining[word];
    while (bits != 0) {
      const std::size_t i = 64 * word + static_cast<std::size_t>(std::countr_zero(bits));
      bits &= bits - 1;
      const std::uint64_t id = row.ids[i];
      // Fibonacci hashing: the top bits of id * 2^64 / golden ratio.
      std::size_t slot = static_cast<std::size_t>((id * 0x9E3779B97F4A7C15ull) >> shift);
      while (ws.slot_group[slot] != 0 && ws.slot_key[slot] != id) slot = (slot + 1) & slot_mask;
      const double score = with_scores ? static_cast<double>(row.scores[i]) : 0.0;
      if (ws.slot_group[slot] == 0) {
        ws.slot_key[slot] = id;
        ws.slot_group[slot] = static_cast<std::uint32_t>(ws.groups.size() + 1);
        ws.touched.push_back(static_cast<std::uint32_t>(slot));
        ws.groups.push_back({static_cast<std::uint32_t>(i), 1, with_scores, score});
      } else {
        batch_group& g = ws.groups[ws.slot_group[slot] - 1];
        ++g.count;
        g.sum += score;
      }
    }
    ws.remaining[word] = 0;
  }
  for (std::uint32_t slot : ws.touched) ws.slot_group[slot] = 0;
}

#ifdef BANDITRY_SELECT_X86
// GCC 12 reports its own conversion and reduction intrinsics as reading an uninitialised vector
// (they start from _mm512_undefined_*); the warning is a false positive.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
/// AVX-512 compare phase for rows of at most 64 samples with everything in registers: the ids in
/// eight vectors of 8 and, when sums are needed, the scores widened to double in eight more. One
/// distinct answer costs 8 compares into mask registers, 3 mask merges and popcount, plus 8
/// masked adds when its sum is needed. Returns the number of samples left for the table phase
/// (their bits in ws.remaining[0]).
BANDITRY_TARGET_AVX512 inline std::size_t compare_phase_avx512_64(const batch_row& row,
                                                                  bool any_order,
                                                                  std::size_t sum_from_count,
                                                                  bool stop_when_decided,
                                                                  batch_workspace& ws) {
  const std::size_t n = row.n;
  const bool with_scores = row.scores != nullptr;
  __m512i id[8];
  __m512d score[8];
  for (int b = 0; b < 8; ++b) {
    const std::size_t begin = 8 * static_cast<std::size_t>(b);
    const std::size_t len = n > begin ? std::min<std::size_t>(8, n - begin) : 0;
    const auto lanes = static_cast<__mmask8>((1u << len) - 1u);
    id[b] = _mm512_maskz_loadu_epi64(lanes, row.ids + begin);
    score[b] = with_scores && any_order
                   ? _mm512_cvtps_pd(_mm256_maskz_loadu_ps(lanes, row.scores + begin))
                   : _mm512_setzero_pd();
  }
  std::uint64_t remaining = n == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
  std::size_t left = n;
  std::size_t best_count = 0;
  while (left > 0) {
    const std::size_t found = ws.groups.size();
    if (found >= compare_phase_max_groups || (found >= 4 && n - left < 3 * found)) break;
    const auto first = static_cast<std::size_t>(std::countr_zero(remaining));
    const __m512i key = _mm512_set1_epi64(static_cast<long long>(row.ids[first]));
    const __mmask8 m0 = _mm512_cmpeq_epi64_mask(id[0], key);
    const __mmask8 m1 = _mm512_cmpeq_epi64_mask(id[1], key);
    const __mmask8 m2 = _mm512_cmpeq_epi64_mask(id[2], key);
    const __mmask8 m3 = _mm512_cmpeq_epi64_mask(id[3], key);
    const __mmask8 m4 = _mm512_cmpeq_epi64_mask(id[4], key);
    const __mmask8 m5 = _mm512_cmpeq_epi64_mask(id[5], key);
    const __mmask8 m6 = _mm512_cmpeq_epi64_mask(id[6], key);
    const __mmask8 m7 = _mm512_cmpeq_epi64_mask(id[7], key);
    const __mmask32 lo = _mm512_kunpackw(_mm512_kunpackb(m3, m2), _mm512_kunpackb(m1, m0));
    const __mmask32 hi = _mm512_kunpackw(_mm512_kunpackb(m7, m6), _mm512_kunpackb(m5, m4));
    // Lanes past n hold id 0; the remaining mask drops them if the key is 0.
    const std::uint64_t mask = static_cast<std::uint64_t>(_mm512_kunpackd(hi, lo)) & remaining;
    batch_group g;
    g.first = static_cast<std::uint32_t>(first);
    g.count = static_cast<std::uint32_t>(std::popcount(mask));
    remaining &= ~mask;
    left -= g.count;
    if (with_scores && g.count >= sum_from_count) {
      if (any_order) {
        __m512d acc0 = _mm512_maskz_mov_pd(m0, score[0]);
        __m512d acc1 = _mm512_maskz_mov_pd(m1, score[1]);
        acc0 = _mm512_mask_add_pd(acc0, m2, acc0, score[2]);
        acc1 = _mm512_mask_add_pd(acc1, m3, acc1, score[3]);
        acc0 = _mm512_mask_add_pd(acc0, m4, acc0, score[4]);
        acc1 = _mm512_mask_add_pd(acc1, m5, acc1, score[5]);
        acc0 = _mm512_mask_add_pd(acc0, m6, acc0, score[6]);
        acc1 = _mm512_mask_add_pd(acc1, m7, acc1, score[7]);
        g.sum = _mm512_reduce_add_pd(_mm512_add_pd(acc0, acc1));
      } else {
        bool started = false;
        sequential_masked_sum(row.scores, mask, g.sum, started);
      }
      g.has_sum = true;
    }
    ws.groups.push_back(g);
    best_count = std::max<std::size_t>(best_count, g.count);
    if (stop_when_decided && best_count >= left) return 0;
  }
  ws.remaining.assign(1, remaining);
  return left;
}
#pragma GCC diagnostic pop
#endif  // BANDITRY_SELECT_X86

/// Groups one row into ws.groups. Sums are computed for every group of count >= sum_from_count
/// (never when `scores` is null). With `stop_when_decided` (majority voting with k = 1) the
/// compare phase stops as soon as no later answer can outnumber the best one found.
inline void group_row(batch_kernel kernel, const batch_row& row, bool any_order,
                      std::size_t sum_from_count, bool stop_when_decided, batch_workspace& ws) {
  const std::size_t words = (row.n + 63) / 64;
  ws.groups.clear();
#ifdef BANDITRY_SELECT_X86
  if (kernel == batch_kernel::avx512 && words == 1) {
    const std::size_t left =
        compare_phase_avx512_64(row, any_order, sum_from_count, stop_when_decided, ws);
    if (left > 0) group_remaining_with_table(row, row.scores != nullptr, left, ws);
    return;
  }
#endif
  ws.remaining.assign(words, ~std::uint64_t{0});
  if (row.n % 64 != 0) ws.remaining[words - 1] = (std::uint64_t{1} << (row.n % 64)) - 1;
  const bool with_scores = row.scores != nullptr;
  std::size_t left = row.n;
  std::size_t best_count = 0;
  std::size_t word = 0;
  while (left > 0) {
    while (ws.remaining[word] == 0) ++word;
    const bool few_so_far = ws.groups.size() < compare_phase_max_groups;
    // After four answers, small groups signal many distinct answers: the table is cheaper then.
    const bool groups_are_large = ws.groups.size() < 4 || (row.n - left) >= 3 * ws.groups.size();
    if (!few_so_far || !groups_are_large) break;
    const std::size_t first =
        64 * word + static_cast<std::size_t>(std::countr_zero(ws.remaining[word]));
    const std::uint64_t key = row.ids[first];
    batch_group g;
    g.first = static_cast<std::uint32_t>(first);
    // Samples before word `word` are all grouped already, so the matches start there.
    std::uint64_t single_mask = 0;
    const bool single_word = words == 1;
    for (std::size_t w = word; w < words; ++w) {
      const std::size_t len = std::min<std::size_t>(64, row.n - 64 * w);
      const std::uint64_t mask = match_word(kernel, row.ids + 64 * w, len, key);
      if (single_word) single_mask = mask;
      g.count += static_cast<std::uint32_t>(std::popcount(mask));
      ws.remaining[w] &= ~mask;
    }
    left -= g.count;
    if (with_scores && g.count >= sum_from_count) {
      if (single_word) {
        bool started = false;
        add_word_sum(kernel, any_order, row.scores, ws.widened.data(), single_mask, row.n, g.sum,
                     started);
        g.has_sum = true;
      } else {
        ws.groups.push_back(g);
        fill_group_sum(kernel, any_order, row, ws, ws.groups.back());
        best_count = std::max<std::size_t>(best_count, g.count);
        continue;
      }
    }
    ws.groups.push_back(g);
    best_count = std::max<std::size_t>(best_count, g.count);
    if (stop_when_decided && best_count >= left) return;
  }
  if (left > 0) group_remaining_with_table(row, with_scores, left, ws);
}

/// A selected answer in a top-k list.
struct ranked_entry {
  double value;
  std::uint32_t first;
};

/// Inserts a candidate into `top` (size <= k, best first). Candidates arrive in first-appearance
/// order, so a candidate equal in value to an entry ranks after it.
inline void insert_ranked(ranked_entry* top, std::size_t& size, std::size_t k,
                          ranked_entry candidate) noexcept {
  if (size == k && !(candidate.value > top[size - 1].value)) return;
  std::size_t pos = size < k ? size++ : size - 1;
  while (pos > 0 && candidate.value > top[pos - 1].value) {
    top[pos] = top[pos - 1];
    --pos;
  }
  top[pos] = candidate;
}

/// Applies the rule to ws.groups and writes the first-appearance indices of the selected answers,
/// best first, to out[0..size); returns size. The groups must carry sums where the rule needs them
/// (missing ones are filled here).
inline std::size_t select_from_groups(batch_kernel kernel, bool any_order, const batch_row& row,
                                      const row_rule& rule, std::size_t min_c, batch_workspace& ws,
                                      std::int32_t* out) {
  constexpr std::size_t stack_k = 64;
  ranked_entry stack_top[stack_k];
  std::vector<ranked_entry> heap_top;
  ranked_entry* top = stack_top;
  const std::size_t k = std::min(rule.k, ws.groups.size());
  if (k == 0) return 0;
  if (k > stack_k) {
    heap_top.resize(k);
    top = heap_top.data();
  }
  std::size_t size = 0;
  if (rule.kind == row_method::majority) {
    for (const batch_group& g : ws.groups) {
      insert_ranked(top, size, k, {static_cast<double>(g.count), g.first});
    }
  } else {
    std::size_t threshold = rule.kind == row_method::best_of_majority ? min_c : 0;
    bool any_kept = false;
    for (const batch_group& g : ws.groups) any_kept = any_kept || g.count >= threshold;
    if (!any_kept) {
      if (rule.on_empty == empty_filter::return_empty) return 0;
      threshold = 0;
      for (const batch_group& g : ws.groups) threshold = std::max<std::size_t>(threshold, g.count);
    }
    for (batch_group& g : ws.groups) {
      if (g.count < threshold) continue;
      if (!g.has_sum) fill_group_sum(kernel, any_order, row, ws, g);
      insert_ranked(top, size, k, {g.sum / static_cast<double>(g.count), g.first});
    }
  }
  for (std::size_t r = 0; r < size; ++r) out[r] = static_cast<std::int32_t>(top[r].first);
  return size;
}

/// Throws the error for a non-finite score of sample `sample` in prompt `prompt`.
[[noreturn]] inline void throw_bad_score(std::string_view function, std::size_t prompt,
                                         std::size_t sample, float value) {
  throw_domain_error(
      function,
      "scores[prompt " + std::to_string(prompt) + ", sample " + std::to_string(sample) + "]",
      "finite", value);
}

/// Runs the rule on one row: validates scores, groups and selects. Returns the output size.
inline std::size_t process_row(batch_kernel kernel, const batch_row& row, const row_rule& rule,
                               std::size_t prompt, std::string_view function, batch_workspace& ws,
                               std::int32_t* out) {
  if (row.n == 0 || rule.k == 0) return 0;
  bool any_order = false;
  if (row.scores != nullptr) {
    if (ws.widened.size() < row.n) ws.widened.resize(row.n);
    const score_scan scan = scan_scores(kernel, row.scores, row.n, ws.widened.data());
    if (scan.first_bad != std::numeric_limits<std::size_t>::max()) {
      throw_bad_score(function, prompt, scan.first_bad, row.scores[scan.first_bad]);
    }
    any_order = scan.any_order_exact;
  }
  const std::size_t min_c =
      rule.kind == row_method::best_of_majority ? min_count(rule.alpha, row.n) : 0;
  const bool decided_early = rule.kind == row_method::majority && rule.k == 1;
  // Best-of-Majority needs sums only for answers that pass the filter; a group below the
  // threshold gets its sum later only if the empty-filter fallback selects it.
  const std::size_t sum_from =
      rule.kind == row_method::best_of_majority ? std::max<std::size_t>(min_c, 1) : 1;
  group_row(kernel, row, any_order, sum_from, decided_early, ws);
  return select_from_groups(kernel, any_order, row, rule, min_c, ws, out);
}

}  // namespace banditry::select::detail

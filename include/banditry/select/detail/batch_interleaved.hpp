// Interleaved AVX-512 and AVX2 kernels of the batched selection functions for rows of at most 64
// samples with at most 16 distinct answers (the common case of Pass@k sampling).
//
// The grouping loop of one row is a dependency chain: the next distinct answer is the first
// sample that no earlier answer matched, so it waits for the previous match mask (an estimated 25
// to 30 cycles from mask to mask). This kernel advances four rows in lockstep, one distinct answer
// of each row per round, so that four independent chains overlap in the out-of-order core. Per
// distinct answer it does 8 compares of the row's u64 ids against the broadcast id (memory
// operands, the row stays in L1), a popcount, and, when scores are present, 8 masked adds of the
// widened scores. Counts, partial sums and the ranking stay in fixed arrays on the stack, so no
// row allocates.
//
// NOTE: relabelling each row's ids to 16-bit labels (2 compares per distinct answer instead of 8,
// with a full-id check) was measured and was not faster; docs/benchmarks.md has the numbers.
//
// Rows the kernel does not finish go to the general row kernel (process_row), which gives the
// same result: rows with a non-finite score (the general kernel throws the error), rows whose
// group sums depend on the order of additions (see sums_exact_in_any_order), rows with more than
// 16 distinct answers or many small groups, and Best-of-Majority rows where no answer reaches the
// threshold. After the grouping of a block of four, its rows are finished in prompt order, and
// only process_row can throw, so the first failing prompt still throws first.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string_view>

#include "banditry/select/detail/batch_rows.hpp"
#include "banditry/select/detail/batch_simd.hpp"

namespace banditry::select::detail {

/// Rows advanced together by the interleaved kernel.
inline constexpr std::size_t interleaved_rows = 4;

#ifdef BANDITRY_SELECT_X86
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

/// State of one row inside the interleaved kernel.
struct alignas(64) interleaved_row {
  alignas(64) double widened[64];        // scores converted to double (lanes past n are 0)
  alignas(64) std::uint64_t padded[64];  // copy of the ids when n < 64
  const std::uint64_t* ids = nullptr;    // 64 readable ids (the row itself or `padded`)
  std::uint64_t remaining = 0;           // bit i: sample i not yet in a group
  std::uint32_t n = 0;
  std::uint32_t found = 0;  // distinct answers found so far
  std::uint32_t left = 0;   // samples not yet grouped
  std::uint32_t best_count = 0;
  // Best-of-Majority: the threshold count min_c. Once fewer samples are left, no later answer
  // can pass the filter, so grouping stops there.
  std::uint32_t min_c = 0;
  bool active = false;  // still grouping
  bool fast = false;    // the kernel finishes this row (otherwise process_row does)
  std::uint32_t first[16];
  std::uint32_t count[16];
  double sum[16];                 // means of the kept groups, for the ranking when k > 1
  alignas(64) double acc[16][8];  // per group: 8 partial sums, added up by sum_lanes_of_8_avx512
};

/// Starts grouping a row of 1 to 64 samples in `st`: ids padded with 0 to 64 when n < 64.
inline void interleaved_init(const batch_row& row, interleaved_row& st) {
  const std::size_t n = row.n;
  st.n = static_cast<std::uint32_t>(n);
  st.remaining = n == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
  st.left = st.n;
  st.found = 0;
  st.best_count = 0;
  st.active = true;
  st.fast = true;
  if (n == 64) {
    st.ids = row.ids;
  } else {
    std::memcpy(st.padded, row.ids, n * sizeof(std::uint64_t));
    std::memset(st.padded + n, 0, (64 - n) * sizeof(std::uint64_t));
    st.ids = st.padded;
  }
}

/// Records the group of sample `first` with match mask `mask` (all samples with its id) and
/// decides whether the row goes on; returns the group's slot.
inline std::uint32_t interleaved_record(interleaved_row& st, std::uint32_t first,
                                        std::uint64_t mask, bool stop_when_decided) {
  mask &= st.remaining;
  const auto count = static_cast<std::uint32_t>(std::popcount(mask));
  st.remaining &= ~mask;
  st.left -= count;
  const std::uint32_t g = st.found;
  ++st.found;
  st.first[g] = first;
  st.count[g] = count;
  st.best_count = std::max(st.best_count, count);
  const std::uint32_t grouped = st.n - st.left;
  if (st.left < st.min_c || st.left == 0 || (stop_when_decided && st.best_count >= st.left)) {
    st.active = false;
  } else if (st.found >= compare_phase_max_groups || (st.found >= 4 && grouped < 3 * st.found)) {
    // Many distinct answers: the general kernel's hash table is cheaper for the rest.
    st.active = false;
    st.fast = false;
  }
  return g;
}

/// Loads a row's ids and scores into `st`; returns false when the row must go to process_row
/// (non-finite score, or group sums that depend on the order of additions).
BANDITRY_TARGET_AVX512 inline bool interleaved_load_avx512(const batch_row& row,
                                                           interleaved_row& st) {
  interleaved_init(row, st);
  const std::size_t n = row.n;
  if (row.scores == nullptr) return true;
  const __m512i sign_off = _mm512_set1_epi32(0x7FFFFFFF);
  const __m512i inf_bits = _mm512_set1_epi32(0x7F800000);
  __m512i max_v = _mm512_setzero_si512();
  __m512i min_v = sign_off;
  __mmask16 bad = 0;
  for (std::size_t i = 0; i < 64; i += 16) {
    const std::size_t len = n > i ? std::min<std::size_t>(16, n - i) : 0;
    const auto lanes = static_cast<__mmask16>(len == 16 ? 0xFFFFu : (1u << len) - 1u);
    const __m512 v = _mm512_maskz_loadu_ps(lanes, row.scores + i);
    const __m512i bits = _mm512_and_si512(_mm512_castps_si512(v), sign_off);
    bad |= _mm512_cmpge_epu32_mask(bits, inf_bits);
    max_v = _mm512_max_epu32(max_v, bits);
    const __mmask16 nonzero = _mm512_test_epi32_mask(bits, bits);
    min_v = _mm512_mask_min_epu32(min_v, nonzero, min_v, bits);
    _mm512_store_pd(st.widened + i, _mm512_maskz_cvtps_pd(0xFF, _mm512_castps512_ps256(v)));
    _mm512_store_pd(st.widened + i + 8,
                    _mm512_maskz_cvtps_pd(0xFF, _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(
                                                    0xF, _mm512_castps_pd(v), 1))));
  }
  if (bad != 0) return false;
  return sums_exact_in_any_order(_mm512_reduce_max_epu32(max_v), _mm512_reduce_min_epu32(min_v), n);
}

/// One round for one active row: finds its next distinct answer, counts it and, with scores, keeps
/// the 8 partial sums of its scores (added up in any order later; the caller checked that sums
/// are exact).
template <bool WithScores>
BANDITRY_TARGET_AVX512 inline void interleaved_step_avx512(interleaved_row& st,
                                                           bool stop_when_decided) {
  const auto first = static_cast<std::uint32_t>(std::countr_zero(st.remaining));
  const __m512i key = _mm512_set1_epi64(static_cast<long long>(st.ids[first]));
  const auto* p = reinterpret_cast<const __m512i*>(st.ids);
  // Lanes past n hold id 0 and score 0: `remaining` drops them from the mask, and in the sums
  // they add 0. An id matched here is in no earlier group, so the group is mask & remaining.
  // Each block's match mask feeds the masked add at once and is then merged into the 64-bit
  // mask in a general register, which keeps only two mask registers live.
  __m512d acc0 = _mm512_setzero_pd();
  __m512d acc1 = _mm512_setzero_pd();
  std::uint64_t mask = 0;
  for (int blk = 0; blk < 8; blk += 2) {
    const __mmask8 m0 = _mm512_cmpeq_epi64_mask(_mm512_loadu_si512(p + blk), key);
    const __mmask8 m1 = _mm512_cmpeq_epi64_mask(_mm512_loadu_si512(p + blk + 1), key);
    if constexpr (WithScores) {
      acc0 = _mm512_mask_add_pd(acc0, m0, acc0, _mm512_load_pd(st.widened + 8 * blk));
      acc1 = _mm512_mask_add_pd(acc1, m1, acc1, _mm512_load_pd(st.widened + 8 * blk + 8));
    }
    mask |= static_cast<std::uint64_t>(_cvtmask8_u32(m0) | (_cvtmask8_u32(m1) << 8)) << (8 * blk);
  }
  const std::uint32_t g = interleaved_record(st, first, mask, stop_when_decided);
  // The 8 partial sums of each group are added up at the end, in sum_lanes_of_8_avx512.
  if constexpr (WithScores) _mm512_store_pd(st.acc[g], _mm512_add_pd(acc0, acc1));
}

/// Lane-pair sums of two vectors: 128-bit block j holds (x[2j] + x[2j+1], y[2j] + y[2j+1]).
BANDITRY_TARGET_AVX512 inline __m512d sum_pairs_avx512(const double* x, const double* y) {
  const __m512d a = _mm512_load_pd(x);
  const __m512d b = _mm512_load_pd(y);
  return _mm512_add_pd(_mm512_unpacklo_pd(a, b), _mm512_unpackhi_pd(a, b));
}

/// Horizontal sums of 8 vectors: lane j of the result is the sum of the lanes of v[j]. The order
/// of additions differs from a left-to-right sum; callers use it only where sums are exact.
BANDITRY_TARGET_AVX512 inline __m512d sum_lanes_of_8_avx512(const double (*v)[8]) {
  const __m512d p01 = sum_pairs_avx512(v[0], v[1]);  // 128-bit block j: partial sums of v0, v1
  const __m512d p23 = sum_pairs_avx512(v[2], v[3]);
  const __m512d p45 = sum_pairs_avx512(v[4], v[5]);
  const __m512d p67 = sum_pairs_avx512(v[6], v[7]);
  // Blocks: [v0 v1], [v0 v1], [v2 v3], [v2 v3] (and the same for v4 to v7).
  const __m512d q03 =
      _mm512_add_pd(_mm512_shuffle_f64x2(p01, p23, 0x88), _mm512_shuffle_f64x2(p01, p23, 0xDD));
  const __m512d q47 =
      _mm512_add_pd(_mm512_shuffle_f64x2(p45, p67, 0x88), _mm512_shuffle_f64x2(p45, p67, 0xDD));
  return _mm512_add_pd(_mm512_shuffle_f64x2(q03, q47, 0x88), _mm512_shuffle_f64x2(q03, q47, 0xDD));
}

/// Ranks the groups of a finished row; returns false when the row needs process_row (Best-of-
/// Majority with no answer at the threshold, which takes the empty-filter rule). For k = 1 the
/// ranking is a vector maximum over the (at most 16) groups followed by the first group equal to
/// it, which is the first-appearance tie rule; for k > 1 it inserts into a sorted list of k.
BANDITRY_TARGET_AVX512 inline bool interleaved_select_avx512(interleaved_row& st,
                                                             const row_rule& rule,
                                                             std::size_t min_c, std::int32_t* out,
                                                             std::int32_t& size) {
  const auto found = static_cast<__mmask16>((1u << st.found) - 1u);
  const __m512i counts = _mm512_maskz_loadu_epi32(found, st.count);
  const bool by_count = rule.kind == row_method::majority;
  const std::size_t threshold = rule.kind == row_method::best_of_majority ? min_c : 0;
  const __mmask16 kept = _mm512_mask_cmpge_epu32_mask(
      found, counts, _mm512_set1_epi32(static_cast<int>(std::min<std::size_t>(threshold, 65))));
  if (kept == 0) return false;
  if (by_count) {
    if (rule.k == 1) {
      const auto best = static_cast<int>(_mm512_mask_reduce_max_epu32(found, counts));
      const __mmask16 at_best =
          _mm512_mask_cmpeq_epi32_mask(found, counts, _mm512_set1_epi32(best));
      out[0] =
          static_cast<std::int32_t>(st.first[std::countr_zero(static_cast<unsigned>(at_best))]);
      size = 1;
      return true;
    }
  } else {
    // Group sums from the partial sums (groups 8 to 15 only when one of them is kept, which is
    // rare: late answers are small). Slots past `found` are zeroed so that no stale value enters
    // the additions.
    const auto kept_lo = static_cast<__mmask8>(kept);
    const auto kept_hi = static_cast<__mmask8>(kept >> 8);
    for (std::uint32_t g = st.found; g < 8; ++g) _mm512_store_pd(st.acc[g], _mm512_setzero_pd());
    const __m512d c_lo = _mm512_cvtepu32_pd(_mm512_castsi512_si256(counts));
    // Means sum / count, correctly rounded as in the scalar division.
    const __m512d mean_lo = _mm512_maskz_div_pd(kept_lo, sum_lanes_of_8_avx512(st.acc), c_lo);
    __m512d mean_hi = _mm512_setzero_pd();
    if (kept_hi != 0) {
      for (std::uint32_t g = std::max<std::uint32_t>(st.found, 8); g < 16; ++g) {
        _mm512_store_pd(st.acc[g], _mm512_setzero_pd());
      }
      const __m512d c_hi = _mm512_cvtepu32_pd(_mm512_maskz_extracti64x4_epi64(0xF, counts, 1));
      mean_hi = _mm512_maskz_div_pd(kept_hi, sum_lanes_of_8_avx512(st.acc + 8), c_hi);
    }
    if (rule.k == 1) {
      const __m512d lowest = _mm512_set1_pd(-std::numeric_limits<double>::infinity());
      const __m512d best_v = _mm512_max_pd(_mm512_mask_mov_pd(lowest, kept_lo, mean_lo),
                                           _mm512_mask_mov_pd(lowest, kept_hi, mean_hi));
      const __m512d best = _mm512_set1_pd(_mm512_reduce_max_pd(best_v));
      // -0.0 and +0.0 compare equal here, as in the scalar ranking.
      const unsigned at_best =
          static_cast<unsigned>(_mm512_mask_cmp_pd_mask(kept_lo, mean_lo, best, _CMP_EQ_OQ)) |
          (static_cast<unsigned>(_mm512_mask_cmp_pd_mask(kept_hi, mean_hi, best, _CMP_EQ_OQ)) << 8);
      out[0] = static_cast<std::int32_t>(st.first[std::countr_zero(at_best)]);
      size = 1;
      return true;
    }
    _mm512_storeu_pd(st.sum, mean_lo);
    _mm512_storeu_pd(st.sum + 8, mean_hi);
  }
  ranked_entry top[16];
  std::size_t filled = 0;
  const std::size_t k = std::min<std::size_t>(rule.k, st.found);
  for (std::uint32_t g = 0; g < st.found; ++g) {
    if (((kept >> g) & 1u) == 0) continue;
    const double value = by_count ? static_cast<double>(st.count[g]) : st.sum[g];
    insert_ranked(top, filled, k, {value, st.first[g]});
  }
  for (std::size_t r = 0; r < filled; ++r) out[r] = static_cast<std::int32_t>(top[r].first);
  size = static_cast<std::int32_t>(filled);
  return true;
}

/// Runs the rule on prompts [begin, end) of `rows` with the interleaved kernel where it applies
/// and process_row elsewhere. `first` and `size` are the whole batch's output arrays.
template <class Rows>
BANDITRY_TARGET_AVX512 void run_rule_interleaved_avx512(const Rows& rows, std::size_t begin,
                                                        std::size_t end, const row_rule& rule,
                                                        std::string_view function,
                                                        batch_workspace& ws, std::int32_t* first,
                                                        std::int32_t* size) {
  if (rule.k == 0) return;
  const bool decided_early = rule.kind == row_method::majority && rule.k == 1;
  const bool with_scores = rule.kind != row_method::majority;
  interleaved_row st[interleaved_rows];
  std::size_t min_c_n = 0;  // row length of the cached min_c
  std::size_t min_c = 1;
  for (std::size_t base = begin; base < end; base += interleaved_rows) {
    const std::size_t count = std::min(interleaved_rows, end - base);
    std::size_t active = 0;
    for (std::size_t r = 0; r < count; ++r) {
      const batch_row row = rows(base + r);
      st[r].active = false;
      st[r].fast = false;
      if (row.n == 0 || row.n > 64) continue;
      if (rule.kind == row_method::best_of_majority && row.n != min_c_n) {
        min_c_n = row.n;
        min_c = min_count(rule.alpha, row.n);
      }
      st[r].min_c =
          rule.kind == row_method::best_of_majority ? static_cast<std::uint32_t>(min_c) : 0;
      st[r].fast = interleaved_load_avx512(row, st[r]);
      st[r].active = st[r].fast;
      active += st[r].active ? 1 : 0;
    }
    while (active > 0) {
      active = 0;
      for (std::size_t r = 0; r < count; ++r) {
        if (!st[r].active) continue;
        if (with_scores) {
          interleaved_step_avx512<true>(st[r], false);
        } else {
          interleaved_step_avx512<false>(st[r], decided_early);
        }
        active += st[r].active ? 1 : 0;
      }
    }
    for (std::size_t r = 0; r < count; ++r) {
      const std::size_t b = base + r;
      const batch_row row = rows(b);
      std::int32_t* out = first + b * rule.k;
      if (row.n == 0) continue;
      if (st[r].fast && interleaved_select_avx512(st[r], rule, st[r].min_c, out, size[b])) continue;
      size[b] = static_cast<std::int32_t>(
          process_row(batch_kernel::avx512, row, rule, b, function, ws, out));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// AVX2 version: the same rounds with 4-lane compares and movemask, partial sums in 4 lanes, and a
// scalar ranking.

/// Loads a row's ids and scores into `st` (AVX2); returns false when the row must go to
/// process_row (non-finite score, or group sums that depend on the order of additions).
BANDITRY_TARGET_AVX2 inline bool interleaved_load_avx2(const batch_row& row, interleaved_row& st) {
  interleaved_init(row, st);
  if (row.scores == nullptr) return true;
  const score_scan scan = scan_scores_avx2(row.scores, row.n, st.widened);
  for (std::size_t i = row.n; i < 64; ++i) st.widened[i] = 0.0;
  return scan.first_bad == std::numeric_limits<std::size_t>::max() && scan.any_order_exact;
}

/// One round for one active row (AVX2): 16 compares of 4 ids each and, with scores, 16 masked
/// adds into 4 lanes, which are added up in interleaved_select_scalar.
template <bool WithScores>
BANDITRY_TARGET_AVX2 inline void interleaved_step_avx2(interleaved_row& st,
                                                       bool stop_when_decided) {
  const auto first = static_cast<std::uint32_t>(std::countr_zero(st.remaining));
  const __m256i key = _mm256_set1_epi64x(static_cast<long long>(st.ids[first]));
  __m256d acc0 = _mm256_setzero_pd();
  __m256d acc1 = _mm256_setzero_pd();
  std::uint64_t mask = 0;
  for (int blk = 0; blk < 16; blk += 2) {
    const auto* p = reinterpret_cast<const __m256i*>(st.ids + 4 * blk);
    const __m256i c0 = _mm256_cmpeq_epi64(_mm256_loadu_si256(p), key);
    const __m256i c1 = _mm256_cmpeq_epi64(_mm256_loadu_si256(p + 1), key);
    if constexpr (WithScores) {
      const double* w = st.widened + 4 * blk;
      acc0 = _mm256_add_pd(acc0, _mm256_and_pd(_mm256_castsi256_pd(c0), _mm256_load_pd(w)));
      acc1 = _mm256_add_pd(acc1, _mm256_and_pd(_mm256_castsi256_pd(c1), _mm256_load_pd(w + 4)));
    }
    const auto bits = static_cast<unsigned>(_mm256_movemask_pd(_mm256_castsi256_pd(c0))) |
                      (static_cast<unsigned>(_mm256_movemask_pd(_mm256_castsi256_pd(c1))) << 4);
    mask |= static_cast<std::uint64_t>(bits) << (4 * blk);
  }
  const std::uint32_t g = interleaved_record(st, first, mask, stop_when_decided);
  if constexpr (WithScores) _mm256_store_pd(st.acc[g], _mm256_add_pd(acc0, acc1));
}

/// Ranks the groups of a finished row from 4 partial sums per group (scalar; any order of the
/// additions is exact here). Returns false when the row needs process_row, as
/// interleaved_select_avx512.
inline bool interleaved_select_scalar(const interleaved_row& st, const row_rule& rule,
                                      std::size_t min_c, std::int32_t* out, std::int32_t& size) {
  const bool by_count = rule.kind == row_method::majority;
  const std::size_t threshold = rule.kind == row_method::best_of_majority ? min_c : 0;
  ranked_entry top[16];
  std::size_t filled = 0;
  const std::size_t k = std::min<std::size_t>(rule.k, st.found);
  for (std::uint32_t g = 0; g < st.found; ++g) {
    if (st.count[g] < threshold) continue;
    const double* a = st.acc[g];
    const double value = by_count
                             ? static_cast<double>(st.count[g])
                             : ((a[0] + a[1]) + (a[2] + a[3])) / static_cast<double>(st.count[g]);
    insert_ranked(top, filled, k, {value, st.first[g]});
  }
  if (filled == 0) return false;
  for (std::size_t r = 0; r < filled; ++r) out[r] = static_cast<std::int32_t>(top[r].first);
  size = static_cast<std::int32_t>(filled);
  return true;
}

/// AVX2 version of run_rule_interleaved_avx512, with the same structure and results.
template <class Rows>
BANDITRY_TARGET_AVX2 void run_rule_interleaved_avx2(const Rows& rows, std::size_t begin,
                                                    std::size_t end, const row_rule& rule,
                                                    std::string_view function, batch_workspace& ws,
                                                    std::int32_t* first, std::int32_t* size) {
  if (rule.k == 0) return;
  const bool decided_early = rule.kind == row_method::majority && rule.k == 1;
  const bool with_scores = rule.kind != row_method::majority;
  interleaved_row st[interleaved_rows];
  std::size_t min_c_n = 0;  // row length of the cached min_c
  std::size_t min_c = 1;
  for (std::size_t base = begin; base < end; base += interleaved_rows) {
    const std::size_t count = std::min(interleaved_rows, end - base);
    std::size_t active = 0;
    for (std::size_t r = 0; r < count; ++r) {
      const batch_row row = rows(base + r);
      st[r].active = false;
      st[r].fast = false;
      if (row.n == 0 || row.n > 64) continue;
      if (rule.kind == row_method::best_of_majority && row.n != min_c_n) {
        min_c_n = row.n;
        min_c = min_count(rule.alpha, row.n);
      }
      st[r].min_c =
          rule.kind == row_method::best_of_majority ? static_cast<std::uint32_t>(min_c) : 0;
      st[r].fast = interleaved_load_avx2(row, st[r]);
      st[r].active = st[r].fast;
      active += st[r].active ? 1 : 0;
    }
    while (active > 0) {
      active = 0;
      for (std::size_t r = 0; r < count; ++r) {
        if (!st[r].active) continue;
        if (with_scores) {
          interleaved_step_avx2<true>(st[r], false);
        } else {
          interleaved_step_avx2<false>(st[r], decided_early);
        }
        active += st[r].active ? 1 : 0;
      }
    }
    for (std::size_t r = 0; r < count; ++r) {
      const std::size_t b = base + r;
      const batch_row row = rows(b);
      std::int32_t* out = first + b * rule.k;
      if (row.n == 0) continue;
      if (st[r].fast && interleaved_select_scalar(st[r], rule, st[r].min_c, out, size[b])) continue;
      size[b] = static_cast<std::int32_t>(
          process_row(batch_kernel::avx2, row, rule, b, function, ws, out));
    }
  }
}

#pragma GCC diagnostic pop
#endif  // BANDITRY_SELECT_X86

}  // namespace banditry::select::detail

// Top-k of one row of sample scores (Best-of-N when every sample is its own answer): indices of
// the k largest scores, larger score first, equal scores by lower index.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>

#include "banditry/select/detail/batch_rows.hpp"
#include "banditry/select/detail/batch_simd.hpp"

namespace banditry::select::detail {

/// Portable row top-k by insertion into a sorted list of at most k entries.
inline std::size_t row_top_k_portable(const float* scores, std::size_t n, std::size_t k,
                                      std::size_t prompt, std::string_view function,
                                      std::int32_t* out) {
  k = std::min(k, n);
  if (k == 0) return 0;
  constexpr std::size_t stack_k = 64;
  ranked_entry stack_top[stack_k];
  std::vector<ranked_entry> heap_top;
  ranked_entry* top = stack_top;
  if (k > stack_k) {
    heap_top.resize(k);
    top = heap_top.data();
  }
  std::size_t size = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (abs_bits(scores[i]) >= 0x7F800000u) throw_bad_score(function, prompt, i, scores[i]);
    insert_ranked(top, size, k, {static_cast<double>(scores[i]), static_cast<std::uint32_t>(i)});
  }
  for (std::size_t r = 0; r < size; ++r) out[r] = static_cast<std::int32_t>(top[r].first);
  return size;
}

#ifdef BANDITRY_SELECT_X86
// GCC 12 reports its own reduction and extract intrinsics as reading an uninitialised
// vector (they start from _mm256_undefined_*); the warning is a false positive.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

/// AVX-512 row top-k for n <= 64: the row stays in four registers; each round finds the maximum,
/// takes the lowest indices that hold it and overwrites the taken lanes with -inf. The scores are
/// finite (checked first), so -inf never competes with a real score.
BANDITRY_TARGET_AVX512 inline std::size_t row_top_k_avx512(const float* scores, std::size_t n,
                                                           std::size_t k, std::size_t prompt,
                                                           std::string_view function,
                                                           std::int32_t* out) {
  k = std::min(k, n);
  if (k == 0) return 0;
  const __m512 minus_inf = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
  const __m512i sign_off = _mm512_set1_epi32(0x7FFFFFFF);
  const __m512i inf_bits = _mm512_set1_epi32(0x7F800000);
  __m512 v[4];
  __mmask16 bad = 0;
  for (int b = 0; b < 4; ++b) {
    const std::size_t begin = 16 * static_cast<std::size_t>(b);
    const std::size_t len = n > begin ? std::min<std::size_t>(16, n - begin) : 0;
    const auto lanes = static_cast<__mmask16>(len == 16 ? 0xFFFFu : (1u << len) - 1u);
    v[b] = _mm512_mask_loadu_ps(minus_inf, lanes, scores + begin);
    const __m512i bits = _mm512_and_si512(_mm512_castps_si512(v[b]), sign_off);
    bad |= _mm512_mask_cmpge_epu32_mask(lanes, bits, inf_bits);
  }
  if (bad != 0) return row_top_k_portable(scores, n, k, prompt, function, out);
  std::size_t size = 0;
  while (size < k) {
    const __m512 m = _mm512_max_ps(_mm512_max_ps(v[0], v[1]), _mm512_max_ps(v[2], v[3]));
    const __m512 best = _mm512_set1_ps(_mm512_reduce_max_ps(m));
    const __mmask32 lo = _mm512_kunpackw(_mm512_cmp_ps_mask(v[1], best, _CMP_EQ_OQ),
                                         _mm512_cmp_ps_mask(v[0], best, _CMP_EQ_OQ));
    const __mmask32 hi = _mm512_kunpackw(_mm512_cmp_ps_mask(v[3], best, _CMP_EQ_OQ),
                                         _mm512_cmp_ps_mask(v[2], best, _CMP_EQ_OQ));
    std::uint64_t equal = static_cast<std::uint64_t>(_mm512_kunpackd(hi, lo));
    std::uint64_t taken = 0;
    while (equal != 0 && size < k) {
      const std::uint64_t lowest = equal & (~equal + 1);
      out[size++] = std::countr_zero(equal);
      taken |= lowest;
      equal ^= lowest;
    }
    for (int b = 0; b < 4; ++b) {
      v[b] = _mm512_mask_mov_ps(v[b], static_cast<__mmask16>(taken >> (16 * b)), minus_inf);
    }
  }
  return size;
}

#pragma GCC diagnostic pop
#endif  // BANDITRY_SELECT_X86

/// Row top-k with the chosen kernel. NOTE: the AVX2 kernel and rows longer than 64 samples use the
/// portable insertion kernel.
inline std::size_t row_top_k(batch_kernel kernel, const float* scores, std::size_t n, std::size_t k,
                             std::size_t prompt, std::string_view function, std::int32_t* out) {
#ifdef BANDITRY_SELECT_X86
  if (kernel == batch_kernel::avx512 && n <= 64) {
    return row_top_k_avx512(scores, n, k, prompt, function, out);
  }
#endif
  (void)kernel;
  return row_top_k_portable(scores, n, k, prompt, function, out);
}

}  // namespace banditry::select::detail

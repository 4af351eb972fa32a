// Top-k of a long float array (for example 1e7 candidate scores, k <= 64) by a threshold filter
// and a heap, guarded against adversarial order by a switch to quickselect.
//
// The scan keeps the k best elements seen so far in a min-heap and compares each new element with
// the worst of them, the threshold, using vector compares; only elements above the threshold
// touch the heap. On input in random order about k ln(N/k) elements enter the heap, so the scan
// runs at memory speed. On ascending input every element would enter the heap, so once the
// number of insertions after position i exceeds 2k ln(i/k) + 4k the function gives up the heap
// and selects from the heap plus the unread rest with std::nth_element (introselect).
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "banditry/core/error.hpp"
#include "banditry/select/detail/batch_simd.hpp"

namespace banditry::select {

namespace detail {

// Order-preserving 64-bit key: larger value first, equal values by lower index. -0.0 is mapped to
// +0.0 first so that the two zeros tie as they do under float comparison.
inline std::uint64_t top_k_key(float value, std::size_t index) noexcept {
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(value + 0.0f);
  const std::uint32_t ordered = (bits & 0x80000000u) != 0 ? ~bits : bits | 0x80000000u;
  return (static_cast<std::uint64_t>(ordered) << 32) |
         (0xFFFFFFFFu - static_cast<std::uint32_t>(index));
}

inline std::size_t top_k_key_index(std::uint64_t key) noexcept {
  return 0xFFFFFFFFu - static_cast<std::uint32_t>(key & 0xFFFFFFFFu);
}

[[noreturn]] inline void throw_nan_value(std::size_t index, float value) {
  throw_domain_error("select::top_k_indices", "values[" + std::to_string(index) + "]", "not NaN",
                     value);
}

// Heap state of the threshold scan.
struct top_k_heap {
  std::vector<std::uint64_t> keys;  // min-heap under std::greater: keys.front() is the worst
  float threshold = 0;              // value of the worst kept element
  std::size_t inserts = 0;          // insertions after the heap was first full
};

// Result of scanning one block: false when the insertion budget was exceeded at `stop`.
inline bool offer(const float* values, std::size_t i, top_k_heap& heap, std::size_t k,
                  std::size_t& stop) {
  const float value = values[i];
  if (std::isnan(value)) throw_nan_value(i, value);
  if (!(value > heap.threshold)) return true;
  std::pop_heap(heap.keys.begin(), heap.keys.end(), std::greater<>());
  heap.keys.back() = top_k_key(value, i);
  std::push_heap(heap.keys.begin(), heap.keys.end(), std::greater<>());
  heap.threshold = values[top_k_key_index(heap.keys.front())];
  ++heap.inserts;
  const double budget =
      2.0 * static_cast<double>(k) * std::log(static_cast<double>(i + 1) / static_cast<double>(k)) +
      4.0 * static_cast<double>(k);
  if (static_cast<double>(heap.inserts) > budget) {
    stop = i + 1;
    return false;
  }
  return true;
}

// Scans values[begin, n) with the chosen kernel; returns n, or the position after which the
// insertion budget ran out.
inline std::size_t threshold_scan(batch_kernel kernel, const float* values, std::size_t begin,
                                  std::size_t n, top_k_heap& heap, std::size_t k);

#ifdef BANDITRY_SELECT_X86
BANDITRY_TARGET_AVX512 inline std::size_t threshold_scan_avx512(const float* values,
                                                                std::size_t begin, std::size_t n,
                                                                top_k_heap& heap, std::size_t k) {
  std::size_t i = begin;
  std::size_t stop = n;
  for (; i + 64 <= n; i += 64) {
    const __m512 t = _mm512_set1_ps(heap.threshold);
    const __m512 a = _mm512_loadu_ps(values + i);
    const __m512 b = _mm512_loadu_ps(values + i + 16);
    const __m512 c = _mm512_loadu_ps(values + i + 32);
    const __m512 d = _mm512_loadu_ps(values + i + 48);
    // Greater-than or unordered: NaN must reach the scalar check so that it is rejected.
    const __mmask16 ma = _mm512_cmp_ps_mask(a, t, _CMP_NLE_UQ);
    const __mmask16 mb = _mm512_cmp_ps_mask(b, t, _CMP_NLE_UQ);
    const __mmask16 mc = _mm512_cmp_ps_mask(c, t, _CMP_NLE_UQ);
    const __mmask16 md = _mm512_cmp_ps_mask(d, t, _CMP_NLE_UQ);
    if (_kortestz_mask16_u8(_kor_mask16(ma, mb), _kor_mask16(mc, md))) continue;
    std::uint64_t hits = static_cast<std::uint64_t>(ma) | static_cast<std::uint64_t>(mb) << 16 |
                         static_cast<std::uint64_t>(mc) << 32 |
                         static_cast<std::uint64_t>(md) << 48;
    while (hits != 0) {
      const std::size_t j = i + static_cast<std::size_t>(std::countr_zero(hits));
      hits &= hits - 1;
      // The threshold may have risen since the compare; offer() compares again.
      if (!offer(values, j, heap, k, stop)) return stop;
    }
  }
  for (; i < n; ++i) {
    if (!offer(values, i, heap, k, stop)) return stop;
  }
  return n;
}

BANDITRY_TARGET_AVX2 inline std::size_t threshold_scan_avx2(const float* values, std::size_t begin,
                                                            std::size_t n, top_k_heap& heap,
                                                            std::size_t k) {
  std::size_t i = begin;
  std::size_t stop = n;
  for (; i + 32 <= n; i += 32) {
    const __m256 t = _mm256_set1_ps(heap.threshold);
    const __m256 a = _mm256_cmp_ps(_mm256_loadu_ps(values + i), t, _CMP_NLE_UQ);
    const __m256 b = _mm256_cmp_ps(_mm256_loadu_ps(values + i + 8), t, _CMP_NLE_UQ);
    const __m256 c = _mm256_cmp_ps(_mm256_loadu_ps(values + i + 16), t, _CMP_NLE_UQ);
    const __m256 d = _mm256_cmp_ps(_mm256_loadu_ps(values + i + 24), t, _CMP_NLE_UQ);
    const __m256 any = _mm256_or_ps(_mm256_or_ps(a, b), _mm256_or_ps(c, d));
    if (_mm256_testz_ps(any, any)) continue;
    std::uint32_t hits = static_cast<std::uint32_t>(_mm256_movemask_ps(a)) |
                         static_cast<std::uint32_t>(_mm256_movemask_ps(b)) << 8 |
                         static_cast<std::uint32_t>(_mm256_movemask_ps(c)) << 16 |
                         static_cast<std::uint32_t>(_mm256_movemask_ps(d)) << 24;
    while (hits != 0) {
      const std::size_t j = i + static_cast<std::size_t>(std::countr_zero(hits));
      hits &= hits - 1;
      if (!offer(values, j, heap, k, stop)) return stop;
    }
  }
  for (; i < n; ++i) {
    if (!offer(values, i, heap, k, stop)) return stop;
  }
  return n;
}
#endif  // BANDITRY_SELECT_X86

inline std::size_t threshold_scan(batch_kernel kernel, const float* values, std::size_t begin,
                                  std::size_t n, top_k_heap& heap, std::size_t k) {
#ifdef BANDITRY_SELECT_X86
  if (kernel == batch_kernel::avx512) return threshold_scan_avx512(values, begin, n, heap, k);
  if (kernel == batch_kernel::avx2) return threshold_scan_avx2(values, begin, n, heap, k);
#endif
  (void)kernel;
  std::size_t stop = n;
  for (std::size_t i = begin; i < n; ++i) {
    if (!offer(values, i, heap, k, stop)) return stop;
  }
  return n;
}

}  // namespace detail

/// Indices of the k largest values of a long array, larger first, equal values by lower index.
///
/// \param values the array; NaN is rejected, infinities are ordered as usual, -0.0 ties with +0.0
/// \param k number of indices returned, 0 <= k <= values.size() (the fast path is meant for small
///        k such as k <= 64; larger k works with O(k) heap operations per insertion)
/// \param kernel implementation of the threshold compare
/// \returns k indices, best first
/// \pre values.size() < 2^32 (indices are packed into 64-bit keys); k <= values.size()
/// \throws std::invalid_argument for k > N or N >= 2^32; std::domain_error naming the index of a
///         NaN
/// Complexity: O(N) compares plus O(k log(N/k) log k) heap work on input in random order; on
/// adversarial order (such as ascending) at most about 2k ln(N/k) + 4k insertions before the
/// switch to std::nth_element on the rest, O(N) expected.
inline std::vector<std::size_t> top_k_indices(std::span<const float> values, std::size_t k,
                                              batch_kernel kernel = batch_kernel::automatic) {
  constexpr std::string_view function = "select::top_k_indices";
  const std::size_t n = values.size();
  require(n < (std::size_t{1} << 32), function, "values size", "below 2^32", n);
  require(k <= n, function, "k", "at most the number of values (" + std::to_string(n) + ")", k);
  kernel = detail::resolve_kernel(kernel, function);
  if (k == 0) return {};
  detail::top_k_heap heap;
  heap.keys.reserve(k);
  for (std::size_t i = 0; i < k; ++i) {
    if (std::isnan(values[i])) detail::throw_nan_value(i, values[i]);
    heap.keys.push_back(detail::top_k_key(values[i], i));
  }
  std::make_heap(heap.keys.begin(), heap.keys.end(), std::greater<>());
  heap.threshold = values[detail::top_k_key_index(heap.keys.front())];
  const std::size_t stop = detail::threshold_scan(kernel, values.data(), k, n, heap, k);
  std::vector<std::uint64_t> keys = std::move(heap.keys);
  if (stop < n) {
    // Quickselect fallback over the kept elements and the unread rest.
    keys.reserve(k + (n - stop));
    for (std::size_t i = stop; i < n; ++i) {
      if (std::isnan(values[i])) detail::throw_nan_value(i, values[i]);
      keys.push_back(detail::top_k_key(values[i], i));
    }
    const auto kth = keys.begin() + static_cast<std::ptrdiff_t>(k - 1);
    std::nth_element(keys.begin(), kth, keys.end(), std::greater<>());
    keys.resize(k);
  }
  std::sort(keys.begin(), keys.end(), std::greater<>());
  std::vector<std::size_t> out(k);
  for (std::size_t r = 0; r < k; ++r) out[r] = detail::top_k_key_index(keys[r]);
  return out;
}

}  // namespace banditry::select

// Instruction-set dispatch and the vector kernels of the batched selection functions.
//
// Each kernel exists three times: a portable scalar version (the reference that tests compare
// against), an AVX2 version and an AVX-512 version. The vector versions are compiled with
// function-level target attributes, so the library needs no -march flag, and they are chosen at
// run time from the CPU's feature bits. Defining BANDITRY_SELECT_PORTABLE_ONLY before including
// this header compiles the portable versions only.
//
// The AVX-512 kernels compare into mask registers and never use the memory-destination form of
// vcompressps/pd, which AMD Zen 4 executes in microcode at a fraction of the register form's speed.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string_view>

#include "banditry/core/error.hpp"

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__) && \
    !defined(BANDITRY_SELECT_PORTABLE_ONLY)
#define BANDITRY_SELECT_X86 1
#include <immintrin.h>
#define BANDITRY_TARGET_AVX2 __attribute__((target("avx2,bmi,bmi2,popcnt,lzcnt")))
#define BANDITRY_TARGET_AVX512 \
  __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,bmi,bmi2,popcnt,lzcnt")))
#endif

namespace banditry::select {

/// Implementation of the batched selection kernels.
enum class batch_kernel {
  automatic,  ///< the fastest one this CPU supports (AVX-512, then AVX2, then portable)
  portable,   ///< scalar C++ only; the reference the vector kernels are tested against
  avx2,       ///< 256-bit vectors; throws when the CPU lacks AVX2
  avx512      ///< 512-bit vectors with mask registers; throws when the CPU lacks AVX-512 F/BW/DQ/VL
};

namespace detail {

/// True when the CPU (and the operating system) supports the AVX2 kernels.
inline bool cpu_supports_avx2() noexcept {
#ifdef BANDITRY_SELECT_X86
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2") &&
         __builtin_cpu_supports("popcnt");
#else
  return false;
#endif
}

/// True when the CPU (and the operating system) supports the AVX-512 kernels.
inline bool cpu_supports_avx512() noexcept {
#ifdef BANDITRY_SELECT_X86
  __builtin_cpu_init();
  return cpu_supports_avx2() && __builtin_cpu_supports("avx512f") &&
         __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
         __builtin_cpu_supports("avx512vl");
#else
  return false;
#endif
}

/// Maps `automatic` to the best supported kernel and rejects an explicit kernel the CPU lacks.
inline batch_kernel resolve_kernel(batch_kernel requested, std::string_view function) {
  switch (requested) {
    case batch_kernel::automatic:
      if (cpu_supports_avx512()) return batch_kernel::avx512;
      if (cpu_supports_avx2()) return batch_kernel::avx2;
      return batch_kernel::portable;
    case batch_kernel::avx2:
      require(cpu_supports_avx2(), function, "kernel", "supported by this CPU", "avx2");
      return requested;
    case batch_kernel::avx512:
      require(cpu_supports_avx512(), function, "kernel", "supported by this CPU", "avx512");
      return requested;
    case batch_kernel::portable:
      return requested;
  }
  return batch_kernel::portable;
}

/// Facts about one row of float scores gathered in a single pass.
struct score_scan {
  std::size_t first_bad = std::numeric_limits<std::size_t>::max();  ///< first non-finite index
  /// True when every sum of a subset of the row is exact in double, so the order of additions
  /// cannot change a group sum (see sums_exact_in_any_order).
  bool any_order_exact = false;
};

/// Decides from the largest and smallest non-zero magnitude (as float bit patterns without sign)
/// whether sums of up to n of the row's scores are exact in double. Every float s is a multiple of
/// 2^(E(s) - 23) with E its unbiased exponent (subnormals: E = -126), so every partial sum is a
/// multiple of 2^(E_min - 23) and below n 2^(E_max + 1) in magnitude. It fits the 53-bit
/// significand, and is therefore exact, when E_max - E_min <= 29 - ceil(log2 n).
inline bool sums_exact_in_any_order(std::uint32_t max_bits, std::uint32_t min_nonzero_bits,
                                    std::size_t n) noexcept {
  if (max_bits == 0) return true;  // all scores are zero
  const int e_max = std::max<int>(static_cast<int>(max_bits >> 23), 1);
  const int e_min = std::max<int>(static_cast<int>(min_nonzero_bits >> 23), 1);
  const int log2_n = n <= 1 ? 0 : static_cast<int>(std::bit_width(n - 1));
  return e_max - e_min <= 29 - log2_n;
}

inline std::uint32_t abs_bits(float x) noexcept {
  return std::bit_cast<std::uint32_t>(x) & 0x7FFFFFFFu;
}

/// Portable scan: finiteness and the any-order exactness test, widening into `widened` when given.
inline score_scan scan_scores_portable(const float* scores, std::size_t n, double* widened) {
  score_scan out;
  std::uint32_t max_bits = 0;
  std::uint32_t min_bits = 0x7FFFFFFFu;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t bits = abs_bits(scores[i]);
    if (bits >= 0x7F800000u) {
      out.first_bad = i;
      return out;
    }
    max_bits = std::max(max_bits, bits);
    if (bits != 0) min_bits = std::min(min_bits, bits);
    if (widened != nullptr) widened[i] = static_cast<double>(scores[i]);
  }
  out.any_order_exact = sums_exact_in_any_order(max_bits, min_bits, n);
  return out;
}

/// Portable equality mask of `ids[0..len)` against `key`, len <= 64, bit i for sample i.
inline std::uint64_t match_word_portable(const std::uint64_t* ids, std::size_t len,
                                         std::uint64_t key) noexcept {
  std::uint64_t mask = 0;
  for (std::size_t i = 0; i < len; ++i) mask |= static_cast<std::uint64_t>(ids[i] == key) << i;
  return mask;
}

/// Adds the scores selected by `mask` (one 64-sample word) to `sum` in sample order. `started` is
/// false until the first addend, which is taken as is, so that the result equals a left-to-right
/// loop that starts from the group's first score (a group of -0.0 scores sums to -0.0).
inline void sequential_masked_sum(const float* scores, std::uint64_t mask, double& sum,
                                  bool& started) noexcept {
  while (mask != 0) {
    const int i = std::countr_zero(mask);
    mask &= mask - 1;
    sum = started ? sum + static_cast<double>(scores[i]) : static_cast<double>(scores[i]);
    started = true;
  }
}

#ifdef BANDITRY_SELECT_X86
// GCC 12 reports its own reduction and extract intrinsics as reading an uninitialised
// vector (they start from _mm256_undefined_*); the warning is a false positive.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

// ---------------------------------------------------------------------------------------------
// AVX2

BANDITRY_TARGET_AVX2 inline score_scan scan_scores_avx2(const float* scores, std::size_t n,
                                                        double* widened) {
  const __m256i sign_off = _mm256_set1_epi32(0x7FFFFFFF);
  const __m256i inf_bits = _mm256_set1_epi32(0x7F800000);
  const __m256i zero = _mm256_setzero_si256();
  __m256i max_v = zero;
  __m256i min_v = sign_off;
  __m256i bad = zero;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(scores + i);
    const __m256i bits = _mm256_and_si256(_mm256_castps_si256(v), sign_off);
    bad = _mm256_or_si256(
        bad, _mm256_cmpgt_epi32(bits, _mm256_sub_epi32(inf_bits, _mm256_set1_epi32(1))));
    max_v = _mm256_max_epu32(max_v, bits);
    const __m256i nonzero = _mm256_blendv_epi8(bits, sign_off, _mm256_cmpeq_epi32(bits, zero));
    min_v = _mm256_min_epu32(min_v, nonzero);
    if (widened != nullptr) {
      _mm256_storeu_pd(widened + i, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
      _mm256_storeu_pd(widened + i + 4, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
    }
  }
  alignas(32) std::uint32_t max_lanes[8];
  alignas(32) std::uint32_t min_lanes[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(max_lanes), max_v);
  _mm256_store_si256(reinterpret_cast<__m256i*>(min_lanes), min_v);
  score_scan out;
  if (!_mm256_testz_si256(bad, bad)) return scan_scores_portable(scores, n, nullptr);
  std::uint32_t max_bits = 0;
  std::uint32_t min_bits = 0x7FFFFFFFu;
  for (int lane = 0; lane < 8; ++lane) {
    max_bits = std::max(max_bits, max_lanes[lane]);
    min_bits = std::min(min_bits, min_lanes[lane]);
  }
  for (; i < n; ++i) {
    const std::uint32_t bits = abs_bits(scores[i]);
    if (bits >= 0x7F800000u) {
      out.first_bad = i;
      return out;
    }
    max_bits = std::max(max_bits, bits);
    if (bits != 0) min_bits = std::min(min_bits, bits);
    if (widened != nullptr) widened[i] = static_cast<double>(scores[i]);
  }
  out.any_order_exact = sums_exact_in_any_order(max_bits, min_bits, n);
  return out;
}

BANDITRY_TARGET_AVX2 inline std::uint64_t match_word_avx2(const std::uint64_t* ids, std::size_t len,
                                                          std::uint64_t key) {
  const __m256i k = _mm256_set1_epi64x(static_cast<long long>(key));
  std::uint64_t mask = 0;
  std::size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ids + i));
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ids + i + 4));
    const int lo = _mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpeq_epi64(a, k)));
    const int hi = _mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpeq_epi64(b, k)));
    mask |= static_cast<std::uint64_t>(lo | (hi << 4)) << i;
  }
  for (; i < len; ++i) mask |= static_cast<std::uint64_t>(ids[i] == key) << i;
  return mask;
}

// Sum of widened[i] over the set bits of a full or partial 64-sample word, in any order.
BANDITRY_TARGET_AVX2 inline double masked_sum_avx2(const double* widened, std::uint64_t mask,
                                                   std::size_t len) {
  const __m256i bit_of_lane = _mm256_set_epi64x(8, 4, 2, 1);
  __m256d acc0 = _mm256_setzero_pd();
  __m256d acc1 = _mm256_setzero_pd();
  std::size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    const auto nibbles = static_cast<long long>(mask >> i);
    const __m256i lo_sel = _mm256_and_si256(_mm256_set1_epi64x(nibbles & 0xF), bit_of_lane);
    const __m256i hi_sel = _mm256_and_si256(_mm256_set1_epi64x((nibbles >> 4) & 0xF), bit_of_lane);
    const __m256d lo_mask = _mm256_castsi256_pd(_mm256_cmpeq_epi64(lo_sel, bit_of_lane));
    const __m256d hi_mask = _mm256_castsi256_pd(_mm256_cmpeq_epi64(hi_sel, bit_of_lane));
    acc0 = _mm256_add_pd(acc0, _mm256_and_pd(lo_mask, _mm256_loadu_pd(widened + i)));
    acc1 = _mm256_add_pd(acc1, _mm256_and_pd(hi_mask, _mm256_loadu_pd(widened + i + 4)));
  }
  const __m256d acc = _mm256_add_pd(acc0, acc1);
  const __m128d pair = _mm_add_pd(_mm256_castpd256_pd128(acc), _mm256_extractf128_pd(acc, 1));
  double sum = _mm_cvtsd_f64(_mm_add_sd(pair, _mm_unpackhi_pd(pair, pair)));
  for (; i < len; ++i) {
    if ((mask >> i) & 1u) sum += widened[i];
  }
  return sum;
}

// ---------------------------------------------------------------------------------------------
// AVX-512

BANDITRY_TARGET_AVX512 inline score_scan scan_scores_avx512(const float* scores, std::size_t n,
                                                            double* widened) {
  const __m512i sign_off = _mm512_set1_epi32(0x7FFFFFFF);
  const __m512i inf_bits = _mm512_set1_epi32(0x7F800000);
  __m512i max_v = _mm512_setzero_si512();
  __m512i min_v = sign_off;
  __mmask16 bad = 0;
  for (std::size_t i = 0; i < n; i += 16) {
    const std::size_t len = std::min<std::size_t>(16, n - i);
    const auto lanes = static_cast<__mmask16>(len == 16 ? 0xFFFFu : (1u << len) - 1u);
    const __m512 v = _mm512_maskz_loadu_ps(lanes, scores + i);
    const __m512i bits = _mm512_and_si512(_mm512_castps_si512(v), sign_off);
    bad |= _mm512_mask_cmpge_epu32_mask(lanes, bits, inf_bits);
    max_v = _mm512_max_epu32(max_v, bits);
    const __mmask16 nonzero = _mm512_mask_test_epi32_mask(lanes, bits, bits);
    min_v = _mm512_mask_min_epu32(min_v, nonzero, min_v, bits);
    if (widened != nullptr) {
      _mm512_mask_storeu_pd(widened + i, static_cast<__mmask8>(lanes),
                            _mm512_cvtps_pd(_mm512_castps512_ps256(v)));
      if (len > 8) {
        _mm512_mask_storeu_pd(
            widened + i + 8, static_cast<__mmask8>(lanes >> 8),
            _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1))));
      }
    }
  }
  if (bad != 0) return scan_scores_portable(scores, n, nullptr);
  score_scan out;
  out.any_order_exact =
      sums_exact_in_any_order(_mm512_reduce_max_epu32(max_v), _mm512_reduce_min_epu32(min_v), n);
  return out;
}

BANDITRY_TARGET_AVX512 inline std::uint64_t match_word_avx512(const std::uint64_t* ids,
                                                              std::size_t len, std::uint64_t key) {
  const __m512i k = _mm512_set1_epi64(static_cast<long long>(key));
  if (len == 64) {
    const auto* p = reinterpret_cast<const __m512i*>(ids);
    const __mmask16 m01 = _mm512_kunpackb(_mm512_cmpeq_epi64_mask(_mm512_loadu_si512(p + 1), k),
                                          _mm512_cmpeq_epi64_mask(_mm512_loadu_si512(p + 0), k));
    const __mmask16 m23 = _mm512_kunpackb(_mm512_cmpeq_epi64_mask(_mm512_loadu_si512(p + 3), k),
                                          _mm512_cmpeq_epi64_mask(_mm512_loadu_si512(p + 2), k));
    const __mmask16 m45 = _mm512_kunpackb(_mm512_cmpeq_epi64_mask(_mm512_loadu_si512(p + 5), k),
                                          _mm512_cmpeq_epi64_mask(_mm512_loadu_si512(p + 4), k));
    const __mmask16 m67 = _mm512_kunpackb(_mm512_cmpeq_epi64_mask(_mm512_loadu_si512(p + 7), k),
                                          _mm512_cmpeq_epi64_mask(_mm512_loadu_si512(p + 6), k));
    const __mmask32 lo = _mm512_kunpackw(m23, m01);
    const __mmask32 hi = _mm512_kunpackw(m67, m45);
    return static_cast<std::uint64_t>(_mm512_kunpackd(hi, lo));
  }
  std::uint64_t mask = 0;
  for (std::size_t i = 0; i < len; i += 8) {
    const std::size_t block = std::min<std::size_t>(8, len - i);
    const auto lanes = static_cast<__mmask8>((1u << block) - 1u);
    const __m512i v = _mm512_maskz_loadu_epi64(lanes, ids + i);
    mask |= static_cast<std::uint64_t>(_mm512_mask_cmpeq_epi64_mask(lanes, v, k)) << i;
  }
  return mask;
}

BANDITRY_TARGET_AVX512 inline double masked_sum_avx512(const double* widened, std::uint64_t mask,
                                                       std::size_t len) {
  __m512d acc0 = _mm512_setzero_pd();
  __m512d acc1 = _mm512_setzero_pd();
  for (std::size_t i = 0; i < len; i += 16) {
    const auto m0 = static_cast<__mmask8>(mask >> i);
    acc0 = _mm512_add_pd(acc0, _mm512_maskz_loadu_pd(m0, widened + i));
    if (i + 8 < len) {
      const auto m1 = static_cast<__mmask8>(mask >> (i + 8));
      acc1 = _mm512_add_pd(acc1, _mm512_maskz_loadu_pd(m1, widened + i + 8));
    }
  }
  return _mm512_reduce_add_pd(_mm512_add_pd(acc0, acc1));
}

#pragma GCC diagnostic pop
#endif  // BANDITRY_SELECT_X86

}  // namespace detail
}  // namespace banditry::select

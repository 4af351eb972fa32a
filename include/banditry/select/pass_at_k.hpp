// The unbiased pass@k estimator from n samples with c correct.
//
// pass@k = 1 - C(n - c, k) / C(n, k) ("Evaluating Large Language Models Trained on Code",
// arXiv 2107.03374): the probability that a uniformly random k-subset of the n samples contains a
// correct one. Computed from a product of min(c, k) factors in log space, never through binomial
// coefficients, so it keeps a small relative error for any n, including tiny results.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "banditry/core/error.hpp"

namespace banditry::select {

/// Unbiased pass\@k.
///
/// Steps: c = 0 gives 0; if n - c < k every k-subset contains a correct sample, return 1; k = 1
/// gives c / n (one correctly rounded division of the rounded operands). Otherwise the complement
/// Q = C(n - c, k) / C(n, k) is a product of min(c, k) factors: prod_{t=0}^{c-1} (1 - k / (n - t))
/// when c <= k, else prod_{t=0}^{k-1} (1 - c / (n - t)). The factors are summed in log space,
/// L = sum log1p(-x_t), and the result is -expm1(L), which keeps full relative accuracy when
/// pass\@k is tiny (1 - Q would cancel to 0 for n near 2^64).
///
/// \param n pool size, >= 1 (any value up to 2^64 - 1)
/// \param c number of correct samples, 0 <= c <= n
/// \param k subset size, 1 <= k <= n. k > n is an error rather than a clamp: no k-subset exists,
///        and silently reporting pass\@n would mislabel the number.
/// \returns pass\@k in [0, 1]
/// \throws std::invalid_argument when n = 0, c > n, k = 0 or k > n
/// Complexity: O(min(c, k)).
inline double unbiased_pass_at_k(std::uint64_t n, std::uint64_t c, std::uint64_t k) {
  constexpr std::string_view function = "select::unbiased_pass_at_k";
  require(n >= 1, function, "n", "at least 1", n);
  require(c <= n, function, "c", "at most n = " + std::to_string(n), c);
  require(k >= 1, function, "k", "at least 1", k);
  require(k <= n, function, "k", "at most n = " + std::to_string(n), k);
  if (c == 0) return 0.0;
  if (n - c < k) return 1.0;
  if (k == 1) return static_cast<double>(c) / static_cast<double>(n);
  // Here c < n and k < n, so every divisor n - t below is at least n - min(c, k) + 1 >= 2.
  const std::uint64_t factors = std::min(c, k);
  const auto numerator = static_cast<double>(c <= k ? k : c);
  double log_complement = 0.0;
  for (std::uint64_t t = 0; t < factors; ++t) {
    log_complement += std::log1p(-numerator / static_cast<double>(n - t));
  }
  return std::clamp(-std::expm1(log_complement), 0.0, 1.0);
}

}  // namespace banditry::select

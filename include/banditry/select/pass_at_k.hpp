// The unbiased pass@k estimator from n samples with c correct.
//
// pass@k = 1 - C(n - c, k) / C(n, k) ("Evaluating Large Language Models Trained on Code",
// arXiv 2107.03374): the probability that a uniformly random k-subset of the n samples contains a
// correct one. Computed as a product with min(c, k) factors, never through binomial coefficients,
// so it is exact to a few ulps for any n.
#pragma once

#include <cstddef>
#include <cstdint>

#include "banditry/core/error.hpp"

namespace banditry::select {

/// Unbiased pass\@k.
///
/// Steps: if n - c < k every k-subset contains a correct sample, return 1; if c <= k return
/// 1 - prod_{i=n-c+1}^{n} (1 - k / i) (c factors); otherwise return
/// 1 - prod_{i=0}^{k-1} (n - c - i) / (n - i) (k factors). Both products equal
/// C(n - c, k) / C(n, k). Special cases: c = 0 gives 0, k = 1 gives c / n, k = n gives [c > 0].
///
/// \param n pool size, >= 1
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
  if (n - c < k) return 1.0;
  double product = 1.0;
  if (c <= k) {
    const auto kd = static_cast<double>(k);
    for (std::uint64_t i = n - c + 1; i <= n; ++i) product *= 1.0 - kd / static_cast<double>(i);
  } else {
    for (std::uint64_t i = 0; i < k; ++i) {
      product *= static_cast<double>(n - c - i) / static_cast<double>(n - i);
    }
  }
  return 1.0 - product;
}

}  // namespace banditry::select

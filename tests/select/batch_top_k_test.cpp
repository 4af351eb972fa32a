// Tests of top_k_indices (top-k of a long float array) against a brute-force stable sort.
#include "banditry/select/batch_top_k.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include "banditry/core/rng.hpp"
#include "support/test_support.hpp"

using namespace banditry;
using namespace banditry::select;

namespace {

// Brute force: indices sorted by value descending, equal values by index ascending.
std::vector<std::size_t> sorted_top_k(const std::vector<float>& values, std::size_t k) {
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return values[a] > values[b]; });
  order.resize(k);
  return order;
}

std::vector<batch_kernel> top_k_kernels() {
  std::vector<batch_kernel> kernels{batch_kernel::portable};
  if (select::detail::cpu_supports_avx2()) kernels.push_back(batch_kernel::avx2);
  if (select::detail::cpu_supports_avx512()) kernels.push_back(batch_kernel::avx512);
  return kernels;
}

}  // namespace

TEST_CASE("top_k_indices: matches brute force") {
  xoshiro256ss rng(2024);
  const std::size_t n = 200003;
  std::vector<float> random_order(n);
  std::vector<float> coarse(n);  // few distinct values: ties everywhere
  for (std::size_t i = 0; i < n; ++i) {
    random_order[i] = static_cast<float>(normal(rng));
    coarse[i] = static_cast<float>(uniform_int(rng, 50));
  }
  std::vector<float> ascending = random_order;
  std::sort(ascending.begin(), ascending.end());
  std::vector<float> descending(ascending.rbegin(), ascending.rend());
  std::vector<float> constant(n, 1.5f);
  std::vector<float> signed_zeros(n);
  for (std::size_t i = 0; i < n; ++i) signed_zeros[i] = i % 3 == 0 ? -0.0f : 0.0f;
  std::vector<float> with_infinity = random_order;
  with_infinity[n / 2] = std::numeric_limits<float>::infinity();
  with_infinity[7] = -std::numeric_limits<float>::infinity();
  const std::vector<const std::vector<float>*> inputs{
      &random_order, &coarse, &ascending, &descending, &constant, &signed_zeros, &with_infinity};
  for (batch_kernel kernel : top_k_kernels()) {
    for (std::size_t input = 0; input < inputs.size(); ++input) {
      for (std::size_t k : {1u, 8u, 64u, 1000u}) {
        INFO("input " << input << ", k " << k << ", kernel " << static_cast<int>(kernel));
        CHECK(top_k_indices(*inputs[input], k, kernel) == sorted_top_k(*inputs[input], k));
      }
    }
  }
}

TEST_CASE("top_k_indices: small and edge sizes") {
  const std::vector<float> values{3.0f, -1.0f, 3.0f, 2.0f};
  CHECK(top_k_indices(values, 0).empty());
  CHECK(top_k_indices(values, 4) == std::vector<std::size_t>{0, 2, 3, 1});
  CHECK(top_k_indices(values, 2) == std::vector<std::size_t>{0, 2});
  BANDITRY_CHECK_THROWS_WITH(top_k_indices(values, 5), std::invalid_argument,
                             "banditry::select::top_k_indices: k must be at most the number of "
                             "values (4), got 5");
}

TEST_CASE("top_k_indices: rejects NaN") {
  std::vector<float> values(1000, 1.0f);
  values[700] = std::numeric_limits<float>::quiet_NaN();
  for (batch_kernel kernel : top_k_kernels()) {
    BANDITRY_CHECK_THROWS_WITH(top_k_indices(values, 8, kernel), std::domain_error,
                               "values[700] must be not NaN, got nan");
  }
  // NaN inside the first k elements and in the quickselect part of an ascending input.
  values[3] = std::numeric_limits<float>::quiet_NaN();
  BANDITRY_CHECK_THROWS_WITH(top_k_indices(values, 8), std::domain_error, "values[3]");
  std::vector<float> ascending(5000);
  for (std::size_t i = 0; i < ascending.size(); ++i) ascending[i] = static_cast<float>(i);
  ascending[4000] = std::numeric_limits<float>::quiet_NaN();
  BANDITRY_CHECK_THROWS_WITH(top_k_indices(ascending, 4), std::domain_error, "values[4000]");
}

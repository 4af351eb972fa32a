// Numerics at extreme inputs, against 50-digit Boost.Multiprecision references computed here.
#include "banditry/core/numerics.hpp"

#include <doctest/doctest.h>

#include <boost/multiprecision/cpp_bin_float.hpp>
#include <limits>
#include <vector>

#include "support/test_support.hpp"

using banditry::test::close;
using high = boost::multiprecision::cpp_bin_float_50;

namespace {

double reference_log_sum_exp(const std::vector<double>& x) {
  high sum = 0;
  for (double v : x) sum += boost::multiprecision::exp(high(v));
  return static_cast<double>(boost::multiprecision::log(sum));
}

double reference_sigmoid(double z) {
  return static_cast<double>(1 / (1 + boost::multiprecision::exp(-high(z))));
}

double reference_softplus(double z) {
  return static_cast<double>(boost::multiprecision::log1p(boost::multiprecision::exp(high(z))));
}

}  // namespace

TEST_CASE("log_sum_exp: matches 50-digit reference at extreme logits") {
  const std::vector<std::vector<double>> cases{{0.0},
                                               {1.0, 2.0, 3.0},
                                               {1e6, 1e6},
                                               {-1e6, -1e6 + 1.0},
                                               {1e6, -1e6},
                                               {700.0, 710.0},
                                               {-745.0, -740.0},
                                               {1e-300, 5e-324, 0.0},
                                               {-1e6, 0.0, 1e6},
                                               {3.5, -2.25, 1e-8}};
  for (const auto& x : cases) {
    CHECK(close(banditry::log_sum_exp(x), reference_log_sum_exp(x), 1e-15, 1e-300));
  }
}

TEST_CASE("log_sum_exp: infinities and NaN") {
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(banditry::log_sum_exp(std::vector<double>{-inf, -inf}) == -inf);
  CHECK(banditry::log_sum_exp(std::vector<double>{1.0, inf}) == inf);
  CHECK(banditry::log_sum_exp(std::vector<double>{-inf, 2.0}) == 2.0);
  BANDITRY_CHECK_THROWS_WITH(banditry::log_sum_exp(std::vector<double>{1.0, std::nan("")}),
                             std::domain_error, "banditry::log_sum_exp: x[1] must be not NaN");
  BANDITRY_CHECK_THROWS_WITH(banditry::log_sum_exp(std::vector<double>{}), std::invalid_argument,
                             "banditry::log_sum_exp: x size must be positive, got 0");
}

TEST_CASE("softmax: sums to one and underflows to exact zero") {
  const auto p = banditry::softmax(std::vector<double>{1e6, 0.0, -1e6});
  CHECK(p[0] == 1.0);
  CHECK(p[1] == 0.0);
  CHECK(p[2] == 0.0);
  const std::vector<double> x{0.5, -1.25, 3.0, 2.0};
  const auto q = banditry::softmax(x);
  high total = 0;
  for (double v : x) total += boost::multiprecision::exp(high(v));
  for (std::size_t i = 0; i < x.size(); ++i) {
    CHECK(close(q[i], static_cast<double>(boost::multiprecision::exp(high(x[i])) / total), 1e-15));
  }
  const auto lq = banditry::log_softmax(std::span<const double>(x));
  for (std::size_t i = 0; i < x.size(); ++i) {
    CHECK(close(lq[i], static_cast<double>(high(x[i]) - boost::multiprecision::log(total)), 1e-15));
  }
}

TEST_CASE("sigmoid, log_sigmoid, softplus: 50-digit reference over 12 decades") {
  for (double z :
       {-1e6, -800.0, -745.0, -40.0, -1.0, -1e-12, 0.0, 1e-12, 0.5, 20.0, 40.0, 800.0, 1e6}) {
    CAPTURE(z);
    CHECK(close(banditry::sigmoid(z), reference_sigmoid(z), 2e-16, 0));
    CHECK(close(banditry::softplus(z), reference_softplus(z), 2e-16, 0));
    CHECK(close(banditry::log_sigmoid(z), -reference_softplus(-z), 2e-16, 0));
  }
  CHECK(banditry::sigmoid(-std::numeric_limits<double>::infinity()) == 0.0);
  CHECK(banditry::sigmoid(std::numeric_limits<double>::infinity()) == 1.0);
  BANDITRY_CHECK_THROWS_WITH(banditry::sigmoid(std::nan("")), std::domain_error,
                             "banditry::sigmoid: z must be not NaN");
}

TEST_CASE("kl_divergence: zeros, denormals and infinity") {
  const std::vector<double> p{0.5, 0.5, 0.0};
  const std::vector<double> q{0.25, 0.25, 0.5};
  CHECK(close(banditry::kl_divergence(p, q), std::log(2.0), 1e-15));
  CHECK(banditry::kl_divergence(q, p) == std::numeric_limits<double>::infinity());
  CHECK(banditry::kl_divergence(p, p) == 0.0);
  // Denormal masses: p_i log(p_i / q_i) with p = 1e-310, q = 4e-320 must not overflow.
  const std::vector<double> pd{1.0 - 1e-310, 1e-310};
  const std::vector<double> qd{1.0 - 4e-320, 4e-320};
  high ref = high(pd[0]) * boost::multiprecision::log(high(pd[0]) / high(qd[0])) +
             high(pd[1]) * boost::multiprecision::log(high(pd[1]) / high(qd[1]));
  CHECK(close(banditry::kl_divergence(pd, qd), static_cast<double>(ref), 1e-6, 1e-320));
  BANDITRY_CHECK_THROWS_WITH(banditry::kl_divergence(p, std::vector<double>{1.0}),
                             std::invalid_argument,
                             "banditry::kl_divergence: q size must be equal");
  BANDITRY_CHECK_THROWS_WITH(
      banditry::kl_divergence(std::vector<double>{-0.5, 1.5},
                              q.size() == 2 ? q : std::vector<double>{0.5, 0.5}),
      std::domain_error, "p[0] must be finite and >= 0, got -0.5");
}

TEST_CASE("entropy: uniform and degenerate") {
  CHECK(
      close(banditry::entropy(std::vector<double>{0.25, 0.25, 0.25, 0.25}), std::log(4.0), 1e-15));
  CHECK(banditry::entropy(std::vector<double>{1.0, 0.0}) == 0.0);
  CHECK(close(banditry::entropy(std::vector<double>{1.0 - 1e-300, 1e-300}),
              static_cast<double>(-high(1e-300) * boost::multiprecision::log(high(1e-300))), 1e-12,
              0));
}

TEST_CASE("softmax: exact halves at huge equal logits") {
  for (double big : {1e6, 1e15, 1e300}) {
    CAPTURE(big);
    const auto p = banditry::softmax(std::vector<double>{big, -big, big});
    CHECK(p[0] == 0.5);
    CHECK(p[1] == 0.0);
    CHECK(p[2] == 0.5);
    const std::vector<double> pair{big, big};
    const auto lp = banditry::log_softmax(std::span<const double>(pair));
    CHECK(banditry::test::close(lp[0], -std::log(2.0), 1e-15));
  }
  BANDITRY_CHECK_THROWS_WITH(banditry::softmax(std::vector<double>{1.0, HUGE_VAL}),
                             std::domain_error,
                             "banditry::softmax: x[1] must be not NaN and not +inf, got inf");
}

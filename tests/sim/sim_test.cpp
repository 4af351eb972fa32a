// Trial runner, statistics, bootstrap and verdict rules.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "banditry/core/rng.hpp"
#include "banditry/sim/claims.hpp"
#include "banditry/sim/runner.hpp"
#include "banditry/sim/stats.hpp"
#include "support/test_support.hpp"

using namespace banditry;
using namespace banditry::sim;

TEST_CASE("run_trials: bit-identical for 1 and 2 threads") {
  auto trial = [](std::size_t t) {
    auto rng = make_stream(42, "TEST.runner", 0, t, substream::data);
    double acc = 0;
    for (int i = 0; i < 100; ++i) acc += normal(rng) * uniform01(rng);
    return acc;
  };
  const auto one = run_trials(257, 1, trial);
  const auto two = run_trials(257, 2, trial);
  const auto again = run_trials(257, 2, trial);
  CHECK(one == two);
  CHECK(two == again);
}

TEST_CASE("run_trials: rethrows a trial's exception") {
  auto trial = [](std::size_t t) -> int {
    if (t == 5) throw std::runtime_error("trial 5 failed");
    return static_cast<int>(t);
  };
  CHECK_THROWS_WITH_AS(run_trials(10, 2, trial), "trial 5 failed", std::runtime_error);
}

TEST_CASE("stats: closed-form mean, sd, quantile, slope") {
  const std::vector<double> v{1, 2, 3, 4};
  CHECK(mean(v) == 2.5);
  CHECK(banditry::test::close(sample_sd(v), std::sqrt(5.0 / 3.0), 1e-15));
  CHECK(quantile(v, 0.5) == 2.5);
  CHECK(quantile(v, 0.025) == 1.075);
  CHECK(quantile(v, 1.0) == 4.0);
  const std::vector<double> x{1, 10, 100};
  const std::vector<double> y{3, 3 / std::sqrt(10.0), 0.3};
  CHECK(banditry::test::close(log_log_slope(x, y), -0.5, 1e-14));
  BANDITRY_CHECK_THROWS_WITH(log_log_slope(x, std::vector<double>{1, 0, 1}), std::domain_error,
                             "banditry::sim::log_log_slope: y must be positive, got 0");
}

TEST_CASE("bootstrap: deterministic interval and seed dependence") {
  sweep s("TEST.boot", "n", {10, 100, 1000}, {"m"});
  for (std::size_t p = 0; p < 3; ++p) {
    auto rng = make_stream(1, s.experiment, p, 0, substream::data);
    for (int t = 0; t < 200; ++t) {
      s.values[0][p].push_back(std::abs(normal(rng)) / std::sqrt(s.grid[p]));
    }
  }
  const auto a = slope_estimate(1, fit_points(s, "m"));
  const auto b = slope_estimate(1, fit_points(s, "m"));
  const auto c = slope_estimate(2, fit_points(s, "m"));
  CHECK(a.estimate == b.estimate);
  CHECK(a.lo == b.lo);
  CHECK(a.hi == b.hi);
  CHECK(a.lo != c.lo);
  CHECK(a.lo < a.estimate);
  CHECK(a.estimate < a.hi);
  CHECK(std::abs(a.estimate + 0.5) < 0.1);
  CHECK(slope_claim({}, a, -0.5, 0.1).outcome == verdict::pass);
  CHECK(slope_claim({}, a, 0.0, 0.1).outcome == verdict::fail);
}

TEST_CASE("verdict rules: boundaries of each rule") {
  interval_estimate fit{.estimate = 0.05, .lo = -0.02, .hi = 0.09};
  CHECK(flat_claim({}, fit, 0.1).outcome == verdict::pass);
  fit.hi = 0.11;
  CHECK(flat_claim({}, fit, 0.1).outcome == verdict::fail);
  CHECK(slope_range_claim({}, interval_estimate{.estimate = -0.45, .lo = -0.45, .hi = -0.45}, -1,
                          -0.4)
            .outcome == verdict::pass);
  CHECK(slope_range_claim({}, interval_estimate{.estimate = -0.3, .lo = -0.3, .hi = -0.3}, -1, -0.4)
            .outcome == verdict::fail);
  CHECK(value_ok({1.0, 0.0}, 1.0, 0.0));
  CHECK(!value_ok({1.01, 0.0}, 1.0, 0.0));
  CHECK(value_ok({1.01, 0.004}, 1.0, 0.0));
  CHECK(range_ok({0.5, 0.0}, 0.3, 0.7));
  CHECK(!range_ok({0.8, 0.0}, 0.3, 0.7));
  CHECK(upper_bound_ok({0.011, 0.001}, 0.01));
  CHECK(!upper_bound_ok({0.02, 0.001}, 0.01));
  CHECK(lower_bound_ok({0.99, 0.0}, 0.99));
  const std::vector<double> a{2, 3, 4};
  const std::vector<double> b{1, 1, 1};
  CHECK(order_ok(paired_difference(a, b, 2.0), 0.0));
  CHECK(!order_ok(paired_difference(b, a), 0.0));
  const auto u = unpaired_difference({1.0, 0.3}, {0.5, 0.4});
  CHECK(banditry::test::close(u.se, 0.5, 1e-15));
  const auto q = ratio({2.0, 0.2}, {1.0, 0.1});
  CHECK(banditry::test::close(q.mean, 2.0, 1e-15));
  CHECK(banditry::test::close(q.se, 2.0 * std::sqrt(0.02), 1e-15));
  const auto report = normalised_constants({{1.0, 0.0}, {1.5, 0.0}}, {1.0, 1.0});
  CHECK(report.spread == 1.5);
  CHECK(normalised_claim({}, report, 2.0).outcome == verdict::pass);
  CHECK(normalised_claim({}, report, 1.2).outcome == verdict::fail);
  CHECK(normalised_claim({}, report, 2.0, std::pair(0.9, 1.2)).outcome == verdict::fail);
  CHECK(combine({verdict::pass, verdict::skip}) == verdict::pass);
  CHECK(combine({verdict::skip}) == verdict::skip);
  CHECK(combine({verdict::pass, verdict::fail}) == verdict::fail);
}

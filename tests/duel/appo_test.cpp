// APPO on small A1 instances: query rule extremes, reproducibility and self-checks.
#include "banditry/duel/appo.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "banditry/core/rng.hpp"
#include "banditry/sim/runner.hpp"
#include "support/test_support.hpp"

using namespace banditry;
using namespace banditry::duel;

namespace {

appo_result run_small(double threshold, std::size_t horizon, std::uint64_t trial = 0,
                      bool exact = false) {
  auto instance_rng = make_stream(1, "TEST.A1", 0, trial, substream::instance);
  const auto instance = draw_a1_instance(instance_rng, 3, 0.3, 5, 8);
  auto params = appo_defaults(3, 5, 0.3, 1.0);
  params.threshold = threshold;
  params.exact_refit = exact;
  auto data = make_stream(1, "TEST.A1", 0, trial, substream::data);
  auto algorithm = make_stream(1, "TEST.A1", 0, trial, substream::algorithm);
  return run_appo(instance, params, horizon, data, algorithm, {100, 500, horizon});
}

}  // namespace

TEST_CASE("draw_a1_instance: gap and feature norms") {
  auto rng = make_stream(1, "TEST.A1", 0, 0, substream::instance);
  const auto inst = draw_a1_instance(rng, 4, 0.2);
  CHECK(inst.contexts == 50);
  CHECK(inst.actions == 10);
  for (std::size_t x = 0; x < 50; ++x) {
    CHECK(inst.rewards[x * 10 + inst.best[x]] == 0.5);
    for (std::size_t y = 0; y < 10; ++y) {
      const double* phi = &inst.features[(x * 10 + y) * 4];
      double norm2 = 0;
      for (int k = 0; k < 4; ++k) norm2 += phi[k] * phi[k];
      CHECK(norm2 <= 1 + 1e-12);
      CHECK(phi[0] == inst.rewards[x * 10 + y]);
      if (y != inst.best[x]) CHECK(inst.rewards[x * 10 + y] < 0.5 - 0.2);
    }
  }
}

TEST_CASE("appo: negative threshold queries every round") {
  const auto result = run_small(-1.0, 800);
  CHECK(result.queries == 800);
  CHECK(result.queries_at == std::vector<double>{100, 500, 800});
}

TEST_CASE("appo: infinite threshold never queries") {
  const auto result = run_small(std::numeric_limits<double>::infinity(), 800);
  CHECK(result.queries == 0);
  CHECK(result.refits == 0);
  for (double w : result.log_weights) CHECK(w == 0.0);  // pi stays uniform
  CHECK(result.theta.norm() == 0);
}

TEST_CASE("appo: reproducible across runs and threads") {
  const auto a = run_small(appo_defaults(3, 5, 0.3, 1.0).threshold, 3000);
  const auto b = run_small(appo_defaults(3, 5, 0.3, 1.0).threshold, 3000);
  CHECK(a.queries == b.queries);
  CHECK(a.regret == b.regret);
  CHECK(a.queries > 0);
  CHECK(a.queries < 3000);
  CHECK(a.potential_ratio < 1);
  CHECK_FALSE(a.warning.empty());  // c_Gamma = 1 is the borderline setting
  const double default_threshold = appo_defaults(3, 5, 0.3, 1.0).threshold;
  auto trial = [&](std::size_t t) { return run_small(default_threshold, 2000, t).regret; };
  const auto one = sim::run_trials(6, 1, trial);
  const auto two = sim::run_trials(6, 2, trial);
  CHECK(one == two);
}

TEST_CASE("appo: exact refit agrees with lazy refit") {
  const double threshold = appo_defaults(3, 5, 0.3, 1.0).threshold;
  const auto lazy = run_small(threshold, 4000);
  const auto exact = run_small(threshold, 4000, 0, true);
  CHECK(exact.unconverged_refits == 0);
  const double ratio = static_cast<double>(exact.queries) / static_cast<double>(lazy.queries);
  CHECK(ratio > 0.8);
  CHECK(ratio < 1.25);
}

TEST_CASE("appo: safe threshold has no warning") {
  auto rng = make_stream(1, "TEST.A1", 0, 0, substream::instance);
  const auto instance = draw_a1_instance(rng, 2, 0.4, 4, 5);
  const auto params = appo_defaults(2, 4, 0.4, 0.5);
  CHECK(params.threshold == doctest::Approx(0.5 * 0.4 / (2 * std::sqrt(2.0))));
  CHECK(params.step == doctest::Approx(params.threshold * std::sqrt(std::log(4.0) / 2)));
  auto data = make_stream(1, "TEST.A1", 0, 0, substream::data);
  auto algorithm = make_stream(1, "TEST.A1", 0, 0, substream::algorithm);
  const auto result = run_appo(instance, params, 500, data, algorithm);
  CHECK(result.warning.empty());
}

TEST_CASE("appo: rejects bad parameters") {
  auto rng = make_stream(1, "TEST.A1", 0, 0, substream::instance);
  const auto instance = draw_a1_instance(rng, 2, 0.4, 4, 5);
  auto params = appo_defaults(2, 4, 0.4, 0.5);
  auto data = make_stream(1, "TEST.A1", 0, 0, substream::data);
  params.radius = -1;
  BANDITRY_CHECK_THROWS_WITH(run_appo(instance, params, 10, data, data), std::domain_error,
                             "banditry::run_appo: radius must be positive and finite, got -1");
  params = appo_defaults(2, 4, 0.4, 0.5);
  params.threshold = NAN;
  BANDITRY_CHECK_THROWS_WITH(run_appo(instance, params, 10, data, data), std::domain_error,
                             "threshold must be not NaN");
  BANDITRY_CHECK_THROWS_WITH(draw_a1_instance(rng, 2, 1.5), std::domain_error,
                             "gap must be in (0, 1), got 1.5");
  BANDITRY_CHECK_THROWS_WITH(appo_defaults(0, 4, 0.4, 1), std::invalid_argument,
                             "dimension d must be positive, got 0");
  auto broken = instance;
  broken.best[0] = 9;
  BANDITRY_CHECK_THROWS_WITH(run_appo(broken, params, 10, data, data), std::invalid_argument,
                             "best[0] must be below K");
}

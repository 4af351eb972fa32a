// Off-policy value estimates: hand-computed values, unbiasedness, bad propensities.
#include "banditry/bandit/off_policy.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "banditry/bandit/generators.hpp"
#include "banditry/core/rng.hpp"
#include "banditry/sim/runner.hpp"
#include "support/test_support.hpp"

namespace bd = banditry::bandit;
using banditry::test::close;

namespace {

std::vector<bd::logged_step> hand_log() {
  return {{0, 0, 1.0, 0.5}, {0, 1, 0.0, 0.5}, {1, 0, 0.0, 0.25}, {1, 1, 1.0, 0.75}};
}

Eigen::MatrixXd hand_policy() {
  Eigen::MatrixXd policy(2, 2);
  policy << 0.8, 0.2, 0.4, 0.6;
  return policy;
}

}  // namespace

TEST_CASE("off-policy: IPS and SNIPS hand values") {
  const auto log = hand_log();
  const auto policy = hand_policy();
  // Weights 1.6, 0.4, 1.6, 0.8; weighted rewards 1.6, 0, 0, 0.8.
  const auto ips = bd::ips_value(log, policy);
  CHECK(close(ips.value, 2.4 / 4, 1e-15));
  const double mean = 0.6;
  const double variance = ((1.6 - mean) * (1.6 - mean) + 3 * mean * mean - 2 * 0.8 * mean +
                           (0.8 - mean) * (0.8 - mean) - (0 - mean) * (0 - mean) + mean * mean) /
                          3;
  (void)variance;
  const std::vector<double> terms{1.6, 0.0, 0.0, 0.8};
  double squares = 0;
  for (double t : terms) squares += (t - mean) * (t - mean);
  const double se = std::sqrt(squares / 3 / 4);
  CHECK(close(ips.standard_error, se, 1e-14));
  CHECK(close(ips.ci_hi - ips.value, 1.959963984540054 * se, 1e-12));
  CHECK(close(ips.effective_sample_size, 4.4 * 4.4 / (1.6 * 1.6 * 2 + 0.16 + 0.64), 1e-14));
  const auto snips = bd::snips_value(log, policy);
  CHECK(close(snips.value, 2.4 / 4.4, 1e-15));
}

TEST_CASE("off-policy: DM and DR hand values") {
  const auto log = hand_log();
  const auto policy = hand_policy();
  Eigen::MatrixXd model(2, 2);
  model << 0.5, 0.25, 0.0, 1.0;
  // Model values per context: 0.45 and 0.6.
  const auto dm = bd::direct_method_value(log, policy, model);
  CHECK(close(dm.value, (0.45 * 2 + 0.6 * 2) / 4, 1e-15));
  const auto dr = bd::doubly_robust_value(log, policy, model);
  const double correction = (1.6 * 0.5 + 0.4 * -0.25 + 1.6 * 0.0 + 0.8 * 0.0) / 4;
  CHECK(close(dr.value, dm.value + correction, 1e-15));
  // A perfect model of the logged cells leaves no correction on them.
  const auto empirical = bd::empirical_reward_model(log, 2, 2);
  CHECK(empirical(0, 0) == 1.0);
  CHECK(empirical(1, 1) == 1.0);
}

TEST_CASE("off-policy: logging value is the mean reward") {
  const auto value = bd::logging_policy_value(hand_log());
  CHECK(value.value == 0.5);
  CHECK(close(value.standard_error, std::sqrt(1.0 / 3 / 4), 1e-14));
}

TEST_CASE("off-policy: IPS and DR are unbiased") {
  // Two contexts, three actions, Bernoulli rewards; 400 logs of 500 steps each.
  bd::tabular_instance instance{Eigen::VectorXd(2), Eigen::MatrixXd(2, 3), Eigen::MatrixXd(2, 3)};
  instance.rho << 0.4, 0.6;
  instance.reference << 0.2, 0.3, 0.5, 0.6, 0.3, 0.1;
  instance.reward << 0.9, 0.2, 0.4, 0.1, 0.8, 0.5;
  Eigen::MatrixXd target(2, 3);
  target << 0.7, 0.2, 0.1, 0.1, 0.1, 0.8;
  const double truth =
      0.4 * (0.7 * 0.9 + 0.2 * 0.2 + 0.1 * 0.4) + 0.6 * (0.1 * 0.1 + 0.1 * 0.8 + 0.8 * 0.5);
  const Eigen::MatrixXd model = Eigen::MatrixXd::Constant(2, 3, 0.3);
  auto trial = [&](std::size_t t) {
    banditry::xoshiro256ss rng(banditry::stream_key(3, 17, 0, t, 0));
    const auto log = bd::sample_logged_steps(rng, instance, 500, bd::reward_noise::bernoulli);
    return std::array<double, 2>{bd::ips_value(log, target).value,
                                 bd::doubly_robust_value(log, target, model).value};
  };
  const auto one = banditry::sim::run_trials(400, 1, trial);
  const auto two = banditry::sim::run_trials(400, 2, trial);
  CHECK(one == two);
  double ips = 0;
  double dr = 0;
  double ips_sq = 0;
  for (const auto& v : one) {
    ips += v[0];
    dr += v[1];
    ips_sq += v[0] * v[0];
  }
  ips /= 400;
  dr /= 400;
  const double se = std::sqrt((ips_sq / 400 - ips * ips) / 399);
  CHECK(std::abs(ips - truth) <= 4 * se);
  CHECK(std::abs(dr - truth) <= 4 * se);
}

TEST_CASE("off-policy: invalid propensity messages") {
  auto log = hand_log();
  const auto policy = hand_policy();
  log[2].propensity = 0.0;
  BANDITRY_CHECK_THROWS_WITH(
      bd::ips_value(log, policy), std::domain_error,
      "banditry::bandit::ips_value: log[2].propensity must be in (0, 1], got 0");
  log[2].propensity = 1.5;
  BANDITRY_CHECK_THROWS_WITH(bd::snips_value(log, policy), std::domain_error,
                             "log[2].propensity must be in (0, 1], got 1.5");
  log = hand_log();
  log[1].action = 5;
  BANDITRY_CHECK_THROWS_WITH(bd::ips_value(log, policy), std::invalid_argument,
                             "log[1].action must be below the number of actions 2, got 5");
  BANDITRY_CHECK_THROWS_WITH(bd::ips_value({}, policy), std::invalid_argument,
                             "log size must be positive");
  Eigen::MatrixXd never(2, 2);
  never << 0.0, 1.0, 0.0, 1.0;
  std::vector<bd::logged_step> only_first{{0, 0, 1.0, 0.5}};
  BANDITRY_CHECK_THROWS_WITH(bd::snips_value(only_first, never), std::domain_error,
                             "sum of importance weights must be positive");
  BANDITRY_CHECK_THROWS_WITH(bd::ips_value(hand_log(), policy, 1.0), std::domain_error,
                             "confidence must be in (0, 1)");
}

TEST_CASE("off-policy: single step interval undefined") {
  const std::vector<bd::logged_step> one{{0, 0, 1.0, 0.5}};
  const auto policy = hand_policy();
  const double infinity = std::numeric_limits<double>::infinity();
  // One step: value w r = 0.8 / 0.5 = 1.6, and no estimate of the spread.
  const auto ips = bd::ips_value(one, policy);
  CHECK(ips.value == 1.6);
  CHECK_FALSE(ips.interval_defined);
  CHECK(ips.standard_error == infinity);
  CHECK(ips.ci_lo == -infinity);
  CHECK(ips.ci_hi == infinity);
  CHECK(ips.samples == 1);
  const auto snips = bd::snips_value(one, policy);
  CHECK(snips.value == 1.0);
  CHECK_FALSE(snips.interval_defined);
  CHECK(snips.ci_hi == infinity);
  const auto logging = bd::logging_policy_value(one);
  CHECK_FALSE(logging.interval_defined);
  CHECK(logging.ci_lo == -infinity);
  // Two steps give a finite interval.
  const auto two = bd::ips_value({{0, 0, 1.0, 0.5}, {0, 1, 0.0, 0.5}}, policy);
  CHECK(two.interval_defined);
  CHECK(std::isfinite(two.standard_error));
  CHECK(two.standard_error > 0);
}

TEST_CASE("off-policy: rejects overflowing estimates") {
  const auto policy = hand_policy();
  const double denormal = std::numeric_limits<double>::denorm_min() * 1024;
  const std::vector<bd::logged_step> huge{{0, 0, 1e308, denormal}, {0, 1, 0.0, 0.5}};
  BANDITRY_CHECK_THROWS_WITH(bd::ips_value(huge, policy), std::domain_error,
                             "banditry::bandit::ips_value: estimate must be finite");
  BANDITRY_CHECK_THROWS_WITH(bd::ips_value({huge[0]}, policy), std::domain_error,
                             "banditry::bandit::ips_value: estimate must be finite");
  BANDITRY_CHECK_THROWS_WITH(bd::doubly_robust_value(huge, policy, Eigen::MatrixXd::Zero(2, 2)),
                             std::domain_error,
                             "banditry::bandit::doubly_robust_value: estimate must be finite");
  // Finite terms whose squared deviations overflow double give an infinite standard error.
  const std::vector<bd::logged_step> wide{{0, 0, 1e300, 1e-6}, {0, 1, -1e300, 1e-6}};
  BANDITRY_CHECK_THROWS_WITH(bd::ips_value(wide, policy), std::domain_error,
                             "banditry::bandit::ips_value: standard error must be finite");
}

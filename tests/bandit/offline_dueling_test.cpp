// Offline preference learning: MLE stationarity, aggregation, centred coverage, radius.
#include "banditry/bandit/offline_dueling.hpp"

#include <doctest/doctest.h>

#include <cmath>

#include "banditry/bandit/generators.hpp"
#include "banditry/bandit/gibbs.hpp"
#include "banditry/core/numerics.hpp"
#include "support/test_support.hpp"

namespace bd = banditry::bandit;
using banditry::test::close;

TEST_CASE("preference mle: stationarity and aggregation") {
  banditry::xoshiro256ss rng(42);
  const auto instance = bd::sphere_linear_instance(rng, 3, 2, 4);
  const auto counts = bd::sample_preference_counts(rng, instance.table, 3000);
  const auto stats = bd::preference_statistics_from_counts(instance.features, counts);
  const auto fit = bd::bradley_terry_mle(stats, 1.0);
  CHECK(fit.status == bd::solver_status::converged);
  // Stationarity: lambda theta + sum (N sigmoid(theta^T z) - W) z = 0.
  Eigen::VectorXd gradient = fit.theta;
  double norms = 0;
  for (Eigen::Index c = 0; c < stats.differences.rows(); ++c) {
    const Eigen::VectorXd z = stats.differences.row(c).transpose();
    gradient += (stats.comparisons(c) * banditry::sigmoid(z.dot(fit.theta)) - stats.wins(c)) * z;
    norms += stats.comparisons(c) * z.norm();
  }
  CHECK(gradient.norm() <= 1e-8 * (1 + norms));
  // Per-pair data (one row per comparison) give the same estimate.
  bd::preference_statistics pairs{Eigen::MatrixXd(3000, 3), Eigen::VectorXd::Ones(3000),
                                  Eigen::VectorXd(3000)};
  Eigen::Index row = 0;
  for (Eigen::Index c = 0; c < stats.differences.rows(); ++c) {
    for (int i = 0; i < static_cast<int>(stats.comparisons(c)); ++i, ++row) {
      pairs.differences.row(row) = stats.differences.row(c);
      pairs.wins(row) = i < static_cast<int>(stats.wins(c)) ? 1.0 : 0.0;
    }
  }
  REQUIRE(row == 3000);
  const auto per_pair = bd::bradley_terry_mle(pairs, 1.0);
  CHECK((per_pair.theta - fit.theta).cwiseAbs().maxCoeff() <= 1e-10);
}

TEST_CASE("preference pcb: radius closed form") {
  const double kappa = banditry::sigmoid(1.0) * (1 - banditry::sigmoid(1.0));
  CHECK(close(kappa, 0.196612, 1e-5));
  const double n = 4096;
  CHECK(close(bd::preference_confidence_radius(2, n),
              std::sqrt(2 * std::log((1 + n / 2) / 0.1)) / kappa, 1e-14));
}

TEST_CASE("preference pcb: centred coverage one-hot") {
  // Two arms, one-hot features: centred features are +-(1 - q) differences along e0 - e1, so
  // D^2_pref(pi) = sum_y pi(y) (1 - q_y)^2 / (q0 q1) in closed form.
  const auto features = bd::one_hot_features(1, 2);
  Eigen::MatrixXd reference(1, 2);
  reference << 0.1, 0.9;
  Eigen::MatrixXd policy(1, 2);
  policy << 0.7, 0.3;
  const double expected = (0.7 * 0.9 * 0.9 + 0.3 * 0.1 * 0.1) / (0.1 * 0.9);
  CHECK(close(bd::preference_d2(features, policy, reference, Eigen::VectorXd::Ones(1)), expected,
              1e-12));
  // The reference average equals the rank of the centred covariance (1 here).
  CHECK(close(bd::preference_d2(features, reference, reference, Eigen::VectorXd::Ones(1)), 1.0,
              1e-12));
}

TEST_CASE("preference pcb: zero radius is the plug-in") {
  const auto instance =
      bd::single_context_instance(Eigen::RowVector2d(0.8, 0.3), Eigen::RowVector2d(0.1, 0.9));
  const auto features = bd::one_hot_features(1, 2);
  banditry::xoshiro256ss rng(3);
  const auto stats = bd::preference_statistics_from_counts(
      features, bd::sample_preference_counts(rng, instance, 20000));
  const auto pessimistic = bd::kl_pcb_preference_policy(instance.reference, features, stats, 1.0);
  const auto plugin =
      bd::kl_pcb_preference_policy(instance.reference, features, stats, 1.0, {.radius = 0.0});
  CHECK(plugin.estimate.bonus.maxCoeff() == 0.0);
  CHECK(plugin.policy == bd::gibbs_policy(instance.reference, plugin.estimate.mean_reward, 1.0));
  // The rare arm 0 gets the larger centred bonus.
  CHECK(pessimistic.estimate.bonus(0, 0) > pessimistic.estimate.bonus(0, 1));
  // The estimated reward gap is close to 0.5.
  CHECK(std::abs(plugin.estimate.mean_reward(0, 0) - plugin.estimate.mean_reward(0, 1) - 0.5) <
        0.1);
}

TEST_CASE("preference mle: invalid input messages") {
  bd::preference_statistics stats{Eigen::MatrixXd::Ones(1, 2), Eigen::VectorXd::Constant(1, 3),
                                  Eigen::VectorXd::Constant(1, 4)};
  BANDITRY_CHECK_THROWS_WITH(bd::bradley_terry_mle(stats, 1.0), std::invalid_argument,
                             "banditry::bandit::bradley_terry_mle: wins[0] must be in [0, "
                             "comparisons] = [0, 3], got 4");
  stats.wins(0) = 1;
  BANDITRY_CHECK_THROWS_WITH(bd::bradley_terry_mle(stats, 0.0), std::domain_error,
                             "ridge must be finite and > 0, got 0");
  stats.comparisons(0) = -1;
  BANDITRY_CHECK_THROWS_WITH(bd::bradley_terry_mle(stats, 1.0), std::invalid_argument,
                             "comparisons[0] must be finite and >= 0");
}

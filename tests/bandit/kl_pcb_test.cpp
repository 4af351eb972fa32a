// Tabular and linear KL-PCB: closed-form bonuses, plug-in equality, bad input.
#include "banditry/bandit/kl_pcb.hpp"

#include <doctest/doctest.h>

#include <cmath>

#include "banditry/bandit/generators.hpp"
#include "banditry/bandit/gibbs.hpp"
#include "support/test_support.hpp"

namespace bd = banditry::bandit;
using banditry::test::close;

namespace {

bd::tabular_statistics small_data() {
  bd::tabular_statistics data{Eigen::MatrixXd(2, 3), Eigen::MatrixXd(2, 3)};
  data.counts << 100, 0, 25, 400, 9, 1;
  data.reward_sums << 80, 0, 30, 120, -1, 0.5;
  return data;
}

}  // namespace

TEST_CASE("tabular pcb: bonus and clipping closed form") {
  const auto data = small_data();
  const auto estimate = bd::tabular_pessimistic_reward(data, {.bonus_scale = 1.0, .delta = 0.1});
  const double log_term = std::log(2.0 * 2 * 3 / 0.1);
  CHECK(close(bd::tabular_log_term(2, 3, 0.1), log_term, 1e-15));
  CHECK(close(estimate.mean_reward(0, 0), 0.8, 1e-15));
  CHECK(close(estimate.bonus(0, 0), std::sqrt(2 * log_term / 100), 1e-15));
  CHECK(close(estimate.pessimistic_reward(0, 0), 0.8 - std::sqrt(2 * log_term / 100), 1e-15));
  // Unseen cell: infinite bonus, r_hat = 0.
  CHECK(std::isinf(estimate.bonus(0, 1)));
  CHECK(estimate.pessimistic_reward(0, 1) == 0.0);
  // Mean 1.2 clipped to 1; mean -1/9 clipped to 0.
  CHECK(estimate.mean_reward(0, 2) == 1.0);
  CHECK(estimate.mean_reward(1, 1) == 0.0);
  CHECK(estimate.pessimistic_reward(1, 1) == 0.0);
  // A large bonus clips r_hat at 0.
  CHECK(estimate.pessimistic_reward(1, 2) == 0.0);
}

TEST_CASE("tabular pcb: zero bonus equals plug-in bitwise") {
  const auto data = small_data();
  Eigen::MatrixXd reference(2, 3);
  reference << 0.2, 0.3, 0.5, 0.6, 0.3, 0.1;
  for (double eta : {0.5, 1.0, 8.0}) {
    const Eigen::MatrixXd a = bd::kl_pcb_tabular_policy(reference, data, eta, {.bonus_scale = 0.0});
    const Eigen::MatrixXd b = bd::plugin_tabular_policy(reference, data, eta);
    CHECK(a == b);
  }
  const auto plugin = bd::tabular_plugin_reward(data);
  CHECK(plugin.bonus.cwiseAbs().maxCoeff() == 0.0);
  CHECK(plugin.pessimistic_reward(0, 1) == 0.0);
}

TEST_CASE("tabular pcb: pessimism lowers the reward") {
  const auto data = small_data();
  const auto pessimistic = bd::tabular_pessimistic_reward(data);
  const auto plugin = bd::tabular_plugin_reward(data);
  CHECK((plugin.pessimistic_reward - pessimistic.pessimistic_reward).minCoeff() >= 0.0);
}

TEST_CASE("tabular pcb: invalid input messages") {
  auto data = small_data();
  Eigen::MatrixXd reference(2, 3);
  reference << 0.2, 0.3, 0.5, 0.6, 0.3, 0.1;
  data.counts(1, 0) = -1;
  BANDITRY_CHECK_THROWS_WITH(bd::tabular_pessimistic_reward(data), std::invalid_argument,
                             "banditry::bandit::tabular_pessimistic_reward: counts(1, 0) must be "
                             ">= 0, got -1");
  data = small_data();
  data.reward_sums(0, 1) = 2;
  BANDITRY_CHECK_THROWS_WITH(bd::tabular_pessimistic_reward(data), std::invalid_argument,
                             "reward_sums(0, 1) must be 0 where counts is 0");
  data = small_data();
  BANDITRY_CHECK_THROWS_WITH(bd::tabular_pessimistic_reward(data, {.bonus_scale = 1, .delta = 0}),
                             std::domain_error, "delta must be in (0, 1), got 0");
  BANDITRY_CHECK_THROWS_WITH(
      bd::tabular_pessimistic_reward(data, {.bonus_scale = -1, .delta = 0.1}), std::domain_error,
      "bonus_scale must be finite and >= 0");
  Eigen::MatrixXd no_mass = reference;
  no_mass.row(0) << 0.0, 0.5, 0.5;
  BANDITRY_CHECK_THROWS_WITH(bd::kl_pcb_tabular_policy(no_mass, data, 1.0), std::domain_error,
                             "reference(0, 0) must be positive where data exist");
  BANDITRY_CHECK_THROWS_WITH(bd::kl_pcb_tabular_policy(reference, data, -2.0), std::domain_error,
                             "eta must be finite and > 0, got -2");
}

TEST_CASE("linear pcb: ridge estimate and radius closed form") {
  Eigen::MatrixXd phi(4, 2);
  phi << 1, 0, 0, 1, 1, 1, 0.5, -0.5;
  Eigen::VectorXd rewards(4);
  rewards << 0.3, 0.7, 1.2, 0.1;
  const auto stats = bd::linear_statistics_from_samples(phi, rewards);
  const auto fit = bd::fit_linear_pcb(stats, {.lambda = 0.5});
  const Eigen::MatrixXd lambda = phi.transpose() * phi + 0.5 * Eigen::MatrixXd::Identity(2, 2);
  const Eigen::VectorXd theta = lambda.inverse() * phi.transpose() * rewards;
  CHECK(close(fit.theta(0), theta(0), 1e-13));
  CHECK(close(fit.theta(1), theta(1), 1e-13));
  const double radius = std::sqrt(2 * std::log((1 + 4 / (0.5 * 2)) / 0.1)) + std::sqrt(0.5);
  CHECK(close(fit.radius, radius, 1e-14));
  bd::feature_table features{1, 2, Eigen::MatrixXd(2, 2)};
  features.phi << 1, 0, 0.6, 0.8;
  const auto estimate = bd::linear_pessimistic_reward(fit, features);
  for (Eigen::Index y = 0; y < 2; ++y) {
    const Eigen::VectorXd f = features.phi.row(y).transpose();
    const double bonus = radius * std::sqrt(f.dot(lambda.inverse() * f));
    CHECK(close(estimate.bonus(0, y), bonus, 1e-13));
    CHECK(close(estimate.pessimistic_reward(0, y), std::clamp(f.dot(theta) - bonus, 0.0, 1.0),
                1e-13, 1e-15));
  }
}

TEST_CASE("linear pcb: cell statistics equal sample statistics") {
  banditry::xoshiro256ss rng(7);
  const auto instance = bd::sphere_linear_instance(rng, 3, 4, 5);
  bd::tabular_statistics data{Eigen::MatrixXd::Zero(4, 5), Eigen::MatrixXd::Zero(4, 5)};
  Eigen::MatrixXd phi(60, 3);
  Eigen::VectorXd rewards(60);
  for (Eigen::Index i = 0; i < 60; ++i) {
    const Eigen::Index x = i % 4;
    const Eigen::Index y = (i * 7) % 5;
    const double r = banditry::uniform01(rng);
    data.counts(x, y) += 1;
    data.reward_sums(x, y) += r;
    phi.row(i) = instance.features.row(x, y);
    rewards(i) = r;
  }
  const auto from_cells = bd::linear_statistics_from_cells(instance.features, data);
  const auto from_samples = bd::linear_statistics_from_samples(phi, rewards);
  CHECK((from_cells.gram - from_samples.gram).cwiseAbs().maxCoeff() <= 1e-12);
  CHECK((from_cells.feature_reward_sum - from_samples.feature_reward_sum).cwiseAbs().maxCoeff() <=
        1e-12);
  CHECK(from_cells.samples == 60);
}

TEST_CASE("linear pcb: zero radius equals clipped plug-in") {
  banditry::xoshiro256ss rng(11);
  const auto instance = bd::sphere_linear_instance(rng, 4, 5, 6);
  const auto data = bd::sample_tabular_statistics(rng, instance.table, 5000);
  const auto stats = bd::linear_statistics_from_cells(instance.features, data);
  const Eigen::MatrixXd zero = bd::kl_pcb_linear_policy(instance.table.reference, instance.features,
                                                        stats, 4.0, {.radius = 0.0});
  const auto fit = bd::fit_linear_pcb(stats);
  Eigen::MatrixXd clipped(5, 6);
  for (Eigen::Index x = 0; x < 5; ++x) {
    for (Eigen::Index y = 0; y < 6; ++y) {
      clipped(x, y) = std::clamp(instance.features.row(x, y).dot(fit.theta), 0.0, 1.0);
    }
  }
  CHECK(zero == bd::gibbs_policy(instance.table.reference, clipped, 4.0));
}

TEST_CASE("linear pcb: singular design is rejected") {
  Eigen::MatrixXd phi(3, 2);
  phi << 1, 2, 2, 4, -1, -2;
  const auto stats = bd::linear_statistics_from_samples(phi, Eigen::VectorXd::Ones(3));
  BANDITRY_CHECK_THROWS_WITH(bd::fit_linear_pcb(stats, {.lambda = 0.0, .radius = 1.0}),
                             std::domain_error,
                             "banditry::bandit::fit_linear_pcb: Lambda = lambda I + sum phi phi^T "
                             "must be positive definite");
  BANDITRY_CHECK_THROWS_WITH(bd::fit_linear_pcb(stats, {.lambda = 0.0}), std::domain_error,
                             "lambda must be finite and > 0, got 0");
  CHECK_NOTHROW(bd::fit_linear_pcb(stats, {.lambda = 1.0}));
}

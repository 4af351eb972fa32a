// Instance and data generators: draw order, reproducibility, moments.
#include "banditry/bandit/generators.hpp"

#include <doctest/doctest.h>

#include <cmath>

#include "banditry/bandit/coverage.hpp"
#include "banditry/bandit/gibbs.hpp"
#include "banditry/core/rng.hpp"
#include "banditry/sim/runner.hpp"
#include "support/test_support.hpp"

namespace bd = banditry::bandit;
using banditry::test::close;

TEST_CASE("generators: K4 sphere instance coverage values") {
  // Shared instance stream of the experiments KL.K4.d4 and KL.K4.d8 under master seed 1.
  for (auto [d, expected] : {std::pair{4, 4.0670}, std::pair{8, 8.0364}}) {
    const std::string name = "KL.K4.d" + std::to_string(d);
    banditry::xoshiro256ss rng(
        banditry::stream_key(1, banditry::fnv1a64(name), 0xFFFFFFFF, 0xFFFFFFFF, 2));
    const auto instance = bd::sphere_linear_instance(rng, d, 50, 10);
    CHECK(instance.features.phi.rowwise().norm().maxCoeff() <= 1 + 1e-15);
    CHECK(close(instance.theta.norm(), 1.0, 1e-15));
    CHECK(instance.table.reward.minCoeff() >= 0);
    CHECK(instance.table.reward.maxCoeff() <= 1);
    const Eigen::MatrixXd optimal =
        bd::gibbs_policy(instance.table.reference, instance.table.reward, 4.0);
    const double d2 =
        bd::linear_d2(instance.features, optimal, instance.table.reference, instance.table.rho);
    CHECK(std::abs(d2 - expected) < 5e-5);
  }
}

TEST_CASE("generators: statistics reproducible across threads") {
  const auto instance = bd::single_context_instance(Eigen::RowVector3d(0.8, 0.3, 0.5),
                                                    Eigen::RowVector3d(0.2, 0.3, 0.5));
  auto trial = [&](std::size_t t) {
    auto rng = banditry::make_stream(1, "bandit.test", 0, t, banditry::substream::data);
    const auto data = bd::sample_tabular_statistics(rng, instance, 1000);
    return std::array<double, 6>{data.counts(0, 0),      data.counts(0, 1),
                                 data.counts(0, 2),      data.reward_sums(0, 0),
                                 data.reward_sums(0, 1), data.reward_sums(0, 2)};
  };
  const auto one = banditry::sim::run_trials(64, 1, trial);
  const auto two = banditry::sim::run_trials(64, 2, trial);
  CHECK(one == two);
  CHECK(one == banditry::sim::run_trials(64, 1, trial));
  for (const auto& v : one) CHECK(v[0] + v[1] + v[2] == 1000);
}

TEST_CASE("generators: sufficient statistics moments") {
  // Counts ~ Multinomial(n, pi_ref); S | N ~ N(N r*, N). Check means over 4000 trials.
  const auto instance =
      bd::single_context_instance(Eigen::RowVector2d(0.8, 0.3), Eigen::RowVector2d(0.1, 0.9));
  const std::size_t trials = 4000;
  double count_mean = 0;
  double sum_mean = 0;
  double residual_sq = 0;
  banditry::xoshiro256ss rng(123);
  for (std::size_t t = 0; t < trials; ++t) {
    const auto data = bd::sample_tabular_statistics(rng, instance, 500);
    count_mean += data.counts(0, 0);
    sum_mean += data.reward_sums(0, 1);
    const double residual = data.reward_sums(0, 1) - 0.3 * data.counts(0, 1);
    residual_sq += residual * residual / data.counts(0, 1);
  }
  count_mean /= trials;
  sum_mean /= trials;
  residual_sq /= trials;
  CHECK(std::abs(count_mean - 50) < 4 * std::sqrt(500 * 0.1 * 0.9 / trials));
  CHECK(std::abs(sum_mean - 0.3 * 450) < 4 * std::sqrt((450 + 0.09 * 45) / trials));
  CHECK(std::abs(residual_sq - 1) < 4 * std::sqrt(2.0 / trials));
}

TEST_CASE("generators: bernoulli rewards need probabilities") {
  const auto instance =
      bd::single_context_instance(Eigen::RowVector2d(1.5, 0.3), Eigen::RowVector2d(0.5, 0.5));
  banditry::xoshiro256ss rng(1);
  BANDITRY_CHECK_THROWS_WITH(
      bd::sample_tabular_statistics(rng, instance, 10, bd::reward_noise::bernoulli),
      std::domain_error, "reward(0, 0) must be a probability in [0, 1], got 1.5");
  BANDITRY_CHECK_THROWS_WITH(
      bd::single_context_instance(Eigen::RowVector2d(0.5, 0.3), Eigen::RowVector2d(0.5, 0.6)),
      std::domain_error, "sum of reference row 0 must be 1");
}

TEST_CASE("generators: preference counts are consistent") {
  const auto instance =
      bd::single_context_instance(Eigen::RowVector2d(0.8, 0.3), Eigen::RowVector2d(0.1, 0.9));
  banditry::xoshiro256ss rng(8);
  const auto counts = bd::sample_preference_counts(rng, instance, 10000);
  double total = 0;
  for (std::size_t c = 0; c < 4; ++c) {
    total += counts.comparisons[c];
    CHECK(counts.wins[c] <= counts.comparisons[c]);
  }
  CHECK(total == 10000);
  // Pair (1, 1) has probability 0.81.
  CHECK(std::abs(counts.comparisons[3] / 10000 - 0.81) < 4 * std::sqrt(0.81 * 0.19 / 10000));
}

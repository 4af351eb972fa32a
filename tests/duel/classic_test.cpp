// Classic dueling bandits: regret definitions, convergence on an easy matrix, reproducibility.
#include "banditry/duel/classic.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "banditry/core/rng.hpp"
#include "banditry/sim/runner.hpp"
#include "support/test_support.hpp"

using namespace banditry;
using namespace banditry::duel;

namespace {

const preference_matrix easy(
    {{.5, .8, .9, .85}, {.2, .5, .7, .6}, {.1, .3, .5, .4}, {.15, .4, .6, .5}});

dueling_run_result run(const preference_matrix& p, dueling_algorithm a, std::size_t t,
                       std::uint64_t trial = 0) {
  auto data = make_stream(1, "TEST.classic", 0, trial, substream::data);
  auto algorithm = make_stream(1, "TEST.classic", 0, trial, substream::algorithm);
  return run_dueling_bandit(p, a, t, data, algorithm, {std::min<std::size_t>(100, t), t});
}

}  // namespace

TEST_CASE("dueling bandits: regret sublinear on easy matrix") {
  for (auto a : {dueling_algorithm::rucb, dueling_algorithm::dts, dueling_algorithm::rmed}) {
    const auto r = run(easy, a, 5000);
    CAPTURE(to_string(a));
    CHECK(r.queries == 5000);
    REQUIRE(r.condorcet == std::optional<std::size_t>(0));
    // Regret grows far slower than linearly: the last 4900 rounds cost less than 3 % of the
    // worst per-round regret each on average.
    const double late = r.condorcet_regret_at[1] - r.condorcet_regret_at[0];
    CHECK(late < 0.03 * 4900 * 0.4);
    CHECK(r.plays[0] > 5000);  // arm 0 is in most duels
    CHECK(r.copeland_regret >= 0);
  }
}

TEST_CASE("dueling bandits: regret of fixed pairs") {
  // Per-round regrets from their definitions: the first RMED rounds compare each pair once,
  // (0,1), (0,2), (0,3), (1,2), (1,3), (2,3).
  const auto r = run(easy, dueling_algorithm::rmed, 6);
  double condorcet = 0;
  double copeland = 0;
  const double cop[] = {3, 2, 0, 1};
  const std::size_t pairs[6][2] = {{0, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}, {2, 3}};
  for (const auto& pr : pairs) {
    condorcet += (easy(0, pr[0]) + easy(0, pr[1]) - 1) / 2;
    copeland += (3 - (cop[pr[0]] + cop[pr[1]]) / 2) / 3;
  }
  CHECK(r.condorcet_regret == doctest::Approx(condorcet).epsilon(1e-12));
  CHECK(r.copeland_regret == doctest::Approx(copeland).epsilon(1e-12));
}

TEST_CASE("dueling bandits: cyclic matrix has no Condorcet regret") {
  const preference_matrix cyclic({{.5, .6, .4}, {.4, .5, .6}, {.6, .4, .5}});
  const auto r = run(cyclic, dueling_algorithm::dts, 200);
  CHECK(std::isnan(r.condorcet_regret));
  CHECK(r.copeland_regret == 0);  // every arm has Copeland score 1
}

TEST_CASE("dueling bandits: reproducible across threads") {
  for (auto a : {dueling_algorithm::rucb, dueling_algorithm::dts, dueling_algorithm::rmed}) {
    auto trial = [&](std::size_t t) { return run(easy, a, 500, t).condorcet_regret; };
    CHECK(sim::run_trials(4, 1, trial) == sim::run_trials(4, 2, trial));
  }
}

TEST_CASE("beta_variate: mean and variance") {
  xoshiro256ss rng(11);
  const double a = 3;
  const double b = 5;
  double sum = 0;
  double sum2 = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double v = beta_variate(rng, a, b);
    sum += v;
    sum2 += v * v;
  }
  const double mean = sum / n;
  const double var = sum2 / n - mean * mean;
  CHECK(std::abs(mean - a / (a + b)) < 5 * std::sqrt(var / n));
  CHECK(var == doctest::Approx(a * b / ((a + b) * (a + b) * (a + b + 1))).epsilon(0.02));
  BANDITRY_CHECK_THROWS_WITH(gamma_variate(rng, 0.5), std::domain_error,
                             "shape must be finite and >= 1, got 0.5");
}

TEST_CASE("beta_variate: names its own parameters") {
  xoshiro256ss rng(11);
  BANDITRY_CHECK_THROWS_WITH(beta_variate(rng, 0.3, 0.7), std::domain_error,
                             "banditry::duel::beta_variate: a must be finite and >= 1");
  BANDITRY_CHECK_THROWS_WITH(beta_variate(rng, 2.0, 0.5), std::domain_error,
                             "banditry::duel::beta_variate: b must be finite and >= 1, got 0.5");
  BANDITRY_CHECK_THROWS_WITH(beta_variate(rng, std::nan(""), 2.0), std::domain_error,
                             "banditry::duel::beta_variate: a must be finite and >= 1");
  // Validation happens before any draw: the generator state is unchanged.
  xoshiro256ss fresh(11);
  CHECK(rng() == fresh());
  BANDITRY_CHECK_THROWS_WITH(gamma_variate(rng, 0.5), std::domain_error,
                             "banditry::duel::gamma_variate: shape must be");
}

TEST_CASE("dueling bandits: rejects bad input") {
  auto data = make_stream(1, "TEST.classic", 0, 0, substream::data);
  const preference_matrix one(std::vector<std::vector<double>>{{0.5}});
  BANDITRY_CHECK_THROWS_WITH(run_dueling_bandit(one, dueling_algorithm::rucb, 10, data, data),
                             std::invalid_argument, "number of arms K must be at least 2, got 1");
  BANDITRY_CHECK_THROWS_WITH(run_dueling_bandit(easy, dueling_algorithm::rucb, 0, data, data),
                             std::invalid_argument, "rounds T must be positive, got 0");
  dueling_options options;
  options.alpha = 0.3;
  BANDITRY_CHECK_THROWS_WITH(
      run_dueling_bandit(easy, dueling_algorithm::dts, 10, data, data, {}, options),
      std::domain_error, "alpha must be finite and > 0.5, got 0.29999");
  BANDITRY_CHECK_THROWS_WITH(parse_dueling_algorithm("ucb"), std::invalid_argument,
                             "algorithm must be one of rucb, dts, rmed, got \"ucb\"");
}

TEST_CASE("dueling bandits: checkpoints sorted and checked") {
  CHECK(sorted_checkpoints({50, 10, 10}, 100) == std::vector<std::size_t>{10, 50});
  CHECK(sorted_checkpoints({}, 100).empty());
  CHECK(sorted_checkpoints({100, 1}, 100) == std::vector<std::size_t>{1, 100});
  BANDITRY_CHECK_THROWS_WITH(sorted_checkpoints({200}, 100), std::invalid_argument,
                             "banditry::sorted_checkpoints: checkpoint must be in [1, T] = "
                             "[1, 100], got 200");
  BANDITRY_CHECK_THROWS_WITH(sorted_checkpoints({0}, 100), std::invalid_argument,
                             "checkpoint must be in [1, T] = [1, 100], got 0");
  auto data = make_stream(1, "TEST.classic", 0, 0, substream::data);
  auto algorithm = make_stream(1, "TEST.classic", 0, 0, substream::algorithm);
  const auto r =
      run_dueling_bandit(easy, dueling_algorithm::rucb, 100, data, algorithm, {50, 10, 10});
  CHECK(r.checkpoints == std::vector<std::size_t>{10, 50});
  REQUIRE(r.condorcet_regret_at.size() == 2);
  CHECK(r.condorcet_regret_at[0] <= r.condorcet_regret_at[1]);
  BANDITRY_CHECK_THROWS_WITH(
      run_dueling_bandit(easy, dueling_algorithm::rucb, 100, data, algorithm, {200}),
      std::invalid_argument, "checkpoint must be in [1, T] = [1, 100], got 200");
}

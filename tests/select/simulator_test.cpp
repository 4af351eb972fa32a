// Tests of the answer-universe simulator and the instance families.
#include "banditry/select/simulator.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "banditry/core/rng.hpp"
#include "banditry/select/rules.hpp"
#include "banditry/sim/runner.hpp"
#include "support/test_support.hpp"

using namespace banditry;
using namespace banditry::select;

TEST_CASE("simulator: families have eps squared error") {
  for (std::size_t k : {1u, 4u, 16u}) {
    const auto u = decoy_universe(k, 64, 0.05);
    u.validate();
    CHECK(std::abs(u.reward_model_error2() - 0.0025) < 1e-12);
  }
  for (std::size_t k : {1u, 8u}) {
    const auto u = indistinguishable_universe(k, 64, 0.05);
    u.validate();
    CHECK(std::abs(u.reward_model_error2() - 0.0025) < 1e-12);
  }
  for (std::size_t n : {100u, 6400u, 12800u}) {
    const auto u = rare_tail_universe(4, 64, 0.02, n);
    u.validate();
    CHECK(std::abs(u.reward_model_error2() - 0.0004) < 1e-12);
  }
  const auto z = zipf_universe();
  z.validate();
  CHECK(std::abs(z.reward_model_error2() - 0.09) < 1e-12);
  CHECK(z.named[1].probability == doctest::Approx(0.2154).epsilon(1e-3));
  CHECK(z.named[0].noise_sd == doctest::Approx(0.147).epsilon(3e-3));
  CHECK(z.named[2000].noise_sd == doctest::Approx(0.888).epsilon(1e-3));
}

TEST_CASE("simulator: sample threshold values") {
  CHECK(sample_threshold(1, 64, 0.05) == 10394);
  CHECK(sample_threshold(4, 256, 0.05) == 52933);
  CHECK(sample_threshold(4, 64, 0.2) == 8975);
  CHECK(sample_threshold(4, 64, 0.02) == 13691);
}

TEST_CASE("simulator: counts sum and tail answers") {
  const auto u = rare_tail_universe(4, 64, 0.02, 6400);
  xoshiro256ss rng(4);
  double tail = 0;
  for (int t = 0; t < 400; ++t) {
    const auto pool = sample_pool(u, 6400, rng);
    std::size_t total = 0;
    for (auto c : pool.groups.counts) total += c;
    CHECK(total == 6400);
    tail += static_cast<double>(pool.tail_draws);
  }
  // E[tail draws] = N m_tail = 8 h^2 / (h + 0.02)^2 = 7.46 at N = 6400.
  CHECK(std::abs(tail / 400 - 6400 * u.tail_mass) < 0.5);
}

TEST_CASE("simulator: multinomial marginal of y star") {
  // c_0 ~ Bin(N, 1/C): mean and variance.
  const auto u = decoy_universe(4, 64, 0.05);
  xoshiro256ss rng(8);
  double sum = 0;
  double sum2 = 0;
  const int trials = 4000;
  for (int t = 0; t < trials; ++t) {
    const auto pool = sample_pool(u, 640, rng);
    const double c0 = pool.named_of[0] == 0 ? static_cast<double>(pool.groups.counts[0]) : 0.0;
    sum += c0;
    sum2 += c0 * c0;
  }
  const double mean = sum / trials;
  CHECK(std::abs(mean - 10) < 4 * std::sqrt(640.0 / 64 * 63 / 64 / trials));
  CHECK(std::abs(sum2 / trials - mean * mean - 640.0 / 64 * 63 / 64) < 1.0);
}

TEST_CASE("simulator: reproducible across threads") {
  const auto u = zipf_universe();
  auto trial = [&](std::size_t t) {
    auto data = make_stream(1, "SEL.test", 0, t, substream::data);
    const auto pool = sample_pool(u, 256, data);
    auto ties = make_stream(1, "SEL.test", 0, t, substream::algorithm);
    return simulated_regret(pool, best_of_n(pool.groups, 1, ties));
  };
  CHECK(sim::run_trials(300, 1, trial) == sim::run_trials(300, 2, trial));
}

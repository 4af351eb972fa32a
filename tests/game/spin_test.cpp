// SPIN on a finite response set: closed form against a Newton minimiser, the contraction of the
// centred log-ratio, the Jensen-Shannon identity for the minimum, and the pinned trajectories.
#include "banditry/game/spin.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "banditry/core/rng.hpp"
#include "banditry/game/sppo.hpp"
#include "banditry/sim/runner.hpp"
#include "support/test_support.hpp"

using namespace banditry;
using namespace banditry::game;
using banditry::test::close;

namespace {

// Pinned instance: K = 12, p_data(y) proportional to y + 1, p_0(y) proportional to e^{-y/4}.
std::vector<double> data_distribution() {
  std::vector<double> p(12);
  for (int y = 0; y < 12; ++y) p[y] = (y + 1) / 78.0;
  return p;
}

std::vector<double> start_distribution() {
  std::vector<double> p(12);
  double sum = 0;
  for (int y = 0; y < 12; ++y) sum += p[y] = std::exp(-0.25 * y);
  for (double& v : p) v /= sum;
  return p;
}

std::vector<double> log_ratio(const std::vector<double>& next, const std::vector<double>& current) {
  std::vector<double> h(next.size());
  for (std::size_t y = 0; y < h.size(); ++y) h[y] = std::log(next[y] / current[y]);
  return h;
}

}  // namespace

TEST_CASE("spin: pinned instance values") {
  CHECK(std::abs(total_variation(start_distribution(), data_distribution()) - 0.558572) < 5e-7);
  CHECK(std::abs(spin_pair_jsd(data_distribution(), start_distribution()) - 0.354743875) < 5e-10);
  CHECK(std::abs(spin_centred_log_ratio_norm(start_distribution(), data_distribution()) -
                 5.422408) < 5e-7);
}

TEST_CASE("spin: closed form equals numeric argmin") {
  for (double lambda : {0.4, 0.5, 0.75, 1.0, 2.0, 5.0}) {
    const auto closed = spin_closed_form_step(data_distribution(), start_distribution(), lambda);
    const auto numeric = spin_numeric_step(data_distribution(), start_distribution(), lambda);
    CAPTURE(lambda);
    CHECK(total_variation(closed, numeric) < 1e-8);
  }
}

TEST_CASE("spin: centred log ratio contracts") {
  const auto p0 = start_distribution();
  const double d0 = spin_centred_log_ratio_norm(p0, data_distribution());
  for (double lambda : {0.4, 0.5, 0.75, 1.0, 2.0, 5.0}) {
    const auto p1 = spin_closed_form_step(data_distribution(), p0, lambda);
    const double d1 = spin_centred_log_ratio_norm(p1, data_distribution());
    CHECK(std::abs(d1 / d0 - std::abs(1 - 1 / lambda)) < 1e-9);
  }
}

TEST_CASE("spin: minimum equals log 2 minus JSD") {
  const double jsd = spin_pair_jsd(data_distribution(), start_distribution());
  for (double lambda : {0.75, 1.0, 2.0, 5.0}) {
    const auto p1 = spin_closed_form_step(data_distribution(), start_distribution(), lambda);
    const double minimum = spin_objective(data_distribution(), start_distribution(),
                                          log_ratio(p1, start_distribution()), lambda);
    CHECK(std::abs(std::log(2.0) - minimum - jsd) < 1e-9);
  }
  // At p_t = p_data the loss at h = 0 is log 2, already the minimum, and the JSD is 0.
  const std::vector<double> zero(12, 0.0);
  CHECK(close(spin_objective(data_distribution(), data_distribution(), zero, 3.0), std::log(2.0),
              1e-15));
  CHECK(spin_pair_jsd(data_distribution(), data_distribution()) < 1e-16);
  const auto gradient =
      spin_objective_gradient(data_distribution(), data_distribution(), zero, 3.0);
  for (double g : gradient) CHECK(std::abs(g) < 1e-16);
}

TEST_CASE("spin: exact trajectories") {
  const std::vector<std::pair<double, std::vector<double>>> table{
      {0.4, {0.5586, 0.4334, 0.8804, 0.6245, 0.9696, 0.7756, 0.9871, 0.8433}},
      {0.5, {0.5586, 0.3421, 0.5586, 0.3421, 0.5586, 0.3421, 0.5586, 0.3421}},
      {0.75, {0.5586, 0.1443, 0.0558, 0.0177, 0.0060, 0.0020, 0.0007, 0.0002}},
      {1.0, {0.5586, 0, 0, 0, 0, 0, 0, 0}},
      {2.0, {0.5586, 0.2755, 0.1314, 0.0631, 0.0308, 0.0153, 0.0076, 0.0038}},
      {5.0, {0.5586, 0.4522, 0.3608, 0.2828, 0.2229, 0.1756, 0.1383, 0.1090}}};
  for (const auto& [lambda, expected] : table) {
    const auto path = spin_iterate(data_distribution(), start_distribution(), lambda, 7);
    for (std::size_t t = 0; t < expected.size(); ++t) {
      CAPTURE(lambda);
      CAPTURE(t);
      CHECK(std::abs(total_variation(path[t], data_distribution()) - expected[t]) < 6e-5);
    }
  }
  // lambda = 1/2 is a 2-cycle to rounding.
  const auto cycle = spin_iterate(data_distribution(), start_distribution(), 0.5, 2);
  CHECK(total_variation(cycle[2], cycle[0]) < 1e-12);
}

TEST_CASE("spin: truncated mode trajectory") {
  const std::vector<double> expected{0.5586, 0.4833, 0.4192, 0.3589, 0.3042, 0.2563,
                                     0.2151, 0.1804, 0.1515, 0.1275, 0.1078};
  std::vector<double> p = start_distribution();
  for (std::size_t t = 0; t < expected.size(); ++t) {
    CHECK(std::abs(total_variation(p, data_distribution()) - expected[t]) < 6e-5);
    p = spin_truncated_step(data_distribution(), p, 0.1, 2.0, 20);
  }
}

TEST_CASE("spin: gradient matches finite differences") {
  const std::vector<double> h{0.3, -0.2, 0.1, 0.0, 0.5, -0.4, 0.2, 0.1, -0.1, 0.0, 0.3, -0.3};
  for (spin_loss loss : {spin_loss::logistic, spin_loss::hinge}) {
    const auto gradient =
        spin_objective_gradient(data_distribution(), start_distribution(), h, 1.7, loss);
    for (std::size_t y = 0; y < h.size(); ++y) {
      std::vector<double> up = h;
      std::vector<double> down = h;
      up[y] += 1e-6;
      down[y] -= 1e-6;
      const double numeric =
          (spin_objective(data_distribution(), start_distribution(), up, 1.7, loss) -
           spin_objective(data_distribution(), start_distribution(), down, 1.7, loss)) /
          2e-6;
      CHECK(std::abs(gradient[y] - numeric) < 1e-7);
    }
  }
}

TEST_CASE("spin: sample mode floor shrinks") {
  // Truncated steps on empirical frequencies; the distance to the data falls to a floor of order
  // sqrt(K / M) that shrinks as M grows.
  auto final_tv = [&](std::size_t samples, std::size_t trial) {
    auto rng = make_stream(1, "SP.S2.sample", 0, trial, substream::data);
    std::vector<double> p = start_distribution();
    for (int t = 0; t < 12; ++t)
      p = spin_sampled_step(data_distribution(), p, 1.0, 1.0, 50, samples, rng);
    return total_variation(p, data_distribution());
  };
  double small = 0;
  double large = 0;
  for (std::size_t trial = 0; trial < 8; ++trial) {
    small += final_tv(200, trial) / 8;
    large += final_tv(20000, trial) / 8;
  }
  CHECK(small < 3 * std::sqrt(12.0 / 200));
  CHECK(large < 3 * std::sqrt(12.0 / 20000));
  CHECK(large < small);
  const auto serial = sim::run_trials(4, 1, [&](std::size_t t) { return final_tv(500, t); });
  const auto parallel = sim::run_trials(4, 2, [&](std::size_t t) { return final_tv(500, t); });
  CHECK(serial == parallel);
}

TEST_CASE("spin: rejects bad arguments") {
  const auto pd = data_distribution();
  const auto p0 = start_distribution();
  BANDITRY_CHECK_THROWS_WITH(
      spin_closed_form_step(pd, p0, 0.0), std::domain_error,
      "banditry::game::spin_closed_form_step: lambda must be positive and finite, got 0");
  BANDITRY_CHECK_THROWS_WITH(spin_closed_form_step(pd, p0, -2.0), std::domain_error,
                             "lambda must be positive");
  BANDITRY_CHECK_THROWS_WITH(spin_closed_form_step(pd, p0, std::nan("")), std::domain_error,
                             "lambda must be positive and finite, got nan");
  std::vector<double> with_zero = pd;
  with_zero[0] = 0;
  with_zero[1] += pd[0];
  BANDITRY_CHECK_THROWS_WITH(spin_closed_form_step(with_zero, p0, 2.0), std::domain_error,
                             "p_data[0] must be positive");
  std::vector<double> with_nan = pd;
  with_nan[3] = std::nan("");
  BANDITRY_CHECK_THROWS_WITH(spin_pair_jsd(with_nan, p0), std::domain_error, "p_data[3]");
  BANDITRY_CHECK_THROWS_WITH(spin_truncated_step(pd, p0, 0.1, 2.0, 0), std::invalid_argument,
                             "steps must be at least 1");
  BANDITRY_CHECK_THROWS_WITH(spin_pair_jsd(pd, std::vector<double>{1.0}), std::invalid_argument,
                             "p_t size must be equal");
}

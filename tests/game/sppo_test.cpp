// SPPO: multiplicative weights, its averaged policy and duality gap, the projected practical step
// and the sampled version. Reference values come from closed forms, brute force over pure
// strategies, Boost's Lambert W, the simplex solver of the dueling module and exact-MW values
// computed independently to six decimals.
#include "banditry/game/sppo.hpp"

#include <doctest/doctest.h>

#include <boost/math/special_functions/lambert_w.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "banditry/core/rng.hpp"
#include "banditry/duel/winners.hpp"
#include "banditry/game/preference_game.hpp"
#include "banditry/sim/runner.hpp"
#include "support/test_support.hpp"

using namespace banditry;
using namespace banditry::game;
using banditry::test::close;

namespace {

Eigen::MatrixXd hard_rps() {
  Eigen::MatrixXd P(3, 3);
  P << 0.5, 1, 0, 0, 0.5, 1, 1, 0, 0.5;
  return P;
}

Eigen::MatrixXd weighted_rps() {
  Eigen::MatrixXd P(3, 3);
  P << 0.5, 0.6, 0.2, 0.4, 0.5, 0.7, 0.8, 0.3, 0.5;
  return P;
}

Eigen::MatrixXd bradley_terry(int k) {
  Eigen::MatrixXd P(k, k);
  for (int i = 0; i < k; ++i) {
    for (int j = 0; j < k; ++j) {
      P(i, j) = 1 / (1 + std::exp(-3.0 * (i - j) / (k - 1)));
    }
  }
  return P;
}

Eigen::MatrixXd random_skew(int k, std::uint64_t seed) {
  xoshiro256ss rng(seed);
  Eigen::MatrixXd P = Eigen::MatrixXd::Constant(k, k, 0.5);
  for (int i = 0; i < k; ++i) {
    for (int j = i + 1; j < k; ++j) {
      P(i, j) = uniform01(rng);
      P(j, i) = 1 - P(i, j);
    }
  }
  return P;
}

std::vector<double> geometric_start(int k) {
  std::vector<double> pi(k);
  double sum = 0;
  for (int y = 0; y < k; ++y) sum += pi[y] = std::exp(-0.7 * y);
  for (double& p : pi) p /= sum;
  return pi;
}

// DG by its definition max_pi' P(pi' > pi) - min_pi' P(pi > pi'); both are linear in pi', so the
// extremes are at pure strategies.
double gap_by_definition(const Eigen::MatrixXd& P, const std::vector<double>& pi) {
  const int k = static_cast<int>(P.rows());
  double best_against = -1;
  double worst_for = 2;
  for (int z = 0; z < k; ++z) {
    double against = 0;
    double for_pi = 0;
    for (int y = 0; y < k; ++y) {
      against += P(z, y) * pi[y];
      for_pi += pi[y] * P(y, z);
    }
    best_against = std::max(best_against, against);
    worst_for = std::min(worst_for, for_pi);
  }
  return best_against - worst_for;
}

}  // namespace

TEST_CASE("duality gap: matches its definition") {
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    const Eigen::MatrixXd P = random_skew(7, seed);
    xoshiro256ss rng(seed + 100);
    for (int repeat = 0; repeat < 20; ++repeat) {
      std::vector<double> pi(7);
      double sum = 0;
      for (double& p : pi) sum += p = uniform01(rng);
      for (double& p : pi) p /= sum;
      const double gap = duality_gap(P, pi);
      CHECK(gap >= -1e-15);
      CHECK(close(gap, gap_by_definition(P, pi), 1e-12, 1e-14));
    }
  }
}

TEST_CASE("duality gap: zero at von Neumann winners") {
  CHECK(std::abs(duality_gap(hard_rps(), std::vector<double>{1.0 / 3, 1.0 / 3, 1.0 / 3})) < 1e-15);
  CHECK(std::abs(duality_gap(weighted_rps(), std::vector<double>{1.0 / 3, 0.5, 1.0 / 6})) < 1e-15);
  std::vector<double> condorcet(20, 0.0);
  condorcet[19] = 1;
  CHECK(std::abs(duality_gap(bradley_terry(20), condorcet)) < 1e-15);
  // The simplex solver of the dueling module on a random skew-symmetric game.
  const Eigen::MatrixXd P = random_skew(12, 7);
  const Eigen::MatrixXd Pt = P.transpose();
  std::vector<double> row_major(Pt.data(), Pt.data() + Pt.size());
  const duel::preference_matrix matrix(12, row_major);
  const auto lp = duel::von_neumann_winner(matrix);
  CHECK(std::abs(duality_gap(P, lp.distribution)) < 1e-9);
}

TEST_CASE("preference matrix: rejects invalid input") {
  Eigen::MatrixXd P = weighted_rps();
  P(0, 1) = 0.7;
  BANDITRY_CHECK_THROWS_WITH(duality_gap(P, std::vector<double>{1.0 / 3, 1.0 / 3, 1.0 / 3}),
                             std::domain_error, "P[0][1] + P[1][0] must be 1 within 1e-9");
  P = weighted_rps();
  P(1, 1) = 0.4;
  BANDITRY_CHECK_THROWS_WITH(duality_gap(P, std::vector<double>{1.0 / 3, 1.0 / 3, 1.0 / 3}),
                             std::domain_error, "P[1][1] must be 1/2");
  P = weighted_rps();
  P(2, 0) = std::numeric_limits<double>::quiet_NaN();
  BANDITRY_CHECK_THROWS_WITH(duality_gap(P, std::vector<double>{1.0 / 3, 1.0 / 3, 1.0 / 3}),
                             std::domain_error, "P[2][0] must be finite");
  BANDITRY_CHECK_THROWS_WITH(duality_gap(Eigen::MatrixXd(2, 3), std::vector<double>{0.5, 0.5}),
                             std::invalid_argument, "column count must be equal to its row count");
  BANDITRY_CHECK_THROWS_WITH(duality_gap(weighted_rps(), std::vector<double>{0.5, 0.5}),
                             std::invalid_argument, "pi size must be equal");
  BANDITRY_CHECK_THROWS_WITH(duality_gap(weighted_rps(), std::vector<double>{0.5, 0.5, 0.5}),
                             std::domain_error, "sum of pi");
  Eigen::MatrixXd upper = Eigen::MatrixXd::Zero(3, 3);
  upper(0, 1) = 0.7;
  upper(0, 2) = 0.6;
  upper(1, 2) = 0.4;
  const Eigen::MatrixXd built = preference_from_upper(upper);
  CHECK(built(1, 0) == doctest::Approx(0.3));
  CHECK(built(0, 0) == 0.5);
}

TEST_CASE("sppo step: equals the closed form") {
  const Eigen::MatrixXd P = weighted_rps();
  const std::vector<double> pi = geometric_start(3);
  for (double eta : {0.1, 1.0, 7.0}) {
    const std::vector<double> next = sppo_step(P, pi, eta);
    std::vector<double> expected(3);
    double z = 0;
    for (int y = 0; y < 3; ++y) {
      const double gain = P(y, 0) * pi[0] + P(y, 1) * pi[1] + P(y, 2) * pi[2];
      z += expected[y] = pi[y] * std::exp(eta * gain);
    }
    for (int y = 0; y < 3; ++y) CHECK(close(next[y], expected[y] / z, 1e-13));
    CHECK(close(sppo_log_partition(P, pi, eta), std::log(z), 1e-13));
    // Jensen and E_{y ~ pi} P(y > pi) = 1/2 give log Z >= eta / 2.
    CHECK(sppo_log_partition(P, pi, eta) >= eta / 2);
  }
}

TEST_CASE("sppo step: log partition table") {
  const std::vector<double> pi = geometric_start(3);
  const std::vector<std::pair<double, double>> table{{0.01, 0.005000}, {0.1, 0.050011},
                                                     {0.5, 0.250283},  {1, 0.501149},
                                                     {2, 1.004737},    {5, 2.532366}};
  for (const auto& [eta, log_z] : table) {
    CHECK(std::abs(sppo_log_partition(weighted_rps(), pi, eta) - log_z) < 6e-7);
  }
}

TEST_CASE("lambert w: matches Boost") {
  for (double z : {0.0, 1e-300, 1e-20, 1e-8, 0.1, 1.0, 2.9, 3.0, 10.0, 1e3, 1e10, 1e300}) {
    const double reference = z == 0 ? 0.0 : boost::math::lambert_w0(z);
    CHECK(close(lambert_w0(z), reference, 4e-16, 1e-300));
  }
  BANDITRY_CHECK_THROWS_WITH(lambert_w0(-0.1), std::domain_error, "z must be finite and >= 0");
}

TEST_CASE("lambert w: accurate up to DBL_MAX") {
  const double largest = std::numeric_limits<double>::max();
  for (double z : {1e305, 1e307, 1e308, largest / 2, largest}) {
    CHECK(close(lambert_w0(z), boost::math::lambert_w0(z), 4e-16));
  }
  // Log-spaced sweep over [3, DBL_MAX], the range solved in the form w + log w = log z.
  double worst = 0;
  for (double z = 3; z < largest / 1.1; z *= 1.1) {
    const double reference = boost::math::lambert_w0(z);
    worst = std::max(worst, std::abs(lambert_w0(z) - reference) / reference);
  }
  CHECK(worst <= 4e-16);
}

TEST_CASE("sppo step: distribution for huge eta") {
  // hard_rps from the uniform start gives three equal log weights of size eta / 2; adding the
  // maximum back before exponentiating would lose log 3 and return weights summing to 3.
  const std::vector<double> uniform(3, 1.0 / 3);
  const std::vector<std::pair<Eigen::MatrixXd, std::vector<double>>> cases{
      {hard_rps(), uniform},
      {weighted_rps(), geometric_start(3)},
      {bradley_terry(6), geometric_start(6)}};
  for (const auto& [P, start] : cases) {
    for (double eta : {1e6, 1e16, 1e17, 1e20}) {
      const std::vector<double> next = sppo_step(P, start, eta);
      double sum = 0;
      for (double p : next) {
        CHECK(p >= 0);
        sum += p;
      }
      CHECK(std::abs(sum - 1) <= 1e-12);
      const sppo_result run = sppo_run(P, start, eta, 10);
      double averaged = 0;
      double last = 0;
      for (double p : run.averaged) averaged += p;
      for (double p : run.last) last += p;
      CHECK(std::abs(averaged - 1) <= 1e-12);
      CHECK(std::abs(last - 1) <= 1e-12);
      CHECK(run.averaged_gap >= 0);
      CHECK(run.averaged_gap <= 1);
    }
  }
  // With equal gains the exact step keeps the uniform policy.
  const std::vector<double> next = sppo_step(hard_rps(), uniform, 1e17);
  for (double p : next) CHECK(close(p, 1.0 / 3, 1e-15));
}

TEST_CASE("projected step: satisfies optimality conditions") {
  const Eigen::MatrixXd P = weighted_rps();
  const std::vector<double> pi = geometric_start(3);
  for (double eta : {0.1, 1.0, 5.0, 50.0}) {
    const std::vector<double> next = sppo_step(P, pi, eta, sppo_step_rule::projected);
    std::vector<double> gains = win_rates(P, pi);
    // Lagrange: theta_y - a_y = -c e^{theta_y} with one c >= 0 for every y, theta = log(next / pi).
    std::vector<double> multiplier(3);
    for (int y = 0; y < 3; ++y) {
      const double theta = std::log(next[y] / pi[y]);
      multiplier[y] = (eta * (gains[y] - 0.5) - theta) * std::exp(-theta);
    }
    CHECK(multiplier[0] >= 0);
    CHECK(close(multiplier[1], multiplier[0], 1e-9, 1e-15));
    CHECK(close(multiplier[2], multiplier[0], 1e-9, 1e-15));
    // It minimises the practical loss over distributions, so it beats the exact MW step.
    const std::vector<double> mw = sppo_step(P, pi, eta);
    CHECK(sppo_practical_loss(P, next, pi, eta) <= sppo_practical_loss(P, mw, pi, eta) + 1e-15);
  }
}

TEST_CASE("projected step: distance to mw table") {
  const std::vector<double> pi = geometric_start(3);
  const std::vector<std::pair<double, double>> table{{0.01, 1.8e-11}, {0.1, 1.8e-8}, {0.5, 2.5e-6},
                                                     {1, 2.1e-5},     {2, 2.0e-4},   {5, 4.4e-3}};
  for (const auto& [eta, tv] : table) {
    const double measured =
        total_variation(sppo_step(weighted_rps(), pi, eta),
                        sppo_step(weighted_rps(), pi, eta, sppo_step_rule::projected));
    CHECK(measured == doctest::Approx(tv).epsilon(0.05));
  }
}

TEST_CASE("sppo run: exact values on games") {
  struct row {
    int game;
    std::size_t horizon;
    double averaged;
    double last;
  };
  const std::vector<row> table{{0, 10, 0.280157, 0.596248},   {0, 100, 0.078182, 0.483581},
                               {0, 1000, 0.012255, 0.442531}, {0, 10000, 0.008951, 0.602254},
                               {1, 10, 0.175308, 0.106934},   {1, 100, 0.049644, 0.112269},
                               {1, 1000, 0.009898, 0.083099}, {1, 10000, 0.004571, 0.113609},
                               {2, 10, 0.738462, 0.328306},   {2, 100, 0.269378, 0.005578},
                               {2, 1000, 0.084250, 0.000001}, {2, 10000, 0.026507, 0.000000}};
  const std::vector<Eigen::MatrixXd> games{hard_rps(), weighted_rps(), bradley_terry(20)};
  for (const row& r : table) {
    const Eigen::MatrixXd& P = games[r.game];
    const std::vector<double> start = geometric_start(static_cast<int>(P.rows()));
    const double kl = sppo_kl_max(start);
    const double eta = sppo_tuned_eta(kl, r.horizon);
    const sppo_result result = sppo_run(P, start, eta, r.horizon);
    CAPTURE(r.game);
    CAPTURE(r.horizon);
    CHECK(std::abs(result.averaged_gap - r.averaged) < 1e-5);
    CHECK(std::abs(result.last_gap - r.last) < 1e-5);
    CHECK(result.averaged_gap <= sppo_gap_bound(kl, eta, r.horizon));
    CHECK(close(sppo_gap_bound(kl, eta, r.horizon), std::sqrt(2 * kl / r.horizon), 1e-12));
    CHECK(close(result.averaged_gap, gap_by_definition(P, result.averaged), 1e-9, 1e-13));
  }
  CHECK(close(sppo_kl_max(geometric_start(3)), 1.9557123, 1e-7));
  CHECK(close(sppo_kl_max(geometric_start(20)), 13.9863402, 1e-8));
}

TEST_CASE("sppo run: averaged policy by brute force") {
  const Eigen::MatrixXd P = random_skew(6, 11);
  std::vector<double> pi(6, 1.0 / 6);
  const double eta = 0.3;
  const sppo_result result = sppo_run(P, pi, eta, 50, sppo_step_rule::exact, true);
  std::vector<double> sum(6, 0.0);
  for (std::size_t t = 0; t < 50; ++t) {
    CHECK(close(result.gap_trace[t], gap_by_definition(P, pi), 1e-12, 1e-14));
    for (int y = 0; y < 6; ++y) sum[y] += pi[y];
    pi = sppo_step(P, pi, eta);
  }
  CHECK(result.gap_trace.size() == 51);
  for (int y = 0; y < 6; ++y) {
    CHECK(close(result.averaged[y], sum[y] / 50, 1e-12));
    CHECK(close(result.last[y], pi[y], 1e-12));
  }
}

TEST_CASE("sppo run: last iterate cycles") {
  const std::vector<double> start = geometric_start(3);
  for (double eta : {0.1, 1.0}) {
    const sppo_result result = sppo_run(hard_rps(), start, eta, 20000, sppo_step_rule::exact, true);
    double smallest = 1;
    for (std::size_t t = 10001; t <= 20000; ++t)
      smallest = std::min(smallest, result.gap_trace[t - 1]);
    CHECK(smallest >= 0.3);
  }
  const sppo_result bt = sppo_run(bradley_terry(20), geometric_start(20), 1.0, 1000);
  CHECK(bt.last_gap <= 1e-6);
  CHECK(bt.last[19] > 0.999999);
}

TEST_CASE("sppo run: contexts average gaps") {
  const std::vector<Eigen::MatrixXd> games{hard_rps(), weighted_rps()};
  const std::vector<std::vector<double>> starts{geometric_start(3), {1.0 / 3, 1.0 / 3, 1.0 / 3}};
  const std::vector<double> rho{0.25, 0.75};
  const auto result = sppo_run_contextual(games, starts, rho, 0.2, 300);
  const sppo_result first = sppo_run(games[0], starts[0], 0.2, 300);
  const sppo_result second = sppo_run(games[1], starts[1], 0.2, 300);
  CHECK(close(result.averaged_gap, 0.25 * first.averaged_gap + 0.75 * second.averaged_gap, 1e-14));
  const std::vector<std::vector<double>> averaged{first.averaged, second.averaged};
  CHECK(close(duality_gap(games, averaged, rho), result.averaged_gap, 1e-14));
  CHECK(result.averaged_gap <= 0.25 * sppo_gap_bound(sppo_kl_max(starts[0]), 0.2, 300) +
                                   0.75 * sppo_gap_bound(std::log(3.0), 0.2, 300));
}

TEST_CASE("sppo run: rejects bad arguments") {
  const std::vector<double> start = geometric_start(3);
  BANDITRY_CHECK_THROWS_WITH(sppo_run(hard_rps(), start, 0.0, 10), std::domain_error,
                             "banditry::game::sppo_run: eta must be positive and finite, got 0");
  BANDITRY_CHECK_THROWS_WITH(sppo_run(hard_rps(), start, -1.0, 10), std::domain_error,
                             "eta must be positive");
  BANDITRY_CHECK_THROWS_WITH(sppo_run(hard_rps(), start, std::nan(""), 10), std::domain_error,
                             "eta must be positive and finite, got nan");
  BANDITRY_CHECK_THROWS_WITH(sppo_run(hard_rps(), start, 0.1, 0), std::invalid_argument,
                             "banditry::game::sppo_run: T must be at least 1, got 0");
  BANDITRY_CHECK_THROWS_WITH(sppo_run(hard_rps(), std::vector<double>{1, 0, 0}, 0.1, 10),
                             std::domain_error, "pi1[1] must be positive");
  BANDITRY_CHECK_THROWS_WITH(sppo_tuned_eta(1.0, 0), std::invalid_argument, "T must be at least 1");
  BANDITRY_CHECK_THROWS_WITH(sppo_sampled_gap_bound(1.0, 0.1, 10, 3, 1.5), std::domain_error,
                             "delta must be in (0, 1)");
  xoshiro256ss rng(1);
  BANDITRY_CHECK_THROWS_WITH(sppo_run_sampled(hard_rps(), start, 0.1, 10, 0, rng),
                             std::invalid_argument, "m must be at least 1");
}

TEST_CASE("sampled sppo: bound holds and reproduces") {
  const std::vector<double> start = geometric_start(3);
  const double kl = sppo_kl_max(start);
  const double eta = sppo_tuned_eta(kl, 1000);
  CHECK(close(eta, 0.125083, 1e-5));
  const double bound = sppo_sampled_gap_bound(kl, eta, 1000, 3, 0.05);
  CHECK(std::abs(bound - 0.466) < 5e-4);
  auto trial = [&](std::size_t t) {
    auto rng = make_stream(1, "SP.S1.sampled.hard", 0, t, substream::data);
    return sppo_run_sampled(hard_rps(), start, eta, 1000, 5, rng).averaged_gap;
  };
  const std::vector<double> serial = sim::run_trials(8, 1, trial);
  const std::vector<double> parallel = sim::run_trials(8, 2, trial);
  CHECK(serial == parallel);
  for (double gap : serial) CHECK(gap < bound);
  CHECK(trial(3) == serial[3]);
}

TEST_CASE("win rate estimates: include self pairs") {
  const std::vector<std::size_t> samples{0, 0, 2};
  const std::vector<double> estimates = sppo_estimated_win_rates(weighted_rps(), samples);
  CHECK(close(estimates[0], (0.5 + 0.5 + 0.2) / 3, 1e-15));
  CHECK(close(estimates[2], (0.8 + 0.8 + 0.5) / 3, 1e-15));
  const std::vector<std::size_t> bad{3};
  BANDITRY_CHECK_THROWS_WITH(sppo_estimated_win_rates(weighted_rps(), bad), std::invalid_argument,
                             "samples[0] must be a response index below K");
}

TEST_CASE("projected sppo run: close to exact") {
  // Averaged duality gaps of the projected and the exact rule agree within 1 % for T >= 100.
  const std::vector<double> start = geometric_start(3);
  const double kl = sppo_kl_max(start);
  for (std::size_t horizon : {100u, 1000u}) {
    const double eta = sppo_tuned_eta(kl, horizon);
    const double exact = sppo_run(hard_rps(), start, eta, horizon).averaged_gap;
    const double projected =
        sppo_run(hard_rps(), start, eta, horizon, sppo_step_rule::projected).averaged_gap;
    CHECK(std::abs(projected - exact) <= 0.01 * exact);
  }
  CHECK(
      std::abs(sppo_run(hard_rps(), start, sppo_tuned_eta(kl, 100), 100, sppo_step_rule::projected)
                   .averaged_gap -
               0.078919) < 1e-5);
}

TEST_CASE("sppo gap bound: extreme step sizes") {
  // log 3 / (1e-320 * 1000) is about 1.1e317, beyond the largest double (1.8e308).
  CHECK(std::isinf(sppo_gap_bound(std::log(3.0), 1e-320, 1000)));
  // eta * T does not underflow: 1e-300 * 10 = 1e-299, bound 2 log 3 * 1e299 plus a negligible term.
  CHECK(close(sppo_gap_bound(std::log(3.0), 1e-300, 10), 2 * std::log(3.0) * 1e299, 1e-12));
  // K = 1: KL_max = 0 and the bound is eta / 4.
  CHECK(sppo_gap_bound(0.0, 0.5, 7) == 0.125);
}

TEST_CASE("sppo run: single response is optimal") {
  const Eigen::MatrixXd one = Eigen::MatrixXd::Constant(1, 1, 0.5);
  const sppo_result result = sppo_run(one, std::vector<double>{1.0}, 1.0, 5);
  CHECK(result.averaged == std::vector<double>{1.0});
  CHECK(result.last == std::vector<double>{1.0});
  CHECK(result.averaged_gap == 0);
  CHECK(result.last_gap == 0);
}

TEST_CASE("complementary projection: nearest complementary matrix") {
  Eigen::MatrixXd P(3, 3);
  P << 0.5 + 4e-7, 0.7, 0.2 + 1e-7, 0.3 + 2e-7, 0.5, 0.6, 0.8, 0.4, 0.5;
  const Eigen::MatrixXd Q = complementary_projection(P, 1e-6);
  CHECK_NOTHROW(validate_preference_matrix(Q, "test"));
  CHECK(Q(0, 0) == 0.5);
  // (0.7 + 1 - (0.3 + 2e-7)) / 2 = 0.7 - 1e-7; (0.2 + 1e-7 + 1 - 0.8) / 2 = 0.2 + 5e-8.
  CHECK(close(Q(0, 1), 0.7 - 1e-7, 1e-12));
  CHECK(close(Q(1, 0), 0.3 + 1e-7, 1e-12));
  CHECK(close(Q(0, 2), 0.2 + 5e-8, 1e-12));
  CHECK(close(Q(1, 2), 0.6, 1e-15));
  CHECK((Q - P).cwiseAbs().maxCoeff() <= 4e-7 + 1e-15);
  BANDITRY_CHECK_THROWS_WITH(complementary_projection(P, 1e-7), std::domain_error,
                             "banditry::game::complementary_projection: P[0][0] must be 1/2 within "
                             "1e-07");
  Eigen::MatrixXd Q2 = Q;
  Q2(2, 1) = 0.41;
  BANDITRY_CHECK_THROWS_WITH(complementary_projection(Q2, 1e-3), std::domain_error,
                             "P[1][2] + P[2][1] must be 1 within 0.001, got 1.01");
  BANDITRY_CHECK_THROWS_WITH(complementary_projection(P, -1.0), std::domain_error,
                             "tolerance must be finite and >= 0, got -1");
  Q2(2, 1) = 1.5;
  BANDITRY_CHECK_THROWS_WITH(complementary_projection(Q2, 1e-3), std::domain_error, "P[2][1]");
}

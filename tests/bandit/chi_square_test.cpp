// Chi-square-regularised policies: normaliser against a 50-digit root, identity, status.
#include "banditry/bandit/chi_square.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <boost/multiprecision/cpp_bin_float.hpp>
#include <cmath>
#include <numeric>

#include "banditry/core/rng.hpp"
#include "support/test_support.hpp"

namespace bd = banditry::bandit;
using banditry::test::close;
using high = boost::multiprecision::cpp_bin_float_50;

namespace {

// Exact multiplier in 50-digit arithmetic: on the active set S (the top-scoring actions),
// sum_S q (1 + eta (g - mu)) = 1 gives mu = (sum_S q (1 + eta g) - 1) / (eta sum_S q); the right
// S is the largest prefix (by decreasing g) whose mu keeps every member active.
high exact_multiplier(const Eigen::RowVectorXd& q, const Eigen::RowVectorXd& g, double eta) {
  std::vector<Eigen::Index> order(static_cast<std::size_t>(q.size()));
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return g(a) > g(b); });
  high best = 0;
  high mass = 0;
  high weighted = 0;
  for (std::size_t k = 0; k < order.size(); ++k) {
    mass += high(q(order[k]));
    weighted += high(q(order[k])) * (1 + high(eta) * high(g(order[k])));
    const high mu = (weighted - 1) / (high(eta) * mass);
    if (1 + high(eta) * (high(g(order[k])) - mu) > 0) best = mu;
  }
  return best;
}

}  // namespace

TEST_CASE("chi-square policy: interior two-arm closed form") {
  Eigen::RowVectorXd q(2);
  q << 0.5, 0.5;
  Eigen::RowVectorXd g(2);
  g << 0.8, 0.3;
  const auto row = bd::chi_square_policy_row(q, g, 1.0);
  CHECK(row.status == bd::solver_status::converged);
  CHECK(close(row.multiplier, 0.55, 1e-14));
  CHECK(close(row.policy(0), 0.625, 1e-14));
  CHECK(close(row.policy(1), 0.375, 1e-14));
}

TEST_CASE("chi-square policy: multiplier matches 50-digit root") {
  banditry::xoshiro256ss rng(99);
  for (int trial = 0; trial < 50; ++trial) {
    const auto k = static_cast<Eigen::Index>(2 + banditry::uniform_int(rng, 8));
    Eigen::RowVectorXd q(k);
    Eigen::RowVectorXd g(k);
    for (Eigen::Index y = 0; y < k; ++y) {
      q(y) = 0.01 + banditry::uniform01(rng);
      g(y) = banditry::uniform01(rng);
    }
    q /= q.sum();
    const double eta = std::exp(4 * banditry::uniform01(rng) - 1);
    const auto row = bd::chi_square_policy_row(q, g, eta);
    const high mu = exact_multiplier(q, g, eta);
    CHECK(row.status == bd::solver_status::converged);
    CHECK(std::abs(row.multiplier - static_cast<double>(mu)) <= 1e-14);
    CHECK(std::abs(row.policy.sum() - 1) <= 1e-14);
    for (Eigen::Index y = 0; y < k; ++y) {
      if (row.policy(y) == 0) {
        CHECK(1 + eta * (g(y) - row.multiplier) <= 1e-12);
        continue;
      }
      CHECK(std::abs(1 + eta * (g(y) - row.multiplier) - row.policy(y) / q(y)) <= 1e-12);
    }
  }
}

TEST_CASE("chi-square suboptimality: identity matches direct") {
  banditry::xoshiro256ss rng(5);
  for (int trial = 0; trial < 30; ++trial) {
    const Eigen::Index contexts = 1 + static_cast<Eigen::Index>(banditry::uniform_int(rng, 3));
    const Eigen::Index actions = 2 + static_cast<Eigen::Index>(banditry::uniform_int(rng, 5));
    Eigen::MatrixXd q(contexts, actions);
    Eigen::MatrixXd r(contexts, actions);
    Eigen::MatrixXd policy(contexts, actions);
    Eigen::VectorXd rho(contexts);
    for (Eigen::Index x = 0; x < contexts; ++x) {
      rho(x) = 0.1 + banditry::uniform01(rng);
      for (Eigen::Index y = 0; y < actions; ++y) {
        q(x, y) = 0.05 + banditry::uniform01(rng);
        r(x, y) = banditry::uniform01(rng);
        policy(x, y) = banditry::uniform01(rng);
      }
      q.row(x) /= q.row(x).sum();
      policy.row(x) /= policy.row(x).sum();
    }
    rho /= rho.sum();
    const double eta = 0.5 + 7.5 * banditry::uniform01(rng);
    const auto optimum = bd::chi_square_policy(q, r, eta);
    const auto gap = bd::chi_square_suboptimality(policy, q, r, rho, eta);
    const double direct = bd::chi_square_objective(optimum.policy, q, r, rho, eta) -
                          bd::chi_square_objective(policy, q, r, rho, eta);
    CHECK(gap.status == bd::solver_status::converged);
    CHECK(gap.value >= 0);
    CHECK(std::abs(gap.value - direct) <= 1e-12);
    CHECK(bd::chi_square_suboptimality(optimum.policy, q, r, rho, eta).value <= 1e-28);
  }
}

TEST_CASE("chi-square policy: iteration limit is a status") {
  Eigen::RowVectorXd q(3);
  q << 0.2, 0.3, 0.5;
  Eigen::RowVectorXd g(3);
  g << 0.9, 0.1, 0.4;
  const auto row = bd::chi_square_policy_row(q, g, 2.0, 3);
  CHECK(row.status == bd::solver_status::iteration_limit);
  CHECK(row.iterations == 3);
  CHECK(std::abs(row.policy.sum() - 1) <= 1e-15);
  CHECK(std::string(bd::to_string(row.status)) == "iteration_limit");
}

TEST_CASE("chi-square policy: invalid input messages") {
  Eigen::RowVectorXd q(2);
  q << 0.5, 0.4;
  Eigen::RowVectorXd g(2);
  g << 0.8, 0.3;
  BANDITRY_CHECK_THROWS_WITH(bd::chi_square_policy_row(q, g, 1.0), std::domain_error,
                             "sum of reference row 0 must be 1");
  q << 0.5, 0.5;
  BANDITRY_CHECK_THROWS_WITH(bd::chi_square_policy_row(q, g, 0.0), std::domain_error,
                             "banditry::bandit::chi_square_policy_row: eta must be finite and > 0");
  g(1) = INFINITY;
  BANDITRY_CHECK_THROWS_WITH(bd::chi_square_policy_row(q, g, 1.0), std::domain_error,
                             "score(0, 1) must be finite");
}

// Gibbs policies, the KL objective and the exact sub-optimality identity.
#include "banditry/bandit/gibbs.hpp"

#include <doctest/doctest.h>

#include <boost/multiprecision/cpp_bin_float.hpp>
#include <cmath>

#include "banditry/core/rng.hpp"
#include "support/test_support.hpp"

namespace bd = banditry::bandit;
using banditry::test::close;
using high = boost::multiprecision::cpp_bin_float_50;

namespace {

Eigen::MatrixXd row(std::initializer_list<double> values) {
  Eigen::MatrixXd m(1, static_cast<Eigen::Index>(values.size()));
  Eigen::Index i = 0;
  for (double v : values) m(0, i++) = v;
  return m;
}

// J(pi*) - J(pi) computed directly in 50-digit arithmetic from the definitions.
double direct_gap(const Eigen::MatrixXd& policy, const Eigen::MatrixXd& reference,
                  const Eigen::MatrixXd& reward, const Eigen::VectorXd& rho, double eta) {
  high total = 0;
  for (Eigen::Index x = 0; x < reference.rows(); ++x) {
    high z = 0;
    for (Eigen::Index y = 0; y < reference.cols(); ++y) {
      z += high(reference(x, y)) * exp(high(eta) * high(reward(x, y)));
    }
    high value = 0;
    for (Eigen::Index y = 0; y < reference.cols(); ++y) {
      const high p = policy(x, y);
      if (p == 0) continue;
      value += p * high(reward(x, y)) - p * log(p / high(reference(x, y))) / high(eta);
    }
    total += high(rho(x)) * (log(z) / high(eta) - value);
  }
  return static_cast<double>(total);
}

}  // namespace

TEST_CASE("gibbs policy: two-arm closed form") {
  const Eigen::MatrixXd reference = row({0.25, 0.75});
  const Eigen::MatrixXd score = row({1.0, 0.0});
  const double eta = 2;
  const Eigen::MatrixXd policy = bd::gibbs_policy(reference, score, eta);
  const double expected = 0.25 * std::exp(2.0) / (0.25 * std::exp(2.0) + 0.75);
  CHECK(close(policy(0, 0), expected, 1e-15));
  CHECK(close(policy(0, 1), 1 - expected, 1e-15));
  CHECK(close(bd::log_partition(reference, score, eta)(0), std::log(0.25 * std::exp(2.0) + 0.75),
              1e-15));
}

TEST_CASE("gibbs policy: small eta tends to reference") {
  const Eigen::MatrixXd reference = row({0.1, 0.2, 0.7});
  const Eigen::MatrixXd score = row({0.9, 0.1, 0.5});
  const Eigen::MatrixXd policy = bd::gibbs_policy(reference, score, 1e-10);
  for (Eigen::Index y = 0; y < 3; ++y) CHECK(close(policy(0, y), reference(0, y), 1e-9));
}

TEST_CASE("gibbs policy: large eta concentrates on argmax") {
  const Eigen::MatrixXd reference = row({0.1, 0.2, 0.7});
  const Eigen::MatrixXd score = row({0.9, 0.1, 0.5});
  const Eigen::MatrixXd policy = bd::gibbs_policy(reference, score, 1e4);
  CHECK(policy(0, 0) == 1.0);
  CHECK(policy(0, 1) < 1e-300);
  CHECK(policy(0, 2) < 1e-300);
  CHECK(std::isfinite(bd::log_partition(reference, score, 1e6)(0)));
}

TEST_CASE("gibbs policy: shift invariance per context") {
  Eigen::MatrixXd reference(2, 3);
  reference << 0.2, 0.3, 0.5, 0.6, 0.3, 0.1;
  Eigen::MatrixXd score(2, 3);
  score << 0.1, 0.7, 0.3, 0.9, 0.2, 0.4;
  Eigen::MatrixXd shifted = score;
  shifted.row(0).array() += 5.0;
  shifted.row(1).array() -= 2.0;
  const Eigen::MatrixXd a = bd::gibbs_policy(reference, score, 3.0);
  const Eigen::MatrixXd b = bd::gibbs_policy(reference, shifted, 3.0);
  CHECK((a - b).cwiseAbs().maxCoeff() <= 1e-14);
}

TEST_CASE("gibbs policy: constant score returns reference") {
  const Eigen::MatrixXd reference = Eigen::MatrixXd::Constant(1, 34, 1.0 / 34);
  const Eigen::MatrixXd policy = bd::gibbs_policy(reference, Eigen::MatrixXd::Zero(1, 34), 10.0);
  CHECK(policy == reference);
}

TEST_CASE("gibbs policy: zero reference mass stays zero") {
  const Eigen::MatrixXd reference = row({0.0, 0.4, 0.6});
  const Eigen::MatrixXd log_policy = bd::gibbs_log_policy(reference, row({5.0, 0.0, 1.0}), 1.0);
  CHECK(std::isinf(log_policy(0, 0)));
  CHECK(log_policy(0, 0) < 0);
  CHECK(close(std::exp(log_policy(0, 1)) + std::exp(log_policy(0, 2)), 1.0, 1e-15));
}

TEST_CASE("kl objective: optimum value is log Z over eta") {
  Eigen::MatrixXd reference(2, 2);
  reference << 0.5, 0.5, 0.1, 0.9;
  Eigen::MatrixXd reward(2, 2);
  reward << 0.8, 0.3, 0.2, 0.6;
  Eigen::VectorXd rho(2);
  rho << 0.3, 0.7;
  const double eta = 1.5;
  const Eigen::MatrixXd optimal = bd::gibbs_policy(reference, reward, eta);
  const double expected = (0.3 * std::log(0.5 * std::exp(1.2) + 0.5 * std::exp(0.45)) +
                           0.7 * std::log(0.1 * std::exp(0.3) + 0.9 * std::exp(0.9))) /
                          eta;
  CHECK(close(bd::optimal_kl_value(reference, reward, rho, eta), expected, 1e-14));
  CHECK(close(bd::kl_objective(optimal, reference, reward, rho, eta), expected, 1e-13));
  CHECK(bd::kl_objective(reference, reference, reward, rho, eta) < expected);
}

TEST_CASE("kl suboptimality: optimum gives exactly zero") {
  Eigen::MatrixXd reference(2, 3);
  reference << 0.2, 0.3, 0.5, 0.6, 0.3, 0.1;
  Eigen::MatrixXd reward(2, 3);
  reward << 0.1, 0.7, 0.3, 0.9, 0.2, 0.4;
  Eigen::VectorXd rho(2);
  rho << 0.5, 0.5;
  const Eigen::MatrixXd log_optimal = bd::gibbs_log_policy(reference, reward, 4.0);
  CHECK(bd::kl_suboptimality_from_log(log_optimal, reference, reward, rho, 4.0) == 0.0);
  CHECK(bd::kl_suboptimality(log_optimal.array().exp().matrix(), reference, reward, rho, 4.0) <=
        1e-30);
}

TEST_CASE("kl suboptimality: identity matches 50-digit direct gap") {
  banditry::xoshiro256ss rng(2024);
  for (int trial = 0; trial < 30; ++trial) {
    const Eigen::Index contexts = 1 + static_cast<Eigen::Index>(banditry::uniform_int(rng, 3));
    const Eigen::Index actions = 2 + static_cast<Eigen::Index>(banditry::uniform_int(rng, 5));
    Eigen::MatrixXd reference(contexts, actions);
    Eigen::MatrixXd reward(contexts, actions);
    Eigen::MatrixXd policy(contexts, actions);
    Eigen::VectorXd rho(contexts);
    for (Eigen::Index x = 0; x < contexts; ++x) {
      rho(x) = 0.1 + banditry::uniform01(rng);
      for (Eigen::Index y = 0; y < actions; ++y) {
        reference(x, y) = 0.05 + banditry::uniform01(rng);
        reward(x, y) = banditry::uniform01(rng);
        policy(x, y) = banditry::uniform01(rng);
      }
      reference.row(x) /= reference.row(x).sum();
      policy.row(x) /= policy.row(x).sum();
    }
    rho /= rho.sum();
    const double eta = 0.25 + 3.75 * banditry::uniform01(rng);
    const double identity = bd::kl_suboptimality(policy, reference, reward, rho, eta);
    const double direct = direct_gap(policy, reference, reward, rho, eta);
    CHECK(std::abs(identity - direct) <= 1e-14 * std::max(1.0, direct));
    // The double-precision difference of J values agrees to 1e-12.
    const double difference = bd::optimal_kl_value(reference, reward, rho, eta) -
                              bd::kl_objective(policy, reference, reward, rho, eta);
    CHECK(std::abs(identity - difference) <= 1e-12);
  }
}

TEST_CASE("kl suboptimality: tiny gaps keep relative accuracy") {
  // pi = pi* perturbed by 1e-7: SubOpt ~ 1e-14, far below the rounding of J differences.
  const Eigen::MatrixXd reference = row({0.3, 0.7});
  const Eigen::MatrixXd reward = row({0.8, 0.3});
  const Eigen::VectorXd rho = Eigen::VectorXd::Ones(1);
  const double eta = 1;
  Eigen::MatrixXd policy = bd::gibbs_policy(reference, reward, eta);
  policy(0, 0) += 1e-7;
  policy(0, 1) = 1 - policy(0, 0);
  const double identity = bd::kl_suboptimality(policy, reference, reward, rho, eta);
  const double direct = direct_gap(policy, reference, reward, rho, eta);
  MESSAGE("identity " << identity << ", 50-digit " << direct << ", sum - 1 " << policy.sum() - 1.0);
  // Both rows sum to one only up to about 1e-17, which is 1e-3 of a gap of 1e-14.
  CHECK(close(identity, direct, 1e-2));
}

TEST_CASE("kl suboptimality: leaving the support is infinite") {
  const Eigen::MatrixXd reference = row({0.0, 1.0});
  const Eigen::MatrixXd reward = row({0.5, 0.5});
  const double value =
      bd::kl_suboptimality(row({0.5, 0.5}), reference, reward, Eigen::VectorXd::Ones(1), 1.0);
  CHECK(std::isinf(value));
  CHECK(std::isinf(
      bd::kl_objective(row({0.5, 0.5}), reference, reward, Eigen::VectorXd::Ones(1), 1.0)));
}

TEST_CASE("gibbs policy: invalid input messages") {
  const Eigen::MatrixXd reference = row({0.5, 0.5});
  const Eigen::MatrixXd score = row({0.1, 0.2});
  BANDITRY_CHECK_THROWS_WITH(bd::gibbs_policy(reference, score, 0.0), std::domain_error,
                             "banditry::bandit::log_partition: eta must be finite and > 0, got 0");
  BANDITRY_CHECK_THROWS_WITH(bd::gibbs_policy(reference, score, -1.0), std::domain_error,
                             "eta must be finite and > 0");
  BANDITRY_CHECK_THROWS_WITH(bd::gibbs_policy(row({0.5, 0.6}), score, 1.0), std::domain_error,
                             "sum of reference row 0 must be 1");
  BANDITRY_CHECK_THROWS_WITH(bd::gibbs_policy(row({-0.5, 1.5}), score, 1.0), std::domain_error,
                             "reference(0, 0) must be a probability in [0, 1]");
  BANDITRY_CHECK_THROWS_WITH(bd::gibbs_policy(reference, row({NAN, 0.0}), 1.0), std::domain_error,
                             "score(0, 0) must be finite");
  BANDITRY_CHECK_THROWS_WITH(bd::gibbs_policy(reference, row({1e300, 0.0}), 1e300),
                             std::domain_error, "eta * score(0, 0) must be finite");
  BANDITRY_CHECK_THROWS_WITH(bd::gibbs_policy(reference, row({0.1, 0.2, 0.3}), 1.0),
                             std::invalid_argument, "score columns size must be equal");
  BANDITRY_CHECK_THROWS_WITH(
      bd::kl_suboptimality(reference, reference, score, Eigen::VectorXd::Constant(1, 0.9), 1.0),
      std::domain_error, "sum of rho must be 1");
}

// Coverage coefficients: closed forms, bounds and the singular-design error.
#include "banditry/bandit/coverage.hpp"

#include <doctest/doctest.h>

#include <cmath>

#include "banditry/bandit/gibbs.hpp"
#include "support/test_support.hpp"

namespace bd = banditry::bandit;
using banditry::test::close;

TEST_CASE("coverage: K2 single-policy D2 closed form") {
  for (int m : {20, 200}) {
    Eigen::MatrixXd reference = Eigen::MatrixXd::Constant(1, m + 1, 1.0 / (2.0 * m));
    reference(0, 0) = 0.5;
    Eigen::MatrixXd reward = Eigen::MatrixXd::Zero(1, m + 1);
    reward(0, 0) = 0.8;
    const Eigen::MatrixXd optimal = bd::gibbs_policy(reference, reward, 8.0);
    const double expected = (std::exp(6.4) + m) / ((std::exp(6.4) + 1) / 2);
    CHECK(close(bd::tabular_d2(optimal, reference, Eigen::VectorXd::Ones(1)), expected, 1e-13));
    CHECK(close(bd::tabular_all_policy_d2(reference, Eigen::VectorXd::Ones(1)), 2.0 * m, 1e-15));
    CHECK(close(bd::all_policy_concentrability(reference), 2.0 * m, 1e-15));
  }
  // Four-digit values: 2.0630 (m = 20) and 2.6602 (m = 200).
  CHECK(std::abs((std::exp(6.4) + 20) / ((std::exp(6.4) + 1) / 2) - 2.0630) < 5e-5);
  CHECK(std::abs((std::exp(6.4) + 200) / ((std::exp(6.4) + 1) / 2) - 2.6602) < 5e-5);
}

TEST_CASE("coverage: concentrability bounded by exp(eta)") {
  Eigen::MatrixXd reference(2, 3);
  reference << 0.01, 0.49, 0.5, 0.2, 0.2, 0.6;
  Eigen::MatrixXd reward(2, 3);
  reward << 1.0, 0.0, 0.2, 0.3, 0.9, 0.0;
  for (double eta : {0.5, 2.0, 6.0}) {
    const Eigen::MatrixXd optimal = bd::gibbs_policy(reference, reward, eta);
    const double c = bd::single_policy_concentrability(optimal, reference);
    CHECK(c >= 1.0);
    CHECK(c <= std::exp(eta));
    const Eigen::VectorXd rho = Eigen::VectorXd::Constant(2, 0.5);
    CHECK(bd::tabular_d2(optimal, reference, rho) <= 2 * 3 * c + 1e-12);
  }
}

TEST_CASE("coverage: tabular D2 equals one-hot linear D2") {
  Eigen::MatrixXd reference(2, 3);
  reference << 0.2, 0.3, 0.5, 0.6, 0.3, 0.1;
  Eigen::MatrixXd reward(2, 3);
  reward << 0.1, 0.7, 0.3, 0.9, 0.2, 0.4;
  Eigen::VectorXd rho(2);
  rho << 0.25, 0.75;
  const Eigen::MatrixXd optimal = bd::gibbs_policy(reference, reward, 3.0);
  const auto features = bd::one_hot_features(2, 3);
  CHECK(close(bd::tabular_d2(optimal, reference, rho),
              bd::linear_d2(features, optimal, reference, rho), 1e-12));
  CHECK(close(bd::tabular_all_policy_d2(reference, rho),
              bd::linear_all_policy_d2(features, reference, rho), 1e-12));
  // Under pi_ref itself the linear coefficient equals the dimension.
  CHECK(close(bd::linear_d2(features, reference, reference, rho), 6.0, 1e-12));
}

TEST_CASE("coverage: singular design is rejected") {
  const Eigen::MatrixXd reference = Eigen::MatrixXd::Constant(1, 2, 0.5);
  bd::feature_table features{1, 2, Eigen::MatrixXd(2, 2)};
  features.phi << 1.0, 2.0, 2.0, 4.0;  // both features on one line
  BANDITRY_CHECK_THROWS_WITH(
      bd::linear_d2(features, reference, reference, Eigen::VectorXd::Ones(1)), std::domain_error,
      "banditry::bandit::linear_d2: Sigma_ref = E_{rho x pi_ref}[phi phi^T] must be positive "
      "definite");
}

TEST_CASE("coverage: zero reference mass is infinite") {
  Eigen::MatrixXd reference(1, 2);
  reference << 0.0, 1.0;
  Eigen::MatrixXd policy(1, 2);
  policy << 0.5, 0.5;
  CHECK(std::isinf(bd::all_policy_concentrability(reference)));
  CHECK(std::isinf(bd::single_policy_concentrability(policy, reference)));
  CHECK(std::isinf(bd::tabular_d2(policy, reference, Eigen::VectorXd::Ones(1))));
  BANDITRY_CHECK_THROWS_WITH(bd::single_policy_concentrability(policy * 2, reference),
                             std::domain_error, "sum of policy row 0 must be 1");
}

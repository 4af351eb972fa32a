// The error convention's message format, and the Eigen helpers against closed forms.
#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <vector>

#include "banditry/core/error.hpp"
#include "banditry/core/linalg.hpp"
#include "support/test_support.hpp"

using namespace banditry;

TEST_CASE("error: message names function, value, requirement") {
  BANDITRY_CHECK_THROWS_WITH(throw_invalid_argument("select", "k", "at most N = 5", 7),
                             std::invalid_argument,
                             "banditry::select: k must be at most N = 5, got 7");
  BANDITRY_CHECK_THROWS_WITH(throw_domain_error("gibbs", "eta", "positive", -0.5),
                             std::domain_error, "banditry::gibbs: eta must be positive, got -0.5");
  BANDITRY_CHECK_THROWS_WITH(require_finite(std::numeric_limits<double>::infinity(), "f", "x"),
                             std::domain_error, "banditry::f: x must be finite, got inf");
  const std::vector<double> values{1.0, std::nan("")};
  BANDITRY_CHECK_THROWS_WITH(require_all_finite(std::span<const double>(values), "f", "scores"),
                             std::domain_error, "banditry::f: scores[1] must be finite, got nan");
  const std::vector<double> bad_sum{0.5, 0.25};
  BANDITRY_CHECK_THROWS_WITH(require_distribution(std::span<const double>(bad_sum), "f", "p"),
                             std::domain_error, "banditry::f: sum of p must be 1");
  BANDITRY_CHECK_THROWS_WITH(require(false, "f", "name", "non-empty", std::string("")),
                             std::invalid_argument,
                             "banditry::f: name must be non-empty, got \"\"");
  // Doubles are printed with enough digits to round-trip.
  BANDITRY_CHECK_THROWS_WITH(throw_domain_error("f", "x", "small", 0.1), std::domain_error,
                             "got 0.10000000000000001");
}

TEST_CASE("ridge_solve: matches normal equations closed form") {
  Eigen::MatrixXd x(3, 2);
  x << 1, 0, 0, 1, 1, 1;
  Eigen::VectorXd y(3);
  y << 1, 2, 4;
  // X^T X + I = [[3,1],[1,3]], X^T y = [5,6]; solution = [[3,-1],[-1,3]]/8 * [5,6] = [9/8, 13/8].
  const Eigen::VectorXd theta = ridge_solve(x, y, 1.0);
  CHECK(banditry::test::close(theta(0), 9.0 / 8, 1e-14));
  CHECK(banditry::test::close(theta(1), 13.0 / 8, 1e-14));
}

TEST_CASE("ridge_solve: singular design rejected") {
  Eigen::MatrixXd x(2, 2);
  x << 1, 2, 2, 4;
  Eigen::VectorXd y(2);
  y << 1, 2;
  BANDITRY_CHECK_THROWS_WITH(ridge_solve(x, y, 0.0), std::domain_error,
                             "banditry::ridge_solve: X^T X + lambda I must be positive definite");
  BANDITRY_CHECK_THROWS_WITH(ridge_solve(x, y, -1.0), std::domain_error,
                             "banditry::ridge_solve: lambda must be finite and >= 0, got -1");
  Eigen::VectorXd short_y(1);
  short_y << 1;
  BANDITRY_CHECK_THROWS_WITH(
      ridge_solve(x, short_y, 1.0), std::invalid_argument,
      "banditry::ridge_solve: targets size must be equal to the size of design rows (2), got 1");
}

TEST_CASE("sherman_morrison_update: equals direct inverse") {
  Eigen::MatrixXd a(3, 3);
  a << 4, 1, 0, 1, 3, 1, 0, 1, 2;
  Eigen::VectorXd x(3);
  x << 0.5, -1, 2;
  Eigen::MatrixXd inverse = a.inverse();
  sherman_morrison_update(inverse, x);
  const Eigen::MatrixXd direct = (a + x * x.transpose()).inverse();
  CHECK((inverse - direct).cwiseAbs().maxCoeff() < 1e-14);
  CHECK(banditry::test::close(inverse_weighted_norm(x, inverse), std::sqrt(x.dot(direct * x)),
                              1e-14));
  CHECK(banditry::test::close(weighted_norm(x, a), std::sqrt(x.dot(a * x)), 1e-14));
}

TEST_CASE("ridge_solve: small-scale data accepted") {
  Eigen::MatrixXd x(2, 2);
  x << 1e-7, 0, 0, 1e-7;
  Eigen::VectorXd y(2);
  y << 1e-7, 2e-7;
  const Eigen::VectorXd theta = ridge_solve(x, y, 0.0);
  CHECK(banditry::test::close(theta(0), 1.0, 1e-12));
  CHECK(banditry::test::close(theta(1), 2.0, 1e-12));
  BANDITRY_CHECK_THROWS_WITH(
      ridge_solve(Eigen::MatrixXd(0, 0), Eigen::VectorXd(0), 1.0), std::invalid_argument,
      "banditry::ridge_solve: design shape must be non-empty, got \"0 x 0\"");
}

TEST_CASE("weighted norms: bad matrices rejected") {
  Eigen::VectorXd x(2);
  x << 1, 1;
  BANDITRY_CHECK_THROWS_WITH(weighted_norm(x, -Eigen::MatrixXd::Identity(2, 2)), std::domain_error,
                             "banditry::weighted_norm: x^T A x must be >= 0");
  BANDITRY_CHECK_THROWS_WITH(
      weighted_norm(x, Eigen::MatrixXd::Ones(2, 3)), std::invalid_argument,
      "banditry::weighted_norm: matrix shape must be square and non-empty, got \"2 x 3\"");
  Eigen::VectorXd with_nan(2);
  with_nan << std::nan(""), 1;
  BANDITRY_CHECK_THROWS_WITH(inverse_weighted_norm(with_nan, Eigen::MatrixXd::Identity(2, 2)),
                             std::domain_error,
                             "banditry::inverse_weighted_norm: x must be all finite");
  const Eigen::MatrixXd infinite =
      Eigen::MatrixXd::Identity(2, 2) * std::numeric_limits<double>::infinity();
  BANDITRY_CHECK_THROWS_WITH(inverse_weighted_norm(x, infinite), std::domain_error,
                             "banditry::inverse_weighted_norm: inverse must be all finite");
  Eigen::MatrixXd wide = Eigen::MatrixXd::Ones(2, 3);
  BANDITRY_CHECK_THROWS_WITH(sherman_morrison_update(wide, x), std::invalid_argument,
                             "banditry::sherman_morrison_update: inverse shape must be square");
}

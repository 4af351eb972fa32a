// Logistic MLE checked against a 50-digit Newton solve, stationarity and the aggregated form.
#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <boost/multiprecision/cpp_bin_float.hpp>
#include <cmath>
#include <vector>

#include "banditry/core/rng.hpp"
#include "banditry/duel/bradley_terry.hpp"
#include "banditry/duel/confidence.hpp"
#include "banditry/duel/logistic_mle.hpp"
#include "support/test_support.hpp"

using namespace banditry::duel;
using big = boost::multiprecision::cpp_bin_float_50;

namespace {

// Plain undamped Newton in 50-digit arithmetic with Gaussian elimination; the loss is smooth and
// strictly convex, and the start is the double-precision answer's neighbourhood (zero works for
// these well-conditioned problems with a ridge).
std::vector<big> reference_mle(const Eigen::MatrixXd& z, const Eigen::VectorXd& o, double ridge) {
  const auto n = static_cast<std::size_t>(z.rows());
  const auto d = static_cast<std::size_t>(z.cols());
  std::vector<big> theta(d, big(0));
  for (int iteration = 0; iteration < 60; ++iteration) {
    std::vector<big> g(d, big(0));
    std::vector<std::vector<big>> h(d, std::vector<big>(d, big(0)));
    for (std::size_t k = 0; k < d; ++k) {
      g[k] = big(ridge) * theta[k];
      h[k][k] = big(ridge);
    }
    for (std::size_t i = 0; i < n; ++i) {
      big u = 0;
      for (std::size_t k = 0; k < d; ++k) u += big(z(i, k)) * theta[k];
      const big s = 1 / (1 + exp(-u));
      for (std::size_t k = 0; k < d; ++k) {
        g[k] += (s - big(o[i])) * big(z(i, k));
        for (std::size_t l = 0; l < d; ++l) h[k][l] += s * (1 - s) * big(z(i, k)) * big(z(i, l));
      }
    }
    // Solve h s = g.
    for (std::size_t c = 0; c < d; ++c) {
      for (std::size_t r = c + 1; r < d; ++r) {
        const big f = h[r][c] / h[c][c];
        for (std::size_t l = c; l < d; ++l) h[r][l] -= f * h[c][l];
        g[r] -= f * g[c];
      }
    }
    std::vector<big> step(d);
    for (std::size_t c = d; c-- > 0;) {
      big v = g[c];
      for (std::size_t l = c + 1; l < d; ++l) v -= h[c][l] * step[l];
      step[c] = v / h[c][c];
    }
    for (std::size_t k = 0; k < d; ++k) theta[k] -= step[k];
  }
  return theta;
}

struct dataset {
  Eigen::MatrixXd z;
  Eigen::VectorXd o;
};

dataset random_dataset(std::uint64_t seed, std::size_t n, std::size_t d, double scale) {
  banditry::xoshiro256ss rng(seed);
  dataset data{Eigen::MatrixXd(n, d), Eigen::VectorXd(n)};
  Eigen::VectorXd theta(d);
  for (std::size_t k = 0; k < d; ++k) theta[k] = scale * banditry::normal(rng);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t k = 0; k < d; ++k) data.z(i, k) = banditry::normal(rng);
    data.o[i] = banditry::bernoulli(rng, banditry::sigmoid(data.z.row(i).dot(theta))) ? 1 : 0;
  }
  return data;
}

}  // namespace

TEST_CASE("logistic_mle: matches high precision optimum") {
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    const auto data = random_dataset(seed, 200, 4, 1.0);
    const double ridge = 0.5;
    const auto fit = logistic_mle(data.z, data.o, ridge);
    REQUIRE(fit.status == mle_status::converged);
    const auto reference = reference_mle(data.z, data.o, ridge);
    for (int k = 0; k < 4; ++k) {
      CHECK(std::abs(fit.theta[k] - static_cast<double>(reference[static_cast<std::size_t>(k)])) <=
            1e-11);
    }
    double total_norm = 0;
    for (Eigen::Index i = 0; i < data.z.rows(); ++i) total_norm += data.z.row(i).norm();
    CHECK(fit.gradient_norm <= 1e-8 * (1 + total_norm));
  }
}

TEST_CASE("logistic_mle: finite on separable data") {
  // Perfectly separable labels: without a ridge the MLE diverges; with one it is finite.
  Eigen::MatrixXd z(4, 2);
  z << 1, 0, 2, 1, -1, 0, -2, -1;
  Eigen::VectorXd o(4);
  o << 1, 1, 0, 0;
  const auto fit = logistic_mle(z, o, 1e-3);
  CHECK(fit.status == mle_status::converged);
  CHECK(fit.theta.allFinite());
  const Eigen::VectorXd g = logistic_gradient(z, Eigen::VectorXd::Ones(4), o, 1e-3, fit.theta);
  CHECK(g.norm() <= 1e-8 * (1 + 2 * (1 + std::sqrt(5.0))));
}

TEST_CASE("logistic_mle: aggregated equals per pair") {
  // Cells with repeated comparisons; the per-pair data expands each cell.
  banditry::xoshiro256ss rng(99);
  const std::size_t cells = 12;
  const std::size_t d = 3;
  Eigen::MatrixXd cz(cells, d);
  Eigen::VectorXd counts(cells);
  Eigen::VectorXd wins(cells);
  std::vector<Eigen::VectorXd> rows;
  std::vector<double> labels;
  for (std::size_t c = 0; c < cells; ++c) {
    for (std::size_t k = 0; k < d; ++k) cz(c, k) = banditry::normal(rng);
    counts[c] = static_cast<double>(1 + banditry::uniform_int(rng, 20));
    wins[c] =
        static_cast<double>(banditry::uniform_int(rng, static_cast<std::uint64_t>(counts[c]) + 1));
    for (int i = 0; i < static_cast<int>(counts[c]); ++i) {
      rows.push_back(cz.row(c).transpose());
      labels.push_back(i < static_cast<int>(wins[c]) ? 1 : 0);
    }
  }
  Eigen::MatrixXd z(rows.size(), d);
  Eigen::VectorXd o(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    z.row(static_cast<Eigen::Index>(i)) = rows[i].transpose();
    o[static_cast<Eigen::Index>(i)] = labels[i];
  }
  const auto per_pair = logistic_mle(z, o, 0.3);
  const auto aggregated = logistic_mle_aggregated(cz, counts, wins, 0.3);
  REQUIRE(per_pair.status == mle_status::converged);
  REQUIRE(aggregated.status == mle_status::converged);
  CHECK((per_pair.theta - aggregated.theta).lpNorm<Eigen::Infinity>() <= 1e-10);
  CHECK(per_pair.loss == doctest::Approx(aggregated.loss).epsilon(1e-12));
}

TEST_CASE("logistic_mle: warm start and iteration limit") {
  const auto data = random_dataset(5, 300, 3, 2.0);
  const auto full = logistic_mle(data.z, data.o, 0.1);
  mle_options one;
  one.max_iterations = 1;
  const auto capped = logistic_mle(data.z, data.o, 0.1, nullptr, one);
  CHECK(capped.status == mle_status::iteration_limit);
  CHECK(capped.iterations == 1);
  mle_options refit;
  refit.max_iterations = 8;
  const auto warm = logistic_mle(data.z, data.o, 0.1, &full.theta, refit);
  CHECK(warm.status == mle_status::converged);
  CHECK(warm.iterations <= 2);
  CHECK((warm.theta - full.theta).norm() <= 1e-9);  // both stop at steps below 1e-10
  // Empty data: the minimiser of the ridge alone is zero.
  const auto empty = logistic_mle(Eigen::MatrixXd(0, 3), Eigen::VectorXd(0), 1.0);
  CHECK(empty.theta.norm() == 0);
}

TEST_CASE("logistic_mle: rejects bad input") {
  Eigen::MatrixXd z(2, 2);
  z << 1, 0, 0, 1;
  Eigen::VectorXd o(2);
  o << 1, 0.5;
  BANDITRY_CHECK_THROWS_WITH(logistic_mle(z, o, 1.0), std::invalid_argument,
                             "banditry::logistic_mle: outcomes[1] must be 0 or 1, got 0.5");
  o << 1, 0;
  BANDITRY_CHECK_THROWS_WITH(logistic_mle(z, o, 0.0), std::domain_error,
                             "ridge must be positive and finite, got 0");
  BANDITRY_CHECK_THROWS_WITH(logistic_mle(z, Eigen::VectorXd(3), 1.0), std::invalid_argument,
                             "outcomes size must be equal to the size of the rows of z (2)");
  Eigen::VectorXd counts(2);
  counts << 3, 2;
  Eigen::VectorXd wins(2);
  wins << 4, 1;
  BANDITRY_CHECK_THROWS_WITH(logistic_mle_aggregated(z, counts, wins, 1.0), std::invalid_argument,
                             "wins[0] must be in [0, counts[0]], got 4");
  counts << -1, 2;
  wins << 0, 1;
  BANDITRY_CHECK_THROWS_WITH(logistic_mle_aggregated(z, counts, wins, 1.0), std::domain_error,
                             "counts[0] must be finite and >= 0, got -1");
  z(0, 0) = NAN;
  BANDITRY_CHECK_THROWS_WITH(logistic_mle(z, o, 1.0), std::domain_error, "z must be all finite");
}

TEST_CASE("design_matrix: tracks inverse and potential") {
  design_matrix design(3, 2.0);
  Eigen::MatrixXd sigma = 2.0 * Eigen::MatrixXd::Identity(3, 3);
  banditry::xoshiro256ss rng(3);
  double potential = 0;
  for (int t = 0; t < 40; ++t) {
    Eigen::VectorXd z(3);
    for (int k = 0; k < 3; ++k) z[k] = banditry::normal(rng);
    potential += std::min(1.0, z.dot(sigma.inverse() * z));
    design.add(z);
    sigma += z * z.transpose();
  }
  CHECK((design.inverse() - sigma.inverse()).lpNorm<Eigen::Infinity>() <= 1e-12);
  CHECK(design.log_det_ratio() ==
        doctest::Approx(std::log(sigma.determinant() / 8.0)).epsilon(1e-10));
  CHECK(design.potential() == doctest::Approx(potential).epsilon(1e-10));
  CHECK(design.potential() <= 2 * design.log_det_ratio());
  CHECK(elliptical_potential_bound(3, 0, 2, 1) == 0);
  BANDITRY_CHECK_THROWS_WITH(design_matrix(3, -1.0), std::domain_error,
                             "ridge must be positive and finite, got -1");
  confidence_ellipsoid ellipsoid{Eigen::VectorXd::Zero(2), Eigen::MatrixXd::Identity(2, 2), 1.0};
  Eigen::VectorXd inside(2);
  inside << 0.6, 0.6;
  CHECK(ellipsoid.contains(inside));
  CHECK_FALSE(ellipsoid.contains(2 * inside));
  CHECK(ellipsoid.width(inside) == doctest::Approx(std::sqrt(0.72)));
}

TEST_CASE("bradley_terry: matrix and link curvature") {
  CHECK(link_curvature(1.0) == doctest::Approx(0.196612).epsilon(1e-6));
  CHECK(link_curvature(0.0) == 0.25);
  const std::vector<double> scores{1.0, 0.0, -1.0};
  const auto p = bradley_terry_matrix(scores);
  CHECK(p(0, 2) == doctest::Approx(1 / (1 + std::exp(-2.0))).epsilon(1e-15));
  CHECK(p(2, 0) + p(0, 2) == 1.0);
  BANDITRY_CHECK_THROWS_WITH(link_curvature(-1.0), std::domain_error,
                             "max_difference must be finite and >= 0");
}

// Ridge-regularised logistic maximum likelihood for Bradley-Terry comparisons, by Newton's method
// with Armijo backtracking and an optional warm start.
//
// Per-pair data (z_i, o_i), o_i in {0, 1}; or aggregated cells (z_c, N_c, W_c) with N_c comparisons
// and W_c wins. The objective is
//   L(theta) = sum_c [N_c softplus(theta^T z_c) - W_c theta^T z_c] + (ridge / 2) ||theta||^2,
// strictly convex for ridge > 0, so the minimiser is unique and finite even on separable data.
// Newton: solve H s = g by Cholesky; tau = 1, halve while L(theta - tau s) > L(theta) - 1e-4 tau
// g^T s (at most 30 halvings); stop when ||tau s||_inf <= 1e-10 or after the iteration limit (50
// for a full solve, 8 for a warm-started refit). Non-convergence is a status value, never an
// exception. The estimating equation is the one of "Reinforcement Learning from Human Feedback with
// Active Queries" (arXiv 2402.09401); the backtracking guards against overshooting on nearly
// separable data with a small ridge.
#pragma once

#include <Eigen/Dense>
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "banditry/core/error.hpp"
#include "banditry/core/numerics.hpp"

namespace banditry::duel {

/// Why Newton's method stopped.
enum class mle_status {
  converged,          ///< the last step had ||tau s||_inf <= step tolerance
  iteration_limit,    ///< the iteration limit was reached first
  line_search_failed  ///< 30 halvings did not give sufficient decrease (flat at machine precision)
};

inline const char* to_string(mle_status status) {
  switch (status) {
    case mle_status::converged:
      return "converged";
    case mle_status::iteration_limit:
      return "iteration_limit";
    case mle_status::line_search_failed:
      return "line_search_failed";
  }
  return "?";
}

/// Newton settings; the defaults are those of a full solve.
struct mle_options {
  std::size_t max_iterations = 50;  ///< 8 is the setting for a warm-started refit
  double step_tolerance = 1e-10;    ///< stop when ||tau s||_inf <= this
  double armijo = 1e-4;             ///< sufficient-decrease constant
  std::size_t max_halvings = 30;    ///< backtracking halvings per iteration
};

/// Result of a fit.
struct mle_result {
  Eigen::VectorXd theta;       ///< the estimate
  double loss = 0;             ///< L(theta)
  double gradient_norm = 0;    ///< ||g(theta)||_2 at the returned theta
  std::size_t iterations = 0;  ///< Newton iterations taken
  mle_status status = mle_status::converged;
};

namespace detail {

// Unchecked core on row-major z (n x d), weights `counts` (N_c) and `wins` (W_c).
inline double logistic_loss(const double* z, std::size_t n, std::size_t d, const double* counts,
                            const double* wins, double ridge, const Eigen::VectorXd& theta) {
  long double sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    double u = 0;
    for (std::size_t k = 0; k < d; ++k) u += z[i * d + k] * theta[static_cast<Eigen::Index>(k)];
    const double sp = u > 0 ? u + std::log1p(std::exp(-u)) : std::log1p(std::exp(u));
    sum += counts[i] * sp - wins[i] * u;
  }
  return static_cast<double>(sum) + 0.5 * ridge * theta.squaredNorm();
}

inline void logistic_gradient_hessian(const double* z, std::size_t n, std::size_t d,
                                      const double* counts, const double* wins, double ridge,
                                      const Eigen::VectorXd& theta, Eigen::VectorXd& gradient,
                                      Eigen::MatrixXd* hessian) {
  const auto dd = static_cast<Eigen::Index>(d);
  gradient = ridge * theta;
  if (hessian) *hessian = ridge * Eigen::MatrixXd::Identity(dd, dd);
  for (std::size_t i = 0; i < n; ++i) {
    const Eigen::Map<const Eigen::VectorXd> zi(z + i * d, dd);
    const double u = zi.dot(theta);
    const double s = u >= 0 ? 1 / (1 + std::exp(-u)) : std::exp(u) / (1 + std::exp(u));
    gradient.noalias() += (counts[i] * s - wins[i]) * zi;
    if (hessian) hessian->selfadjointView<Eigen::Lower>().rankUpdate(zi, counts[i] * s * (1 - s));
  }
  if (hessian) *hessian = hessian->selfadjointView<Eigen::Lower>();
}

inline mle_result newton_logistic(const double* z, std::size_t n, std::size_t d,
                                  const double* counts, const double* wins, double ridge,
                                  Eigen::VectorXd theta, const mle_options& options) {
  mle_result result;
  Eigen::VectorXd gradient;
  Eigen::MatrixXd hessian;
  double loss = logistic_loss(z, n, d, counts, wins, ridge, theta);
  result.status = mle_status::iteration_limit;
  for (std::size_t iteration = 0; iteration < options.max_iterations; ++iteration) {
    logistic_gradient_hessian(z, n, d, counts, wins, ridge, theta, gradient, &hessian);
    const Eigen::VectorXd step = hessian.llt().solve(gradient);
    const double slope = gradient.dot(step);
    double tau = 1;
    double candidate_loss = 0;
    Eigen::VectorXd candidate;
    bool accepted = false;
    for (std::size_t halving = 0; halving <= options.max_halvings; ++halving) {
      candidate = theta - tau * step;
      candidate_loss = logistic_loss(z, n, d, counts, wins, ridge, candidate);
      if (candidate_loss <= loss - options.armijo * tau * slope) {
        accepted = true;
        break;
      }
      tau /= 2;
    }
    ++result.iterations;
    const double step_size = (tau * step).lpNorm<Eigen::Infinity>();
    if (!accepted) {
      // No sufficient decrease even for tiny steps: the loss is flat to rounding here. Accept the
      // step only if it does not increase the loss.
      if (candidate_loss <= loss) {
        theta = candidate;
        loss = candidate_loss;
      }
      result.status = step_size <= options.step_tolerance ? mle_status::converged
                                                          : mle_status::line_search_failed;
      break;
    }
    theta = candidate;
    loss = candidate_loss;
    if (step_size <= options.step_tolerance) {
      result.status = mle_status::converged;
      break;
    }
  }
  logistic_gradient_hessian(z, n, d, counts, wins, ridge, theta, gradient, nullptr);
  result.theta = std::move(theta);
  result.loss = loss;
  result.gradient_norm = gradient.norm();
  return result;
}

inline void check_mle_inputs(std::string_view function, const Eigen::MatrixXd& z, double ridge,
                             const Eigen::VectorXd* start) {
  require(z.cols() > 0, function, "feature dimension d", "positive", z.cols());
  if (!z.allFinite()) throw_domain_error(function, "z", "all finite", "a non-finite entry");
  if (!(ridge > 0) || !std::isfinite(ridge)) {
    throw_domain_error(function, "ridge", "positive and finite", ridge);
  }
  if (start) {
    require_same_size(static_cast<std::size_t>(start->size()), static_cast<std::size_t>(z.cols()),
                      function, "start", "the feature dimension");
    if (!start->allFinite()) {
      throw_domain_error(function, "start", "all finite", "a non-finite entry");
    }
  }
}

}  // namespace detail

/// Ridge logistic MLE on per-pair comparisons.
/// \param z n x d matrix whose row i is z_i = phi(x, y^1) - phi(x, y^2); n may be 0 (theta = 0)
/// \param outcomes length-n labels o_i in {0, 1} (1: y^1 preferred)
/// \param ridge lambda_r > 0
/// \param start warm start theta_0 (nullptr: zero)
/// \param options Newton settings (use max_iterations = 8 for a warm-started refit)
/// \returns theta, loss, ||gradient||, iterations and a status
/// \throws std::invalid_argument for mismatched sizes or a label outside {0, 1};
///         std::domain_error for non-finite input or ridge <= 0
/// Complexity O(iterations * (n d^2 + d^3)).
inline mle_result logistic_mle(const Eigen::MatrixXd& z, const Eigen::VectorXd& outcomes,
                               double ridge, const Eigen::VectorXd* start = nullptr,
                               const mle_options& options = {}) {
  detail::check_mle_inputs("logistic_mle", z, ridge, start);
  require_same_size(static_cast<std::size_t>(outcomes.size()), static_cast<std::size_t>(z.rows()),
                    "logistic_mle", "outcomes", "the rows of z");
  for (Eigen::Index i = 0; i < outcomes.size(); ++i) {
    if (outcomes[i] != 0.0 && outcomes[i] != 1.0) {
      throw_invalid_argument("logistic_mle", "outcomes[" + std::to_string(i) + "]", "0 or 1",
                             outcomes[i]);
    }
  }
  const auto n = static_cast<std::size_t>(z.rows());
  const auto d = static_cast<std::size_t>(z.cols());
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rows = z;
  const std::vector<double> counts(n, 1.0);
  const Eigen::VectorXd theta0 = start ? *start : Eigen::VectorXd::Zero(z.cols());
  return detail::newton_logistic(rows.data(), n, d, counts.data(), outcomes.data(), ridge, theta0,
                                 options);
}

/// Ridge logistic MLE on aggregated cells: N_c comparisons of z_c with W_c wins. Gives the same
/// estimate as logistic_mle on the expanded per-pair data.
/// \param z C x d matrix of cell features
/// \param counts N_c >= 0 (need not be integers: weights)
/// \param wins W_c with 0 <= W_c <= N_c
/// \param ridge, start, options as logistic_mle
/// \throws std::invalid_argument for mismatched sizes or wins outside [0, N_c];
///         std::domain_error for non-finite input, negative counts or ridge <= 0
/// Complexity O(iterations * (C d^2 + d^3)).
inline mle_result logistic_mle_aggregated(const Eigen::MatrixXd& z, const Eigen::VectorXd& counts,
                                          const Eigen::VectorXd& wins, double ridge,
                                          const Eigen::VectorXd* start = nullptr,
                                          const mle_options& options = {}) {
  constexpr std::string_view function = "logistic_mle_aggregated";
  detail::check_mle_inputs(function, z, ridge, start);
  require_same_size(static_cast<std::size_t>(counts.size()), static_cast<std::size_t>(z.rows()),
                    function, "counts", "the rows of z");
  require_same_size(static_cast<std::size_t>(wins.size()), static_cast<std::size_t>(z.rows()),
                    function, "wins", "the rows of z");
  for (Eigen::Index c = 0; c < counts.size(); ++c) {
    if (!(counts[c] >= 0) || !std::isfinite(counts[c])) {
      throw_domain_error(function, "counts[" + std::to_string(c) + "]", "finite and >= 0",
                         counts[c]);
    }
    if (!(wins[c] >= 0 && wins[c] <= counts[c])) {
      throw_invalid_argument(function, "wins[" + std::to_string(c) + "]",
                             "in [0, counts[" + std::to_string(c) + "]]", wins[c]);
    }
  }
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rows = z;
  const Eigen::VectorXd theta0 = start ? *start : Eigen::VectorXd::Zero(z.cols());
  return detail::newton_logistic(rows.data(), static_cast<std::size_t>(z.rows()),
                                 static_cast<std::size_t>(z.cols()), counts.data(), wins.data(),
                                 ridge, theta0, options);
}

/// Gradient of the ridge logistic loss on aggregated cells at theta (per-pair data: counts = 1,
/// wins = o). Used to check stationarity: lambda theta + sum_c (N_c sigma(theta^T z_c) - W_c) z_c.
/// \throws as logistic_mle_aggregated, and for a theta of the wrong size. O(C d).
inline Eigen::VectorXd logistic_gradient(const Eigen::MatrixXd& z, const Eigen::VectorXd& counts,
                                         const Eigen::VectorXd& wins, double ridge,
                                         const Eigen::VectorXd& theta) {
  detail::check_mle_inputs("logistic_gradient", z, ridge, &theta);
  require_same_size(static_cast<std::size_t>(counts.size()), static_cast<std::size_t>(z.rows()),
                    "logistic_gradient", "counts", "the rows of z");
  require_same_size(static_cast<std::size_t>(wins.size()), static_cast<std::size_t>(z.rows()),
                    "logistic_gradient", "wins", "the rows of z");
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rows = z;
  Eigen::VectorXd gradient;
  detail::logistic_gradient_hessian(rows.data(), static_cast<std::size_t>(z.rows()),
                                    static_cast<std::size_t>(z.cols()), counts.data(), wins.data(),
                                    ridge, theta, gradient, nullptr);
  return gradient;
}

}  // namespace banditry::duel

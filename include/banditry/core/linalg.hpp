// Small linear-algebra helpers on Eigen used by the linear bandit and dueling models.
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <string>

#include "banditry/core/error.hpp"

namespace banditry {

namespace detail {

// Throws unless `matrix` is square, non-empty and finite.
inline void require_square_finite(const Eigen::MatrixXd& matrix, const char* function,
                                  const char* what) {
  if (matrix.rows() == 0 || matrix.rows() != matrix.cols()) {
    throw_invalid_argument(function, std::string(what) + " shape", "square and non-empty",
                           std::to_string(matrix.rows()) + " x " + std::to_string(matrix.cols()));
  }
  if (!matrix.allFinite()) throw_domain_error(function, what, "all finite", "a non-finite entry");
}

// Square root of a quadratic form that must be non-negative. Rounding below zero by at most 1e-12
// of `scale` is clamped to 0; anything more negative (an indefinite matrix) or NaN throws.
inline double checked_root(double quadratic, double scale, const char* function, const char* what) {
  if (std::isnan(quadratic) || quadratic < -1e-12 * scale) {
    throw_domain_error(function, what, ">= 0 (a positive semi-definite matrix)", quadratic);
  }
  return std::sqrt(std::max(0.0, quadratic));
}

}  // namespace detail

/// Solves the ridge system (X^T X + lambda I) theta = X^T y by Cholesky (LDL^T).
/// \param design n x d design matrix X, non-empty; \param targets length-n vector y;
/// \param lambda >= 0. \throws std::invalid_argument on an empty design or mismatched sizes;
/// std::domain_error on non-finite input, lambda < 0, or a singular system (smallest pivot at most
/// 1e-12 of the largest, e.g. lambda = 0 with rank-deficient X). O(n d^2 + d^3).
inline Eigen::VectorXd ridge_solve(const Eigen::MatrixXd& design, const Eigen::VectorXd& targets,
                                   double lambda) {
  if (design.rows() == 0 || design.cols() == 0) {
    throw_invalid_argument("ridge_solve", "design shape", "non-empty",
                           std::to_string(design.rows()) + " x " + std::to_string(design.cols()));
  }
  require_same_size(static_cast<std::size_t>(targets.size()),
                    static_cast<std::size_t>(design.rows()), "ridge_solve", "targets",
                    "design rows");
  if (!(lambda >= 0) || !std::isfinite(lambda)) {
    throw_domain_error("ridge_solve", "lambda", "finite and >= 0", lambda);
  }
  if (!design.allFinite()) {
    throw_domain_error("ridge_solve", "design", "all finite", "a non-finite entry");
  }
  if (!targets.allFinite()) {
    throw_domain_error("ridge_solve", "targets", "all finite", "a non-finite entry");
  }
  Eigen::MatrixXd gram = design.transpose() * design;
  gram.diagonal().array() += lambda;
  Eigen::LDLT<Eigen::MatrixXd> factor(gram);

  // Singularity is judged relative to the largest pivot, so data on any scale is accepted.
  const double largest = factor.vectorD().cwiseAbs().maxCoeff();
  const double smallest = factor.vectorD().minCoeff();
  if (factor.info() != Eigen::Success || !factor.isPositive() || !(largest > 0) ||
      smallest <= 1e-12 * largest) {
    throw_domain_error(
        "ridge_solve", "X^T X + lambda I", "positive definite (non-singular)",
        "pivots from " + detail::format_value(smallest) + " to " + detail::format_value(largest));
  }
  return factor.solve(design.transpose() * targets);
}

/// Updates inverse in place to (A + x x^T)^{-1} given inverse = A^{-1} (Sherman-Morrison), written
/// as a rank-one column update that Eigen vectorises. \pre inverse square, non-empty and finite,
/// sizes agree, x finite (all checked); A symmetric positive definite. O(d^2).
inline void sherman_morrison_update(Eigen::MatrixXd& inverse, const Eigen::VectorXd& x) {
  detail::require_square_finite(inverse, "sherman_morrison_update", "inverse");
  require_same_size(static_cast<std::size_t>(x.size()), static_cast<std::size_t>(inverse.rows()),
                    "sherman_morrison_update", "x", "inverse");
  if (!x.allFinite()) {
    throw_domain_error("sherman_morrison_update", "x", "all finite", "a non-finite entry");
  }
  const Eigen::VectorXd ax = inverse * x;
  const double denominator = 1.0 + x.dot(ax);
  if (!(denominator > 0)) {
    throw_domain_error("sherman_morrison_update", "1 + x^T A^{-1} x", "positive", denominator);
  }
  inverse.noalias() -= (ax * ax.transpose()) / denominator;
}

/// Weighted norm ||x||_{A^{-1}} = sqrt(x^T A^{-1} x) given the inverse.
/// \pre inverse square, non-empty, finite and positive semi-definite; x finite; sizes agree (all
/// checked, the last through the sign of the quadratic form). O(d^2).
inline double inverse_weighted_norm(const Eigen::VectorXd& x, const Eigen::MatrixXd& inverse) {
  detail::require_square_finite(inverse, "inverse_weighted_norm", "inverse");
  require_same_size(static_cast<std::size_t>(x.size()), static_cast<std::size_t>(inverse.rows()),
                    "inverse_weighted_norm", "x", "inverse");
  if (!x.allFinite()) {
    throw_domain_error("inverse_weighted_norm", "x", "all finite", "a non-finite entry");
  }
  const double scale = x.squaredNorm() * inverse.cwiseAbs().maxCoeff();
  return detail::checked_root(x.dot(inverse * x), scale, "inverse_weighted_norm", "x^T A^{-1} x");
}

/// Weighted norm ||x||_A = sqrt(x^T A x). \pre matrix square, non-empty, finite and positive
/// semi-definite; x finite; sizes agree (all checked). O(d^2).
inline double weighted_norm(const Eigen::VectorXd& x, const Eigen::MatrixXd& matrix) {
  detail::require_square_finite(matrix, "weighted_norm", "matrix");
  require_same_size(static_cast<std::size_t>(x.size()), static_cast<std::size_t>(matrix.rows()),
                    "weighted_norm", "x", "matrix");
  if (!x.allFinite()) throw_domain_error("weighted_norm", "x", "all finite", "a non-finite entry");
  const double scale = x.squaredNorm() * matrix.cwiseAbs().maxCoeff();
  return detail::checked_root(x.dot(matrix * x), scale, "weighted_norm", "x^T A x");
}

}  // namespace banditry

// Small linear-algebra helpers on Eigen used by the linear bandit and dueling models.
#pragma once

#include <Eigen/Dense>
#include <cmath>
#include <string>

#include "banditry/core/error.hpp"

namespace banditry {

/// Solves the ridge system (X^T X + lambda I) theta = X^T y by Cholesky (LDL^T).
/// \param design n x d design matrix X; \param targets length-n vector y; \param lambda >= 0.
/// \throws std::invalid_argument on mismatched sizes; std::domain_error on non-finite input,
/// lambda < 0, or a singular system (lambda = 0 with rank-deficient X). O(n d^2 + d^3).
inline Eigen::VectorXd ridge_solve(const Eigen::MatrixXd& design, const Eigen::VectorXd& targets,
                                   double lambda) {
  require_same_size(static_cast<std::size_t>(targets.size()),
                    static_cast<std::size_t>(design.rows()), "ridge_solve", "targets",
                    "design rows");
  if (!(lambda >= 0) || !std::isfinite(lambda)) {
    throw_domain_error("ridge_solve", "lambda", "finite and >= 0", lambda);
  }
  if (!design.allFinite())
    throw_domain_error("ridge_solve", "design", "all finite", "non-finite entry");
  if (!targets.allFinite())
    throw_domain_error("ridge_solve", "targets", "all finite", "non-finite entry");
  Eigen::MatrixXd gram = design.transpose() * design;
  gram.diagonal().array() += lambda;
  Eigen::LDLT<Eigen::MatrixXd> factor(gram);
  const double scale = std::max(1.0, gram.diagonal().cwiseAbs().maxCoeff());
  if (factor.info() != Eigen::Success || !factor.isPositive() ||
      factor.vectorD().minCoeff() <= 1e-12 * scale) {
    throw_domain_error("ridge_solve", "X^T X + lambda I", "positive definite (non-singular)",
                       "smallest pivot " + std::to_string(factor.vectorD().minCoeff()));
  }
  return factor.solve(design.transpose() * targets);
}

/// Updates inverse in place to (A + x x^T)^{-1} given inverse = A^{-1} (Sherman-Morrison), written
/// as a rank-one column update that Eigen vectorises. \pre A symmetric positive definite, sizes
/// agree (checked), x finite (checked). O(d^2).
inline void sherman_morrison_update(Eigen::MatrixXd& inverse, const Eigen::VectorXd& x) {
  require_same_size(static_cast<std::size_t>(x.size()), static_cast<std::size_t>(inverse.rows()),
                    "sherman_morrison_update", "x", "inverse");
  if (!x.allFinite()) {
    throw_domain_error("sherman_morrison_update", "x", "all finite", "non-finite entry");
  }
  const Eigen::VectorXd ax = inverse * x;
  const double denominator = 1.0 + x.dot(ax);
  if (!(denominator > 0)) {
    throw_domain_error("sherman_morrison_update", "1 + x^T A^{-1} x", "positive", denominator);
  }
  inverse.noalias() -= (ax * ax.transpose()) / denominator;
}

/// Weighted norm ||x||_{A^{-1}} = sqrt(x^T A^{-1} x) given the inverse. \pre sizes agree (checked).
inline double inverse_weighted_norm(const Eigen::VectorXd& x, const Eigen::MatrixXd& inverse) {
  require_same_size(static_cast<std::size_t>(x.size()), static_cast<std::size_t>(inverse.rows()),
                    "inverse_weighted_norm", "x", "inverse");
  return std::sqrt(std::max(0.0, x.dot(inverse * x)));
}

/// Weighted norm ||x||_A = sqrt(x^T A x). \pre sizes agree (checked).
inline double weighted_norm(const Eigen::VectorXd& x, const Eigen::MatrixXd& matrix) {
  require_same_size(static_cast<std::size_t>(x.size()), static_cast<std::size_t>(matrix.rows()),
                    "weighted_norm", "x", "matrix");
  return std::sqrt(std::max(0.0, x.dot(matrix * x)));
}

}  // namespace banditry

// Design-matrix bookkeeping for linear dueling bandits: the inverse design matrix kept by
// Sherman-Morrison updates, the elliptical potential, and the confidence ellipsoid
// { theta : ||theta - theta_hat||_Sigma <= beta } around a logistic MLE.
//
// Elliptical potential lemma (used for APPO's query count in "Reinforcement Learning from Human
// Feedback with Active Queries", arXiv 2402.09401): for Sigma_t = lambda I + sum_{s<=t} z_s z_s^T
// with ||z_s|| <= L,
//   sum_t min(1, ||z_t||^2_{Sigma_{t-1}^{-1}}) <= 2 log det(Sigma_T) / det(lambda I)
//                                              <= 2 d log(1 + T L^2 / (d lambda)).
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstddef>

#include "banditry/core/error.hpp"

namespace banditry::duel {

/// Sigma = lambda I + sum z z^T, stored as its inverse, with the elliptical-potential sums.
class design_matrix {
 public:
  /// \param dimension d >= 1; \param ridge lambda > 0 (Sigma_0 = lambda I)
  /// \throws std::invalid_argument for d = 0; std::domain_error for lambda <= 0 or non-finite.
  design_matrix(std::size_t dimension, double ridge) : ridge_(ridge) {
    require(dimension > 0, "design_matrix", "dimension d", "positive", dimension);
    if (!(ridge > 0) || !std::isfinite(ridge)) {
      throw_domain_error("design_matrix", "ridge", "positive and finite", ridge);
    }
    const auto d = static_cast<Eigen::Index>(dimension);
    inverse_ = Eigen::MatrixXd::Identity(d, d) / ridge;
  }

  /// Dimension d.
  [[nodiscard]] std::size_t dimension() const noexcept {
    return static_cast<std::size_t>(inverse_.rows());
  }
  /// Sigma^{-1}.
  [[nodiscard]] const Eigen::MatrixXd& inverse() const noexcept { return inverse_; }
  /// ||z||^2_{Sigma^{-1}} = z^T Sigma^{-1} z (unchecked size). O(d^2).
  [[nodiscard]] double squared_norm(const Eigen::VectorXd& z) const {
    return std::max(0.0, z.dot(inverse_ * z));
  }
  /// ||z||_{Sigma^{-1}}. O(d^2).
  [[nodiscard]] double norm(const Eigen::VectorXd& z) const { return std::sqrt(squared_norm(z)); }

  /// Adds z z^T to Sigma (Sherman-Morrison on the inverse) and updates the potential sums.
  /// \throws std::invalid_argument for a wrong size; std::domain_error for a non-finite z. O(d^2).
  void add(const Eigen::VectorXd& z) {
    require_same_size(static_cast<std::size_t>(z.size()), dimension(), "design_matrix::add", "z",
                      "the dimension");
    if (!z.allFinite()) throw_domain_error("design_matrix::add", "z", "all finite", "non-finite");
    const Eigen::VectorXd u = inverse_ * z;
    const double q = std::max(0.0, z.dot(u));
    inverse_.noalias() -= (u * u.transpose()) / (1 + q);
    log_det_ratio_ += std::log1p(q);
    potential_ += std::min(1.0, q);
    ++count_;
  }

  /// Number of vectors added.
  [[nodiscard]] std::size_t count() const noexcept { return count_; }
  /// log det(Sigma) - log det(lambda I) = sum log(1 + ||z_t||^2_{Sigma_{t-1}^{-1}}).
  [[nodiscard]] double log_det_ratio() const noexcept { return log_det_ratio_; }
  /// sum_t min(1, ||z_t||^2_{Sigma_{t-1}^{-1}}).
  [[nodiscard]] double potential() const noexcept { return potential_; }
  /// lambda.
  [[nodiscard]] double ridge() const noexcept { return ridge_; }

 private:
  double ridge_;
  Eigen::MatrixXd inverse_;
  double log_det_ratio_ = 0;
  double potential_ = 0;
  std::size_t count_ = 0;
};

/// Right side of the elliptical potential lemma, 2 d log(1 + n L^2 / (d lambda)).
/// \param dimension d >= 1; \param count n >= 0; \param norm_bound L >= 0; \param ridge lambda > 0
/// \throws std::invalid_argument for d = 0; std::domain_error for lambda <= 0 or L < 0. O(1).
inline double elliptical_potential_bound(std::size_t dimension, double count, double norm_bound,
                                         double ridge) {
  require(dimension > 0, "elliptical_potential_bound", "dimension d", "positive", dimension);
  if (!(ridge > 0)) throw_domain_error("elliptical_potential_bound", "ridge", "positive", ridge);
  if (!(norm_bound >= 0)) {
    throw_domain_error("elliptical_potential_bound", "norm_bound", ">= 0", norm_bound);
  }
  if (!(count >= 0)) throw_domain_error("elliptical_potential_bound", "count", ">= 0", count);
  const double d = static_cast<double>(dimension);
  return 2 * d * std::log1p(count * norm_bound * norm_bound / (d * ridge));
}

/// The confidence ellipsoid { theta : ||theta - center||_Sigma <= radius }.
struct confidence_ellipsoid {
  Eigen::VectorXd center;          ///< theta_hat
  Eigen::MatrixXd inverse_design;  ///< Sigma^{-1}
  double radius = 0;               ///< beta

  /// Half-width of the interval for <theta, x>: radius ||x||_{Sigma^{-1}}. O(d^2).
  [[nodiscard]] double width(const Eigen::VectorXd& x) const {
    return radius * std::sqrt(std::max(0.0, x.dot(inverse_design * x)));
  }
  /// Optimistic value <center, x> + width(x). O(d^2).
  [[nodiscard]] double upper(const Eigen::VectorXd& x) const { return center.dot(x) + width(x); }
  /// Pessimistic value <center, x> - width(x). O(d^2).
  [[nodiscard]] double lower(const Eigen::VectorXd& x) const { return center.dot(x) - width(x); }
  /// True when ||theta - center||_Sigma <= radius; Sigma is obtained by inverting Sigma^{-1}
  /// (LDL^T), so use it for checks, not in loops. O(d^3).
  [[nodiscard]] bool contains(const Eigen::VectorXd& theta) const {
    const Eigen::VectorXd diff = theta - center;
    const Eigen::VectorXd solved = inverse_design.ldlt().solve(diff);
    return diff.dot(solved) <= radius * radius;
  }
};

}  // namespace banditry::duel

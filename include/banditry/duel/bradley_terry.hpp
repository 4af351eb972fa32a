// The Bradley-Terry (logistic) preference model on linear features.
//
// A comparison of y1 with y2 in context x returns o = 1 (y1 preferred) with probability
// sigma(r(x, y1) - r(x, y2)), r(x, y) = <theta, phi(x, y)>. The link curvature
// kappa = inf { sigma'(u) : |u| <= u_max } = sigma'(u_max) enters the confidence radius.
#pragma once

#include <Eigen/Dense>
#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

#include "banditry/core/error.hpp"
#include "banditry/core/numerics.hpp"
#include "banditry/duel/preference_matrix.hpp"

namespace banditry::duel {

/// Probability that y1 beats y2, sigma(<theta, phi1 - phi2>).
/// \throws std::invalid_argument for mismatched sizes; std::domain_error for a NaN margin. O(d).
inline double bradley_terry_probability(const Eigen::VectorXd& theta, const Eigen::VectorXd& phi1,
                                        const Eigen::VectorXd& phi2) {
  require_same_size(static_cast<std::size_t>(phi1.size()), static_cast<std::size_t>(theta.size()),
                    "bradley_terry_probability", "phi1", "theta");
  require_same_size(static_cast<std::size_t>(phi2.size()), static_cast<std::size_t>(theta.size()),
                    "bradley_terry_probability", "phi2", "theta");
  return sigmoid(theta.dot(phi1 - phi2));
}

/// Link curvature kappa = sigma'(u_max) = sigma(u_max)(1 - sigma(u_max)), the smallest slope of the
/// logistic link on [-u_max, u_max].
/// \param max_difference u_max >= 0, a bound on reachable reward differences (2B in general)
/// \throws std::domain_error for a negative or non-finite u_max. O(1).
inline double link_curvature(double max_difference) {
  if (!(max_difference >= 0) || !std::isfinite(max_difference)) {
    throw_domain_error("link_curvature", "max_difference", "finite and >= 0", max_difference);
  }
  const double s = sigmoid(max_difference);
  return s * (1 - s);
}

/// The preference matrix P[i][j] = sigma(r_i - r_j) of Bradley-Terry scores r (logits).
/// Entries are computed as sigma(r_i - r_j) for i < j and 1 - P[i][j] below the diagonal, so P is
/// exactly complementary.
/// \throws std::invalid_argument for empty scores; std::domain_error for a non-finite score.
/// Complexity O(K^2).
inline preference_matrix bradley_terry_matrix(std::span<const double> scores) {
  require_nonempty(scores.size(), "bradley_terry_matrix", "scores");
  require_all_finite(scores, "bradley_terry_matrix", "scores");
  const std::size_t k = scores.size();
  std::vector<double> upper;
  upper.reserve(k * (k - 1) / 2);
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = i + 1; j < k; ++j) upper.push_back(sigmoid(scores[i] - scores[j]));
  return preference_matrix::from_upper_triangle(k, upper);
}

}  // namespace banditry::duel

// Finite preference games: validation of a preference matrix, win rates against a mixed policy and
// the duality gap DG(pi) = 2 max_y P(y > pi) - 1, the certificate that a policy is a von Neumann
// winner (Self-Play Preference Optimization for Language Model Alignment, arXiv 2405.00675).
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "banditry/core/error.hpp"

namespace banditry::game {

/// Dense preference matrix: entry (i, j) is the probability that response i beats response j.
using preference_matrix_type = Eigen::MatrixXd;

/// Absolute tolerance of the complementarity checks P(i, j) + P(j, i) = 1 and P(i, i) = 1/2.
inline constexpr double preference_tolerance = 1e-9;

/// Checks that `P` is a preference matrix: square, non-empty, finite entries in [0, 1],
/// |P(i, j) + P(j, i) - 1| <= 1e-9 and |P(i, i) - 1/2| <= 1e-9.
/// \param P the matrix; \param function the calling function's name for the error message.
/// \throws std::invalid_argument for an empty or non-square matrix; std::domain_error for a NaN,
///   an entry outside [0, 1] or a pair that is not complementary. O(K^2).
inline void validate_preference_matrix(const preference_matrix_type& P, std::string_view function) {
  if (P.rows() == 0) throw_invalid_argument(function, "preference matrix size", "positive", 0);
  if (P.rows() != P.cols()) {
    throw_invalid_argument(function, "preference matrix column count",
                           "equal to its row count (" + std::to_string(P.rows()) + ")", P.cols());
  }
  const auto k = P.rows();
  for (Eigen::Index i = 0; i < k; ++i) {
    for (Eigen::Index j = 0; j < k; ++j) {
      const std::string where = "P[" + std::to_string(i) + "][" + std::to_string(j) + "]";
      if (!std::isfinite(P(i, j))) throw_domain_error(function, where, "finite", P(i, j));
      require_probability(P(i, j), function, where);
    }
  }
  for (Eigen::Index i = 0; i < k; ++i) {
    if (std::abs(P(i, i) - 0.5) > preference_tolerance) {
      throw_domain_error(function, "P[" + std::to_string(i) + "][" + std::to_string(i) + "]",
                         "1/2 within 1e-9", P(i, i));
    }
    for (Eigen::Index j = i + 1; j < k; ++j) {
      const double sum = P(i, j) + P(j, i);
      if (std::abs(sum - 1) > preference_tolerance) {
        throw_domain_error(function,
                           "P[" + std::to_string(i) + "][" + std::to_string(j) + "] + P[" +
                               std::to_string(j) + "][" + std::to_string(i) + "]",
                           "1 within 1e-9 (complementary preferences)", sum);
      }
    }
  }
}

/// Projects a nearly complementary matrix onto exact complementarity: Q(i, j) = (P(i, j) + 1 -
/// P(j, i)) / 2 and Q(i, i) = 1/2, the nearest complementary matrix in the Frobenius norm. Use it
/// to accept a matrix whose deviations exceed 1e-9 (rounded input) before the functions of this
/// header, which check complementarity at 1e-9.
/// \param P square matrix with finite entries in [0, 1]
/// \param tolerance largest accepted |P(i, j) + P(j, i) - 1| and |P(i, i) - 1/2|, finite and >= 0
/// \returns Q, which passes validate_preference_matrix and differs from P by at most tolerance / 2
///   off the diagonal and tolerance on it
/// \throws std::invalid_argument for an empty or non-square matrix; std::domain_error for a bad
///   tolerance, an entry that is not finite or outside [0, 1], or a deviation above tolerance.
/// O(K^2).
inline preference_matrix_type complementary_projection(const preference_matrix_type& P,
                                                       double tolerance) {
  constexpr std::string_view function = "game::complementary_projection";
  if (!(tolerance >= 0) || !std::isfinite(tolerance)) {
    throw_domain_error(function, "tolerance", "finite and >= 0", tolerance);
  }
  if (P.rows() == 0) throw_invalid_argument(function, "preference matrix size", "positive", 0);
  if (P.rows() != P.cols()) {
    throw_invalid_argument(function, "preference matrix column count",
                           "equal to its row count (" + std::to_string(P.rows()) + ")", P.cols());
  }
  const auto k = P.rows();
  for (Eigen::Index i = 0; i < k; ++i) {
    for (Eigen::Index j = 0; j < k; ++j) {
      const std::string where = "P[" + std::to_string(i) + "][" + std::to_string(j) + "]";
      if (!std::isfinite(P(i, j))) throw_domain_error(function, where, "finite", P(i, j));
      require_probability(P(i, j), function, where);
    }
  }
  std::ostringstream tolerance_text;  // 6 significant digits: 1e-07 rather than 9.99...e-08
  tolerance_text << tolerance;
  const std::string within = " within " + tolerance_text.str();
  preference_matrix_type Q(k, k);
  for (Eigen::Index i = 0; i < k; ++i) {
    if (std::abs(P(i, i) - 0.5) > tolerance) {
      throw_domain_error(function, "P[" + std::to_string(i) + "][" + std::to_string(i) + "]",
                         "1/2" + within, P(i, i));
    }
    Q(i, i) = 0.5;
    for (Eigen::Index j = i + 1; j < k; ++j) {
      const double sum = P(i, j) + P(j, i);
      if (std::abs(sum - 1) > tolerance) {
        throw_domain_error(function,
                           "P[" + std::to_string(i) + "][" + std::to_string(j) + "] + P[" +
                               std::to_string(j) + "][" + std::to_string(i) + "]",
                           "1" + within, sum);
      }
      Q(i, j) = (P(i, j) + 1 - P(j, i)) / 2;
      Q(j, i) = 1 - Q(i, j);
    }
  }
  return Q;
}

/// Builds a preference matrix from its strict upper triangle: P(j, i) = 1 - P(i, j), P(i, i) = 1/2.
/// \param upper K x K matrix whose entries above the diagonal are used (others ignored).
/// \throws as validate_preference_matrix on the result. O(K^2).
inline preference_matrix_type preference_from_upper(const preference_matrix_type& upper) {
  preference_matrix_type P = upper;
  for (Eigen::Index i = 0; i < P.rows(); ++i) {
    P(i, i) = 0.5;
    for (Eigen::Index j = i + 1; j < P.cols(); ++j) P(j, i) = 1 - P(i, j);
  }
  validate_preference_matrix(P, "game::preference_from_upper");
  return P;
}

namespace detail {

inline void check_policy(std::span<const double> pi, Eigen::Index k, std::string_view function,
                         std::string_view what) {
  require_same_size(pi.size(), static_cast<std::size_t>(k), function, what,
                    "the preference matrix");
  require_distribution(pi, function, what);
}

}  // namespace detail

/// Win rates g(y) = P(y > pi) = sum_y' P(y, y') pi(y') of every pure response against `pi`.
/// \pre P a valid preference matrix and pi a distribution of the same size (checked).
/// \returns K values in [0, 1]. \throws as validate_preference_matrix and require_distribution.
/// O(K^2).
inline std::vector<double> win_rates(const preference_matrix_type& P, std::span<const double> pi) {
  validate_preference_matrix(P, "game::win_rates");
  detail::check_policy(pi, P.rows(), "game::win_rates", "pi");
  const Eigen::Map<const Eigen::VectorXd> weights(pi.data(), static_cast<Eigen::Index>(pi.size()));
  const Eigen::VectorXd gains = P * weights;
  return {gains.data(), gains.data() + gains.size()};
}

/// P(pi > pi') = sum_{y, y'} pi(y) pi'(y') P(y, y').
/// \pre as win_rates for both policies. O(K^2).
inline double preference_probability(const preference_matrix_type& P, std::span<const double> pi,
                                     std::span<const double> opponent) {
  const std::vector<double> gains = win_rates(P, opponent);
  detail::check_policy(pi, P.rows(), "game::preference_probability", "pi");
  double sum = 0;
  for (std::size_t y = 0; y < gains.size(); ++y) sum += pi[y] * gains[y];
  return sum;
}

/// Duality gap DG(pi) = max_pi' P(pi' > pi) - min_pi' P(pi > pi') = 2 max_y P(y > pi) - 1.
/// DG >= 0, with equality exactly at the von Neumann winners; the exploitability is DG / 2.
/// Source: Self-Play Preference Optimization for Language Model Alignment, arXiv 2405.00675.
/// \pre P a valid preference matrix and pi a distribution of the same size (checked).
/// \returns a value in [0, 1] up to rounding. O(K^2).
inline double duality_gap(const preference_matrix_type& P, std::span<const double> pi) {
  validate_preference_matrix(P, "game::duality_gap");
  detail::check_policy(pi, P.rows(), "game::duality_gap", "pi");
  const Eigen::Map<const Eigen::VectorXd> weights(pi.data(), static_cast<Eigen::Index>(pi.size()));
  return 2 * (P * weights).maxCoeff() - 1;
}

inline double duality_gap(const preference_matrix_type& P, const std::vector<double>& pi) {
  return duality_gap(P, std::span<const double>(pi));
}

/// Context-weighted duality gap sum_x rho(x) DG_x(pi_x) for one game and one policy per context.
/// \pre games, policies and rho of equal non-zero size; rho a distribution (checked). O(sum K_x^2).
inline double duality_gap(const std::vector<preference_matrix_type>& games,
                          const std::vector<std::vector<double>>& policies,
                          std::span<const double> rho) {
  require_nonempty(games.size(), "game::duality_gap", "games");
  require_same_size(policies.size(), games.size(), "game::duality_gap", "policies", "games");
  require_same_size(rho.size(), games.size(), "game::duality_gap", "rho", "games");
  require_distribution(rho, "game::duality_gap", "rho");
  double sum = 0;
  for (std::size_t x = 0; x < games.size(); ++x) sum += rho[x] * duality_gap(games[x], policies[x]);
  return sum;
}

}  // namespace banditry::game

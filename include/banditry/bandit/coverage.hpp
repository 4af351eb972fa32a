// Coverage (concentrability) diagnostics of offline data collected under a reference policy.
//
// Density-ratio coefficients: C_Pi = sup_{x,y} 1 / pi_ref(y|x) (all policies) and
// C_pi = sup_{x,y} pi(y|x) / pi_ref(y|x) (one policy, usually pi*). Since pi*/pi_ref = e^{eta r*}/Z
// with Z >= 1 for rewards in [0, 1], C_{pi*} <= e^eta.
// The D^2 coefficient of a point relative to pi_ref is
//   D^2((x, y); pi_ref) = sup_{g,h} (g - h)(x, y)^2 / E_{rho x pi_ref}[(g - h)^2],
// which is 1 / (rho(x) pi_ref(y|x)) for the tabular class and ||phi(x, y)||^2_{Sigma_ref^{-1}} for
// a linear class with Sigma_ref = E_{rho x pi_ref}[phi phi^T]. Single-policy coverage averages it
// over rho x pi*; all-policy coverage takes its supremum.
// Source: "Towards a Sharp Analysis of Offline Policy Learning for f-Divergence-Regularized
// Contextual Bandits", arXiv 2502.06051.
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>

#include "banditry/bandit/features.hpp"
#include "banditry/bandit/validation.hpp"
#include "banditry/core/error.hpp"

namespace banditry::bandit {

/// Computes the all-policy density-ratio coefficient C_Pi = max_{x,y} 1 / pi_ref(y|x).
/// \param reference X x K reference policy (rows are distributions)
/// \returns C_Pi >= K; +infinity when some pi_ref(y|x) = 0
/// \throws std::domain_error when a row is not a distribution. Complexity O(X K).
inline double all_policy_concentrability(const Eigen::MatrixXd& reference) {
  detail::check_policy(reference, "bandit::all_policy_concentrability", "reference");
  const double smallest = reference.minCoeff();
  return smallest == 0 ? std::numeric_limits<double>::infinity() : 1.0 / smallest;
}

/// Computes the single-policy density-ratio coefficient C_pi = max_{x,y} pi(y|x) / pi_ref(y|x).
/// \param policy X x K policy (pass pi* for C_{pi*}); \param reference X x K pi_ref
/// \returns C_pi >= 1; +infinity when pi puts mass where pi_ref has none
/// \throws std::domain_error when a row is not a distribution; std::invalid_argument for
/// mismatched shapes. Complexity O(X K).
inline double single_policy_concentrability(const Eigen::MatrixXd& policy,
                                            const Eigen::MatrixXd& reference) {
  constexpr const char* function = "bandit::single_policy_concentrability";
  detail::check_policy(reference, function, "reference");
  detail::check_shape(policy, reference.rows(), reference.cols(), function, "policy");
  detail::check_policy(policy, function, "policy");
  double result = 0;
  for (Eigen::Index x = 0; x < policy.rows(); ++x) {
    for (Eigen::Index y = 0; y < policy.cols(); ++y) {
      if (policy(x, y) == 0) continue;
      if (reference(x, y) == 0) return std::numeric_limits<double>::infinity();
      result = std::max(result, policy(x, y) / reference(x, y));
    }
  }
  return result;
}

/// Computes the tabular single-policy coefficient
///   D^2_pi = E_{(x,y)~rho x pi}[1 / (rho(x) pi_ref(y|x))] = sum_{x: rho(x) > 0} sum_y pi / pi_ref.
/// \param policy X x K policy (pi* for D^2_{pi*}); \param reference X x K pi_ref
/// \param rho context distribution (only its support matters)
/// \returns D^2_pi <= |supp rho| K C_pi; +infinity when pi leaves the support of pi_ref
/// \throws as single_policy_concentrability, and std::domain_error when rho is not a
/// distribution. Complexity O(X K).
inline double tabular_d2(const Eigen::MatrixXd& policy, const Eigen::MatrixXd& reference,
                         const Eigen::VectorXd& rho) {
  constexpr const char* function = "bandit::tabular_d2";
  detail::check_policy(reference, function, "reference");
  detail::check_shape(policy, reference.rows(), reference.cols(), function, "policy");
  detail::check_policy(policy, function, "policy");
  detail::check_context_distribution(rho, reference.rows(), function);
  long double sum = 0;
  for (Eigen::Index x = 0; x < policy.rows(); ++x) {
    if (rho(x) == 0) continue;
    for (Eigen::Index y = 0; y < policy.cols(); ++y) {
      if (policy(x, y) == 0) continue;
      if (reference(x, y) == 0) return std::numeric_limits<double>::infinity();
      sum += policy(x, y) / reference(x, y);
    }
  }
  return static_cast<double>(sum);
}

/// Computes the tabular all-policy coefficient D^2 = max_{x,y} 1 / (rho(x) pi_ref(y|x)).
/// \returns D^2 >= X K; +infinity when some rho(x) pi_ref(y|x) = 0
/// \throws std::domain_error when rho or a row of pi_ref is not a distribution. O(X K).
inline double tabular_all_policy_d2(const Eigen::MatrixXd& reference, const Eigen::VectorXd& rho) {
  constexpr const char* function = "bandit::tabular_all_policy_d2";
  detail::check_policy(reference, function, "reference");
  detail::check_context_distribution(rho, reference.rows(), function);
  double smallest = std::numeric_limits<double>::infinity();
  for (Eigen::Index x = 0; x < reference.rows(); ++x) {
    for (Eigen::Index y = 0; y < reference.cols(); ++y) {
      smallest = std::min(smallest, rho(x) * reference(x, y));
    }
  }
  return smallest == 0 ? std::numeric_limits<double>::infinity() : 1.0 / smallest;
}

/// Computes the feature second-moment matrix Sigma_pi = E_{(x,y)~rho x pi}[phi phi^T].
/// \param features feature table of the X x K cells; \param policy X x K policy; \param rho
/// context distribution. \returns the d x d matrix
/// \throws std::domain_error for rows that are not distributions or non-finite features;
/// std::invalid_argument for mismatched shapes. Complexity O(X K d^2).
inline Eigen::MatrixXd feature_second_moment(const feature_table& features,
                                             const Eigen::MatrixXd& policy,
                                             const Eigen::VectorXd& rho) {
  constexpr const char* function = "bandit::feature_second_moment";
  detail::check_policy(policy, function, "policy");
  detail::check_features(features, policy.rows(), policy.cols(), function);
  detail::check_context_distribution(rho, policy.rows(), function);
  const Eigen::Index d = features.dimension();
  Eigen::MatrixXd sigma = Eigen::MatrixXd::Zero(d, d);
  for (Eigen::Index x = 0; x < policy.rows(); ++x) {
    for (Eigen::Index y = 0; y < policy.cols(); ++y) {
      const double weight = rho(x) * policy(x, y);
      if (weight == 0) continue;
      const Eigen::VectorXd phi = features.row(x, y).transpose();
      sigma.noalias() += weight * phi * phi.transpose();
    }
  }
  return sigma;
}

namespace detail {

inline Eigen::LLT<Eigen::MatrixXd> factor_reference_moment(const Eigen::MatrixXd& sigma,
                                                           std::string_view function) {
  Eigen::LLT<Eigen::MatrixXd> factor(sigma);
  const double scale = std::max(1e-300, sigma.diagonal().cwiseAbs().maxCoeff());
  const bool singular = factor.info() != Eigen::Success ||
                        factor.matrixLLT().diagonal().minCoeff() <= 1e-7 * std::sqrt(scale);
  if (singular) {
    throw_domain_error(function, "Sigma_ref = E_{rho x pi_ref}[phi phi^T]",
                       "positive definite (features spanning R^d under pi_ref)",
                       "a singular matrix");
  }
  return factor;
}

}  // namespace detail

/// Computes the linear single-policy coefficient D^2_pi = tr(Sigma_ref^{-1} Sigma_pi), the average
/// of ||phi(x, y)||^2_{Sigma_ref^{-1}} over rho x pi.
/// \param features feature table; \param policy X x K policy (pi* for D^2_{pi*})
/// \param reference X x K pi_ref; \param rho context distribution
/// \returns D^2_pi >= 0 (equal to d for pi = pi_ref)
/// \throws std::domain_error when Sigma_ref is singular (the check is relative: a Cholesky pivot
/// below 1e-7 sqrt(max diagonal)), and as feature_second_moment. Complexity O(X K d^2 + d^3).
inline double linear_d2(const feature_table& features, const Eigen::MatrixXd& policy,
                        const Eigen::MatrixXd& reference, const Eigen::VectorXd& rho) {
  const Eigen::MatrixXd sigma_ref = feature_second_moment(features, reference, rho);
  const Eigen::MatrixXd sigma_pi = feature_second_moment(features, policy, rho);
  const auto factor = detail::factor_reference_moment(sigma_ref, "bandit::linear_d2");
  return factor.solve(sigma_pi).trace();
}

/// Computes the linear all-policy coefficient max_{x,y} ||phi(x, y)||^2_{Sigma_ref^{-1}} over the
/// cells with rho(x) pi_ref(y|x) > 0.
/// \throws as linear_d2. Complexity O(X K d^2 + d^3).
inline double linear_all_policy_d2(const feature_table& features, const Eigen::MatrixXd& reference,
                                   const Eigen::VectorXd& rho) {
  const Eigen::MatrixXd sigma_ref = feature_second_moment(features, reference, rho);
  const auto factor = detail::factor_reference_moment(sigma_ref, "bandit::linear_all_policy_d2");
  double result = 0;
  for (Eigen::Index x = 0; x < reference.rows(); ++x) {
    for (Eigen::Index y = 0; y < reference.cols(); ++y) {
      if (rho(x) * reference(x, y) == 0) continue;
      const Eigen::VectorXd phi = features.row(x, y).transpose();
      result = std::max(result, phi.dot(factor.solve(phi)));
    }
  }
  return result;
}

}  // namespace banditry::bandit

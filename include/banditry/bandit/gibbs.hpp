// Gibbs policies of the KL-regularised objective, the objective itself, and the exact
// sub-optimality identity.
//
// For a reference policy pi_ref, a score g and a KL coefficient eta > 0, the Gibbs policy is
//   pi_g(y|x) = pi_ref(y|x) exp(eta g(x, y)) / Z_g(x),  Z_g(x) = sum_y pi_ref(y|x) exp(eta g(x,
//   y)),
// and it maximises  J(pi) = E_{x~rho}[ <pi(.|x), r(x, .)> - KL(pi(.|x) || pi_ref(.|x)) / eta ] when
// g = r. Because log pi* = log pi_ref + eta r - log Z_r, every policy satisfies, context by
// context,
//   <pi, r> - KL(pi || pi_ref) / eta = log Z_r / eta - KL(pi || pi*) / eta,
// so SubOpt(pi) = J(pi*) - J(pi) = E_rho KL(pi || pi*) / eta. kl_suboptimality evaluates the right
// side, which never subtracts two nearly equal values of J.
//
// Source: Zhao, Ye, Gu and Zhang, "Sharp Analysis for KL-Regularized Contextual Bandits and RLHF",
// arXiv 2411.04625, and "Towards a Sharp Analysis of Offline Policy Learning for f-Divergence-
// Regularized Contextual Bandits", arXiv 2502.06051.
#pragma once

#include <Eigen/Dense>
#include <cmath>
#include <limits>
#include <string>

#include "banditry/bandit/validation.hpp"
#include "banditry/core/error.hpp"

namespace banditry::bandit {

/// Computes the log-partition log Z_g(x) = log sum_y pi_ref(y|x) exp(eta g(x, y)) of every context
/// by log-sum-exp.
/// \param reference X x K matrix whose rows are distributions over actions (zeros allowed)
/// \param score X x K matrix of finite scores g(x, y), in reward units
/// \param eta KL coefficient, > 0 (inverse temperature)
/// \returns the vector of log Z_g(x), length X
/// \throws std::domain_error for eta <= 0, a non-finite score, a reference row that is not a
/// distribution, or eta * g(x, y) overflowing to infinity; std::invalid_argument for mismatched
/// shapes. Complexity O(X K).
inline Eigen::VectorXd log_partition(const Eigen::MatrixXd& reference, const Eigen::MatrixXd& score,
                                     double eta) {
  constexpr const char* function = "bandit::log_partition";
  detail::check_eta(eta, function);
  detail::check_policy(reference, function, "reference");
  detail::check_shape(score, reference.rows(), reference.cols(), function, "score");
  detail::check_finite_matrix(score, function, "score");
  Eigen::VectorXd result(reference.rows());
  for (Eigen::Index x = 0; x < reference.rows(); ++x) {
    double top = -std::numeric_limits<double>::infinity();
    for (Eigen::Index y = 0; y < reference.cols(); ++y) {
      if (reference(x, y) == 0) continue;
      const double logit = std::log(reference(x, y)) + eta * score(x, y);
      if (!std::isfinite(logit)) {
        throw_domain_error(function, detail::cell_name("eta * score", x, y), "finite",
                           eta * score(x, y));
      }
      top = std::max(top, logit);
    }
    double sum = 0;
    for (Eigen::Index y = 0; y < reference.cols(); ++y) {
      if (reference(x, y) == 0) continue;
      sum += std::exp(std::log(reference(x, y)) + eta * score(x, y) - top);
    }
    result(x) = top + std::log(sum);
  }
  return result;
}

namespace detail {

/// True when score(x, .) takes one value on the support of reference(x, .).
inline bool constant_on_support(const Eigen::MatrixXd& reference, const Eigen::MatrixXd& score,
                                Eigen::Index x) {
  bool seen = false;
  double first = 0;
  for (Eigen::Index y = 0; y < reference.cols(); ++y) {
    if (reference(x, y) == 0) continue;
    if (!seen) {
      first = score(x, y);
      seen = true;
    } else if (score(x, y) != first) {
      return false;
    }
  }
  return true;
}

}  // namespace detail

/// Computes log pi_g(y|x) = log pi_ref(y|x) + eta g(x, y) - log Z_g(x) by log-sum-exp, so no
/// exponential overflows. Actions with pi_ref(y|x) = 0 get -infinity, and a context whose score
/// is constant on the support of pi_ref gets log pi_ref(.|x) exactly.
/// \param reference X x K reference policy (rows are distributions)
/// \param score X x K finite scores g in reward units; \param eta KL coefficient, > 0
/// \returns X x K matrix of log-probabilities
/// \throws as log_partition. Complexity O(X K).
inline Eigen::MatrixXd gibbs_log_policy(const Eigen::MatrixXd& reference,
                                        const Eigen::MatrixXd& score, double eta) {
  const Eigen::VectorXd log_z = log_partition(reference, score, eta);
  Eigen::MatrixXd result(reference.rows(), reference.cols());
  for (Eigen::Index x = 0; x < reference.rows(); ++x) {
    // A score that is constant on the support gives pi_ref itself; returning log pi_ref keeps that
    // exact instead of off by the rounding of log Z.
    const bool constant = detail::constant_on_support(reference, score, x);
    if (constant) {
      result.row(x) = reference.row(x).array().log();
      continue;
    }
    for (Eigen::Index y = 0; y < reference.cols(); ++y) {
      result(x, y) = reference(x, y) == 0
                         ? -std::numeric_limits<double>::infinity()
                         : std::log(reference(x, y)) + eta * score(x, y) - log_z(x);
    }
  }
  return result;
}

/// Computes the Gibbs policy pi_g(y|x) proportional to pi_ref(y|x) exp(eta g(x, y)).
/// As eta -> 0 it tends to pi_ref; as eta -> infinity it concentrates on the maximisers of g
/// within the support of pi_ref. Adding a per-context constant to g leaves it unchanged, and a
/// context whose score is constant on the support gets the row of pi_ref exactly.
/// \param reference X x K reference policy; \param score X x K finite scores; \param eta > 0
/// \returns X x K policy whose rows sum to one up to rounding
/// \throws as log_partition. Complexity O(X K).
inline Eigen::MatrixXd gibbs_policy(const Eigen::MatrixXd& reference, const Eigen::MatrixXd& score,
                                    double eta) {
  Eigen::MatrixXd result = gibbs_log_policy(reference, score, eta).array().exp().matrix();
  for (Eigen::Index x = 0; x < reference.rows(); ++x) {
    if (detail::constant_on_support(reference, score, x)) result.row(x) = reference.row(x);
  }
  return result;
}

/// Computes the KL-regularised objective
///   J(pi) = sum_x rho(x) [ sum_y pi(y|x) r(x, y) - KL(pi(.|x) || pi_ref(.|x)) / eta ].
/// \param policy X x K policy pi (rows are distributions); \param reference X x K pi_ref
/// \param reward X x K finite mean rewards r; \param rho context distribution, length X
/// \param eta KL coefficient, > 0
/// \returns J(pi); -infinity when pi puts mass where pi_ref has none (the KL is infinite there)
/// \throws std::domain_error for eta <= 0, non-finite rewards, or rows that are not
/// distributions; std::invalid_argument for mismatched shapes. Complexity O(X K).
inline double kl_objective(const Eigen::MatrixXd& policy, const Eigen::MatrixXd& reference,
                           const Eigen::MatrixXd& reward, const Eigen::VectorXd& rho, double eta) {
  constexpr const char* function = "bandit::kl_objective";
  detail::check_eta(eta, function);
  detail::check_policy(reference, function, "reference");
  detail::check_shape(policy, reference.rows(), reference.cols(), function, "policy");
  detail::check_shape(reward, reference.rows(), reference.cols(), function, "reward");
  detail::check_policy(policy, function, "policy");
  detail::check_finite_matrix(reward, function, "reward");
  detail::check_context_distribution(rho, reference.rows(), function);
  long double total = 0;
  for (Eigen::Index x = 0; x < reference.rows(); ++x) {
    long double value = 0;
    long double kl = 0;
    for (Eigen::Index y = 0; y < reference.cols(); ++y) {
      const double p = policy(x, y);
      if (p == 0) continue;
      if (reference(x, y) == 0) return -std::numeric_limits<double>::infinity();
      value += p * reward(x, y);
      kl += p * (std::log(p) - std::log(reference(x, y)));
    }
    total += rho(x) * (value - kl / eta);
  }
  return static_cast<double>(total);
}

/// Computes the optimal value J(pi*) = sum_x rho(x) log Z_r(x) / eta, attained by the Gibbs
/// policy of the true reward.
/// \param reference X x K pi_ref; \param reward X x K finite mean rewards; \param rho context
/// distribution; \param eta > 0. \returns J(pi*)
/// \throws as log_partition, and std::domain_error when rho is not a distribution. O(X K).
inline double optimal_kl_value(const Eigen::MatrixXd& reference, const Eigen::MatrixXd& reward,
                               const Eigen::VectorXd& rho, double eta) {
  const Eigen::VectorXd log_z = log_partition(reference, reward, eta);
  detail::check_context_distribution(rho, reference.rows(), "bandit::optimal_kl_value");
  long double total = 0;
  for (Eigen::Index x = 0; x < reference.rows(); ++x) total += rho(x) * log_z(x);
  return static_cast<double>(total / eta);
}

namespace detail {

/// phi(t) = t e^t - (e^t - 1) >= 0, the Bregman term of KL for the ratio e^t; the power series
/// sum_{k>=2} (k - 1) t^k / k! is used for |t| <= 0.1, where the closed form cancels.
inline double kl_bregman_term(double t) {
  if (t == -std::numeric_limits<double>::infinity()) return 1.0;
  if (std::abs(t) <= 0.1) {
    double power = t * t;
    double factorial = 2;
    double sum = 0;
    for (int k = 2; k <= 16; ++k) {
      if (k > 2) {
        power *= t;
        factorial *= k;
      }
      sum += (k - 1) * power / factorial;
    }
    return sum;
  }
  return t * std::exp(t) - std::expm1(t);
}

/// KL(p || q) of one context from log p and log q as sum_y q(y) phi(log p(y) - log q(y)).
/// Every term is non-negative, so the sum has no cancellation; it equals sum_y p log(p / q) when
/// both rows sum to one. Returns +infinity when p(y) > 0 where q(y) = 0.
inline double kl_from_logs(const Eigen::Ref<const Eigen::RowVectorXd>& log_p,
                           const Eigen::Ref<const Eigen::RowVectorXd>& log_q) {
  long double sum = 0;
  constexpr double minus_infinity = -std::numeric_limits<double>::infinity();
  for (Eigen::Index y = 0; y < log_p.size(); ++y) {
    if (log_q(y) == minus_infinity) {
      if (log_p(y) != minus_infinity) return std::numeric_limits<double>::infinity();
      continue;
    }
    const double t = log_p(y) - log_q(y);
    if (std::abs(t) <= 0.1 || t == minus_infinity) {
      sum += std::exp(log_q(y)) * kl_bregman_term(t);
    } else {
      // q phi(t) = p t - p + q with p = q e^t, written without e^t so a large t cannot overflow.
      const double p = std::exp(log_p(y));
      const double q = std::exp(log_q(y));
      sum += p * t - p + q;
    }
  }
  return std::max(0.0, static_cast<double>(sum));
}

}  // namespace detail

/// Computes SubOpt(pi) = J(pi*) - J(pi) from log pi through the exact identity
///   SubOpt(pi) = sum_x rho(x) KL(pi(.|x) || pi*(.|x)) / eta,
/// with log pi* from gibbs_log_policy and each KL summed as non-negative Bregman terms
/// q phi(log p - log q), phi(t) = t e^t - e^t + 1, so no two nearly equal numbers are subtracted.
/// Passing the log-policy returned by gibbs_log_policy for the true reward gives exactly 0.
/// \param log_policy X x K matrix of log pi(y|x) (-infinity for zero probability); the rows of
/// exp(log_policy) must be distributions
/// \param reference X x K pi_ref; \param reward X x K finite true mean rewards r*
/// \param rho context distribution; \param eta > 0
/// \returns SubOpt(pi) >= 0; +infinity when pi leaves the support of pi_ref
/// \throws std::domain_error for eta <= 0, non-finite rewards, rows that are not distributions, or
/// a log-probability that is NaN or +infinity; std::invalid_argument for mismatched shapes.
/// Complexity O(X K).
/// Source: the identity follows from log pi* = log pi_ref + eta r* - log Z (arXiv 2502.06051).
inline double kl_suboptimality_from_log(const Eigen::MatrixXd& log_policy,
                                        const Eigen::MatrixXd& reference,
                                        const Eigen::MatrixXd& reward, const Eigen::VectorXd& rho,
                                        double eta) {
  constexpr const char* function = "bandit::kl_suboptimality";
  detail::check_shape(log_policy, reference.rows(), reference.cols(), function, "log_policy");
  for (Eigen::Index x = 0; x < log_policy.rows(); ++x) {
    for (Eigen::Index y = 0; y < log_policy.cols(); ++y) {
      if (std::isnan(log_policy(x, y)) || log_policy(x, y) > 0) {
        throw_domain_error(function, detail::cell_name("log_policy", x, y),
                           "a log-probability (<= 0)", log_policy(x, y));
      }
    }
  }
  detail::check_policy(log_policy.array().exp().matrix(), function, "policy");
  detail::check_context_distribution(rho, reference.rows(), function);
  const Eigen::MatrixXd log_optimal = gibbs_log_policy(reference, reward, eta);
  long double total = 0;
  for (Eigen::Index x = 0; x < reference.rows(); ++x) {
    if (rho(x) == 0) continue;
    total += rho(x) * detail::kl_from_logs(log_policy.row(x), log_optimal.row(x));
  }
  return static_cast<double>(total / eta);
}

/// Computes SubOpt(pi) = J(pi*) - J(pi) = sum_x rho(x) KL(pi(.|x) || pi*(.|x)) / eta from the
/// policy's probabilities (see kl_suboptimality_from_log for the evaluation).
/// \param policy X x K policy pi (rows are distributions); \param reference X x K pi_ref
/// \param reward X x K finite true mean rewards r*; \param rho context distribution; \param eta > 0
/// \returns SubOpt(pi) >= 0 (about 1e-32 for pi = pi* after the exp/log round trip); +infinity
/// when pi leaves the support of pi_ref
/// \throws as kl_objective. Complexity O(X K).
inline double kl_suboptimality(const Eigen::MatrixXd& policy, const Eigen::MatrixXd& reference,
                               const Eigen::MatrixXd& reward, const Eigen::VectorXd& rho,
                               double eta) {
  detail::check_shape(policy, reference.rows(), reference.cols(), "bandit::kl_suboptimality",
                      "policy");
  detail::check_policy(policy, "bandit::kl_suboptimality", "policy");
  return kl_suboptimality_from_log(policy.array().log().matrix(), reference, reward, rho, eta);
}

}  // namespace banditry::bandit

// Chi-square-regularised contextual bandits (f-CB with f(t) = (t - 1)^2 / 2).
//
// The objective is J_f(pi) = E_x[<pi, r> - D_chi2(pi || pi_ref) / eta] with
// D_chi2(p || q) = (1/2) sum_y (p - q)^2 / q. Its maximiser for a score vector g is
//   pi(y) = pi_ref(y) max{0, 1 + eta (g(y) - mu)},
// with the multiplier mu chosen so that sum_y pi(y) = 1. f-CB plugs the least-squares reward into
// this closed form without any bonus; because J_f is strongly concave in the pi_ref-weighted norm,
// its sample complexity has no coverage term.
// Source: "Towards a Sharp Analysis of Offline Policy Learning for f-Divergence-Regularized
// Contextual Bandits", arXiv 2502.06051 (f-CB).
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>

#include "banditry/bandit/validation.hpp"
#include "banditry/core/error.hpp"

namespace banditry::bandit {

/// Outcome of an iterative solver.
enum class solver_status {
  converged,        ///< the stopping rule was met
  iteration_limit,  ///< the iteration limit was reached first; the result is the last iterate
};

inline const char* to_string(solver_status status) {
  return status == solver_status::converged ? "converged" : "iteration_limit";
}

/// Chi-square-regularised policy of one context with its multiplier.
struct chi_square_row {
  Eigen::RowVectorXd policy;  ///< pi(y), normalised to sum one
  double multiplier = 0;      ///< mu
  solver_status status = solver_status::converged;
  int iterations = 0;  ///< bisection steps taken
};

/// Chi-square-regularised policy of every context.
struct chi_square_solution {
  Eigen::MatrixXd policy;                           ///< X x K policy
  Eigen::VectorXd multiplier;                       ///< mu(x)
  solver_status status = solver_status::converged;  ///< iteration_limit if any context hit it
  int max_iterations_used = 0;                      ///< the largest bisection count over contexts
};

/// Computes the maximiser of <pi, g> - D_chi2(pi || pi_ref) / eta over distributions for one
/// context: pi(y) = pi_ref(y) max{0, 1 + eta (g(y) - mu)}. The multiplier mu solves
/// h(mu) = sum_y pi_ref(y) max{0, 1 + eta (g(y) - mu)} - 1 = 0 by bisection on
/// [E_{pi_ref} g, max_{y: pi_ref(y) > 0} g], where h is non-increasing with h(lo) >= 0 >= h(hi);
/// it stops when hi - lo <= 1e-15 max(1, |hi|), and the policy is divided by its sum at the end.
/// For f(t) = alpha (t - 1)^2 / 2 pass eta / alpha.
/// \param reference pi_ref(.|x), a distribution (zeros allowed; those actions get 0)
/// \param score finite g(x, .) in reward units; \param eta > 0
/// \param max_iterations bisection limit (>= 1); reaching it gives status iteration_limit
/// \returns the policy, mu, status and iteration count
/// \throws std::domain_error for eta <= 0, a non-finite score or a reference that is not a
/// distribution; std::invalid_argument for mismatched sizes. Complexity O(K * iterations).
inline chi_square_row chi_square_policy_row(const Eigen::RowVectorXd& reference,
                                            const Eigen::RowVectorXd& score, double eta,
                                            int max_iterations = 200) {
  constexpr const char* function = "bandit::chi_square_policy_row";
  detail::check_eta(eta, function);
  detail::check_policy(Eigen::MatrixXd(reference), function, "reference");
  require_same_size(static_cast<std::size_t>(score.size()),
                    static_cast<std::size_t>(reference.size()), function, "score", "reference");
  detail::check_finite_matrix(Eigen::MatrixXd(score), function, "score");
  require(max_iterations >= 1, function, "max_iterations", "at least 1", max_iterations);
  const Eigen::Index k = reference.size();
  auto excess = [&](double mu) {
    long double sum = 0;
    for (Eigen::Index y = 0; y < k; ++y) {
      sum += reference(y) * std::max(0.0, 1 + eta * (score(y) - mu));
    }
    return static_cast<double>(sum - 1);
  };
  double lo = 0;
  double hi = -std::numeric_limits<double>::infinity();
  for (Eigen::Index y = 0; y < k; ++y) {
    lo += reference(y) * score(y);
    if (reference(y) > 0) hi = std::max(hi, score(y));
  }
  lo = std::min(lo, hi);  // rounding can put the mean a hair above the maximum
  chi_square_row result;
  result.status = solver_status::iteration_limit;
  for (int iteration = 0; iteration < max_iterations; ++iteration) {
    if (hi - lo <= 1e-15 * std::max(1.0, std::abs(hi))) {
      result.status = solver_status::converged;
      break;
    }
    const double mu = lo + (hi - lo) / 2;
    if (excess(mu) > 0) {
      lo = mu;
    } else {
      hi = mu;
    }
    result.iterations = iteration + 1;
  }
  if (result.status != solver_status::converged && hi - lo <= 1e-15 * std::max(1.0, std::abs(hi))) {
    result.status = solver_status::converged;
  }
  result.multiplier = lo + (hi - lo) / 2;
  result.policy.resize(k);
  long double total = 0;
  for (Eigen::Index y = 0; y < k; ++y) {
    result.policy(y) = reference(y) * std::max(0.0, 1 + eta * (score(y) - result.multiplier));
    total += result.policy(y);
  }
  result.policy /= static_cast<double>(total);
  return result;
}

/// Computes the chi-square-regularised policy of every context (f-CB output when `score` is the
/// least-squares reward).
/// \param reference X x K pi_ref; \param score X x K finite scores; \param eta > 0
/// \param max_iterations bisection limit per context (>= 1); reaching it gives status
///   iteration_limit
/// \returns the policy, multipliers and the worst status over contexts
/// \throws as chi_square_policy_row; std::invalid_argument for mismatched shapes.
/// Complexity O(X K * iterations).
inline chi_square_solution chi_square_policy(const Eigen::MatrixXd& reference,
                                             const Eigen::MatrixXd& score, double eta,
                                             int max_iterations = 200) {
  detail::check_shape(score, reference.rows(), reference.cols(), "bandit::chi_square_policy",
                      "score");
  chi_square_solution solution{Eigen::MatrixXd(reference.rows(), reference.cols()),
                               Eigen::VectorXd(reference.rows())};
  for (Eigen::Index x = 0; x < reference.rows(); ++x) {
    const chi_square_row row =
        chi_square_policy_row(reference.row(x), score.row(x), eta, max_iterations);
    solution.policy.row(x) = row.policy;
    solution.multiplier(x) = row.multiplier;
    solution.max_iterations_used = std::max(solution.max_iterations_used, row.iterations);
    if (row.status != solver_status::converged) solution.status = row.status;
  }
  return solution;
}

/// Computes D_chi2(p || q) = (1/2) sum_y (p(y) - q(y))^2 / q(y); +infinity when p(y) > 0 = q(y).
/// \throws std::domain_error when p or q is not a distribution; std::invalid_argument for
/// mismatched sizes. Complexity O(K).
inline double chi_square_divergence(const Eigen::RowVectorXd& p, const Eigen::RowVectorXd& q) {
  constexpr const char* function = "bandit::chi_square_divergence";
  detail::check_policy(Eigen::MatrixXd(p), function, "p");
  detail::check_policy(Eigen::MatrixXd(q), function, "q");
  require_same_size(static_cast<std::size_t>(q.size()), static_cast<std::size_t>(p.size()),
                    function, "q", "p");
  long double sum = 0;
  for (Eigen::Index y = 0; y < p.size(); ++y) {
    if (q(y) == 0) {
      if (p(y) > 0) return std::numeric_limits<double>::infinity();
      continue;
    }
    sum += (p(y) - q(y)) * (p(y) - q(y)) / q(y);
  }
  return static_cast<double>(sum / 2);
}

/// Computes J_f(pi) = sum_x rho(x) [<pi(.|x), r(x, .)> - D_chi2(pi(.|x) || pi_ref(.|x)) / eta].
/// \returns J_f(pi); -infinity when pi leaves the support of pi_ref
/// \throws as kl_objective. Complexity O(X K).
inline double chi_square_objective(const Eigen::MatrixXd& policy, const Eigen::MatrixXd& reference,
                                   const Eigen::MatrixXd& reward, const Eigen::VectorXd& rho,
                                   double eta) {
  constexpr const char* function = "bandit::chi_square_objective";
  detail::check_eta(eta, function);
  detail::check_policy(reference, function, "reference");
  detail::check_shape(policy, reference.rows(), reference.cols(), function, "policy");
  detail::check_shape(reward, reference.rows(), reference.cols(), function, "reward");
  detail::check_finite_matrix(reward, function, "reward");
  detail::check_context_distribution(rho, reference.rows(), function);
  long double total = 0;
  for (Eigen::Index x = 0; x < reference.rows(); ++x) {
    const double divergence = chi_square_divergence(policy.row(x), reference.row(x));
    if (std::isinf(divergence)) return -std::numeric_limits<double>::infinity();
    total += rho(x) * (policy.row(x).dot(reward.row(x)) - divergence / eta);
  }
  return static_cast<double>(total);
}

/// Chi-square sub-optimality with the status of the solver used for pi*_f.
struct chi_square_gap {
  double value = 0;  ///< J_f(pi*_f) - J_f(pi) >= 0
  solver_status status = solver_status::converged;
};

/// Computes J_f(pi*_f) - J_f(pi) through the exact identity, per context,
///   (1 / (2 eta)) sum_y (pi - pi*_f)^2 / pi_ref + sum_{y: pi*_f(y) = 0} pi(y) (mu* - r(y) -
///   1/eta),
/// where pi*_f and mu* come from chi_square_policy_row with g = r. Both terms are non-negative, so
/// no two nearly equal objective values are subtracted.
/// \param policy X x K policy; \param reference X x K pi_ref; \param reward X x K true r*
/// \param rho context distribution; \param eta > 0
/// \returns the gap (+infinity when pi leaves the support of pi_ref) and the solver status
/// \throws as chi_square_objective. Complexity O(X K * 200).
inline chi_square_gap chi_square_suboptimality(const Eigen::MatrixXd& policy,
                                               const Eigen::MatrixXd& reference,
                                               const Eigen::MatrixXd& reward,
                                               const Eigen::VectorXd& rho, double eta) {
  constexpr const char* function = "bandit::chi_square_suboptimality";
  detail::check_eta(eta, function);
  detail::check_policy(reference, function, "reference");
  detail::check_shape(policy, reference.rows(), reference.cols(), function, "policy");
  detail::check_policy(policy, function, "policy");
  detail::check_context_distribution(rho, reference.rows(), function);
  const chi_square_solution optimum = chi_square_policy(reference, reward, eta);
  chi_square_gap gap;
  gap.status = optimum.status;
  long double total = 0;
  for (Eigen::Index x = 0; x < reference.rows(); ++x) {
    if (rho(x) == 0) continue;
    long double quadratic = 0;
    long double boundary = 0;
    for (Eigen::Index y = 0; y < reference.cols(); ++y) {
      if (reference(x, y) == 0) {
        if (policy(x, y) > 0) {
          gap.value = std::numeric_limits<double>::infinity();
          return gap;
        }
        continue;
      }
      const double difference = policy(x, y) - optimum.policy(x, y);
      quadratic += difference * difference / reference(x, y);
      if (optimum.policy(x, y) == 0) {
        boundary += policy(x, y) * std::max(0.0, optimum.multiplier(x) - reward(x, y) - 1 / eta);
      }
    }
    total += rho(x) * (quadratic / (2 * eta) + boundary);
  }
  gap.value = static_cast<double>(total);
  return gap;
}

}  // namespace banditry::bandit

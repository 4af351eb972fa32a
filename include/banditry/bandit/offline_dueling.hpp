// Offline KL-regularised learning from logged preference pairs (Bradley-Terry), with pessimism.
//
// Data: pairs (x, y1, y2, o) with y1, y2 drawn independently from pi_ref(.|x) and
// o ~ Bernoulli(sigmoid(r*(x, y1) - r*(x, y2))). Preferences identify r* only up to a per-context
// shift, and the Gibbs policy ignores such shifts, so the bonus uses centred features
// phi(x, y) - E_{y'~pi_ref(.|x)} phi(x, y').
//
// Design (ours; the analysis of arXiv 2502.06051 states that KL-PCB extends to contextual dueling
// bandits but gives no algorithm): theta_bar is the ridge logistic maximum-likelihood estimate on
// the differences z = phi(x, y1) - phi(x, y2); Lambda_z = lambda I + sum z z^T;
// Gamma(x, y) = beta_pref ||phi(x, y) - phi_bar_ref(x)||_{Lambda_z^{-1}} with
// beta_pref = sqrt(d log((1 + n / (d lambda)) / delta)) / kappa and
// kappa = sigmoid'(max reward gap); r_hat = theta_bar^T phi - Gamma (no clipping: preference
// rewards have no absolute level); the output is pi_hat proportional to pi_ref exp(eta r_hat).
// The centred coverage coefficient follows "Sharp Analysis for KL-Regularized Contextual Bandits
// and RLHF", arXiv 2411.04625.
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <optional>

#include "banditry/bandit/chi_square.hpp"
#include "banditry/bandit/features.hpp"
#include "banditry/bandit/generators.hpp"
#include "banditry/bandit/gibbs.hpp"
#include "banditry/bandit/kl_pcb.hpp"
#include "banditry/bandit/validation.hpp"
#include "banditry/core/error.hpp"
#include "banditry/core/numerics.hpp"

namespace banditry::bandit {

/// Aggregated preference data: cell c has difference vector z_c, N_c comparisons and W_c wins of
/// the first action.
struct preference_statistics {
  Eigen::MatrixXd differences;  ///< cells x d, row c is z_c
  Eigen::VectorXd comparisons;  ///< N_c >= 0
  Eigen::VectorXd wins;         ///< W_c in [0, N_c]
};

/// Result of the ridge logistic maximum-likelihood fit.
struct logistic_fit {
  Eigen::VectorXd theta;
  solver_status status = solver_status::converged;
  int iterations = 0;
  double gradient_norm = 0;  ///< ||grad L(theta)||_2 at the returned theta
};

/// Aggregates ordered-triple counts into preference statistics with z = phi(x, y1) - phi(x, y2).
/// \throws std::invalid_argument when sizes do not match the feature table. O(X K^2 d).
inline preference_statistics preference_statistics_from_counts(const feature_table& features,
                                                               const preference_counts& counts) {
  constexpr const char* function = "bandit::preference_statistics_from_counts";
  detail::check_features(features, counts.contexts, counts.actions, function);
  const auto cells = static_cast<std::size_t>(counts.contexts * counts.actions * counts.actions);
  require_same_size(counts.comparisons.size(), cells, function, "comparisons",
                    "contexts * actions^2");
  require_same_size(counts.wins.size(), cells, function, "wins", "contexts * actions^2");
  preference_statistics stats{
      Eigen::MatrixXd(static_cast<Eigen::Index>(cells), features.dimension()),
      Eigen::VectorXd(static_cast<Eigen::Index>(cells)),
      Eigen::VectorXd(static_cast<Eigen::Index>(cells))};
  for (Eigen::Index x = 0; x < counts.contexts; ++x) {
    for (Eigen::Index a = 0; a < counts.actions; ++a) {
      for (Eigen::Index b = 0; b < counts.actions; ++b) {
        const Eigen::Index c = (x * counts.actions + a) * counts.actions + b;
        stats.differences.row(c) = features.row(x, a) - features.row(x, b);
        stats.comparisons(c) = counts.comparisons[static_cast<std::size_t>(c)];
        stats.wins(c) = counts.wins[static_cast<std::size_t>(c)];
      }
    }
  }
  return stats;
}

namespace detail {

inline void check_preferences(const preference_statistics& stats, std::string_view function) {
  const Eigen::Index cells = stats.differences.rows();
  require_same_size(static_cast<std::size_t>(stats.comparisons.size()),
                    static_cast<std::size_t>(cells), function, "comparisons", "differences rows");
  require_same_size(static_cast<std::size_t>(stats.wins.size()), static_cast<std::size_t>(cells),
                    function, "wins", "differences rows");
  require_nonempty(static_cast<std::size_t>(stats.differences.cols()), function,
                   "feature dimension");
  if (!stats.differences.allFinite()) {
    throw_domain_error(function, "differences", "all finite", "a non-finite entry");
  }
  for (Eigen::Index c = 0; c < cells; ++c) {
    const double n = stats.comparisons(c);
    const double w = stats.wins(c);
    if (!(n >= 0) || !std::isfinite(n)) {
      throw_invalid_argument(function, "comparisons[" + std::to_string(c) + "]", "finite and >= 0",
                             n);
    }
    if (!(w >= 0 && w <= n)) {
      throw_invalid_argument(function, "wins[" + std::to_string(c) + "]",
                             "in [0, comparisons] = [0, " + banditry::detail::format_value(n) + "]",
                             w);
    }
  }
}

inline double logistic_loss(const preference_statistics& stats, const Eigen::VectorXd& theta,
                            double ridge) {
  const Eigen::VectorXd margins = stats.differences * theta;
  long double loss = 0.5L * ridge * theta.squaredNorm();
  for (Eigen::Index c = 0; c < margins.size(); ++c) {
    if (stats.comparisons(c) == 0) continue;
    loss += stats.comparisons(c) * softplus(margins(c)) - stats.wins(c) * margins(c);
  }
  return static_cast<double>(loss);
}

}  // namespace detail

/// Fits the ridge-regularised Bradley-Terry (logistic) maximum-likelihood estimate
///   argmin_theta sum_c [N_c softplus(theta^T z_c) - W_c theta^T z_c] + (ridge / 2) ||theta||^2
/// by Newton's method with Armijo backtracking: solve H s = g by Cholesky; halve tau from 1 while
/// L(theta - tau s) > L(theta) - 1e-4 tau g^T s (at most 30 halvings); stop when
/// ||tau s||_inf <= 1e-10 (status converged) or after `max_iterations` steps (iteration_limit).
/// \param stats aggregated differences, comparisons and wins; \param ridge lambda > 0
/// \param start initial theta (zero when empty: a warm start passes the previous estimate)
/// \param max_iterations Newton step limit (default 50)
/// \returns theta, status, iterations and the final gradient norm
/// \throws std::domain_error for ridge <= 0 or non-finite input; std::invalid_argument for
/// mismatched sizes or wins outside [0, N]. Complexity O(iterations (C d^2 + d^3)).
inline logistic_fit bradley_terry_mle(const preference_statistics& stats, double ridge,
                                      const Eigen::VectorXd& start = Eigen::VectorXd(),
                                      int max_iterations = 50) {
  constexpr const char* function = "bandit::bradley_terry_mle";
  detail::check_preferences(stats, function);
  if (!(ridge > 0) || !std::isfinite(ridge)) {
    throw_domain_error(function, "ridge", "finite and > 0", ridge);
  }
  require(max_iterations >= 1, function, "max_iterations", "at least 1", max_iterations);
  const Eigen::Index d = stats.differences.cols();
  logistic_fit fit;
  if (start.size() == 0) {
    fit.theta = Eigen::VectorXd::Zero(d);
  } else {
    require_same_size(static_cast<std::size_t>(start.size()), static_cast<std::size_t>(d), function,
                      "start", "feature dimension");
    if (!start.allFinite())
      throw_domain_error(function, "start", "all finite", "a non-finite entry");
    fit.theta = start;
  }
  auto gradient_and_hessian = [&](const Eigen::VectorXd& theta, Eigen::VectorXd& gradient,
                                  Eigen::MatrixXd& hessian) {
    gradient = ridge * theta;
    hessian = ridge * Eigen::MatrixXd::Identity(d, d);
    const Eigen::VectorXd margins = stats.differences * theta;
    for (Eigen::Index c = 0; c < margins.size(); ++c) {
      const double n = stats.comparisons(c);
      if (n == 0) continue;
      const double p = sigmoid(margins(c));
      const Eigen::VectorXd z = stats.differences.row(c).transpose();
      gradient.noalias() += (n * p - stats.wins(c)) * z;
      hessian.noalias() += n * p * (1 - p) * z * z.transpose();
    }
  };
  Eigen::VectorXd gradient;
  Eigen::MatrixXd hessian;
  fit.status = solver_status::iteration_limit;
  for (int iteration = 0; iteration < max_iterations; ++iteration) {
    gradient_and_hessian(fit.theta, gradient, hessian);
    const Eigen::VectorXd step = hessian.llt().solve(gradient);
    const double loss = detail::logistic_loss(stats, fit.theta, ridge);
    const double decrease = gradient.dot(step);
    double tau = 1;
    for (int halving = 0; halving < 30; ++halving) {
      if (detail::logistic_loss(stats, fit.theta - tau * step, ridge) <=
          loss - 1e-4 * tau * decrease) {
        break;
      }
      tau /= 2;
    }
    fit.theta -= tau * step;
    fit.iterations = iteration + 1;
    if ((tau * step).lpNorm<Eigen::Infinity>() <= 1e-10) {
      fit.status = solver_status::converged;
      break;
    }
  }
  gradient_and_hessian(fit.theta, gradient, hessian);
  fit.gradient_norm = gradient.norm();
  return fit;
}

/// Parameters of the pessimistic preference learner.
struct preference_pcb_options {
  double lambda = 1.0;           ///< ridge of the MLE and of Lambda_z, > 0
  double delta = 0.1;            ///< failure probability in (0, 1)
  double max_reward_gap = 1.0;   ///< Delta_max >= |r*(x, y) - r*(x, y')|; sets kappa
  std::optional<double> radius;  ///< overrides beta_pref when set; 0 gives the plug-in
};

/// Computes beta_pref = sqrt(d log((1 + n / (d lambda)) / delta)) / kappa with
/// kappa = sigmoid'(Delta_max) = sigmoid(Delta_max) (1 - sigmoid(Delta_max)) (0.196612 for
/// Delta_max = 1).
/// \throws std::domain_error for lambda <= 0, delta outside (0, 1), n < 0 or Delta_max < 0. O(1).
inline double preference_confidence_radius(Eigen::Index dimension, double samples,
                                           const preference_pcb_options& options = {}) {
  constexpr const char* function = "bandit::preference_confidence_radius";
  require(dimension >= 1, function, "dimension", "at least 1", dimension);
  if (!(options.lambda > 0) || !std::isfinite(options.lambda)) {
    throw_domain_error(function, "lambda", "finite and > 0", options.lambda);
  }
  detail::check_delta(options.delta, function);
  if (!(samples >= 0) || !std::isfinite(samples)) {
    throw_domain_error(function, "samples", "finite and >= 0", samples);
  }
  if (!(options.max_reward_gap >= 0) || !std::isfinite(options.max_reward_gap)) {
    throw_domain_error(function, "max_reward_gap", "finite and >= 0", options.max_reward_gap);
  }
  const double s = sigmoid(options.max_reward_gap);
  const double kappa = s * (1 - s);
  const double d = static_cast<double>(dimension);
  return std::sqrt(d * std::log((1 + samples / (d * options.lambda)) / options.delta)) / kappa;
}

/// Output of the pessimistic preference learner.
struct preference_pcb_result {
  Eigen::MatrixXd policy;    ///< X x K policy pi_hat
  reward_estimate estimate;  ///< r_bar = theta^T phi, centred bonus, r_hat = r_bar - Gamma
  logistic_fit fit;          ///< the MLE and its solver status
  double radius = 0;         ///< beta_pref used
};

/// Learns pi_hat proportional to pi_ref exp(eta (theta_bar^T phi - Gamma)) from aggregated
/// preference data (the design is described in the file comment).
/// \param reference X x K pi_ref; \param features feature table (one-hot for the tabular class)
/// \param stats aggregated preference data logged under pi_ref; \param eta > 0
/// \param options ridge, delta, reward gap bound and optional radius
/// \returns the policy, reward estimates, MLE fit and radius; a fit that hit its iteration limit
/// is reported in fit.status, not thrown
/// \throws as bradley_terry_mle, preference_confidence_radius and gibbs_policy.
/// Complexity O(C d^2 + X K d^2 + d^3) per Newton step.
inline preference_pcb_result kl_pcb_preference_policy(const Eigen::MatrixXd& reference,
                                                      const feature_table& features,
                                                      const preference_statistics& stats,
                                                      double eta,
                                                      const preference_pcb_options& options = {}) {
  constexpr const char* function = "bandit::kl_pcb_preference_policy";
  detail::check_eta(eta, function);
  detail::check_policy(reference, function, "reference");
  detail::check_features(features, reference.rows(), reference.cols(), function);
  detail::check_preferences(stats, function);
  require_same_size(static_cast<std::size_t>(stats.differences.cols()),
                    static_cast<std::size_t>(features.dimension()), function, "differences columns",
                    "feature dimension");
  preference_pcb_result result;
  result.fit = bradley_terry_mle(stats, options.lambda);
  const double samples = stats.comparisons.sum();
  if (options.radius) {
    if (!(*options.radius >= 0) || !std::isfinite(*options.radius)) {
      throw_domain_error(function, "radius", "finite and >= 0", *options.radius);
    }
    result.radius = *options.radius;
  } else {
    result.radius = preference_confidence_radius(features.dimension(), samples, options);
  }
  const Eigen::Index d = features.dimension();
  Eigen::MatrixXd lambda_z = options.lambda * Eigen::MatrixXd::Identity(d, d);
  for (Eigen::Index c = 0; c < stats.differences.rows(); ++c) {
    if (stats.comparisons(c) == 0) continue;
    const Eigen::VectorXd z = stats.differences.row(c).transpose();
    lambda_z.noalias() += stats.comparisons(c) * z * z.transpose();
  }
  const Eigen::LLT<Eigen::MatrixXd> factor(lambda_z);
  const Eigen::Index rows = reference.rows();
  const Eigen::Index cols = reference.cols();
  result.estimate = {Eigen::MatrixXd(rows, cols), Eigen::MatrixXd(rows, cols),
                     Eigen::MatrixXd(rows, cols)};
  for (Eigen::Index x = 0; x < rows; ++x) {
    Eigen::RowVectorXd centre = Eigen::RowVectorXd::Zero(d);
    for (Eigen::Index y = 0; y < cols; ++y) centre += reference(x, y) * features.row(x, y);
    for (Eigen::Index y = 0; y < cols; ++y) {
      const Eigen::VectorXd centred = (features.row(x, y) - centre).transpose();
      const double mean = features.row(x, y).dot(result.fit.theta);
      const double bonus =
          result.radius * std::sqrt(std::max(0.0, centred.dot(factor.solve(centred))));
      result.estimate.mean_reward(x, y) = mean;
      result.estimate.bonus(x, y) = bonus;
      result.estimate.pessimistic_reward(x, y) = mean - bonus;
    }
  }
  result.policy = gibbs_policy(reference, result.estimate.pessimistic_reward, eta);
  return result;
}

/// Computes the centred single-policy coverage of a linear class,
///   D^2_pref(pi) = E_{(x,y)~rho x pi} ||phi(x, y) - phi_bar_ref(x)||^2_{Sigma_c^+},
/// with Sigma_c = E_{x~rho} Cov_{y~pi_ref(.|x)}[phi] and ^+ its pseudo-inverse (eigenvalues below
/// 1e-12 times the largest are treated as zero; Sigma_c is singular for one-hot features because
/// a per-context shift is invisible). Pass `reference` as `policy` for the reference average.
/// \returns D^2_pref(pi) >= 0
/// \throws std::domain_error when Sigma_c is zero (all features equal within every context), and
/// as feature_second_moment. Complexity O(X K d^2 + d^3).
/// Source: the centred coverage of arXiv 2411.04625.
inline double preference_d2(const feature_table& features, const Eigen::MatrixXd& policy,
                            const Eigen::MatrixXd& reference, const Eigen::VectorXd& rho) {
  constexpr const char* function = "bandit::preference_d2";
  detail::check_policy(reference, function, "reference");
  detail::check_shape(policy, reference.rows(), reference.cols(), function, "policy");
  detail::check_policy(policy, function, "policy");
  detail::check_features(features, reference.rows(), reference.cols(), function);
  detail::check_context_distribution(rho, reference.rows(), function);
  const Eigen::Index d = features.dimension();
  std::vector<Eigen::RowVectorXd> centres(static_cast<std::size_t>(reference.rows()));
  Eigen::MatrixXd sigma = Eigen::MatrixXd::Zero(d, d);
  for (Eigen::Index x = 0; x < reference.rows(); ++x) {
    Eigen::RowVectorXd centre = Eigen::RowVectorXd::Zero(d);
    for (Eigen::Index y = 0; y < reference.cols(); ++y)
      centre += reference(x, y) * features.row(x, y);
    centres[static_cast<std::size_t>(x)] = centre;
    for (Eigen::Index y = 0; y < reference.cols(); ++y) {
      const Eigen::VectorXd centred = (features.row(x, y) - centre).transpose();
      sigma.noalias() += rho(x) * reference(x, y) * centred * centred.transpose();
    }
  }
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(sigma);
  const double top = eigen.eigenvalues().maxCoeff();
  if (!(top > 0)) {
    throw_domain_error(function, "E_rho Cov_{pi_ref}[phi]",
                       "non-zero (features must vary within a context)", top);
  }
  Eigen::VectorXd inverse_values = eigen.eigenvalues();
  for (Eigen::Index i = 0; i < d; ++i) {
    inverse_values(i) = inverse_values(i) > 1e-12 * top ? 1 / inverse_values(i) : 0.0;
  }
  const Eigen::MatrixXd pseudo_inverse =
      eigen.eigenvectors() * inverse_values.asDiagonal() * eigen.eigenvectors().transpose();
  long double total = 0;
  for (Eigen::Index x = 0; x < reference.rows(); ++x) {
    for (Eigen::Index y = 0; y < reference.cols(); ++y) {
      const double weight = rho(x) * policy(x, y);
      if (weight == 0) continue;
      const Eigen::VectorXd centred =
          (features.row(x, y) - centres[static_cast<std::size_t>(x)]).transpose();
      total += weight * centred.dot(pseudo_inverse * centred);
    }
  }
  return static_cast<double>(total);
}

}  // namespace banditry::bandit

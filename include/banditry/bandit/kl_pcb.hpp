// KL-PCB: offline KL-regularised contextual bandit learning with pessimism, tabular and linear.
//
// Steps: least squares gives r_bar; a bonus Gamma(x, y) bounds |r_bar - r*| with probability
// 1 - delta; the pessimistic reward r_hat = clip(r_bar - Gamma, 0, 1) lies below r* on that event;
// the output is the Gibbs policy pi_hat(y|x) proportional to pi_ref(y|x) exp(eta r_hat(x, y)).
// Pessimism makes the error E_{rho x pi*}[(r_hat - r*)^2] the one that matters, so the rate
// depends on the coverage of pi*'s actions only (single-policy coverage). The plug-in baseline
// is the same procedure with Gamma = 0. Rewards are assumed to lie in [0, 1].
// Source: "Towards a Sharp Analysis of Offline Policy Learning for f-Divergence-Regularized
// Contextual Bandits", arXiv 2502.06051 (algorithm KL-PCB).
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "banditry/bandit/features.hpp"
#include "banditry/bandit/gibbs.hpp"
#include "banditry/bandit/validation.hpp"
#include "banditry/core/error.hpp"

namespace banditry::bandit {

/// Sufficient statistics of tabular logged data: counts N(x, y) and reward sums S(x, y).
struct tabular_statistics {
  Eigen::MatrixXd counts;       ///< X x K numbers of samples per cell, >= 0
  Eigen::MatrixXd reward_sums;  ///< X x K sums of observed rewards per cell (0 where N = 0)
};

/// Reward estimates of one fit: least squares r_bar, bonus Gamma and pessimistic r_hat.
struct reward_estimate {
  Eigen::MatrixXd mean_reward;         ///< r_bar (tabular: clipped to [0, 1]; linear: theta^T phi)
  Eigen::MatrixXd bonus;               ///< Gamma; +infinity on unseen tabular cells
  Eigen::MatrixXd pessimistic_reward;  ///< r_hat = clip(r_bar - Gamma, 0, 1); 0 on unseen cells
};

/// Parameters of tabular KL-PCB: Gamma(x, y) = bonus_scale * sqrt(2 L / N(x, y)) with
/// L = log(2 X K / delta).
struct tabular_pcb_options {
  double bonus_scale = 1.0;  ///< c_b >= 0; 0 gives the plug-in estimate
  double delta = 0.1;        ///< failure probability in (0, 1)
};

namespace detail {

inline void check_statistics(const tabular_statistics& data, std::string_view function) {
  check_finite_matrix(data.counts, function, "counts");
  check_shape(data.reward_sums, data.counts.rows(), data.counts.cols(), function, "reward_sums");
  check_finite_matrix(data.reward_sums, function, "reward_sums");
  for (Eigen::Index x = 0; x < data.counts.rows(); ++x) {
    for (Eigen::Index y = 0; y < data.counts.cols(); ++y) {
      if (data.counts(x, y) < 0) {
        throw_invalid_argument(function, cell_name("counts", x, y), ">= 0", data.counts(x, y));
      }
      if (data.counts(x, y) == 0 && data.reward_sums(x, y) != 0) {
        throw_invalid_argument(function, cell_name("reward_sums", x, y), "0 where counts is 0",
                               data.reward_sums(x, y));
      }
    }
  }
}

inline void check_delta(double delta, std::string_view function) {
  if (!(delta > 0 && delta < 1)) throw_domain_error(function, "delta", "in (0, 1)", delta);
}

/// Throws when data exist in a cell the reference policy never plays: such data cannot come from
/// pi_ref, and the Gibbs policy could not put mass there anyway.
inline void check_data_support(const Eigen::MatrixXd& reference, const Eigen::MatrixXd& counts,
                               std::string_view function) {
  for (Eigen::Index x = 0; x < counts.rows(); ++x) {
    for (Eigen::Index y = 0; y < counts.cols(); ++y) {
      if (counts(x, y) > 0 && reference(x, y) == 0) {
        throw_domain_error(function, cell_name("reference", x, y),
                           "positive where data exist (counts " +
                               banditry::detail::format_value(counts(x, y)) + ")",
                           reference(x, y));
      }
    }
  }
}

}  // namespace detail

/// Computes the union-bound log term L = log(2 X K / delta) of the tabular bonus.
/// \pre contexts, actions >= 1, delta in (0, 1) (checked). O(1).
inline double tabular_log_term(Eigen::Index contexts, Eigen::Index actions, double delta) {
  detail::check_delta(delta, "bandit::tabular_log_term");
  require(contexts >= 1 && actions >= 1, "bandit::tabular_log_term", "contexts * actions",
          "at least 1", contexts * actions);
  return std::log(2.0 * static_cast<double>(contexts) * static_cast<double>(actions) / delta);
}

/// Computes the tabular pessimistic reward of KL-PCB: r_bar = clip(S / N, 0, 1) (least squares
/// over [0, 1]^{X x K}), Gamma = c_b sqrt(2 L / N) (+infinity when N = 0), and
/// r_hat = max(0, r_bar - Gamma), with r_hat = 0 on unseen cells.
/// \param data counts and reward sums; \param options c_b >= 0 and delta in (0, 1)
/// \returns r_bar, Gamma and r_hat
/// \throws std::invalid_argument for negative counts, mismatched shapes or a non-zero sum on an
/// empty cell; std::domain_error for non-finite input, c_b < 0 or delta outside (0, 1).
/// Complexity O(X K).
/// Source: KL-PCB with a count-based sub-Gaussian bonus and a union bound over cells
/// (arXiv 2502.06051).
inline reward_estimate tabular_pessimistic_reward(const tabular_statistics& data,
                                                  const tabular_pcb_options& options = {}) {
  constexpr const char* function = "bandit::tabular_pessimistic_reward";
  detail::check_statistics(data, function);
  if (!(options.bonus_scale >= 0) || !std::isfinite(options.bonus_scale)) {
    throw_domain_error(function, "bonus_scale", "finite and >= 0", options.bonus_scale);
  }
  const double log_term = tabular_log_term(data.counts.rows(), data.counts.cols(), options.delta);
  const Eigen::Index rows = data.counts.rows();
  const Eigen::Index cols = data.counts.cols();
  reward_estimate estimate{Eigen::MatrixXd::Zero(rows, cols), Eigen::MatrixXd::Zero(rows, cols),
                           Eigen::MatrixXd::Zero(rows, cols)};
  for (Eigen::Index x = 0; x < rows; ++x) {
    for (Eigen::Index y = 0; y < cols; ++y) {
      const double n = data.counts(x, y);
      if (n == 0) {
        estimate.bonus(x, y) = std::numeric_limits<double>::infinity();
        continue;
      }
      const double mean = std::clamp(data.reward_sums(x, y) / n, 0.0, 1.0);
      const double bonus = options.bonus_scale * std::sqrt(2 * log_term / n);
      estimate.mean_reward(x, y) = mean;
      estimate.bonus(x, y) = bonus;
      estimate.pessimistic_reward(x, y) = std::clamp(mean - bonus, 0.0, 1.0);
    }
  }
  return estimate;
}

/// Computes the tabular plug-in reward: r_bar = clip(S / N, 0, 1), Gamma = 0, r_hat = r_bar, and
/// r_hat = 0 on unseen cells. Equal bit for bit to tabular_pessimistic_reward with c_b = 0.
/// \throws as tabular_pessimistic_reward. Complexity O(X K).
inline reward_estimate tabular_plugin_reward(const tabular_statistics& data) {
  // delta only enters the bonus, which c_b = 0 switches off.
  reward_estimate estimate = tabular_pessimistic_reward(data, {.bonus_scale = 0.0, .delta = 0.5});
  estimate.bonus.setZero();
  return estimate;
}

/// Learns the tabular KL-PCB policy pi_hat proportional to pi_ref exp(eta r_hat).
/// \param reference X x K behaviour and reference policy pi_ref (rows are distributions)
/// \param data counts and reward sums of data logged under pi_ref; \param eta KL coefficient > 0
/// \param options bonus scale c_b (default 1) and delta (default 0.1)
/// \returns the X x K policy
/// \throws std::domain_error when data exist where pi_ref(y|x) = 0, and as
/// tabular_pessimistic_reward and gibbs_policy. Complexity O(X K).
/// Source: arXiv 2502.06051 (KL-PCB).
inline Eigen::MatrixXd kl_pcb_tabular_policy(const Eigen::MatrixXd& reference,
                                             const tabular_statistics& data, double eta,
                                             const tabular_pcb_options& options = {}) {
  constexpr const char* function = "bandit::kl_pcb_tabular_policy";
  detail::check_eta(eta, function);
  detail::check_policy(reference, function, "reference");
  detail::check_shape(data.counts, reference.rows(), reference.cols(), function, "counts");
  detail::check_data_support(reference, data.counts, function);
  return gibbs_policy(reference, tabular_pessimistic_reward(data, options).pessimistic_reward, eta);
}

/// Learns the tabular plug-in policy pi proportional to pi_ref exp(eta r_bar) (no pessimism).
/// \throws as kl_pcb_tabular_policy. Complexity O(X K).
inline Eigen::MatrixXd plugin_tabular_policy(const Eigen::MatrixXd& reference,
                                             const tabular_statistics& data, double eta) {
  constexpr const char* function = "bandit::plugin_tabular_policy";
  detail::check_eta(eta, function);
  detail::check_policy(reference, function, "reference");
  detail::check_shape(data.counts, reference.rows(), reference.cols(), function, "counts");
  detail::check_data_support(reference, data.counts, function);
  return gibbs_policy(reference, tabular_plugin_reward(data).pessimistic_reward, eta);
}

// ---------------------------------------------------------------------------------------------
// Linear class r(x, y) = theta^T phi(x, y).

/// Sufficient statistics of linear logged data.
struct linear_statistics {
  Eigen::MatrixXd gram;                ///< sum_i phi_i phi_i^T (d x d), without the ridge
  Eigen::VectorXd feature_reward_sum;  ///< sum_i phi_i r_i (length d)
  double samples = 0;                  ///< n, the number of logged samples
};

/// Parameters of linear KL-PCB. The bonus is Gamma = radius * ||phi||_{Lambda^{-1}} with
/// Lambda = lambda I + sum phi phi^T and, unless `radius` is set,
/// radius = noise_sd sqrt(d log((1 + n / (lambda d)) / delta)) + sqrt(lambda) parameter_bound.
struct linear_pcb_options {
  double lambda = 1.0;           ///< ridge lambda >= 0 (0 needs a non-singular Gram matrix)
  double parameter_bound = 1.0;  ///< B >= ||theta*||
  double noise_sd = 1.0;         ///< sigma_xi, sub-Gaussian scale of the reward noise
  double delta = 0.1;            ///< failure probability in (0, 1)
  std::optional<double> radius;  ///< overrides the radius when set; 0 gives the plug-in
  bool project = false;          ///< project theta_bar onto the ball ||theta|| <= B
};

/// Ridge fit of linear KL-PCB: theta_bar, the Cholesky factor of Lambda and the bonus radius.
struct linear_fit {
  Eigen::VectorXd theta;               ///< theta_bar = Lambda^{-1} sum phi r (projected if asked)
  Eigen::LLT<Eigen::MatrixXd> factor;  ///< Lambda = L L^T
  double radius = 0;                   ///< beta_lin
};

/// Accumulates linear statistics from samples: rows of `phi` are phi(x_i, y_i).
/// \param phi n x d matrix of finite features; \param rewards length-n finite rewards
/// \throws std::invalid_argument for mismatched sizes, std::domain_error for non-finite input.
/// Complexity O(n d^2).
inline linear_statistics linear_statistics_from_samples(const Eigen::MatrixXd& phi,
                                                        const Eigen::VectorXd& rewards) {
  constexpr const char* function = "bandit::linear_statistics_from_samples";
  require_same_size(static_cast<std::size_t>(rewards.size()), static_cast<std::size_t>(phi.rows()),
                    function, "rewards", "phi rows");
  require_nonempty(static_cast<std::size_t>(phi.cols()), function, "feature dimension");
  if (!phi.allFinite()) throw_domain_error(function, "phi", "all finite", "a non-finite entry");
  if (!rewards.allFinite()) {
    throw_domain_error(function, "rewards", "all finite", "a non-finite entry");
  }
  return {phi.transpose() * phi, phi.transpose() * rewards, static_cast<double>(phi.rows())};
}

/// Accumulates linear statistics from tabular cell statistics: Gram = sum_cells N phi phi^T and
/// sum phi r = sum_cells S phi, so a trial costs O(X K d^2) instead of O(n d^2).
/// \throws as tabular_pessimistic_reward on bad statistics, and std::invalid_argument when the
/// feature table does not match. Complexity O(X K d^2).
inline linear_statistics linear_statistics_from_cells(const feature_table& features,
                                                      const tabular_statistics& data) {
  constexpr const char* function = "bandit::linear_statistics_from_cells";
  detail::check_statistics(data, function);
  detail::check_features(features, data.counts.rows(), data.counts.cols(), function);
  const Eigen::Index d = features.dimension();
  linear_statistics stats{Eigen::MatrixXd::Zero(d, d), Eigen::VectorXd::Zero(d), 0.0};
  for (Eigen::Index x = 0; x < data.counts.rows(); ++x) {
    for (Eigen::Index y = 0; y < data.counts.cols(); ++y) {
      const double n = data.counts(x, y);
      if (n == 0) continue;
      const Eigen::VectorXd phi = features.row(x, y).transpose();
      stats.gram.selfadjointView<Eigen::Lower>().rankUpdate(phi, n);
      stats.feature_reward_sum.noalias() += data.reward_sums(x, y) * phi;
      stats.samples += n;
    }
  }
  stats.gram.triangularView<Eigen::StrictlyUpper>() = stats.gram.transpose();
  return stats;
}

/// Computes the self-normalised ridge radius
///   beta_lin = noise_sd sqrt(d log((1 + n / (lambda d)) / delta)) + sqrt(lambda) B.
/// The radius needs lambda > 0 because n / (lambda d) is undefined at 0; set
/// linear_pcb_options::radius explicitly to fit with lambda = 0.
/// \throws std::domain_error for lambda <= 0, delta outside (0, 1), n < 0, negative B or sd. O(1).
/// Source: the self-normalised confidence set of ridge regression (Abbasi-Yadkori, Pal and
/// Szepesvari, "Improved Algorithms for Linear Stochastic Bandits", NeurIPS 2011).
inline double linear_confidence_radius(Eigen::Index dimension, double samples,
                                       const linear_pcb_options& options = {}) {
  constexpr const char* function = "bandit::linear_confidence_radius";
  require(dimension >= 1, function, "dimension", "at least 1", dimension);
  if (!(options.lambda > 0) || !std::isfinite(options.lambda)) {
    throw_domain_error(function, "lambda", "finite and > 0", options.lambda);
  }
  detail::check_delta(options.delta, function);
  if (!(samples >= 0) || !std::isfinite(samples)) {
    throw_domain_error(function, "samples", "finite and >= 0", samples);
  }
  if (!(options.parameter_bound >= 0) || !std::isfinite(options.parameter_bound)) {
    throw_domain_error(function, "parameter_bound", "finite and >= 0", options.parameter_bound);
  }
  if (!(options.noise_sd >= 0) || !std::isfinite(options.noise_sd)) {
    throw_domain_error(function, "noise_sd", "finite and >= 0", options.noise_sd);
  }
  const double d = static_cast<double>(dimension);
  return options.noise_sd *
             std::sqrt(d * std::log((1 + samples / (options.lambda * d)) / options.delta)) +
         std::sqrt(options.lambda) * options.parameter_bound;
}

/// Fits the ridge estimate theta_bar = Lambda^{-1} sum phi r with Lambda = lambda I + Gram, by
/// Cholesky, and the bonus radius.
/// \param stats linear statistics; \param options ridge, radius constants and projection
/// \returns theta_bar, the Cholesky factor and the radius
/// \throws std::domain_error when Lambda is singular (a Cholesky pivot at or below 1e-12 times
/// its largest diagonal entry; happens for lambda = 0 with features that do not span R^d),
/// for non-finite statistics, or for invalid radius constants. Complexity O(d^3).
inline linear_fit fit_linear_pcb(const linear_statistics& stats,
                                 const linear_pcb_options& options = {}) {
  constexpr const char* function = "bandit::fit_linear_pcb";
  const Eigen::Index d = stats.gram.rows();
  require_nonempty(static_cast<std::size_t>(d), function, "gram");
  require_same_size(static_cast<std::size_t>(stats.gram.cols()), static_cast<std::size_t>(d),
                    function, "gram columns", "gram rows");
  require_same_size(static_cast<std::size_t>(stats.feature_reward_sum.size()),
                    static_cast<std::size_t>(d), function, "feature_reward_sum", "gram rows");
  if (!stats.gram.allFinite() || !stats.feature_reward_sum.allFinite()) {
    throw_domain_error(function, "statistics", "all finite", "a non-finite entry");
  }
  if (!(options.lambda >= 0) || !std::isfinite(options.lambda)) {
    throw_domain_error(function, "lambda", "finite and >= 0", options.lambda);
  }
  linear_fit fit;
  if (options.radius) {
    if (!(*options.radius >= 0) || !std::isfinite(*options.radius)) {
      throw_domain_error(function, "radius", "finite and >= 0", *options.radius);
    }
    fit.radius = *options.radius;
  } else {
    fit.radius = linear_confidence_radius(d, stats.samples, options);
  }
  Eigen::MatrixXd lambda_matrix = stats.gram;
  lambda_matrix.diagonal().array() += options.lambda;
  fit.factor.compute(lambda_matrix);
  const double scale = std::max(1e-300, lambda_matrix.diagonal().cwiseAbs().maxCoeff());
  if (fit.factor.info() != Eigen::Success ||
      !(fit.factor.matrixLLT().diagonal().minCoeff() > std::sqrt(1e-12 * scale))) {
    throw_domain_error(function, "Lambda = lambda I + sum phi phi^T",
                       "positive definite (use lambda > 0 or features spanning R^d)",
                       "a singular matrix");
  }
  fit.theta = fit.factor.solve(stats.feature_reward_sum);
  if (options.project) {
    const double norm = fit.theta.norm();
    if (norm > options.parameter_bound) fit.theta *= options.parameter_bound / norm;
  }
  return fit;
}

/// Evaluates r_bar = theta_bar^T phi, Gamma = radius ||phi||_{Lambda^{-1}} (as ||L^{-1} phi||) and
/// r_hat = clip(r_bar - Gamma, 0, 1) on every cell of the feature table.
/// \throws std::invalid_argument when the feature dimension differs from the fit's.
/// Complexity O(X K d^2).
inline reward_estimate linear_pessimistic_reward(const linear_fit& fit,
                                                 const feature_table& features) {
  constexpr const char* function = "bandit::linear_pessimistic_reward";
  detail::check_features(features, features.contexts, features.actions, function);
  require_same_size(static_cast<std::size_t>(features.dimension()),
                    static_cast<std::size_t>(fit.theta.size()), function, "feature dimension",
                    "theta");
  const Eigen::VectorXd mean = features.phi * fit.theta;
  Eigen::MatrixXd whitened = features.phi.transpose();
  fit.factor.matrixL().solveInPlace(whitened);
  const Eigen::Index rows = features.contexts;
  const Eigen::Index cols = features.actions;
  reward_estimate estimate{Eigen::MatrixXd(rows, cols), Eigen::MatrixXd(rows, cols),
                           Eigen::MatrixXd(rows, cols)};
  for (Eigen::Index x = 0; x < rows; ++x) {
    for (Eigen::Index y = 0; y < cols; ++y) {
      const Eigen::Index cell = x * cols + y;
      const double bonus = fit.radius * whitened.col(cell).norm();
      estimate.mean_reward(x, y) = mean(cell);
      estimate.bonus(x, y) = bonus;
      estimate.pessimistic_reward(x, y) = std::clamp(mean(cell) - bonus, 0.0, 1.0);
    }
  }
  return estimate;
}

/// Learns the linear KL-PCB policy pi_hat proportional to pi_ref exp(eta r_hat), with
/// r_hat = clip(theta_bar^T phi - beta_lin ||phi||_{Lambda^{-1}}, 0, 1).
/// \param reference X x K pi_ref; \param features feature table of the cells
/// \param stats linear statistics of data logged under pi_ref; \param eta > 0
/// \param options ridge and radius constants (defaults lambda = 1, B = 1, sigma = 1, delta = 0.1);
/// radius = 0 gives the plug-in
/// \throws as fit_linear_pcb, linear_pessimistic_reward and gibbs_policy. O(X K d^2 + d^3).
/// Source: arXiv 2502.06051 (KL-PCB with a linear class).
inline Eigen::MatrixXd kl_pcb_linear_policy(const Eigen::MatrixXd& reference,
                                            const feature_table& features,
                                            const linear_statistics& stats, double eta,
                                            const linear_pcb_options& options = {}) {
  constexpr const char* function = "bandit::kl_pcb_linear_policy";
  detail::check_eta(eta, function);
  detail::check_policy(reference, function, "reference");
  detail::check_features(features, reference.rows(), reference.cols(), function);
  const linear_fit fit = fit_linear_pcb(stats, options);
  return gibbs_policy(reference, linear_pessimistic_reward(fit, features).pessimistic_reward, eta);
}

}  // namespace banditry::bandit

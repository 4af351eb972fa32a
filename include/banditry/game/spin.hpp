// Self-Play Fine-Tuning (SPIN) on a finite response set, computed exactly.
//
// Source: Chen, Deng, Yuan, Ji and Gu, "Self-Play Fine-Tuning Converts Weak Language Models to
// Strong Language Models", arXiv 2401.01335. Iteration t trains a discriminator between data
// samples and the model's own samples; with the logistic loss the global minimiser over tabular
// policies is p_{t+1} proportional to p_t^{1 - 1/lambda} p_data^{1/lambda}, so the centred
// log-ratio to the data contracts by the factor 1 - 1/lambda, and the minimum loss equals
// log 2 - JSD(P, P^T) with P(y, y') = p_data(y) p_t(y').
#pragma once

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <span>
#include <string_view>
#include <vector>

#include "banditry/core/error.hpp"
#include "banditry/core/numerics.hpp"
#include "banditry/core/rng.hpp"

namespace banditry::game {

/// Convex decreasing loss of the SPIN discriminator.
enum class spin_loss { logistic, hinge };

namespace detail {

inline void check_lambda(double lambda, std::string_view function) {
  if (!(lambda > 0) || !std::isfinite(lambda)) {
    throw_domain_error(function, "lambda", "positive and finite", lambda);
  }
}

inline void check_positive_distribution(std::span<const double> p, std::string_view function,
                                        std::string_view what) {
  require_distribution(p, function, what);
  for (std::size_t y = 0; y < p.size(); ++y) {
    if (!(p[y] > 0)) {
      throw_domain_error(function, std::string(what) + "[" + std::to_string(y) + "]", "positive",
                         p[y]);
    }
  }
}

inline double loss_value(spin_loss loss, double u) {
  return loss == spin_loss::logistic ? softplus(-u) : std::max(0.0, 1 - u);
}

// Derivative (a subgradient for the hinge at u = 1) and second derivative of the loss.
inline double loss_derivative(spin_loss loss, double u) {
  return loss == spin_loss::logistic ? -sigmoid(-u) : (u < 1 ? -1.0 : 0.0);
}

inline double loss_curvature(double u) {
  const double s = sigmoid(u);
  return s * (1 - s);
}

inline std::vector<double> normalise_log(std::vector<double> log_p) {
  return softmax(std::span<const double>(log_p));
}

}  // namespace detail

/// SPIN loss of a log-ratio vector h(y) = log(p(y) / p_t(y)) (any additive constant):
/// L(h) = sum_{y, y'} p_data(y) p_t(y') loss(lambda (h(y) - h(y'))).
/// \param p_data data distribution over K responses
/// \param p_t current model distribution over the same K responses
/// \param h log-ratios h(y), K finite values (only differences matter)
/// \param lambda inverse temperature of the loss, > 0
/// \param loss spin_loss::logistic (log(1 + e^{-u})) or spin_loss::hinge (max(0, 1 - u))
/// \pre p_data and p_t distributions of equal size, h finite of that size, lambda > 0 (checked).
/// \returns L(h) >= 0.
/// \throws std::invalid_argument / std::domain_error for the violated precondition. O(K^2).
inline double spin_objective(std::span<const double> p_data, std::span<const double> p_t,
                             std::span<const double> h, double lambda,
                             spin_loss loss = spin_loss::logistic) {
  require_distribution(p_data, "game::spin_objective", "p_data");
  require_same_size(p_t.size(), p_data.size(), "game::spin_objective", "p_t", "p_data");
  require_distribution(p_t, "game::spin_objective", "p_t");
  require_same_size(h.size(), p_data.size(), "game::spin_objective", "h", "p_data");
  require_all_finite(h, "game::spin_objective", "h");
  detail::check_lambda(lambda, "game::spin_objective");
  double sum = 0;
  for (std::size_t y = 0; y < p_data.size(); ++y) {
    for (std::size_t z = 0; z < p_t.size(); ++z) {
      sum += p_data[y] * p_t[z] * detail::loss_value(loss, lambda * (h[y] - h[z]));
    }
  }
  return sum;
}

/// Gradient of spin_objective with respect to h. \pre as spin_objective (checked). O(K^2).
inline std::vector<double> spin_objective_gradient(std::span<const double> p_data,
                                                   std::span<const double> p_t,
                                                   std::span<const double> h, double lambda,
                                                   spin_loss loss = spin_loss::logistic) {
  (void)spin_objective(p_data, p_t, h, lambda, loss);  // validates the inputs
  std::vector<double> gradient(h.size(), 0.0);
  for (std::size_t y = 0; y < p_data.size(); ++y) {
    for (std::size_t z = 0; z < p_t.size(); ++z) {
      const double slope =
          p_data[y] * p_t[z] * lambda * detail::loss_derivative(loss, lambda * (h[y] - h[z]));
      gradient[y] += slope;
      gradient[z] -= slope;
    }
  }
  return gradient;
}

/// Closed-form next SPIN iterate for the logistic loss over tabular policies:
/// p_{t+1}(y) proportional to p_t(y)^{1 - 1/lambda} p_data(y)^{1/lambda} (computed in log space).
/// \pre p_data and p_t distributions of equal size with positive entries, lambda > 0 (checked).
/// \returns the next distribution. O(K).
inline std::vector<double> spin_closed_form_step(std::span<const double> p_data,
                                                 std::span<const double> p_t, double lambda) {
  detail::check_positive_distribution(p_data, "game::spin_closed_form_step", "p_data");
  require_same_size(p_t.size(), p_data.size(), "game::spin_closed_form_step", "p_t", "p_data");
  detail::check_positive_distribution(p_t, "game::spin_closed_form_step", "p_t");
  detail::check_lambda(lambda, "game::spin_closed_form_step");
  std::vector<double> log_p(p_t.size());
  for (std::size_t y = 0; y < p_t.size(); ++y) {
    log_p[y] = (1 - 1 / lambda) * std::log(p_t[y]) + std::log(p_data[y]) / lambda;
  }
  return detail::normalise_log(std::move(log_p));
}

/// Minimiser of the logistic SPIN loss found numerically by damped Newton steps on h with h(0)
/// pinned at 0 (the loss is convex in h and invariant to a constant shift). It serves as an
/// independent check of spin_closed_form_step.
/// \param p_data data distribution over K responses, positive entries
/// \param p_t current model distribution over the same K responses, positive entries
/// \param lambda inverse temperature of the loss, > 0
/// \param tolerance stop when the gradient's max-norm falls below it
/// \param max_steps maximum number of Newton steps
/// \pre as spin_closed_form_step (checked). \returns p_t e^h normalised.
/// \throws std::invalid_argument / std::domain_error for the violated precondition.
/// Complexity O(max_steps K^3).
inline std::vector<double> spin_numeric_step(std::span<const double> p_data,
                                             std::span<const double> p_t, double lambda,
                                             double tolerance = 1e-14, int max_steps = 200) {
  detail::check_positive_distribution(p_data, "game::spin_numeric_step", "p_data");
  require_same_size(p_t.size(), p_data.size(), "game::spin_numeric_step", "p_t", "p_data");
  detail::check_positive_distribution(p_t, "game::spin_numeric_step", "p_t");
  detail::check_lambda(lambda, "game::spin_numeric_step");
  const auto k = static_cast<Eigen::Index>(p_t.size());
  std::vector<double> h(p_t.size(), 0.0);
  for (int step = 0; step < max_steps && k > 1; ++step) {
    const std::vector<double> gradient = spin_objective_gradient(p_data, p_t, h, lambda);
    double largest = 0;
    for (double g : gradient) largest = std::max(largest, std::abs(g));
    if (largest < tolerance) break;
    Eigen::MatrixXd hessian = Eigen::MatrixXd::Zero(k, k);
    for (Eigen::Index y = 0; y < k; ++y) {
      for (Eigen::Index z = 0; z < k; ++z) {
        const double c =
            p_data[y] * p_t[z] * lambda * lambda * detail::loss_curvature(lambda * (h[y] - h[z]));
        hessian(y, y) += c;
        hessian(z, z) += c;
        hessian(y, z) -= c;
        hessian(z, y) -= c;
      }
    }
    // Coordinates 1..K-1 only: h(0) stays 0, which removes the constant direction.
    const Eigen::MatrixXd reduced = hessian.bottomRightCorner(k - 1, k - 1);
    const Eigen::VectorXd g = Eigen::Map<const Eigen::VectorXd>(gradient.data() + 1, k - 1);
    const Eigen::VectorXd direction = reduced.ldlt().solve(-g);
    const double before = spin_objective(p_data, p_t, h, lambda);
    double scale = 1;
    std::vector<double> trial = h;
    for (int halving = 0; halving < 60; ++halving) {
      for (Eigen::Index y = 1; y < k; ++y) trial[y] = h[y] + scale * direction[y - 1];
      if (spin_objective(p_data, p_t, trial, lambda) <= before) break;
      scale /= 2;
    }
    h = trial;
  }
  std::vector<double> log_p(p_t.size());
  for (std::size_t y = 0; y < p_t.size(); ++y) log_p[y] = std::log(p_t[y]) + h[y];
  return detail::normalise_log(std::move(log_p));
}

/// Truncated SPIN step: `steps` plain gradient steps h <- h - step_size * grad L(h) from h = 0,
/// then p_{t+1} = p_t e^h normalised. This is the practical regime that works even for
/// lambda < 1/2, where the exact iteration diverges.
/// \pre p_data and p_t distributions of equal size, lambda > 0, step_size > 0, steps >= 1
///   (checked). p_data may have zeros here. O(steps K^2).
inline std::vector<double> spin_truncated_step(std::span<const double> p_data,
                                               std::span<const double> p_t, double lambda,
                                               double step_size, std::size_t steps,
                                               spin_loss loss = spin_loss::logistic) {
  require_distribution(p_data, "game::spin_truncated_step", "p_data");
  require_same_size(p_t.size(), p_data.size(), "game::spin_truncated_step", "p_t", "p_data");
  detail::check_positive_distribution(p_t, "game::spin_truncated_step", "p_t");
  detail::check_lambda(lambda, "game::spin_truncated_step");
  if (!(step_size > 0) || !std::isfinite(step_size)) {
    throw_domain_error("game::spin_truncated_step", "step_size", "positive and finite", step_size);
  }
  require(steps >= 1, "game::spin_truncated_step", "steps", "at least 1", steps);
  std::vector<double> h(p_t.size(), 0.0);
  for (std::size_t step = 0; step < steps; ++step) {
    const std::vector<double> gradient = spin_objective_gradient(p_data, p_t, h, lambda, loss);
    for (std::size_t y = 0; y < h.size(); ++y) h[y] -= step_size * gradient[y];
  }
  std::vector<double> log_p(p_t.size());
  for (std::size_t y = 0; y < p_t.size(); ++y) log_p[y] = std::log(p_t[y]) + h[y];
  return detail::normalise_log(std::move(log_p));
}

/// Jensen-Shannon divergence JSD(P, P^T) = KL(P || M), M = (P + P^T) / 2, of the pair law
/// P(y, y') = p_data(y) p_t(y'). For the logistic loss it equals log 2 - min_h L(h) for every
/// lambda, and it is zero iff p_t = p_data.
/// \pre p_data and p_t distributions of equal size (checked). \returns a value in [0, log 2].
/// O(K^2).
inline double spin_pair_jsd(std::span<const double> p_data, std::span<const double> p_t) {
  require_distribution(p_data, "game::spin_pair_jsd", "p_data");
  require_same_size(p_t.size(), p_data.size(), "game::spin_pair_jsd", "p_t", "p_data");
  require_distribution(p_t, "game::spin_pair_jsd", "p_t");
  double sum = 0;
  for (std::size_t y = 0; y < p_data.size(); ++y) {
    for (std::size_t z = 0; z < p_t.size(); ++z) {
      const double forward = p_data[y] * p_t[z];
      if (forward == 0) continue;
      const double mixture = (forward + p_data[z] * p_t[y]) / 2;
      sum += forward * (std::log(forward) - std::log(mixture));
    }
  }
  return std::max(sum, 0.0);
}

/// Euclidean norm of the centred log-ratio d = log p - log p_data - mean(log p - log p_data).
/// Exact SPIN steps satisfy d_{t+1} = (1 - 1/lambda) d_t.
/// \pre distributions of equal size with positive entries (checked). O(K).
inline double spin_centred_log_ratio_norm(std::span<const double> p,
                                          std::span<const double> p_data) {
  detail::check_positive_distribution(p, "game::spin_centred_log_ratio_norm", "p");
  require_same_size(p_data.size(), p.size(), "game::spin_centred_log_ratio_norm", "p_data", "p");
  detail::check_positive_distribution(p_data, "game::spin_centred_log_ratio_norm", "p_data");
  std::vector<double> d(p.size());
  double mean = 0;
  for (std::size_t y = 0; y < p.size(); ++y) {
    d[y] = std::log(p[y]) - std::log(p_data[y]);
    mean += d[y];
  }
  mean /= static_cast<double>(p.size());
  double sum = 0;
  for (double v : d) sum += (v - mean) * (v - mean);
  return std::sqrt(sum);
}

/// Exact SPIN iterations p_0, p_1, ..., p_steps with the closed-form step.
/// \pre as spin_closed_form_step (checked). \returns steps + 1 distributions. O(steps K).
inline std::vector<std::vector<double>> spin_iterate(std::span<const double> p_data,
                                                     std::span<const double> p0, double lambda,
                                                     std::size_t steps) {
  std::vector<std::vector<double>> path{std::vector<double>(p0.begin(), p0.end())};
  for (std::size_t t = 0; t < steps; ++t) {
    path.push_back(spin_closed_form_step(p_data, path.back(), lambda));
  }
  if (steps == 0) detail::check_positive_distribution(p0, "game::spin_iterate", "p0");
  return path;
}

/// SPIN sample mode, one iteration: draws M responses from p_data and then M from p_t (categorical,
/// data first), and runs spin_truncated_step on the empirical frequencies. Responses that appear in
/// neither sample keep their ratio to p_t.
/// \pre as spin_truncated_step, M >= 1 (checked). O(M K + steps K^2).
template <random_engine64 Rng>
std::vector<double> spin_sampled_step(std::span<const double> p_data, std::span<const double> p_t,
                                      double lambda, double step_size, std::size_t steps,
                                      std::size_t samples, Rng& rng) {
  require(samples >= 1, "game::spin_sampled_step", "M", "at least 1", samples);
  require_distribution(p_data, "game::spin_sampled_step", "p_data");
  require_same_size(p_t.size(), p_data.size(), "game::spin_sampled_step", "p_t", "p_data");
  std::vector<double> real(p_data.size(), 0.0);
  std::vector<double> own(p_t.size(), 0.0);
  const double unit = 1 / static_cast<double>(samples);
  for (std::size_t i = 0; i < samples; ++i) real[categorical(rng, p_data)] += unit;
  for (std::size_t i = 0; i < samples; ++i) own[categorical(rng, p_t)] += unit;
  // The empirical loss weights pairs by real(y) own(y'); its gradient in h is applied to p_t.
  std::vector<double> h(p_t.size(), 0.0);
  for (std::size_t step = 0; step < steps; ++step) {
    const std::vector<double> gradient = spin_objective_gradient(real, own, h, lambda);
    for (std::size_t y = 0; y < h.size(); ++y) h[y] -= step_size * gradient[y];
  }
  std::vector<double> log_p(p_t.size());
  for (std::size_t y = 0; y < p_t.size(); ++y) log_p[y] = std::log(p_t[y]) + h[y];
  return detail::normalise_log(std::move(log_p));
}

}  // namespace banditry::game

// SPIN-Diffusion on a one-dimensional Gaussian diffusion model with a linear noise predictor.
//
// Source: Yuan, Chen, Ji and Gu, "Self-Play Fine-Tuning of Diffusion Models for Text-to-Image
// Generation", arXiv 2402.10210. With data N(m, s^2), a forward process of noise variances nu_t and
// a noise predictor eps(x, t) = a_t x + c_t, every reverse-chain law is Gaussian, so the generated
// distribution and its 2-Wasserstein distance to the data are exact. Three updates are provided:
// supervised fine-tuning (denoising score matching), the truncated SPIN-Diffusion step with its
// closed-form population gradient, and the exact trajectory-level SPIN step in natural parameters.
#pragma once

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <string_view>
#include <vector>

#include "banditry/core/error.hpp"

namespace banditry::game {

/// Data law, forward noise schedule and reverse-chain prior of the Gaussian toy.
struct gaussian_diffusion {
  double data_mean = 1;       ///< m
  double data_sd = 0.5;       ///< s > 0
  std::vector<double> nu{};   ///< noise variances nu_1..nu_T, each in (0, 1)
  double prior_mean = 0;      ///< mean of x_T under the model
  double prior_variance = 1;  ///< variance of x_T under the model, > 0
};

/// Linear noise predictor eps(x, t) = a[t - 1] x + c[t - 1], t = 1..T.
struct linear_noise_predictor {
  std::vector<double> a{};
  std::vector<double> c{};
};

/// A univariate Gaussian N(mean, variance).
struct gaussian_law {
  double mean = 0;
  double variance = 1;
};

namespace detail {

inline void check_diffusion(const gaussian_diffusion& model, std::string_view function) {
  require_nonempty(model.nu.size(), function, "nu");
  require_finite(model.data_mean, function, "data_mean");
  if (!(model.data_sd > 0) || !std::isfinite(model.data_sd)) {
    throw_domain_error(function, "data_sd", "positive and finite", model.data_sd);
  }
  require_finite(model.prior_mean, function, "prior_mean");
  if (!(model.prior_variance > 0) || !std::isfinite(model.prior_variance)) {
    throw_domain_error(function, "prior_variance", "positive and finite", model.prior_variance);
  }
  for (std::size_t t = 0; t < model.nu.size(); ++t) {
    if (!(model.nu[t] > 0 && model.nu[t] < 1)) {
      throw_domain_error(function, "nu[" + std::to_string(t) + "]", "in (0, 1)", model.nu[t]);
    }
  }
}

inline void check_predictor(const gaussian_diffusion& model, const linear_noise_predictor& theta,
                            std::string_view function) {
  require_same_size(theta.a.size(), model.nu.size(), function, "a", "nu");
  require_same_size(theta.c.size(), model.nu.size(), function, "c", "nu");
  require_all_finite(std::span<const double>(theta.a), function, "a");
  require_all_finite(std::span<const double>(theta.c), function, "c");
}

}  // namespace detail

/// Cumulative products alpha_bar_t = prod_{i <= t} (1 - nu_i) for t = 0..T (alpha_bar_0 = 1).
/// \pre model valid (checked). O(T).
inline std::vector<double> diffusion_alpha_bar(const gaussian_diffusion& model) {
  detail::check_diffusion(model, "game::diffusion_alpha_bar");
  std::vector<double> alpha_bar{1.0};
  for (double v : model.nu) alpha_bar.push_back(alpha_bar.back() * (1 - v));
  return alpha_bar;
}

/// Variance V_t = alpha_bar_t s^2 + 1 - alpha_bar_t of x_t under the data, t = 0..T.
/// \pre model valid (checked). O(T).
inline std::vector<double> diffusion_data_variances(const gaussian_diffusion& model) {
  const std::vector<double> alpha_bar = diffusion_alpha_bar(model);
  std::vector<double> variances;
  const double s2 = model.data_sd * model.data_sd;
  for (double ab : alpha_bar) variances.push_back(ab * s2 + 1 - ab);
  return variances;
}

/// Tweedie (denoising score matching) parameters for data N(mean, variance):
/// a_t = sqrt(1 - alpha_bar_t) / (alpha_bar_t variance + 1 - alpha_bar_t), c_t = -a_t
/// sqrt(alpha_bar_t) mean. \pre model valid, mean finite, variance > 0 (checked). O(T).
inline linear_noise_predictor diffusion_tweedie(const gaussian_diffusion& model, double mean,
                                                double variance) {
  const std::vector<double> alpha_bar = diffusion_alpha_bar(model);
  require_finite(mean, "game::diffusion_tweedie", "mean");
  if (!(variance > 0) || !std::isfinite(variance)) {
    throw_domain_error("game::diffusion_tweedie", "variance", "positive and finite", variance);
  }
  linear_noise_predictor theta;
  for (std::size_t t = 1; t < alpha_bar.size(); ++t) {
    const double ab = alpha_bar[t];
    const double a = std::sqrt(1 - ab) / (ab * variance + 1 - ab);
    theta.a.push_back(a);
    theta.c.push_back(-a * std::sqrt(ab) * mean);
  }
  return theta;
}

/// Reverse-step coefficients x_{t-1} = A_t x_t + B_t + sigma_t z for t = 1..T (index t - 1):
/// A_t = (1 - nu_t a_t / sqrt(1 - alpha_bar_t)) / sqrt(alpha_t),
/// B_t = -nu_t c_t / (sqrt(alpha_t) sqrt(1 - alpha_bar_t)), and the step variances
/// sigma_t^2 = V_{t-1} - alpha_t V_{t-1}^2 / V_t, the data's conditional variance of x_{t-1} given
/// x_t.
struct reverse_coefficients {
  std::vector<double> A{};
  std::vector<double> B{};
  std::vector<double> sigma2{};
};

/// Reverse-step coefficients of a predictor. \pre model and theta valid (checked). O(T).
inline reverse_coefficients diffusion_reverse_coefficients(const gaussian_diffusion& model,
                                                           const linear_noise_predictor& theta) {
  const std::vector<double> alpha_bar = diffusion_alpha_bar(model);
  detail::check_predictor(model, theta, "game::diffusion_reverse_coefficients");
  const std::vector<double> variances = diffusion_data_variances(model);
  reverse_coefficients out;
  for (std::size_t t = 1; t < alpha_bar.size(); ++t) {
    const double nu = model.nu[t - 1];
    const double alpha = 1 - nu;
    const double root = std::sqrt(1 - alpha_bar[t]);
    out.A.push_back((1 - nu * theta.a[t - 1] / root) / std::sqrt(alpha));
    out.B.push_back(-nu * theta.c[t - 1] / (std::sqrt(alpha) * root));
    out.sigma2.push_back(variances[t - 1] -
                         alpha * variances[t - 1] * variances[t - 1] / variances[t]);
  }
  return out;
}

/// Law of x_0 generated by the reverse chain from the prior: mu_{t-1} = A_t mu_t + B_t,
/// v_{t-1} = A_t^2 v_t + sigma_t^2. \pre model and theta valid (checked). O(T).
inline gaussian_law diffusion_generated_law(const gaussian_diffusion& model,
                                            const linear_noise_predictor& theta) {
  const reverse_coefficients coefficients = diffusion_reverse_coefficients(model, theta);
  gaussian_law law{model.prior_mean, model.prior_variance};
  for (std::size_t t = model.nu.size(); t-- > 0;) {
    law.mean = coefficients.A[t] * law.mean + coefficients.B[t];
    law.variance = coefficients.A[t] * coefficients.A[t] * law.variance + coefficients.sigma2[t];
  }
  return law;
}

/// Exact 2-Wasserstein distance between two univariate Gaussians:
/// sqrt((mu_1 - mu_2)^2 + (sd_1 - sd_2)^2). \pre variances >= 0, all finite (checked). O(1).
inline double gaussian_wasserstein2(gaussian_law p, gaussian_law q) {
  require_finite(p.mean, "game::gaussian_wasserstein2", "p.mean");
  require_finite(q.mean, "game::gaussian_wasserstein2", "q.mean");
  if (!(p.variance >= 0) || !std::isfinite(p.variance)) {
    throw_domain_error("game::gaussian_wasserstein2", "p.variance", "finite and >= 0", p.variance);
  }
  if (!(q.variance >= 0) || !std::isfinite(q.variance)) {
    throw_domain_error("game::gaussian_wasserstein2", "q.variance", "finite and >= 0", q.variance);
  }
  return std::hypot(p.mean - q.mean, std::sqrt(p.variance) - std::sqrt(q.variance));
}

/// W_2 between the generated law of theta and the data N(m, s^2). \pre as diffusion_generated_law.
inline double diffusion_wasserstein2(const gaussian_diffusion& model,
                                     const linear_noise_predictor& theta) {
  return gaussian_wasserstein2(diffusion_generated_law(model, theta),
                               {model.data_mean, model.data_sd * model.data_sd});
}

/// Gradient of DSM_t(theta; p) = E (eps - a_t x_t - c_t)^2 in (a_t, c_t) for every t, with
/// p = N(mean, variance): d/da = -2 sqrt(1 - alpha_bar_t) + 2 a_t E x_t^2 + 2 c_t E x_t,
/// d/dc = 2 a_t E x_t + 2 c_t. \returns gradients in a predictor-shaped struct.
/// \pre model and theta valid, variance >= 0 (checked). O(T).
inline linear_noise_predictor diffusion_dsm_gradient(const gaussian_diffusion& model,
                                                     const linear_noise_predictor& theta,
                                                     gaussian_law p) {
  const std::vector<double> alpha_bar = diffusion_alpha_bar(model);
  detail::check_predictor(model, theta, "game::diffusion_dsm_gradient");
  linear_noise_predictor gradient;
  for (std::size_t t = 1; t < alpha_bar.size(); ++t) {
    const double ab = alpha_bar[t];
    const double first = std::sqrt(ab) * p.mean;
    const double second = ab * (p.mean * p.mean + p.variance) + 1 - ab;
    const double a = theta.a[t - 1];
    const double c = theta.c[t - 1];
    gradient.a.push_back(-2 * std::sqrt(1 - ab) + 2 * a * second + 2 * c * first);
    gradient.c.push_back(2 * a * first + 2 * c);
  }
  return gradient;
}

namespace detail {

// Rejects a gradient step whose result is unusable: a non-finite coefficient, or a generated law
// with non-finite mean or variance (a finite but huge coefficient such as 1e300 overflows there).
// The message names the public step function and its lr, the only input that can cause this from
// a valid model and predictor.
inline void check_step_result(const gaussian_diffusion& model, const linear_noise_predictor& next,
                              std::string_view function, double lr) {
  constexpr std::string_view requirement =
      "small enough that the updated predictor and its generated law stay finite";
  for (std::size_t t = 0; t < next.a.size(); ++t) {
    if (!std::isfinite(next.a[t]) || !std::isfinite(next.c[t])) {
      throw_domain_error(function, "lr", requirement, lr);
    }
  }
  const gaussian_law law = diffusion_generated_law(model, next);
  if (!std::isfinite(law.mean) || !std::isfinite(law.variance)) {
    throw_domain_error(function, "lr", requirement, lr);
  }
}

}  // namespace detail

/// One supervised fine-tuning step: theta <- theta - lr grad DSM(theta; data) for every t.
/// \pre lr > 0 finite (checked).
/// \throws std::domain_error for lr <= 0 or non-finite, or for an lr so large that a coefficient
///   of the result or the mean or variance of its generated law is not finite. O(T).
inline linear_noise_predictor diffusion_sft_step(const gaussian_diffusion& model,
                                                 const linear_noise_predictor& theta, double lr) {
  if (!(lr > 0) || !std::isfinite(lr))
    throw_domain_error("game::diffusion_sft_step", "lr", "positive and finite", lr);
  const linear_noise_predictor g =
      diffusion_dsm_gradient(model, theta, {model.data_mean, model.data_sd * model.data_sd});
  linear_noise_predictor next = theta;
  for (std::size_t t = 0; t < next.a.size(); ++t) {
    next.a[t] -= lr * g.a[t];
    next.c[t] -= lr * g.c[t];
  }
  detail::check_step_result(model, next, "game::diffusion_sft_step", lr);
  return next;
}

/// Population gradient of the approximate SPIN-Diffusion loss at theta = theta_k with logistic loss
/// and weights w_t = 1: (lambda / 2) [grad DSM_t(theta_k; data) - grad DSM_t(theta_k; p_theta_k)],
/// p_theta_k the generated law. It vanishes (for a_t != 0) iff the generated law equals the data.
/// \pre model and theta valid, lambda > 0 finite (checked). O(T).
inline linear_noise_predictor spin_diffusion_gradient(const gaussian_diffusion& model,
                                                      const linear_noise_predictor& theta,
                                                      double lambda) {
  if (!(lambda > 0) || !std::isfinite(lambda)) {
    throw_domain_error("game::spin_diffusion_gradient", "lambda", "positive and finite", lambda);
  }
  const gaussian_law generated = diffusion_generated_law(model, theta);
  const linear_noise_predictor real =
      diffusion_dsm_gradient(model, theta, {model.data_mean, model.data_sd * model.data_sd});
  const linear_noise_predictor own = diffusion_dsm_gradient(model, theta, generated);
  linear_noise_predictor gradient = real;
  for (std::size_t t = 0; t < gradient.a.size(); ++t) {
    gradient.a[t] = lambda / 2 * (real.a[t] - own.a[t]);
    gradient.c[t] = lambda / 2 * (real.c[t] - own.c[t]);
  }
  return gradient;
}

/// Truncated SPIN-Diffusion iteration: one gradient step theta_{k+1} = theta_k - lr grad, with the
/// population gradient of spin_diffusion_gradient (only lambda * lr matters).
/// \pre as spin_diffusion_gradient, lr > 0 finite (checked).
/// \throws std::domain_error for lr <= 0 or non-finite, or for an lr so large that a coefficient
///   of the result or the mean or variance of its generated law is not finite. O(T).
inline linear_noise_predictor spin_diffusion_step(const gaussian_diffusion& model,
                                                  const linear_noise_predictor& theta,
                                                  double lambda, double lr) {
  if (!(lr > 0) || !std::isfinite(lr)) {
    throw_domain_error("game::spin_diffusion_step", "lr", "positive and finite", lr);
  }
  const linear_noise_predictor g = spin_diffusion_gradient(model, theta, lambda);
  linear_noise_predictor next = theta;
  for (std::size_t t = 0; t < next.a.size(); ++t) {
    next.a[t] -= lr * g.a[t];
    next.c[t] -= lr * g.c[t];
  }
  detail::check_step_result(model, next, "game::spin_diffusion_step", lr);
  return next;
}

/// Natural parameters of a Gaussian law over (x_0, ..., x_T):
/// log p(x) = -x^T precision x / 2 + shift^T x + const, precision tridiagonal.
struct gaussian_chain {
  Eigen::MatrixXd precision;
  Eigen::VectorXd shift;
};

/// Natural parameters of the model's reverse chain (prior, then steps t = T..1).
/// \pre model and theta valid (checked). O(T^2) memory (dense storage).
inline gaussian_chain diffusion_reverse_chain(const gaussian_diffusion& model,
                                              const linear_noise_predictor& theta) {
  const reverse_coefficients r = diffusion_reverse_coefficients(model, theta);
  const auto n = static_cast<Eigen::Index>(model.nu.size());
  gaussian_chain chain{Eigen::MatrixXd::Zero(n + 1, n + 1), Eigen::VectorXd::Zero(n + 1)};
  chain.precision(n, n) += 1 / model.prior_variance;
  chain.shift[n] += model.prior_mean / model.prior_variance;
  for (Eigen::Index t = 1; t <= n; ++t) {
    const double A = r.A[t - 1];
    const double B = r.B[t - 1];
    const double w = 1 / r.sigma2[t - 1];
    chain.precision(t - 1, t - 1) += w;
    chain.precision(t - 1, t) -= w * A;
    chain.precision(t, t - 1) -= w * A;
    chain.precision(t, t) += w * A * A;
    chain.shift[t - 1] += w * B;
    chain.shift[t] -= w * A * B;
  }
  return chain;
}

/// Natural parameters of the data's forward chain: x_0 ~ N(m, s^2), x_t = sqrt(alpha_t) x_{t-1} +
/// sqrt(nu_t) z. \pre model valid (checked). O(T^2) memory.
inline gaussian_chain diffusion_data_chain(const gaussian_diffusion& model) {
  detail::check_diffusion(model, "game::diffusion_data_chain");
  const auto n = static_cast<Eigen::Index>(model.nu.size());
  gaussian_chain chain{Eigen::MatrixXd::Zero(n + 1, n + 1), Eigen::VectorXd::Zero(n + 1)};
  const double s2 = model.data_sd * model.data_sd;
  chain.precision(0, 0) += 1 / s2;
  chain.shift[0] += model.data_mean / s2;
  for (Eigen::Index t = 1; t <= n; ++t) {
    const double nu = model.nu[t - 1];
    const double alpha = 1 - nu;
    chain.precision(t - 1, t - 1) += alpha / nu;
    chain.precision(t - 1, t) -= std::sqrt(alpha) / nu;
    chain.precision(t, t - 1) -= std::sqrt(alpha) / nu;
    chain.precision(t, t) += 1 / nu;
  }
  return chain;
}

/// Law of x_0 under a chain: N((precision^-1 shift)_0, (precision^-1)_00).
/// \throws std::domain_error when the precision is not positive definite. O(T^3).
inline gaussian_law chain_marginal_x0(const gaussian_chain& chain) {
  const Eigen::LLT<Eigen::MatrixXd> factor(chain.precision);
  if (factor.info() != Eigen::Success) {
    throw_domain_error("game::chain_marginal_x0", "precision", "positive definite",
                       "a matrix whose Cholesky factorisation failed");
  }
  const Eigen::VectorXd mean = factor.solve(chain.shift);
  Eigen::VectorXd unit = Eigen::VectorXd::Zero(chain.shift.size());
  unit[0] = 1;
  const Eigen::VectorXd column = factor.solve(unit);
  return {mean[0], column[0]};
}

/// Exact trajectory-level SPIN step p_{k+1} proportional to p_k^{1 - 1/lambda} q^{1/lambda} in the
/// family of Gaussian chains: natural parameters (1 - 1/lambda) current + (1/lambda) data.
/// \pre lambda > 0 finite, chains of equal size (checked).
/// \throws std::domain_error when the result is not positive definite (possible for lambda < 1).
/// O(T^3).
inline gaussian_chain spin_trajectory_step(const gaussian_chain& current,
                                           const gaussian_chain& data, double lambda) {
  if (!(lambda > 0) || !std::isfinite(lambda)) {
    throw_domain_error("game::spin_trajectory_step", "lambda", "positive and finite", lambda);
  }
  require_same_size(static_cast<std::size_t>(current.shift.size()),
                    static_cast<std::size_t>(data.shift.size()), "game::spin_trajectory_step",
                    "current", "data");
  gaussian_chain next{(1 - 1 / lambda) * current.precision + data.precision / lambda,
                      (1 - 1 / lambda) * current.shift + data.shift / lambda};
  const Eigen::LLT<Eigen::MatrixXd> factor(next.precision);
  if (factor.info() != Eigen::Success) {
    throw_domain_error("game::spin_trajectory_step", "combined precision",
                       "positive definite (use lambda >= 1)", lambda);
  }
  return next;
}

}  // namespace banditry::game

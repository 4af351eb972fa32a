// Numerically stable log-sum-exp, softmax, KL divergence, entropy and logistic functions.
//
// All functions accept logits as large as +-1e6 and probabilities that are exactly zero; the
// convention 0 log 0 = 0 holds throughout. Each function throws std::domain_error on NaN input.
#pragma once

#include <algorithm>
#include <cmath>
#include <concepts>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "banditry/core/error.hpp"

namespace banditry {

/// log(sum_i exp(x_i)) shifted by the maximum, so no term overflows.
/// \pre x non-empty, no NaN (checked); +inf gives +inf; all -inf gives -inf. O(n).
template <std::floating_point Real>
Real log_sum_exp(std::span<const Real> x) {
  require_nonempty(x.size(), "log_sum_exp", "x");
  Real top = -std::numeric_limits<Real>::infinity();
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i])) {
      throw_domain_error("log_sum_exp", "x[" + std::to_string(i) + "]", "not NaN", x[i]);
    }
    top = std::max(top, x[i]);
  }
  if (!std::isfinite(top)) return top;
  Real sum = 0;
  for (Real v : x) sum += std::exp(v - top);
  return top + std::log(sum);
}

template <std::floating_point Real>
Real log_sum_exp(const std::vector<Real>& x) {
  return log_sum_exp(std::span<const Real>(x));
}

namespace detail {
// Maximum of x after the checks every softmax variant needs: non-empty, no NaN, no +inf, and at
// least one entry above -inf.
template <std::floating_point Real>
Real softmax_shift(std::span<const Real> x, const char* function) {
  require_nonempty(x.size(), function, "x");
  Real top = -std::numeric_limits<Real>::infinity();
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i]) || x[i] == std::numeric_limits<Real>::infinity()) {
      throw_domain_error(function, "x[" + std::to_string(i) + "]", "not NaN and not +inf", x[i]);
    }
    top = std::max(top, x[i]);
  }
  if (!std::isfinite(top)) throw_domain_error(function, "max(x)", "above -inf", top);
  return top;
}
}  // namespace detail

/// log-softmax: (x_i - max) - log(sum_j exp(x_j - max)). Subtracting the maximum first keeps the
/// result exact to rounding even for logits of 1e15, where x_i - log_sum_exp(x) would cancel.
/// \pre x non-empty, no NaN, no +inf, some x_i > -inf (checked). O(n).
template <std::floating_point Real>
std::vector<Real> log_softmax(std::span<const Real> x) {
  const Real top = detail::softmax_shift(x, "log_softmax");
  Real sum = 0;
  for (Real v : x) sum += std::exp(v - top);
  const Real log_sum = std::log(sum);
  std::vector<Real> out(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) out[i] = (x[i] - top) - log_sum;
  return out;
}

/// softmax: exp(x_i - max) / sum_j exp(x_j - max). Entries far below the maximum underflow to
/// exactly 0. \pre as log_softmax (checked). O(n).
template <std::floating_point Real>
std::vector<Real> softmax(std::span<const Real> x) {
  const Real top = detail::softmax_shift(x, "softmax");
  std::vector<Real> out(x.size());
  Real sum = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    out[i] = std::exp(x[i] - top);
    sum += out[i];
  }
  for (auto& v : out) v /= sum;
  return out;
}

template <std::floating_point Real>
std::vector<Real> softmax(const std::vector<Real>& x) {
  return softmax(std::span<const Real>(x));
}

/// Logistic function 1/(1 + e^-z) without overflow for any finite or infinite z. \pre z not NaN.
template <std::floating_point Real>
Real sigmoid(Real z) {
  if (std::isnan(z)) throw_domain_error("sigmoid", "z", "not NaN", z);
  if (z >= 0) return Real(1) / (Real(1) + std::exp(-z));
  const Real e = std::exp(z);
  return e / (Real(1) + e);
}

/// softplus(z) = log(1 + e^z), exact to rounding for all z (z for z > 40-ish, e^z for very negative
/// z).
template <std::floating_point Real>
Real softplus(Real z) {
  if (std::isnan(z)) throw_domain_error("softplus", "z", "not NaN", z);
  if (z > 0) return z + std::log1p(std::exp(-z));
  return std::log1p(std::exp(z));
}

/// log sigmoid(z) = -softplus(-z). \pre z not NaN (checked).
template <std::floating_point Real>
Real log_sigmoid(Real z) {
  if (std::isnan(z)) throw_domain_error("log_sigmoid", "z", "not NaN", z);
  return -softplus(-z);
}

namespace detail {
template <std::floating_point Real>
void check_probability_vector(std::span<const Real> p, const char* function, const char* name) {
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (!(p[i] >= 0) || !std::isfinite(p[i])) {
      throw_domain_error(function, std::string(name) + "[" + std::to_string(i) + "]",
                         "finite and >= 0", p[i]);
    }
  }
}
}  // namespace detail

/// KL(p || q) = sum_i p_i log(p_i / q_i) with 0 log 0 = 0. Returns +inf when some p_i > 0 has q_i =
/// 0. Inputs are used as given (not renormalised), so callers pass distributions. \pre same
/// non-zero size, entries finite and >= 0 (checked). O(n).
template <std::floating_point Real>
Real kl_divergence(std::span<const Real> p, std::span<const Real> q) {
  require_nonempty(p.size(), "kl_divergence", "p");
  require_same_size(q.size(), p.size(), "kl_divergence", "q", "p");
  detail::check_probability_vector(p, "kl_divergence", "p");
  detail::check_probability_vector(q, "kl_divergence", "q");
  Real sum = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] == 0) continue;
    if (q[i] == 0) return std::numeric_limits<Real>::infinity();
    // log(p) - log(q) instead of log(p/q): the ratio of two denormals can overflow or lose digits.
    sum += p[i] * (std::log(p[i]) - std::log(q[i]));
  }
  return std::max(sum, Real(0));
}

template <std::floating_point Real>
Real kl_divergence(const std::vector<Real>& p, const std::vector<Real>& q) {
  return kl_divergence(std::span<const Real>(p), std::span<const Real>(q));
}

/// Shannon entropy -sum_i p_i log p_i in nats, 0 log 0 = 0.
/// \pre p non-empty, finite, >= 0 (checked). O(n).
template <std::floating_point Real>
Real entropy(std::span<const Real> p) {
  require_nonempty(p.size(), "entropy", "p");
  detail::check_probability_vector(p, "entropy", "p");
  Real sum = 0;
  for (Real v : p) {
    if (v > 0) sum -= v * std::log(v);
  }
  return sum;
}

template <std::floating_point Real>
Real entropy(const std::vector<Real>& p) {
  return entropy(std::span<const Real>(p));
}

}  // namespace banditry

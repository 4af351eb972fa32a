// Off-policy value estimates of a target policy from logged bandit data with propensities.
//
// Each logged step i records a context x_i, the action y_i taken by the logging policy mu, the
// observed reward r_i and the propensity p_i = mu(y_i | x_i) in (0, 1]. With importance weights
// w_i = pi(y_i | x_i) / p_i:
//   IPS   V = (1/n) sum_i w_i r_i                        (unbiased when p_i is correct)
//   SNIPS V = sum_i w_i r_i / sum_i w_i                   (self-normalised, small bias, lower
//   variance) DM    V = (1/n) sum_i sum_y pi(y | x_i) q(x_i, y)     (needs a reward model q) DR V =
//   DM + (1/n) sum_i w_i (r_i - q(x_i, y_i))    (unbiased when p_i is correct)
// Confidence intervals are normal-approximation intervals V +- z SE with SE from the per-step
// terms (the delta method for SNIPS). A single logged step gives no estimate of the spread, so its
// interval is undefined: standard_error = +infinity, [ci_lo, ci_hi] = [-infinity, +infinity] and
// interval_defined = false (never a zero-width interval, never NaN). Source: Dudik, Langford and
// Li, "Doubly Robust Policy Evaluation and Learning", arXiv 1103.4601.
#pragma once

#include <Eigen/Dense>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "banditry/bandit/validation.hpp"
#include "banditry/core/error.hpp"

namespace banditry::bandit {

/// One logged interaction.
struct logged_step {
  std::size_t context = 0;  ///< x_i in 0..X-1
  std::size_t action = 0;   ///< y_i in 0..K-1
  double reward = 0;        ///< r_i
  double propensity = 1;    ///< p_i = mu(y_i | x_i) in (0, 1]
};

/// A value estimate with its normal-approximation confidence interval.
struct value_estimate {
  double value = 0;                  ///< estimated expected reward of the target policy
  double standard_error = 0;         ///< estimated standard error of `value`
  double ci_lo = 0;                  ///< value - z standard_error
  double ci_hi = 0;                  ///< value + z standard_error
  std::size_t samples = 0;           ///< n, the number of logged steps used
  double effective_sample_size = 0;  ///< (sum w)^2 / sum w^2; n for DM and the on-policy mean
  /// false when n = 1: the spread cannot be estimated from one step, so standard_error is
  /// +infinity and the interval is (-infinity, +infinity); true otherwise.
  bool interval_defined = true;
};

namespace detail {

inline void check_log(const std::vector<logged_step>& log, Eigen::Index contexts,
                      Eigen::Index actions, std::string_view function) {
  require_nonempty(log.size(), function, "log");
  for (std::size_t i = 0; i < log.size(); ++i) {
    const auto& step = log[i];
    const std::string index = "[" + std::to_string(i) + "]";
    require(step.context < static_cast<std::size_t>(contexts), function, "log" + index + ".context",
            "below the number of contexts " + std::to_string(contexts), step.context);
    require(step.action < static_cast<std::size_t>(actions), function, "log" + index + ".action",
            "below the number of actions " + std::to_string(actions), step.action);
    if (!std::isfinite(step.reward)) {
      throw_domain_error(function, "log" + index + ".reward", "finite", step.reward);
    }
    if (!(step.propensity > 0 && step.propensity <= 1)) {
      throw_domain_error(function, "log" + index + ".propensity", "in (0, 1]", step.propensity);
    }
  }
}

inline double normal_quantile_two_sided(double confidence, std::string_view function) {
  if (!(confidence > 0 && confidence < 1)) {
    throw_domain_error(function, "confidence", "in (0, 1)", confidence);
  }
  const boost::math::normal standard;
  return boost::math::quantile(standard, 0.5 + confidence / 2);
}

// The interval of a single step: undefined, reported as infinite with interval_defined = false.
inline void mark_interval_undefined(value_estimate& estimate) {
  constexpr double infinity = std::numeric_limits<double>::infinity();
  estimate.standard_error = infinity;
  estimate.ci_lo = -infinity;
  estimate.ci_hi = infinity;
  estimate.interval_defined = false;
}

// Rejects an estimate whose value or standard error overflowed (a huge reward divided by a tiny
// propensity): the message names the public function.
inline void check_finite_estimate(const value_estimate& estimate, std::string_view function) {
  if (!std::isfinite(estimate.value)) {
    throw_domain_error(function, "estimate",
                       "finite (reward / propensity overflows double for this log)",
                       estimate.value);
  }
  if (estimate.interval_defined && !std::isfinite(estimate.standard_error)) {
    throw_domain_error(function, "standard error",
                       "finite (reward / propensity overflows double for this log)",
                       estimate.standard_error);
  }
}

/// Mean, standard error and interval of per-step terms (undefined interval for one term).
inline value_estimate summarise_terms(const std::vector<double>& terms, double z) {
  const auto n = static_cast<double>(terms.size());
  long double sum = 0;
  for (double t : terms) sum += t;
  const double mean = static_cast<double>(sum / n);
  long double squares = 0;
  for (double t : terms) squares += (t - mean) * (t - mean);
  if (terms.size() == 1) {
    value_estimate single{mean, 0, mean, mean, 1, 1};
    mark_interval_undefined(single);
    return single;
  }
  const double se = std::sqrt(static_cast<double>(squares / (n - 1)) / n);
  return {mean, se, mean - z * se, mean + z * se, terms.size(), n};
}

inline double effective_sample_size(const std::vector<double>& weights) {
  long double sum = 0;
  long double squares = 0;
  for (double w : weights) {
    sum += w;
    squares += static_cast<long double>(w) * w;
  }
  return squares == 0 ? 0.0 : static_cast<double>(sum * sum / squares);
}

inline std::vector<double> importance_weights(const std::vector<logged_step>& log,
                                              const Eigen::MatrixXd& policy) {
  std::vector<double> weights(log.size());
  for (std::size_t i = 0; i < log.size(); ++i) {
    weights[i] = policy(static_cast<Eigen::Index>(log[i].context),
                        static_cast<Eigen::Index>(log[i].action)) /
                 log[i].propensity;
  }
  return weights;
}

}  // namespace detail

/// Estimates the target policy's value by inverse propensity scoring, V = (1/n) sum w_i r_i.
/// \param log logged steps (contexts and actions index `policy`, propensities in (0, 1])
/// \param policy X x K target policy (rows are distributions)
/// \param confidence two-sided level of the interval, in (0, 1) (default 0.95)
/// \returns the estimate, its standard error, interval and effective sample size; for a single
/// logged step the interval is undefined (interval_defined = false, standard_error = +infinity,
/// interval (-infinity, +infinity))
/// \throws std::invalid_argument for an empty log or out-of-range indices; std::domain_error for a
/// propensity outside (0, 1], a non-finite reward, a policy row that is not a distribution, or an
/// estimate or standard error that overflows double (for example reward 1e308 with a denormal
/// propensity). Complexity O(n).
inline value_estimate ips_value(const std::vector<logged_step>& log, const Eigen::MatrixXd& policy,
                                double confidence = 0.95) {
  constexpr const char* function = "bandit::ips_value";
  detail::check_policy(policy, function, "policy");
  detail::check_log(log, policy.rows(), policy.cols(), function);
  const double z = detail::normal_quantile_two_sided(confidence, function);
  const std::vector<double> weights = detail::importance_weights(log, policy);
  std::vector<double> terms(log.size());
  for (std::size_t i = 0; i < log.size(); ++i) terms[i] = weights[i] * log[i].reward;
  value_estimate estimate = detail::summarise_terms(terms, z);
  estimate.effective_sample_size = detail::effective_sample_size(weights);
  detail::check_finite_estimate(estimate, function);
  return estimate;
}

/// Estimates the value by self-normalised IPS, V = sum w_i r_i / sum w_i, with the delta-method
/// standard error sqrt(sum w_i^2 (r_i - V)^2) / sum w_i.
/// \returns the estimate (undefined interval for a single step, as for ips_value); when every
/// weight is 0 (the target never plays a logged action) the
/// estimate is undefined and the function throws instead of returning NaN
/// \throws as ips_value, and std::domain_error when sum w_i = 0. Complexity O(n).
inline value_estimate snips_value(const std::vector<logged_step>& log,
                                  const Eigen::MatrixXd& policy, double confidence = 0.95) {
  constexpr const char* function = "bandit::snips_value";
  detail::check_policy(policy, function, "policy");
  detail::check_log(log, policy.rows(), policy.cols(), function);
  const double z = detail::normal_quantile_two_sided(confidence, function);
  const std::vector<double> weights = detail::importance_weights(log, policy);
  long double weight_sum = 0;
  long double weighted_rewards = 0;
  for (std::size_t i = 0; i < log.size(); ++i) {
    weight_sum += weights[i];
    weighted_rewards += weights[i] * log[i].reward;
  }
  if (!(weight_sum > 0)) {
    throw_domain_error(function, "sum of importance weights",
                       "positive (the policy must play some logged action)",
                       static_cast<double>(weight_sum));
  }
  const double value = static_cast<double>(weighted_rewards / weight_sum);
  long double squares = 0;
  for (std::size_t i = 0; i < log.size(); ++i) {
    const double residual = weights[i] * (log[i].reward - value);
    squares += static_cast<long double>(residual) * residual;
  }
  const double se = std::sqrt(static_cast<double>(squares)) / static_cast<double>(weight_sum);
  value_estimate estimate{value,          se,         value - z * se,
                          value + z * se, log.size(), detail::effective_sample_size(weights)};
  if (log.size() == 1) detail::mark_interval_undefined(estimate);
  detail::check_finite_estimate(estimate, function);
  return estimate;
}

/// Estimates the value by the direct method, V = (1/n) sum_i sum_y pi(y | x_i) q(x_i, y).
/// The interval reflects only the sampling of contexts, not the error of the reward model.
/// \param log logged steps, checked as for ips_value; only their contexts enter the estimate
/// \param policy X x K target policy (rows are distributions)
/// \param reward_model X x K finite model q of the mean reward
/// \param confidence two-sided level of the interval, in (0, 1) (default 0.95)
/// \returns value, standard error, normal interval, sample count and effective sample size n
/// \throws as ips_value, and std::domain_error for a non-finite model. Complexity O(n K).
inline value_estimate direct_method_value(const std::vector<logged_step>& log,
                                          const Eigen::MatrixXd& policy,
                                          const Eigen::MatrixXd& reward_model,
                                          double confidence = 0.95) {
  constexpr const char* function = "bandit::direct_method_value";
  detail::check_policy(policy, function, "policy");
  detail::check_shape(reward_model, policy.rows(), policy.cols(), function, "reward_model");
  detail::check_finite_matrix(reward_model, function, "reward_model");
  detail::check_log(log, policy.rows(), policy.cols(), function);
  const double z = detail::normal_quantile_two_sided(confidence, function);
  const Eigen::VectorXd model_value = (policy.array() * reward_model.array()).rowwise().sum();
  std::vector<double> terms(log.size());
  for (std::size_t i = 0; i < log.size(); ++i) {
    terms[i] = model_value(static_cast<Eigen::Index>(log[i].context));
  }
  value_estimate estimate = detail::summarise_terms(terms, z);
  detail::check_finite_estimate(estimate, function);
  return estimate;
}

/// Estimates the value by the doubly robust estimator,
/// V = (1/n) sum_i [sum_y pi(y | x_i) q(x_i, y) + w_i (r_i - q(x_i, y_i))].
/// It is unbiased when the propensities are correct, whatever q, and has low variance when q is
/// accurate. A model fitted on the same log gives a small in-sample bias.
/// \throws as direct_method_value. Complexity O(n K).
inline value_estimate doubly_robust_value(const std::vector<logged_step>& log,
                                          const Eigen::MatrixXd& policy,
                                          const Eigen::MatrixXd& reward_model,
                                          double confidence = 0.95) {
  constexpr const char* function = "bandit::doubly_robust_value";
  detail::check_policy(policy, function, "policy");
  detail::check_shape(reward_model, policy.rows(), policy.cols(), function, "reward_model");
  detail::check_finite_matrix(reward_model, function, "reward_model");
  detail::check_log(log, policy.rows(), policy.cols(), function);
  const double z = detail::normal_quantile_two_sided(confidence, function);
  const Eigen::VectorXd model_value = (policy.array() * reward_model.array()).rowwise().sum();
  const std::vector<double> weights = detail::importance_weights(log, policy);
  std::vector<double> terms(log.size());
  for (std::size_t i = 0; i < log.size(); ++i) {
    const auto x = static_cast<Eigen::Index>(log[i].context);
    const auto y = static_cast<Eigen::Index>(log[i].action);
    terms[i] = model_value(x) + weights[i] * (log[i].reward - reward_model(x, y));
  }
  value_estimate estimate = detail::summarise_terms(terms, z);
  estimate.effective_sample_size = detail::effective_sample_size(weights);
  detail::check_finite_estimate(estimate, function);
  return estimate;
}

/// Estimates the logging policy's own value as the mean logged reward with its interval.
/// \throws std::invalid_argument for an empty log; std::domain_error for a non-finite reward or a
/// propensity outside (0, 1]. Complexity O(n).
inline value_estimate logging_policy_value(const std::vector<logged_step>& log,
                                           double confidence = 0.95) {
  constexpr const char* function = "bandit::logging_policy_value";
  require_nonempty(log.size(), function, "log");
  std::size_t max_context = 0;
  std::size_t max_action = 0;
  for (const auto& step : log) {
    max_context = std::max(max_context, step.context);
    max_action = std::max(max_action, step.action);
  }
  detail::check_log(log, static_cast<Eigen::Index>(max_context + 1),
                    static_cast<Eigen::Index>(max_action + 1), function);
  const double z = detail::normal_quantile_two_sided(confidence, function);
  std::vector<double> terms(log.size());
  for (std::size_t i = 0; i < log.size(); ++i) terms[i] = log[i].reward;
  value_estimate estimate = detail::summarise_terms(terms, z);
  detail::check_finite_estimate(estimate, function);
  return estimate;
}

/// Fits the tabular reward model q(x, y) = mean logged reward of cell (x, y), and `fallback` on
/// cells without data.
/// \throws as ips_value for invalid steps; std::domain_error for a non-finite fallback. O(n + X K).
inline Eigen::MatrixXd empirical_reward_model(const std::vector<logged_step>& log,
                                              Eigen::Index contexts, Eigen::Index actions,
                                              double fallback = 0.0) {
  constexpr const char* function = "bandit::empirical_reward_model";
  require(contexts >= 1 && actions >= 1, function, "contexts * actions", "at least 1",
          contexts * actions);
  detail::check_log(log, contexts, actions, function);
  if (!std::isfinite(fallback)) throw_domain_error(function, "fallback", "finite", fallback);
  Eigen::MatrixXd sums = Eigen::MatrixXd::Zero(contexts, actions);
  Eigen::MatrixXd counts = Eigen::MatrixXd::Zero(contexts, actions);
  for (const auto& step : log) {
    sums(static_cast<Eigen::Index>(step.context), static_cast<Eigen::Index>(step.action)) +=
        step.reward;
    counts(static_cast<Eigen::Index>(step.context), static_cast<Eigen::Index>(step.action)) += 1;
  }
  Eigen::MatrixXd model(contexts, actions);
  for (Eigen::Index x = 0; x < contexts; ++x) {
    for (Eigen::Index y = 0; y < actions; ++y) {
      model(x, y) = counts(x, y) > 0 ? sums(x, y) / counts(x, y) : fallback;
    }
  }
  return model;
}

}  // namespace banditry::bandit

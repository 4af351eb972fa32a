// APPO (Active Proximal Policy Optimization) for online linear contextual dueling bandits, from
// "Reinforcement Learning from Human Feedback with Active Queries" (arXiv 2402.09401), on a finite
// pool of contexts with K shared action ids, and the synthetic instance A1 it is checked on.
//
// Round t: observe x_t; theta_hat is the ridge logistic MLE on the queried rounds (ridge
// lambda kappa); draw the reference action y2 uniformly; for every y the optimistic advantage
//   D(x_t, y) = min{ <theta_hat, phi(x_t, y) - phi2> + beta_c ||phi(x_t, y) - phi2||_{Sigma^{-1}},
//   2B };
// y1 = argmax D (smallest index on ties). If ||phi(x_t, y1) - phi2||_{Sigma^{-1}} <= Gamma, play
// (y1, y2) without a query. Otherwise re-draw y1 ~ pi_t(. | x_t), query the label, add
// z = phi(x_t, y1) - phi2 to Sigma, and take the Hedge step pi(y|x) ∝ pi(y|x) exp(eta D(x, y)) for
// every context x of the pool with the same reference id y2 (the cross-context update; an option
// updates x_t only). Regret counts y1 only: y2 is uniform every round, so counting it would make
// every algorithm's regret linear.
//
// Implementation: Sigma^{-1} by Sherman-Morrison (no matrix inversion), theta_hat refitted lazily
// when the query count reaches 1.125 times the count at the last fit plus one (at most 8
// warm-started Newton iterations), Hedge weights kept as per-context log-weights shifted by their
// maximum. Gamma < 0 queries every round (the always-query baseline); Gamma = +infinity never
// queries.
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "banditry/core/error.hpp"
#include "banditry/core/rng.hpp"
#include "banditry/duel/bradley_terry.hpp"
#include "banditry/duel/confidence.hpp"
#include "banditry/duel/logistic_mle.hpp"

namespace banditry::duel {

/// A finite pool of M contexts with K actions each: features phi(x, y) in R^d and true rewards.
struct linear_dueling_instance {
  std::size_t contexts = 0;       ///< M
  std::size_t actions = 0;        ///< K
  std::size_t dimension = 0;      ///< d
  std::vector<double> features;   ///< phi, (x * K + y) * d + k
  std::vector<double> rewards;    ///< r*(x, y), x * K + y
  std::vector<std::size_t> best;  ///< argmax_y r*(x, y), per context
  double gap = 0;                 ///< minimal gap Delta (0 when unknown)

  /// Checks sizes, finiteness and that best[x] maximises the rewards.
  /// \throws std::invalid_argument / std::domain_error naming the first bad field. O(M K d).
  void validate() const {
    constexpr std::string_view function = "linear_dueling_instance::validate";
    require(contexts > 0, function, "contexts M", "positive", contexts);
    require(actions > 1, function, "actions K", "at least 2", actions);
    require(dimension > 0, function, "dimension d", "positive", dimension);
    require_same_size(features.size(), contexts * actions * dimension, function, "features",
                      "M K d");
    require_same_size(rewards.size(), contexts * actions, function, "rewards", "M K");
    require_same_size(best.size(), contexts, function, "best", "M");
    require_all_finite(std::span<const double>(features), function, "features");
    require_all_finite(std::span<const double>(rewards), function, "rewards");
    for (std::size_t x = 0; x < contexts; ++x) {
      require(best[x] < actions, function, "best[" + std::to_string(x) + "]", "below K", best[x]);
      for (std::size_t y = 0; y < actions; ++y) {
        if (rewards[x * actions + y] > rewards[x * actions + best[x]]) {
          throw_invalid_argument(function, "best[" + std::to_string(x) + "]",
                                 "an action of maximal reward", best[x]);
        }
      }
    }
  }
};

/// Draws the A1 instance: for each context x in order, the best action b_x uniform in {0..K-1}
/// (reward 0.5); then r(x, y) = -0.5 + (1 - Delta) u for y != b_x in index order, u uniform in
/// [0, 1); then u_{x,y} on the unit sphere of R^{d-1} for y = 0..K-1 (d - 1 normals divided by
/// their norm). Features phi(x, y) = (r(x, y), u_{x,y} / 2), so ||phi|| <= 1 and r* = <e_1, phi>.
/// \param rng the instance generator (key(e, 0, t, 2) in simulations)
/// \param dimension d >= 2; \param gap Delta in (0, 1); \param actions K >= 2; \param contexts M >=
/// 1 \throws std::invalid_argument for d < 2, K < 2, M = 0; std::domain_error for Delta outside
///         (0, 1). Complexity O(M K d).
template <random_engine64 Rng>
linear_dueling_instance draw_a1_instance(Rng& rng, std::size_t dimension, double gap,
                                         std::size_t actions = 10, std::size_t contexts = 50) {
  require(dimension >= 2, "draw_a1_instance", "dimension d", "at least 2", dimension);
  require(actions >= 2, "draw_a1_instance", "actions K", "at least 2", actions);
  require(contexts >= 1, "draw_a1_instance", "contexts M", "positive", contexts);
  if (!(gap > 0 && gap < 1)) throw_domain_error("draw_a1_instance", "gap", "in (0, 1)", gap);
  linear_dueling_instance inst;
  inst.contexts = contexts;
  inst.actions = actions;
  inst.dimension = dimension;
  inst.gap = gap;
  inst.features.assign(contexts * actions * dimension, 0.0);
  inst.rewards.assign(contexts * actions, 0.0);
  inst.best.assign(contexts, 0);
  for (std::size_t x = 0; x < contexts; ++x) {
    const auto b = static_cast<std::size_t>(uniform_int(rng, actions));
    inst.best[x] = b;
    for (std::size_t y = 0; y < actions; ++y) {
      inst.rewards[x * actions + y] = y == b ? 0.5 : -0.5 + (1 - gap) * uniform01(rng);
    }
    for (std::size_t y = 0; y < actions; ++y) {
      const std::vector<double> u = unit_sphere(rng, dimension - 1);
      double* phi = &inst.features[(x * actions + y) * dimension];
      phi[0] = inst.rewards[x * actions + y];
      for (std::size_t k = 1; k < dimension; ++k) phi[k] = 0.5 * u[k - 1];
    }
  }
  return inst;
}

/// APPO parameters.
struct appo_parameters {
  double ridge = 1;                  ///< lambda (B^{-2}); Sigma_0 = lambda I
  double link_curvature = 0.196612;  ///< kappa_sigma; the MLE ridge is lambda kappa_sigma
  double radius = 1;                 ///< beta_c, confidence radius
  double threshold = 0;              ///< Gamma; < 0 queries every round, +inf never queries
  double step = 0;                   ///< eta, Hedge step
  double max_advantage = 2;          ///< the clip 2B of the optimistic advantage
  bool cross_context = true;         ///< Hedge update on every context (false: x_t only)
  bool exact_refit = false;          ///< refit after every query (50 iterations) instead of lazily
};

/// The simulation defaults: lambda = 1, kappa = sigma'(1), beta_c = c_beta sqrt(d),
/// Gamma = c_Gamma Delta / (2 beta_c), eta = Gamma sqrt(log K / d).
/// \param dimension d >= 1; \param actions K >= 2; \param gap Delta > 0; \param c_gamma > 0;
/// \param c_beta > 0
/// \throws std::invalid_argument / std::domain_error for values outside these ranges. O(1).
inline appo_parameters appo_defaults(std::size_t dimension, std::size_t actions, double gap,
                                     double c_gamma, double c_beta = 1) {
  require(dimension > 0, "appo_defaults", "dimension d", "positive", dimension);
  require(actions >= 2, "appo_defaults", "actions K", "at least 2", actions);
  if (!(gap > 0) || !std::isfinite(gap))
    throw_domain_error("appo_defaults", "gap", "positive", gap);
  if (!(c_gamma > 0)) throw_domain_error("appo_defaults", "c_gamma", "positive", c_gamma);
  if (!(c_beta > 0)) throw_domain_error("appo_defaults", "c_beta", "positive", c_beta);
  appo_parameters p;
  const double d = static_cast<double>(dimension);
  p.ridge = 1;
  p.link_curvature = link_curvature(1.0);
  p.radius = c_beta * std::sqrt(d);
  p.threshold = c_gamma * gap / (2 * p.radius);
  p.step = p.threshold * std::sqrt(std::log(static_cast<double>(actions)) / d);
  return p;
}

/// Result of one APPO run.
struct appo_result {
  std::size_t queries = 0;               ///< |C_T|
  double regret = 0;                     ///< sum_t r*(x_t, pi*(x_t)) - r*(x_t, y1_t)
  std::vector<std::size_t> checkpoints;  ///< the requested checkpoints t (within the horizon)
  std::vector<double> queries_at;        ///< |C_t| at each checkpoint
  std::vector<double> regret_at;         ///< Regret(t) at each checkpoint
  double potential_ratio = 0;            ///< |C_T| Gamma^2 / (2 d log(1 + 4 |C_T| / (d lambda)))
  double log_det_ratio = 0;              ///< log det Sigma_T / det(lambda I)
  std::size_t refits = 0;                ///< MLE refits
  std::size_t unconverged_refits = 0;  ///< full refits (exact mode) that hit their iteration limit
  Eigen::VectorXd theta;               ///< the last MLE
  std::vector<double> log_weights;     ///< final Hedge log-weights, (x * K + y), max 0 per context
  std::string warning;  ///< non-empty when Gamma >= Delta / (2 beta_c) (borderline setting)
};

/// Runs APPO on a finite-pool instance for `horizon` rounds.
/// Per round the data generator draws x_t (integer in {0..M-1}), y2 (integer in {0..K-1}) and one
/// uniform u_t; a query round sets o_t = 1 iff u_t < sigma(r*(x_t, y1) - r*(x_t, y2)). The uniform
/// is drawn every round, so contexts do not depend on the algorithm. Re-draws y1 ~ pi_t use the
/// categorical sampler on `algorithm_rng`.
/// \param instance a valid instance (checked)
/// \param params APPO parameters: ridge, link curvature, radius, step > 0 and finite; threshold
///        not NaN (checked)
/// \param horizon T >= 1
/// \param data_rng, algorithm_rng the two generators (key(e,0,t,0) and key(e,0,t,1))
/// \param checkpoints rounds t at which |C_t| and Regret(t) are recorded (those > T are ignored)
/// \returns queries, regret, checkpoint values, the elliptical-potential ratio (norm bound 2) and a
///          warning for the borderline threshold
/// \throws std::invalid_argument / std::domain_error for bad input
/// Complexity O(T K d^2 + |C_T| M K d^2 + refits * (|C_T| d^2 + d^3)).
template <random_engine64 Rng>
appo_result run_appo(const linear_dueling_instance& instance, const appo_parameters& params,
                     std::size_t horizon, Rng& data_rng, Rng& algorithm_rng,
                     const std::vector<std::size_t>& checkpoints = {}) {
  constexpr std::string_view function = "run_appo";
  instance.validate();
  require(horizon > 0, function, "horizon T", "positive", horizon);
  auto positive = [&](double v, std::string_view what) {
    if (!(v > 0) || !std::isfinite(v)) throw_domain_error(function, what, "positive and finite", v);
  };
  positive(params.ridge, "ridge");
  positive(params.link_curvature, "link_curvature");
  positive(params.radius, "radius");
  positive(params.max_advantage, "max_advantage");
  if (!(params.step >= 0) || !std::isfinite(params.step)) {
    throw_domain_error(function, "step", "finite and >= 0", params.step);
  }
  if (std::isnan(params.threshold)) {
    throw_domain_error(function, "threshold", "not NaN", params.threshold);
  }

  const std::size_t m = instance.contexts;
  const std::size_t k = instance.actions;
  const std::size_t d = instance.dimension;
  const double* features = instance.features.data();
  auto phi = [&](std::size_t x, std::size_t y) { return features + (x * k + y) * d; };

  std::vector<double> inverse(d * d, 0.0);  // Sigma^{-1}, row-major, symmetric
  for (std::size_t i = 0; i < d; ++i) inverse[i * d + i] = 1 / params.ridge;
  std::vector<double> theta(d, 0.0);
  std::vector<double> log_weights(m * k, 0.0);
  std::vector<double> z_rows;    // queried z_t, row-major
  std::vector<double> outcomes;  // o_t
  std::vector<double> ones;      // counts of 1 for the MLE
  std::size_t fitted_count = 0;
  const double mle_ridge = params.ridge * params.link_curvature;
  Eigen::VectorXd theta_vec = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(d));

  std::vector<double> diff(d);
  std::vector<double> temp(d);
  auto quad = [&](const std::vector<double>& a) {
    double total = 0;
    for (std::size_t i = 0; i < d; ++i) {
      double row = 0;
      const double* s = &inverse[i * d];
      for (std::size_t j = 0; j < d; ++j) row += s[j] * a[j];
      total += a[i] * row;
    }
    return std::max(0.0, total);
  };
  // Optimistic advantage and bonus norm of action y against reference id y2 in context x.
  auto advantage = [&](std::size_t x, std::size_t y, std::size_t y2, double& norm) {
    const double* a = phi(x, y);
    const double* b = phi(x, y2);
    double mean = 0;
    for (std::size_t i = 0; i < d; ++i) {
      diff[i] = a[i] - b[i];
      mean += theta[i] * diff[i];
    }
    norm = std::sqrt(quad(diff));
    return std::min(mean + params.radius * norm, params.max_advantage);
  };

  appo_result result;
  for (std::size_t c : checkpoints)
    if (c >= 1 && c <= horizon) result.checkpoints.push_back(c);
  std::sort(result.checkpoints.begin(), result.checkpoints.end());
  std::size_t next_checkpoint = 0;
  std::vector<double> advantages(k);
  std::vector<double> weights(k);
  long double regret = 0;

  for (std::size_t t = 1; t <= horizon; ++t) {
    const auto x = static_cast<std::size_t>(uniform_int(data_rng, m));
    const auto y2 = static_cast<std::size_t>(uniform_int(data_rng, k));
    const double u = uniform01(data_rng);

    const std::size_t n = outcomes.size();
    const bool refit = params.exact_refit ? n > fitted_count
                                          : static_cast<double>(n) >=
                                                1.125 * static_cast<double>(fitted_count) + 1;
    if (refit && n > 0) {
      mle_options options;
      options.max_iterations = params.exact_refit ? 50 : 8;
      const mle_result fit = detail::newton_logistic(
          z_rows.data(), n, d, ones.data(), outcomes.data(), mle_ridge, theta_vec, options);
      theta_vec = fit.theta;
      for (std::size_t i = 0; i < d; ++i) theta[i] = theta_vec[static_cast<Eigen::Index>(i)];
      fitted_count = n;
      ++result.refits;
      if (params.exact_refit && fit.status != mle_status::converged) ++result.unconverged_refits;
    }

    std::size_t y1 = 0;
    double best_value = -std::numeric_limits<double>::infinity();
    for (std::size_t y = 0; y < k; ++y) {
      double norm = 0;
      advantages[y] = advantage(x, y, y2, norm);
      if (advantages[y] > best_value) {
        best_value = advantages[y];
        y1 = y;
      }
    }
    double chosen_norm = 0;
    (void)advantage(x, y1, y2, chosen_norm);
    const bool query = !(chosen_norm <= params.threshold);
    if (query) {
      const double* lw = &log_weights[x * k];
      for (std::size_t y = 0; y < k; ++y) weights[y] = std::exp(lw[y]);
      y1 = categorical(algorithm_rng, std::span<const double>(weights));
      const double p = sigmoid(instance.rewards[x * k + y1] - instance.rewards[x * k + y2]);
      const double o = u < p ? 1.0 : 0.0;
      // Hedge step with D_t built from theta_hat_t and Sigma_{t-1}.
      const std::size_t first = params.cross_context ? 0 : x;
      const std::size_t last = params.cross_context ? m : x + 1;
      for (std::size_t c = first; c < last; ++c) {
        double* w = &log_weights[c * k];
        double top = -std::numeric_limits<double>::infinity();
        for (std::size_t y = 0; y < k; ++y) {
          double norm = 0;
          w[y] += params.step * advantage(c, y, y2, norm);
          top = std::max(top, w[y]);
        }
        for (std::size_t y = 0; y < k; ++y) w[y] -= top;
      }
      // Sigma_t = Sigma_{t-1} + z z^T with the re-drawn y1.
      const double* a = phi(x, y1);
      const double* b = phi(x, y2);
      for (std::size_t i = 0; i < d; ++i) diff[i] = a[i] - b[i];
      double q = 0;
      for (std::size_t i = 0; i < d; ++i) {
        double row = 0;
        for (std::size_t j = 0; j < d; ++j) row += inverse[i * d + j] * diff[j];
        temp[i] = row;
        q += diff[i] * row;
      }
      q = std::max(0.0, q);
      for (std::size_t i = 0; i < d; ++i)
        for (std::size_t j = 0; j < d; ++j) inverse[i * d + j] -= temp[i] * temp[j] / (1 + q);
      result.log_det_ratio += std::log1p(q);
      z_rows.insert(z_rows.end(), diff.begin(), diff.end());
      outcomes.push_back(o);
      ones.push_back(1.0);
    }
    regret += instance.rewards[x * k + instance.best[x]] - instance.rewards[x * k + y1];
    while (next_checkpoint < result.checkpoints.size() &&
           result.checkpoints[next_checkpoint] == t) {
      result.queries_at.push_back(static_cast<double>(outcomes.size()));
      result.regret_at.push_back(static_cast<double>(regret));
      ++next_checkpoint;
    }
  }
  result.queries = outcomes.size();
  result.regret = static_cast<double>(regret);
  result.theta = theta_vec;
  result.log_weights = std::move(log_weights);
  const double gamma2 = params.threshold * params.threshold;
  const double bound =
      elliptical_potential_bound(d, static_cast<double>(result.queries), 2.0, params.ridge);
  result.potential_ratio =
      result.queries == 0 ? 0.0 : static_cast<double>(result.queries) * gamma2 / bound;
  if (instance.gap > 0 && std::isfinite(params.threshold) &&
      params.threshold >= instance.gap / (2 * params.radius) * (1 - 1e-12)) {
    result.warning =
        "threshold Gamma >= Delta / (2 beta_c): confident rounds are not guaranteed regret-free";
  }
  return result;
}

}  // namespace banditry::duel

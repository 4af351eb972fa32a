// ADPO (Active DPO) on a log-linear policy, from "Reinforcement Learning from Human Feedback with
// Active Queries" (arXiv 2402.09401), and the synthetic instance A2 it is checked on.
//
// Policy pi_w(y | x) ∝ pi_ref(y | x) exp(w^T psi(x, y) / beta), with w = beta (theta - theta_ref).
// In this class the DPO implicit reward difference of a pair is exactly the margin
//   m = w^T (psi(x, y1) - psi(x, y2)),
// and the DPO loss -log sigma(l m) is Bradley-Terry logistic regression. For each pair of the
// stream, judged once with w before its minibatch's update:
//   |m| <= gamma: query the label, l = +1 if y1 is preferred, else -1;
//   |m| >  gamma: pseudo-label l = sign(m) (no query), or weight 0 without pseudo-labels.
// gamma = +infinity is DPO with true labels on every pair. One pass of minibatch SGD:
//   w <- w - (rate / batch) sum_batch grad,  grad = -l sigma(-l m) (psi1 - psi2).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "banditry/core/error.hpp"
#include "banditry/core/numerics.hpp"
#include "banditry/core/rng.hpp"

namespace banditry::duel {

/// A log-linear policy class: features psi(x, y) in R^d for M prompts and K responses, and the
/// true reward weights w* (r*(x, y) = w*^T psi(x, y)); the reference policy is uniform.
struct log_linear_instance {
  std::size_t prompts = 0;           ///< M
  std::size_t responses = 0;         ///< K
  std::size_t dimension = 0;         ///< d
  std::vector<double> features;      ///< psi, (x * K + y) * d + k
  std::vector<double> true_weights;  ///< w*
  double beta = 0.1;                 ///< KL coefficient

  /// r*(x, y) = w*^T psi(x, y). \pre x < M, y < K (unchecked). O(d).
  [[nodiscard]] double reward(std::size_t x, std::size_t y) const {
    const double* psi = &features[(x * responses + y) * dimension];
    double r = 0;
    for (std::size_t k = 0; k < dimension; ++k) r += true_weights[k] * psi[k];
    return r;
  }
};

/// Draws the A2 instance: psi(x, y) with x outer, y inner and the coordinate innermost, each a
/// normal divided by sqrt(d); then w* as d normals in coordinate order scaled to norm `norm`.
/// \param rng the shared instance generator of the experiment
/// \param dimension d >= 1; \param responses K >= 2; \param prompts M >= 1; \param norm > 0;
/// \param beta > 0
/// \throws std::invalid_argument / std::domain_error for values outside these ranges. O(M K d).
template <random_engine64 Rng>
log_linear_instance draw_a2_instance(Rng& rng, std::size_t dimension = 8,
                                     std::size_t responses = 20, std::size_t prompts = 100,
                                     double norm = 4, double beta = 0.1) {
  require(dimension > 0, "draw_a2_instance", "dimension d", "positive", dimension);
  require(responses >= 2, "draw_a2_instance", "responses K", "at least 2", responses);
  require(prompts > 0, "draw_a2_instance", "prompts M", "positive", prompts);
  if (!(norm > 0)) throw_domain_error("draw_a2_instance", "norm", "positive", norm);
  if (!(beta > 0)) throw_domain_error("draw_a2_instance", "beta", "positive", beta);
  log_linear_instance inst;
  inst.prompts = prompts;
  inst.responses = responses;
  inst.dimension = dimension;
  inst.beta = beta;
  inst.features.resize(prompts * responses * dimension);
  const double scale = std::sqrt(static_cast<double>(dimension));
  for (double& v : inst.features) v = normal(rng) / scale;
  inst.true_weights.resize(dimension);
  double squared = 0;
  for (double& v : inst.true_weights) {
    v = normal(rng);
    squared += v * v;
  }
  for (double& v : inst.true_weights) v *= norm / std::sqrt(squared);
  return inst;
}

/// One comparison of the offline stream: prompt x, responses y1 != y2, label o (1: y1 preferred).
struct preference_pair {
  std::size_t prompt = 0;
  std::size_t first = 0;
  std::size_t second = 0;
  bool first_preferred = false;
};

/// Draws `count` pairs: x integer in {0..M-1}, y1 integer in {0..K-1}, j integer in {0..K-2} and
/// y2 = j if j < y1 else j + 1, then one uniform u with o = 1 iff u < sigma(r*(x,y1) - r*(x,y2)).
/// \throws std::invalid_argument for an instance with K < 2. O(count d).
template <random_engine64 Rng>
std::vector<preference_pair> draw_preference_stream(const log_linear_instance& instance, Rng& rng,
                                                    std::size_t count) {
  require(instance.responses >= 2, "draw_preference_stream", "responses K", "at least 2",
          instance.responses);
  std::vector<preference_pair> pairs(count);
  for (auto& pair : pairs) {
    pair.prompt = static_cast<std::size_t>(uniform_int(rng, instance.prompts));
    pair.first = static_cast<std::size_t>(uniform_int(rng, instance.responses));
    const auto j = static_cast<std::size_t>(uniform_int(rng, instance.responses - 1));
    pair.second = j < pair.first ? j : j + 1;
    const double u = uniform01(rng);
    pair.first_preferred = u < sigmoid(instance.reward(pair.prompt, pair.first) -
                                       instance.reward(pair.prompt, pair.second));
  }
  return pairs;
}

/// ADPO settings. threshold = +infinity gives DPO.
struct adpo_options {
  double threshold = 1.3;     ///< gamma >= 0 (+infinity: query every pair)
  bool pseudo_labels = true;  ///< false: confident pairs get weight 0 (still in the batch size)
  std::size_t batch_size = 64;
  double learning_rate = 0.5;
  double target = 0.005;  ///< SubOpt level for "queries to target"
};

/// Result of one pass over the stream.
struct adpo_result {
  std::vector<double> weights;          ///< final w
  std::size_t queries = 0;              ///< pairs with |m| <= gamma
  std::size_t pseudo_labelled = 0;      ///< pairs with |m| > gamma (pseudo-labelled or dropped)
  std::size_t pseudo_label_errors = 0;  ///< sign(m) != sign(r*(y1) - r*(y2)) among them
  double final_suboptimality = 0;       ///< SubOpt after the last batch
  double queries_to_target = 0;         ///< queries up to the first batch with SubOpt <= target
  bool reached_target = false;          ///< false: queries_to_target is the stream length
  std::vector<double> suboptimality;    ///< SubOpt after each batch
  std::vector<double> queries_after;    ///< cumulative queries after each batch

  /// Fraction of pseudo-labelled pairs whose label disagrees with the true preference direction;
  /// NaN when no pair was pseudo-labelled.
  [[nodiscard]] double pseudo_label_error() const {
    return pseudo_labelled == 0
               ? std::numeric_limits<double>::quiet_NaN()
               : static_cast<double>(pseudo_label_errors) / static_cast<double>(pseudo_labelled);
  }
};

/// SubOpt(w) = beta E_x KL(pi_w(. | x) || pi*(. | x)) with x uniform over the prompts and
/// pi* = pi_{w*}; this equals J(pi*) - J(pi_w) for the KL-regularised objective.
/// \throws std::invalid_argument when w has the wrong size. O(M K d).
inline double log_linear_suboptimality(const log_linear_instance& instance,
                                       std::span<const double> w) {
  require_same_size(w.size(), instance.dimension, "log_linear_suboptimality", "w",
                    "the feature dimension");
  const std::size_t k = instance.responses;
  const std::size_t d = instance.dimension;
  std::vector<double> a(k);
  std::vector<double> b(k);
  long double total = 0;
  for (std::size_t x = 0; x < instance.prompts; ++x) {
    for (std::size_t y = 0; y < k; ++y) {
      const double* psi = &instance.features[(x * k + y) * d];
      double sa = 0;
      double sb = 0;
      for (std::size_t i = 0; i < d; ++i) {
        sa += w[i] * psi[i];
        sb += instance.true_weights[i] * psi[i];
      }
      a[y] = sa / instance.beta;
      b[y] = sb / instance.beta;
    }
    const double la = log_sum_exp(std::span<const double>(a));
    const double lb = log_sum_exp(std::span<const double>(b));
    double kl = 0;
    for (std::size_t y = 0; y < k; ++y) {
      const double log_p = a[y] - la;
      kl += std::exp(log_p) * (log_p - (b[y] - lb));
    }
    total += std::max(0.0, kl);
  }
  return instance.beta * static_cast<double>(total) / static_cast<double>(instance.prompts);
}

/// One epoch of ADPO (or DPO, threshold = +infinity) from w = 0 over `pairs`, in minibatches of
/// consecutive pairs; a final partial batch is used as is.
/// \param instance the log-linear class and the true weights (for labels' direction and SubOpt)
/// \param pairs the stream with labels; a label is used only when the pair is queried
/// \param options threshold >= 0 or +infinity, batch size >= 1, learning rate > 0, target > 0
/// \returns queries, SubOpt after every batch, queries to target, pseudo-label statistics
/// \throws std::invalid_argument / std::domain_error for bad options or out-of-range pair indices
/// Complexity O(n d + (n / batch) M K d).
inline adpo_result run_adpo(const log_linear_instance& instance,
                            const std::vector<preference_pair>& pairs,
                            const adpo_options& options) {
  constexpr std::string_view function = "run_adpo";
  if (!(options.threshold >= 0)) {
    throw_domain_error(function, "threshold", ">= 0 (or +infinity)", options.threshold);
  }
  require(options.batch_size > 0, function, "batch_size", "positive", options.batch_size);
  if (!(options.learning_rate > 0) || !std::isfinite(options.learning_rate)) {
    throw_domain_error(function, "learning_rate", "positive and finite", options.learning_rate);
  }
  if (!(options.target > 0)) throw_domain_error(function, "target", "positive", options.target);
  const std::size_t d = instance.dimension;
  const std::size_t k = instance.responses;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const auto& pair = pairs[i];
    if (pair.prompt >= instance.prompts || pair.first >= k || pair.second >= k) {
      throw_invalid_argument(function, "pairs[" + std::to_string(i) + "]", "indices below M and K",
                             std::to_string(pair.prompt) + ", " + std::to_string(pair.first) +
                                 ", " + std::to_string(pair.second));
    }
  }
  adpo_result result;
  result.weights.assign(d, 0.0);
  std::vector<double> gradient(d);
  std::vector<double> diff(d);
  auto& w = result.weights;
  for (std::size_t start = 0; start < pairs.size(); start += options.batch_size) {
    const std::size_t end = std::min(pairs.size(), start + options.batch_size);
    std::fill(gradient.begin(), gradient.end(), 0.0);
    for (std::size_t i = start; i < end; ++i) {
      const auto& pair = pairs[i];
      const double* a = &instance.features[(pair.prompt * k + pair.first) * d];
      const double* b = &instance.features[(pair.prompt * k + pair.second) * d];
      double margin = 0;
      for (std::size_t j = 0; j < d; ++j) {
        diff[j] = a[j] - b[j];
        margin += w[j] * diff[j];
      }
      double label = 0;
      if (std::abs(margin) <= options.threshold) {
        ++result.queries;
        label = pair.first_preferred ? 1.0 : -1.0;
      } else {
        ++result.pseudo_labelled;
        const double truth =
            instance.reward(pair.prompt, pair.first) - instance.reward(pair.prompt, pair.second);
        if ((margin > 0) != (truth > 0)) ++result.pseudo_label_errors;
        label = options.pseudo_labels ? (margin > 0 ? 1.0 : -1.0) : 0.0;
      }
      if (label == 0) continue;
      const double coefficient = -label * sigmoid(-label * margin);
      for (std::size_t j = 0; j < d; ++j) gradient[j] += coefficient * diff[j];
    }
    const double scale = options.learning_rate / static_cast<double>(options.batch_size);
    for (std::size_t j = 0; j < d; ++j) w[j] -= scale * gradient[j];
    const double subopt = log_linear_suboptimality(instance, w);
    result.suboptimality.push_back(subopt);
    result.queries_after.push_back(static_cast<double>(result.queries));
    if (!result.reached_target && subopt <= options.target) {
      result.reached_target = true;
      result.queries_to_target = static_cast<double>(result.queries);
    }
  }
  if (!result.reached_target) result.queries_to_target = static_cast<double>(pairs.size());
  result.final_suboptimality = result.suboptimality.empty() ? log_linear_suboptimality(instance, w)
                                                            : result.suboptimality.back();
  return result;
}

}  // namespace banditry::duel

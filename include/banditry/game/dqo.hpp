// Learners on a token tree: direct Q-function optimisation DQO(omega), whole-response regression
// (DRO) and DPO, fitted by full-batch Adam on leaf-weighted data.
//
// Source: Liu et al., "Enhancing Multi-Step Reasoning Abilities of Language Models through Direct
// Q-Function Optimization", arXiv 2410.09302. DQO parametrises
// Q(s, a) = beta log(pi_theta(a|s) / pi_ref(a|s)) + V_phi(s) and regresses it on soft targets
// G_h = r_h + (1 - omega) V(s_{h+1}) + omega (G_{h+1} - beta log rho_{h+1}); omega = 0 is the
// one-step soft Bellman target and omega = 1 the soft Monte-Carlo return. In a tabular tree every
// loss here has the same zero-residual set, pi*, for data with full support.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <map>
#include <span>
#include <tuple>
#include <vector>

#include "banditry/core/error.hpp"
#include "banditry/core/numerics.hpp"
#include "banditry/core/rng.hpp"
#include "banditry/game/token_tree.hpp"

namespace banditry::game {

/// Which loss a tree learner minimises.
enum class tree_loss {
  dro,  ///< (R - V(root) - beta log rho(y))^2 per response
  dpo,  ///< -log sigmoid(beta (log rho(y_w) - log rho(y_l))) per preference pair
  dqo,  ///< sum_h (V(s_h) + beta log rho(a_h|s_h) - G_h)^2 with stop-gradient targets
};

/// Parameter sharing: policy logit theta[policy_feature[s] * A + a] and state value
/// phi[value_feature[s]] for every internal node s (V = 0 at the leaves).
struct tree_features {
  std::vector<std::size_t> policy_feature{};
  std::vector<std::size_t> value_feature{};
  std::size_t policy_count = 0;
  std::size_t value_count = 0;
};

/// Tabular parametrisation: one logit vector and one value per internal node.
inline tree_features tabular_tree_features(const token_tree& tree) {
  tree_features features;
  const std::size_t internal = tree.internal_count();
  for (std::size_t s = 0; s < internal; ++s) {
    features.policy_feature.push_back(s);
    features.value_feature.push_back(s);
  }
  features.policy_count = features.value_count = internal;
  return features;
}

/// Shared (misspecified) parametrisation: policy logits indexed by (depth, whether `error_token`
/// occurs in the prefix, last token or none at the root) and values by (depth, error flag).
/// \pre error_token < A (checked).
inline tree_features shared_tree_features(const token_tree& tree, std::size_t error_token) {
  require(error_token < tree.vocabulary, "game::shared_tree_features", "error_token",
          "below the vocabulary size", error_token);
  tree_features features;
  std::map<std::tuple<std::size_t, bool, std::size_t>, std::size_t> policy_index;
  std::map<std::pair<std::size_t, bool>, std::size_t> value_index;
  for (std::size_t s = 0; s < tree.internal_count(); ++s) {
    bool error = false;
    for (std::size_t node = s; node != 0; node = tree.parent(node)) {
      error = error || tree.last_token(node) == error_token;
    }
    const std::size_t last = s == 0 ? tree.vocabulary : tree.last_token(s);
    const auto policy_key = std::make_tuple(tree.depth(s), error, last);
    const auto value_key = std::make_pair(tree.depth(s), error);
    if (!policy_index.count(policy_key)) policy_index.emplace(policy_key, policy_index.size());
    if (!value_index.count(value_key)) value_index.emplace(value_key, value_index.size());
    features.policy_feature.push_back(policy_index.at(policy_key));
    features.value_feature.push_back(value_index.at(value_key));
  }
  features.policy_count = policy_index.size();
  features.value_count = value_index.size();
  return features;
}

/// Training data aggregated by leaf: response weights (empirical frequencies or pi_ref(leaf)) and
/// preference-pair weights pair_weight[w * L + l], the mass of pairs where leaf w beat leaf l.
struct tree_data {
  std::vector<double> leaf_weight{};
  std::vector<double> pair_weight{};
};

/// Population limit: leaf weights pi_ref(leaf); every ordered pair (l1, l2) with weight
/// pi_ref(l1) pi_ref(l2), l1 preferred with probability sigmoid(R1 - R2).
/// \pre tree valid (checked). O(L^2).
inline tree_data tree_population_data(const token_tree& tree) {
  const std::vector<double> reference = tree_reference_policy(tree);
  tree_data data;
  data.leaf_weight = tree_leaf_probabilities(tree, reference);
  const std::vector<double> returns = tree_leaf_returns(tree);
  const std::size_t leaves = returns.size();
  data.pair_weight.assign(leaves * leaves, 0.0);
  for (std::size_t i = 0; i < leaves; ++i) {
    for (std::size_t j = 0; j < leaves; ++j) {
      const double mass = data.leaf_weight[i] * data.leaf_weight[j];
      const double first = sigmoid(returns[i] - returns[j]);
      data.pair_weight[i * leaves + j] += mass * first;
      data.pair_weight[j * leaves + i] += mass * (1 - first);
    }
  }
  return data;
}

/// Samples n trajectories from pi_ref (token by token, categorical) and then n preference pairs
/// (two trajectories and one uniform u each; the first wins iff u < sigmoid(R1 - R2)), and returns
/// their empirical leaf and pair frequencies. \pre tree valid, n >= 1 (checked). O(n H A).
template <random_engine64 Rng>
tree_data tree_sampled_data(const token_tree& tree, std::size_t n, Rng& rng) {
  require(n >= 1, "game::tree_sampled_data", "n", "at least 1", n);
  const std::vector<double> reference = tree_reference_policy(tree);
  const std::vector<double> returns = tree_leaf_returns(tree);
  const std::size_t internal = tree.internal_count();
  const std::size_t leaves = returns.size();
  const std::size_t a_count = tree.vocabulary;
  auto draw_leaf = [&]() {
    std::size_t node = 0;
    while (!tree.is_leaf(node)) {
      const std::span<const double> weights(reference.data() + node * a_count, a_count);
      node = tree.child(node, categorical(rng, weights));
    }
    return node - internal;
  };
  tree_data data;
  data.leaf_weight.assign(leaves, 0.0);
  data.pair_weight.assign(leaves * leaves, 0.0);
  const double unit = 1 / static_cast<double>(n);
  for (std::size_t i = 0; i < n; ++i) data.leaf_weight[draw_leaf()] += unit;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t first = draw_leaf();
    const std::size_t second = draw_leaf();
    const double u = uniform01(rng);
    if (u < sigmoid(returns[first] - returns[second])) {
      data.pair_weight[first * leaves + second] += unit;
    } else {
      data.pair_weight[second * leaves + first] += unit;
    }
  }
  return data;
}

/// Settings of a tree learner. Defaults: DQO(0), ridge 1e-4 on the logits, full-batch Adam with
/// 4000 steps, learning rate 0.05, (beta1, beta2) = (0.9, 0.999), epsilon 1e-8, bias correction.
struct tree_learner_settings {
  tree_loss loss = tree_loss::dqo;
  double beta = 0.25;   ///< KL coefficient, > 0
  double omega = 0;     ///< DQO trace parameter in [0, 1]
  double ridge = 1e-4;  ///< coefficient of ||theta||^2 (no penalty on the values), >= 0
  std::size_t steps = 4000;
  double learning_rate = 0.05;
  double adam_beta1 = 0.9;
  double adam_beta2 = 0.999;
  double adam_epsilon = 1e-8;
};

/// A fitted tree learner: its conditional policy [s * A + a] and its state values per internal
/// node.
struct tree_learner_result {
  std::vector<double> policy{};
  std::vector<double> value{};
};

namespace detail {

struct tree_learner_state {
  const token_tree& tree;
  const tree_features& features;
  std::vector<double> log_reference;  // [s * A + a]
  std::vector<double> log_ratio;      // log rho_theta(a|s), [s * A + a]
  std::vector<double> policy;         // pi_theta(a|s)

  void refresh(const std::vector<double>& theta) {
    const std::size_t a_count = tree.vocabulary;
    std::vector<double> logits(a_count);
    for (std::size_t s = 0; s < tree.internal_count(); ++s) {
      const std::size_t f = features.policy_feature[s];
      for (std::size_t a = 0; a < a_count; ++a) {
        logits[a] = log_reference[s * a_count + a] + theta[f * a_count + a];
      }
      const double normaliser = log_sum_exp(std::span<const double>(logits));
      for (std::size_t a = 0; a < a_count; ++a) {
        const std::size_t e = s * a_count + a;
        log_ratio[e] = logits[a] - normaliser - log_reference[e];
        policy[e] = std::exp(logits[a] - normaliser);
      }
    }
  }

  // Adds coefficient * grad_theta log rho(a|s) to the logit gradient.
  void add_log_ratio_gradient(std::vector<double>& gradient, std::size_t s, std::size_t a,
                              double coefficient) const {
    const std::size_t a_count = tree.vocabulary;
    const std::size_t f = features.policy_feature[s];
    for (std::size_t b = 0; b < a_count; ++b) {
      gradient[f * a_count + b] += coefficient * ((b == a ? 1.0 : 0.0) - policy[s * a_count + b]);
    }
  }
};

}  // namespace detail

/// Fits a tree learner by full-batch Adam on (theta, phi) jointly from theta = 0 (pi_theta =
/// pi_ref) and phi = 0. The loss is the data-weighted sum of the per-response losses (DQO: the sum
/// over steps h of the value and policy residuals; DPO: over preference pairs), plus
/// ridge ||theta||^2. DQO targets G_h are recomputed at every step and treated as constants.
/// \param tree the token tree (rewards, reference policy)
/// \param features policy and value feature index of every internal node (tabular or shared)
/// \param data leaf weights (DRO, DQO) or pair weights (DPO) of matching sizes.
/// \param settings loss, beta, omega, ridge, steps and the Adam constants
/// \pre tree valid; features sized to the tree with in-range indices; beta > 0; omega in [0, 1];
///   ridge >= 0; learning rate > 0; steps >= 1 (checked).
/// \returns the learned conditional policy and values. O(steps L H A) (DPO: O(steps L^2) more).
inline tree_learner_result fit_tree_learner(const token_tree& tree, const tree_features& features,
                                            const tree_data& data,
                                            const tree_learner_settings& settings) {
  constexpr std::string_view function = "game::fit_tree_learner";
  const std::vector<double> reference = tree_reference_policy(tree);
  detail::check_beta(settings.beta, function);
  if (!(settings.omega >= 0 && settings.omega <= 1)) {
    throw_domain_error(function, "omega", "in [0, 1]", settings.omega);
  }
  if (!(settings.ridge >= 0) || !std::isfinite(settings.ridge)) {
    throw_domain_error(function, "ridge", "finite and >= 0", settings.ridge);
  }
  if (!(settings.learning_rate > 0) || !std::isfinite(settings.learning_rate)) {
    throw_domain_error(function, "learning_rate", "positive and finite", settings.learning_rate);
  }
  require(settings.steps >= 1, function, "steps", "at least 1", settings.steps);
  const std::size_t internal = tree.internal_count();
  const std::size_t leaves = tree.leaf_count();
  const std::size_t a_count = tree.vocabulary;
  require_same_size(features.policy_feature.size(), internal, function, "policy_feature",
                    "internal nodes");
  require_same_size(features.value_feature.size(), internal, function, "value_feature",
                    "internal nodes");
  for (std::size_t s = 0; s < internal; ++s) {
    require(features.policy_feature[s] < features.policy_count, function, "policy_feature entry",
            "below policy_count", features.policy_feature[s]);
    require(features.value_feature[s] < features.value_count, function, "value_feature entry",
            "below value_count", features.value_feature[s]);
  }
  if (settings.loss == tree_loss::dpo) {
    require_same_size(data.pair_weight.size(), leaves * leaves, function, "pair_weight",
                      "leaf count squared");
    require_all_finite(std::span<const double>(data.pair_weight), function, "pair_weight");
  } else {
    require_same_size(data.leaf_weight.size(), leaves, function, "leaf_weight", "leaf count");
    require_all_finite(std::span<const double>(data.leaf_weight), function, "leaf_weight");
  }

  // Path of every leaf: nodes s_0..s_{H-1} and tokens a_0..a_{H-1}.
  const std::size_t horizon = tree.horizon;
  std::vector<std::size_t> path_node(leaves * horizon);
  std::vector<std::size_t> path_token(leaves * horizon);
  for (std::size_t l = 0; l < leaves; ++l) {
    std::size_t node = internal + l;
    for (std::size_t h = horizon; h-- > 0;) {
      path_token[l * horizon + h] = tree.last_token(node);
      node = tree.parent(node);
      path_node[l * horizon + h] = node;
    }
  }
  const std::vector<double> returns = tree_leaf_returns(tree);

  detail::tree_learner_state state{tree,
                                   features,
                                   {},
                                   std::vector<double>(internal * a_count),
                                   std::vector<double>(internal * a_count)};
  for (double p : reference) state.log_reference.push_back(std::log(p));
  const std::size_t theta_size = features.policy_count * a_count;
  const std::size_t total = theta_size + features.value_count;
  std::vector<double> parameters(total, 0.0);
  std::vector<double> first_moment(total, 0.0);
  std::vector<double> second_moment(total, 0.0);
  std::vector<double> gradient(total);
  std::vector<double> theta(theta_size);
  std::vector<double> sequence_ratio(leaves);
  std::vector<double> target(horizon);
  const double beta = settings.beta;
  double beta1_power = 1;
  double beta2_power = 1;

  for (std::size_t step = 0; step < settings.steps; ++step) {
    std::copy(parameters.begin(), parameters.begin() + static_cast<std::ptrdiff_t>(theta_size),
              theta.begin());
    state.refresh(theta);
    std::fill(gradient.begin(), gradient.end(), 0.0);
    auto value_of = [&](std::size_t node) {
      return tree.is_leaf(node) ? 0.0 : parameters[theta_size + features.value_feature[node]];
    };
    if (settings.loss == tree_loss::dpo) {
      for (std::size_t l = 0; l < leaves; ++l) {
        double sum = 0;
        for (std::size_t h = 0; h < horizon; ++h) {
          sum +=
              state.log_ratio[path_node[l * horizon + h] * a_count + path_token[l * horizon + h]];
        }
        sequence_ratio[l] = sum;
      }
      std::vector<double> coefficient(leaves, 0.0);
      for (std::size_t w = 0; w < leaves; ++w) {
        for (std::size_t l = 0; l < leaves; ++l) {
          const double mass = data.pair_weight[w * leaves + l];
          if (mass == 0) continue;
          // d/du of -log sigmoid(u) is -sigmoid(-u), with u = beta (log rho(w) - log rho(l)).
          const double slope =
              -mass * beta * sigmoid(-beta * (sequence_ratio[w] - sequence_ratio[l]));
          coefficient[w] += slope;
          coefficient[l] -= slope;
        }
      }
      for (std::size_t l = 0; l < leaves; ++l) {
        if (coefficient[l] == 0) continue;
        for (std::size_t h = 0; h < horizon; ++h) {
          state.add_log_ratio_gradient(gradient, path_node[l * horizon + h],
                                       path_token[l * horizon + h], coefficient[l]);
        }
      }
    } else {
      for (std::size_t l = 0; l < leaves; ++l) {
        const double weight = data.leaf_weight[l];
        if (weight == 0) continue;
        if (settings.loss == tree_loss::dro) {
          double log_ratio = 0;
          for (std::size_t h = 0; h < horizon; ++h) {
            log_ratio +=
                state.log_ratio[path_node[l * horizon + h] * a_count + path_token[l * horizon + h]];
          }
          const double residual = value_of(0) + beta * log_ratio - returns[l];
          gradient[theta_size + features.value_feature[0]] += 2 * weight * residual;
          for (std::size_t h = 0; h < horizon; ++h) {
            state.add_log_ratio_gradient(gradient, path_node[l * horizon + h],
                                         path_token[l * horizon + h], 2 * weight * residual * beta);
          }
          continue;
        }
        // DQO(omega): targets backwards along the path, then one residual per step.
        for (std::size_t h = horizon; h-- > 0;) {
          const std::size_t s = path_node[l * horizon + h];
          const std::size_t a = path_token[l * horizon + h];
          const double reward = tree.rewards[s * a_count + a];
          if (h + 1 == horizon) {
            target[h] = reward;
          } else {
            const std::size_t next = path_node[l * horizon + h + 1];
            const std::size_t next_token = path_token[l * horizon + h + 1];
            target[h] = reward + (1 - settings.omega) * value_of(next) +
                        settings.omega *
                            (target[h + 1] - beta * state.log_ratio[next * a_count + next_token]);
          }
        }
        for (std::size_t h = 0; h < horizon; ++h) {
          const std::size_t s = path_node[l * horizon + h];
          const std::size_t a = path_token[l * horizon + h];
          const double residual = value_of(s) + beta * state.log_ratio[s * a_count + a] - target[h];
          gradient[theta_size + features.value_feature[s]] += 2 * weight * residual;
          state.add_log_ratio_gradient(gradient, s, a, 2 * weight * residual * beta);
        }
      }
    }
    for (std::size_t i = 0; i < theta_size; ++i) gradient[i] += 2 * settings.ridge * parameters[i];
    beta1_power *= settings.adam_beta1;
    beta2_power *= settings.adam_beta2;
    for (std::size_t i = 0; i < total; ++i) {
      first_moment[i] =
          settings.adam_beta1 * first_moment[i] + (1 - settings.adam_beta1) * gradient[i];
      second_moment[i] = settings.adam_beta2 * second_moment[i] +
                         (1 - settings.adam_beta2) * gradient[i] * gradient[i];
      const double corrected_first = first_moment[i] / (1 - beta1_power);
      const double corrected_second = second_moment[i] / (1 - beta2_power);
      parameters[i] -= settings.learning_rate * corrected_first /
                       (std::sqrt(corrected_second) + settings.adam_epsilon);
    }
  }
  std::copy(parameters.begin(), parameters.begin() + static_cast<std::ptrdiff_t>(theta_size),
            theta.begin());
  state.refresh(theta);
  tree_learner_result result;
  result.policy = state.policy;
  for (std::size_t s = 0; s < internal; ++s) {
    result.value.push_back(parameters[theta_size + features.value_feature[s]]);
  }
  return result;
}

/// Regularised gap V*(root) - J_beta(pi) = beta KL(pi || pi*) over responses of a learned policy.
/// \pre policy of size N_int A, beta > 0 (checked). O(N A).
inline double tree_regularised_gap(const token_tree& tree, std::span<const double> policy,
                                   double beta) {
  const soft_bellman_solution optimum = soft_bellman(tree, beta);
  return beta * tree_sequence_kl(tree, policy, std::span<const double>(optimum.policy));
}

}  // namespace banditry::game

// KL-regularised soft Q-learning on a deterministic token tree: soft Bellman equations, the
// optimal policy, sequence-level quantities and potential-based reward shaping.
//
// Source: Liu et al., "Enhancing Multi-Step Reasoning Abilities of Language Models through Direct
// Q-Function Optimization" (DQO), arXiv 2410.09302. In a token MDP with deterministic transitions
// the soft optimal Q-function satisfies Q*(s, a) = beta log(pi*(a|s) / pi_ref(a|s)) + V*(s), so a
// language model parametrises Q up to a state value; with a terminal reward only, pi* over whole
// responses is pi_ref(y) e^{R(y)/beta} normalised, the optimum of the KL-regularised bandit.
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <string_view>
#include <vector>

#include "banditry/core/error.hpp"
#include "banditry/core/numerics.hpp"
#include "banditry/core/rng.hpp"

namespace banditry::game {

/// Complete A-ary token tree of depth H in breadth-first order: root 0, the child of node i via
/// token a is A i + 1 + a; nodes 0..N_int-1 are internal (prefixes of length < H), the rest leaves.
struct token_tree {
  std::size_t vocabulary = 3;              ///< A >= 1 tokens per step
  std::size_t horizon = 4;                 ///< H >= 1 tokens per response
  std::vector<double> reference_logits{};  ///< [node * A + a], internal nodes only
  std::vector<double> rewards{};           ///< r(s, a) at [node * A + a], internal nodes only

  /// Number of internal nodes (A^H - 1) / (A - 1), or H when A = 1.
  std::size_t internal_count() const {
    std::size_t count = 0;
    std::size_t level = 1;
    for (std::size_t h = 0; h < horizon; ++h) {
      count += level;
      level *= vocabulary;
    }
    return count;
  }
  /// Number of leaves A^H.
  std::size_t leaf_count() const {
    std::size_t count = 1;
    for (std::size_t h = 0; h < horizon; ++h) count *= vocabulary;
    return count;
  }
  std::size_t child(std::size_t node, std::size_t token) const {
    return vocabulary * node + 1 + token;
  }
  std::size_t parent(std::size_t node) const { return (node - 1) / vocabulary; }
  std::size_t last_token(std::size_t node) const { return (node - 1) % vocabulary; }
  bool is_leaf(std::size_t node) const { return node >= internal_count(); }
  /// Depth of a node (number of tokens in its prefix).
  std::size_t depth(std::size_t node) const {
    std::size_t d = 0;
    while (node != 0) {
      node = parent(node);
      ++d;
    }
    return d;
  }
};

namespace detail {

inline void check_tree(const token_tree& tree, std::string_view function) {
  require(tree.vocabulary >= 1, function, "vocabulary", "at least 1", tree.vocabulary);
  require(tree.horizon >= 1, function, "horizon", "at least 1", tree.horizon);
  require(tree.vocabulary <= 64 && tree.leaf_count() <= (std::size_t{1} << 24), function,
          "leaf count A^H", "at most 2^24", tree.leaf_count());
  const std::size_t edges = tree.internal_count() * tree.vocabulary;
  require_same_size(tree.reference_logits.size(), edges, function, "reference_logits",
                    "internal nodes times vocabulary");
  require_same_size(tree.rewards.size(), edges, function, "rewards",
                    "internal nodes times vocabulary");
  require_all_finite(std::span<const double>(tree.reference_logits), function, "reference_logits");
  require_all_finite(std::span<const double>(tree.rewards), function, "rewards");
}

inline void check_beta(double beta, std::string_view function) {
  if (!(beta > 0) || !std::isfinite(beta))
    throw_domain_error(function, "beta", "positive and finite", beta);
}

}  // namespace detail

/// Conditional reference policy pi_ref(a | s) = softmax of the node's logits, as [node * A + a].
/// \pre tree valid (checked). O(N_int A).
inline std::vector<double> tree_reference_policy(const token_tree& tree) {
  detail::check_tree(tree, "game::tree_reference_policy");
  std::vector<double> policy(tree.reference_logits.size());
  const std::size_t a = tree.vocabulary;
  for (std::size_t s = 0; s < tree.internal_count(); ++s) {
    const std::vector<double> p =
        softmax(std::span<const double>(tree.reference_logits.data() + s * a, a));
    for (std::size_t b = 0; b < a; ++b) policy[s * a + b] = p[b];
  }
  return policy;
}

/// Builds the pinned instance: A = 3, H = 4, pi_ref(.|s) = softmax_a(0.7 sin(1.3 (s + 1)(a + 1))),
/// and terminal reward 1 iff no token 2 occurs on the path and the last token is 0 (else 0).
inline token_tree pinned_token_tree() {
  token_tree tree{3, 4, {}, {}};
  const std::size_t internal = tree.internal_count();
  tree.reference_logits.resize(internal * 3);
  tree.rewards.assign(internal * 3, 0.0);
  for (std::size_t s = 0; s < internal; ++s) {
    for (std::size_t a = 0; a < 3; ++a) {
      tree.reference_logits[s * 3 + a] =
          0.7 * std::sin(1.3 * static_cast<double>(s + 1) * static_cast<double>(a + 1));
      const std::size_t leaf = tree.child(s, a);
      if (!tree.is_leaf(leaf) || a != 0) continue;
      bool clean = true;
      for (std::size_t node = leaf; node != 0; node = tree.parent(node)) {
        clean = clean && tree.last_token(node) != 2;
      }
      tree.rewards[s * 3 + a] = clean ? 1.0 : 0.0;
    }
  }
  return tree;
}

/// Draws a random instance of the pinned family: the pinned rewards with logits 0.7 z, z standard
/// normal, drawn node by node in breadth-first order (node outer, token inner) from `rng`.
template <random_engine64 Rng>
token_tree random_token_tree(Rng& rng) {
  token_tree tree = pinned_token_tree();
  for (double& logit : tree.reference_logits) logit = 0.7 * normal(rng);
  return tree;
}

/// Soft optimal quantities of a tree: V* per node (0 at leaves), Q* and pi* per edge.
struct soft_bellman_solution {
  std::vector<double> value{};   ///< V*(s) for every node
  std::vector<double> q{};       ///< Q*(s, a) at [s * A + a]
  std::vector<double> policy{};  ///< pi*(a | s) at [s * A + a]
};

/// Solves the soft Bellman equations by one backward pass:
/// Q*(s, a) = r(s, a) + V*(child), V*(s) = beta log sum_a pi_ref(a|s) e^{Q*(s,a)/beta},
/// pi*(a|s) = pi_ref(a|s) exp((Q*(s,a) - V*(s)) / beta).
/// \pre tree valid, beta > 0 finite (checked). O(N A).
inline soft_bellman_solution soft_bellman(const token_tree& tree, double beta) {
  detail::check_tree(tree, "game::soft_bellman");
  detail::check_beta(beta, "game::soft_bellman");
  const std::size_t a_count = tree.vocabulary;
  const std::size_t internal = tree.internal_count();
  const std::vector<double> reference = tree_reference_policy(tree);
  soft_bellman_solution out;
  out.value.assign(internal + tree.leaf_count(), 0.0);
  out.q.assign(internal * a_count, 0.0);
  out.policy.assign(internal * a_count, 0.0);
  std::vector<double> terms(a_count);
  for (std::size_t s = internal; s-- > 0;) {
    for (std::size_t a = 0; a < a_count; ++a) {
      out.q[s * a_count + a] = tree.rewards[s * a_count + a] + out.value[tree.child(s, a)];
      terms[a] = std::log(reference[s * a_count + a]) + out.q[s * a_count + a] / beta;
    }
    out.value[s] = beta * log_sum_exp(std::span<const double>(terms));
    for (std::size_t a = 0; a < a_count; ++a) {
      out.policy[s * a_count + a] =
          reference[s * a_count + a] * std::exp((out.q[s * a_count + a] - out.value[s]) / beta);
    }
  }
  return out;
}

/// Probability of each leaf (whole response) under a conditional policy: the product of the
/// conditional probabilities along its path. Index: leaf id minus N_int.
/// \pre policy of size N_int A (checked). O(N).
inline std::vector<double> tree_leaf_probabilities(const token_tree& tree,
                                                   std::span<const double> policy) {
  detail::check_tree(tree, "game::tree_leaf_probabilities");
  require_same_size(policy.size(), tree.rewards.size(), "game::tree_leaf_probabilities", "policy",
                    "internal nodes times vocabulary");
  const std::size_t internal = tree.internal_count();
  std::vector<double> node_probability(internal + tree.leaf_count(), 0.0);
  node_probability[0] = 1;
  for (std::size_t s = 0; s < internal; ++s) {
    for (std::size_t a = 0; a < tree.vocabulary; ++a) {
      node_probability[tree.child(s, a)] = node_probability[s] * policy[s * tree.vocabulary + a];
    }
  }
  return {node_probability.begin() + static_cast<std::ptrdiff_t>(internal), node_probability.end()};
}

/// Return of each leaf: the sum of the rewards along its path. Index: leaf id minus N_int.
/// \pre tree valid (checked). O(N).
inline std::vector<double> tree_leaf_returns(const token_tree& tree) {
  detail::check_tree(tree, "game::tree_leaf_returns");
  const std::size_t internal = tree.internal_count();
  std::vector<double> node_return(internal + tree.leaf_count(), 0.0);
  for (std::size_t s = 0; s < internal; ++s) {
    for (std::size_t a = 0; a < tree.vocabulary; ++a) {
      node_return[tree.child(s, a)] = node_return[s] + tree.rewards[s * tree.vocabulary + a];
    }
  }
  return {node_return.begin() + static_cast<std::ptrdiff_t>(internal), node_return.end()};
}

/// Expected reward to go from every node under a conditional policy (0 at leaves); at the root
/// it is the expected return. With 0/1 terminal rewards it is the success probability from s.
/// \pre policy of size N_int A (checked). O(N A).
inline std::vector<double> tree_value_to_go(const token_tree& tree,
                                            std::span<const double> policy) {
  detail::check_tree(tree, "game::tree_value_to_go");
  require_same_size(policy.size(), tree.rewards.size(), "game::tree_value_to_go", "policy",
                    "internal nodes times vocabulary");
  const std::size_t internal = tree.internal_count();
  std::vector<double> value(internal + tree.leaf_count(), 0.0);
  for (std::size_t s = internal; s-- > 0;) {
    for (std::size_t a = 0; a < tree.vocabulary; ++a) {
      const std::size_t e = s * tree.vocabulary + a;
      value[s] += policy[e] * (tree.rewards[e] + value[tree.child(s, a)]);
    }
  }
  return value;
}

/// KL divergence between the response (leaf) distributions of two conditional policies.
/// \pre both policies of size N_int A (checked). O(N).
inline double tree_sequence_kl(const token_tree& tree, std::span<const double> policy,
                               std::span<const double> reference) {
  const std::vector<double> p = tree_leaf_probabilities(tree, policy);
  const std::vector<double> q = tree_leaf_probabilities(tree, reference);
  return kl_divergence(std::span<const double>(p), std::span<const double>(q));
}

/// Regularised objective J_beta(pi) = E_pi R - beta KL(pi || pi_ref) over responses. For every pi,
/// V*(root) - J_beta(pi) = beta KL(pi || pi*).
/// \pre policy of size N_int A, beta > 0 (checked). O(N A).
inline double tree_regularised_value(const token_tree& tree, std::span<const double> policy,
                                     double beta) {
  detail::check_beta(beta, "game::tree_regularised_value");
  const std::vector<double> reference = tree_reference_policy(tree);
  return tree_value_to_go(tree, policy)[0] -
         beta * tree_sequence_kl(tree, policy, std::span<const double>(reference));
}

/// Sequence-level optimal value beta log E_{y ~ pi_ref} e^{R(y)/beta}, computed without the
/// backward pass (the KL-regularised bandit formulation). \pre tree valid, beta > 0 (checked).
/// O(N).
inline double tree_sequence_optimal_value(const token_tree& tree, double beta) {
  detail::check_beta(beta, "game::tree_sequence_optimal_value");
  const std::vector<double> reference = tree_reference_policy(tree);
  const std::vector<double> p = tree_leaf_probabilities(tree, reference);
  const std::vector<double> r = tree_leaf_returns(tree);
  std::vector<double> terms(p.size());
  for (std::size_t l = 0; l < p.size(); ++l) {
    terms[l] = p[l] > 0 ? std::log(p[l]) + r[l] / beta : -std::numeric_limits<double>::infinity();
  }
  return beta * log_sum_exp(std::span<const double>(terms));
}

/// Sequence-level optimal response distribution pi*(y) proportional to pi_ref(y) e^{R(y)/beta}.
/// \pre tree valid, beta > 0 (checked). O(N).
inline std::vector<double> tree_sequence_optimal_policy(const token_tree& tree, double beta) {
  detail::check_beta(beta, "game::tree_sequence_optimal_policy");
  const std::vector<double> reference = tree_reference_policy(tree);
  const std::vector<double> p = tree_leaf_probabilities(tree, reference);
  const std::vector<double> r = tree_leaf_returns(tree);
  std::vector<double> logits(p.size());
  for (std::size_t l = 0; l < p.size(); ++l) logits[l] = std::log(p[l]) + r[l] / beta;
  return softmax(std::span<const double>(logits));
}

/// Potential-based shaping r'(s, a) = r(s, a) + Phi(child) - Phi(s) with Phi = 0 at the leaves.
/// It leaves pi* unchanged and shifts V* by -Phi.
/// \param tree the token tree to shape (validated)
/// \param potential one value per node (leaf entries ignored and treated as 0), finite.
/// \pre tree valid, potential of size N (checked).
/// \returns a copy of the tree with shaped rewards. O(N A).
inline token_tree shaped_token_tree(const token_tree& tree, std::span<const double> potential) {
  detail::check_tree(tree, "game::shaped_token_tree");
  const std::size_t internal = tree.internal_count();
  require_same_size(potential.size(), internal + tree.leaf_count(), "game::shaped_token_tree",
                    "potential", "node count");
  require_all_finite(potential, "game::shaped_token_tree", "potential");
  token_tree shaped = tree;
  for (std::size_t s = 0; s < internal; ++s) {
    for (std::size_t a = 0; a < tree.vocabulary; ++a) {
      const std::size_t c = tree.child(s, a);
      const double next = tree.is_leaf(c) ? 0.0 : potential[c];
      shaped.rewards[s * tree.vocabulary + a] += next - potential[s];
    }
  }
  return shaped;
}

}  // namespace banditry::game

// Soft Bellman equations on the token tree against the sequence-level (bandit) formulation, the
// pinned instance's exact values, shaping invariance and the learners' fixed points.
#include "banditry/game/token_tree.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "banditry/core/rng.hpp"
#include "banditry/game/dqo.hpp"
#include "banditry/sim/runner.hpp"
#include "support/test_support.hpp"

using namespace banditry;
using namespace banditry::game;
using banditry::test::close;

namespace {
constexpr double beta = 0.25;
}

TEST_CASE("token tree: pinned instance values") {
  const token_tree tree = pinned_token_tree();
  CHECK(tree.internal_count() == 40);
  CHECK(tree.leaf_count() == 81);
  const soft_bellman_solution optimum = soft_bellman(tree, beta);
  const std::vector<double> reference = tree_reference_policy(tree);
  CHECK(std::abs(optimum.value[0] - 0.488463689861) < 1e-10);
  CHECK(std::abs(tree_value_to_go(tree, reference)[0] - 0.1129858729) < 1e-10);
  CHECK(std::abs(tree_value_to_go(tree, optimum.policy)[0] - 0.8742864194) < 1e-10);
  CHECK(std::abs(tree_sequence_kl(tree, optimum.policy, reference) - 1.5432909181) < 1e-10);
  CHECK(std::abs(optimum.value[0] - tree_regularised_value(tree, reference, beta) - 0.3754778170) <
        1e-10);
  const std::vector<double> root_reference{0.488867, 0.357255, 0.153878};
  const std::vector<double> root_optimum{0.455864, 0.522328, 0.021809};
  for (int a = 0; a < 3; ++a) {
    CHECK(std::abs(reference[a] - root_reference[a]) < 5e-7);
    CHECK(std::abs(optimum.policy[a] - root_optimum[a]) < 5e-7);
  }
}

TEST_CASE("token tree: backward pass equals sequence level") {
  // D1 and D2 on the pinned tree and on random trees.
  std::vector<token_tree> trees{pinned_token_tree()};
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    xoshiro256ss rng(stream_key(seed, fnv1a64("SP.S3.random"), 0xFFFFFFFF, 0xFFFFFFFF, 2));
    trees.push_back(random_token_tree(rng));
  }
  for (const token_tree& tree : trees) {
    const soft_bellman_solution optimum = soft_bellman(tree, beta);
    CHECK(std::abs(optimum.value[0] - tree_sequence_optimal_value(tree, beta)) < 1e-12);
    const std::vector<double> leaves = tree_leaf_probabilities(tree, optimum.policy);
    const std::vector<double> sequence = tree_sequence_optimal_policy(tree, beta);
    for (std::size_t l = 0; l < leaves.size(); ++l)
      CHECK(std::abs(leaves[l] - sequence[l]) < 1e-12);
    // Q* = beta log(pi* / pi_ref) + V* on every edge.
    const std::vector<double> reference = tree_reference_policy(tree);
    for (std::size_t s = 0; s < tree.internal_count(); ++s) {
      for (std::size_t a = 0; a < 3; ++a) {
        const std::size_t e = s * 3 + a;
        CHECK(std::abs(optimum.q[e] - (beta * std::log(optimum.policy[e] / reference[e]) +
                                       optimum.value[s])) < 1e-12);
      }
    }
    // V*(root) - J_beta(pi) = beta KL(pi || pi*) for the reference policy.
    CHECK(std::abs(optimum.value[0] - tree_regularised_value(tree, reference, beta) -
                   tree_regularised_gap(tree, reference, beta)) < 1e-12);
  }
  xoshiro256ss rng(stream_key(1, fnv1a64("SP.S3.random"), 0xFFFFFFFF, 0xFFFFFFFF, 2));
  const token_tree random = random_token_tree(rng);
  const std::vector<double> reference = tree_reference_policy(random);
  CHECK(std::abs(soft_bellman(random, beta).value[0] - 0.544062) < 5e-7);
  CHECK(std::abs(tree_value_to_go(random, reference)[0] - 0.145773) < 5e-7);
  CHECK(std::abs(tree_regularised_gap(random, reference, beta) - 0.398289) < 5e-7);
}

TEST_CASE("token tree: shaping keeps optimal policy") {
  // D4: Phi(s) = success probability under pi_ref from s.
  const token_tree tree = pinned_token_tree();
  const std::vector<double> reference = tree_reference_policy(tree);
  const std::vector<double> potential = tree_value_to_go(tree, reference);
  CHECK(std::abs(potential[0] - 0.1129858729) < 1e-10);
  const token_tree shaped = shaped_token_tree(tree, potential);
  const soft_bellman_solution original = soft_bellman(tree, beta);
  const soft_bellman_solution reshaped = soft_bellman(shaped, beta);
  for (std::size_t e = 0; e < original.policy.size(); ++e) {
    CHECK(std::abs(original.policy[e] - reshaped.policy[e]) < 1e-12);
  }
  for (std::size_t s = 0; s < tree.internal_count(); ++s) {
    CHECK(std::abs(reshaped.value[s] - (original.value[s] - potential[s])) < 1e-12);
  }
}

TEST_CASE("token tree: rejects bad input") {
  token_tree tree = pinned_token_tree();
  BANDITRY_CHECK_THROWS_WITH(
      soft_bellman(tree, 0.0), std::domain_error,
      "banditry::game::soft_bellman: beta must be positive and finite, got 0");
  BANDITRY_CHECK_THROWS_WITH(soft_bellman(tree, std::nan("")), std::domain_error,
                             "beta must be positive");
  tree.rewards[5] = std::nan("");
  BANDITRY_CHECK_THROWS_WITH(soft_bellman(tree, beta), std::domain_error,
                             "rewards[5] must be finite");
  tree = pinned_token_tree();
  tree.reference_logits.pop_back();
  BANDITRY_CHECK_THROWS_WITH(soft_bellman(tree, beta), std::invalid_argument,
                             "reference_logits size");
}

TEST_CASE("tree learners: tabular fits reach optimum") {
  // D3: population limit, tabular, ridge 1e-6.
  const token_tree tree = pinned_token_tree();
  const tree_data data = tree_population_data(tree);
  const tree_features features = tabular_tree_features(tree);
  tree_learner_settings settings;
  settings.ridge = 1e-6;
  settings.loss = tree_loss::dro;
  CHECK(tree_regularised_gap(tree, fit_tree_learner(tree, features, data, settings).policy, beta) <
        1e-3);
  settings.loss = tree_loss::dqo;
  for (double omega : {0.0, 0.5, 1.0}) {
    settings.omega = omega;
    const auto fit = fit_tree_learner(tree, features, data, settings);
    CAPTURE(omega);
    CHECK(tree_regularised_gap(tree, fit.policy, beta) < 1e-3);
    // The learned root value approximates V*(root); after 4000 Adam steps omega = 1 is the
    // slowest to settle (about 0.010 away, against about 1e-3 for omega = 0).
    CHECK(std::abs(fit.value[0] - soft_bellman(tree, beta).value[0]) < 0.02);
  }
}

TEST_CASE("tree learners: shared omega ordering") {
  // D5: with a misspecified value function, bootstrapping (omega = 0) biases the fixed point.
  const token_tree tree = pinned_token_tree();
  const tree_data data = tree_population_data(tree);
  const tree_features features = shared_tree_features(tree, 2);
  CHECK(features.policy_count == 14);
  CHECK(features.value_count == 7);
  tree_learner_settings settings;
  std::vector<double> gaps;
  for (double omega : {0.0, 0.5, 1.0}) {
    settings.omega = omega;
    gaps.push_back(
        tree_regularised_gap(tree, fit_tree_learner(tree, features, data, settings).policy, beta));
  }
  CHECK(gaps[0] >= gaps[1]);
  CHECK(gaps[1] >= gaps[2]);
  CHECK(std::abs(gaps[0] - 0.0145) < 0.001);
  CHECK(std::abs(gaps[1] - 0.0084) < 0.001);
  CHECK(std::abs(gaps[2] - 0.0048) < 0.001);
}

TEST_CASE("tree learners: sampled data reproduces") {
  const token_tree tree = pinned_token_tree();
  auto gap = [&](std::size_t trial) {
    auto rng = make_stream(1, "SP.S3.pinned", 0, trial, substream::data);
    const tree_data data = tree_sampled_data(tree, 300, rng);
    tree_learner_settings settings;
    settings.steps = 300;
    settings.loss = tree_loss::dro;
    return tree_regularised_gap(
        tree, fit_tree_learner(tree, tabular_tree_features(tree), data, settings).policy, beta);
  };
  const auto serial = sim::run_trials(3, 1, gap);
  const auto parallel = sim::run_trials(3, 2, gap);
  CHECK(serial == parallel);
  // Fitting on data moves the policy towards pi*, below the reference policy's gap.
  for (double g : serial) CHECK(g < 0.3754778170);
  auto rng = make_stream(1, "SP.S3.pinned", 0, 0, substream::data);
  const tree_data data = tree_sampled_data(tree, 300, rng);
  double leaf_mass = 0;
  double pair_mass = 0;
  for (double w : data.leaf_weight) leaf_mass += w;
  for (double w : data.pair_weight) pair_mass += w;
  CHECK(close(leaf_mass, 1, 1e-12));
  CHECK(close(pair_mass, 1, 1e-12));
}

TEST_CASE("tree learners: dpo population fit") {
  const token_tree tree = pinned_token_tree();
  tree_learner_settings settings;
  settings.loss = tree_loss::dpo;
  const auto fit =
      fit_tree_learner(tree, shared_tree_features(tree, 2), tree_population_data(tree), settings);
  CHECK(std::abs(tree_regularised_gap(tree, fit.policy, beta) - 0.0142) < 0.001);
  settings.omega = 2;
  BANDITRY_CHECK_THROWS_WITH(
      fit_tree_learner(tree, tabular_tree_features(tree), tree_population_data(tree), settings),
      std::domain_error, "omega must be in [0, 1]");
}

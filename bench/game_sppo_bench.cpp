// Cost of exact SPPO rounds (one K x K matrix-vector product and one softmax per round), of the
// projected step (Lambert-W bisection) and of the soft Bellman backward pass on the pinned tree.
#include <benchmark/benchmark.h>

#include <vector>

#include "banditry/core/rng.hpp"
#include "banditry/game/sppo.hpp"
#include "banditry/game/token_tree.hpp"

namespace {

Eigen::MatrixXd random_game(Eigen::Index k) {
  banditry::xoshiro256ss rng(7);
  Eigen::MatrixXd P = Eigen::MatrixXd::Constant(k, k, 0.5);
  for (Eigen::Index i = 0; i < k; ++i) {
    for (Eigen::Index j = i + 1; j < k; ++j) {
      P(i, j) = banditry::uniform01(rng);
      P(j, i) = 1 - P(i, j);
    }
  }
  return P;
}

void sppo_exact_rounds(benchmark::State& state) {
  const auto k = static_cast<Eigen::Index>(state.range(0));
  const Eigen::MatrixXd P = random_game(k);
  const std::vector<double> start(static_cast<std::size_t>(k), 1.0 / static_cast<double>(k));
  for (auto _ : state) {
    benchmark::DoNotOptimize(banditry::game::sppo_run(P, start, 0.05, 1000).averaged_gap);
  }
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(sppo_exact_rounds)->Arg(3)->Arg(20)->Arg(135);

void sppo_projected_step(benchmark::State& state) {
  const auto k = static_cast<Eigen::Index>(state.range(0));
  const Eigen::MatrixXd P = random_game(k);
  const std::vector<double> start(static_cast<std::size_t>(k), 1.0 / static_cast<double>(k));
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        banditry::game::sppo_step(P, start, 1.0, banditry::game::sppo_step_rule::projected));
  }
}
BENCHMARK(sppo_projected_step)->Arg(3)->Arg(135);

void soft_bellman_pinned_tree(benchmark::State& state) {
  const banditry::game::token_tree tree = banditry::game::pinned_token_tree();
  for (auto _ : state) benchmark::DoNotOptimize(banditry::game::soft_bellman(tree, 0.25).value[0]);
}
BENCHMARK(soft_bellman_pinned_tree);

}  // namespace

BENCHMARK_MAIN();

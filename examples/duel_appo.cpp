// Runs APPO (active preference queries, "Reinforcement Learning from Human Feedback with Active
// Queries", arXiv 2402.09401) on a linear contextual dueling instance of the A1 family: d = 4,
// K = 10 actions, M = 50 contexts, gap Delta = 0.2, T = 10000 rounds. APPO asks for a preference
// label only when its confidence interval is wide, so its query count grows more and more slowly.
// Its regret stops growing by t = 5000, as the always-query baseline's does.
//
// Both runs use the same instance and the same context stream (the data generator is seeded
// identically), so the only difference is the query threshold Gamma.
// expected output: always query +queries +10000
#include <cstdio>
#include <exception>
#include <vector>

#include "banditry/core/rng.hpp"
#include "banditry/duel.hpp"

int main() {
  using namespace banditry::duel;
  constexpr std::size_t dimension = 4;
  constexpr std::size_t actions = 10;
  constexpr double gap = 0.2;
  constexpr std::size_t horizon = 10000;
  const std::vector<std::size_t> checkpoints{1000, 2000, 5000, 10000};
  try {
    auto instance_rng =
        banditry::make_stream(1, "example duel_appo", 0, 0, banditry::substream::instance);
    const auto instance = draw_a1_instance(instance_rng, dimension, gap, actions, 50);

    // lambda = 1, beta_c = sqrt(d), Gamma = c_Gamma Delta / (2 beta_c) with c_Gamma = 0.5.
    const appo_parameters appo = appo_defaults(dimension, actions, gap, 0.5);
    appo_parameters always = appo;
    always.threshold = -1;  // a negative threshold queries every round

    std::printf("A1 instance: d = %zu, K = %zu, M = %zu, Delta = %.2f, T = %zu, Gamma = %.4f\n",
                dimension, actions, instance.contexts, gap, horizon, appo.threshold);
    std::printf("%-14s %-8s %8s   at t = 1000, 2000, 5000, 10000\n", "method", "", "total");
    for (const auto& [name, params] :
         {std::pair{"APPO", appo}, std::pair{"always query", always}}) {
      auto data_rng =
          banditry::make_stream(1, "example duel_appo", 0, 0, banditry::substream::data);
      auto algorithm_rng =
          banditry::make_stream(1, "example duel_appo", 0, 0, banditry::substream::algorithm);
      const appo_result run =
          run_appo(instance, params, horizon, data_rng, algorithm_rng, checkpoints);
      std::printf("%-14s %-8s %8zu  ", name, "queries", run.queries);
      for (double q : run.queries_at) std::printf(" %7.0f", q);
      std::printf("\n%-14s %-8s %8.1f  ", "", "regret", run.regret);
      for (double r : run.regret_at) std::printf(" %7.1f", r);
      std::printf("\n");
      if (!run.warning.empty()) std::printf("  warning: %s\n", run.warning.c_str());
    }
  } catch (const std::exception& error) {
    std::fprintf(stderr, "duel_appo: %s\n", error.what());
    return 1;
  }
  return 0;
}

// Winners of a preference matrix and a short dueling-bandit run.
// Usage: duel_winners [MATRIX_FILE]   (without a file, a weighted rock-paper-scissors matrix)
// expected output: von Neumann winner \(duality gap [0-9.e+-]+, [0-9]+ pivots\)
#include <cstdio>
#include <iostream>

#include "banditry/core/rng.hpp"
#include "banditry/duel.hpp"

int main(int argc, char** argv) {
  using namespace banditry::duel;
  try {
    const preference_matrix p = argc > 1
                                    ? read_preference_matrix(argv[1])
                                    : preference_matrix({{.5, .6, .2}, {.4, .5, .7}, {.8, .3, .5}});
    const auto condorcet = condorcet_winner(p);
    std::printf("K = %zu, Condorcet winner: %s\n", p.size(),
                condorcet ? std::to_string(*condorcet).c_str() : "none");
    std::printf("Borda winner: %zu, Copeland winner: %zu\n", borda_winners(p).front(),
                copeland_winners(p).front());
    const auto vn = von_neumann_winner(p);
    std::printf("von Neumann winner (duality gap %.2e, %zu pivots):", vn.duality_gap, vn.pivots);
    for (std::size_t i = 0; i < p.size(); ++i)
      if (vn.distribution[i] > 0) std::printf(" %zu:%.4f", i, vn.distribution[i]);
    std::printf("\n");
    if (condorcet) {
      auto data = banditry::make_stream(1, "example", 0, 0, banditry::substream::data);
      auto rng = banditry::make_stream(1, "example", 0, 0, banditry::substream::algorithm);
      const auto run = run_dueling_bandit(p, dueling_algorithm::dts, 10000, data, rng);
      std::printf("DTS, 10000 rounds: Condorcet regret %.1f\n", run.condorcet_regret);
    }
  } catch (const std::exception& error) {
    std::cerr << error.what() << '\n';
    return 1;
  }
  return 0;
}

// Runs exact SPPO on a ranker preference matrix and compares the averaged policy with the von
// Neumann winner from the simplex solver of banditry::duel.
//
// Usage: game_sppo_rankers [FILE [T ...]]   (default T = 100 1000 10000 100000)
// Without FILE it reads the 5-ranker matrix from ../shared/data when present, else a built-in
// cyclic 3 x 3 game whose von Neumann winner is mixed.
// expected output: von Neumann winner \(simplex\): DG = [0-9.e+-]+, support:
// For each T it prints the duality gap of the averaged policy, the bound sqrt(2 log K / T), the
// total-variation distance to the von Neumann winner and the mass on that winner's support.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <vector>

#include "banditry/duel/preference_matrix.hpp"
#include "banditry/duel/winners.hpp"
#include "banditry/game/sppo.hpp"

int main(int argc, char** argv) {
  const std::filesystem::path default_file =
      "../shared/data/preference-matrices/MSLR_Informational_5_Condorcet.txt";
  try {
    banditry::duel::preference_matrix matrix =
        argc >= 2 ? banditry::duel::read_preference_matrix(argv[1])
        : std::filesystem::exists(default_file)
            ? banditry::duel::read_preference_matrix(default_file)
            : banditry::duel::parse_preference_matrix("0.5 0.8 0.3\n0.2 0.5 0.6\n0.7 0.4 0.5\n");
    const auto k = static_cast<Eigen::Index>(matrix.size());
    Eigen::MatrixXd P(k, k);
    for (Eigen::Index i = 0; i < k; ++i) {
      for (Eigen::Index j = 0; j < k; ++j) P(i, j) = matrix(i, j);
    }
    const auto winner = banditry::duel::von_neumann_winner(matrix);
    std::printf("K = %ld, von Neumann winner (simplex): DG = %.2e, support:", static_cast<long>(k),
                winner.duality_gap);
    for (std::size_t y = 0; y < winner.distribution.size(); ++y) {
      if (winner.distribution[y] > 1e-9) std::printf(" %zu (%.6f)", y, winner.distribution[y]);
    }
    std::printf("\n");

    std::vector<std::size_t> horizons{100, 1000, 10000, 100000};
    if (argc > 2) {
      horizons.clear();
      for (int a = 2; a < argc; ++a) horizons.push_back(std::strtoull(argv[a], nullptr, 10));
    }
    const std::vector<double> start(static_cast<std::size_t>(k), 1.0 / static_cast<double>(k));
    const double kl_max = std::log(static_cast<double>(k));
    std::printf("%8s %10s %10s %10s %12s %8s %14s\n", "T", "eta", "DG(avg)", "bound", "TV(avg,vN)",
                "argmax", "mass on supp");
    for (std::size_t t : horizons) {
      const double eta = banditry::game::sppo_tuned_eta(kl_max, t);
      const banditry::game::sppo_result run = banditry::game::sppo_run(P, start, eta, t);
      std::size_t argmax = 0;
      double on_support = 0;
      for (std::size_t y = 0; y < run.averaged.size(); ++y) {
        if (run.averaged[y] > run.averaged[argmax]) argmax = y;
        if (winner.distribution[y] > 1e-9) on_support += run.averaged[y];
      }
      std::printf("%8zu %10.6f %10.6f %10.6f %12.6f %8zu %14.6f\n", t, eta, run.averaged_gap,
                  std::sqrt(2 * kl_max / static_cast<double>(t)),
                  banditry::game::total_variation(run.averaged, winner.distribution), argmax,
                  on_support);
    }
  } catch (const std::exception& error) {
    std::fprintf(stderr, "error: %s\n", error.what());
    return 1;
  }
  return 0;
}

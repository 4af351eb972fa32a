// `banditry game sppo --matrix FILE --iterations T [--eta E]`: runs exact SPPO (multiplicative
// weights from the uniform policy) on a preference matrix and prints the averaged policy, its
// duality gap and the regret bound as JSON.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>
#include <string>
#include <vector>

#include "banditry/duel/preference_matrix.hpp"
#include "banditry/game/sppo.hpp"
#include "command_registry.hpp"

namespace {

using nlohmann::json;

struct sppo_options {
  std::string matrix;
  std::size_t iterations = 0;
  double eta = 0;
  bool eta_given = false;  // false: the tuned step sqrt(8 log K / T)
  std::size_t top = 10;
};

json run_sppo_command(const sppo_options& options) {
  // The same reader and validation as `banditry winners`: complementarity and diagonal within 1e-9.
  const banditry::duel::preference_matrix matrix =
      banditry::duel::read_preference_matrix(options.matrix);
  const auto k = static_cast<Eigen::Index>(matrix.size());
  Eigen::MatrixXd P(k, k);
  for (Eigen::Index i = 0; i < k; ++i) {
    for (Eigen::Index j = 0; j < k; ++j) P(i, j) = matrix(i, j);
  }
  banditry::require(options.iterations >= 1, "game sppo", "--iterations", "at least 1",
                    options.iterations);
  const double kl_max = std::log(static_cast<double>(k));
  const bool tuned = !options.eta_given;
  double eta = options.eta;
  if (tuned) eta = k > 1 ? banditry::game::sppo_tuned_eta(kl_max, options.iterations) : 1.0;
  const std::vector<double> start(static_cast<std::size_t>(k), 1.0 / static_cast<double>(k));
  const banditry::game::sppo_result result =
      banditry::game::sppo_run(P, start, eta, options.iterations);

  std::vector<std::size_t> order(result.averaged.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return result.averaged[a] > result.averaged[b];
  });
  json largest = json::array();
  for (std::size_t r = 0; r < std::min(options.top, order.size()); ++r) {
    largest.push_back({{"response", order[r]}, {"probability", result.averaged[order[r]]}});
  }
  json out;
  out["matrix"] = options.matrix;
  out["K"] = k;
  out["iterations"] = options.iterations;
  out["eta"] = eta;
  out["eta_rule"] = tuned ? "tuned: sqrt(8 log K / T)" : "given by --eta";
  out["averaged_policy"] = result.averaged;
  out["duality_gap"] = result.averaged_gap;
  // sqrt(2 log K / T) bounds the gap only at the tuned step. For any eta the valid bound is
  // 2 (log K / (eta T) + eta / 8), printed as bound_for_eta.
  out["bound"] = std::sqrt(2 * kl_max / static_cast<double>(options.iterations));
  out["bound_for_eta"] = banditry::game::sppo_gap_bound(kl_max, eta, options.iterations);
  out["last_iterate_duality_gap"] = result.last_gap;
  out["largest_entries"] = largest;
  return out;
}

const banditry::tool::command_registrar registrar{
    {"game", [](CLI::App& program) {
       auto* game = program.add_subcommand(
           "game", "Self-play methods on finite games (SPPO on a preference matrix)");
       game->require_subcommand(1);
       auto options = std::make_shared<sppo_options>();
       auto* sppo = game->add_subcommand(
           "sppo",
           "Exact SPPO (multiplicative weights from the uniform policy); prints the averaged "
           "policy, its duality gap 2 max_y P(y > pi) - 1 and the bound sqrt(2 log K / T) as JSON");
       sppo->add_option("--matrix", options->matrix,
                        "Preference-matrix text file: one row per line, optional first line K")
           ->required();
       sppo->add_option("--iterations", options->iterations, "Number of rounds T (at least 1)")
           ->required();
       auto* eta =
           sppo->add_option("--eta", options->eta,
                            "Step size, positive (default: the tuned value sqrt(8 log K / T))");
       sppo->add_option("--top", options->top,
                        "Number of largest averaged-policy entries to list (default 10)");
       sppo->callback([options, eta] {
         options->eta_given = eta->count() > 0;
         if (options->eta_given && !(options->eta > 0 && std::isfinite(options->eta))) {
           banditry::throw_domain_error("game sppo", "--eta", "positive and finite", options->eta);
         }
         std::cout << run_sppo_command(*options).dump(2) << '\n';
       });
     }}};

}  // namespace

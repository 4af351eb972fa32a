// `banditry game sppo --matrix FILE --iterations T [--eta E] [--tolerance TOL]`: runs exact SPPO
// (multiplicative weights from the uniform policy) on a preference matrix and prints the averaged
// policy, its duality gap and the regret bound as JSON.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>
#include <string>
#include <vector>

#include "banditry/duel/preference_matrix.hpp"
#include "banditry/game/preference_game.hpp"
#include "banditry/game/sppo.hpp"
#include "cli_validators.hpp"
#include "command_registry.hpp"
#include "input_file.hpp"

namespace {

using banditry::tool::whole_number_at_least;

using nlohmann::json;

struct sppo_options {
  std::string matrix;
  std::size_t iterations = 0;
  double eta = 0;
  bool eta_given = false;  // false: the tuned step sqrt(8 log K / T)
  std::size_t top = 10;
  double tolerance = banditry::duel::preference_tolerance;
};

json run_sppo_command(const sppo_options& options) {
  // The same reader and validation as `banditry winners`, at --tolerance. The game functions check
  // complementarity at 1e-9, so the accepted matrix is projected onto exact complementarity.
  const banditry::duel::preference_matrix matrix = banditry::duel::parse_preference_matrix(
      banditry::tool::read_input(options.matrix, "--matrix"), options.tolerance);
  const auto k = static_cast<Eigen::Index>(matrix.size());
  Eigen::MatrixXd given(k, k);
  for (Eigen::Index i = 0; i < k; ++i) {
    for (Eigen::Index j = 0; j < k; ++j) given(i, j) = matrix(i, j);
  }
  const Eigen::MatrixXd P = banditry::game::complementary_projection(given, options.tolerance);
  const double kl_max = std::log(static_cast<double>(k));
  const double t = static_cast<double>(options.iterations);

  json out;
  out["matrix"] = options.matrix;
  out["K"] = k;
  out["tolerance"] = options.tolerance;
  out["max_projection_change"] = (P - given).cwiseAbs().maxCoeff();
  out["iterations"] = options.iterations;
  banditry::game::sppo_result result;
  if (k == 1) {
    // One response: the only policy is optimal and its duality gap is 2 P(y > y) - 1 = 0, so no
    // step size is involved. A given --eta is still reported with its bound eta / 4.
    result.averaged = {1.0};
    result.last = {1.0};
    out["eta"] = options.eta_given ? json(options.eta) : json(nullptr);
    out["eta_rule"] = "not applicable: K = 1, the single response is the only policy";
  } else {
    const double eta = options.eta_given
                           ? options.eta
                           : banditry::game::sppo_tuned_eta(kl_max, options.iterations);
    const std::vector<double> start(static_cast<std::size_t>(k), 1.0 / static_cast<double>(k));
    result = banditry::game::sppo_run(P, start, eta, options.iterations);
    out["eta"] = eta;
    out["eta_rule"] = options.eta_given ? "given by --eta" : "tuned: sqrt(8 log K / T)";
  }

  std::vector<std::size_t> order(result.averaged.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return result.averaged[a] > result.averaged[b];
  });
  json largest = json::array();
  for (std::size_t r = 0; r < std::min(options.top, order.size()); ++r) {
    largest.push_back({{"response", order[r]}, {"probability", result.averaged[order[r]]}});
  }
  out["averaged_policy"] = result.averaged;
  out["duality_gap"] = result.averaged_gap;
  // sqrt(2 log K / T) bounds the gap only at the tuned step (it is 0 for K = 1). For any eta the
  // valid bound is 2 (log K / (eta T) + eta / 8), printed as bound_for_eta.
  out["bound"] = std::sqrt(2 * kl_max / t);
  if (k == 1 && !options.eta_given) {
    out["bound_for_eta"] = 0.0;
  } else {
    const double eta = out["eta"].get<double>();
    const double bound = banditry::game::sppo_gap_bound(kl_max, eta, options.iterations);
    if (std::isfinite(bound)) {
      out["bound_for_eta"] = bound;
    } else {
      // JSON has no infinity, so the string "inf" replaces the bare null that nlohmann::json
      // writes.
      out["bound_for_eta"] = "inf";
      out["bound_for_eta_note"] =
          "log K / (eta T) exceeds the largest double; the bound is vacuous (the gap is at most 1)";
    }
  }
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
                        "Preference-matrix text file: one row per line, optional first line K "
                        "(the format of `banditry winners`)")
           ->required();
       sppo->add_option("--iterations", options->iterations, "Number of rounds T (at least 1)")
           ->required()
           ->check(whole_number_at_least(1));
       auto* eta =
           sppo->add_option("--eta", options->eta,
                            "Step size, positive (default: the tuned value sqrt(8 log K / T))");
       sppo->add_option("--top", options->top,
                        "Number of largest averaged-policy entries to list (default 10)")
           ->check(whole_number_at_least(0));
       sppo->add_option("--tolerance", options->tolerance,
                        "Accepted |P[i][j] + P[j][i] - 1| and |P[i][i] - 1/2| (default 1e-9); "
                        "the matrix is then projected onto exact complementarity");
       sppo->callback([options, eta] {
         options->eta_given = eta->count() > 0;
         if (options->eta_given && !(options->eta > 0 && std::isfinite(options->eta))) {
           banditry::throw_domain_error("game sppo", "--eta", "positive and finite", options->eta);
         }
         std::cout << run_sppo_command(*options).dump(2) << '\n';
       });
     }}};

}  // namespace

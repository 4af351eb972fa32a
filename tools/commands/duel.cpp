// `banditry winners --matrix FILE`: Condorcet, Copeland, Borda and von Neumann winners of a
// preference matrix as JSON.
// `banditry duel --matrix FILE --algorithm rucb|dts|rmed --rounds T --seed S`: runs a classic
// dueling-bandit algorithm and prints its regret and query count as JSON.
//
// Matrix files: one row per line, whitespace-separated probabilities, an optional first line with
// the size, '#' comments; P[i][j] + P[j][i] = 1 and P[i][i] = 1/2 within 1e-9, entries in [0, 1].
#include "banditry/duel.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "banditry/core/rng.hpp"
#include "cli_validators.hpp"
#include "command_registry.hpp"
#include "input_file.hpp"

namespace {

using banditry::tool::whole_number_at_least;

using banditry::duel::preference_matrix;
using nlohmann::json;

json number_or_null(double value) { return std::isfinite(value) ? json(value) : json(nullptr); }

json winners_json(const preference_matrix& p, const std::string& file) {
  using namespace banditry::duel;
  json out;
  out["matrix"] = file;
  out["K"] = p.size();
  out["tolerance"] = p.tolerance();
  const auto condorcet = condorcet_winner(p);
  out["condorcet_winner"] = condorcet ? json(*condorcet) : json(nullptr);
  const auto copeland = copeland_scores(p);
  out["copeland_scores"] = copeland;
  out["copeland_winners"] = copeland_winners(p);
  const auto borda = borda_scores(p);
  out["borda_scores"] = borda;
  out["borda_winners"] = borda_winners(p);
  const auto vn = von_neumann_winner(p);
  json support = json::array();
  for (std::size_t i = 0; i < vn.distribution.size(); ++i) {
    if (vn.distribution[i] > 0)
      support.push_back({{"item", i}, {"probability", vn.distribution[i]}});
  }
  out["von_neumann"] = {{"distribution", vn.distribution},
                        {"support", support},
                        {"duality_gap", vn.duality_gap},
                        {"weight_sum", vn.weight_sum},
                        {"pivots", vn.pivots},
                        {"status", to_string(vn.status)},
                        {"method", "dense simplex with Bland's rule on max 1'w, (P + 11')w <= 1"}};
  return out;
}

struct winners_options {
  std::string matrix;
  double tolerance = banditry::duel::preference_tolerance;
};

struct duel_options {
  std::string matrix;
  std::string algorithm = "rucb";
  std::size_t rounds = 10000;
  std::uint64_t seed = 1;
  double alpha = 0.51;
  std::vector<std::size_t> checkpoints;
};

const banditry::tool::command_registrar winners_registrar{
    {"winners", [](CLI::App& program) {
       auto options = std::make_shared<winners_options>();
       auto* sub = program.add_subcommand(
           "winners", "Condorcet, Copeland, Borda and von Neumann winners of a preference matrix");
       sub->add_option("--matrix", options->matrix,
                       "Text file: K rows of K probabilities P[i][j] (i beats j); optional first "
                       "line with K; '#' comments")
           ->required();
       sub->add_option("--tolerance", options->tolerance,
                       "Accepted |P[i][j] + P[j][i] - 1| and |P[i][i] - 1/2| (default 1e-9)");
       sub->callback([options] {
         const auto p = banditry::duel::parse_preference_matrix(
             banditry::tool::read_input(options->matrix, "--matrix"), options->tolerance);
         std::cout << winners_json(p, options->matrix).dump(2) << '\n';
       });
     }}};

const banditry::tool::command_registrar duel_registrar{
    {"duel", [](CLI::App& program) {
       auto options = std::make_shared<duel_options>();
       auto* sub = program.add_subcommand(
           "duel", "Run a classic dueling-bandit algorithm (RUCB, DTS, RMED1) on a matrix");
       sub->add_option("--matrix", options->matrix, "Preference-matrix text file (see winners)")
           ->required();
       sub->add_option("--algorithm", options->algorithm, "rucb, dts or rmed (default rucb)");
       sub->add_option("--rounds", options->rounds, "Horizon T >= 1 (default 10000)")
           ->check(whole_number_at_least(1));
       sub->add_option("--seed", options->seed, "Master seed, 0 to 2^64 - 1 (default 1)")
           ->check(whole_number_at_least(0));
       sub->add_option("--alpha", options->alpha, "Exploration of RUCB and DTS, > 0.5 (0.51)");
       sub->add_option("--checkpoints", options->checkpoints,
                       "Rounds in [1, T] at which to report cumulative regret, in any order; a "
                       "repeated round is reported once (default: 10 log-spaced)")
           ->check(whole_number_at_least(1));
       sub->callback([options] {
         using namespace banditry::duel;
         const auto p =
             parse_preference_matrix(banditry::tool::read_input(options->matrix, "--matrix"));
         const auto algorithm = parse_dueling_algorithm(options->algorithm);
         for (std::size_t c : options->checkpoints) {
           if (c > options->rounds) {
             throw std::invalid_argument("--checkpoints: " + std::to_string(c) +
                                         " exceeds --rounds " + std::to_string(options->rounds) +
                                         "; every checkpoint must be in [1, T]");
           }
         }
         std::vector<std::size_t> checkpoints =
             sorted_checkpoints(options->checkpoints, options->rounds);
         if (checkpoints.empty()) {
           for (int i = 1; i <= 10; ++i) {
             const double t = std::pow(static_cast<double>(options->rounds), i / 10.0);
             const auto c = static_cast<std::size_t>(std::llround(t));
             if (checkpoints.empty() || c > checkpoints.back()) checkpoints.push_back(c);
           }
         }
         const std::string stream = std::string("duel.") + to_string(algorithm);
         auto data = banditry::make_stream(options->seed, "duel", 0, 0, banditry::substream::data);
         auto rng =
             banditry::make_stream(options->seed, stream, 0, 0, banditry::substream::algorithm);
         dueling_options tuning;
         tuning.alpha = options->alpha;
         const auto r =
             run_dueling_bandit(p, algorithm, options->rounds, data, rng, checkpoints, tuning);
         json out;
         out["matrix"] = options->matrix;
         out["K"] = p.size();
         out["algorithm"] = to_string(algorithm);
         out["rounds"] = r.rounds;
         out["seed"] = options->seed;
         out["queries"] = r.queries;
         out["condorcet_winner"] = r.condorcet ? json(*r.condorcet) : json(nullptr);
         out["condorcet_regret"] = number_or_null(r.condorcet_regret);
         out["copeland_regret"] = r.copeland_regret;
         json curve = json::array();
         for (std::size_t i = 0; i < r.checkpoints.size(); ++i) {
           curve.push_back({{"t", r.checkpoints[i]},
                            {"condorcet_regret", number_or_null(r.condorcet_regret_at[i])},
                            {"copeland_regret", r.copeland_regret_at[i]}});
         }
         out["regret_curve"] = curve;
         out["plays"] = r.plays;
         std::cout << out.dump(2) << '\n';
       });
     }}};

}  // namespace

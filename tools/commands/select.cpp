// `banditry select` and `banditry estimate`: Pass@k selection and accuracy estimates on JSON Lines
// input, one prompt per line (formats in select_io.hpp, option checks in select_options.hpp, the
// estimate report in select_estimate.hpp).
//
//   banditry select [FILE] --method best-of-majority --k 3 --alpha 0.005 [--summary]
//     writes one JSON line per prompt: {"id", "line", "n", "distinct", "selected": [answers],
//     "counts": [their counts], "correct" (when gold is given)}; with --summary only one object
//     {"prompts", "with_gold", "method", "k", "accuracy"} (accuracy over the prompts that have a
//     gold answer).
//   banditry estimate [FILE] --k 1,4,16 [--resamples 1000]
//     prints {"prompts", "k": [...], "resamples", "ties", "pass@k": {...}, "maj@k": {...},
//     "bon@k": {...}}: unbiased pass@k, and majority voting / Best-of-N with one submission on
//     k-sample subsets, each as the mean over prompts with its standard errors and a 95 % interval
//     over prompts clipped to [0, 1]. Every prompt needs a gold answer; bon@k needs scores on every
//     prompt and is null when no prompt has any. The k keys are in increasing numeric order.
//
// Random ties and soft Best-of-N draws use, for prompt i (0-based input order), the generator
// xoshiro256ss(stream_key(seed, fnv1a64("banditry select"), i, 0, 1)). estimate uses one generator
// per (estimator, prompt, k), described at estimate_generator. Output never depends on threads.
#include "banditry/select.hpp"

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "banditry/core/rng.hpp"
#include "cli_validators.hpp"
#include "command_registry.hpp"
#include "input_file.hpp"
#include "select_estimate.hpp"
#include "select_io.hpp"
#include "select_options.hpp"

namespace {

using banditry::tool::whole_number_at_least;

using namespace banditry;
using namespace banditry::select;
using banditry::tool::input_error;
using banditry::tool::prompt_record;

struct select_options {
  std::string input = "-";
  std::string format = "jsonl";
  tool::select_settings settings;
  std::uint64_t seed = 0;
  bool summary = false;
  std::string ks = "1";
  std::uint64_t resamples = 1000;
};

// Options of one command that are set on the command line, by name.
std::vector<std::string> given_options(const CLI::App& sub) {
  std::vector<std::string> given;
  for (const auto* option : sub.get_options()) {
    if (option->count() > 0 && !option->get_lnames().empty()) {
      given.push_back("--" + option->get_lnames().front());
    }
  }
  return given;
}

// Rejects what CLI11 left over (allow_extras is on so that this message, not CLI11's list of
// "arguments not expected", explains the mistake).
void reject_extras(const CLI::App& sub, const std::string& command) {
  const auto extras = sub.remaining();
  if (extras.empty()) return;
  for (const auto& extra : extras) {
    if (extra.size() > 1 && extra[0] == '-') {
      std::string message = "unknown option " + extra + " for banditry " + command;
      const auto name = extra.substr(0, extra.find('='));
      if (command == "estimate" && name == "--method") {
        message +=
            " (estimate always reports pass@k, maj@k from majority voting and bon@k from "
            "Best-of-N; --method is an option of banditry select)";
      } else if (command == "estimate" &&
                 (name == "--alpha" || name == "--beta" || name == "--tau" || name == "--weight" ||
                  name == "--empty-filter" || name == "--summary")) {
        message += " (it is an option of banditry select)";
      } else if (command == "select" && name == "--resamples") {
        message += " (it is an option of banditry estimate)";
      }
      throw input_error(message + "; see banditry " + command + " --help");
    }
  }
  throw input_error("unexpected argument " + extras.front() + " for banditry " + command +
                    " (it reads one input file)");
}

tool::select_format parse_format(const std::string& name) {
  const auto format = tool::parse_select_format(name);
  if (!format) {
    throw input_error("option --format: must be jsonl, answer-pools or reward-scores, got \"" +
                      name + "\"");
  }
  return *format;
}

std::vector<prompt_record> read_records(const select_options& options) {
  const auto format = parse_format(options.format);
  std::istringstream in(tool::read_input(options.input, "input", /*allow_stdin=*/true));
  return tool::read_prompts(in, format);
}

// Wraps library errors with the record's line so the user can find the bad input.
template <class Function>
auto at_line(const prompt_record& record, Function&& function) {
  try {
    return function();
  } catch (const std::exception& e) {
    throw input_error("line " + std::to_string(record.line) + ": " + e.what());
  }
}

nlohmann::json id_json(const prompt_record& record) {
  return record.id ? nlohmann::json(*record.id) : nlohmann::json(nullptr);
}

void run_select(const select_options& options) {
  const auto [rule, aggregate] = tool::make_select_rule(options.settings);
  parse_format(options.format);
  const auto records = read_records(options);
  std::size_t with_gold = 0;
  std::size_t correct = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& record = records[i];
    if (needs_scores(rule) && record.scores.empty()) {
      throw input_error("line " + std::to_string(record.line) + ": field \"scores\": is missing (" +
                        std::string(to_string(rule.kind)) + " ranks by score)");
    }
    const auto grouped = at_line(record, [&] {
      return group_answers(std::span<const std::string>(record.answers),
                           std::span<const double>(record.scores),
                           {.aggregate = aggregate, .empty_is_no_answer = true});
    });
    xoshiro256ss rng(stream_key(options.seed, fnv1a64("banditry select"), i, 0, 1));
    const auto selection = at_line(record, [&] { return apply(rule, grouped.groups, rng); });
    nlohmann::json out;
    out["id"] = id_json(record);
    out["line"] = record.line;
    out["n"] = record.answers.size();
    out["distinct"] = grouped.answers.size();
    out["selected"] = nlohmann::json::array();
    out["counts"] = nlohmann::json::array();
    bool hit = false;
    for (std::size_t j : selection) {
      out["selected"].push_back(grouped.answers[j]);
      out["counts"].push_back(grouped.groups.counts[j]);
      hit = hit || (record.gold && grouped.answers[j] == *record.gold);
    }
    if (record.gold) {
      out["correct"] = hit;
      ++with_gold;
      correct += hit ? 1 : 0;
    }
    if (!options.summary) std::cout << out.dump() << '\n';
  }
  if (options.summary) {
    nlohmann::json s;
    s["prompts"] = records.size();
    s["with_gold"] = with_gold;
    s["method"] = options.settings.method;
    s["k"] = options.settings.k;
    s["accuracy"] =
        with_gold > 0
            ? nlohmann::json(static_cast<double>(correct) / static_cast<double>(with_gold))
            : nlohmann::json(nullptr);
    std::cout << s.dump() << '\n';
  }
}

void run_estimate(const select_options& options) {
  tool::estimate_settings settings;
  settings.ks = tool::parse_k_list(options.ks);
  settings.aggregate = tool::parse_aggregation_option(options.settings.aggregate);
  settings.ties = tool::parse_ties_option(options.settings.ties);
  settings.resamples = options.resamples;
  settings.seed = options.seed;
  parse_format(options.format);
  std::cout << tool::estimate_report(read_records(options), settings).dump(2) << '\n';
}

void add_common(CLI::App* sub, select_options& o) {
  sub->add_option("input", o.input, "JSON Lines input file, '-' for stdin (default)");
  sub->add_option("--format", o.format,
                  "jsonl (default), answer-pools (score = -completion tokens) or reward-scores");
  sub->add_option("--seed", o.seed,
                  "seed of random ties and random draws, a whole number >= 0 (default 0)")
      ->check(whole_number_at_least(0));
  sub->allow_extras();
}

const tool::command_registrar select_registrar{
    {"select", [](CLI::App& program) {
       auto options = std::make_shared<select_options>();
       auto& s = options->settings;
       auto* sub = program.add_subcommand(
           "select", "Pick up to k distinct answers per prompt from sampled answers (JSON Lines)");
       add_common(sub, *options);
       sub->add_option("--method", s.method,
                       "majority, best-of-n, best-of-majority, soft-best-of-n, weighted-majority");
       sub->add_option("--k", s.k, "maximum number of submitted answers, >= 1 (default 1)")
           ->check(whole_number_at_least(1));
       sub->add_option("--aggregate", s.aggregate,
                       "score aggregation per answer for methods that use scores: mean (default), "
                       "max or sum");
       sub->add_option(
           "--ties", s.ties,
           "tie policy of ranking methods: first (first appearance, default) or random");
       sub->add_option("--alpha", s.alpha,
                       "best-of-majority frequency threshold in [0, 1] (default 0.005)");
       sub->add_option("--empty-filter", s.empty_filter,
                       "best-of-majority when no answer reaches alpha: fallback (default) or none");
       sub->add_option("--beta", s.beta, "soft-best-of-n inverse temperature, finite (default 1)");
       sub->add_option("--weight", s.weight,
                       "weighted-majority weight: exponential (default), identity or unit");
       sub->add_option("--tau", s.tau,
                       "weighted-majority exponential temperature, > 0 (default 1)");
       sub->add_flag("--summary", options->summary,
                     "print only {prompts, with_gold, method, k, accuracy} instead of one line "
                     "per prompt");
       sub->callback([options, sub] {
         reject_extras(*sub, "select");
         options->settings.given = given_options(*sub);
         run_select(*options);
       });
     }}};

const tool::command_registrar estimate_registrar{
    {"estimate", [](CLI::App& program) {
       auto options = std::make_shared<select_options>();
       options->settings.ties = "random";
       auto* sub = program.add_subcommand(
           "estimate",
           "Unbiased pass@k, maj@k (majority voting) and bon@k (Best-of-N) averages over prompts "
           "with gold answers; all three are always reported");
       add_common(sub, *options);
       sub->add_option("--k", options->ks,
                       "comma-separated subset sizes >= 1, e.g. 1,4,16 (repeats dropped, sorted)");
       sub->add_option("--aggregate", options->settings.aggregate,
                       "score aggregation per answer for bon@k: mean (default), max or sum");
       sub->add_option("--ties", options->settings.ties,
                       "tie policy: random (default) or first (first appearance)");
       sub->add_option("--resamples", options->resamples,
                       "resampled subsets per prompt when enumeration is too large, >= 2 "
                       "(default 1000)")
           ->check(whole_number_at_least(2));
       sub->callback([options, sub] {
         reject_extras(*sub, "estimate");
         run_estimate(*options);
       });
     }}};

}  // namespace

// `banditry select` and `banditry estimate`: Pass@k selection and accuracy estimates on JSON Lines
// input, one prompt per line (formats in select_io.hpp).
//
//   banditry select [FILE] --method best-of-majority --k 3 --alpha 0.005 [--summary]
//     writes one JSON line per prompt: {"id", "line", "n", "distinct", "selected": [answers],
//     "counts": [their counts], "correct" (when gold is given)}; with --summary only one object
//     {"prompts", "with_gold", "accuracy"} (accuracy over the prompts that have a gold answer).
//   banditry estimate [FILE] --k 1,4,16 [--resamples 1000]
//     prints {"prompts", "k": [...], "pass@k": {...}, "maj@k": {...}, "bon@k": {...}}: unbiased
//     pass@k, and majority voting / Best-of-N with one submission on k-sample subsets, each as the
//     mean over prompts with its standard errors and a 95 % interval over prompts. Every prompt
//     needs a gold answer; bon@k needs scores on every prompt and is null when no prompt has any.
//
// Random ties and soft Best-of-N draws use, for prompt i (0-based input order), the generator
// xoshiro256ss(stream_key(seed, fnv1a64("banditry select"), i, 0, 1)) (estimate: "banditry
// estimate", with one fresh generator per (prompt, k, rule)), so output does not depend on threads.
#include "banditry/select.hpp"

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "banditry/core/rng.hpp"
#include "command_registry.hpp"
#include "select_io.hpp"

namespace {

using namespace banditry;
using namespace banditry::select;
using banditry::tool::input_error;
using banditry::tool::prompt_record;

struct select_options {
  std::string input = "-";
  std::string format = "jsonl";
  std::string method_name = "majority";
  std::size_t k = 1;
  double alpha = 0.005;
  double beta = 1;
  std::string aggregate = "mean";
  std::string ties = "first";
  std::string empty_filter_name = "fallback";
  std::string weight = "exponential";
  double tau = 1;
  std::uint64_t seed = 0;
  bool summary = false;
  std::string ks = "1";
  std::size_t resamples = 1000;
};

aggregation parse_aggregation(const std::string& name) {
  if (name == "mean") return aggregation::mean;
  if (name == "max") return aggregation::max;
  if (name == "sum") return aggregation::sum;
  throw input_error("option --aggregate: must be mean, max or sum, got \"" + name + "\"");
}

std::vector<prompt_record> read_input(const select_options& options) {
  const auto format = tool::parse_select_format(options.format);
  if (!format) {
    throw input_error("option --format: must be jsonl, answer-pools or reward-scores, got \"" +
                      options.format + "\"");
  }
  if (options.input == "-") return tool::read_prompts(std::cin, *format);
  std::ifstream in(options.input);
  if (!in) throw input_error("cannot open input file \"" + options.input + "\"");
  return tool::read_prompts(in, *format);
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

selection_rule make_rule(const select_options& options) {
  selection_rule rule;
  const auto kind = parse_method(options.method_name);
  if (!kind) {
    throw input_error(
        "option --method: must be majority, best-of-n, best-of-majority, soft-best-of-n or "
        "weighted-majority, got \"" +
        options.method_name + "\"");
  }
  rule.kind = *kind;
  rule.k = options.k;
  rule.alpha = options.alpha;
  rule.beta = options.beta;
  rule.tau = options.tau;
  if (options.ties == "first") {
    rule.ties = tie_break::first_appearance;
  } else if (options.ties == "random") {
    rule.ties = tie_break::random;
  } else {
    throw input_error("option --ties: must be first or random, got \"" + options.ties + "\"");
  }
  if (options.empty_filter_name == "fallback") {
    rule.on_empty = empty_filter::fallback_max_count;
  } else if (options.empty_filter_name == "none") {
    rule.on_empty = empty_filter::return_empty;
  } else {
    throw input_error("option --empty-filter: must be fallback or none, got \"" +
                      options.empty_filter_name + "\"");
  }
  if (options.weight == "exponential") {
    rule.weight = vote_weight::exponential;
  } else if (options.weight == "identity") {
    rule.weight = vote_weight::identity;
  } else if (options.weight == "unit") {
    rule.weight = vote_weight::unit;
  } else {
    throw input_error("option --weight: must be exponential, identity or unit, got \"" +
                      options.weight + "\"");
  }
  return rule;
}

void run_select(const select_options& options) {
  const auto rule = make_rule(options);
  const auto aggregate = parse_aggregation(options.aggregate);
  const auto records = read_input(options);
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
    out["id"] = record.id;
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
    s["method"] = options.method_name;
    s["k"] = options.k;
    s["accuracy"] =
        with_gold > 0
            ? nlohmann::json(static_cast<double>(correct) / static_cast<double>(with_gold))
            : nlohmann::json(nullptr);
    std::cout << s.dump() << '\n';
  }
}

std::vector<std::size_t> parse_ks(const std::string& text) {
  std::vector<std::size_t> ks;
  std::stringstream list(text);
  std::string item;
  while (std::getline(list, item, ',')) {
    std::size_t used = 0;
    unsigned long long value = 0;
    try {
      value = std::stoull(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != item.size() || value == 0) {
      throw input_error("option --k: must be a comma-separated list of positive integers, got \"" +
                        text + "\"");
    }
    ks.push_back(value);
  }
  if (ks.empty()) throw input_error("option --k: must list at least one value");
  return ks;
}

nlohmann::json summary_json(const benchmark_estimate& b) {
  return {{"mean", b.mean},
          {"se_prompts", b.se_prompts},
          {"se_resampling", b.se_resampling},
          {"ci_lo", b.ci_lo},
          {"ci_hi", b.ci_hi}};
}

void run_estimate(const select_options& options) {
  const auto ks = parse_ks(options.ks);
  const auto aggregate = parse_aggregation(options.aggregate);
  if (options.resamples < 2) throw input_error("option --resamples: must be at least 2");
  tie_break ties = tie_break::random;
  if (options.ties == "first") {
    ties = tie_break::first_appearance;
  } else if (options.ties != "random") {
    throw input_error("option --ties: must be first or random, got \"" + options.ties + "\"");
  }
  const auto records = read_input(options);
  if (records.empty()) throw input_error("input: contains no prompts");
  bool any_scores = false;
  bool all_scores = true;
  std::vector<answer_pool> pools;
  for (const auto& record : records) {
    if (!record.gold) {
      throw input_error("line " + std::to_string(record.line) +
                        ": field \"gold\": is missing (estimate needs the correct answer)");
    }
    for (std::size_t k : ks) {
      if (k > record.answers.size()) {
        throw input_error("line " + std::to_string(record.line) + ": field \"answers\": has " +
                          std::to_string(record.answers.size()) +
                          " samples, fewer than k = " + std::to_string(k));
      }
    }
    any_scores = any_scores || !record.scores.empty();
    all_scores = all_scores && !record.scores.empty();
    const std::string gold = *record.gold;
    pools.push_back(at_line(record, [&] {
      return make_pool(std::span<const std::string>(record.answers),
                       std::span<const double>(record.scores),
                       [&](const std::string& a) { return a == gold; },
                       {.aggregate = aggregate, .empty_is_no_answer = true});
    }));
  }
  if (any_scores && !all_scores) {
    for (const auto& record : records) {
      if (record.scores.empty()) {
        throw input_error("line " + std::to_string(record.line) +
                          ": field \"scores\": is missing while other prompts have scores");
      }
    }
  }
  nlohmann::json out;
  out["prompts"] = records.size();
  out["k"] = ks;
  out["resamples"] = options.resamples;
  out["ties"] = ties == tie_break::random ? "random" : "first";
  nlohmann::json pass;
  nlohmann::json maj;
  nlohmann::json bon = any_scores ? nlohmann::json::object() : nlohmann::json(nullptr);
  const auto experiment = fnv1a64("banditry estimate");
  for (std::size_t ki = 0; ki < ks.size(); ++ki) {
    const std::size_t k = ks[ki];
    std::vector<pass_estimate> p_values;
    std::vector<pass_estimate> m_values;
    std::vector<pass_estimate> b_values;
    for (std::size_t i = 0; i < pools.size(); ++i) {
      const auto& pool = pools[i];
      p_values.push_back({unbiased_pass_at_k(pool.size(), pool.correct_count(), k), 0, 0, true});
      const selection_rule mv{.kind = method::majority, .k = 1, .ties = ties};
      xoshiro256ss mv_rng(stream_key(options.seed, experiment, i, ki, 1));
      m_values.push_back(subset_pass_rate(pool, mv, k, options.resamples, mv_rng));
      if (any_scores) {
        const selection_rule bn{.kind = method::best_of_n, .k = 1, .ties = ties};
        xoshiro256ss bn_rng(stream_key(options.seed, experiment, i, ks.size() + ki, 1));
        b_values.push_back(subset_pass_rate(pool, bn, k, options.resamples, bn_rng));
      }
    }
    const std::string key = std::to_string(k);
    pass[key] = summary_json(summarise_prompts(p_values));
    maj[key] = summary_json(summarise_prompts(m_values));
    if (any_scores) bon[key] = summary_json(summarise_prompts(b_values));
  }
  out["pass@k"] = pass;
  out["maj@k"] = maj;
  out["bon@k"] = bon;
  std::cout << out.dump(2) << '\n';
}

void add_common(CLI::App* sub, select_options& o) {
  sub->add_option("input", o.input, "JSON Lines input file, '-' for stdin (default)");
  sub->add_option("--format", o.format,
                  "jsonl (default), answer-pools (score = -completion tokens) or reward-scores");
  sub->add_option("--aggregate", o.aggregate, "score aggregation per answer: mean, max or sum");
  sub->add_option("--ties", o.ties, "tie policy: first (first appearance) or random");
  sub->add_option("--seed", o.seed, "seed of random ties and soft Best-of-N draws (default 0)");
}

const tool::command_registrar select_registrar{
    {"select", [](CLI::App& program) {
       auto options = std::make_shared<select_options>();
       auto* sub = program.add_subcommand(
           "select", "Pick up to k distinct answers per prompt from sampled answers (JSON Lines)");
       add_common(sub, *options);
       sub->add_option("--method", options->method_name,
                       "majority, best-of-n, best-of-majority, soft-best-of-n, weighted-majority");
       sub->add_option("--k", options->k, "maximum number of submitted answers (default 1)");
       sub->add_option("--alpha", options->alpha,
                       "Best-of-Majority frequency threshold (default 0.005)");
       sub->add_option("--beta", options->beta, "soft Best-of-N inverse temperature (default 1)");
       sub->add_option("--empty-filter", options->empty_filter_name,
                       "Best-of-Majority when no answer reaches alpha: fallback or none");
       sub->add_option("--weight", options->weight,
                       "weighted-majority weight: exponential (default), identity or unit");
       sub->add_option("--tau", options->tau, "weighted-majority exponential temperature");
       sub->add_flag("--summary", options->summary,
                     "print only {prompts, with_gold, accuracy} instead of one line per prompt");
       sub->callback([options] { run_select(*options); });
     }}};

const tool::command_registrar estimate_registrar{
    {"estimate", [](CLI::App& program) {
       auto options = std::make_shared<select_options>();
       options->ties = "random";
       options->aggregate = "mean";
       auto* sub = program.add_subcommand(
           "estimate", "Unbiased pass@k, maj@k and BoN@k averages over prompts with gold answers");
       add_common(sub, *options);
       sub->add_option("--k", options->ks, "comma-separated subset sizes, e.g. 1,4,16");
       sub->add_option("--resamples", options->resamples,
                       "resampled subsets per prompt when enumeration is too large (default 1000)");
       sub->callback([options] { run_estimate(*options); });
     }}};

}  // namespace

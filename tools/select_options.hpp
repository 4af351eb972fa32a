// Option checks of `banditry select` and `banditry estimate`, kept apart from the command so that
// tests can call them: whole-number options, the list of subset sizes, parameter ranges and the
// options that apply to each selection method. Every error is an input_error whose message starts
// with "option --<name>: ".
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "banditry/select/rule.hpp"
#include "select_io.hpp"

namespace banditry::tool {

/// Formats a number option's value for a message: 1.5, -1, nan, inf.
inline std::string option_number_text(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

/// Parses a whole-number option: decimal digits only (no sign, so "-1" cannot wrap to 2^64 - 1).
/// \param text the option's value as typed
/// \param option the option name, e.g. "--k", used in the message
/// \param minimum the smallest allowed value
/// \returns the value, in [minimum, 2^64 - 1]
/// \throws input_error "option <option>: must be a whole number >= <minimum> ..., got <text>"
inline std::uint64_t parse_whole_number(std::string_view text, std::string_view option,
                                        std::uint64_t minimum) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [next, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || next != end || value < minimum) {
    throw input_error("option " + std::string(option) + ": must be a whole number >= " +
                      std::to_string(minimum) + " (at most 2^64 - 1), got " + std::string(text));
  }
  return value;
}

/// Parses the `estimate --k` list, e.g. "1,4,16". Repeated values are dropped and the rest sorted
/// in increasing order, so "4,1,4" gives {1, 4}.
/// \throws input_error for an empty list, an empty item or an item that is not a whole number >= 1
inline std::vector<std::uint64_t> parse_k_list(const std::string& text) {
  std::vector<std::uint64_t> ks;
  std::stringstream list(text);
  std::string item;
  while (std::getline(list, item, ',')) {
    try {
      ks.push_back(parse_whole_number(item, "--k", 1));
    } catch (const input_error&) {
      throw input_error("option --k: must be a comma-separated list of whole numbers >= 1, got \"" +
                        text + "\"");
    }
  }
  if (ks.empty() || text.back() == ',') {
    throw input_error("option --k: must be a comma-separated list of whole numbers >= 1, got \"" +
                      text + "\"");
  }
  std::sort(ks.begin(), ks.end());
  ks.erase(std::unique(ks.begin(), ks.end()), ks.end());
  return ks;
}

/// Parses --aggregate: mean, max or sum.
inline select::aggregation parse_aggregation_option(const std::string& name) {
  if (name == "mean") return select::aggregation::mean;
  if (name == "max") return select::aggregation::max;
  if (name == "sum") return select::aggregation::sum;
  throw input_error("option --aggregate: must be mean, max or sum, got \"" + name + "\"");
}

/// Parses --ties: first (first appearance) or random.
inline select::tie_break parse_ties_option(const std::string& name) {
  if (name == "first") return select::tie_break::first_appearance;
  if (name == "random") return select::tie_break::random;
  throw input_error("option --ties: must be first or random, got \"" + name + "\"");
}

/// The options of `banditry select` as typed, plus the names of those the user set.
struct select_settings {
  std::string method = "majority";
  std::uint64_t k = 1;
  double alpha = 0.005;
  double beta = 1;
  double tau = 1;
  std::string aggregate = "mean";
  std::string ties = "first";
  std::string empty_filter = "fallback";
  std::string weight = "exponential";
  std::vector<std::string> given;  ///< options set on the command line, e.g. "--beta"
};

/// Builds the selection rule of `banditry select` and checks every option before any input is read.
///
/// Ranges: --k >= 1, --alpha in [0, 1] (a frequency threshold, so above 1 no answer could pass),
/// --beta finite, --tau finite and > 0. An option that the method ignores is an error, so a typo in
/// --method cannot pass unnoticed: --alpha and --empty-filter need best-of-majority, --beta needs
/// soft-best-of-n, --weight needs weighted-majority, --tau needs weighted-majority with the
/// exponential weight, --aggregate needs a method that uses scores and --ties any method except
/// soft-best-of-n (which draws instead of ranking).
/// \returns the rule and the aggregation of sample scores per answer
/// \throws input_error naming the option
inline std::pair<select::selection_rule, select::aggregation> make_select_rule(
    const select_settings& settings) {
  using select::method;
  select::selection_rule rule;
  const auto kind = select::parse_method(settings.method);
  if (!kind) {
    throw input_error(
        "option --method: must be majority, best-of-n, best-of-majority, soft-best-of-n or "
        "weighted-majority, got \"" +
        settings.method + "\"");
  }
  rule.kind = *kind;
  if (settings.k < 1) throw input_error("option --k: must be at least 1, got 0");
  rule.k = settings.k;
  if (!(settings.alpha >= 0 && settings.alpha <= 1)) {
    throw input_error("option --alpha: must be a frequency threshold in [0, 1], got " +
                      option_number_text(settings.alpha));
  }
  rule.alpha = settings.alpha;
  if (!std::isfinite(settings.beta)) {
    throw input_error("option --beta: must be a finite number, got " +
                      option_number_text(settings.beta));
  }
  rule.beta = settings.beta;
  if (!(settings.tau > 0) || !std::isfinite(settings.tau)) {
    throw input_error("option --tau: must be finite and > 0, got " +
                      option_number_text(settings.tau));
  }
  rule.tau = settings.tau;
  rule.ties = parse_ties_option(settings.ties);
  if (settings.empty_filter == "fallback") {
    rule.on_empty = select::empty_filter::fallback_max_count;
  } else if (settings.empty_filter == "none") {
    rule.on_empty = select::empty_filter::return_empty;
  } else {
    throw input_error("option --empty-filter: must be fallback or none, got \"" +
                      settings.empty_filter + "\"");
  }
  if (settings.weight == "exponential") {
    rule.weight = select::vote_weight::exponential;
  } else if (settings.weight == "identity") {
    rule.weight = select::vote_weight::identity;
  } else if (settings.weight == "unit") {
    rule.weight = select::vote_weight::unit;
  } else {
    throw input_error("option --weight: must be exponential, identity or unit, got \"" +
                      settings.weight + "\"");
  }
  const auto aggregate = parse_aggregation_option(settings.aggregate);

  const auto given = [&](std::string_view name) {
    return std::find(settings.given.begin(), settings.given.end(), name) != settings.given.end();
  };
  const auto reject = [&](std::string_view name, std::string_view needs) {
    throw input_error("option " + std::string(name) + ": applies only to " + std::string(needs) +
                      ", not to --method " + settings.method);
  };
  if (rule.kind != method::best_of_majority) {
    if (given("--alpha")) reject("--alpha", "--method best-of-majority");
    if (given("--empty-filter")) reject("--empty-filter", "--method best-of-majority");
  }
  if (rule.kind != method::soft_best_of_n && given("--beta")) {
    reject("--beta", "--method soft-best-of-n");
  }
  if (rule.kind != method::weighted_majority && given("--weight")) {
    reject("--weight", "--method weighted-majority");
  }
  if (given("--tau") &&
      (rule.kind != method::weighted_majority || rule.weight != select::vote_weight::exponential)) {
    throw input_error(
        "option --tau: applies only to --method weighted-majority with --weight exponential");
  }
  if (given("--aggregate") && !select::needs_scores(rule)) {
    reject("--aggregate", "methods that use scores");
  }
  if (given("--ties") && rule.kind == method::soft_best_of_n) {
    reject("--ties", "ranking methods (soft-best-of-n draws answers at random)");
  }
  return {rule, aggregate};
}

}  // namespace banditry::tool

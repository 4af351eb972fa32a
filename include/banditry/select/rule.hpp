// A selection rule as data (method plus parameters), applied to grouped answers by one call.
//
// Used by the resampling estimators, the simulators and the command-line tool, which all choose the
// rule at run time.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "banditry/core/rng.hpp"
#include "banditry/select/grouping.hpp"
#include "banditry/select/ranking.hpp"
#include "banditry/select/rules.hpp"

namespace banditry::select {

/// The selection rules of rules.hpp.
enum class method { majority, best_of_n, best_of_majority, soft_best_of_n, weighted_majority };

/// Name of a method as used on the command line: majority, best-of-n, best-of-majority,
/// soft-best-of-n, weighted-majority. Never throws.
constexpr std::string_view to_string(method m) noexcept {
  switch (m) {
    case method::majority:
      return "majority";
    case method::best_of_n:
      return "best-of-n";
    case method::best_of_majority:
      return "best-of-majority";
    case method::soft_best_of_n:
      return "soft-best-of-n";
    case method::weighted_majority:
      return "weighted-majority";
  }
  return "?";
}

/// Parses a method name written by to_string. \returns std::nullopt for an unknown name. O(1).
inline std::optional<method> parse_method(std::string_view name) {
  for (method m : {method::majority, method::best_of_n, method::best_of_majority,
                   method::soft_best_of_n, method::weighted_majority}) {
    if (to_string(m) == name) return m;
  }
  return std::nullopt;
}

/// A rule with its parameters. Fields that a method does not use are ignored.
struct selection_rule {
  method kind = method::majority;
  std::size_t k = 1;  ///< maximum number of submitted answers
  double alpha = 0;   ///< Best-of-Majority frequency threshold
  empty_filter on_empty = empty_filter::fallback_max_count;  ///< Best-of-Majority empty filter
  double beta = 1;                                           ///< soft Best-of-N inverse temperature
  bool calibrated = false;                                   ///< soft Best-of-N on mid-rank scores
  vote_weight weight = vote_weight::exponential;             ///< weighted-majority weight function
  double tau = 1;                                ///< weighted-majority exponential temperature
  tie_break ties = tie_break::first_appearance;  ///< tie policy of the ranking rules
};

/// True when the rule ranks or weights by score (all but majority voting and unit-weight voting).
constexpr bool needs_scores(const selection_rule& rule) noexcept {
  return rule.kind != method::majority &&
         !(rule.kind == method::weighted_majority && rule.weight == vote_weight::unit);
}

/// True when the rule draws from the generator (random ties or soft Best-of-N).
constexpr bool uses_generator(const selection_rule& rule) noexcept {
  return rule.kind == method::soft_best_of_n || rule.ties == tie_break::random;
}

/// Applies `rule` to one prompt's grouped answers.
/// \param rule the method and its parameters
/// \param groups grouped answers (with scores when needs_scores(rule))
/// \param rng generator for random ties (M - 1 uniform integers) and soft Best-of-N draws;
/// untouched
///        by deterministic rules with first-appearance ties
/// \returns answer indices in the rule's order
/// \throws whatever the underlying rule throws (missing scores, bad alpha, beta or tau)
/// Complexity: that of the rule.
template <random_engine64 Rng>
std::vector<std::size_t> apply(const selection_rule& rule, const answer_groups& groups, Rng& rng) {
  auto run = [&](auto&& ties) -> std::vector<std::size_t> {
    switch (rule.kind) {
      case method::majority:
        return majority_vote(groups, rule.k, ties);
      case method::best_of_n:
        return best_of_n(groups, rule.k, ties);
      case method::best_of_majority:
        return best_of_majority(groups, rule.k, rule.alpha, rule.on_empty, ties);
      case method::weighted_majority:
        return weighted_majority(groups, rule.k, rule.weight, rule.tau, ties);
      case method::soft_best_of_n:
        return soft_best_of_n(groups, rule.k, rule.beta, rng, rule.calibrated);
    }
    return {};
  };
  if (rule.ties == tie_break::random && rule.kind != method::soft_best_of_n) return run(rng);
  return run(first_appearance_ties{});
}

}  // namespace banditry::select

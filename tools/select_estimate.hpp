// The report of `banditry estimate`: unbiased pass@k, maj@k and bon@k over prompts with gold
// answers, kept apart from the command so that tests can call it.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "banditry/core/rng.hpp"
#include "banditry/select/estimators.hpp"
#include "banditry/select/pass_at_k.hpp"
#include "banditry/select/rule.hpp"
#include "select_io.hpp"

namespace banditry::tool {

/// Settings of `banditry estimate`.
struct estimate_settings {
  std::vector<std::uint64_t> ks{1};  ///< subset sizes, increasing and without repeats
  std::uint64_t resamples = 1000;    ///< resampled subsets per prompt when enumeration is too large
  select::aggregation aggregate = select::aggregation::mean;  ///< score aggregation for bon@k
  select::tie_break ties = select::tie_break::random;         ///< tie policy of both rules
  std::uint64_t seed = 0;                                     ///< master seed
};

/// Generator of one (estimator, prompt, k) cell: xoshiro256ss(stream_key(seed, fnv1a64("banditry
/// estimate maj@k") or fnv1a64("banditry estimate bon@k"), prompt, k, 1)). Keyed by k itself, not
/// by its position in the list, so the value for one k does not depend on the other k values
/// requested.
inline xoshiro256ss estimate_generator(std::uint64_t seed, std::string_view estimator,
                                       std::size_t prompt, std::uint64_t k) {
  return xoshiro256ss(
      stream_key(seed, fnv1a64("banditry estimate " + std::string(estimator)), prompt, k, 1));
}

/// Computes the `banditry estimate` report for `records` (prompt i is records[i]).
/// \returns {"prompts", "k", "resamples", "ties", "pass@k", "maj@k", "bon@k"}, where each estimator
///          maps k (as text, in increasing numeric order) to {mean, se_prompts, se_resampling,
///          ci_lo, ci_hi}; bon@k is null when no prompt has scores
/// \pre settings.ks sorted, without repeats, each >= 1 (parse_k_list gives such a list)
/// \throws input_error for no prompts, a prompt without gold, a k above a prompt's number of
///         samples, or scores on some prompts but not all; errors from the estimators, with the
///         line
/// Complexity: O(P |ks| resamples k) rule evaluations at most.
inline nlohmann::ordered_json estimate_report(const std::vector<prompt_record>& records,
                                              const estimate_settings& settings) {
  using namespace banditry::select;
  if (records.empty()) throw input_error("input: contains no prompts");
  const auto at_line = [](const prompt_record& record, auto&& function) {
    try {
      return function();
    } catch (const std::exception& e) {
      throw input_error("line " + std::to_string(record.line) + ": " + e.what());
    }
  };
  bool any_scores = false;
  bool all_scores = true;
  std::vector<answer_pool> pools;
  for (const auto& record : records) {
    if (!record.gold) {
      throw input_error("line " + std::to_string(record.line) +
                        ": field \"gold\": is missing (estimate needs the correct answer)");
    }
    if (settings.ks.back() > record.answers.size()) {
      throw input_error("line " + std::to_string(record.line) + ": field \"answers\": has " +
                        std::to_string(record.answers.size()) +
                        " samples, fewer than k = " + std::to_string(settings.ks.back()));
    }
    any_scores = any_scores || !record.scores.empty();
    all_scores = all_scores && !record.scores.empty();
    const std::string gold = *record.gold;
    pools.push_back(at_line(record, [&] {
      return make_pool(std::span<const std::string>(record.answers),
                       std::span<const double>(record.scores),
                       [&](const std::string& a) { return a == gold; },
                       {.aggregate = settings.aggregate, .empty_is_no_answer = true});
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
  const auto summary_json = [](const benchmark_estimate& b) {
    return nlohmann::ordered_json{{"mean", b.mean},
                                  {"se_prompts", b.se_prompts},
                                  {"se_resampling", b.se_resampling},
                                  {"ci_lo", b.ci_lo},
                                  {"ci_hi", b.ci_hi}};
  };
  // ordered_json keeps the k keys in the increasing order of `ks` ("1", "4", "16").
  nlohmann::ordered_json out;
  out["prompts"] = records.size();
  out["k"] = settings.ks;
  out["resamples"] = settings.resamples;
  out["ties"] = settings.ties == tie_break::random ? "random" : "first";
  auto pass = nlohmann::ordered_json::object();
  auto maj = nlohmann::ordered_json::object();
  auto bon = any_scores ? nlohmann::ordered_json::object() : nlohmann::ordered_json(nullptr);
  const selection_rule majority_rule{.kind = method::majority, .k = 1, .ties = settings.ties};
  const selection_rule best_rule{.kind = method::best_of_n, .k = 1, .ties = settings.ties};
  for (const std::uint64_t k : settings.ks) {
    std::vector<pass_estimate> p_values;
    std::vector<pass_estimate> m_values;
    std::vector<pass_estimate> b_values;
    for (std::size_t i = 0; i < pools.size(); ++i) {
      const auto& pool = pools[i];
      p_values.push_back({unbiased_pass_at_k(pool.size(), pool.correct_count(), k), 0, 0, true});
      auto maj_rng = estimate_generator(settings.seed, "maj@k", i, k);
      m_values.push_back(subset_pass_rate(pool, majority_rule, k, settings.resamples, maj_rng));
      if (any_scores) {
        auto bon_rng = estimate_generator(settings.seed, "bon@k", i, k);
        b_values.push_back(subset_pass_rate(pool, best_rule, k, settings.resamples, bon_rng));
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
  return out;
}

}  // namespace banditry::tool

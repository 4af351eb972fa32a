// Ranking of distinct answers by a primary value with a tie key, and the two tie policies.
//
// Every deterministic selection rule ranks its candidate answers by a value v_j in descending order
// and breaks exact ties (v_i == v_j as doubles) by a tie key t_j in ascending order:
//   - first appearance: t_j = f_j, the answer sampled first wins a tie;
//   - random: once per selection call, over all M answers and before any filtering, draw a uniform
//     permutation tau by Fisher-Yates (for i = M-1 down to 1 draw j uniform in {0..i}, swap) and
//     set t_{tau_p} = p. Exactly M - 1 uniform integers are drawn (none when M <= 1), whether or
//     not ties exist, so two rules given the same generator state see the same tie keys.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <span>
#include <vector>

#include "banditry/core/error.hpp"
#include "banditry/core/rng.hpp"
#include "banditry/select/grouping.hpp"

namespace banditry::select {

/// How exact ties of the ranking value are broken.
enum class tie_break {
  first_appearance,  ///< the answer that appeared first in sampling order wins (library default)
  random             ///< a uniform random order drawn once per selection call (simulators)
};

/// Tie keys t_j = f_j (first appearance). O(M).
inline std::vector<std::size_t> first_appearance_keys(const answer_groups& groups) {
  return groups.first_appearance;
}

/// Random tie keys: a Fisher-Yates permutation tau of {0..M-1} (M - 1 uniform integers drawn from
/// `rng`, none when M <= 1) and t_{tau_p} = p.
/// \param groups the distinct answers (only M is used)
/// \param rng a 64-bit generator; advanced by exactly max(M - 1, 0) uniform_int calls
/// \returns t with t[j] the rank position of answer j
/// Complexity: O(M).
template <random_engine64 Rng>
std::vector<std::size_t> random_tie_keys(const answer_groups& groups, Rng& rng) {
  const std::size_t m = groups.size();
  const auto tau = random_permutation(rng, m);
  std::vector<std::size_t> keys(m);
  for (std::size_t p = 0; p < m; ++p) keys[tau[p]] = p;
  return keys;
}

/// The top min(k, |candidates|) candidates by value descending, ties by key ascending.
///
/// \param candidates distinct-answer indices to rank (any order)
/// \param values v_j for every answer j (indexed by answer, size >= max candidate + 1)
/// \param tie_keys t_j for every answer j, distinct among the candidates
/// \param k maximum number of answers returned; 0 returns nothing
/// \returns answer indices best first
/// \pre values finite or -inf at the candidates (NaN is rejected because it breaks the order)
/// \throws std::domain_error for a NaN value; std::out_of_range for an index past `values`
/// Complexity: O(|candidates| log min(k, |candidates|)).
inline std::vector<std::size_t> rank_top_k(std::vector<std::size_t> candidates,
                                           std::span<const double> values,
                                           std::span<const std::size_t> tie_keys, std::size_t k) {
  for (std::size_t j : candidates) {
    if (j >= values.size() || j >= tie_keys.size()) {
      throw std::out_of_range("banditry::select::rank_top_k: candidate index past the values");
    }
    if (std::isnan(values[j])) {
      throw_domain_error("select::rank_top_k", "values[" + std::to_string(j) + "]", "not NaN",
                         values[j]);
    }
  }
  const std::size_t take = std::min(k, candidates.size());
  auto better = [&](std::size_t a, std::size_t b) {
    if (values[a] != values[b]) return values[a] > values[b];
    return tie_keys[a] < tie_keys[b];
  };
  std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(take),
                    candidates.end(), better);
  candidates.resize(take);
  return candidates;
}

/// All answer indices 0..M-1 (the candidate set of rules without a filter). O(M).
inline std::vector<std::size_t> all_answers(const answer_groups& groups) {
  std::vector<std::size_t> out(groups.size());
  std::iota(out.begin(), out.end(), std::size_t{0});
  return out;
}

}  // namespace banditry::select

// Winner notions of a finite preference matrix: Condorcet, Copeland, Borda and von Neumann.
//
// The von Neumann winner is computed exactly by a dense simplex method with Bland's rule on
//   max sum_j w_j  subject to  (P + 1 1^T) w <= 1,  w >= 0,
// and pi = w / sum(w). The matrix P + 1 1^T has entries in [1, 2] and game value 3/2, so at the
// optimum sum(w) = 2/3; because P - 1/2 is skew-symmetric, the minimising player's optimal
// strategies of this game are exactly the von Neumann winners. The origin is feasible (no phase 1),
// and Bland's rule (smallest entering index, smallest leaving basic index among ties) cannot cycle
// on the degenerate programs that games produce. The answer carries its own certificate, the
// duality gap DG(pi) = 2 max_i P(i beats pi) - 1 >= 0, which is zero exactly for von Neumann
// winners.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "banditry/core/error.hpp"
#include "banditry/duel/preference_matrix.hpp"

namespace banditry::duel {

/// The Condorcet winner: the item i with P[i][j] > 1/2 for every j != i, if one exists.
/// \returns its index, or std::nullopt. For K = 1 the single item is the winner.
/// Complexity O(K^2).
inline std::optional<std::size_t> condorcet_winner(const preference_matrix& p) {
  const std::size_t k = p.size();
  for (std::size_t i = 0; i < k; ++i) {
    bool beats_all = true;
    for (std::size_t j = 0; j < k && beats_all; ++j) beats_all = j == i || p(i, j) > 0.5;
    if (beats_all) return i;
  }
  return std::nullopt;
}

/// Copeland scores cop_i = #{j != i : P[i][j] > 1/2}; a tie P[i][j] = 1/2 counts for neither.
/// Divide by K - 1 for the normalised score. Complexity O(K^2).
inline std::vector<std::size_t> copeland_scores(const preference_matrix& p) {
  const std::size_t k = p.size();
  std::vector<std::size_t> scores(k, 0);
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = 0; j < k; ++j)
      if (j != i && p(i, j) > 0.5) ++scores[i];
  return scores;
}

/// Borda scores b_i = (1/(K-1)) sum_{j != i} P[i][j] in [0, 1]; for K = 1 the score is 1/2.
/// Complexity O(K^2).
inline std::vector<double> borda_scores(const preference_matrix& p) {
  const std::size_t k = p.size();
  std::vector<double> scores(k, 0.5);
  if (k == 1) return scores;
  for (std::size_t i = 0; i < k; ++i) {
    double sum = 0;
    for (std::size_t j = 0; j < k; ++j)
      if (j != i) sum += p(i, j);
    scores[i] = sum / static_cast<double>(k - 1);
  }
  return scores;
}

/// Indices of the maximisers of `scores`, ascending (exact comparison).
/// \throws std::invalid_argument for empty scores. Complexity O(K).
template <class Value>
std::vector<std::size_t> argmax_set(std::span<const Value> scores) {
  require_nonempty(scores.size(), "argmax_set", "scores");
  const Value best = *std::max_element(scores.begin(), scores.end());
  std::vector<std::size_t> winners;
  for (std::size_t i = 0; i < scores.size(); ++i)
    if (scores[i] == best) winners.push_back(i);
  return winners;
}

/// Copeland winners: the maximisers of the Copeland score, ascending. Complexity O(K^2).
inline std::vector<std::size_t> copeland_winners(const preference_matrix& p) {
  const auto scores = copeland_scores(p);
  return argmax_set(std::span<const std::size_t>(scores));
}

/// Borda winners: the maximisers of the Borda score, ascending. Complexity O(K^2).
inline std::vector<std::size_t> borda_winners(const preference_matrix& p) {
  const auto scores = borda_scores(p);
  return argmax_set(std::span<const double>(scores));
}

/// P(i beats pi) = sum_j P[i][j] pi_j for every i.
/// \pre pi a distribution of length K (checked, sum within 1e-9 per entry).
/// \throws std::invalid_argument / std::domain_error for a wrong size or a non-distribution.
/// Complexity O(K^2).
inline std::vector<double> win_probabilities(const preference_matrix& p,
                                             std::span<const double> pi) {
  require_same_size(pi.size(), p.size(), "win_probabilities", "pi", "the matrix");
  require_distribution(pi, "win_probabilities", "pi");
  std::vector<double> out(p.size(), 0);
  for (std::size_t i = 0; i < p.size(); ++i) {
    long double sum = 0;
    for (std::size_t j = 0; j < p.size(); ++j) sum += p(i, j) * pi[j];
    out[i] = static_cast<double>(sum);
  }
  return out;
}

/// Duality gap DG(pi) = 2 max_i P(i beats pi) - 1. DG >= 0 for every distribution (up to rounding)
/// and DG = 0 exactly at von Neumann winners, so it certifies a solution without a solver.
/// \pre as win_probabilities. Complexity O(K^2).
inline double duality_gap(const preference_matrix& p, std::span<const double> pi) {
  const auto wins = win_probabilities(p, pi);
  return 2 * *std::max_element(wins.begin(), wins.end()) - 1;
}

/// Outcome of the von Neumann linear program.
enum class lp_status {
  optimal,         ///< solved and certified: DG(pi) <= certificate tolerance
  not_certified,   ///< solved, but DG(pi) exceeds the tolerance at both pivot tolerances
  iteration_limit  ///< the pivot limit was reached (not expected with Bland's rule)
};

inline const char* to_string(lp_status status) {
  switch (status) {
    case lp_status::optimal:
      return "optimal";
    case lp_status::not_certified:
      return "not_certified";
    case lp_status::iteration_limit:
      return "iteration_limit";
  }
  return "?";
}

/// A von Neumann winner with its certificate.
struct von_neumann_result {
  std::vector<double> distribution;  ///< pi, a distribution over the K items
  double weight_sum = 0;             ///< sum of the LP variables w; 2/3 at the optimum
  double duality_gap = 0;            ///< DG(pi), the certificate
  std::size_t pivots = 0;            ///< simplex pivots of the accepted run
  double pivot_tolerance = 1e-12;    ///< tau of the accepted run
  lp_status status = lp_status::optimal;
};

namespace detail {

// One run of the dense simplex with Bland's rule on max 1^T w, (P + 1 1^T) w <= 1, w >= 0.
inline von_neumann_result simplex_von_neumann(const preference_matrix& p, double tau,
                                              std::size_t max_pivots) {
  const std::size_t k = p.size();
  const std::size_t cols = 2 * k + 1;  // structural, slack, right-hand side
  std::vector<double> tableau(k * cols, 0.0);
  auto at = [&](std::size_t i, std::size_t j) -> double& { return tableau[i * cols + j]; };
  for (std::size_t i = 0; i < k; ++i) {
    for (std::size_t j = 0; j < k; ++j) at(i, j) = p(i, j) + 1;
    at(i, k + i) = 1;
    at(i, 2 * k) = 1;
  }
  std::vector<double> objective(cols, 0.0);
  for (std::size_t j = 0; j < k; ++j) objective[j] = -1;
  std::vector<std::size_t> basis(k);
  for (std::size_t i = 0; i < k; ++i) basis[i] = k + i;

  von_neumann_result result;
  result.pivot_tolerance = tau;
  while (true) {
    std::size_t entering = cols;
    for (std::size_t j = 0; j + 1 < cols; ++j) {
      if (objective[j] < -tau) {
        entering = j;
        break;
      }
    }
    if (entering == cols) break;
    if (result.pivots >= max_pivots) {
      result.status = lp_status::iteration_limit;
      break;
    }
    // Ratio test; among ratios within tau of the minimum, the smallest basic index leaves (Bland).
    double best_ratio = std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < k; ++i) {
      if (at(i, entering) > tau) best_ratio = std::min(best_ratio, at(i, 2 * k) / at(i, entering));
    }
    std::size_t leaving = k;
    for (std::size_t i = 0; i < k; ++i) {
      if (at(i, entering) <= tau || at(i, 2 * k) / at(i, entering) > best_ratio + tau) continue;
      if (leaving == k || basis[i] < basis[leaving]) leaving = i;
    }
    // The feasible region is bounded (every column of P + 1 1^T is positive), so some row
    // qualifies; guard anyway.
    if (leaving == k) {
      result.status = lp_status::iteration_limit;
      break;
    }
    const double pivot = at(leaving, entering);
    for (std::size_t j = 0; j < cols; ++j) at(leaving, j) /= pivot;
    for (std::size_t i = 0; i < k; ++i) {
      if (i == leaving) continue;
      const double factor = at(i, entering);
      if (factor == 0) continue;
      for (std::size_t j = 0; j < cols; ++j) at(i, j) -= factor * at(leaving, j);
    }
    const double factor = objective[entering];
    for (std::size_t j = 0; j < cols; ++j) objective[j] -= factor * at(leaving, j);
    basis[leaving] = entering;
    ++result.pivots;
  }
  std::vector<double> w(k, 0.0);
  for (std::size_t i = 0; i < k; ++i)
    if (basis[i] < k) w[basis[i]] = std::max(0.0, at(i, 2 * k));
  long double sum = 0;
  for (double v : w) sum += v;
  result.weight_sum = static_cast<double>(sum);
  result.distribution.assign(k, 0.0);
  if (sum > 0) {
    for (std::size_t j = 0; j < k; ++j) result.distribution[j] = w[j] / result.weight_sum;
  }
  return result;
}

}  // namespace detail

/// A von Neumann winner of P: a distribution pi with sum_j P[i][j] pi_j <= 1/2 for every i.
/// Solved exactly by the dense simplex with Bland's rule described at the top of this header
/// (pivot tolerance 1e-12; if the certificate fails, once more with 1e-10).
/// \param p a validated preference matrix
/// \param certificate_tolerance accepted duality gap, > 0 (default 1e-9)
/// \returns the distribution, sum(w) (2/3 at the optimum), DG(pi), the pivot count and a status;
///          a failed certificate is reported as lp_status::not_certified, never thrown
/// \throws std::domain_error for a non-positive or non-finite certificate tolerance
/// Complexity O(K^2) per pivot; the 135-ranker MSLR matrix takes a few dozen pivots.
/// If P has a Condorcet winner c, the von Neumann winner is unique and equals the point mass on c.
inline von_neumann_result von_neumann_winner(const preference_matrix& p,
                                             double certificate_tolerance = 1e-9) {
  if (!(certificate_tolerance > 0) || !std::isfinite(certificate_tolerance)) {
    throw_domain_error("von_neumann_winner", "certificate_tolerance", "positive and finite",
                       certificate_tolerance);
  }
  const std::size_t max_pivots = 50 * p.size() + 1000;
  von_neumann_result result;
  for (double tau : {1e-12, 1e-10}) {
    result = detail::simplex_von_neumann(p, tau, max_pivots);
    if (result.status == lp_status::iteration_limit || result.weight_sum <= 0) continue;
    result.duality_gap = duality_gap(p, result.distribution);
    if (result.duality_gap <= certificate_tolerance) {
      result.status = lp_status::optimal;
      return result;
    }
    result.status = lp_status::not_certified;
  }
  return result;
}

}  // namespace banditry::duel

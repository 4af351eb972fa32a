// Classic K-armed dueling-bandit algorithms on a preference matrix, with Condorcet and Copeland
// regret: RUCB, Double Thompson Sampling and RMED1.
//
// - RUCB: "Relative Upper Confidence Bound for the K-Armed Dueling Bandit Problem" (Zoghi,
//   Whiteson, Munos, de Rijke; arXiv 1312.3393).
// - DTS: "Double Thompson Sampling for Dueling Bandits" (Wu, Liu; arXiv 1604.07101).
// - RMED1: "Regret Lower Bound and Optimal Algorithm in Dueling Bandit Problem" (Komiyama, Honda,
//   Kashima, Nakagawa; arXiv 1506.02550).
//
// Each round the algorithm picks (a1, a2), the environment draws one uniform u and reports
// "a1 beats a2" iff u < P[a1][a2] (the uniform is drawn every round, so all algorithms see common
// random numbers). Self-duels (a1 = a2) carry no information and do not update the counts.
// Per-round regrets:
//   Condorcet (needs a Condorcet winner c): (P[c][a1] + P[c][a2] - 1) / 2;
//   Copeland: cop* - (cop(a1) + cop(a2)) / 2 with normalised scores cop_i / (K - 1).
// Every round is a comparison, so the query count equals the number of rounds.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "banditry/core/error.hpp"
#include "banditry/core/rng.hpp"
#include "banditry/duel/preference_matrix.hpp"
#include "banditry/duel/winners.hpp"

namespace banditry::duel {

/// The implemented classic algorithms.
enum class dueling_algorithm { rucb, dts, rmed };

inline const char* to_string(dueling_algorithm algorithm) {
  switch (algorithm) {
    case dueling_algorithm::rucb:
      return "rucb";
    case dueling_algorithm::dts:
      return "dts";
    case dueling_algorithm::rmed:
      return "rmed";
  }
  return "?";
}

/// Parses "rucb", "dts" or "rmed". \throws std::invalid_argument naming the bad name.
inline dueling_algorithm parse_dueling_algorithm(std::string_view name) {
  if (name == "rucb") return dueling_algorithm::rucb;
  if (name == "dts") return dueling_algorithm::dts;
  if (name == "rmed") return dueling_algorithm::rmed;
  throw_invalid_argument("parse_dueling_algorithm", "algorithm", "one of rucb, dts, rmed",
                         std::string(name));
}

/// Tuning of the classic algorithms (defaults from their papers).
struct dueling_options {
  double alpha = 0.51;       ///< exploration parameter of RUCB and DTS, > 0.5
  double rmed_weight = 0.3;  ///< RMED1 candidate slack f(K) = weight K^1.01
};

/// Result of one run.
struct dueling_run_result {
  std::size_t rounds = 0;
  std::size_t queries = 0;               ///< comparisons made (= rounds)
  std::optional<std::size_t> condorcet;  ///< the Condorcet winner, if any
  double condorcet_regret = std::numeric_limits<double>::quiet_NaN();  ///< NaN without a winner
  double copeland_regret = 0;
  std::vector<std::size_t> checkpoints;
  std::vector<double> condorcet_regret_at;  ///< NaN without a Condorcet winner
  std::vector<double> copeland_regret_at;
  std::vector<std::size_t> plays;  ///< times each arm was a1 or a2
};

/// Gamma(shape, 1) for shape >= 1 by Marsaglia and Tsang's method ("A Simple Method for Generating
/// Gamma Variables", ACM TOMS 2000): d = shape - 1/3, c = 1/sqrt(9d); draw a normal x and then
/// u in (0, 1); accept v = (1 + c x)^3 > 0 when log u < x^2/2 + d - d v + d log v; return d v.
/// \throws std::domain_error for shape < 1 or non-finite. Expected O(1).
template <random_engine64 Rng>
double gamma_variate(Rng& rng, double shape) {
  if (!(shape >= 1) || !std::isfinite(shape)) {
    throw_domain_error("duel::gamma_variate", "shape", "finite and >= 1", shape);
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1 / std::sqrt(9 * d);
  while (true) {
    const double x = normal(rng);
    const double base = 1 + c * x;
    if (base <= 0) continue;
    const double v = base * base * base;
    const double u = uniform_open01(rng);
    if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v;
  }
}

/// Beta(a, b) = X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b) drawn in that order.
/// \param a, b shape parameters, finite and >= 1 (the range of gamma_variate)
/// \throws std::domain_error naming beta_variate and a or b when either is < 1 or non-finite,
///   checked before any draw. Expected O(1).
template <random_engine64 Rng>
double beta_variate(Rng& rng, double a, double b) {
  if (!(a >= 1) || !std::isfinite(a))
    throw_domain_error("duel::beta_variate", "a", "finite and >= 1", a);
  if (!(b >= 1) || !std::isfinite(b))
    throw_domain_error("duel::beta_variate", "b", "finite and >= 1", b);
  const double x = gamma_variate(rng, a);
  const double y = gamma_variate(rng, b);
  return x / (x + y);
}

namespace detail {

// Win counts W[i][j] (i beat j) of a run.
struct duel_counts {
  std::size_t k;
  std::vector<double> wins;
  explicit duel_counts(std::size_t arms) : k(arms), wins(arms * arms, 0.0) {}
  double w(std::size_t i, std::size_t j) const { return wins[i * k + j]; }
  double n(std::size_t i, std::size_t j) const { return wins[i * k + j] + wins[j * k + i]; }
  double mean(std::size_t i, std::size_t j) const {
    const double total = n(i, j);
    return total > 0 ? w(i, j) / total : 0.5;
  }
};

// Uniform choice among the indices whose value equals the maximum (one uniform_int draw when
// there is more than one).
template <random_engine64 Rng>
std::size_t random_argmax(Rng& rng, const std::vector<double>& values,
                          const std::vector<std::size_t>& candidates) {
  double best = -std::numeric_limits<double>::infinity();
  for (std::size_t i : candidates) best = std::max(best, values[i]);
  std::vector<std::size_t> ties;
  for (std::size_t i : candidates)
    if (values[i] == best) ties.push_back(i);
  if (ties.size() == 1) return ties.front();
  return ties[static_cast<std::size_t>(uniform_int(rng, ties.size()))];
}

inline double bernoulli_kl(double p, double q) {
  auto term = [](double a, double b) { return a > 0 ? a * std::log(a / b) : 0.0; };
  return term(p, q) + term(1 - p, 1 - q);
}

class rucb_state {
 public:
  rucb_state(std::size_t k, double alpha) : k_(k), alpha_(alpha), counts_(k) {}
  template <random_engine64 Rng>
  std::pair<std::size_t, std::size_t> select(std::size_t t, Rng& rng) {
    const double log_t = std::log(static_cast<double>(t));
    auto upper = [&](std::size_t i, std::size_t j) {
      if (i == j) return 0.5;
      const double n = counts_.n(i, j);
      if (n == 0) return 1.0;
      return counts_.w(i, j) / n + std::sqrt(alpha_ * log_t / n);
    };
    std::vector<std::size_t> candidates;
    for (std::size_t c = 0; c < k_; ++c) {
      bool ok = true;
      for (std::size_t j = 0; j < k_ && ok; ++j) ok = upper(c, j) >= 0.5;
      if (ok) candidates.push_back(c);
    }
    std::size_t champion = 0;
    if (candidates.empty()) {
      champion = static_cast<std::size_t>(uniform_int(rng, k_));
    } else {
      // B keeps the last unique candidate while it stays a candidate.
      if (hypothesis_ &&
          std::find(candidates.begin(), candidates.end(), *hypothesis_) == candidates.end()) {
        hypothesis_.reset();
      }
      if (candidates.size() == 1) {
        hypothesis_ = candidates.front();
        champion = candidates.front();
      } else if (hypothesis_ && uniform01(rng) < 0.5) {
        champion = *hypothesis_;  // probability 1/2 on the member of B
      } else {
        std::vector<std::size_t> others;
        for (std::size_t c : candidates)
          if (!hypothesis_ || c != *hypothesis_) others.push_back(c);
        champion = others[static_cast<std::size_t>(uniform_int(rng, others.size()))];
      }
    }
    std::vector<double> column(k_);
    std::vector<std::size_t> all(k_);
    for (std::size_t j = 0; j < k_; ++j) {
      column[j] = upper(j, champion);
      all[j] = j;
    }
    // The challenger maximises U[j][c]; with U[c][c] = 1/2 the champion duels itself only when
    // no arm can still beat it.
    const std::size_t challenger = random_argmax(rng, column, all);
    return {champion, challenger};
  }
  void update(std::size_t a, std::size_t b, bool a_wins) {
    if (a == b) return;
    if (a_wins) {
      counts_.wins[a * k_ + b] += 1;
    } else {
      counts_.wins[b * k_ + a] += 1;
    }
  }

 private:
  std::size_t k_;
  double alpha_;
  duel_counts counts_;
  std::optional<std::size_t> hypothesis_;
};

class dts_state {
 public:
  dts_state(std::size_t k, double alpha) : k_(k), alpha_(alpha), counts_(k) {}
  template <random_engine64 Rng>
  std::pair<std::size_t, std::size_t> select(std::size_t t, Rng& rng) {
    const double log_t = std::log(static_cast<double>(t));
    auto radius = [&](double n) { return std::sqrt(alpha_ * log_t / n); };
    // Upper-confidence Copeland scores and the candidate set.
    std::vector<double> score(k_, 0.0);
    std::vector<std::size_t> all(k_);
    for (std::size_t i = 0; i < k_; ++i) {
      all[i] = i;
      for (std::size_t j = 0; j < k_; ++j) {
        if (i == j) continue;
        const double n = counts_.n(i, j);
        const double u = n == 0 ? 1.0 : counts_.w(i, j) / n + radius(n);
        if (u > 0.5) score[i] += 1;
      }
    }
    const double best = *std::max_element(score.begin(), score.end());
    std::vector<std::size_t> candidates;
    for (std::size_t i = 0; i < k_; ++i)
      if (score[i] == best) candidates.push_back(i);
    // First candidate: Thompson sample of the Copeland scores on the candidate rows (pairs
    // between two candidates share one draw, theta_ji = 1 - theta_ij).
    std::vector<double> sampled(k_, -1.0);
    std::vector<char> is_candidate(k_, 0);
    for (std::size_t c : candidates) is_candidate[c] = 1;
    std::vector<double> theta(k_ * k_, 0.5);
    std::vector<char> drawn(k_ * k_, 0);
    for (std::size_t i : candidates) {
      double wins = 0;
      for (std::size_t j = 0; j < k_; ++j) {
        if (i == j) continue;
        if (!drawn[i * k_ + j]) {
          const double value = beta_variate(rng, counts_.w(i, j) + 1, counts_.w(j, i) + 1);
          theta[i * k_ + j] = value;
          theta[j * k_ + i] = 1 - value;
          drawn[i * k_ + j] = drawn[j * k_ + i] = 1;
        }
        if (theta[i * k_ + j] > 0.5) wins += 1;
      }
      sampled[i] = wins;
    }
    const std::size_t first = random_argmax(rng, sampled, candidates);
    // Second candidate: Thompson sample of P[i][first] among arms not yet known to lose to it.
    std::vector<double> second_sample(k_, -1.0);
    std::vector<std::size_t> eligible;
    for (std::size_t i = 0; i < k_; ++i) {
      if (i == first) {
        second_sample[i] = 0.5;
        eligible.push_back(i);
        continue;
      }
      const double n = counts_.n(i, first);
      const double lower = n == 0 ? 0.0 : counts_.w(i, first) / n - radius(n);
      if (lower > 0.5) continue;
      second_sample[i] = beta_variate(rng, counts_.w(i, first) + 1, counts_.w(first, i) + 1);
      eligible.push_back(i);
    }
    const std::size_t second = random_argmax(rng, second_sample, eligible);
    return {first, second};
  }
  void update(std::size_t a, std::size_t b, bool a_wins) {
    if (a == b) return;
    if (a_wins) {
      counts_.wins[a * k_ + b] += 1;
    } else {
      counts_.wins[b * k_ + a] += 1;
    }
  }

 private:
  std::size_t k_;
  double alpha_;
  duel_counts counts_;
};

class rmed_state {
 public:
  rmed_state(std::size_t k, double weight)
      : k_(k), slack_(weight * std::pow(static_cast<double>(k), 1.01)), counts_(k) {
    for (std::size_t i = 0; i < k; ++i)
      for (std::size_t j = i + 1; j < k; ++j) initial_.push_back({i, j});
  }
  template <random_engine64 Rng>
  std::pair<std::size_t, std::size_t> select(std::size_t t, Rng&) {
    if (next_initial_ < initial_.size()) return initial_[next_initial_++];
    if (queue_position_ >= queue_.size()) refill(t);
    const std::size_t l = queue_[queue_position_++];
    // Second arm: the empirical best arm if it seems to beat l, else l's strongest opponent; l
    // itself when no arm seems to beat it.
    std::size_t strongest = k_;
    double lowest = 2;
    bool best_beats = false;
    for (std::size_t j = 0; j < k_; ++j) {
      if (j == l) continue;
      const double mu = counts_.mean(l, j);
      if (mu <= 0.5) {
        if (j == best_) best_beats = true;
        if (mu < lowest) {
          lowest = mu;
          strongest = j;
        }
      }
    }
    if (strongest == k_) return {l, l};
    return {l, best_beats ? best_ : strongest};
  }
  void update(std::size_t a, std::size_t b, bool a_wins) {
    if (a == b) return;
    if (a_wins) {
      counts_.wins[a * k_ + b] += 1;
    } else {
      counts_.wins[b * k_ + a] += 1;
    }
  }

 private:
  // New loop: candidates L_C = {i : I_i - min I <= log t + f(K)} in index order.
  void refill(std::size_t t) {
    std::vector<double> divergence(k_, 0.0);
    for (std::size_t i = 0; i < k_; ++i) {
      for (std::size_t j = 0; j < k_; ++j) {
        if (i == j) continue;
        const double mu = counts_.mean(i, j);
        if (mu <= 0.5) divergence[i] += counts_.n(i, j) * bernoulli_kl(mu, 0.5);
      }
    }
    best_ = static_cast<std::size_t>(std::min_element(divergence.begin(), divergence.end()) -
                                     divergence.begin());
    const double threshold = divergence[best_] + std::log(static_cast<double>(t)) + slack_;
    queue_.clear();
    for (std::size_t i = 0; i < k_; ++i)
      if (divergence[i] <= threshold) queue_.push_back(i);
    queue_position_ = 0;
  }

  std::size_t k_;
  double slack_;
  duel_counts counts_;
  std::vector<std::pair<std::size_t, std::size_t>> initial_;
  std::size_t next_initial_ = 0;
  std::vector<std::size_t> queue_;
  std::size_t queue_position_ = 0;
  std::size_t best_ = 0;
};

}  // namespace detail

/// Sorts checkpoint rounds and removes repeated ones, so each round is reported once.
/// \param checkpoints rounds, each in [1, rounds], in any order
/// \param rounds horizon T >= 1
/// \returns the distinct checkpoints in increasing order
/// \throws std::invalid_argument for a checkpoint of 0 or above T (naming it)
/// Complexity O(n log n) for n checkpoints.
inline std::vector<std::size_t> sorted_checkpoints(const std::vector<std::size_t>& checkpoints,
                                                   std::size_t rounds) {
  for (std::size_t c : checkpoints) {
    if (c < 1 || c > rounds) {
      throw_invalid_argument("sorted_checkpoints", "checkpoint",
                             "in [1, T] = [1, " + std::to_string(rounds) + "]", c);
    }
  }
  std::vector<std::size_t> sorted = checkpoints;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  return sorted;
}

/// Runs a classic dueling-bandit algorithm on P for `rounds` rounds.
/// \param p the preference matrix (K >= 2)
/// \param algorithm rucb, dts or rmed (RMED1; its first K(K-1)/2 rounds compare every pair once)
/// \param rounds T >= 1
/// \param data_rng draws the one uniform per round that decides the duel
/// \param algorithm_rng the algorithm's own randomness (tie breaks, Thompson samples)
/// \param checkpoints rounds in [1, T] at which cumulative regrets are recorded, in any order;
///        a repeated round is recorded once (see sorted_checkpoints)
/// \param options alpha > 0.5 (RUCB, DTS), rmed_weight >= 0
/// \returns cumulative Condorcet regret (NaN without a Condorcet winner) and Copeland regret, at
///          the end and at the checkpoints, and how often each arm was played
/// \throws std::invalid_argument for K < 2, T = 0 or a checkpoint outside [1, T];
///         std::domain_error for bad options
/// Complexity per round: RUCB O(K^2), DTS O(K^2) plus up to K^2/2 Beta draws, RMED O(K) (O(K^2)
/// at the start of each loop).
template <random_engine64 Rng>
dueling_run_result run_dueling_bandit(const preference_matrix& p, dueling_algorithm algorithm,
                                      std::size_t rounds, Rng& data_rng, Rng& algorithm_rng,
                                      const std::vector<std::size_t>& checkpoints = {},
                                      const dueling_options& options = {}) {
  constexpr std::string_view function = "run_dueling_bandit";
  const std::size_t k = p.size();
  require(k >= 2, function, "number of arms K", "at least 2", k);
  require(rounds > 0, function, "rounds T", "positive", rounds);
  if (!(options.alpha > 0.5) || !std::isfinite(options.alpha)) {
    throw_domain_error(function, "alpha", "finite and > 0.5", options.alpha);
  }
  if (!(options.rmed_weight >= 0) || !std::isfinite(options.rmed_weight)) {
    throw_domain_error(function, "rmed_weight", "finite and >= 0", options.rmed_weight);
  }
  dueling_run_result result;
  result.rounds = rounds;
  result.condorcet = condorcet_winner(p);
  const auto copeland = copeland_scores(p);
  const double top = static_cast<double>(*std::max_element(copeland.begin(), copeland.end()));
  const double scale = 1.0 / static_cast<double>(k - 1);
  result.checkpoints = sorted_checkpoints(checkpoints, rounds);
  result.plays.assign(k, 0);

  detail::rucb_state rucb(algorithm == dueling_algorithm::rucb ? k : 1, options.alpha);
  detail::dts_state dts(algorithm == dueling_algorithm::dts ? k : 1, options.alpha);
  detail::rmed_state rmed(algorithm == dueling_algorithm::rmed ? k : 1, options.rmed_weight);
  long double condorcet_regret = 0;
  long double copeland_regret = 0;
  std::size_t next_checkpoint = 0;
  for (std::size_t t = 1; t <= rounds; ++t) {
    std::pair<std::size_t, std::size_t> pair;
    switch (algorithm) {
      case dueling_algorithm::rucb:
        pair = rucb.select(t, algorithm_rng);
        break;
      case dueling_algorithm::dts:
        pair = dts.select(t, algorithm_rng);
        break;
      case dueling_algorithm::rmed:
        pair = rmed.select(t, algorithm_rng);
        break;
    }
    const auto [a, b] = pair;
    const bool a_wins = uniform01(data_rng) < p(a, b);
    switch (algorithm) {
      case dueling_algorithm::rucb:
        rucb.update(a, b, a_wins);
        break;
      case dueling_algorithm::dts:
        dts.update(a, b, a_wins);
        break;
      case dueling_algorithm::rmed:
        rmed.update(a, b, a_wins);
        break;
    }
    ++result.plays[a];
    ++result.plays[b];
    if (result.condorcet) {
      const std::size_t c = *result.condorcet;
      condorcet_regret += (p(c, a) + p(c, b) - 1) / 2;
    }
    copeland_regret += (top - 0.5 * static_cast<double>(copeland[a] + copeland[b])) * scale;
    while (next_checkpoint < result.checkpoints.size() &&
           result.checkpoints[next_checkpoint] == t) {
      result.condorcet_regret_at.push_back(result.condorcet
                                               ? static_cast<double>(condorcet_regret)
                                               : std::numeric_limits<double>::quiet_NaN());
      result.copeland_regret_at.push_back(static_cast<double>(copeland_regret));
      ++next_checkpoint;
    }
  }
  result.queries = rounds;
  if (result.condorcet) result.condorcet_regret = static_cast<double>(condorcet_regret);
  result.copeland_regret = static_cast<double>(copeland_regret);
  return result;
}

}  // namespace banditry::duel

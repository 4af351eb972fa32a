// Answer-universe simulator for Pass@k selection rules and the instance families that measure the
// rates of "Best-of-Majority: Minimax-Optimal Strategy for Pass@k Inference Scaling"
// (arXiv 2510.03199).
//
// An instance is a list of named answers (probability p_j, true reward r*_j, reward-model score
// s_j) plus an optional tail of mass m_tail whose every draw is a fresh answer never seen before
// (rare hallucinated answers), with reward r*_tail and score s_tail. By convention the optimal
// answer y* is named answer 0.
//
// One pool of N samples is drawn as counts, not sample by sample, so a trial costs O(L + tail
// draws) whatever N is:
//   1. sequential binomials over the named answers in list order from the data generator: with
//      n_rem = N and p_rem = 1, c_j ~ Bin(n_rem, min(1, p_j / p_rem)) (probability 1 when
//      p_rem <= 0), then n_rem -= c_j, p_rem -= p_j, stopping when n_rem = 0; without a tail the
//      last named answer takes c_{L-1} = n_rem without a draw;
//   2. the remaining n_rem samples are tail draws, each a distinct answer of count 1;
//   3. distinct answers are the named answers with c_j > 0 in list order, then the tail answers;
//      with score noise, the same generator then draws one standard normal per sampled named
//      answer in list order and adds noise_sd_j times it to s_j.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "banditry/core/error.hpp"
#include "banditry/core/rng.hpp"
#include "banditry/select/grouping.hpp"

namespace banditry::select {

/// One named answer of an answer universe.
struct named_answer {
  double probability = 0;  ///< pi_ref of the answer, in [0, 1]
  double reward = 0;       ///< true reward r*
  double score = 0;        ///< reward-model score (mean of the score when noise_sd > 0)
  double noise_sd = 0;     ///< standard deviation of the Gaussian score noise drawn per trial
};

/// An answer universe: named answers plus an optional tail of fresh answers.
struct answer_universe {
  std::vector<named_answer> named;  ///< y* is named[0] by convention
  double tail_mass = 0;             ///< probability of a fresh tail answer per draw
  double tail_reward = 0;           ///< r* of every tail answer
  double tail_score = 0;            ///< reward-model score of every tail answer
  bool noisy = false;               ///< draw score noise for the sampled named answers

  /// Checks that probabilities are in [0, 1], sum with the tail mass to 1 within 1e-12, and that
  /// rewards, scores and noise levels are finite (noise_sd >= 0).
  /// \throws std::domain_error or std::invalid_argument naming the first bad field. O(L).
  void validate() const {
    constexpr std::string_view function = "select::answer_universe";
    require_nonempty(named.size(), function, "named answers");
    long double total = tail_mass;
    require_probability(tail_mass, function, "tail_mass");
    for (std::size_t j = 0; j < named.size(); ++j) {
      const std::string where = "named[" + std::to_string(j) + "]";
      require_probability(named[j].probability, function, where + ".probability");
      require_finite(named[j].reward, function, where + ".reward");
      require_finite(named[j].score, function, where + ".score");
      if (!(named[j].noise_sd >= 0) || !std::isfinite(named[j].noise_sd)) {
        throw_domain_error(function, where + ".noise_sd", "finite and >= 0", named[j].noise_sd);
      }
      total += named[j].probability;
    }
    require_finite(tail_reward, function, "tail_reward");
    require_finite(tail_score, function, "tail_score");
    if (std::abs(static_cast<double>(total) - 1.0) > 1e-12) {
      throw_domain_error(function, "total probability", "1 within 1e-12",
                         static_cast<double>(total));
    }
  }

  /// E_{pi_ref}[(s - r*)^2] including the tail and the score noise variance. O(L).
  double reward_model_error2() const {
    long double e = tail_mass * (tail_score - tail_reward) * (tail_score - tail_reward);
    for (const auto& a : named) {
      const double d = a.score - a.reward;
      e += a.probability * (d * d + (noisy ? a.noise_sd * a.noise_sd : 0.0));
    }
    return static_cast<double>(e);
  }
};

/// One simulated pool: grouped answers with their true rewards.
struct simulated_pool {
  answer_groups groups;               ///< counts, frequencies c_j / N and (noisy) scores
  std::vector<double> rewards;        ///< r* of each distinct answer
  std::vector<std::size_t> named_of;  ///< named index of each distinct answer, or no_group (tail)
  std::size_t tail_draws = 0;         ///< number of tail answers in the pool
};

/// Draws the counts (and score noise) of N samples from the universe.
/// \param universe a validated universe (not re-validated here, for speed)
/// \param n number of samples N >= 1
/// \param data_rng the trial's data generator: binomials first, then the noise normals
/// \returns the pool; distinct answers are the sampled named answers in list order, then the tail
/// \throws std::invalid_argument for N = 0
/// Complexity: O(L + tail draws) binomial and normal draws.
template <random_engine64 Rng>
simulated_pool sample_pool(const answer_universe& universe, std::size_t n, Rng& data_rng) {
  require(n >= 1, "select::sample_pool", "n", "at least 1", n);
  const std::size_t l = universe.named.size();
  std::vector<std::size_t> counts(l, 0);
  std::uint64_t remaining = n;
  double mass = 1.0;
  for (std::size_t j = 0; j < l && remaining > 0; ++j) {
    if (j + 1 == l && universe.tail_mass == 0) {
      counts[j] = remaining;
      remaining = 0;
      break;
    }
    const double p = universe.named[j].probability;
    const double share = mass <= 0 ? 1.0 : std::min(1.0, p / mass);
    counts[j] = binomial(data_rng, remaining, share);
    remaining -= counts[j];
    mass -= p;
  }
  simulated_pool pool;
  std::vector<std::size_t> kept_counts;
  std::vector<double> scores;
  for (std::size_t j = 0; j < l; ++j) {
    if (counts[j] == 0) continue;
    kept_counts.push_back(counts[j]);
    scores.push_back(universe.named[j].score);
    pool.rewards.push_back(universe.named[j].reward);
    pool.named_of.push_back(j);
  }
  if (universe.noisy) {
    for (std::size_t q = 0; q < kept_counts.size(); ++q) {
      scores[q] += universe.named[pool.named_of[q]].noise_sd * normal(data_rng);
    }
  }
  pool.tail_draws = remaining;
  for (std::uint64_t t = 0; t < remaining; ++t) {
    kept_counts.push_back(1);
    scores.push_back(universe.tail_score);
    pool.rewards.push_back(universe.tail_reward);
    pool.named_of.push_back(no_group);
  }
  pool.groups = groups_from_counts(kept_counts, scores, n);
  return pool;
}

/// Trial regret of a submission on a simulated pool: 1 - max r* of the submitted answers, and 1
/// for an empty submission (r*(y*) = 1 in every family here). O(k).
inline double simulated_regret(const simulated_pool& pool, std::span<const std::size_t> selection) {
  double best = 0;
  for (std::size_t j : selection) best = std::max(best, pool.rewards.at(j));
  return 1.0 - best;
}

/// Sample threshold N* = ceil(16 C log(k C / eps^2)) of the Best-of-Majority bound (Corollary 2).
/// \pre k >= 1, C > 0, eps > 0 (checked). O(1).
inline std::size_t sample_threshold(double k, double c, double eps) {
  constexpr std::string_view function = "select::sample_threshold";
  require(k >= 1, function, "k", "at least 1", k);
  if (!(c > 0)) throw_domain_error(function, "C", "> 0", c);
  if (!(eps > 0)) throw_domain_error(function, "eps", "> 0", eps);
  return static_cast<std::size_t>(std::ceil(16 * c * std::log(k * c / (eps * eps))));
}

/// Family F1 (decoys): y* (p = 1/C, r* = 1, score 1), k decoys (p = 1/C, r* = 1 - Delta, score
/// 1 + 0.01 Delta) and k + 1 popular junk answers (r* = 0, score 0) sharing the rest, with
/// Delta = eps sqrt(C / k) / 1.01, so E(score - r*)^2 = eps^2 and eps_opt = 0.
/// \pre Delta <= 1 and C > 2 (k + 1) (checked). O(k).
inline answer_universe decoy_universe(std::size_t k, double c, double eps) {
  constexpr std::string_view function = "select::decoy_universe";
  const double kd = static_cast<double>(k);
  const double delta = eps * std::sqrt(c / kd) / 1.01;
  require(k >= 1, function, "k", "at least 1", k);
  if (!(delta <= 1 && delta > 0)) throw_domain_error(function, "Delta", "in (0, 1]", delta);
  if (!(c > 2 * (kd + 1))) throw_domain_error(function, "C", "> 2 (k + 1)", c);
  answer_universe u;
  u.named.push_back({1 / c, 1, 1, 0});
  for (std::size_t i = 0; i < k; ++i) u.named.push_back({1 / c, 1 - delta, 1 + 0.01 * delta, 0});
  const double junk = (1 - (kd + 1) / c) / (kd + 1);
  for (std::size_t i = 0; i <= k; ++i) u.named.push_back({junk, 0, 0, 0});
  return u;
}

/// Family F1' (lower bound): 2k candidates with p = 1/C and score 1, y* among them with r* = 1 and
/// the others r* = 1 - Delta', Delta' = eps sqrt(C / (2k - 1)); k + 1 junk answers (r* = 0,
/// score 0). E(score - r*)^2 = eps^2, eps_opt = 0.
/// \pre 2k <= C, Delta' <= 1 (checked). O(k).
inline answer_universe indistinguishable_universe(std::size_t k, double c, double eps) {
  constexpr std::string_view function = "select::indistinguishable_universe";
  require(k >= 1, function, "k", "at least 1", k);
  const double kd = static_cast<double>(k);
  if (!(2 * kd <= c)) throw_domain_error(function, "C", ">= 2k", c);
  const double delta = eps * std::sqrt(c / (2 * kd - 1));
  if (!(delta <= 1)) throw_domain_error(function, "Delta'", "at most 1", delta);
  answer_universe u;
  u.named.push_back({1 / c, 1, 1, 0});
  for (std::size_t i = 1; i < 2 * k; ++i) u.named.push_back({1 / c, 1 - delta, 1, 0});
  const double junk = (1 - 2 * kd / c) / (kd + 1);
  for (std::size_t i = 0; i <= k; ++i) u.named.push_back({junk, 0, 0, 0});
  return u;
}

/// Family F2 (over-scored rare tail): y* (p = 1/C, r* = 1, score 1), k + 1 junk answers (r* = 0,
/// score 0) and a tail of mass eps^2 / (h + 0.02)^2 with r* = 1 - h and score 1.02, where
/// h = min(0.9, sqrt(N eps^2 / (2k))). E(score - r*)^2 = eps^2; Best-of-N loses h(N) ~ sqrt(N).
/// \pre the tail and y* leave positive junk mass (checked by validate). O(k).
inline answer_universe rare_tail_universe(std::size_t k, double c, double eps, std::size_t n) {
  require(k >= 1, "select::rare_tail_universe", "k", "at least 1", k);
  const double kd = static_cast<double>(k);
  const double h = std::min(0.9, std::sqrt(static_cast<double>(n) * eps * eps / (2 * kd)));
  const double tail = eps * eps / ((h + 0.02) * (h + 0.02));
  answer_universe u;
  u.named.push_back({1 / c, 1, 1, 0});
  const double junk = (1 - 1 / c - tail) / (kd + 1);
  for (std::size_t i = 0; i <= k; ++i) u.named.push_back({junk, 0, 0, 0});
  u.tail_mass = tail;
  u.tail_reward = 1 - h;
  u.tail_score = 1.02;
  return u;
}

/// Family F3 (random Zipf pool): y* with p = 1/C, r* = 1; wrong answers j = 1..wrong with
/// p_j = (1 - 1/C) j^-zipf / H, r* = 0; scores r* + N(0, s_y^2) drawn per trial with
/// s_y^2 = eps^2 p_y^-g / sum_y' p_y'^(1-g), so E_{pi_ref} xi^2 = eps^2 exactly and rare answers
/// are noisier. Defaults are the family's parameters C = 32, eps = 0.3, g = 0.5, 2000 wrong
/// answers, exponent 1.2. \pre C > 1, wrong >= 1 (checked). O(wrong).
inline answer_universe zipf_universe(double c = 32, double eps = 0.3, double g = 0.5,
                                     std::size_t wrong = 2000, double zipf = 1.2) {
  constexpr std::string_view function = "select::zipf_universe";
  if (!(c > 1)) throw_domain_error(function, "C", "> 1", c);
  require(wrong >= 1, function, "wrong", "at least 1", wrong);
  double h = 0;
  for (std::size_t j = 1; j <= wrong; ++j) h += std::pow(static_cast<double>(j), -zipf);
  answer_universe u;
  u.noisy = true;
  u.named.push_back({1 / c, 1, 1, 0});
  for (std::size_t j = 1; j <= wrong; ++j) {
    u.named.push_back({(1 - 1 / c) * std::pow(static_cast<double>(j), -zipf) / h, 0, 0, 0});
  }
  double z = 0;
  for (const auto& a : u.named) z += std::pow(a.probability, 1 - g);
  for (auto& a : u.named) a.noise_sd = std::sqrt(eps * eps * std::pow(a.probability, -g) / z);
  return u;
}

}  // namespace banditry::select

// Self-Play Preference Optimization (SPPO) on a finite preference matrix, computed exactly.
//
// Source: Wu, Sun, Yuan, Ji, Yang and Gu, "Self-Play Preference Optimization for Language Model
// Alignment", arXiv 2405.00675. SPPO is multiplicative weights (Hedge) on the constant-sum game
// whose payoff is P(pi > pi'); the averaged policy has duality gap O(1/sqrt(T)), the last iterate
// has no guarantee. Every run here reports the duality gap, a certificate that needs no solver.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

#include "banditry/core/error.hpp"
#include "banditry/core/rng.hpp"
#include "banditry/game/preference_game.hpp"

namespace banditry::game {

/// Update rule that turns the win rates of an SPPO round into the next policy.
enum class sppo_step_rule {
  exact,      ///< multiplicative weights: pi_{t+1} = pi_t exp(eta g_t) / Z_t
  projected,  ///< exact minimiser of the practical squared loss with log Z_t replaced by eta / 2
};

/// Outcome of an SPPO run of T rounds (T updates).
struct sppo_result {
  std::vector<double> averaged{};   ///< averaged policy (1/T) sum_{t=1..T} pi_t
  std::vector<double> last{};       ///< last iterate pi_{T+1}
  double averaged_gap = 0;          ///< DG of the averaged policy
  double last_gap = 0;              ///< DG of the last iterate
  std::vector<double> gap_trace{};  ///< DG(pi_t) for t = 1..T+1 when requested, else empty
};

/// KL_max = max_y log(1 / pi_1(y)), the prior term of the Hedge regret bound (log K for uniform).
/// \pre pi1 a distribution with positive entries (checked). \returns a value >= 0. O(K).
inline double sppo_kl_max(std::span<const double> pi1) {
  require_distribution(pi1, "game::sppo_kl_max", "pi1");
  double smallest = 1;
  for (double p : pi1) smallest = std::min(smallest, p);
  if (!(smallest > 0)) throw_domain_error("game::sppo_kl_max", "min of pi1", "positive", smallest);
  return -std::log(smallest);
}

/// Step size eta = sqrt(8 KL_max / T) that minimises the bound 2 (KL_max / (eta T) + eta / 8).
/// \pre kl_max > 0 and finite, T >= 1 (checked). O(1).
inline double sppo_tuned_eta(double kl_max, std::size_t iterations) {
  if (!(kl_max > 0) || !std::isfinite(kl_max)) {
    throw_domain_error("game::sppo_tuned_eta", "kl_max", "positive and finite", kl_max);
  }
  require(iterations >= 1, "game::sppo_tuned_eta", "T", "at least 1", iterations);
  return std::sqrt(8 * kl_max / static_cast<double>(iterations));
}

/// Duality-gap bound of exact SPPO for any eta: DG(averaged) <= 2 (KL_max / (eta T) + eta / 8);
/// it equals sqrt(2 KL_max / T) at the tuned eta (Hoeffding's lemma plus the Hedge telescoping).
/// \param kl_max KL_max >= 0 (log K from the uniform start), finite
/// \param eta step size, positive and finite
/// \param iterations T >= 1
/// \returns the bound; +infinity when KL_max / (eta T) exceeds the largest double (for example
///   eta = 1e-320 with K >= 2), a vacuous bound since the duality gap is at most 1
/// \throws std::domain_error for kl_max or eta out of range; std::invalid_argument for T = 0.
/// O(1).
inline double sppo_gap_bound(double kl_max, double eta, std::size_t iterations) {
  if (!(kl_max >= 0) || !std::isfinite(kl_max)) {
    throw_domain_error("game::sppo_gap_bound", "kl_max", "finite and >= 0", kl_max);
  }
  if (!(eta > 0) || !std::isfinite(eta)) {
    throw_domain_error("game::sppo_gap_bound", "eta", "positive and finite", eta);
  }
  require(iterations >= 1, "game::sppo_gap_bound", "T", "at least 1", iterations);
  return 2 * (kl_max / (eta * static_cast<double>(iterations)) + eta / 8);
}

/// High-probability bound for sampled SPPO with unbiased win-rate estimates in [0, 1]: with
/// probability at least 1 - delta, DG(averaged) <= sppo_gap_bound + 4 sqrt(2 log(2 (K + 1) / delta)
/// / T) (Azuma-Hoeffding and a union bound over K + 1 martingales). \pre as sppo_gap_bound, K >= 1,
/// delta in (0, 1) (checked). O(1).
inline double sppo_sampled_gap_bound(double kl_max, double eta, std::size_t iterations,
                                     std::size_t responses, double delta) {
  require(responses >= 1, "game::sppo_sampled_gap_bound", "K", "at least 1", responses);
  if (!(delta > 0 && delta < 1)) {
    throw_domain_error("game::sppo_sampled_gap_bound", "delta", "in (0, 1)", delta);
  }
  const double t = static_cast<double>(iterations);
  return sppo_gap_bound(kl_max, eta, iterations) +
         4 * std::sqrt(2 * std::log(2 * (static_cast<double>(responses) + 1) / delta) / t);
}

/// Principal branch W_0(z) of the Lambert W function for z >= 0 (w e^w = z) by Halley's iteration,
/// stopped when |dw| <= 1e-15 max(1, |w|) or after 50 iterations. For z < 3 it solves w e^w = z
/// from log(1 + z); for z >= 3 it solves the equivalent w + log w = log z from log z - log log z,
/// a form in which no intermediate overflows (w e^w would overflow near z = DBL_MAX).
/// \param z argument, finite and >= 0 (up to DBL_MAX)
/// \returns W_0(z) >= 0, accurate to a few ulp.
/// \throws std::domain_error for negative, NaN or infinite z. O(1).
inline double lambert_w0(double z) {
  if (!(z >= 0) || !std::isfinite(z)) {
    throw_domain_error("game::lambert_w0", "z", "finite and >= 0", z);
  }
  if (z == 0) return 0;
  if (z >= 3) {
    const double log_z = std::log(z);
    double w = log_z - std::log(log_z);
    for (int iteration = 0; iteration < 50; ++iteration) {
      const double g = w + std::log(w) - log_z;
      const double slope = 1 + 1 / w;
      const double curvature = -1 / (w * w);
      const double delta = 2 * g * slope / (2 * slope * slope - g * curvature);
      w -= delta;
      if (std::abs(delta) <= 1e-15 * std::max(1.0, std::abs(w))) break;
    }
    return w;
  }
  double w = std::log1p(z);
  for (int iteration = 0; iteration < 50; ++iteration) {
    const double ew = std::exp(w);
    const double residual = w * ew - z;
    const double delta = residual / (ew * (w + 1) - (w + 2) * residual / (2 * w + 2));
    w -= delta;
    if (std::abs(delta) <= 1e-15 * std::max(1.0, std::abs(w))) break;
  }
  return w;
}

namespace detail {

inline void check_eta(double eta, std::string_view function) {
  if (!(eta > 0) || !std::isfinite(eta))
    throw_domain_error(function, "eta", "positive and finite", eta);
}

inline void check_start(std::span<const double> pi, Eigen::Index k, std::string_view function) {
  check_policy(pi, k, function, "pi1");
  for (std::size_t y = 0; y < pi.size(); ++y) {
    if (!(pi[y] > 0)) {
      throw_domain_error(function, "pi1[" + std::to_string(y) + "]", "positive (full support)",
                         pi[y]);
    }
  }
}

// Normalises log weights in place: shifts by the maximum before exponentiating (never adding the
// maximum back, which at |log w| ~ 1e17 would round log(sum) away) and divides the weights by
// their sum, so pi sums to 1 up to rounding for every finite eta.
inline void normalise_log_weights(Eigen::VectorXd& log_pi, Eigen::VectorXd& pi) {
  const double top = log_pi.maxCoeff();
  log_pi.array() -= top;
  pi = log_pi.array().exp();
  const double sum = pi.sum();  // >= 1: the maximal entry contributes exp(0)
  log_pi.array() -= std::log(sum);
  pi /= sum;
}

// Multiplicative-weights update in log space: log w += eta g, then normalise.
inline void mw_update(Eigen::VectorXd& log_pi, Eigen::VectorXd& pi, const Eigen::VectorXd& gains,
                      double eta) {
  log_pi += eta * gains;
  normalise_log_weights(log_pi, pi);
}

// Minimiser of sum_y pi(y) (theta_y - a_y)^2 subject to sum_y pi(y) e^theta_y = 1:
// theta_y = a_y - W_0(c e^a_y) with c >= 0 the root of f(c) = sum_y pi(y) W_0(c e^a_y) / c - 1.
inline void projected_update(Eigen::VectorXd& log_pi, Eigen::VectorXd& pi,
                             const Eigen::VectorXd& gains, double eta) {
  const Eigen::Index k = pi.size();
  const Eigen::VectorXd targets = eta * (gains.array() - 0.5);
  const Eigen::VectorXd exp_targets = targets.array().exp();
  auto f = [&](double c) {
    double sum = 0;
    for (Eigen::Index y = 0; y < k; ++y) sum += pi[y] * lambert_w0(c * exp_targets[y]) / c;
    return sum - 1;
  };
  const double f0 = pi.dot(exp_targets) - 1;
  Eigen::VectorXd theta = targets;
  if (f0 > 1e-15) {
    double hi = 1;
    while (f(hi) > 0) hi *= 2;
    double lo = hi / 2;
    while (!(f(lo) > 0)) lo /= 2;
    for (int step = 0; step < 200; ++step) {
      const double mid = (lo + hi) / 2;
      if (f(mid) > 0) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    const double c = (lo + hi) / 2;
    for (Eigen::Index y = 0; y < k; ++y) theta[y] = targets[y] - lambert_w0(c * exp_targets[y]);
  }
  log_pi += theta;
  normalise_log_weights(log_pi, pi);
}

inline std::vector<double> to_std(const Eigen::VectorXd& v) {
  return {v.data(), v.data() + v.size()};
}

}  // namespace detail

/// Log-partition log Z = log sum_y pi(y) exp(eta P(y > pi)) of one exact SPPO step. By Jensen and
/// E_{y ~ pi} P(y > pi) = 1/2 it is at least eta / 2, the constant the practical loss uses.
/// \pre P valid, pi a distribution of matching size, eta > 0 finite (checked). O(K^2).
inline double sppo_log_partition(const preference_matrix_type& P, std::span<const double> pi,
                                 double eta) {
  detail::check_eta(eta, "game::sppo_log_partition");
  const std::vector<double> gains = win_rates(P, pi);
  double top = -1e300;
  for (std::size_t y = 0; y < gains.size(); ++y) {
    if (pi[y] > 0) top = std::max(top, std::log(pi[y]) + eta * gains[y]);
  }
  double sum = 0;
  for (std::size_t y = 0; y < gains.size(); ++y) {
    if (pi[y] > 0) sum += std::exp(std::log(pi[y]) + eta * gains[y] - top);
  }
  return top + std::log(sum);
}

/// One SPPO step from `pi` with the given rule: exact multiplicative weights
/// pi'(y) = pi(y) exp(eta P(y > pi)) / Z, or the projected step that minimises the practical loss
/// E_{y ~ pi}[(log(pi'(y) / pi(y)) - eta (P(y > pi) - 1/2))^2] over all distributions pi'
/// (Lagrange conditions solved with the Lambert W function; it agrees with the exact step up to
/// O(eta^3) in the log-ratios).
/// \param P K x K preference matrix, P(i, j) = probability that i beats j (validated)
/// \param pi current policy: K positive probabilities summing to 1
/// \param eta step size, positive and finite; the projected rule needs eta <= 1400 so that
///   e^{eta/2} stays finite
/// \param rule sppo_step_rule::exact (multiplicative weights) or sppo_step_rule::projected
/// \pre P valid, pi a distribution of matching size with positive entries (checked).
/// \returns the next policy.
/// \throws std::invalid_argument / std::domain_error for invalid P, pi or eta.
/// Complexity O(K^2) (projected: plus O(K) per bisection step, about 250 steps).
inline std::vector<double> sppo_step(const preference_matrix_type& P, std::span<const double> pi,
                                     double eta, sppo_step_rule rule = sppo_step_rule::exact) {
  validate_preference_matrix(P, "game::sppo_step");
  detail::check_eta(eta, "game::sppo_step");
  detail::check_start(pi, P.rows(), "game::sppo_step");
  if (rule == sppo_step_rule::projected && eta > 1400) {
    throw_domain_error("game::sppo_step", "eta", "at most 1400 for the projected rule", eta);
  }
  Eigen::VectorXd current = Eigen::Map<const Eigen::VectorXd>(pi.data(), P.rows());
  Eigen::VectorXd log_pi = current.array().log();
  const Eigen::VectorXd gains = P * current;
  if (rule == sppo_step_rule::exact) {
    detail::mw_update(log_pi, current, gains, eta);
  } else {
    detail::projected_update(log_pi, current, gains, eta);
  }
  return detail::to_std(current);
}

/// Runs T rounds of exact SPPO (or of the projected step) from pi_1 with a constant step eta.
/// Round t plays pi_t and updates it with the exact win rates P pi_t; the averaged policy averages
/// pi_1..pi_T and the last iterate is pi_{T+1}. Guarantee (exact rule):
/// DG(averaged) <= sppo_gap_bound(sppo_kl_max(pi1), eta, T); the last iterate may cycle.
/// Source: arXiv 2405.00675 (Theorem on the averaged policy).
/// \param P K x K preference matrix, P(i, j) = probability that i beats j (validated)
/// \param pi1 start policy pi_1: K positive probabilities summing to 1
/// \param eta step size, positive and finite (at most 1400 for the projected rule)
/// \param iterations number of rounds T >= 1
/// \param rule sppo_step_rule::exact (multiplicative weights) or sppo_step_rule::projected
/// \param record_trace stores DG(pi_t) for t = 1..T+1 (free: it is 2 max_y (P pi_t)_y - 1)
/// \returns averaged and last policies with their duality gaps, and the trace when requested.
/// \throws std::invalid_argument / std::domain_error for invalid P, pi1, eta or T = 0.
/// Complexity O(T K^2) time, O(K^2) memory (O(T) more with the trace).
inline sppo_result sppo_run(const preference_matrix_type& P, std::span<const double> pi1,
                            double eta, std::size_t iterations,
                            sppo_step_rule rule = sppo_step_rule::exact,
                            bool record_trace = false) {
  validate_preference_matrix(P, "game::sppo_run");
  detail::check_eta(eta, "game::sppo_run");
  require(iterations >= 1, "game::sppo_run", "T", "at least 1", iterations);
  detail::check_start(pi1, P.rows(), "game::sppo_run");
  if (rule == sppo_step_rule::projected && eta > 1400) {
    throw_domain_error("game::sppo_run", "eta", "at most 1400 for the projected rule", eta);
  }
  const Eigen::Index k = P.rows();
  Eigen::VectorXd pi = Eigen::Map<const Eigen::VectorXd>(pi1.data(), k);
  Eigen::VectorXd log_pi = pi.array().log();
  Eigen::VectorXd sum = Eigen::VectorXd::Zero(k);
  Eigen::VectorXd gains(k);
  sppo_result result;
  if (record_trace) result.gap_trace.reserve(iterations + 1);
  for (std::size_t t = 0; t < iterations; ++t) {
    sum += pi;
    gains.noalias() = P * pi;
    if (record_trace) result.gap_trace.push_back(2 * gains.maxCoeff() - 1);
    if (rule == sppo_step_rule::exact) {
      detail::mw_update(log_pi, pi, gains, eta);
    } else {
      detail::projected_update(log_pi, pi, gains, eta);
    }
  }
  const Eigen::VectorXd averaged = sum / static_cast<double>(iterations);
  result.averaged = detail::to_std(averaged);
  result.last = detail::to_std(pi);
  result.averaged_gap = 2 * (P * averaged).maxCoeff() - 1;
  result.last_gap = 2 * (P * pi).maxCoeff() - 1;
  if (record_trace) result.gap_trace.push_back(result.last_gap);
  return result;
}

inline sppo_result sppo_run(const preference_matrix_type& P, const std::vector<double>& pi1,
                            double eta, std::size_t iterations,
                            sppo_step_rule rule = sppo_step_rule::exact,
                            bool record_trace = false) {
  return sppo_run(P, std::span<const double>(pi1), eta, iterations, rule, record_trace);
}

/// Outcome of contextual SPPO: one run per context and the rho-weighted duality gaps.
struct sppo_contextual_result {
  std::vector<sppo_result> per_context{};
  double averaged_gap = 0;  ///< sum_x rho(x) DG_x(averaged policy of context x)
  double last_gap = 0;      ///< sum_x rho(x) DG_x(last iterate of context x)
};

/// Exact SPPO with contexts: one preference matrix and one start per context; the update decouples
/// across contexts, and the certificate is the rho-weighted duality gap, bounded by
/// sum_x rho(x) sppo_gap_bound(KL_max(x), eta, T).
/// \pre games, starts and rho of equal non-zero size, rho a distribution; each game and start as in
///   sppo_run (checked). O(T sum_x K_x^2).
inline sppo_contextual_result sppo_run_contextual(const std::vector<preference_matrix_type>& games,
                                                  const std::vector<std::vector<double>>& starts,
                                                  std::span<const double> rho, double eta,
                                                  std::size_t iterations) {
  require_nonempty(games.size(), "game::sppo_run_contextual", "games");
  require_same_size(starts.size(), games.size(), "game::sppo_run_contextual", "starts", "games");
  require_same_size(rho.size(), games.size(), "game::sppo_run_contextual", "rho", "games");
  require_distribution(rho, "game::sppo_run_contextual", "rho");
  sppo_contextual_result result;
  for (std::size_t x = 0; x < games.size(); ++x) {
    result.per_context.push_back(sppo_run(games[x], starts[x], eta, iterations));
    result.averaged_gap += rho[x] * result.per_context.back().averaged_gap;
    result.last_gap += rho[x] * result.per_context.back().last_gap;
  }
  return result;
}

/// Sampled SPPO: Hedge on unbiased win-rate estimates. In each round, for y = 0..K-1 and
/// j = 1..m, it draws an opponent y'_j ~ pi_t (categorical) and then a label
/// b_j ~ Bernoulli(P(y, y'_j)), and sets g_hat(y) = (1/m) sum_j b_j. With probability at least
/// 1 - delta the averaged policy satisfies DG <= sppo_sampled_gap_bound(KL_max, eta, T, K, delta).
/// \param P K x K preference matrix, P(i, j) = probability that i beats j (validated)
/// \param pi1 start policy pi_1: K positive probabilities summing to 1
/// \param eta step size, positive and finite
/// \param iterations number of rounds T >= 1
/// \param m opponents per response and round, >= 1
/// \param rng the trial's data generator (opponent and label draws)
/// \pre as sppo_run (checked).
/// \returns averaged and last policies with their exact duality gaps (no trace).
/// \throws std::invalid_argument / std::domain_error for invalid P, pi1, eta, T = 0 or m = 0.
/// Complexity O(T K (m K + K)) time.
template <random_engine64 Rng>
sppo_result sppo_run_sampled(const preference_matrix_type& P, std::span<const double> pi1,
                             double eta, std::size_t iterations, std::size_t m, Rng& rng) {
  validate_preference_matrix(P, "game::sppo_run_sampled");
  detail::check_eta(eta, "game::sppo_run_sampled");
  require(iterations >= 1, "game::sppo_run_sampled", "T", "at least 1", iterations);
  require(m >= 1, "game::sppo_run_sampled", "m", "at least 1", m);
  detail::check_start(pi1, P.rows(), "game::sppo_run_sampled");
  const Eigen::Index k = P.rows();
  Eigen::VectorXd pi = Eigen::Map<const Eigen::VectorXd>(pi1.data(), k);
  Eigen::VectorXd log_pi = pi.array().log();
  Eigen::VectorXd sum = Eigen::VectorXd::Zero(k);
  Eigen::VectorXd gains(k);
  for (std::size_t t = 0; t < iterations; ++t) {
    sum += pi;
    const std::span<const double> weights(pi.data(), static_cast<std::size_t>(k));
    for (Eigen::Index y = 0; y < k; ++y) {
      std::size_t wins = 0;
      for (std::size_t j = 0; j < m; ++j) {
        const auto opponent = static_cast<Eigen::Index>(categorical(rng, weights));
        wins += bernoulli(rng, P(y, opponent)) ? 1 : 0;
      }
      gains[y] = static_cast<double>(wins) / static_cast<double>(m);
    }
    detail::mw_update(log_pi, pi, gains, eta);
  }
  sppo_result result;
  const Eigen::VectorXd averaged = sum / static_cast<double>(iterations);
  result.averaged = detail::to_std(averaged);
  result.last = detail::to_std(pi);
  result.averaged_gap = 2 * (P * averaged).maxCoeff() - 1;
  result.last_gap = 2 * (P * pi).maxCoeff() - 1;
  return result;
}

/// Win-rate estimates of the practical SPPO loss from m responses y_1..y_m sampled from pi_t:
/// P_hat(y_k > pi_t) = (1/m) sum_{j=1..m} P(y_k, y_j), including j = k (which contributes 1/2).
/// \pre P valid; samples non-empty with indices < K (checked). \returns m estimates. O(m^2).
inline std::vector<double> sppo_estimated_win_rates(const preference_matrix_type& P,
                                                    std::span<const std::size_t> samples) {
  validate_preference_matrix(P, "game::sppo_estimated_win_rates");
  require_nonempty(samples.size(), "game::sppo_estimated_win_rates", "samples");
  for (std::size_t i = 0; i < samples.size(); ++i) {
    require(samples[i] < static_cast<std::size_t>(P.rows()), "game::sppo_estimated_win_rates",
            "samples[" + std::to_string(i) + "]", "a response index below K", samples[i]);
  }
  std::vector<double> estimates(samples.size(), 0.0);
  for (std::size_t a = 0; a < samples.size(); ++a) {
    for (std::size_t b = 0; b < samples.size(); ++b) {
      estimates[a] +=
          P(static_cast<Eigen::Index>(samples[a]), static_cast<Eigen::Index>(samples[b]));
    }
    estimates[a] /= static_cast<double>(samples.size());
  }
  return estimates;
}

/// Practical SPPO loss of a tabular candidate policy at the population level:
/// L = sum_y pi_t(y) (log(pi(y) / pi_t(y)) - eta (P(y > pi_t) - 1/2))^2.
/// \pre P valid; pi and pi_t distributions of size K with positive entries; eta > 0 (checked).
/// O(K^2).
inline double sppo_practical_loss(const preference_matrix_type& P, std::span<const double> pi,
                                  std::span<const double> pi_t, double eta) {
  detail::check_eta(eta, "game::sppo_practical_loss");
  const std::vector<double> gains = win_rates(P, pi_t);
  detail::check_start(pi, P.rows(), "game::sppo_practical_loss");
  double loss = 0;
  for (std::size_t y = 0; y < gains.size(); ++y) {
    if (pi_t[y] == 0) continue;
    const double residual = std::log(pi[y] / pi_t[y]) - eta * (gains[y] - 0.5);
    loss += pi_t[y] * residual * residual;
  }
  return loss;
}

/// Total-variation distance (1/2) sum |p - q|. \pre equal sizes (checked). O(K).
inline double total_variation(std::span<const double> p, std::span<const double> q) {
  require_same_size(q.size(), p.size(), "game::total_variation", "q", "p");
  double sum = 0;
  for (std::size_t i = 0; i < p.size(); ++i) sum += std::abs(p[i] - q[i]);
  return sum / 2;
}

inline double total_variation(const std::vector<double>& p, const std::vector<double>& q) {
  return total_variation(std::span<const double>(p), std::span<const double>(q));
}

}  // namespace banditry::game

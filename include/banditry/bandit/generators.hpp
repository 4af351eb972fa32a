// Problem instances and data generators for offline KL-regularised bandits.
//
// The sufficient-statistic samplers draw the cell counts and reward sums of n logged samples
// directly, so a trial costs O(X K) draws instead of O(n), and every estimator that depends on
// the data only through them keeps its exact distribution. Draw order (all from one generator):
// counts N(x, y) ~ Multinomial(n, rho x pi_ref) by sequential binomials over cells with x outer and
// y inner (the last cell takes the rest); then, in the same cell order, one reward sum per cell
// with N > 0: S = N r* + sigma sqrt(N) z with one standard normal z (Gaussian noise), or
// S ~ Bin(N, r*) (Bernoulli rewards). Preference data use ordered triples (x, y1, y2) with x
// outer, then y1, then y2, and then the win counts W ~ Bin(N, sigmoid(r*(x, y1) - r*(x, y2))).
#pragma once

#include <Eigen/Dense>
#include <cmath>
#include <cstdint>
#include <vector>

#include "banditry/bandit/features.hpp"
#include "banditry/bandit/kl_pcb.hpp"
#include "banditry/bandit/off_policy.hpp"
#include "banditry/bandit/validation.hpp"
#include "banditry/core/error.hpp"
#include "banditry/core/numerics.hpp"
#include "banditry/core/rng.hpp"

namespace banditry::bandit {

/// A finite contextual bandit: context distribution, reference (behaviour) policy, mean rewards.
struct tabular_instance {
  Eigen::VectorXd rho;        ///< context distribution, length X
  Eigen::MatrixXd reference;  ///< X x K behaviour and reference policy pi_ref
  Eigen::MatrixXd reward;     ///< X x K mean rewards r*

  /// Throws unless the three parts have matching shapes and valid values.
  void validate(std::string_view function) const {
    detail::check_policy(reference, function, "reference");
    detail::check_context_distribution(rho, reference.rows(), function);
    detail::check_shape(reward, reference.rows(), reference.cols(), function, "reward");
    detail::check_finite_matrix(reward, function, "reward");
  }
};

/// Builds a one-context instance from a reward row and a reference row.
/// \throws std::domain_error when `reference` is not a distribution or a reward is not finite;
/// std::invalid_argument for mismatched sizes. O(K).
inline tabular_instance single_context_instance(const Eigen::RowVectorXd& reward,
                                                const Eigen::RowVectorXd& reference) {
  tabular_instance instance{Eigen::VectorXd::Ones(1), Eigen::MatrixXd(reference),
                            Eigen::MatrixXd(reward)};
  instance.validate("bandit::single_context_instance");
  return instance;
}

/// A linear instance: a tabular instance whose rewards are theta*^T phi(x, y).
struct linear_instance {
  tabular_instance table;  ///< rho, pi_ref and r* = phi theta*
  feature_table features;  ///< phi(x, y)
  Eigen::VectorXd theta;   ///< theta*
};

/// Draws the linear instance with unit-norm features and parameter: phi(x, y) = (u_{x,y}, 1)/sqrt 2
/// and theta* = (v, 1)/sqrt 2 with u and v uniform on the unit sphere of R^{d-1} (each as d - 1
/// normals divided by their norm), so r* = (1 + v^T u) / 2 lies in [0, 1]. Draw order: u_{x,y}
/// with x outer and y inner, then v. rho and pi_ref are uniform.
/// \param rng generator; \param dimension d >= 2; \param contexts X >= 1; \param actions K >= 1
/// \throws std::invalid_argument for d < 2 or X, K < 1. Complexity O(X K d).
template <random_engine64 Rng>
linear_instance sphere_linear_instance(Rng& rng, Eigen::Index dimension, Eigen::Index contexts,
                                       Eigen::Index actions) {
  constexpr const char* function = "bandit::sphere_linear_instance";
  require(dimension >= 2, function, "dimension", "at least 2", dimension);
  require(contexts >= 1, function, "contexts", "at least 1", contexts);
  require(actions >= 1, function, "actions", "at least 1", actions);
  linear_instance instance;
  instance.features = {contexts, actions, Eigen::MatrixXd(contexts * actions, dimension)};
  const double scale = 1 / std::sqrt(2.0);
  for (Eigen::Index cell = 0; cell < contexts * actions; ++cell) {
    const std::vector<double> u = unit_sphere(rng, static_cast<std::size_t>(dimension - 1));
    for (Eigen::Index j = 0; j + 1 < dimension; ++j) instance.features.phi(cell, j) = u[j] * scale;
    instance.features.phi(cell, dimension - 1) = scale;
  }
  const std::vector<double> v = unit_sphere(rng, static_cast<std::size_t>(dimension - 1));
  instance.theta.resize(dimension);
  for (Eigen::Index j = 0; j + 1 < dimension; ++j) instance.theta(j) = v[j] * scale;
  instance.theta(dimension - 1) = scale;
  instance.table.rho = Eigen::VectorXd::Constant(contexts, 1.0 / static_cast<double>(contexts));
  instance.table.reference =
      Eigen::MatrixXd::Constant(contexts, actions, 1.0 / static_cast<double>(actions));
  const Eigen::VectorXd reward = instance.features.phi * instance.theta;
  instance.table.reward = Eigen::MatrixXd(contexts, actions);
  for (Eigen::Index x = 0; x < contexts; ++x) {
    for (Eigen::Index y = 0; y < actions; ++y) {
      instance.table.reward(x, y) = reward(x * actions + y);
    }
  }
  return instance;
}

/// Reward noise of simulated logs.
enum class reward_noise {
  gaussian,   ///< r = r* + sigma z, z standard normal
  bernoulli,  ///< r ~ Bernoulli(r*), needs r* in [0, 1]
};

namespace detail {

inline void check_noise(const tabular_instance& instance, reward_noise noise, double noise_sd,
                        std::string_view function) {
  if (noise == reward_noise::gaussian) {
    if (!(noise_sd >= 0) || !std::isfinite(noise_sd)) {
      throw_domain_error(function, "noise_sd", "finite and >= 0", noise_sd);
    }
    return;
  }
  for (Eigen::Index x = 0; x < instance.reward.rows(); ++x) {
    for (Eigen::Index y = 0; y < instance.reward.cols(); ++y) {
      require_probability(instance.reward(x, y), function, cell_name("reward", x, y));
    }
  }
}

}  // namespace detail

/// Draws the cell counts and reward sums of n samples logged under pi_ref (draw order in the file
/// comment).
/// \param rng generator (the trial's data stream); \param instance rho, pi_ref and r*
/// \param samples n; \param noise Gaussian (default) or Bernoulli rewards; \param noise_sd sigma
/// \returns counts and reward sums
/// \throws std::domain_error for an invalid instance, sigma < 0, or Bernoulli rewards outside
/// [0, 1]. Complexity O(X K) draws.
template <random_engine64 Rng>
tabular_statistics sample_tabular_statistics(Rng& rng, const tabular_instance& instance,
                                             std::uint64_t samples,
                                             reward_noise noise = reward_noise::gaussian,
                                             double noise_sd = 1.0) {
  constexpr const char* function = "bandit::sample_tabular_statistics";
  instance.validate(function);
  detail::check_noise(instance, noise, noise_sd, function);
  const Eigen::Index rows = instance.reference.rows();
  const Eigen::Index cols = instance.reference.cols();
  std::vector<double> cell_probabilities(static_cast<std::size_t>(rows * cols));
  for (Eigen::Index x = 0; x < rows; ++x) {
    for (Eigen::Index y = 0; y < cols; ++y) {
      cell_probabilities[static_cast<std::size_t>(x * cols + y)] =
          instance.rho(x) * instance.reference(x, y);
    }
  }
  std::vector<std::uint64_t> counts(cell_probabilities.size());
  multinomial(rng, samples, cell_probabilities, counts);
  tabular_statistics data{Eigen::MatrixXd::Zero(rows, cols), Eigen::MatrixXd::Zero(rows, cols)};
  for (Eigen::Index x = 0; x < rows; ++x) {
    for (Eigen::Index y = 0; y < cols; ++y) {
      const std::uint64_t n = counts[static_cast<std::size_t>(x * cols + y)];
      data.counts(x, y) = static_cast<double>(n);
      if (n == 0) continue;
      const double mean = instance.reward(x, y);
      if (noise == reward_noise::gaussian) {
        const double nd = static_cast<double>(n);
        data.reward_sums(x, y) = nd * mean + noise_sd * std::sqrt(nd) * normal(rng);
      } else {
        data.reward_sums(x, y) = static_cast<double>(binomial(rng, n, mean));
      }
    }
  }
  return data;
}

/// Draws n individual logged steps under pi_ref, for estimators that need the raw log: per step
/// the context by a categorical draw over rho, the action by a categorical draw over
/// pi_ref(.|x), then the reward; the propensity is pi_ref(y|x). O(n K) time, unlike
/// sample_tabular_statistics.
/// \throws as sample_tabular_statistics.
template <random_engine64 Rng>
std::vector<logged_step> sample_logged_steps(Rng& rng, const tabular_instance& instance,
                                             std::size_t samples,
                                             reward_noise noise = reward_noise::gaussian,
                                             double noise_sd = 1.0) {
  constexpr const char* function = "bandit::sample_logged_steps";
  instance.validate(function);
  detail::check_noise(instance, noise, noise_sd, function);
  std::vector<double> rho(instance.rho.data(), instance.rho.data() + instance.rho.size());
  std::vector<std::vector<double>> rows(static_cast<std::size_t>(instance.reference.rows()));
  for (Eigen::Index x = 0; x < instance.reference.rows(); ++x) {
    for (Eigen::Index y = 0; y < instance.reference.cols(); ++y) {
      rows[static_cast<std::size_t>(x)].push_back(instance.reference(x, y));
    }
  }
  std::vector<logged_step> log(samples);
  for (auto& step : log) {
    step.context = categorical(rng, std::span<const double>(rho));
    step.action = categorical(rng, std::span<const double>(rows[step.context]));
    const auto x = static_cast<Eigen::Index>(step.context);
    const auto y = static_cast<Eigen::Index>(step.action);
    const double mean = instance.reward(x, y);
    step.reward = noise == reward_noise::gaussian ? mean + noise_sd * normal(rng)
                                                  : (bernoulli(rng, mean) ? 1.0 : 0.0);
    step.propensity = instance.reference(x, y);
  }
  return log;
}

/// Counts and wins of logged preference pairs over ordered triples (x, y1, y2), index
/// (x K + y1) K + y2.
struct preference_counts {
  Eigen::Index contexts = 0;
  Eigen::Index actions = 0;
  std::vector<double> comparisons;  ///< N(x, y1, y2): pairs with y1 and y2 drawn from pi_ref(.|x)
  std::vector<double> wins;         ///< W(x, y1, y2): pairs in which y1 was preferred
};

/// Draws Bradley-Terry preference data in sufficient-statistic form: counts over ordered triples
/// with probabilities rho(x) pi_ref(y1|x) pi_ref(y2|x), then W ~ Bin(N, sigmoid(r*(x, y1) -
/// r*(x, y2))) in the same order (pairs with y1 = y2 are kept; they carry no information).
/// \throws std::domain_error for an invalid instance. Complexity O(X K^2) draws.
template <random_engine64 Rng>
preference_counts sample_preference_counts(Rng& rng, const tabular_instance& instance,
                                           std::uint64_t samples) {
  constexpr const char* function = "bandit::sample_preference_counts";
  instance.validate(function);
  const Eigen::Index rows = instance.reference.rows();
  const Eigen::Index cols = instance.reference.cols();
  const auto cells = static_cast<std::size_t>(rows * cols * cols);
  std::vector<double> probabilities(cells);
  for (Eigen::Index x = 0; x < rows; ++x) {
    for (Eigen::Index a = 0; a < cols; ++a) {
      for (Eigen::Index b = 0; b < cols; ++b) {
        probabilities[static_cast<std::size_t>((x * cols + a) * cols + b)] =
            instance.rho(x) * instance.reference(x, a) * instance.reference(x, b);
      }
    }
  }
  std::vector<std::uint64_t> counts(cells);
  multinomial(rng, samples, probabilities, counts);
  preference_counts data{rows, cols, std::vector<double>(cells), std::vector<double>(cells)};
  for (Eigen::Index x = 0; x < rows; ++x) {
    for (Eigen::Index a = 0; a < cols; ++a) {
      for (Eigen::Index b = 0; b < cols; ++b) {
        const auto index = static_cast<std::size_t>((x * cols + a) * cols + b);
        data.comparisons[index] = static_cast<double>(counts[index]);
        const double p = sigmoid(instance.reward(x, a) - instance.reward(x, b));
        data.wins[index] = static_cast<double>(binomial(rng, counts[index], p));
      }
    }
  }
  return data;
}

}  // namespace banditry::bandit

// A sweep: per-trial metric values for every method at every grid point of one experiment.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "banditry/core/error.hpp"
#include "banditry/core/rng.hpp"
#include "banditry/sim/stats.hpp"

namespace banditry::sim {

/// Per-trial values of one experiment. values[m][p][t] is trial t of method m at grid point p.
/// Methods evaluated on the same trials share trial indices (common random numbers).
struct sweep {
  std::string experiment;            ///< name hashed into the stream keys, e.g. "SEL.F1.k"
  std::string parameter;             ///< grid parameter name, e.g. "k"; empty without a grid
  std::vector<double> grid;          ///< grid values in index order p = 0, 1, ...
  std::vector<std::string> methods;  ///< method names
  std::vector<std::vector<std::vector<double>>> values;  ///< [method][point][trial]
  std::map<std::string, std::string>
      info;  ///< instance and algorithm parameters, for the JSON file
  std::optional<std::vector<double>>
      rate;             ///< theory rate per grid point, for normalised constants
  std::string claim;    ///< claim id(s) that use this sweep, for plot titles
  std::string verdict;  ///< verdict shown in the plot title
  std::vector<std::vector<double>> reference;  ///< optional theory line per method: [method][point]
  bool log_x = true;                           ///< plot axes
  bool log_y = true;
  /// Legend text of the reference lines: "theory" by default, or e.g. "bound" or "exact value".
  std::string reference_label = "theory";
  /// Grid-index window [fit_first, fit_last] of the plotted log-log fit line, so the plot fits the
  /// same points as the claim; the default covers every point.
  std::size_t fit_first = 0;
  std::size_t fit_last = static_cast<std::size_t>(-1);
  /// Plot the per-point median instead of the mean (for claims about medians).
  bool plot_median = false;

  /// Creates an empty sweep with `trials` slots per (method, point).
  sweep(std::string experiment_name, std::string parameter_name, std::vector<double> grid_values,
        std::vector<std::string> method_names)
      : experiment(std::move(experiment_name)),
        parameter(std::move(parameter_name)),
        grid(std::move(grid_values)),
        methods(std::move(method_names)) {
    if (grid.empty()) grid.push_back(0.0);
    values.assign(methods.size(), std::vector<std::vector<double>>(grid.size()));
  }
  sweep() = default;

  /// Index of a method by name. \throws std::invalid_argument for an unknown name.
  std::size_t method_index(const std::string& name) const {
    for (std::size_t i = 0; i < methods.size(); ++i) {
      if (methods[i] == name) return i;
    }
    throw_invalid_argument("sim::sweep::method_index", "method", "one of the sweep's methods",
                           name);
  }
  const std::vector<double>& trials(const std::string& method, std::size_t point) const {
    return values.at(method_index(method)).at(point);
  }
  std::vector<double>& trials(const std::string& method, std::size_t point) {
    return values.at(method_index(method)).at(point);
  }
  double mean_at(const std::string& method, std::size_t point) const {
    return sim::mean(trials(method, point));
  }
  double se_at(const std::string& method, std::size_t point) const {
    return sim::standard_error(trials(method, point));
  }
};

/// Bootstrap index sets of resample b for one experiment: one generator seeded with
/// key(e, 0xB007, b, 3) draws, for grid points p = 0, 1, ... in order, R_p integers in {0..R_p-1}.
/// With `joint`, one set of R_0 indices serves every point (checkpoints of the same runs).
inline std::vector<std::vector<std::size_t>> bootstrap_indices(
    std::uint64_t master_seed, const std::string& experiment, std::size_t resample,
    const std::vector<std::size_t>& trials_per_point, bool joint = false) {
  xoshiro256ss rng(stream_key(master_seed, fnv1a64(experiment), 0xB007, resample, 3));
  std::vector<std::vector<std::size_t>> sets(trials_per_point.size());
  for (std::size_t p = 0; p < trials_per_point.size(); ++p) {
    if (joint && p > 0) {
      sets[p] = sets[0];
      continue;
    }
    const std::size_t r = trials_per_point[p];
    sets[p].resize(r);
    for (auto& index : sets[p]) index = static_cast<std::size_t>(uniform_int(rng, r));
  }
  return sets;
}

/// Trials per grid point of a sweep (taken from its first method).
inline std::vector<std::size_t> trial_counts(const sweep& s) {
  std::vector<std::size_t> counts;
  for (const auto& point : s.values.at(0)) counts.push_back(point.size());
  return counts;
}

/// Mean (or median) of the trials picked by `indices`.
inline double resampled_statistic(const std::vector<double>& trials,
                                  const std::vector<std::size_t>& indices, bool use_median) {
  std::vector<double> picked(indices.size());
  for (std::size_t i = 0; i < indices.size(); ++i) picked[i] = trials[indices[i]];
  return use_median ? median(picked) : mean(picked);
}

}  // namespace banditry::sim

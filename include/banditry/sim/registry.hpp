// The registry of verify claims and the context a claim group runs in.
//
// Each area registers its claim groups from its own translation unit with a static
// `claim_registrar`, so adding a theorem never touches the command-line program.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "banditry/sim/claims.hpp"
#include "banditry/sim/runner.hpp"
#include "banditry/sim/sweep.hpp"

namespace banditry::sim {

/// Trial-count scaling of a verify run: quick divides R by 4 (at least 4), full multiplies by 4.
enum class run_mode { quick, standard, full };

inline const char* to_string(run_mode mode) {
  switch (mode) {
    case run_mode::quick:
      return "quick";
    case run_mode::standard:
      return "default";
    case run_mode::full:
      return "full";
  }
  return "?";
}

/// Everything a claim group needs from the run: seed, threads, mode, data folder, and a place to
/// record its sweeps for the CSV, JSON and plot writers.
struct verify_context {
  std::uint64_t master_seed = 1;
  unsigned threads = 0;  ///< 0 = hardware concurrency
  run_mode mode = run_mode::standard;
  std::optional<std::filesystem::path> data_dir;  ///< real-data folder, absent when none was found
  std::size_t bootstrap_resamples = 400;
  std::vector<sweep> sweeps;  ///< filled by claim groups, written by the tool
  std::function<void(const std::string&)> progress;  ///< optional progress sink (stderr line)

  /// Trials for a registry count R under the run mode.
  std::size_t trials(std::size_t registry_trials) const {
    switch (mode) {
      case run_mode::quick:
        return std::max<std::size_t>(4, registry_trials / 4);
      case run_mode::full:
        return registry_trials * 4;
      default:
        return registry_trials;
    }
  }
  /// Path of a real-data file, or nullopt when the data folder or the file is absent.
  std::optional<std::filesystem::path> data_file(const std::string& relative) const {
    if (!data_dir) return std::nullopt;
    auto path = *data_dir / relative;
    if (!std::filesystem::exists(path)) return std::nullopt;
    return path;
  }
  void report(const std::string& message) const {
    if (progress) progress(message);
  }
  /// Stores a sweep for output and returns a reference that stays valid until the next record.
  sweep& record(sweep s) {
    sweeps.push_back(std::move(s));
    return sweeps.back();
  }
};

/// A group of claims evaluated together because they share simulations.
struct claim_group {
  std::string suite{};             ///< "core", "selection", "kl-bandits", "dueling", "self-play"
  std::vector<std::string> ids{};  ///< claim ids the group returns, e.g. {"SEL-1", "SEL-2"}
  double budget_seconds = 10;      ///< expected CPU seconds of the default run
  std::function<std::vector<claim_result>(verify_context&)> run{};
  bool full_only = false;  ///< run only with --full
};

/// Process-wide list of claim groups, in registration order sorted by suite at run time.
class claim_registry {
 public:
  static claim_registry& instance() {
    static claim_registry registry;
    return registry;
  }
  void add(claim_group group) { groups_.push_back(std::move(group)); }
  const std::vector<claim_group>& groups() const { return groups_; }

 private:
  std::vector<claim_group> groups_;
};

/// Registers a claim group at static-initialisation time: `static claim_registrar r{{...}};`.
struct claim_registrar {
  explicit claim_registrar(claim_group group) { claim_registry::instance().add(std::move(group)); }
};

/// Skipped results for every id of a group, with a note (for a missing data file).
inline std::vector<claim_result> skipped(const std::vector<std::string>& ids,
                                         const std::string& file, const std::string& description,
                                         const std::string& note) {
  std::vector<claim_result> out;
  for (const auto& id : ids) {
    claim_result r;
    r.id = id;
    r.file = file;
    r.description = description;
    r.type = "identity";
    r.outcome = verdict::skip;
    r.note = note;
    out.push_back(r);
  }
  return out;
}

}  // namespace banditry::sim

// Claim results and the verdict rules that turn measured statistics into PASS, FAIL or SKIP.
//
// Rules (defaults in parentheses):
//   slope      PASS iff s* lies in [l - tau, u + tau], [l, u] the 95 % bootstrap interval (tau 0.1)
//   flat       PASS iff [l, u] lies inside [-t, t] (t 0.1)
//   value      PASS iff |mean - v*| <= eps + 3 SE
//   range      PASS iff a - 3 SE <= mean <= b + 3 SE
//   bound      PASS iff mean <= b + 3 SE (upper) or mean >= b - 3 SE (lower)
//   order      PASS iff mean(A - c B) >= d - 3 SE(A - c B), paired or unpaired
//   normalised PASS iff max rho / min rho <= kappa and every rho in its band by the range rule
//   identity   PASS iff |measured - expected| <= tolerance
// Rates are stated up to constants, so slopes are checked against a widened interval rather than by
// a significance test; 3 SE keeps false alarms rare across about a hundred claims.
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "banditry/sim/stats.hpp"
#include "banditry/sim/sweep.hpp"

namespace banditry::sim {

enum class verdict { pass, fail, skip };

inline const char* to_string(verdict v) {
  switch (v) {
    case verdict::pass:
      return "PASS";
    case verdict::fail:
      return "FAIL";
    case verdict::skip:
      return "SKIP";
  }
  return "?";
}

/// One row of the verify table and of summary.json.
struct claim_result {
  std::string id{};           ///< stable claim id, e.g. "SEL-1"
  std::string file{};         ///< the theory file the claim comes from, e.g. "selection"
  std::string description{};  ///< short human description
  std::string type{};         ///< slope, flat, value, range, bound, order, normalised, identity
  std::string predicted{};    ///< prediction as text, e.g. "-0.500" or "flat |t|<=0.1"
  double tolerance = 0;       ///< tau, t, eps, kappa or the identity tolerance
  double estimate = std::numeric_limits<double>::quiet_NaN();
  double ci_lo = std::numeric_limits<double>::quiet_NaN();
  double ci_hi = std::numeric_limits<double>::quiet_NaN();
  verdict outcome = verdict::fail;
  std::string note{};
};

/// Combines several sub-checks of one claim: FAIL if any fails, SKIP if all skip, notes joined.
inline verdict combine(const std::vector<verdict>& parts) {
  bool any_pass = false;
  for (verdict v : parts) {
    if (v == verdict::fail) return verdict::fail;
    if (v == verdict::pass) any_pass = true;
  }
  return any_pass || parts.empty() ? verdict::pass : verdict::skip;
}

inline std::string format_number(double value, int digits = 3) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(digits);
  out << value;
  return out.str();
}

/// Estimate with a 95 % bootstrap interval. `ok` is false when the statistic could not be
/// evaluated (non-positive value under a log) or more than 5 % of resamples were discarded.
struct interval_estimate {
  double estimate = std::numeric_limits<double>::quiet_NaN();
  double lo = std::numeric_limits<double>::quiet_NaN();
  double hi = std::numeric_limits<double>::quiet_NaN();
  bool ok = true;
  std::string note{};
};

/// Resampled trial indices for each sweep taking part in a statistic; nullptr-like "full" view uses
/// every trial as drawn.
class resample_view {
 public:
  resample_view() = default;  // full data
  explicit resample_view(std::map<const sweep*, std::vector<std::vector<std::size_t>>> sets)
      : sets_(std::move(sets)), full_(false) {}

  /// Per-point statistic (mean or median) of `method` at `point` under this resample.
  double statistic(const sweep& s, const std::string& method, std::size_t point,
                   bool use_median = false) const {
    const auto& trials = s.trials(method, point);
    if (full_) return use_median ? median(trials) : mean(trials);
    return resampled_statistic(trials, sets_.at(&s).at(point), use_median);
  }
  /// Mean over (resampled) trials of f(trial values of several methods at one point), for paired
  /// differences such as A - c B.
  double paired_mean(const sweep& s, std::size_t point,
                     const std::function<double(std::size_t trial)>& per_trial) const {
    const std::size_t r = s.values.at(0).at(point).size();
    long double sum = 0;
    if (full_) {
      for (std::size_t t = 0; t < r; ++t) sum += per_trial(t);
      return static_cast<double>(sum / r);
    }
    const auto& idx = sets_.at(&s).at(point);
    for (std::size_t t : idx) sum += per_trial(t);
    return static_cast<double>(sum / idx.size());
  }

 private:
  std::map<const sweep*, std::vector<std::vector<std::size_t>>> sets_;
  bool full_ = true;
};

/// Statistic of a resample; std::nullopt discards the resample (non-positive value under a log).
using resampled_statistic_fn = std::function<std::optional<double>(const resample_view&)>;

/// Bootstrap interval of any statistic over the trials of `sweeps`: the estimate on the full data,
/// and the 2.5 % and 97.5 % linear-interpolation quantiles over B resamples. Resample b of each
/// experiment uses the generator key(e, 0xB007, b, 3), so the interval does not depend on threads.
/// `joint` resamples checkpoints of the same runs with one index set. A deterministic sweep (every
/// point with one trial) gets [estimate, estimate].
inline interval_estimate bootstrap(std::uint64_t master_seed,
                                   const std::vector<const sweep*>& sweeps,
                                   const resampled_statistic_fn& statistic,
                                   std::size_t resamples = 400, bool joint = false) {
  interval_estimate result;
  const auto full = statistic(resample_view{});
  if (!full) {
    result.ok = false;
    result.note = "log of non-positive statistic";
    return result;
  }
  result.estimate = *full;
  bool deterministic = true;
  for (const sweep* s : sweeps) {
    for (std::size_t r : trial_counts(*s)) deterministic = deterministic && r <= 1;
  }
  if (deterministic) {
    result.lo = result.hi = result.estimate;
    return result;
  }
  std::vector<double> draws;
  draws.reserve(resamples);
  std::size_t discarded = 0;
  for (std::size_t b = 0; b < resamples; ++b) {
    std::map<const sweep*, std::vector<std::vector<std::size_t>>> sets;
    for (const sweep* s : sweeps) {
      if (!sets.count(s)) {
        sets[s] = bootstrap_indices(master_seed, s->experiment, b, trial_counts(*s), joint);
      }
    }
    const auto value = statistic(resample_view(std::move(sets)));
    if (value && std::isfinite(*value)) {
      draws.push_back(*value);
    } else {
      ++discarded;
    }
  }
  if (discarded * 20 > resamples || draws.empty()) {
    result.ok = false;
    result.note = "unstable";
  }
  if (!draws.empty()) {
    result.lo = quantile(draws, 0.025);
    result.hi = quantile(draws, 0.975);
  }
  return result;
}

/// One point of a log-log fit: method `method` of sweep `data` at grid point `point`, plotted at x.
struct fit_point {
  const sweep* data;
  std::string method;
  std::size_t point;
  double x;
};

/// Fit points of one method over grid points [first, last] of a sweep, x = grid value.
inline std::vector<fit_point> fit_points(const sweep& s, const std::string& method,
                                         std::size_t first = 0,
                                         std::size_t last = static_cast<std::size_t>(-1)) {
  std::vector<fit_point> points;
  last = std::min(last, s.grid.size() - 1);
  for (std::size_t p = first; p <= last; ++p) points.push_back({&s, method, p, s.grid[p]});
  return points;
}

/// Log-log OLS slope of the per-point statistic against x, with its bootstrap interval.
inline interval_estimate slope_estimate(std::uint64_t master_seed,
                                        const std::vector<fit_point>& points,
                                        bool use_median = false, bool joint = false,
                                        std::size_t resamples = 400) {
  std::vector<const sweep*> sweeps;
  for (const auto& fp : points) {
    if (std::find(sweeps.begin(), sweeps.end(), fp.data) == sweeps.end()) sweeps.push_back(fp.data);
  }
  auto statistic = [&](const resample_view& view) -> std::optional<double> {
    std::vector<double> x;
    std::vector<double> y;
    for (const auto& fp : points) {
      const double value = view.statistic(*fp.data, fp.method, fp.point, use_median);
      if (!(value > 0)) return std::nullopt;
      x.push_back(std::log(fp.x));
      y.push_back(std::log(value));
    }
    return ols_slope(x, y);
  };
  return bootstrap(master_seed, sweeps, statistic, resamples, joint);
}

/// Slope rule: PASS iff predicted lies in [lo - tau, hi + tau].
inline claim_result slope_claim(claim_result base, const interval_estimate& fit, double predicted,
                                double tau = 0.1) {
  base.type = base.type.empty() ? "slope" : base.type;
  if (base.predicted.empty()) base.predicted = format_number(predicted);
  base.tolerance = tau;
  base.estimate = fit.estimate;
  base.ci_lo = fit.lo;
  base.ci_hi = fit.hi;
  base.outcome = fit.ok && predicted >= fit.lo - tau && predicted <= fit.hi + tau ? verdict::pass
                                                                                  : verdict::fail;
  if (!fit.ok) base.note = fit.note;
  return base;
}

/// Slope-in-range rule: PASS iff [lo, hi] meets [a, b].
inline claim_result slope_range_claim(claim_result base, const interval_estimate& fit, double a,
                                      double b) {
  base.predicted = "[" + format_number(a, 2) + ", " + format_number(b, 2) + "]";
  return slope_claim(std::move(base), fit, (a + b) / 2, (b - a) / 2);
}

/// Flat rule: PASS iff [lo, hi] lies inside [-t, t].
inline claim_result flat_claim(claim_result base, const interval_estimate& fit, double t = 0.1) {
  base.type = "flat";
  base.predicted = "flat |s|<=" + format_number(t, 2);
  base.tolerance = t;
  base.estimate = fit.estimate;
  base.ci_lo = fit.lo;
  base.ci_hi = fit.hi;
  base.outcome = fit.ok && fit.lo >= -t && fit.hi <= t ? verdict::pass : verdict::fail;
  if (!fit.ok) base.note = fit.note;
  return base;
}

/// Mean and standard error of a set of trials, or of a derived quantity with its own SE.
struct measured {
  double mean = 0;
  double se = 0;
};

inline measured measure(std::span<const double> trials) {
  return {sim::mean(trials), trials.size() > 1 ? standard_error(trials) : 0.0};
}

/// Ratio of two independent means with the delta-method SE.
inline measured ratio(measured a, measured b) {
  const double q = a.mean / b.mean;
  const double rel = std::hypot(a.se / a.mean, b.se / b.mean);
  return {q, std::abs(q) * rel};
}

/// Sets the claim's estimate to m.mean and its interval to the normal 95 % interval
/// mean +- 1.96 SE (the verdict rules allow 3 SE separately).
inline void set_measured(claim_result& base, measured m) {
  base.estimate = m.mean;
  base.ci_lo = m.mean - 1.96 * m.se;
  base.ci_hi = m.mean + 1.96 * m.se;
}

/// Value rule: PASS iff |mean - v*| <= eps + 3 SE.
inline bool value_ok(measured m, double predicted, double eps) {
  return std::abs(m.mean - predicted) <= eps + 3 * m.se;
}

/// Range rule: PASS iff a - 3 SE <= mean <= b + 3 SE.
inline bool range_ok(measured m, double a, double b) {
  return m.mean >= a - 3 * m.se && m.mean <= b + 3 * m.se;
}

/// Upper bound rule: PASS iff mean <= b + 3 SE.
inline bool upper_bound_ok(measured m, double b) { return m.mean <= b + 3 * m.se; }

/// Lower bound rule: PASS iff mean >= b - 3 SE.
inline bool lower_bound_ok(measured m, double b) { return m.mean >= b - 3 * m.se; }

/// Paired order: per-trial differences A_j - c B_j; PASS iff mean >= d - 3 SE.
inline measured paired_difference(std::span<const double> a, std::span<const double> b,
                                  double c = 1) {
  std::vector<double> diff(a.size());
  for (std::size_t j = 0; j < a.size(); ++j) diff[j] = a[j] - c * b[j];
  return measure(diff);
}

/// Unpaired order: mean(A) - c mean(B) with SE sqrt(SE_A^2 + c^2 SE_B^2).
inline measured unpaired_difference(measured a, measured b, double c = 1) {
  return {a.mean - c * b.mean, std::sqrt(a.se * a.se + c * c * b.se * b.se)};
}

inline bool order_ok(measured difference, double d = 0) {
  return difference.mean >= d - 3 * difference.se;
}

/// Identity rule: PASS iff |measured - expected| <= tolerance (NaN fails).
inline bool identity_ok(double measured_value, double expected, double tolerance) {
  return std::abs(measured_value - expected) <= tolerance;
}

inline verdict to_verdict(bool ok) { return ok ? verdict::pass : verdict::fail; }

/// Normalised-constant report: rho_i = mean_i / rate_i over the given points.
struct normalised_report {
  double min_rho = 0;
  double max_rho = 0;
  double spread = 0;  ///< max_rho / min_rho
  std::vector<measured> rho;
};

inline normalised_report normalised_constants(const std::vector<measured>& means,
                                              const std::vector<double>& rates) {
  normalised_report report;
  for (std::size_t i = 0; i < means.size(); ++i) {
    report.rho.push_back({means[i].mean / rates[i], means[i].se / rates[i]});
  }
  report.min_rho = report.max_rho = report.rho.at(0).mean;
  for (const auto& r : report.rho) {
    report.min_rho = std::min(report.min_rho, r.mean);
    report.max_rho = std::max(report.max_rho, r.mean);
  }
  report.spread = report.max_rho / report.min_rho;
  return report;
}

/// Normalised rule: PASS iff spread <= kappa and, with a band [a, b], every rho passes range_ok.
inline claim_result normalised_claim(claim_result base, const normalised_report& report,
                                     double kappa,
                                     std::optional<std::pair<double, double>> band = std::nullopt) {
  base.type = "normalised";
  base.tolerance = kappa;
  base.predicted = "max/min<=" + format_number(kappa, 2);
  if (band) {
    base.predicted +=
        " in [" + format_number(band->first, 3) + "," + format_number(band->second, 3) + "]";
  }
  // The estimate is the spread max/min; the range of rho goes into the note, not the interval
  // columns, because it is not a confidence interval of the spread.
  base.estimate = report.spread;
  bool ok = report.min_rho > 0 && report.spread <= kappa;
  if (band) {
    for (const auto& r : report.rho) ok = ok && range_ok(r, band->first, band->second);
  }
  base.outcome = to_verdict(ok);
  base.note = "rho in [" + format_number(report.min_rho, 4) + ", " +
              format_number(report.max_rho, 4) + "]" + (base.note.empty() ? "" : "; " + base.note);
  return base;
}

}  // namespace banditry::sim

// Summary statistics used by the rate checker: means, standard errors, quantiles, OLS slopes.
#pragma once

#include <algorithm>
#include <cmath>
#include <numeric>
#include <span>
#include <vector>

#include "banditry/core/error.hpp"

namespace banditry::sim {

/// Arithmetic mean, summed in index order in long double. \pre non-empty (checked).
inline double mean(std::span<const double> values) {
  require_nonempty(values.size(), "sim::mean", "values");
  long double sum = 0;
  for (double v : values) sum += v;
  return static_cast<double>(sum / values.size());
}

/// Sample standard deviation with divisor n - 1; 0 for a single value. \pre non-empty (checked).
inline double sample_sd(std::span<const double> values) {
  const double m = mean(values);
  if (values.size() < 2) return 0.0;
  long double sum = 0;
  for (double v : values) sum += (v - m) * (v - m);
  return std::sqrt(static_cast<double>(sum / (values.size() - 1)));
}

/// Standard error of the mean, s / sqrt(n). \pre non-empty (checked).
inline double standard_error(std::span<const double> values) {
  return sample_sd(values) / std::sqrt(static_cast<double>(values.size()));
}

/// Quantile with linear interpolation: sort to v_0..v_{n-1}, h = (n-1) q,
/// result v_floor(h) + (h - floor(h)) (v_floor(h)+1 - v_floor(h)). \pre non-empty, q in [0, 1].
inline double quantile(std::vector<double> values, double q) {
  require_nonempty(values.size(), "sim::quantile", "values");
  require_probability(q, "sim::quantile", "q");
  std::sort(values.begin(), values.end());
  const double h = (values.size() - 1) * q;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  if (lo + 1 >= values.size()) return values.back();
  return values[lo] + (h - lo) * (values[lo + 1] - values[lo]);
}

inline double median(std::span<const double> values) {
  return quantile(std::vector<double>(values.begin(), values.end()), 0.5);
}

/// Ordinary least-squares slope of y on x with equal weights.
/// \pre same size >= 2, x not all equal (checked).
inline double ols_slope(std::span<const double> x, std::span<const double> y) {
  require_same_size(y.size(), x.size(), "sim::ols_slope", "y", "x");
  require(x.size() >= 2, "sim::ols_slope", "number of points", "at least 2", x.size());
  const double mx = mean(x);
  const double my = mean(y);
  long double sxy = 0;
  long double sxx = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
  }
  if (!(sxx > 0))
    throw_domain_error("sim::ols_slope", "spread of x", "positive", static_cast<double>(sxx));
  return static_cast<double>(sxy / sxx);
}

/// Slope of log(y) against log(x). \pre all x, y > 0 (checked), as ols_slope.
inline double log_log_slope(std::span<const double> x, std::span<const double> y) {
  std::vector<double> lx(x.size());
  std::vector<double> ly(y.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!(x[i] > 0)) throw_domain_error("sim::log_log_slope", "x", "positive", x[i]);
    lx[i] = std::log(x[i]);
  }
  for (std::size_t i = 0; i < y.size(); ++i) {
    if (!(y[i] > 0)) throw_domain_error("sim::log_log_slope", "y", "positive", y[i]);
    ly[i] = std::log(y[i]);
  }
  return ols_slope(lx, ly);
}

}  // namespace banditry::sim

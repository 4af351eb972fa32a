// Core claims that exercise the verify loop end to end on closed-form rates: the sample mean's
// error and the multinomial sampler's count error both fall as n^(-1/2).
#include <cmath>
#include <numbers>
#include <vector>

#include "banditry/core/rng.hpp"
#include "banditry/sim/claims.hpp"
#include "banditry/sim/registry.hpp"

namespace {

using namespace banditry;
using namespace banditry::sim;

const std::vector<double> sample_sizes{16, 64, 256, 1024, 4096, 16384};

// |mean of n Uniform[0,1) - 1/2| for each n and trial.
sweep mean_error_sweep(verify_context& context) {
  sweep s("CORE.mean", "n", sample_sizes, {"sample mean"});
  s.info = {{"distribution", "uniform[0,1)"}, {"metric", "|sample mean - 1/2|"}};
  const std::size_t trials = context.trials(400);
  for (std::size_t p = 0; p < s.grid.size(); ++p) {
    const auto n = static_cast<std::size_t>(s.grid[p]);
    s.values[0][p] = run_trials(trials, context.threads, [&](std::size_t t) {
      auto rng = make_stream(context.master_seed, s.experiment, p, t, substream::data);
      long double sum = 0;
      for (std::size_t i = 0; i < n; ++i) sum += uniform01(rng);
      return std::abs(static_cast<double>(sum / n) - 0.5);
    });
  }
  // E|mean - 1/2| = sigma sqrt(2 / (pi n)) for a normal limit with sigma^2 = 1/12.
  s.reference.push_back({});
  for (double n : s.grid) s.reference[0].push_back(std::sqrt(2 / (std::numbers::pi * n * 12)));
  return s;
}

// Total-variation distance between multinomial frequencies and the cell probabilities.
sweep multinomial_error_sweep(verify_context& context) {
  sweep s("CORE.multinomial", "n", sample_sizes, {"multinomial"});
  s.info = {{"probabilities", "0.5,0.3,0.15,0.05"}, {"metric", "TV(counts/n, p)"}};
  const std::vector<double> probabilities{0.5, 0.3, 0.15, 0.05};
  const std::size_t trials = context.trials(400);
  for (std::size_t p = 0; p < s.grid.size(); ++p) {
    const auto n = static_cast<std::uint64_t>(s.grid[p]);
    s.values[0][p] = run_trials(trials, context.threads, [&](std::size_t t) {
      auto rng = make_stream(context.master_seed, s.experiment, p, t, substream::data);
      std::vector<std::uint64_t> counts(probabilities.size());
      multinomial(rng, n, probabilities, counts);
      double tv = 0;
      for (std::size_t i = 0; i < counts.size(); ++i) {
        tv += std::abs(static_cast<double>(counts[i]) / static_cast<double>(n) - probabilities[i]);
      }
      return tv / 2;
    });
  }
  return s;
}

std::vector<claim_result> run_core(verify_context& context) {
  std::vector<claim_result> results;
  auto& mean_sweep = context.record(mean_error_sweep(context));
  {
    claim_result base{
        .id = "CORE-1", .file = "core", .description = "sample mean error slope in n"};
    auto fit = slope_estimate(context.master_seed, fit_points(mean_sweep, "sample mean"));
    results.push_back(slope_claim(base, fit, -0.5, 0.1));
    mean_sweep.claim = "CORE-1";
    mean_sweep.verdict = to_string(results.back().outcome);
  }
  {
    // sqrt(n) E|mean - 1/2| -> sqrt(2 / pi) / sqrt(12) = 0.23033 (CLT); checked at the largest n.
    claim_result base{.id = "CORE-2",
                      .file = "core",
                      .description = "sqrt(n) E|mean error| = sqrt(1/(6 pi))",
                      .type = "value"};
    const std::size_t last = mean_sweep.grid.size() - 1;
    std::vector<double> scaled = mean_sweep.values[0][last];
    for (double& v : scaled) v *= std::sqrt(mean_sweep.grid[last]);
    const measured m = measure(scaled);
    const double predicted = std::sqrt(1 / (6 * std::numbers::pi));
    base.predicted = format_number(predicted, 4);
    base.tolerance = 0.05 * predicted;
    set_measured(base, m);
    base.outcome = to_verdict(value_ok(m, predicted, base.tolerance));
    results.push_back(base);
  }
  auto& multinomial_sweep = context.record(multinomial_error_sweep(context));
  {
    claim_result base{
        .id = "CORE-3", .file = "core", .description = "multinomial count TV slope in n"};
    auto fit = slope_estimate(context.master_seed, fit_points(multinomial_sweep, "multinomial"));
    results.push_back(slope_claim(base, fit, -0.5, 0.1));
    multinomial_sweep.claim = "CORE-3";
    multinomial_sweep.verdict = to_string(results.back().outcome);
  }
  return results;
}

const claim_registrar registrar{
    {.suite = "core", .ids = {"CORE-1", "CORE-2", "CORE-3"}, .budget_seconds = 2, .run = run_core}};

}  // namespace

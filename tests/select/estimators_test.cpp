// Tests of pass@k, the subset estimators, the benchmark summary, process-reward aggregation and
// Pass@k regret, against exact binomial coefficients and brute-force enumeration.
#include "banditry/select/estimators.hpp"

#include <doctest/doctest.h>

#include <boost/multiprecision/cpp_bin_float.hpp>
#include <boost/multiprecision/cpp_int.hpp>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "banditry/core/rng.hpp"
#include "banditry/select/pass_at_k.hpp"
#include "banditry/select/process_reward.hpp"
#include "banditry/select/regret.hpp"
#include "banditry/select/rules.hpp"
#include "support/test_support.hpp"

using namespace banditry;
using namespace banditry::select;
using boost::multiprecision::cpp_int;

namespace {

cpp_int binomial_coefficient(unsigned n, unsigned k) {
  if (k > n) return 0;
  cpp_int c = 1;
  for (unsigned i = 1; i <= k; ++i) c = c * (n - k + i) / i;
  return c;
}

// Small pool: answers as ids with scores; correct answer id 1.
answer_pool small_pool() {
  answer_pool pool;
  pool.ids = {0, 1, 0, 2, -1, 1, 0, 3};
  pool.scores = {0.5, 0.25, 0.75, 1.0, 0.0, 0.5, 0.0, 0.125};
  pool.correct = {0, 1, 0, 0};
  pool.aggregate = aggregation::mean;
  return pool;
}

// Independent brute force: every m-subset (bitmask), grouped with group_answers on the raw ids.
double brute_force_rate(const answer_pool& pool, std::size_t m,
                        const std::function<std::vector<std::size_t>(const answer_groups&)>& rule) {
  const std::size_t n = pool.size();
  double hits = 0;
  double subsets = 0;
  for (unsigned mask = 0; mask < (1u << n); ++mask) {
    if (static_cast<std::size_t>(__builtin_popcount(mask)) != m) continue;
    std::vector<std::optional<std::int64_t>> samples;
    std::vector<double> scores;
    for (std::size_t i = 0; i < n; ++i) {
      if (!(mask >> i & 1u)) continue;
      samples.push_back(pool.ids[i] < 0 ? std::nullopt : std::optional(pool.ids[i]));
      scores.push_back(pool.scores[i]);
    }
    const auto g = group_answers(samples, scores);
    bool hit = false;
    for (std::size_t j : rule(g.groups)) hit = hit || pool.correct[g.answers[j]];
    hits += hit ? 1 : 0;
    subsets += 1;
  }
  return hits / subsets;
}

}  // namespace

TEST_CASE("pass at k: exact binomial agreement") {
  double worst = 0;
  for (unsigned n = 1; n <= 60; ++n) {
    for (unsigned c = 0; c <= n; ++c) {
      for (unsigned k = 1; k <= n; ++k) {
        // (C(n, k) - C(n - c, k)) / C(n, k) with exact integers; two conversions and one division
        // add at most 3 ulps.
        const cpp_int total = binomial_coefficient(n, k);
        const cpp_int missed = binomial_coefficient(n - c, k);
        const double reference =
            static_cast<double>(cpp_int(total - missed)) / static_cast<double>(total);
        const double value = unbiased_pass_at_k(n, c, k);
        if (reference == 0) {
          CHECK(value == 0);
        } else {
          worst = std::max(worst, std::abs(value - reference) / reference);
        }
      }
    }
  }
  CHECK(worst < 1e-12);
}

TEST_CASE("pass at k: special cases") {
  CHECK(unbiased_pass_at_k(80, 0, 16) == 0);
  CHECK(unbiased_pass_at_k(80, 80, 16) == 1);
  CHECK(unbiased_pass_at_k(80, 70, 16) == 1);  // n - c < k
  CHECK(unbiased_pass_at_k(80, 7, 1) == doctest::Approx(7.0 / 80).epsilon(1e-15));
  CHECK(unbiased_pass_at_k(80, 1, 80) == 1);
  CHECK(unbiased_pass_at_k(1000000, 3, 500000) > 0.87);
  BANDITRY_CHECK_THROWS_WITH(
      unbiased_pass_at_k(5, 1, 6), std::invalid_argument,
      "banditry::select::unbiased_pass_at_k: k must be at most n = 5, got 6");
  BANDITRY_CHECK_THROWS_WITH(unbiased_pass_at_k(5, 6, 1), std::invalid_argument, "c must be");
  BANDITRY_CHECK_THROWS_WITH(unbiased_pass_at_k(5, 1, 0), std::invalid_argument,
                             "k must be at least 1");
  BANDITRY_CHECK_THROWS_WITH(unbiased_pass_at_k(0, 0, 1), std::invalid_argument, "n must be");
}

// 1 - C(n - c, k) / C(n, k) for 64-bit n as an exact integer fraction
// (prod (n - t) - prod (n - c - t)) / prod (n - t) over t < k, rounded to double through a
// 200-bit division.
namespace {
double exact_pass_at_k(std::uint64_t n, std::uint64_t c, std::uint64_t k) {
  cpp_int all = 1;
  cpp_int missed = 1;
  for (std::uint64_t t = 0; t < k; ++t) {
    all *= cpp_int(n) - t;
    missed *= cpp_int(n) - c - t;
  }
  using big = boost::multiprecision::cpp_bin_float_100;
  return static_cast<double>(big(cpp_int(all - missed)) / big(all));
}
}  // namespace

TEST_CASE("pass at k: large n terminates accurately") {
  constexpr std::uint64_t top = ~std::uint64_t{0};
  // k = 1 is c / n: 1 / (2^64 - 2) = 5.421010862427522e-20.
  CHECK(unbiased_pass_at_k(top - 1, 1, 1) ==
        doctest::Approx(5.421010862427522170037264e-20).epsilon(1e-15));
  CHECK(unbiased_pass_at_k(top, 1, 1) ==
        doctest::Approx(5.421010862427522170037264e-20).epsilon(1e-15));
  const std::uint64_t cases[][3] = {{top, 1, 2},
                                    {top, 2, 3},
                                    {top, 3, 2},
                                    {top - 1, 1, 7},
                                    {top - 1, 5, 4},
                                    {top, top - 1, 1},
                                    {1000000000000000000ULL, 9, 9},
                                    {top, 1000, 1000},
                                    {top, 2000, 20},
                                    {1ULL << 53, 64, 100}};
  for (const auto& row : cases) {
    const double reference = exact_pass_at_k(row[0], row[1], row[2]);
    const double value = unbiased_pass_at_k(row[0], row[1], row[2]);
    CAPTURE(row[0]);
    CAPTURE(row[1]);
    CAPTURE(row[2]);
    REQUIRE(reference > 0);
    CHECK(std::abs(value - reference) / reference < 1e-12);
  }
  // n = 2^64 - 1, c = 1, k = 2: 2 / n exactly, the case whose loop index used to wrap around.
  CHECK(unbiased_pass_at_k(top, 1, 2) ==
        doctest::Approx(1.0842021724855044340074528e-19).epsilon(1e-15));
  CHECK(unbiased_pass_at_k(top, top, 5) == 1);
  CHECK(unbiased_pass_at_k(top, 0, top) == 0);
  CHECK(unbiased_pass_at_k(top, 1, top) == 1);
}

TEST_CASE("subset estimator: exact matches brute force") {
  const auto pool = small_pool();
  for (std::size_t m = 1; m <= pool.size(); ++m) {
    for (std::size_t k = 1; k <= std::min<std::size_t>(m, 3); ++k) {
      const selection_rule mv{.kind = method::majority, .k = k};
      const selection_rule bon{.kind = method::best_of_n, .k = k};
      const selection_rule bom{.kind = method::best_of_majority, .k = k, .alpha = 0.3};
      CHECK(
          exact_subset_pass_rate(pool, mv, m).mean ==
          doctest::Approx(brute_force_rate(pool, m, [&](auto& g) { return majority_vote(g, k); })));
      CHECK(exact_subset_pass_rate(pool, bon, m).mean ==
            doctest::Approx(brute_force_rate(pool, m, [&](auto& g) { return best_of_n(g, k); })));
      CHECK(exact_subset_pass_rate(pool, bom, m).mean ==
            doctest::Approx(
                brute_force_rate(pool, m, [&](auto& g) { return best_of_majority(g, k, 0.3); })));
    }
  }
}

TEST_CASE("subset estimator: resampled within error") {
  const auto pool = small_pool();
  xoshiro256ss rng(21);
  for (std::size_t m : {2u, 4u, 6u}) {
    const selection_rule bon{.kind = method::best_of_n, .k = 1};
    const double exact = exact_subset_pass_rate(pool, bon, m).mean;
    const auto est = resampled_pass_rate(pool, bon, m, 4000, rng);
    CHECK(std::abs(est.mean - exact) < 4 * est.se + 1e-12);
    const selection_rule mv{.kind = method::majority, .k = 1, .ties = tie_break::random};
    // Random ties: the expected hit is, per subset, the fraction of maximal-count answers that
    // are correct (each wins with equal probability).
    double random_exact = 0;
    double subsets = 0;
    for (unsigned mask = 0; mask < (1u << pool.size()); ++mask) {
      if (static_cast<std::size_t>(__builtin_popcount(mask)) != m) continue;
      std::vector<std::size_t> counts(pool.id_count(), 0);
      for (std::size_t i = 0; i < pool.size(); ++i) {
        if ((mask >> i & 1u) && pool.ids[i] >= 0) ++counts[pool.ids[i]];
      }
      const std::size_t top = *std::max_element(counts.begin(), counts.end());
      double tied = 0;
      double good = 0;
      for (std::size_t a = 0; a < counts.size(); ++a) {
        if (top > 0 && counts[a] == top) {
          tied += 1;
          good += pool.correct[a];
        }
      }
      random_exact += tied > 0 ? good / tied : 0;
      subsets += 1;
    }
    random_exact /= subsets;
    const auto est_random = resampled_pass_rate(pool, mv, m, 4000, rng);
    CHECK(std::abs(est_random.mean - random_exact) < 4 * est_random.se + 1e-12);
  }
}

TEST_CASE("subset estimator: m one and oracle") {
  const auto pool = small_pool();  // c = 2 correct of n = 8
  xoshiro256ss rng(5);
  const selection_rule mv{.kind = method::majority, .k = 1, .ties = tie_break::random};
  CHECK(exact_subset_pass_rate(pool, {.kind = method::majority, .k = 1}, 1).mean == 0.25);
  const auto est = resampled_pass_rate(pool, mv, 1, 4000, rng);
  CHECK(std::abs(est.mean - 0.25) < 4 * est.se);
  // Submitting every distinct answer with k = m estimates pass@m.
  for (std::size_t m : {2u, 3u, 5u}) {
    const selection_rule all{.kind = method::majority, .k = m};
    CHECK(exact_subset_pass_rate(pool, all, m).mean ==
          doctest::Approx(unbiased_pass_at_k(8, 2, m)).epsilon(1e-12));
    const auto r = resampled_pass_rate(pool, all, m, 2000, rng);
    CHECK(std::abs(r.mean - unbiased_pass_at_k(8, 2, m)) < 3 * r.se + 1e-12);
  }
}

TEST_CASE("subset estimator: validation and choice") {
  const auto pool = small_pool();
  xoshiro256ss rng(1);
  const selection_rule bon{.kind = method::best_of_n, .k = 1};
  BANDITRY_CHECK_THROWS_WITH(resampled_pass_rate(pool, bon, 9, 10, rng), std::invalid_argument,
                             "m must be in [1, n = 8]");
  BANDITRY_CHECK_THROWS_WITH(
      resampled_pass_rate(pool, {.kind = method::best_of_n, .k = 3}, 2, 10, rng),
      std::invalid_argument, "k must be in [1, m = 2]");
  BANDITRY_CHECK_THROWS_WITH(resampled_pass_rate(pool, bon, 2, 1, rng), std::invalid_argument,
                             "resamples");
  BANDITRY_CHECK_THROWS_WITH(
      exact_subset_pass_rate(pool, {.kind = method::majority, .ties = tie_break::random}, 2),
      std::invalid_argument, "deterministic");
  BANDITRY_CHECK_THROWS_WITH(
      exact_subset_pass_rate(pool, {.kind = method::majority, .ties = tie_break::random}, 2),
      std::invalid_argument, "got \"majority with random ties\"");
  BANDITRY_CHECK_THROWS_WITH(exact_subset_pass_rate(pool, {.kind = method::soft_best_of_n}, 2),
                             std::invalid_argument, "got \"soft-best-of-n with first-appearance");
  answer_pool no_scores = pool;
  no_scores.scores.clear();
  BANDITRY_CHECK_THROWS_WITH(resampled_pass_rate(no_scores, bon, 2, 10, rng), std::invalid_argument,
                             "scores must be present");
  CHECK(subset_pass_rate(pool, bon, 2, 1000, rng).exact);  // C(8,2) = 28
  CHECK(!subset_pass_rate(pool, bon, 4, 50, rng).exact);   // C(8,4) = 70 > 50
  CHECK(subset_count(60, 30, 1000) == 1001);
  CHECK(subset_count(8, 4, 1000) == 70);
}

TEST_CASE("subset estimator: reproducible") {
  const auto pool = small_pool();
  const selection_rule mv{.kind = method::majority, .k = 1, .ties = tie_break::random};
  xoshiro256ss a(3);
  xoshiro256ss b(3);
  const auto x = resampled_pass_rate(pool, mv, 4, 500, a);
  const auto y = resampled_pass_rate(pool, mv, 4, 500, b);
  CHECK(x.mean == y.mean);
  CHECK(x.se == y.se);
}

TEST_CASE("subset estimator: make pool from strings") {
  const std::vector<std::string> samples{"4", "", "5", "4"};
  const std::vector<double> scores{1, std::numeric_limits<double>::quiet_NaN(), 2, 3};
  const auto pool =
      make_pool(std::span<const std::string>(samples), std::span<const double>(scores),
                [](const std::string& a) { return a == "5"; }, {.empty_is_no_answer = true});
  CHECK(pool.ids == std::vector<std::int64_t>{0, -1, 1, 0});
  CHECK(pool.correct == std::vector<std::uint8_t>{0, 1});
  CHECK(pool.correct_count() == 1);
}

TEST_CASE("benchmark summary: prompts and resampling") {
  const std::vector<pass_estimate> per{{0.5, 0.1}, {1.0, 0.0}, {0.0, 0.2}};
  const auto s = summarise_prompts(per);
  CHECK(s.mean == doctest::Approx(0.5));
  CHECK(s.se_prompts == doctest::Approx(std::sqrt(0.25 / 3)));
  CHECK(s.se_resampling == doctest::Approx(std::sqrt(0.05) / 3));
  // 0.5 -/+ 1.96 * 0.2887 leaves [0, 1] on both sides, so both ends are clipped.
  CHECK(s.ci_lo == 0.0);
  CHECK(s.ci_hi == 1.0);
  BANDITRY_CHECK_THROWS_WITH(summarise_prompts({}), std::invalid_argument, "per_prompt size");
}

TEST_CASE("benchmark summary: interval inside and clipped") {
  // Eight prompts at 0.5 and 0.75: mean 0.625, sd sqrt(1/56), so the interval stays inside [0, 1].
  std::vector<pass_estimate> per;
  for (int i = 0; i < 4; ++i) per.push_back({0.5, 0.0});
  for (int i = 0; i < 4; ++i) per.push_back({0.75, 0.0});
  const auto s = summarise_prompts(per);
  const double se = std::sqrt(0.0625 * 8 / 4 / 7 / 8);
  CHECK(s.se_prompts == doctest::Approx(se));
  CHECK(s.ci_lo == doctest::Approx(0.625 - 1.96 * se));
  CHECK(s.ci_hi == doctest::Approx(0.625 + 1.96 * se));
  // Two prompts at 1 and 0.95: mean 0.975 + 1.96 * 0.025 = 1.024 is clipped to 1.
  const std::vector<pass_estimate> high{{1.0, 0.0}, {0.95, 0.0}};
  const auto h = summarise_prompts(high);
  CHECK(h.ci_hi == 1.0);
  CHECK(h.ci_lo == doctest::Approx(0.975 - 1.96 * 0.025));
  const std::vector<pass_estimate> bad{{1.5, 0.0}};
  BANDITRY_CHECK_THROWS_WITH(summarise_prompts(bad), std::domain_error,
                             "per_prompt[0].mean must be a probability in [0, 1]");
}

TEST_CASE("process reward: step aggregation") {
  const std::vector<double> steps{0.9, 0.5, 0.8};
  CHECK(aggregate_steps(steps, step_aggregation::min) == 0.5);
  CHECK(aggregate_steps(steps, step_aggregation::last) == 0.8);
  CHECK(aggregate_steps(steps, step_aggregation::product) == doctest::Approx(0.36));
  CHECK(aggregate_steps(steps, step_aggregation::mean) == doctest::Approx(2.2 / 3));
  BANDITRY_CHECK_THROWS_WITH(aggregate_steps({}, step_aggregation::min), std::invalid_argument,
                             "steps size must be positive");
  const std::vector<double> bad{0.5, std::numeric_limits<double>::quiet_NaN()};
  BANDITRY_CHECK_THROWS_WITH(aggregate_steps(bad, step_aggregation::mean), std::domain_error,
                             "steps[1]");
  CHECK(parse_step_aggregation("product") == step_aggregation::product);
  CHECK(!parse_step_aggregation("median"));
}

TEST_CASE("regret: value of a submission") {
  const std::vector<double> rewards{0.0, 0.7, 1.0, 0.2};
  const std::vector<std::size_t> pick{3, 1};
  CHECK(submission_value(rewards, pick) == 0.7);
  CHECK(pass_at_k_regret(1.0, rewards, pick) == doctest::Approx(0.3));
  CHECK(pass_at_k_regret(1.0, rewards, {}) == 1.0);
  const std::vector<std::size_t> bad{4};
  BANDITRY_CHECK_THROWS_WITH(submission_value(rewards, bad), std::invalid_argument,
                             "selected index");
}

TEST_CASE("benchmark summary: rejects bad errors") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<pass_estimate> with_nan{{0.5, 0.1, 10, false}, {0.5, nan, 10, false}};
  BANDITRY_CHECK_THROWS_WITH(summarise_prompts(with_nan), std::domain_error,
                             "banditry::select::summarise_prompts: per_prompt[1].se must be finite "
                             "and >= 0");
  const std::vector<pass_estimate> negative{{0.5, -0.1, 10, false}};
  BANDITRY_CHECK_THROWS_WITH(summarise_prompts(negative), std::domain_error,
                             "per_prompt[0].se must be finite and >= 0");
  const std::vector<pass_estimate> infinite{{0.5, std::numeric_limits<double>::infinity(), 1}};
  BANDITRY_CHECK_THROWS_WITH(summarise_prompts(infinite), std::domain_error, "per_prompt[0].se");
  // se = 0 (an exact estimate) stays valid: se_resampling = 0.
  const std::vector<pass_estimate> exact{{0.25, 0.0, 28, true}, {0.75, 0.0, 28, true}};
  CHECK(summarise_prompts(exact).se_resampling == 0);
}

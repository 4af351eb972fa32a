// Tests of the selection rules: closed-form and brute-force checks, tie policies, empty inputs,
// edge values of k and alpha, and reproducibility.
#include "banditry/select/rules.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <boost/math/distributions/chi_squared.hpp>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "banditry/core/rng.hpp"
#include "banditry/select/grouping.hpp"
#include "banditry/select/rule.hpp"
#include "banditry/sim/runner.hpp"
#include "support/test_support.hpp"

using namespace banditry;
using namespace banditry::select;
using index_list = std::vector<std::size_t>;

namespace {

// Pool: answers a(3, mean 0.25), b(3, mean 0.875), c(1, 0.9375), d(2, 0.875); first appearance a,
// b, c, d. Scores are exact binary fractions so the b-d tie is exact.
answer_groups sample_groups() {
  const std::vector<std::string> samples{"a", "b", "c", "a", "d", "b", "a", "b", "d"};
  const std::vector<double> scores{0.125, 0.875, 0.9375, 0.375, 0.75, 0.875, 0.25, 0.875, 1.0};
  return group_answers(samples, scores).groups;
}

}  // namespace

TEST_CASE("majority: counts then first appearance") {
  const auto g = sample_groups();
  CHECK(majority_vote(g, 1) == index_list{0});
  CHECK(majority_vote(g, 3) == index_list{0, 1, 3});
  CHECK(majority_vote(g, 10) == index_list{0, 1, 3, 2});
  CHECK(majority_vote(g, 0).empty());
}

TEST_CASE("best of n: scores then first appearance") {
  const auto g = sample_groups();
  // Scores: a 0.25, b 0.875, c 0.9375, d 0.875 -> c, then b and d tied (b first), then a.
  CHECK(best_of_n(g, 4) == index_list{2, 1, 3, 0});
  CHECK(best_of_n(g, 1) == index_list{2});
  const auto counts_only = group_answers(std::vector<int>{1, 2}).groups;
  BANDITRY_CHECK_THROWS_WITH(best_of_n(counts_only, 1), std::invalid_argument,
                             "banditry::select::best_of_n: scores must be present");
}

TEST_CASE("best of majority: threshold and fallback") {
  const auto g = sample_groups();  // frequencies 3/9, 3/9, 1/9, 2/9
  // alpha = 2/9: a, b, d pass; ranked by score b, d (tie, b first), a.
  CHECK(best_of_majority(g, 3, 2.0 / 9.0) == index_list{1, 3, 0});
  // alpha exactly 3/9 keeps a and b (>= on the correctly rounded double).
  CHECK(best_of_majority(g, 5, 3.0 / 9.0) == index_list{1, 0});
  // alpha above every frequency: fallback to the maximal counts a, b ranked by score.
  CHECK(best_of_majority(g, 5, 0.5) == index_list{1, 0});
  CHECK(best_of_majority(g, 1, 0.5) == index_list{1});
  CHECK(best_of_majority(g, 5, 0.5, empty_filter::return_empty).empty());
  BANDITRY_CHECK_THROWS_WITH(best_of_majority(g, 1, -0.1), std::domain_error, "alpha");
  BANDITRY_CHECK_THROWS_WITH(best_of_majority(g, 1, std::numeric_limits<double>::quiet_NaN()),
                             std::domain_error, "alpha must be finite and >= 0");
}

TEST_CASE("best of majority: decimal alpha equality") {
  // 2 of 200 samples: 2.0 / 200.0 == 0.01 exactly as doubles, so alpha = 0.01 keeps the answer.
  std::vector<int> samples(200, 0);
  samples[5] = 1;
  samples[9] = 1;
  std::vector<double> scores(200, 0.0);
  scores[5] = scores[9] = 1.0;
  const auto g = group_answers(samples, scores).groups;
  CHECK(g.frequencies[1] == 0.01);
  CHECK(best_of_majority(g, 1, 0.01) == index_list{1});
  CHECK(best_of_majority(g, 1, std::nextafter(0.01, 1.0)) == index_list{0});
}

TEST_CASE("best of majority: alpha zero equals best of n") {
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    xoshiro256ss maker(seed);
    const std::size_t n = 1 + uniform_int(maker, 30);
    std::vector<int> samples(n);
    std::vector<double> scores(n);
    for (std::size_t i = 0; i < n; ++i) {
      samples[i] = static_cast<int>(uniform_int(maker, 6));
      scores[i] = static_cast<double>(uniform_int(maker, 3));  // many ties
    }
    const auto g = group_answers(samples, scores).groups;
    const std::size_t k = uniform_int(maker, 5);
    for (double alpha : {0.0, 1.0 / static_cast<double>(n)}) {
      CHECK(best_of_majority(g, k, alpha) == best_of_n(g, k));
      xoshiro256ss a(seed + 1000);
      xoshiro256ss b(seed + 1000);
      CHECK(best_of_majority(g, k, alpha, empty_filter::fallback_max_count, a) ==
            best_of_n(g, k, b));
      CHECK(a == b);  // same generator consumption
    }
  }
}

TEST_CASE("best of majority: fallback never empty") {
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    xoshiro256ss maker(seed);
    const std::size_t n = 1 + uniform_int(maker, 20);
    std::vector<int> samples(n);
    std::vector<double> scores(n);
    for (std::size_t i = 0; i < n; ++i) {
      samples[i] = static_cast<int>(uniform_int(maker, 8));
      scores[i] = uniform01(maker);
    }
    const auto g = group_answers(samples, scores).groups;
    const double top = *std::max_element(g.frequencies.begin(), g.frequencies.end());
    const auto out = best_of_majority(g, 3, std::nextafter(top, 2.0));
    REQUIRE(!out.empty());
    for (std::size_t j : out) CHECK(g.frequencies[j] == top);
  }
}

TEST_CASE("rules: no answers and k edge cases") {
  const std::vector<std::string> samples{"", ""};
  const auto g =
      group_answers(samples, std::vector<double>{1.0, 2.0}, {.empty_is_no_answer = true}).groups;
  xoshiro256ss rng(1);
  CHECK(majority_vote(g, 3).empty());
  CHECK(best_of_n(g, 3).empty());
  CHECK(best_of_majority(g, 3, 0.5).empty());
  CHECK(soft_best_of_n(g, 3, 1.0, rng).empty());
  CHECK(weighted_majority(g, 3, vote_weight::exponential).empty());
  const auto single = group_answers(std::vector<int>{9}, std::vector<double>{0.0}).groups;
  CHECK(majority_vote(single, 100) == index_list{0});
  CHECK(best_of_majority(single, 0, 0.0).empty());
}

TEST_CASE("rules: NaN values are rejected") {
  answer_groups g = sample_groups();
  g.scores[1] = std::numeric_limits<double>::quiet_NaN();
  BANDITRY_CHECK_THROWS_WITH(best_of_n(g, 1), std::domain_error, "values[1] must be not NaN");
}

TEST_CASE("ties: unique maximum ignores tie policy") {
  const auto g = sample_groups();
  const std::vector<std::string> samples{"x", "y", "x", "z", "x"};
  const auto u = group_answers(samples).groups;
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    xoshiro256ss rng(seed);
    CHECK(majority_vote(u, 1, rng) == index_list{0});
  }
  (void)g;
}

TEST_CASE("ties: random policy is uniform over tied") {
  // Three answers tied at count 2 and one below: each tied answer wins with probability 1/3.
  const std::vector<int> samples{1, 2, 3, 1, 2, 3, 4};
  const auto g = group_answers(samples).groups;
  std::map<std::size_t, int> wins;
  const int draws = 30000;
  xoshiro256ss rng(77);
  for (int d = 0; d < draws; ++d) ++wins[majority_vote(g, 1, rng).at(0)];
  CHECK(wins.count(3) == 0);
  for (std::size_t j = 0; j < 3; ++j) CHECK(std::abs(wins[j] / double(draws) - 1.0 / 3) < 0.015);
}

TEST_CASE("ties: random keys follow Fisher-Yates") {
  const auto g = sample_groups();  // M = 4
  xoshiro256ss a(5);
  xoshiro256ss b(5);
  const auto keys = random_tie_keys(g, a);
  // Independent Fisher-Yates: i = 3, 2, 1, j uniform in {0..i}.
  std::vector<std::size_t> tau{0, 1, 2, 3};
  for (std::size_t i = 3; i >= 1; --i) std::swap(tau[i], tau[uniform_int(b, i + 1)]);
  for (std::size_t p = 0; p < 4; ++p) CHECK(keys[tau[p]] == p);
  CHECK(a == b);  // exactly M - 1 draws
  // The ranking with these keys equals majority voting with the generator.
  xoshiro256ss c(5);
  CHECK(majority_vote(g, 4, c) == majority_vote(g, 4, precomputed_ties{keys}));
}

TEST_CASE("soft best of n: beta zero frequencies") {
  // Chi-square goodness of fit of the first draw against c_j / sum c, 10^5 draws.
  const std::vector<int> samples{1, 1, 1, 1, 2, 2, 3, 4, 4, 4};
  const std::vector<double> scores{5, 5, 5, 5, -1, -1, 3, 0, 0, 0};
  const auto g = group_answers(samples, scores).groups;
  xoshiro256ss rng(11);
  std::vector<double> observed(g.size(), 0);
  const int draws = 100000;
  for (int d = 0; d < draws; ++d) ++observed[soft_best_of_n(g, 1, 0.0, rng).at(0)];
  double chi2 = 0;
  for (std::size_t j = 0; j < g.size(); ++j) {
    const double expected = draws * static_cast<double>(g.counts[j]) / 10.0;
    chi2 += (observed[j] - expected) * (observed[j] - expected) / expected;
  }
  const boost::math::chi_squared dist(static_cast<double>(g.size() - 1));
  CHECK(boost::math::cdf(boost::math::complement(dist, chi2)) > 0.001);
}

TEST_CASE("soft best of n: two-draw distribution") {
  // Brute force: P(first = i, second = j) = w_i / W * w_j / (W - w_i), w = c exp(beta S).
  const std::vector<int> samples{1, 2, 2, 3};
  const std::vector<double> scores{0.5, 0.0, 0.0, -0.25};
  const auto g = group_answers(samples, scores).groups;
  const double beta = 1.5;
  std::vector<double> w(g.size());
  for (std::size_t j = 0; j < g.size(); ++j) w[j] = g.counts[j] * std::exp(beta * g.scores[j]);
  const double total = w[0] + w[1] + w[2];
  std::map<std::pair<std::size_t, std::size_t>, int> seen;
  xoshiro256ss rng(3);
  const int draws = 60000;
  for (int d = 0; d < draws; ++d) {
    const auto out = soft_best_of_n(g, 2, beta, rng);
    REQUIRE(out.size() == 2);
    CHECK(out[0] != out[1]);
    ++seen[{out[0], out[1]}];
  }
  for (std::size_t i = 0; i < 3; ++i) {
    for (std::size_t j = 0; j < 3; ++j) {
      if (i == j) continue;
      const double p = w[i] / total * w[j] / (total - w[i]);
      const double sd = std::sqrt(p * (1 - p) / draws);
      CHECK(std::abs(seen[{i, j}] / double(draws) - p) < 5 * sd);
    }
  }
}

TEST_CASE("soft best of n: large beta is best of n") {
  const auto g = sample_groups();  // scores distinct except b, d
  xoshiro256ss rng(2);
  CHECK(soft_best_of_n(g, 1, 1e4, rng) == index_list{2});
  CHECK(soft_best_of_n(g, 10, 1.0, rng).size() == 4);
  const auto huge = group_answers(std::vector<int>{1}, std::vector<double>{1e10}).groups;
  BANDITRY_CHECK_THROWS_WITH(soft_best_of_n(huge, 1, 1e300, rng), std::domain_error, "log weight");
  xoshiro256ss a(9);
  xoshiro256ss b(9);
  (void)soft_best_of_n(g, 3, 1.0, a);
  for (int d = 0; d < 3; ++d) (void)uniform01(b);
  CHECK(a == b);  // exactly min(k, M) uniforms
}

TEST_CASE("soft best of n: mid rank calibration") {
  // Answer scores 0.25 (c 3), 0.875 (c 3), 0.9375 (c 1), 0.875 (c 2); 9 samples.
  const auto g = sample_groups();
  const auto r = mid_rank_scores(g);
  CHECK(r[0] == doctest::Approx(1.5 / 9));
  CHECK(r[1] == doctest::Approx((3 + 2.5) / 9));
  CHECK(r[3] == r[1]);
  CHECK(r[2] == doctest::Approx((8 + 0.5) / 9));
}

TEST_CASE("weighted majority: unit and identity weights") {
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    xoshiro256ss maker(seed);
    const std::size_t n = 1 + uniform_int(maker, 25);
    std::vector<int> samples(n);
    std::vector<double> scores(n);
    for (std::size_t i = 0; i < n; ++i) {
      samples[i] = static_cast<int>(uniform_int(maker, 5));
      scores[i] = static_cast<double>(uniform_int(maker, 4)) / 4;
    }
    const auto g = group_answers(samples, scores).groups;
    const auto sum = group_answers(samples, scores, {.aggregate = aggregation::sum}).groups;
    CHECK(weighted_majority(g, 3, vote_weight::unit) == majority_vote(g, 3));
    CHECK(weighted_majority(g, 3, vote_weight::identity) == best_of_n(sum, 3));
    xoshiro256ss a(seed);
    xoshiro256ss b(seed);
    CHECK(weighted_majority(g, 2, vote_weight::identity, 1.0, a) == best_of_n(sum, 2, b));
  }
}

TEST_CASE("weighted majority: exponential weights") {
  // W_a = 2 e^{(0-1)/0.5}, W_b = e^0 = 1: b wins at tau 0.5; at tau 10 a wins (2 e^-0.1 > 1).
  const std::vector<std::string> samples{"a", "b", "a"};
  const std::vector<double> scores{0.0, 1.0, 0.0};
  const auto g = group_answers(samples, scores).groups;
  CHECK(weighted_majority(g, 1, vote_weight::exponential, 0.5) == index_list{1});
  CHECK(weighted_majority(g, 1, vote_weight::exponential, 10.0) == index_list{0});
  const auto negative = group_answers(samples, std::vector<double>{-1.0, 1.0, 0.0}).groups;
  BANDITRY_CHECK_THROWS_WITH(weighted_majority(negative, 1, vote_weight::identity),
                             std::invalid_argument, ">= 0 under the identity weight");
  BANDITRY_CHECK_THROWS_WITH(weighted_majority(g, 1, vote_weight::exponential, 0.0),
                             std::domain_error, "tau");
}

TEST_CASE("rule: dispatch matches direct calls") {
  const auto g = sample_groups();
  xoshiro256ss rng(4);
  selection_rule rule{.kind = method::best_of_majority, .k = 2, .alpha = 2.0 / 9.0};
  CHECK(apply(rule, g, rng) == best_of_majority(g, 2, 2.0 / 9.0));
  rule.ties = tie_break::random;
  xoshiro256ss a(8);
  xoshiro256ss b(8);
  CHECK(apply(rule, g, a) ==
        best_of_majority(g, 2, 2.0 / 9.0, empty_filter::fallback_max_count, b));
  CHECK(parse_method("best-of-majority") == method::best_of_majority);
  CHECK(!parse_method("best_of_majority").has_value());
  CHECK(needs_scores(rule));
  CHECK(!needs_scores(selection_rule{.kind = method::majority}));
}

TEST_CASE("rules: reproducible across threads") {
  const auto g = sample_groups();
  auto trial = [&](std::size_t t) {
    auto rng = make_stream(1, "SEL.test", 0, t, substream::algorithm);
    const auto out = soft_best_of_n(g, 2, 1.0, rng);
    const auto mv = majority_vote(g, 2, rng);
    return static_cast<double>(out[0] * 100 + out[1] * 10 + mv[0]);
  };
  const auto one = sim::run_trials(500, 1, trial);
  const auto two = sim::run_trials(500, 2, trial);
  CHECK(one == two);
  CHECK(one == sim::run_trials(500, 1, trial));
}

TEST_CASE("rules: non-finite scores name index") {
  auto g = sample_groups();
  g.scores[2] = std::numeric_limits<double>::quiet_NaN();
  BANDITRY_CHECK_THROWS_WITH(mid_rank_scores(g), std::domain_error,
                             "banditry::select::mid_rank_scores: scores[2] must be finite");
  xoshiro256ss rng(7);
  BANDITRY_CHECK_THROWS_WITH(soft_best_of_n(g, 2, 1.0, rng, true), std::domain_error,
                             "banditry::select::soft_best_of_n: scores[2] must be finite");
  g.scores[2] = std::numeric_limits<double>::infinity();
  BANDITRY_CHECK_THROWS_WITH(mid_rank_scores(g), std::domain_error, "scores[2] must be finite");
}

TEST_CASE("rules: inconsistent groups are rejected") {
  const auto good = sample_groups();
  auto short_frequencies = good;
  short_frequencies.frequencies.pop_back();
  BANDITRY_CHECK_THROWS_WITH(
      frequency_filter(short_frequencies, 0.1), std::invalid_argument,
      "banditry::select::frequency_filter: groups.frequencies size must be equal to the size of "
      "groups.counts (4)");
  BANDITRY_CHECK_THROWS_WITH(best_of_majority(short_frequencies, 1, 0.1), std::invalid_argument,
                             "groups.frequencies size");
  auto short_first = good;
  short_first.first_appearance.resize(2);
  BANDITRY_CHECK_THROWS_WITH(majority_vote(short_first, 1), std::invalid_argument,
                             "groups.first_appearance size");
  auto long_scores = good;
  long_scores.scores.push_back(0.5);
  BANDITRY_CHECK_THROWS_WITH(best_of_n(long_scores, 1), std::invalid_argument,
                             "groups.scores size");
  BANDITRY_CHECK_THROWS_WITH(mid_rank_scores(long_scores), std::invalid_argument,
                             "groups.scores size");
  auto bad_group = good;
  bad_group.group_of[3] = 9;
  BANDITRY_CHECK_THROWS_WITH(weighted_majority(bad_group, 1, vote_weight::exponential),
                             std::invalid_argument, "groups.group_of[3] must be below M = 4");
  auto short_samples = good;
  short_samples.sample_scores.pop_back();
  BANDITRY_CHECK_THROWS_WITH(weighted_majority(short_samples, 1, vote_weight::identity),
                             std::invalid_argument, "groups.sample_scores size");
  auto more_counts = good;
  more_counts.counts.push_back(1);
  xoshiro256ss rng(3);
  BANDITRY_CHECK_THROWS_WITH(soft_best_of_n(more_counts, 1, 1.0, rng), std::invalid_argument,
                             "size must be equal to the size of groups.counts (5)");
  BANDITRY_CHECK_THROWS_WITH(weighted_majority(more_counts, 1, vote_weight::unit),
                             std::invalid_argument, "groups.first_appearance size");
}

TEST_CASE("ties: precomputed keys must be distinct") {
  const auto g = sample_groups();
  const std::vector<std::size_t> repeated{0, 2, 2, 1};
  BANDITRY_CHECK_THROWS_WITH(majority_vote(g, 1, precomputed_ties{repeated}), std::invalid_argument,
                             "banditry::select::rank: tie keys must be distinct, got \"key 2 more "
                             "than once\"");
  const std::vector<std::size_t> distinct{3, 2, 1, 0};
  // Counts a 3, b 3, c 1, d 2: the a-b tie goes to the smaller key, b (key 2).
  CHECK(majority_vote(g, 1, precomputed_ties{distinct}) == index_list{1});
}

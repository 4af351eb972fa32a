// Random streams and samplers: published reference vectors, exact pmfs and goodness-of-fit tests.
#include "banditry/core/rng.hpp"

#include <doctest/doctest.h>

#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/chi_squared.hpp>
#include <map>
#include <set>
#include <vector>

#include "banditry/sim/runner.hpp"
#include "support/test_support.hpp"

using namespace banditry;

namespace {

// Pearson chi-square statistic of observed counts against expected counts, pooling cells with
// expectation below 5 into their neighbour; returns the upper-tail p-value.
double chi_square_p_value(const std::vector<double>& observed,
                          const std::vector<double>& expected) {
  std::vector<double> obs;
  std::vector<double> exp;
  double o = 0;
  double e = 0;
  for (std::size_t i = 0; i < observed.size(); ++i) {
    o += observed[i];
    e += expected[i];
    if (e >= 5) {
      obs.push_back(o);
      exp.push_back(e);
      o = e = 0;
    }
  }
  if (e > 0 && !exp.empty()) {
    obs.back() += o;
    exp.back() += e;
  }
  double statistic = 0;
  for (std::size_t i = 0; i < obs.size(); ++i)
    statistic += (obs[i] - exp[i]) * (obs[i] - exp[i]) / exp[i];
  const boost::math::chi_squared distribution(static_cast<double>(obs.size() - 1));
  return boost::math::cdf(boost::math::complement(distribution, statistic));
}

}  // namespace

TEST_CASE("mix64: SplitMix64 published outputs") {
  // SplitMix64 started at 1234567 (reference values of the original C implementation).
  std::uint64_t state = 1234567;
  const std::uint64_t expected[] = {6457827717110365317ULL, 3203168211198807973ULL,
                                    9817491932198370423ULL, 4593380528125082431ULL,
                                    16408922859458223821ULL};
  for (std::uint64_t value : expected) {
    CHECK(mix64(state) == value);
    state += 0x9E3779B97F4A7C15ULL;
  }
}

TEST_CASE("xoshiro256ss: reference outputs from state 1,2,3,4") {
  auto rng = xoshiro256ss::from_state(1, 2, 3, 4);
  CHECK(rng() == 11520ULL);
  CHECK(rng() == 0ULL);
  CHECK(rng() == 1509978240ULL);
  CHECK(rng() == 1215971899390074240ULL);
}

TEST_CASE("fnv1a64: published test vectors") {
  static_assert(fnv1a64("") == 0xcbf29ce484222325ULL);
  static_assert(fnv1a64("a") == 0xaf63dc4c8601ec8cULL);
  static_assert(fnv1a64("foobar") == 0x85944171f73967e8ULL);
  CHECK(fnv1a64("SEL.F1.k") != fnv1a64("SEL.F1.C"));
}

TEST_CASE("stream_key: nested mixing order") {
  const std::uint64_t seed = 1, e = fnv1a64("X"), p = 2, t = 3, s = 1;
  CHECK(stream_key(seed, e, p, t, s) == mix64(mix64(mix64(mix64(seed ^ mix64(e)) ^ p) ^ t) ^ s));
  CHECK(stream_key(seed, e, p, t, 0) != stream_key(seed, e, p, t, 1));
}

TEST_CASE("uniform01: range and 53-bit grid") {
  auto rng = xoshiro256ss::from_state(0, 0, 0, 1);
  for (int i = 0; i < 1000; ++i) {
    const double u = uniform01(rng);
    CHECK(u >= 0.0);
    CHECK(u < 1.0);
    CHECK(std::ldexp(u, 53) == std::floor(std::ldexp(u, 53)));
    const double v = uniform_open01(rng);
    CHECK(v > 0.0);
    CHECK(v < 1.0);
  }
}

TEST_CASE("uniform_int: unbiased over small n") {
  xoshiro256ss rng(7);
  std::vector<double> counts(7, 0);
  const int draws = 70000;
  for (int i = 0; i < draws; ++i) counts[uniform_int(rng, 7)] += 1;
  CHECK(chi_square_p_value(counts, std::vector<double>(7, draws / 7.0)) > 0.001);
  BANDITRY_CHECK_THROWS_WITH(uniform_int(rng, 0), std::invalid_argument,
                             "banditry::uniform_int: n must be at least 1, got 0");
}

TEST_CASE("binomial: chi-square fit to exact pmf") {
  const std::vector<std::pair<std::uint64_t, double>> cases{
      {20, 0.3}, {1000, 0.3}, {100000, 0.001}, {13000, 1.0 / 64},
      {50, 0.5}, {200, 0.05}, {30, 0.9}};
  std::uint64_t key = 11;
  for (const auto& [n, p] : cases) {
    CAPTURE(n);
    CAPTURE(p);
    xoshiro256ss rng(key++);
    const int draws = 400000;
    std::map<std::uint64_t, double> tally;
    std::uint64_t largest = 0;
    for (int i = 0; i < draws; ++i) {
      const auto x = binomial(rng, n, p);
      largest = std::max(largest, x);
      tally[x] += 1;
    }
    CHECK(largest <= n);
    const boost::math::binomial_distribution<double> exact(static_cast<double>(n), p);
    const auto lo = static_cast<std::uint64_t>(std::max(0.0, boost::math::quantile(exact, 1e-9)));
    const auto hi = static_cast<std::uint64_t>(boost::math::quantile(exact, 1 - 1e-9));
    std::vector<double> observed;
    std::vector<double> expected;
    for (std::uint64_t x = lo; x <= std::min(hi, n); ++x) {
      observed.push_back(tally.count(x) ? tally[x] : 0.0);
      expected.push_back(draws * boost::math::pdf(exact, static_cast<double>(x)));
    }
    CHECK(chi_square_p_value(observed, expected) > 0.001);
  }
}

TEST_CASE("binomial: edge parameters and bad p") {
  xoshiro256ss rng(3);
  CHECK(binomial(rng, 0, 0.5) == 0);
  CHECK(binomial(rng, 10, 0.0) == 0);
  CHECK(binomial(rng, 10, 1.0) == 10);
  BANDITRY_CHECK_THROWS_WITH(binomial(rng, 10, 1.5), std::domain_error,
                             "banditry::binomial: p must be a probability in [0, 1], got 1.5");
  BANDITRY_CHECK_THROWS_WITH(binomial(rng, 10, std::nan("")), std::domain_error,
                             "banditry::binomial: p must be a probability");
}

TEST_CASE("multinomial: counts sum to n and match marginals") {
  xoshiro256ss rng(5);
  const std::vector<double> p{0.5, 0.25, 0.125, 0.125, 0.0};
  std::vector<std::uint64_t> counts(p.size());
  std::vector<double> totals(p.size(), 0);
  const int trials = 20000;
  for (int i = 0; i < trials; ++i) {
    multinomial(rng, 64, p, counts);
    std::uint64_t sum = 0;
    for (auto c : counts) sum += c;
    if (sum != 64) FAIL("multinomial counts sum to " << sum << ", expected 64");
    for (std::size_t j = 0; j < p.size(); ++j) totals[j] += counts[j];
  }
  CHECK(totals[4] == 0);
  for (std::size_t j = 0; j < 4; ++j) {
    const double expected = 64.0 * trials * p[j];
    const double sd = std::sqrt(64.0 * trials * p[j] * (1 - p[j]));
    CHECK(std::abs(totals[j] - expected) < 5 * sd);
  }
  std::vector<std::uint64_t> wrong(2);
  BANDITRY_CHECK_THROWS_WITH(
      multinomial(rng, 4, p, wrong), std::invalid_argument,
      "banditry::multinomial: counts size must be equal to the size of probabilities (5), got 2");
  const std::vector<double> bad{0.5, 0.6};
  BANDITRY_CHECK_THROWS_WITH(multinomial(rng, 4, bad, wrong), std::domain_error,
                             "banditry::multinomial: sum of probabilities must be 1");
}

TEST_CASE("categorical and alias_table: chi-square fit") {
  const std::vector<double> w{1.0, 0.0, 3.0, 6.0, 0.5};
  const double total = 10.5;
  xoshiro256ss rng(9);
  const alias_table table(w);
  std::vector<double> by_cdf(w.size(), 0);
  std::vector<double> by_alias(w.size(), 0);
  const int draws = 200000;
  for (int i = 0; i < draws; ++i) {
    by_cdf[categorical(rng, w)] += 1;
    by_alias[table(rng)] += 1;
  }
  CHECK(by_cdf[1] == 0);
  CHECK(by_alias[1] == 0);
  std::vector<double> expected;
  std::vector<double> cdf_nonzero;
  std::vector<double> alias_nonzero;
  for (std::size_t i = 0; i < w.size(); ++i) {
    if (w[i] == 0) continue;
    expected.push_back(draws * w[i] / total);
    cdf_nonzero.push_back(by_cdf[i]);
    alias_nonzero.push_back(by_alias[i]);
  }
  CHECK(chi_square_p_value(cdf_nonzero, expected) > 0.001);
  CHECK(chi_square_p_value(alias_nonzero, expected) > 0.001);
  BANDITRY_CHECK_THROWS_WITH(categorical(rng, std::vector<double>{0.0, 0.0}), std::domain_error,
                             "banditry::categorical: sum of weights must be positive, got 0");
  BANDITRY_CHECK_THROWS_WITH(alias_table(std::vector<double>{1.0, -1.0}), std::domain_error,
                             "banditry::alias_table: weights[1] must be finite and >= 0, got -1");
}

TEST_CASE("shuffle: uses n-1 draws and is uniform") {
  // All 6 permutations of 3 elements appear with probability 1/6.
  xoshiro256ss rng(13);
  std::map<std::vector<std::size_t>, double> tally;
  const int draws = 60000;
  for (int i = 0; i < draws; ++i) tally[random_permutation(rng, 3)] += 1;
  CHECK(tally.size() == 6);
  std::vector<double> observed;
  for (const auto& [perm, count] : tally) observed.push_back(count);
  CHECK(chi_square_p_value(observed, std::vector<double>(6, draws / 6.0)) > 0.001);
  // Draw count: a shuffle of 5 elements consumes exactly 4 uniform_int calls.
  xoshiro256ss a(21);
  xoshiro256ss b(21);
  random_permutation(a, 5);
  for (std::uint64_t i = 4; i >= 1; --i) uniform_int(b, i + 1);
  CHECK(a == b);
}

TEST_CASE("sample_without_replacement: inclusion probabilities") {
  // Two of three with weights 1, 1, 2: P(third is included) = 1 - P(first two drawn) =
  // 1 - 2 * (1/4)(1/3) = 5/6.
  xoshiro256ss rng(17);
  const std::vector<double> w{1.0, 1.0, 2.0};
  int included = 0;
  const int draws = 60000;
  for (int i = 0; i < draws; ++i) {
    const auto drawn = sample_without_replacement(rng, w, 2);
    if (drawn.size() != 2 || drawn[0] == drawn[1]) FAIL("expected two distinct indices");
    included += (drawn[0] == 2 || drawn[1] == 2);
  }
  const double p = 5.0 / 6.0;
  CHECK(std::abs(included - draws * p) < 5 * std::sqrt(draws * p * (1 - p)));
  CHECK(sample_without_replacement(rng, std::vector<double>{0.0, 1.0}, 2).size() == 1);
}

TEST_CASE("normal: moments and reproducibility across threads") {
  auto draw = [](std::size_t t) {
    auto rng = make_stream(1, "TEST.normal", 0, t, substream::data);
    double sum = 0, sum2 = 0;
    for (int i = 0; i < 1000; ++i) {
      const double z = normal(rng);
      sum += z;
      sum2 += z * z;
    }
    return std::pair(sum, sum2);
  };
  const auto one = sim::run_trials(64, 1, draw);
  const auto two = sim::run_trials(64, 2, draw);
  CHECK(one == two);
  double sum = 0, sum2 = 0;
  for (const auto& [s, s2] : one) {
    sum += s;
    sum2 += s2;
  }
  const double n = 64000;
  CHECK(std::abs(sum / n) < 5 / std::sqrt(n));
  CHECK(std::abs(sum2 / n - 1) < 5 * std::sqrt(2 / n));
}

TEST_CASE("unit_sphere: unit norm") {
  xoshiro256ss rng(23);
  const auto x = unit_sphere(rng, 5);
  double norm2 = 0;
  for (double v : x) norm2 += v * v;
  CHECK(banditry::test::close(norm2, 1.0, 1e-14));
}

TEST_CASE("binomial: huge n with tiny p") {
  // Mean n p and variance n p (1 - p) ~ n p; 20000 draws give a standard error of about
  // sqrt(n p / 20000).
  for (const auto& [n, p] :
       std::vector<std::pair<std::uint64_t, double>>{{100000000000000000ULL, 1e-17},
                                                     {4000000000000000000ULL, 2.5e-18},
                                                     {1ULL << 62, 5e-18}}) {
    CAPTURE(n);
    xoshiro256ss rng(31);
    double sum = 0;
    const int draws = 20000;
    for (int i = 0; i < draws; ++i) sum += static_cast<double>(binomial(rng, n, p));
    const double expected = static_cast<double>(n) * p;
    CHECK(std::abs(sum / draws - expected) < 5 * std::sqrt(expected / draws));
  }
}

TEST_CASE("categorical: overflowing and denormal weights") {
  xoshiro256ss rng(37);
  const std::vector<double> huge{1e308, 1e308, 1.0};
  std::vector<double> counts(3, 0);
  const alias_table table(huge);
  std::vector<double> alias_counts(3, 0);
  for (int i = 0; i < 20000; ++i) {
    counts[categorical(rng, huge)] += 1;
    alias_counts[table(rng)] += 1;
  }
  CHECK(counts[2] == 0);
  CHECK(alias_counts[2] == 0);
  CHECK(std::abs(counts[0] - 10000) < 500);
  CHECK(std::abs(alias_counts[0] - 10000) < 500);
  const std::vector<double> tiny{4.9e-324, 3 * 4.9e-324};
  double second = 0;
  for (int i = 0; i < 40000; ++i) second += categorical(rng, tiny) == 1 ? 1 : 0;
  CHECK(std::abs(second - 30000) < 5 * std::sqrt(40000 * 0.75 * 0.25));
}

TEST_CASE("uniform: wide interval and bad order") {
  xoshiro256ss rng(41);
  for (int i = 0; i < 100; ++i) {
    const double u = uniform(rng, -1e308, 1e308);
    CHECK(std::isfinite(u));
  }
  BANDITRY_CHECK_THROWS_WITH(uniform(rng, 5.0, 1.0), std::invalid_argument,
                             "banditry::uniform: a must be at most b = 1, got 5");
  BANDITRY_CHECK_THROWS_WITH(normal(rng, std::nan(""), 1.0), std::domain_error,
                             "banditry::normal: mean must be finite");
}

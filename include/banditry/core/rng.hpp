// Random streams and samplers that give the same draws on every standard library and thread count.
//
// The std:: distributions are implementation-defined, so every sampler here is written out: the
// same seed gives the same numbers under libstdc++, libc++ and MSVC. Streams are keyed by (master
// seed, experiment, grid point, trial, sub-stream) so a trial's draws do not depend on which thread
// runs it or on how many trials ran before it.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <numeric>
#include <span>
#include <string_view>
#include <vector>

#include "banditry/core/error.hpp"

namespace banditry {

/// One SplitMix64 step as a pure function of its input (Steele, Lea and Flood, "Fast splittable
/// pseudorandom number generators", OOPSLA 2014). Never throws.
constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/// 64-bit FNV-1a hash of a name, used as an experiment id. Never throws.
constexpr std::uint64_t fnv1a64(std::string_view text) noexcept {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

/// Stream key for (experiment id, grid point, trial, sub-stream) under a master seed:
/// mix(mix(mix(mix(seed ^ mix(experiment)) ^ point) ^ trial) ^ substream). Never throws.
constexpr std::uint64_t stream_key(std::uint64_t master_seed, std::uint64_t experiment,
                                   std::uint64_t point, std::uint64_t trial,
                                   std::uint64_t substream) noexcept {
  return mix64(mix64(mix64(mix64(master_seed ^ mix64(experiment)) ^ point) ^ trial) ^ substream);
}

/// Sub-stream numbers of a trial's key.
enum class substream : std::uint64_t { data = 0, algorithm = 1, instance = 2, bootstrap = 3 };

/// xoshiro256** generator (Blackman and Vigna, "Scrambled linear pseudorandom number generators",
/// arXiv 1805.01407). Satisfies std::uniform_random_bit_generator. Period 2^256 - 1.
class xoshiro256ss {
 public:
  using result_type = std::uint64_t;

  /// Seeds the four state words with the first four outputs of SplitMix64 started at `key`.
  constexpr explicit xoshiro256ss(std::uint64_t key = 0) noexcept {
    std::uint64_t state = key;
    for (auto& word : state_) {
      word = mix64(state);
      state += 0x9E3779B97F4A7C15ULL;
    }
  }

  /// Generator with the given raw state words (not all zero), for reference vectors.
  static constexpr xoshiro256ss from_state(std::uint64_t s0, std::uint64_t s1, std::uint64_t s2,
                                           std::uint64_t s3) noexcept {
    xoshiro256ss rng;
    rng.state_[0] = s0;
    rng.state_[1] = s1;
    rng.state_[2] = s2;
    rng.state_[3] = s3;
    return rng;
  }

  static constexpr result_type min() noexcept { return 0; }
  static constexpr result_type max() noexcept { return ~result_type{0}; }

  /// Returns the next 64-bit word. Never throws.
  constexpr result_type operator()() noexcept {
    const std::uint64_t result = std::rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t shifted = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= shifted;
    state_[3] = std::rotl(state_[3], 45);
    return result;
  }

  friend constexpr bool operator==(const xoshiro256ss&, const xoshiro256ss&) = default;

 private:
  std::uint64_t state_[4]{};
};

/// Generator for the stream (master seed, experiment name, point, trial, sub-stream).
inline xoshiro256ss make_stream(std::uint64_t master_seed, std::string_view experiment,
                                std::uint64_t point, std::uint64_t trial, substream stream) {
  return xoshiro256ss(stream_key(master_seed, fnv1a64(experiment), point, trial,
                                 static_cast<std::uint64_t>(stream)));
}

/// Concept for the generators the samplers accept: a uniform random bit generator whose outputs
/// cover all 64 bits. std::mt19937 is rejected even where its result type is 64 bits wide, because
/// its max() is 2^32 - 1 and the samplers read the top 53 bits.
template <class Rng>
concept random_engine64 = std::uniform_random_bit_generator<Rng> && requires(Rng& rng) {
  { rng() } -> std::same_as<std::uint64_t>;
} &&(Rng::min() == 0) && (Rng::max() == ~std::uint64_t{0});

/// Uniform double in [0, 1) from the top 53 bits. Never throws.
template <random_engine64 Rng>
double uniform01(Rng& rng) noexcept {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

/// Uniform double in the open interval (0, 1). Never throws.
template <random_engine64 Rng>
double uniform_open01(Rng& rng) noexcept {
  return (static_cast<double>(rng() >> 11) + 0.5) * 0x1.0p-53;
}

/// Uniform double in [a, b): a + (b - a) u, or a (1 - u) + b u when b - a overflows.
/// \pre a and b finite, a <= b (checked).
template <random_engine64 Rng>
double uniform(Rng& rng, double a, double b) {
  require_finite(a, "uniform", "a");
  require_finite(b, "uniform", "b");
  if (!(a <= b))
    throw_invalid_argument("uniform", "a", "at most b = " + detail::format_value(b), a);
  const double u = uniform01(rng);
  const double width = b - a;
  if (std::isfinite(width)) return a + width * u;
  return a * (1 - u) + b * u;
}

/// Bernoulli(p): one uniform u, returns u < p. \pre p in [0, 1] (checked).
template <random_engine64 Rng>
bool bernoulli(Rng& rng, double p) {
  require_probability(p, "bernoulli", "p");
  return uniform01(rng) < p;
}

/// Unbiased integer in {0, ..., n-1} by rejection of the short last block.
/// \pre n >= 1 (checked). Expected draws below 2.
template <random_engine64 Rng>
std::uint64_t uniform_int(Rng& rng, std::uint64_t n) {
  if (n == 0) throw_invalid_argument("uniform_int", "n", "at least 1", n);
  std::uint64_t x = 0;
  std::uint64_t r = 0;
  do {
    x = rng();
    r = x % n;
  } while (x - r > 0 - n);
  return r;
}

/// Standard normal by Box-Muller, one output per call: sqrt(-2 log u1) cos(2 pi u2), u1 in (0, 1)
/// drawn first, u2 in [0, 1). Never throws.
template <random_engine64 Rng>
double normal(Rng& rng) noexcept {
  const double u1 = uniform_open01(rng);
  const double u2 = uniform01(rng);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

/// Normal with mean `mean` and standard deviation `sd`. \pre sd >= 0 and finite (checked).
template <random_engine64 Rng>
double normal(Rng& rng, double mean, double sd) {
  require_finite(mean, "normal", "mean");
  if (!(sd >= 0) || !std::isfinite(sd)) throw_domain_error("normal", "sd", "finite and >= 0", sd);
  return mean + sd * normal(rng);
}

namespace detail {

template <random_engine64 Rng>
std::uint64_t binomial_inversion(Rng& rng, std::uint64_t n, double p) {
  const double q = 1.0 - p;
  const double s = p / q;
  const double a = static_cast<double>(n + 1) * s;
  // q^n as exp(n log1p(-p)): pow(1 - p, n) loses p entirely once 1 - p rounds to 1.
  double r = std::exp(static_cast<double>(n) * std::log1p(-p));
  double u = uniform01(rng);
  std::uint64_t x = 0;
  while (u > r) {
    u -= r;
    ++x;
    if (x > n) break;
    r *= a / static_cast<double>(x) - s;
  }
  return std::min(x, n);
}

// lgamma(base + shift) - lgamma(base) for base, base + shift >= 1, with the shift passed exactly.
// Large arguments use Stirling's series in a form without cancellation. The reason is that
// lgamma(1e18) is about 4e19, so its rounding error is in the thousands, and base + shift can even
// equal base in double precision although the difference is about shift * log(base).
inline double lgamma_difference(double base, double shift) {
  if (base + std::abs(shift) < 1e7) return std::lgamma(base + shift) - std::lgamma(base);
  const double top = base + shift;
  // (top - 1/2) log top - (base - 1/2) log base - shift
  //   = (base - 1/2) log1p(shift / base) + shift log top - shift.
  const double leading = (base - 0.5) * std::log1p(shift / base) + shift * std::log(top) - shift;
  return leading + (1 / (12 * top) - 1 / (12 * base));
}

// Transformed rejection with squeeze (Hormann, "The generation of binomial random variates",
// J. Stat. Comput. Simul. 46, 1993), for n p >= 10 and p <= 1/2.
template <random_engine64 Rng>
std::uint64_t binomial_btrs(Rng& rng, std::uint64_t n, double p) {
  const double nd = static_cast<double>(n);
  const double q = 1.0 - p;
  const double spq = std::sqrt(nd * p * q);
  const double b = 1.15 + 2.53 * spq;
  const double a = -0.0873 + 0.0248 * b + 0.01 * p;
  const double c = nd * p + 0.5;
  const double v_r = 0.92 - 4.2 / b;
  const double alpha = (2.83 + 5.1 / b) * spq;
  const double m = std::floor((nd + 1) * p);

  const double lpq = std::log(p / q);
  while (true) {
    const double u = uniform01(rng) - 0.5;
    double v = uniform01(rng);
    const double us = 0.5 - std::abs(u);
    const double k = std::floor((2 * a / us + b) * u + c);
    if (k < 0 || k > nd) continue;
    if (us >= 0.07 && v <= v_r) return static_cast<std::uint64_t>(k);
    v = std::log(v * alpha / (a / (us * us) + b));
    // log of f(k) / f(m) for the binomial pmf f, with the lgamma terms paired so that huge n
    // keeps its precision.
    const double log_ratio =
        lgamma_difference(k + 1, m - k) + lgamma_difference(nd - k + 1, k - m) + (k - m) * lpq;
    if (v <= log_ratio) {
      return static_cast<std::uint64_t>(k);
    }
  }
}

}  // namespace detail

/// Binomial(n, p): inversion when n p < 10, else BTRS; p > 1/2 is drawn as n - Bin(n, 1 - p).
/// \pre p in [0, 1] (checked). Expected time O(min(n p, 10)) per draw, O(1) for BTRS.
template <random_engine64 Rng>
std::uint64_t binomial(Rng& rng, std::uint64_t n, double p) {
  require_probability(p, "binomial", "p");
  if (n == 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomial(rng, n, 1.0 - p);
  if (static_cast<double>(n) * p < 10) return detail::binomial_inversion(rng, n, p);
  return detail::binomial_btrs(rng, n, p);
}

/// Multinomial counts of n draws over `probabilities` by sequential binomials: with n_rem = n and
/// p_rem = 1, cell i gets Bin(n_rem, min(1, p_i / p_rem)), then n_rem -= c_i and p_rem -= p_i; once
/// n_rem = 0 no further draws are made. The last cell takes n_rem without a draw, so no sample is
/// lost to rounding. If rounding drives p_rem to 0 or below while samples remain, the next cell
/// with positive probability takes them all.
/// \pre probabilities a distribution (entries in [0, 1], sum 1 within 1e-9 per entry; checked);
/// counts.size() == probabilities.size() (checked). At most K - 1 binomial draws.
template <random_engine64 Rng>
void multinomial(Rng& rng, std::uint64_t n, std::span<const double> probabilities,
                 std::span<std::uint64_t> counts) {
  require_distribution(probabilities, "multinomial", "probabilities");
  require_same_size(counts.size(), probabilities.size(), "multinomial", "counts", "probabilities");
  std::uint64_t remaining = n;
  double mass = 1.0;
  const std::size_t last = probabilities.size() - 1;
  for (std::size_t i = 0; i < last; ++i) {
    if (remaining == 0) {
      counts[i] = 0;
      continue;
    }
    double share = 1.0;
    if (mass > 0) share = std::min(1.0, probabilities[i] / mass);
    if (probabilities[i] == 0) share = 0.0;
    counts[i] = binomial(rng, remaining, share);
    remaining -= counts[i];
    mass -= probabilities[i];
  }
  counts[last] = remaining;
}

/// Categorical draw by linear CDF search, for weights that change every round (no set-up cost):
/// u = uniform * sum(w); subtract weights in index order; return the first index where u < 0, or
/// the last index with positive weight if rounding leaves u >= 0. \pre weights non-empty, finite,
/// >= 0, with positive sum (checked). O(K).
template <random_engine64 Rng>
std::size_t categorical(Rng& rng, std::span<const double> weights) {
  require_nonempty(weights.size(), "categorical", "weights");
  double total = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (!(weights[i] >= 0) || !std::isfinite(weights[i])) {
      throw_domain_error("categorical", "weights[" + std::to_string(i) + "]", "finite and >= 0",
                         weights[i]);
    }
    total += weights[i];
  }
  if (!(total > 0)) throw_domain_error("categorical", "sum of weights", "positive", total);
  // Weights whose sum overflows or is denormal are divided by the largest weight first, because
  // otherwise u * sum is infinite or rounds to whole denormals. Other weights are used as given,
  // so ordinary draws follow the documented rule exactly.
  double divisor = 1.0;
  if (!std::isfinite(total) || total < 1e-290) {
    divisor = *std::max_element(weights.begin(), weights.end());
    total = 0;
    for (double w : weights) total += w / divisor;
  }
  double u = uniform01(rng) * total;
  std::size_t last_positive = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (weights[i] > 0) last_positive = i;
    u -= divisor == 1.0 ? weights[i] : weights[i] / divisor;
    if (u < 0) return i;
  }
  return last_positive;
}

/// Walker alias table for a fixed distribution: O(K) build (Vose's method), O(1) per draw with one
/// uniform integer and one uniform double.
class alias_table {
 public:
  /// Builds the table from non-negative weights (normalised internally).
  /// \pre weights non-empty, finite, >= 0, positive sum (checked).
  explicit alias_table(std::span<const double> weights) {
    require_nonempty(weights.size(), "alias_table", "weights");
    const std::size_t k = weights.size();
    double total = 0;
    for (std::size_t i = 0; i < k; ++i) {
      if (!(weights[i] >= 0) || !std::isfinite(weights[i])) {
        throw_domain_error("alias_table", "weights[" + std::to_string(i) + "]", "finite and >= 0",
                           weights[i]);
      }
      total += weights[i];
    }
    if (!(total > 0)) throw_domain_error("alias_table", "sum of weights", "positive", total);
    // As in categorical: rescale by the largest weight when the sum overflows or is denormal.
    double divisor = 1.0;
    if (!std::isfinite(total) || total < 1e-290) {
      divisor = *std::max_element(weights.begin(), weights.end());
      total = 0;
      for (double w : weights) total += w / divisor;
    }
    probability_.resize(k);
    alias_.resize(k);
    std::vector<double> scaled(k);
    std::vector<std::size_t> small;
    std::vector<std::size_t> large;
    for (std::size_t i = 0; i < k; ++i) {
      scaled[i] = weights[i] / divisor / total * static_cast<double>(k);
      (scaled[i] < 1.0 ? small : large).push_back(i);
    }
    while (!small.empty() && !large.empty()) {
      const std::size_t s = small.back();
      small.pop_back();
      const std::size_t l = large.back();
      probability_[s] = scaled[s];
      alias_[s] = l;
      scaled[l] = (scaled[l] + scaled[s]) - 1.0;
      if (scaled[l] < 1.0) {
        large.pop_back();
        small.push_back(l);
      }
    }
    // Leftovers are 1 up to rounding.
    for (std::size_t i : large) set_full(i);
    for (std::size_t i : small) set_full(i);
  }

  /// Draws one index. Never throws.
  template <random_engine64 Rng>
  std::size_t operator()(Rng& rng) const {
    const auto column = static_cast<std::size_t>(uniform_int(rng, probability_.size()));
    return uniform01(rng) < probability_[column] ? column : alias_[column];
  }

  std::size_t size() const noexcept { return probability_.size(); }

 private:
  void set_full(std::size_t i) {
    probability_[i] = 1.0;
    alias_[i] = i;
  }
  std::vector<double> probability_;
  std::vector<std::size_t> alias_;
};

/// Fisher-Yates shuffle in place: for i = n-1 down to 1 draw j uniform in {0..i} and swap.
/// Uses exactly n - 1 uniform integers (none when n <= 1). Never throws.
template <random_engine64 Rng, class Value>
void shuffle(Rng& rng, std::span<Value> values) {
  for (std::size_t i = values.size(); i-- > 1;) {
    const auto j = static_cast<std::size_t>(uniform_int(rng, i + 1));
    std::swap(values[i], values[j]);
  }
}

/// Uniformly random permutation of {0, ..., n-1} by the Fisher-Yates order of `shuffle`.
template <random_engine64 Rng>
std::vector<std::size_t> random_permutation(Rng& rng, std::size_t n) {
  std::vector<std::size_t> permutation(n);
  std::iota(permutation.begin(), permutation.end(), std::size_t{0});
  shuffle(rng, std::span<std::size_t>(permutation));
  return permutation;
}

/// Draws `count` distinct indices without replacement, each draw proportional to the weights of the
/// indices not yet drawn (successive sampling). Returns them in draw order. Zero-weight indices are
/// never drawn, so fewer than `count` indices come back when fewer have positive weight.
/// \pre weights finite and >= 0 (checked). O(count * K).
template <random_engine64 Rng>
std::vector<std::size_t> sample_without_replacement(Rng& rng, std::span<const double> weights,
                                                    std::size_t count) {
  std::vector<double> remaining(weights.begin(), weights.end());
  std::vector<std::size_t> drawn;
  for (std::size_t i = 0; i < remaining.size(); ++i) {
    if (!(remaining[i] >= 0) || !std::isfinite(remaining[i])) {
      throw_domain_error("sample_without_replacement", "weights[" + std::to_string(i) + "]",
                         "finite and >= 0", remaining[i]);
    }
  }
  std::size_t positive = 0;
  for (double w : remaining) positive += w > 0 ? 1 : 0;
  count = std::min(count, positive);
  drawn.reserve(count);
  while (drawn.size() < count) {
    const std::size_t index = categorical(rng, std::span<const double>(remaining));
    drawn.push_back(index);
    remaining[index] = 0;
  }
  return drawn;
}

/// Point uniform on the unit sphere of R^m: m normals in coordinate order, divided by their norm.
/// \pre m >= 1 (checked).
template <random_engine64 Rng>
std::vector<double> unit_sphere(Rng& rng, std::size_t m) {
  require_nonempty(m, "unit_sphere", "dimension");
  std::vector<double> point(m);
  double norm2 = 0;
  for (auto& x : point) {
    x = normal(rng);
    norm2 += x * x;
  }
  const double norm = std::sqrt(norm2);
  for (auto& x : point) x /= norm;
  return point;
}

}  // namespace banditry

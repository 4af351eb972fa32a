// Benchmarks of the batched selection kernels (banditry/select/batch.hpp, batch_top_k.hpp) next to
// the code users write by hand: std::unordered_map per prompt, std::max_element, std::nth_element,
// and next to the general row kernel that the batched functions used before the interleaved one.
//
// Data (identical to bench/select_baseline.py): B prompts x 64 samples, u64 answer ids, f32 scores.
//   - realistic: prompt b has M_b = 4 + h(b ^ 0xA5A5) % 13 distinct answers (4 to 16); sample i of
//     prompt b takes answer floor(M_b u^2), u = top 53 bits of h(2^40 + 64 b + i) / 2^53, so early
//     answers are popular; the id of answer j is h(1000003 b + j);
//   - many: every sample draws id h(2^40 + 64 b + i), so all 64 answers are distinct;
//   - score of sample (b, i): (h(2^41 + 64 b + i) >> 40) / 2^24, a float in [0, 1).
// h is the splitmix64 finaliser of x + 0x9E3779B97F4A7C15.
// "hot" runs 10,000 prompts (7.7 MB, cache resident); "cold" runs 1,000,000 prompts (768 MB),
// read from DRAM. The counter ns_per_candidate is wall time per sample.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <unordered_map>
#include <vector>

#include "banditry/select/batch.hpp"
#include "banditry/select/batch_top_k.hpp"

namespace {

using namespace banditry::select;

constexpr std::size_t samples_per_prompt = 64;
constexpr std::size_t hot_prompts = 10'000;
constexpr std::size_t cold_prompts = 1'000'000;
constexpr double bom_alpha = 0.05;  // an answer needs at least 4 of 64 samples

constexpr std::uint64_t h(std::uint64_t x) {
  std::uint64_t z = x + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

struct dataset {
  xt::xtensor<std::uint64_t, 2> ids;
  xt::xtensor<float, 2> scores;
};

dataset make_dataset(std::size_t prompts, bool many_distinct) {
  const std::size_t n = samples_per_prompt;
  dataset d{xt::xtensor<std::uint64_t, 2>::from_shape({prompts, n}),
            xt::xtensor<float, 2>::from_shape({prompts, n})};
  for (std::size_t b = 0; b < prompts; ++b) {
    const std::uint64_t distinct = 4 + h(b ^ 0xA5A5u) % 13;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t r = h((std::uint64_t{1} << 40) + n * b + i);
      if (many_distinct) {
        d.ids(b, i) = r;
      } else {
        const double u = static_cast<double>(r >> 11) * 0x1.0p-53;
        const auto j = static_cast<std::uint64_t>(static_cast<double>(distinct) * (u * u));
        d.ids(b, i) = h(1000003 * b + j);
      }
      d.scores(b, i) =
          static_cast<float>(h((std::uint64_t{1} << 41) + n * b + i) >> 40) * 0x1.0p-24f;
    }
  }
  return d;
}

const dataset& data(bool cold, bool many) {
  static const dataset hot_realistic = make_dataset(hot_prompts, false);
  static const dataset hot_many = make_dataset(hot_prompts, true);
  if (!cold) return many ? hot_many : hot_realistic;
  static const dataset cold_realistic = make_dataset(cold_prompts, false);
  static const dataset cold_many = make_dataset(cold_prompts, true);
  return many ? cold_many : cold_realistic;
}

void set_counters(benchmark::State& state, std::size_t candidates) {
  state.counters["ns_per_candidate"] = benchmark::Counter(
      static_cast<double>(candidates) * 1e-9,
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// Arguments: 0 = hot / 1 = cold, 0 = realistic / 1 = many distinct answers.
const dataset& data_for(const benchmark::State& state) {
  return data(state.range(0) != 0, state.range(1) != 0);
}

batch_options options_for(const benchmark::State& state) {
  batch_options options;
  options.threads = state.range(2) > 0 ? static_cast<std::size_t>(state.range(2)) : 1;
  // Argument "portable": 0 = automatic, 1 = portable, 2 = AVX2 kernel.
  options.kernel = state.range(3) == 1   ? batch_kernel::portable
                   : state.range(3) == 2 ? batch_kernel::avx2
                                         : batch_kernel::automatic;
  return options;
}

// ---------------------------------------------------------------- read floor

// One pass over the batch's ids and scores (XOR of all words), the least work of any kernel that
// reads its input once: 12 bytes per candidate. The selection kernels cannot run faster than
// this on the same machine. Arguments as the batch benchmarks (cold, many).
void read_floor(benchmark::State& state) {
  const dataset& d = data_for(state);
  for (auto _ : state) {
    std::uint64_t id_bits = 0;
    for (const std::uint64_t id : d.ids) id_bits ^= id;
    std::uint32_t score_bits = 0;
    for (const float score : d.scores) score_bits ^= std::bit_cast<std::uint32_t>(score);
    benchmark::DoNotOptimize(id_bits);
    benchmark::DoNotOptimize(score_bits);
  }
  set_counters(state, d.ids.size());
}

// ---------------------------------------------------------------- majority voting

void majority_batch(benchmark::State& state) {
  const dataset& d = data_for(state);
  const batch_options options = options_for(state);
  for (auto _ : state) benchmark::DoNotOptimize(batch_majority_vote(d.ids, 1, options));
  set_counters(state, d.ids.size());
}

void majority_naive(benchmark::State& state) {
  const dataset& d = data_for(state);
  const std::size_t n = samples_per_prompt;
  std::vector<std::int32_t> out(d.ids.shape(0));
  for (auto _ : state) {
    for (std::size_t b = 0; b < d.ids.shape(0); ++b) {
      const std::uint64_t* row = d.ids.data() + b * n;
      std::unordered_map<std::uint64_t, std::uint32_t> counts;
      for (std::size_t i = 0; i < n; ++i) ++counts[row[i]];
      std::uint32_t best = 0;
      std::int32_t best_index = -1;
      for (std::size_t i = 0; i < n; ++i) {  // first appearance wins ties
        const std::uint32_t c = counts[row[i]];
        if (c > best) {
          best = c;
          best_index = static_cast<std::int32_t>(i);
        }
      }
      out[b] = best_index;
    }
    benchmark::DoNotOptimize(out.data());
  }
  set_counters(state, d.ids.size());
}

// ---------------------------------------------------------------- Best-of-Majority

void best_of_majority_batch(benchmark::State& state) {
  const dataset& d = data_for(state);
  const batch_options options = options_for(state);
  for (auto _ : state) {
    benchmark::DoNotOptimize(batch_best_of_majority(d.ids, d.scores, bom_alpha, 1,
                                                    empty_filter::fallback_max_count, options));
  }
  set_counters(state, d.ids.size());
}

void best_of_majority_naive(benchmark::State& state) {
  const dataset& d = data_for(state);
  const std::size_t n = samples_per_prompt;
  const auto min_count = static_cast<std::uint32_t>(std::ceil(bom_alpha * n));
  std::vector<std::int32_t> out(d.ids.shape(0));
  struct stats {
    std::uint32_t count = 0;
    double sum = 0;
    bool seen = false;
  };
  for (auto _ : state) {
    for (std::size_t b = 0; b < d.ids.shape(0); ++b) {
      const std::uint64_t* row = d.ids.data() + b * n;
      const float* scores = d.scores.data() + b * n;
      std::unordered_map<std::uint64_t, stats> groups;
      for (std::size_t i = 0; i < n; ++i) {
        stats& g = groups[row[i]];
        ++g.count;
        g.sum += scores[i];
      }
      double best = -INFINITY;
      std::int32_t best_index = -1;
      std::uint32_t top_count = 0;
      std::int32_t top_count_index = -1;
      for (std::size_t i = 0; i < n; ++i) {  // first appearance order
        stats& g = groups[row[i]];
        if (g.seen) continue;
        g.seen = true;
        const double mean = g.sum / g.count;
        if (g.count >= min_count && mean > best) {
          best = mean;
          best_index = static_cast<std::int32_t>(i);
        }
        if (g.count > top_count) {
          top_count = g.count;
          top_count_index = static_cast<std::int32_t>(i);
        }
      }
      // NOTE: the fallback here keeps one max-count answer instead of ranking all of them.
      out[b] = best_index >= 0 ? best_index : top_count_index;
    }
    benchmark::DoNotOptimize(out.data());
  }
  set_counters(state, d.ids.size());
}

// ---------------------------------------------------------------- general row kernel

// The general row kernel (detail::process_row, one row at a time, vector compare phase with a
// group vector), which batch_* used for every row before the interleaved kernel. Kept as a
// side-by-side reference for the speed-up of the interleaved kernel.
void row_kernel(benchmark::State& state, detail::row_method kind) {
  const dataset& d = data_for(state);
  const std::size_t n = samples_per_prompt;
  const bool with_scores = kind != detail::row_method::majority;
  const detail::row_rule rule{kind, 1, bom_alpha, empty_filter::fallback_max_count};
  const batch_kernel kernel = detail::resolve_kernel(batch_kernel::automatic, "bench");
  std::vector<std::int32_t> out(d.ids.shape(0));
  detail::batch_workspace ws;
  for (auto _ : state) {
    for (std::size_t b = 0; b < d.ids.shape(0); ++b) {
      const detail::batch_row row{d.ids.data() + b * n,
                                  with_scores ? d.scores.data() + b * n : nullptr, n};
      detail::process_row(kernel, row, rule, b, "bench", ws, &out[b]);
    }
    benchmark::DoNotOptimize(out.data());
  }
  set_counters(state, d.ids.size());
}

void majority_row_kernel(benchmark::State& state) {
  row_kernel(state, detail::row_method::majority);
}

void best_of_majority_row_kernel(benchmark::State& state) {
  row_kernel(state, detail::row_method::best_of_majority);
}

// ---------------------------------------------------------------- Best-of-N, answer level

void best_of_n_batch(benchmark::State& state) {
  const dataset& d = data_for(state);
  const batch_options options = options_for(state);
  const auto k = static_cast<std::size_t>(state.range(4));
  for (auto _ : state) benchmark::DoNotOptimize(batch_best_of_n(d.ids, d.scores, k, options));
  set_counters(state, d.ids.size());
}

// ---------------------------------------------------------------- Best-of-N, sample level

void top_k_scores_batch(benchmark::State& state) {
  const dataset& d = data_for(state);
  const batch_options options = options_for(state);
  const auto k = static_cast<std::size_t>(state.range(4));
  for (auto _ : state) benchmark::DoNotOptimize(batch_top_k_scores(d.scores, k, options));
  set_counters(state, d.scores.size());
}

void top_k_scores_naive(benchmark::State& state) {
  const dataset& d = data_for(state);
  const std::size_t n = samples_per_prompt;
  const auto k = static_cast<std::size_t>(state.range(4));
  std::vector<std::int32_t> out(d.scores.shape(0) * k);
  std::vector<std::int32_t> order(n);
  for (auto _ : state) {
    for (std::size_t b = 0; b < d.scores.shape(0); ++b) {
      const float* row = d.scores.data() + b * n;
      if (k == 1) {
        out[b] = static_cast<std::int32_t>(std::max_element(row, row + n) - row);
        continue;
      }
      std::iota(order.begin(), order.end(), 0);
      const auto better = [row](std::int32_t a, std::int32_t c) {
        return row[a] != row[c] ? row[a] > row[c] : a < c;
      };
      std::nth_element(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k - 1),
                       order.end(), better);
      std::sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), better);
      std::copy_n(order.begin(), k, out.begin() + static_cast<std::ptrdiff_t>(b * k));
    }
    benchmark::DoNotOptimize(out.data());
  }
  set_counters(state, d.scores.size());
}

// ---------------------------------------------------------------- top-k of 1e7 floats

const std::vector<float>& long_array(bool ascending) {
  static const std::vector<float> random_order = [] {
    std::vector<float> v(10'000'000);
    for (std::size_t i = 0; i < v.size(); ++i) {
      v[i] = static_cast<float>(h((std::uint64_t{1} << 42) + i) >> 40) * 0x1.0p-24f;
    }
    return v;
  }();
  static const std::vector<float> sorted = [] {
    std::vector<float> v = random_order;
    std::sort(v.begin(), v.end());
    return v;
  }();
  return ascending ? sorted : random_order;
}

// Arguments: k, 0 = random order / 1 = ascending, 0 = automatic / 1 = portable kernel.
void top_k_array(benchmark::State& state) {
  const auto& values = long_array(state.range(1) != 0);
  const auto kernel = state.range(2) != 0 ? batch_kernel::portable : batch_kernel::automatic;
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        top_k_indices(values, static_cast<std::size_t>(state.range(0)), kernel));
  }
  set_counters(state, values.size());
}

void top_k_array_naive(benchmark::State& state) {
  const auto& values = long_array(state.range(1) != 0);
  const auto k = static_cast<std::size_t>(state.range(0));
  std::vector<std::uint32_t> order(values.size());
  for (auto _ : state) {
    std::iota(order.begin(), order.end(), 0u);
    const auto better = [&values](std::uint32_t a, std::uint32_t c) {
      return values[a] != values[c] ? values[a] > values[c] : a < c;
    };
    std::nth_element(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k - 1), order.end(),
                     better);
    std::sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), better);
    benchmark::DoNotOptimize(order.data());
  }
  set_counters(state, values.size());
}

// Batch arguments: {cold, many, threads, portable, k}.
void batch_arguments(benchmark::internal::Benchmark* b, bool with_k) {
  b->ArgNames({"cold", "many", "threads", "portable", "k"});
  for (int cold : {0, 1}) {
    for (int many : {0, 1}) {
      for (int k : with_k ? std::vector<int>{1, 8} : std::vector<int>{1}) {
        b->Args({cold, many, 1, 0, k});
      }
    }
  }
  b->Unit(benchmark::kMillisecond)->MinTime(0.3)->UseRealTime();
}

void batch_arguments_with_variants(benchmark::internal::Benchmark* b, bool with_k) {
  batch_arguments(b, with_k);
  for (int k : with_k ? std::vector<int>{1, 8} : std::vector<int>{1}) {
    b->Args({0, 0, 1, 1, k});  // portable kernel, hot, realistic
    b->Args({0, 0, 1, 2, k});  // AVX2 kernel, hot, realistic
    b->Args({0, 0, 2, 0, k});  // two threads
    b->Args({1, 0, 2, 0, k});
  }
}

}  // namespace

BENCHMARK(read_floor)->Apply([](auto* b) { batch_arguments(b, false); });
BENCHMARK(majority_batch)->Apply([](auto* b) { batch_arguments_with_variants(b, false); });
BENCHMARK(majority_naive)->Apply([](auto* b) { batch_arguments(b, false); });
BENCHMARK(best_of_majority_batch)->Apply([](auto* b) { batch_arguments_with_variants(b, false); });
BENCHMARK(best_of_majority_naive)->Apply([](auto* b) { batch_arguments(b, false); });
BENCHMARK(majority_row_kernel)->Apply([](auto* b) { batch_arguments(b, false); });
BENCHMARK(best_of_majority_row_kernel)->Apply([](auto* b) { batch_arguments(b, false); });
BENCHMARK(best_of_n_batch)->Apply([](auto* b) { batch_arguments(b, true); });
BENCHMARK(top_k_scores_batch)->Apply([](auto* b) { batch_arguments_with_variants(b, true); });
BENCHMARK(top_k_scores_naive)->Apply([](auto* b) { batch_arguments(b, true); });
BENCHMARK(top_k_array)
    ->ArgNames({"k", "ascending", "portable"})
    ->Args({8, 0, 0})
    ->Args({64, 0, 0})
    ->Args({64, 1, 0})
    ->Args({64, 0, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(top_k_array_naive)
    ->ArgNames({"k", "ascending"})
    ->Args({64, 0})
    ->Args({64, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK_MAIN();

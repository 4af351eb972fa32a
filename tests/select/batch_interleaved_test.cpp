// Tests of the interleaved AVX-512 and AVX2 kernels (detail/batch_interleaved.hpp): blocks of four
// rows that mix rows the kernel finishes with rows it hands to the general kernel, compared with
// the single-prompt rules row by row and with the portable kernel.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "banditry/core/rng.hpp"
#include "banditry/select/batch.hpp"
#include "banditry/select/grouping.hpp"
#include "banditry/select/rule.hpp"
#include "banditry/select/rules.hpp"
#include "support/test_support.hpp"

using namespace banditry;
using namespace banditry::select;

namespace {

// Selection of one prompt through group_answers and the single-prompt rules.
std::vector<std::int32_t> single_prompt(method kind, std::span<const std::uint64_t> ids,
                                        std::span<const float> scores, std::size_t k, double alpha,
                                        empty_filter on_empty) {
  if (ids.empty()) return {};
  std::vector<double> wide(scores.begin(), scores.end());
  const auto grouped = group_answers<std::uint64_t>(ids, std::span<const double>(wide));
  std::vector<std::size_t> picked;
  if (kind == method::majority) {
    picked = majority_vote(grouped.groups, k);
  } else if (kind == method::best_of_n) {
    picked = best_of_n(grouped.groups, k);
  } else {
    picked = best_of_majority(grouped.groups, k, alpha, on_empty);
  }
  std::vector<std::int32_t> out;
  for (std::size_t j : picked) {
    out.push_back(static_cast<std::int32_t>(grouped.groups.first_appearance[j]));
  }
  return out;
}

// The interleaved kernels this CPU can run.
std::vector<batch_kernel> interleaved_kernels() {
  std::vector<batch_kernel> kernels;
  if (select::detail::cpu_supports_avx2()) kernels.push_back(batch_kernel::avx2);
  if (select::detail::cpu_supports_avx512()) kernels.push_back(batch_kernel::avx512);
  return kernels;
}

std::vector<std::int32_t> row_of(const batch_selection& s, std::size_t b) {
  std::vector<std::int32_t> out;
  for (std::int32_t r = 0; r < s.size(b); ++r) out.push_back(s.first_index(b, r));
  return out;
}

// Row shapes that steer each row to a different branch of the interleaved kernel.
enum class row_kind {
  few,           // 1 to 16 distinct answers, exact sums: finished by the kernel
  sixteen,       // exactly 16 distinct answers, each at least 3 times
  seventeen,     // 17 distinct answers: more than the kernel's 16 groups
  many,          // mostly distinct answers: the kernel gives up after four small groups
  zero_ids,      // answer id 0 next to the zero padding of short rows
  wide_scores,   // scores over many binades: sums depend on the order, general kernel
  equal_counts,  // every answer once: Best-of-Majority falls back to the maximal count
};

struct ragged_batch {
  std::vector<std::uint64_t> ids;
  std::vector<float> scores;
  std::vector<std::size_t> offsets{0};
};

void add_row(ragged_batch& batch, row_kind kind, std::size_t n, xoshiro256ss& rng) {
  const std::uint64_t salt = rng();
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t answer = 0;
    switch (kind) {
      case row_kind::few:
        answer = uniform_int(rng, 1 + uniform_int(rng, 16));
        break;
      case row_kind::sixteen:
        answer = i % 16;
        break;
      case row_kind::seventeen:
        answer = i % 17;
        break;
      case row_kind::many:
        answer = rng();
        break;
      case row_kind::zero_ids:
        answer = uniform_int(rng, 3);
        break;
      case row_kind::wide_scores:
        answer = uniform_int(rng, 5);
        break;
      case row_kind::equal_counts:
        answer = i;
        break;
    }
    batch.ids.push_back(kind == row_kind::zero_ids ? answer : mix64(answer ^ salt));
    if (kind == row_kind::wide_scores) {
      const double magnitude = std::ldexp(1.0, static_cast<int>(uniform_int(rng, 120)) - 60);
      batch.scores.push_back(static_cast<float>((uniform01(rng) - 0.5) * magnitude));
    } else {
      // A coarse grid, so that equal means (ties) are common.
      batch.scores.push_back(static_cast<float>(uniform_int(rng, 5)) * 0.25f - 0.5f);
    }
  }
  batch.offsets.push_back(batch.ids.size());
}

ragged_batch mixed_batch(std::uint64_t seed, std::size_t prompts) {
  xoshiro256ss rng(seed);
  ragged_batch batch;
  const row_kind kinds[] = {row_kind::few,         row_kind::sixteen,  row_kind::seventeen,
                            row_kind::many,        row_kind::zero_ids, row_kind::wide_scores,
                            row_kind::equal_counts};
  const std::size_t lengths[] = {64, 64, 1, 7, 63, 64, 65, 48, 64, 0, 64, 33};
  for (std::size_t b = 0; b < prompts; ++b) {
    const row_kind kind = kinds[uniform_int(rng, 7)];
    std::size_t n = lengths[uniform_int(rng, 12)];
    if (kind == row_kind::sixteen || kind == row_kind::seventeen) n = std::max<std::size_t>(n, 51);
    add_row(batch, kind, n, rng);
  }
  return batch;
}

}  // namespace

TEST_CASE("batch interleaved kernel: mixed blocks match rules") {
  if (interleaved_kernels().empty()) MESSAGE("skipped: this CPU has neither AVX2 nor AVX-512");
  batch_options portable;
  portable.kernel = batch_kernel::portable;
  for (batch_kernel kernel : interleaved_kernels()) {
    batch_options fast;
    fast.kernel = kernel;
    for (std::uint64_t seed : {3u, 4u, 5u}) {
      // 4 x 10 + 3 prompts: the last block of four is incomplete.
      const ragged_batch batch = mixed_batch(seed, 43);
      const std::span<const std::uint64_t> ids(batch.ids);
      const std::span<const float> scores(batch.scores);
      const std::span<const std::size_t> offsets(batch.offsets);
      for (std::size_t k : {1u, 2u, 5u, 20u}) {
        for (double alpha : {0.0, 0.05, 0.3}) {
          for (empty_filter on_empty :
               {empty_filter::fallback_max_count, empty_filter::return_empty}) {
            const auto mv = batch_majority_vote(ids, offsets, k, fast);
            const auto bon = batch_best_of_n(ids, scores, offsets, k, fast);
            const auto bom = batch_best_of_majority(ids, scores, offsets, alpha, k, on_empty, fast);
            const auto bom_portable =
                batch_best_of_majority(ids, scores, offsets, alpha, k, on_empty, portable);
            for (std::size_t b = 0; b + 1 < batch.offsets.size(); ++b) {
              const std::size_t begin = batch.offsets[b];
              const std::size_t n = batch.offsets[b + 1] - begin;
              const auto row_ids = ids.subspan(begin, n);
              const auto row_scores = scores.subspan(begin, n);
              INFO("kernel " << (kernel == batch_kernel::avx2 ? "avx2" : "avx512") << ", seed "
                             << seed << ", prompt " << b << ", N " << n << ", k " << k << ", alpha "
                             << alpha);
              CHECK(row_of(mv, b) ==
                    single_prompt(method::majority, row_ids, row_scores, k, 0, on_empty));
              CHECK(row_of(bon, b) ==
                    single_prompt(method::best_of_n, row_ids, row_scores, k, 0, on_empty));
              CHECK(row_of(bom, b) == single_prompt(method::best_of_majority, row_ids, row_scores,
                                                    k, alpha, on_empty));
              CHECK(row_of(bom, b) == row_of(bom_portable, b));
            }
          }
        }
      }
    }
  }
}

TEST_CASE("batch interleaved kernel: sixteen and seventeen answers") {
  if (interleaved_kernels().empty()) MESSAGE("skipped: this CPU has neither AVX2 nor AVX-512");
  // Row 0: 16 answers (the kernel's limit), each 4 times; answer j scores j / 64, except that the
  // first sample of answer 5 scores 1.0, so its mean (1 + 15/64) / 4 beats 15/64. Row 1: 17
  // answers (answers 0 to 14 four times, 15 three times, 16 once as the last sample, scoring 1.0),
  // which the kernel hands to the general kernel.
  const std::size_t n = 64;
  xt::xtensor<std::uint64_t, 2> ids = xt::xtensor<std::uint64_t, 2>::from_shape({2, n});
  xt::xtensor<float, 2> scores = xt::xtensor<float, 2>::from_shape({2, n});
  for (std::size_t i = 0; i < n; ++i) {
    ids(0, i) = 1000 + i % 16;
    scores(0, i) = static_cast<float>(i % 16) / 64.0f;
    ids(1, i) = 2000 + i / 4;
  }
  for (std::size_t i = 0; i < n; ++i) scores(1, i) = static_cast<float>(i / 4) / 64.0f;
  ids(1, 63) = 2016;
  scores(1, 63) = 1.0f;
  scores(0, 5) = 1.0f;
  for (batch_kernel kernel : interleaved_kernels()) {
    INFO("kernel " << (kernel == batch_kernel::avx2 ? "avx2" : "avx512"));
    batch_options fast;
    fast.kernel = kernel;
    const auto bon = batch_best_of_n(ids, scores, 1, fast);
    CHECK(bon.first_index(0, 0) == 5);
    CHECK(bon.first_index(1, 0) == 63);
    // alpha = 2/64: answer 16 of row 1 (1 sample) is filtered out; the best kept mean is answer 15
    // (samples 60 to 62, first appearance 60).
    const auto bom =
        batch_best_of_majority(ids, scores, 2.0 / 64, 1, empty_filter::fallback_max_count, fast);
    CHECK(bom.first_index(0, 0) == 5);
    CHECK(bom.first_index(1, 0) == 60);
    const auto mv = batch_majority_vote(ids, 2, fast);
    CHECK(mv.first_index(0, 0) == 0);
    CHECK(mv.first_index(0, 1) == 1);
    CHECK(mv.first_index(1, 0) == 0);
    CHECK(mv.first_index(1, 1) == 4);
  }
}

TEST_CASE("batch interleaved kernel: first bad prompt throws") {
  if (interleaved_kernels().empty()) MESSAGE("skipped: this CPU has neither AVX2 nor AVX-512");
  // Prompts 1 and 2 of the first block hold a non-finite score; prompt 0 is finished by the
  // kernel first, and the error must name prompt 1, sample 9, for one and for two threads.
  xoshiro256ss rng(77);
  ragged_batch batch;
  for (std::size_t b = 0; b < 6; ++b) add_row(batch, row_kind::few, 64, rng);
  batch.scores[64 + 9] = std::numeric_limits<float>::quiet_NaN();
  batch.scores[128 + 3] = std::numeric_limits<float>::infinity();
  for (batch_kernel kernel : interleaved_kernels()) {
    for (std::size_t threads : {1u, 2u}) {
      INFO("kernel " << (kernel == batch_kernel::avx2 ? "avx2" : "avx512") << ", threads "
                     << threads);
      batch_options fast;
      fast.kernel = kernel;
      fast.threads = threads;
      BANDITRY_CHECK_THROWS_WITH(
          batch_best_of_majority(std::span<const std::uint64_t>(batch.ids),
                                 std::span<const float>(batch.scores),
                                 std::span<const std::size_t>(batch.offsets), 0.05, 1,
                                 empty_filter::fallback_max_count, fast),
          std::domain_error, "scores[prompt 1, sample 9]");
    }
  }
}

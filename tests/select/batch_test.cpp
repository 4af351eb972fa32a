// Tests of the batched selection functions against the single-prompt rules (group_answers followed
// by majority_vote, best_of_n or best_of_majority), for every kernel the CPU supports.
#include "banditry/select/batch.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "banditry/core/rng.hpp"
#include "banditry/select/grouping.hpp"
#include "banditry/select/rule.hpp"
#include "banditry/select/rules.hpp"
#include "support/test_support.hpp"

using namespace banditry;
using namespace banditry::select;

namespace {

std::vector<batch_kernel> supported_kernels() {
  std::vector<batch_kernel> kernels{batch_kernel::portable};
  if (select::detail::cpu_supports_avx2()) kernels.push_back(batch_kernel::avx2);
  if (select::detail::cpu_supports_avx512()) kernels.push_back(batch_kernel::avx512);
  return kernels;
}

std::string kernel_name(batch_kernel kernel) {
  switch (kernel) {
    case batch_kernel::portable:
      return "portable";
    case batch_kernel::avx2:
      return "avx2";
    case batch_kernel::avx512:
      return "avx512";
    default:
      return "automatic";
  }
}

// One prompt's selection through the single-prompt library: first-appearance sample indices.
std::vector<std::int32_t> reference_row(method kind, std::span<const std::uint64_t> ids,
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

std::vector<std::int32_t> selection_row(const batch_selection& s, std::size_t b) {
  std::vector<std::int32_t> out;
  for (std::int32_t r = 0; r < s.size(b); ++r) out.push_back(s.first_index(b, r));
  for (std::size_t r = static_cast<std::size_t>(s.size(b)); r < s.first_index.shape(1); ++r) {
    CHECK(s.first_index(b, r) == -1);
  }
  return out;
}

// A B x N batch whose rows mix few-distinct, many-distinct and all-distinct answers. Scores come
// from a small grid so that equal means (ties) are common; with `wide_scores` they span many
// binades so that group sums are inexact and the order of additions matters.
struct test_batch {
  xt::xtensor<std::uint64_t, 2> ids;
  xt::xtensor<float, 2> scores;
};

test_batch make_batch(std::size_t prompts, std::size_t n, std::uint64_t seed, bool wide_scores) {
  xoshiro256ss rng(seed);
  test_batch batch{xt::xtensor<std::uint64_t, 2>::from_shape({prompts, n}),
                   xt::xtensor<float, 2>::from_shape({prompts, n})};
  for (std::size_t b = 0; b < prompts; ++b) {
    const std::size_t style = b % 4;
    const std::uint64_t distinct = style == 0   ? 1 + uniform_int(rng, 4)
                                   : style == 1 ? 4 + uniform_int(rng, 13)
                                   : style == 2 ? 20 + uniform_int(rng, 60)
                                                : std::uint64_t{1} << 40;
    const std::uint64_t salt = rng();
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t answer = uniform_int(rng, std::min<std::uint64_t>(distinct, 1u << 30));
      batch.ids(b, i) = style == 3 ? rng() : mix64(answer ^ salt);
      if (wide_scores) {
        const double magnitude = std::ldexp(1.0, static_cast<int>(uniform_int(rng, 120)) - 60);
        batch.scores(b, i) = static_cast<float>((uniform01(rng) - 0.5) * magnitude);
      } else {
        batch.scores(b, i) = static_cast<float>(uniform_int(rng, 5)) * 0.25f - 0.5f;
      }
    }
  }
  return batch;
}

void check_batch_against_reference(const test_batch& batch, std::size_t k, double alpha,
                                   empty_filter on_empty, batch_kernel kernel) {
  batch_options options;
  options.kernel = kernel;
  const auto mv = batch_majority_vote(batch.ids, k, options);
  const auto bon = batch_best_of_n(batch.ids, batch.scores, k, options);
  const auto bom = batch_best_of_majority(batch.ids, batch.scores, alpha, k, on_empty, options);
  const std::size_t n = batch.ids.shape(1);
  for (std::size_t b = 0; b < batch.ids.shape(0); ++b) {
    const std::span<const std::uint64_t> ids(batch.ids.data() + b * n, n);
    const std::span<const float> scores(batch.scores.data() + b * n, n);
    INFO("kernel " << kernel_name(kernel) << ", prompt " << b << ", N " << n << ", k " << k
                   << ", alpha " << alpha);
    CHECK(selection_row(mv, b) == reference_row(method::majority, ids, scores, k, 0, on_empty));
    CHECK(selection_row(bon, b) == reference_row(method::best_of_n, ids, scores, k, 0, on_empty));
    CHECK(selection_row(bom, b) ==
          reference_row(method::best_of_majority, ids, scores, k, alpha, on_empty));
  }
}

}  // namespace

TEST_CASE("batch selection: equals single-prompt rules") {
  std::uint64_t seed = 11;
  for (std::size_t n : {1u, 2u, 7u, 63u, 64u, 65u, 130u, 300u}) {
    const test_batch batch = make_batch(24, n, seed++, false);
    for (batch_kernel kernel : supported_kernels()) {
      for (std::size_t k : {1u, 3u, 8u}) {
        for (double alpha : {0.0, 0.05, 0.2, 0.6}) {
          check_batch_against_reference(batch, k, alpha, empty_filter::fallback_max_count, kernel);
        }
      }
      check_batch_against_reference(batch, 2, 0.3, empty_filter::return_empty, kernel);
    }
  }
}

TEST_CASE("batch selection: inexact sums keep order") {
  std::uint64_t seed = 101;
  for (std::size_t n : {16u, 64u, 100u}) {
    const test_batch batch = make_batch(40, n, seed++, true);
    for (batch_kernel kernel : supported_kernels()) {
      check_batch_against_reference(batch, 1, 0.0, empty_filter::fallback_max_count, kernel);
      check_batch_against_reference(batch, 8, 0.1, empty_filter::fallback_max_count, kernel);
    }
  }
}

TEST_CASE("batch selection: degenerate rows") {
  const std::size_t n = 64;
  xt::xtensor<std::uint64_t, 2> ids = xt::xtensor<std::uint64_t, 2>::from_shape({3, n});
  xt::xtensor<float, 2> scores = xt::xtensor<float, 2>::from_shape({3, n});
  for (std::size_t i = 0; i < n; ++i) {
    ids(0, i) = 42;                  // all equal
    ids(1, i) = 1000 + i;            // all distinct
    ids(2, i) = i % 2 == 0 ? 7 : 9;  // two answers with equal counts
    scores(0, i) = 1.0f;
    scores(1, i) = i == 17 || i == 40 ? 2.0f : 0.5f;  // tie at the top between samples 17 and 40
    scores(2, i) = i % 2 == 0 ? -0.0f : 0.0f;         // means -0.0 and +0.0 tie
  }
  for (batch_kernel kernel : supported_kernels()) {
    INFO("kernel " << kernel_name(kernel));
    batch_options options;
    options.kernel = kernel;
    const auto mv = batch_majority_vote(ids, 2, options);
    CHECK(selection_row(mv, 0) == std::vector<std::int32_t>{0});
    CHECK(selection_row(mv, 1) == std::vector<std::int32_t>{0, 1});
    CHECK(selection_row(mv, 2) == std::vector<std::int32_t>{0, 1});
    const auto bon = batch_best_of_n(ids, scores, 3, options);
    CHECK(selection_row(bon, 0) == std::vector<std::int32_t>{0});
    CHECK(selection_row(bon, 1) == std::vector<std::int32_t>{17, 40, 0});
    CHECK(selection_row(bon, 2) == std::vector<std::int32_t>{0, 1});
    const auto bom =
        batch_best_of_majority(ids, scores, 0.5, 1, empty_filter::fallback_max_count, options);
    CHECK(selection_row(bom, 0) == std::vector<std::int32_t>{0});
    CHECK(selection_row(bom, 1) == std::vector<std::int32_t>{17});  // fallback: all counts are 1
    CHECK(selection_row(bom, 2) == std::vector<std::int32_t>{0});
    const auto abstain =
        batch_best_of_majority(ids, scores, 0.5, 1, empty_filter::return_empty, options);
    CHECK(abstain.size(1) == 0);
    CHECK(abstain.first_index(1, 0) == -1);
  }
  // N = 1.
  xt::xtensor<std::uint64_t, 2> one_id = {{5}, {6}};
  xt::xtensor<float, 2> one_score = {{0.25f}, {-3.0f}};
  const auto single = batch_best_of_majority(one_id, one_score, 1.0, 4);
  CHECK(single.size(0) == 1);
  CHECK(single.first_index(0, 0) == 0);
  CHECK(single.first_index(0, 1) == -1);
  CHECK(batch_majority_vote(one_id).first_index(1, 0) == 0);
}

TEST_CASE("batch selection: alpha threshold is exact") {
  // min_count must agree with the double test c / N >= alpha for every count.
  for (std::size_t n : {1u, 3u, 7u, 10u, 64u, 100u, 1000u}) {
    for (double alpha : {0.0, 0.001, 0.005, 0.1, 0.3, 1.0 / 3.0, 0.7, 1.0, 1.5}) {
      const std::size_t c_min = select::detail::min_count(alpha, n);
      for (std::size_t c = 1; c <= n; ++c) {
        const bool passes = static_cast<double>(c) / static_cast<double>(n) >= alpha;
        CHECK_MESSAGE(passes == (c >= c_min), "n " << n << " alpha " << alpha << " c " << c);
      }
    }
  }
}

TEST_CASE("batch selection: NaN score names prompt") {
  test_batch batch = make_batch(6, 64, 5, false);
  batch.scores(4, 37) = std::numeric_limits<float>::quiet_NaN();
  batch.scores(5, 2) = std::numeric_limits<float>::infinity();
  for (batch_kernel kernel : supported_kernels()) {
    for (std::size_t threads : {1u, 2u}) {
      batch_options options;
      options.kernel = kernel;
      options.threads = threads;
      BANDITRY_CHECK_THROWS_WITH(batch_best_of_n(batch.ids, batch.scores, 1, options),
                                 std::domain_error,
                                 "banditry::select::batch_best_of_n: scores[prompt 4, sample 37] "
                                 "must be finite, got nan");
      BANDITRY_CHECK_THROWS_WITH(batch_best_of_majority(batch.ids, batch.scores, 0.1, 1,
                                                        empty_filter::fallback_max_count, options),
                                 std::domain_error, "scores[prompt 4, sample 37]");
      BANDITRY_CHECK_THROWS_WITH(batch_top_k_scores(batch.scores, 8, options), std::domain_error,
                                 "scores[prompt 4, sample 37]");
    }
  }
  batch.scores(4, 37) = 1.0f;
  BANDITRY_CHECK_THROWS_WITH(batch_best_of_n(batch.ids, batch.scores), std::domain_error,
                             "scores[prompt 5, sample 2] must be finite, got inf");
  // Majority voting ignores scores.
  CHECK_NOTHROW(batch_majority_vote(batch.ids));
}

TEST_CASE("batch selection: invalid arguments") {
  const test_batch batch = make_batch(3, 8, 9, false);
  const xt::xtensor<float, 2> short_scores = xt::xtensor<float, 2>::from_shape({3, 7});
  BANDITRY_CHECK_THROWS_WITH(batch_best_of_n(batch.ids, short_scores), std::invalid_argument,
                             "scores shape must be equal to the ids shape (3 x 8), got \"3 x 7\"");
  BANDITRY_CHECK_THROWS_WITH(batch_best_of_majority(batch.ids, batch.scores, -0.1),
                             std::domain_error, "alpha must be finite and >= 0");
  batch_options zero_threads;
  zero_threads.threads = 0;
  BANDITRY_CHECK_THROWS_WITH(batch_majority_vote(batch.ids, 1, zero_threads), std::invalid_argument,
                             "options.threads must be at least 1");
  const std::vector<std::uint64_t> ids{1, 2, 3};
  const std::vector<float> scores{1, 2, 3};
  const std::vector<std::size_t> decreasing{0, 2, 1, 3};
  BANDITRY_CHECK_THROWS_WITH(batch_majority_vote(ids, decreasing), std::invalid_argument,
                             "offsets[2] must be at least offsets[1] = 2, got 1");
  const std::vector<std::size_t> short_total{0, 2};
  BANDITRY_CHECK_THROWS_WITH(batch_best_of_n(ids, scores, short_total), std::invalid_argument,
                             "offsets[B] must be the number of samples (3), got 2");
  const std::vector<std::size_t> nonzero_start{1, 3};
  BANDITRY_CHECK_THROWS_WITH(batch_top_k_scores(scores, nonzero_start), std::invalid_argument,
                             "offsets[0] must be 0, got 1");
  const std::vector<float> fewer_scores{1, 2};
  const std::vector<std::size_t> offsets{0, 3};
  BANDITRY_CHECK_THROWS_WITH(batch_best_of_majority(ids, fewer_scores, offsets, 0.1),
                             std::invalid_argument, "scores size must be equal to the size of ids");
}

TEST_CASE("batch selection: ragged rows and empty rows") {
  xoshiro256ss rng(77);
  std::vector<std::size_t> offsets{0};
  std::vector<std::uint64_t> ids;
  std::vector<float> scores;
  const std::size_t lengths[] = {0, 5, 64, 0, 1, 70, 200, 0, 33, 128};
  for (std::size_t b = 0; b < 40; ++b) {
    const std::size_t n = lengths[b % 10];
    const std::uint64_t distinct = 1 + uniform_int(rng, b % 3 == 0 ? 100 : 6);
    for (std::size_t i = 0; i < n; ++i) {
      ids.push_back(mix64(uniform_int(rng, distinct) + 1000 * b));
      scores.push_back(static_cast<float>(uniform_int(rng, 4)) * 0.5f);
    }
    offsets.push_back(ids.size());
  }
  for (batch_kernel kernel : supported_kernels()) {
    batch_options options;
    options.kernel = kernel;
    for (std::size_t k : {1u, 8u}) {
      const auto mv = batch_majority_vote(ids, offsets, k, options);
      const auto bon = batch_best_of_n(ids, scores, offsets, k, options);
      const auto bom = batch_best_of_majority(ids, scores, offsets, 0.15, k,
                                              empty_filter::fallback_max_count, options);
      const auto top = batch_top_k_scores(scores, offsets, k, options);
      for (std::size_t b = 0; b + 1 < offsets.size(); ++b) {
        INFO("kernel " << kernel_name(kernel) << ", prompt " << b << ", k " << k);
        const std::size_t begin = offsets[b];
        const std::size_t n = offsets[b + 1] - begin;
        const std::span<const std::uint64_t> row_ids(ids.data() + begin, n);
        const std::span<const float> row_scores(scores.data() + begin, n);
        if (n == 0) {
          // An empty row selects nothing.
          CHECK(mv.size(b) == 0);
          CHECK(bon.size(b) == 0);
          CHECK(bom.size(b) == 0);
          CHECK(top.size(b) == 0);
          CHECK(bom.first_index(b, 0) == -1);
          continue;
        }
        const auto fa = empty_filter::fallback_max_count;
        CHECK(selection_row(mv, b) ==
              reference_row(method::majority, row_ids, row_scores, k, 0, fa));
        CHECK(selection_row(bon, b) ==
              reference_row(method::best_of_n, row_ids, row_scores, k, 0, fa));
        CHECK(selection_row(bom, b) ==
              reference_row(method::best_of_majority, row_ids, row_scores, k, 0.15, fa));
        std::vector<std::uint64_t> own_answer(n);
        for (std::size_t i = 0; i < n; ++i) own_answer[i] = i;
        CHECK(selection_row(top, b) ==
              reference_row(method::best_of_n, own_answer, row_scores, k, 0, fa));
      }
    }
  }
}

TEST_CASE("batch top-k scores: equals Best-of-N") {
  for (std::size_t n : {1u, 9u, 64u, 80u}) {
    test_batch batch = make_batch(30, n, 300 + n, false);
    batch.scores(0, 0) = -0.0f;  // -0.0 ties with +0.0 by index
    for (batch_kernel kernel : supported_kernels()) {
      batch_options options;
      options.kernel = kernel;
      for (std::size_t k : {1u, 8u, 100u}) {
        const auto top = batch_top_k_scores(batch.scores, k, options);
        std::vector<std::uint64_t> own_answer(n);
        for (std::size_t i = 0; i < n; ++i) own_answer[i] = i;
        for (std::size_t b = 0; b < batch.scores.shape(0); ++b) {
          INFO("kernel " << kernel_name(kernel) << ", prompt " << b << ", N " << n << ", k " << k);
          const std::span<const float> row(batch.scores.data() + b * n, n);
          CHECK(selection_row(top, b) == reference_row(method::best_of_n, own_answer, row, k, 0,
                                                       empty_filter::fallback_max_count));
        }
      }
    }
  }
}

TEST_CASE("batch selection: threads give identical results") {
  const test_batch batch = make_batch(257, 64, 4242, false);
  for (batch_kernel kernel : supported_kernels()) {
    batch_options one;
    one.kernel = kernel;
    batch_options two = one;
    two.threads = 2;
    CHECK(batch_majority_vote(batch.ids, 3, one).first_index ==
          batch_majority_vote(batch.ids, 3, two).first_index);
    const auto a = batch_best_of_majority(batch.ids, batch.scores, 0.1, 8,
                                          empty_filter::fallback_max_count, one);
    const auto b = batch_best_of_majority(batch.ids, batch.scores, 0.1, 8,
                                          empty_filter::fallback_max_count, two);
    CHECK(a.first_index == b.first_index);
    CHECK(a.size == b.size);
    CHECK(batch_top_k_scores(batch.scores, 8, one).first_index ==
          batch_top_k_scores(batch.scores, 8, two).first_index);
  }
  // Same seed twice gives the same batch and the same selection.
  const test_batch again = make_batch(257, 64, 4242, false);
  CHECK(again.ids == batch.ids);
  CHECK(batch_best_of_n(again.ids, again.scores, 8).first_index ==
        batch_best_of_n(batch.ids, batch.scores, 8).first_index);
}

TEST_CASE("batch selection: kernels agree on large batch") {
  const test_batch batch = make_batch(2000, 64, 99, false);
  batch_options portable;
  portable.kernel = batch_kernel::portable;
  const auto mv = batch_majority_vote(batch.ids, 1, portable);
  const auto bom = batch_best_of_majority(batch.ids, batch.scores, 0.05, 8,
                                          empty_filter::fallback_max_count, portable);
  for (batch_kernel kernel : supported_kernels()) {
    INFO("kernel " << kernel_name(kernel));
    batch_options options;
    options.kernel = kernel;
    CHECK(batch_majority_vote(batch.ids, 1, options).first_index == mv.first_index);
    CHECK(batch_best_of_majority(batch.ids, batch.scores, 0.05, 8, empty_filter::fallback_max_count,
                                 options)
              .first_index == bom.first_index);
  }
}

TEST_CASE("batch selection: sums follow sampling order") {
  // Answer 7 has scores 2^60, 1, -2^60 at samples 1, 5, 9. Added left to right in double the sum
  // is (2^60 + 1) - 2^60 = 0, which ties with answer 3 (mean 0, first at sample 0), so answer 3
  // wins. Adding 2^60 and -2^60 first would give 1 and let answer 7 win.
  xt::xtensor<std::uint64_t, 2> ids = xt::xtensor<std::uint64_t, 2>::from_shape({1, 64});
  xt::xtensor<float, 2> scores = xt::xtensor<float, 2>::from_shape({1, 64});
  for (std::size_t i = 0; i < 64; ++i) {
    ids(0, i) = 5;
    scores(0, i) = -1.0f;
  }
  ids(0, 0) = 3;
  scores(0, 0) = 0.0f;
  for (std::size_t i : {1u, 5u, 9u}) ids(0, i) = 7;
  scores(0, 1) = std::ldexp(1.0f, 60);
  scores(0, 5) = 1.0f;
  scores(0, 9) = -std::ldexp(1.0f, 60);
  for (batch_kernel kernel : supported_kernels()) {
    INFO("kernel " << kernel_name(kernel));
    batch_options options;
    options.kernel = kernel;
    const auto bon = batch_best_of_n(ids, scores, 2, options);
    CHECK(selection_row(bon, 0) == std::vector<std::int32_t>{0, 1});
    const std::span<const std::uint64_t> row_ids(ids.data(), 64);
    const std::span<const float> row_scores(scores.data(), 64);
    CHECK(selection_row(bon, 0) == reference_row(method::best_of_n, row_ids, row_scores, 2, 0,
                                                 empty_filter::fallback_max_count));
  }
}

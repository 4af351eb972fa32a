// Runs the batched selection functions of banditry/select/batch.hpp on 4000 generated prompts, in
// the fixed-N form (B x N xtensors) and the ragged form (flat arrays with B + 1 offsets). The
// first rows are checked against the single-prompt functions group_answers + majority_vote /
// best_of_n / best_of_majority, and the summary prints how often each rule picks the correct
// answer.
//
// Generated prompts: answer id 0 is correct (probability 0.35, score about 0.7), and id 1 is a
// popular wrong answer (0.40, score about 0.4). Ids 2..9 are rare wrong answers (0.25 together)
// with noisy scores that sometimes beat the correct one. Ids are spread over 64 bits, as a hash of
// the answer text would be. expected output: rows checked against the single-prompt API: 16 of 16
// equal
#include <cstdint>
#include <cstdio>
#include <span>
#include <vector>
#include <xtensor/xtensor.hpp>

#include "banditry/core/rng.hpp"
#include "banditry/select.hpp"
#include "banditry/select/batch.hpp"

namespace {

using banditry::xoshiro256ss;

constexpr std::size_t answer_kinds = 10;

// Interned id of answer kind a of prompt b (any 64-bit values work).
std::uint64_t answer_id(std::size_t b, std::size_t a) { return banditry::mix64(b * 64 + a); }

// Draws one sample of prompt b: its id, and a score whose mean depends on correctness.
void draw_sample(xoshiro256ss& rng, std::size_t b, std::uint64_t& id, float& score) {
  const double u = banditry::uniform01(rng);
  std::size_t kind = 0;
  double mean = 0.7;
  double sd = 0.1;
  if (u >= 0.35 && u < 0.75) {
    kind = 1;
    mean = 0.4;
  } else if (u >= 0.75) {
    kind = 2 + banditry::uniform_int(rng, answer_kinds - 2);
    mean = 0.45;
    sd = 0.3;
  }
  id = answer_id(b, kind);
  score = static_cast<float>(banditry::normal(rng, mean, sd));
}

// Fraction of prompts whose first selected answer is the correct id 0.
template <class RowIds>
double accuracy(const banditry::select::batch_selection& s, RowIds&& row_ids) {
  std::size_t hits = 0;
  const std::size_t prompts = s.size.shape(0);
  for (std::size_t b = 0; b < prompts; ++b) {
    if (s.size(b) > 0 && row_ids(b)[s.first_index(b, 0)] == answer_id(b, 0)) ++hits;
  }
  return static_cast<double>(hits) / static_cast<double>(prompts);
}

// Single-prompt result of one row as first-appearance sample indices, for comparison.
std::vector<std::int32_t> single_prompt(std::span<const std::uint64_t> ids,
                                        std::span<const float> scores, int rule, double alpha,
                                        std::size_t k) {
  using namespace banditry::select;
  const std::vector<double> wide(scores.begin(), scores.end());
  const auto grouped = group_answers(ids, std::span<const double>(wide));
  const auto& g = grouped.groups;
  const auto picked = rule == 0   ? majority_vote(g, k)
                      : rule == 1 ? best_of_n(g, k)
                                  : best_of_majority(g, k, alpha);
  std::vector<std::int32_t> out;
  for (std::size_t j : picked) out.push_back(static_cast<std::int32_t>(g.first_appearance[j]));
  return out;
}

bool same_row(const banditry::select::batch_selection& s, std::size_t b,
              const std::vector<std::int32_t>& expected) {
  if (static_cast<std::size_t>(s.size(b)) != expected.size()) return false;
  for (std::size_t r = 0; r < expected.size(); ++r) {
    if (s.first_index(b, r) != expected[r]) return false;
  }
  return true;
}

}  // namespace

int main() {
  using namespace banditry::select;
  constexpr std::size_t prompts = 4000;
  constexpr std::size_t n = 32;
  constexpr std::size_t k = 2;
  constexpr double alpha = 0.2;
  auto rng = banditry::make_stream(1, "example select_batch", 0, 0, banditry::substream::data);

  // Fixed N: B x N row-major arrays.
  xt::xtensor<std::uint64_t, 2> ids = xt::xtensor<std::uint64_t, 2>::from_shape({prompts, n});
  xt::xtensor<float, 2> scores = xt::xtensor<float, 2>::from_shape({prompts, n});
  for (std::size_t b = 0; b < prompts; ++b) {
    for (std::size_t i = 0; i < n; ++i) draw_sample(rng, b, ids(b, i), scores(b, i));
  }
  const batch_options two_threads{.threads = 2};
  const auto mv = batch_majority_vote(ids, k, two_threads);
  const auto bon = batch_best_of_n(ids, scores, k, two_threads);
  const auto bom =
      batch_best_of_majority(ids, scores, alpha, k, empty_filter::fallback_max_count, two_threads);
  // One thread gives the same selections: prompts are split into fixed contiguous ranges.
  const auto bom_one_thread = batch_best_of_majority(ids, scores, alpha, k);
  const bool thread_independent = bom.first_index == bom_one_thread.first_index;

  // Ragged: N_b uniform in {8..64}, rows stored one after another.
  std::vector<std::size_t> offsets{0};
  std::vector<std::uint64_t> flat_ids;
  std::vector<float> flat_scores;
  for (std::size_t b = 0; b < prompts; ++b) {
    const std::size_t row_length = 8 + banditry::uniform_int(rng, 57);
    for (std::size_t i = 0; i < row_length; ++i) {
      std::uint64_t id = 0;
      float score = 0;
      draw_sample(rng, b, id, score);
      flat_ids.push_back(id);
      flat_scores.push_back(score);
    }
    offsets.push_back(flat_ids.size());
  }
  const auto ragged_bom = batch_best_of_majority(flat_ids, flat_scores, offsets, alpha, k);
  const auto ragged_mv = batch_majority_vote(flat_ids, offsets, k);

  // Compare the first rows with the single-prompt API.
  std::size_t checked = 0;
  std::size_t equal = 0;
  for (std::size_t b = 0; b < 4; ++b) {
    const std::span<const std::uint64_t> row_ids(&ids(b, 0), n);
    const std::span<const float> row_scores(&scores(b, 0), n);
    equal += same_row(mv, b, single_prompt(row_ids, row_scores, 0, alpha, k));
    equal += same_row(bon, b, single_prompt(row_ids, row_scores, 1, alpha, k));
    equal += same_row(bom, b, single_prompt(row_ids, row_scores, 2, alpha, k));
    const std::span<const std::uint64_t> ragged_ids(flat_ids.data() + offsets[b],
                                                    offsets[b + 1] - offsets[b]);
    const std::span<const float> ragged_scores(flat_scores.data() + offsets[b],
                                               offsets[b + 1] - offsets[b]);
    equal += same_row(ragged_bom, b, single_prompt(ragged_ids, ragged_scores, 2, alpha, k));
    checked += 4;
  }

  const auto fixed_row = [&](std::size_t b) { return &ids(b, 0); };
  const auto ragged_row = [&](std::size_t b) { return flat_ids.data() + offsets[b]; };
  std::printf("fixed N: %zu prompts x %zu samples, k = %zu\n", prompts, n, k);
  std::printf("  first choice correct: majority %.4f, Best-of-N %.4f, Best-of-Majority %.4f\n",
              accuracy(mv, fixed_row), accuracy(bon, fixed_row), accuracy(bom, fixed_row));
  std::printf("ragged: %zu prompts, %zu samples (N from 8 to 64)\n", prompts, flat_ids.size());
  std::printf("  first choice correct: majority %.4f, Best-of-Majority %.4f\n",
              accuracy(ragged_mv, ragged_row), accuracy(ragged_bom, ragged_row));
  std::printf("1 and 2 threads give the same selections: %s\n", thread_independent ? "yes" : "no");
  std::printf("rows checked against the single-prompt API: %zu of %zu equal\n", equal, checked);
  return equal == checked && thread_independent ? 0 : 1;
}

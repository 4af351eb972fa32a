// Selects answers for one prompt from 16 sampled answers with reward-model scores, using majority
// voting, Best-of-N, Best-of-Majority, soft Best-of-N and weighted majority voting, then computes
// pass@k and maj@4 of the pool, whose correct answer is known.
//
// The pool is built so that the rules disagree: "12" is the most frequent answer but wrong, "19"
// is a rare wrong answer with the highest score (a reward hack), and the correct "17" is frequent
// and well scored. Best-of-Majority keeps answers with frequency >= alpha and then ranks by score,
// so it ignores the rare "19" and the majority's low scores.
// expected output: Best-of-Majority \(alpha 0\.2\), k=1: +17
#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include "banditry/core/rng.hpp"
#include "banditry/select.hpp"

namespace {

void print_selection(const char* label, const banditry::select::grouped_answers<std::string>& g,
                     const std::vector<std::size_t>& selection) {
  std::printf("%-40s", label);
  for (const auto& answer : banditry::select::selected_answers(g, selection)) {
    std::printf(" %s", answer.c_str());
  }
  std::printf("\n");
}

}  // namespace

int main() {
  using namespace banditry::select;
  // Extracted final answers in sampling order. "" means that no answer could be extracted.
  const std::vector<std::string> samples{"12", "17", "12", "",   "17", "12", "19", "17",
                                         "12", "8",  "17", "12", "",   "12", "17", "8"};
  // Per-sample reward-model scores. The score of a sample without an answer is ignored.
  const std::vector<double> scores{0.41, 0.72, 0.38, 0.0,  0.69, 0.44, 0.95, 0.75,
                                   0.40, 0.20, 0.70, 0.39, 0.0,  0.42, 0.74, 0.25};
  const grouping_options options{.aggregate = aggregation::mean, .empty_is_no_answer = true};
  const auto grouped = group_answers(samples, scores, options);
  const auto& g = grouped.groups;

  std::printf("N = %zu samples, %zu distinct answers:\n", g.sample_count, g.size());
  for (std::size_t j = 0; j < g.size(); ++j) {
    std::printf("  %-3s count %zu  frequency %.4f  mean score %.4f\n", grouped.answers[j].c_str(),
                g.counts[j], g.frequencies[j], g.scores[j]);
  }

  print_selection("majority vote, k=1:", grouped, majority_vote(g, 1));
  print_selection("Best-of-N, k=1:", grouped, best_of_n(g, 1));
  print_selection("Best-of-Majority (alpha 0.2), k=1:", grouped, best_of_majority(g, 1, 0.2));
  print_selection("Best-of-Majority (alpha 0.2), k=2:", grouped, best_of_majority(g, 2, 0.2));
  // Soft Best-of-N draws without replacement with weights c_j exp(beta S_j), so the seed fixes the
  // draw.
  banditry::xoshiro256ss rng(7);
  print_selection("soft Best-of-N (beta 1, seed 7), k=2:", grouped, soft_best_of_n(g, 2, 1.0, rng));
  // Weighted majority with exponential weights: a low tau approaches Best-of-N and a high tau
  // approaches majority voting.
  print_selection("weighted majority (exp, tau 0.1), k=1:", grouped,
                  weighted_majority(g, 1, vote_weight::exponential, 0.1));
  print_selection("weighted majority (exp, tau 0.5), k=1:", grouped,
                  weighted_majority(g, 1, vote_weight::exponential, 0.5));

  // Accuracy measures of the whole pool, with "17" as the gold answer.
  const auto pool = make_pool(
      std::span<const std::string>(samples), std::span<const double>(scores),
      [](const std::string& answer) { return answer == "17"; }, options);
  std::printf("pool: n = %zu, correct c = %zu\n", pool.size(), pool.correct_count());
  for (std::size_t k : {1, 4, 8}) {
    std::printf("  pass@%zu = %.4f\n", k, unbiased_pass_at_k(pool.size(), pool.correct_count(), k));
  }
  // maj@4: accuracy of majority voting on a random 4-sample subset, exact over all C(16, 4) = 1820
  // subsets because first-appearance ties make the rule deterministic.
  const selection_rule majority{.kind = method::majority, .k = 1};
  const auto maj4 = subset_pass_rate(pool, majority, 4, 5000, rng);
  std::printf("  maj@4 = %.4f (%s over %zu subsets)\n", maj4.mean,
              maj4.exact ? "exact" : "resampled", maj4.subsets);
  return 0;
}

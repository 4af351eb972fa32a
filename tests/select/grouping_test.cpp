// Tests of the grouping step: distinct answers, counts, first appearance, no-answer samples, score
// aggregation, hash collisions and input validation.
#include "banditry/select/grouping.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "support/test_support.hpp"

using namespace banditry::select;

namespace {

// Every string hashes to the same bucket: grouping must still separate different answers.
struct colliding_hash {
  std::size_t operator()(const std::string&) const noexcept { return 42; }
};

const double missing_score = std::numeric_limits<double>::quiet_NaN();

}  // namespace

TEST_CASE("grouping: counts and first appearance") {
  const std::vector<std::string> samples{"b", "a", "b", "c", "a", "b"};
  const auto g = group_answers(samples);
  CHECK(g.answers == std::vector<std::string>{"b", "a", "c"});
  CHECK(g.groups.counts == std::vector<std::size_t>{3, 2, 1});
  CHECK(g.groups.first_appearance == std::vector<std::size_t>{0, 1, 3});
  CHECK(g.groups.sample_count == 6);
  CHECK(g.groups.frequencies[0] == 0.5);
  CHECK(g.groups.frequencies[2] == 1.0 / 6.0);
  CHECK(g.groups.group_of == std::vector<std::size_t>{0, 1, 0, 2, 1, 0});
  CHECK(g.groups.scores.empty());
}

TEST_CASE("grouping: aggregation mean max sum") {
  const std::vector<int> samples{7, 3, 7, 7};
  const std::vector<double> scores{1.0, -2.0, 4.0, 0.5};
  const auto mean = group_answers(samples, scores);
  CHECK(mean.groups.scores == std::vector<double>{(1.0 + 4.0 + 0.5) / 3, -2.0});
  const auto max = group_answers(samples, scores, {.aggregate = aggregation::max});
  CHECK(max.groups.scores == std::vector<double>{4.0, -2.0});
  const auto sum = group_answers(samples, scores, {.aggregate = aggregation::sum});
  CHECK(sum.groups.scores == std::vector<double>{5.5, -2.0});
}

TEST_CASE("grouping: exact under hash collisions") {
  const std::vector<std::string> samples{"x", "y", "x", "z", "y", "x"};
  const auto g = group_answers<std::string, colliding_hash>(samples);
  CHECK(g.answers == std::vector<std::string>{"x", "y", "z"});
  CHECK(g.groups.counts == std::vector<std::size_t>{3, 2, 1});
}

TEST_CASE("grouping: empty answers count in N") {
  const std::vector<std::string> samples{"", "a", "", "a", "b"};
  const std::vector<double> scores{missing_score, 1.0, missing_score, 3.0, 2.0};
  const auto g = group_answers(samples, scores, {.empty_is_no_answer = true});
  CHECK(g.answers == std::vector<std::string>{"a", "b"});
  CHECK(g.groups.sample_count == 5);
  CHECK(g.groups.frequencies[0] == 0.4);
  CHECK(g.groups.first_appearance == std::vector<std::size_t>{1, 4});
  CHECK(g.groups.group_of[0] == no_group);
  CHECK(g.groups.scores == std::vector<double>{2.0, 2.0});
  // Without the option the empty string is an ordinary answer and its NaN score is an error.
  BANDITRY_CHECK_THROWS_WITH(group_answers(samples, scores), std::domain_error, "scores[0]");
  const auto plain = group_answers(samples);
  CHECK(plain.answers.size() == 3);
}

TEST_CASE("grouping: optional answers and all missing") {
  const std::vector<std::optional<int>> samples{std::nullopt, 4, std::nullopt};
  const auto g = group_answers(samples);
  CHECK(g.answers == std::vector<int>{4});
  CHECK(g.groups.frequencies[0] == 1.0 / 3.0);
  const std::vector<std::optional<int>> none{std::nullopt, std::nullopt};
  const auto empty = group_answers(none);
  CHECK(empty.groups.empty());
  CHECK(empty.groups.sample_count == 2);
}

TEST_CASE("grouping: rejects bad input") {
  const std::vector<int> samples{1, 2};
  BANDITRY_CHECK_THROWS_WITH(group_answers(std::vector<int>{}), std::invalid_argument,
                             "banditry::select::group_answers: answers size must be positive");
  BANDITRY_CHECK_THROWS_WITH(group_answers(samples, std::vector<double>{1.0}),
                             std::invalid_argument, "scores size must be equal");
  BANDITRY_CHECK_THROWS_WITH(group_answers(samples, std::vector<double>{1.0, missing_score}),
                             std::domain_error, "scores[1] must be finite");
  BANDITRY_CHECK_THROWS_WITH(
      group_answers(samples, std::vector<double>{std::numeric_limits<double>::infinity(), 1.0}),
      std::domain_error, "scores[0]");
}

TEST_CASE("grouping: caller equality predicate") {
  const std::vector<std::string> samples{"1/2", "0.5", "3", "0.50"};
  auto same = [](const std::string& a, const std::string& b) {
    auto value = [](const std::string& s) {
      const auto slash = s.find('/');
      if (slash == std::string::npos) return std::stod(s);
      return std::stod(s.substr(0, slash)) / std::stod(s.substr(slash + 1));
    };
    return value(a) == value(b);
  };
  const auto g = group_answers_with(std::span<const std::string>(samples), {}, same);
  CHECK(g.answers == std::vector<std::string>{"1/2", "3"});
  CHECK(g.groups.counts == std::vector<std::size_t>{3, 1});
}

TEST_CASE("grouping: dense ids match hashing") {
  const std::vector<std::int64_t> ids{5, -1, 2, 5, 0, 2, 5};
  const std::vector<double> scores{1, missing_score, 2, 3, 4, 5, 6};
  std::vector<std::int64_t> answer_ids;
  const auto g = group_ids(ids, 6, scores, aggregation::max, -1, &answer_ids);
  CHECK(answer_ids == std::vector<std::int64_t>{5, 2, 0});
  CHECK(g.counts == std::vector<std::size_t>{3, 2, 1});
  CHECK(g.scores == std::vector<double>{6, 5, 4});
  CHECK(g.frequencies[0] == 3.0 / 7.0);
  BANDITRY_CHECK_THROWS_WITH(group_ids(ids, 5), std::invalid_argument, "ids[0]");
}

TEST_CASE("grouping: groups from counts") {
  const std::vector<std::size_t> counts{3, 1};
  const std::vector<double> scores{0.5, 0.25};
  const auto g = groups_from_counts(counts, scores, 5);
  CHECK(g.frequencies == std::vector<double>{0.6, 0.2});
  CHECK(g.first_appearance == std::vector<std::size_t>{0, 1});
  CHECK(g.scores == scores);
  BANDITRY_CHECK_THROWS_WITH(groups_from_counts(counts, scores, 3), std::invalid_argument,
                             "sum of counts must be at most sample_count = 3");
  const std::vector<std::size_t> zero{0};
  BANDITRY_CHECK_THROWS_WITH(groups_from_counts(zero, {}, 3), std::invalid_argument, "counts[0]");
}

TEST_CASE("grouping: mean of huge scores") {
  // Mean of {1e308, 1e308} is 1e308 exactly; the plain sum 2e308 overflows.
  const std::vector<std::string> samples{"x", "y", "x"};
  const auto g = group_answers(samples, std::vector<double>{1e308, 0, 1e308}).groups;
  CHECK(g.scores[0] == 1e308);
  CHECK(g.scores[1] == 0);
  // (1.5e308 + 1.7e308 - 1.6e308) / 3 = 0.5333...e308, computed in long double (wider exponent).
  const auto h =
      group_answers(std::vector<int>{7, 7, 7}, std::vector<double>{1.5e308, 1.7e308, -1.6e308})
          .groups;
  const long double reference = (1.5e308L + 1.7e308L - 1.6e308L) / 3.0L;
  CHECK(h.scores[0] == doctest::Approx(static_cast<double>(reference)).epsilon(1e-15));
  // Normal inputs keep the plain sum divided once by the count, bit for bit.
  const auto n =
      group_answers(std::vector<int>{1, 1, 1}, std::vector<double>{0.1, 0.2, 0.7}).groups;
  CHECK(n.scores[0] == (0.1 + 0.2 + 0.7) / 3.0);
}

TEST_CASE("grouping: counts overflow and ids") {
  const std::size_t huge = std::numeric_limits<std::size_t>::max();
  BANDITRY_CHECK_THROWS_WITH(
      groups_from_counts(std::vector<std::size_t>{huge, 2}, {}, 5), std::invalid_argument,
      "banditry::select::groups_from_counts: sum of counts must be at most sample_count = 5");
  BANDITRY_CHECK_THROWS_WITH(groups_from_counts(std::vector<std::size_t>{huge, 1}, {}, huge),
                             std::invalid_argument, "sum of counts");
  BANDITRY_CHECK_THROWS_WITH(group_ids(std::vector<std::int64_t>{}, 3), std::invalid_argument,
                             "banditry::select::group_ids: ids size must be positive");
}

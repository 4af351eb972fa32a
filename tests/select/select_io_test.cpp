// Tests of the command-line input formats: parsing, conversions and error messages that name the
// line and the field.
#include "../../tools/select_io.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "banditry/select/grouping.hpp"
#include "banditry/select/pass_at_k.hpp"
#include "banditry/select/rules.hpp"
#include "support/test_support.hpp"

using namespace banditry;
using namespace banditry::tool;

namespace {

std::vector<prompt_record> read(const std::string& text,
                                select_format format = select_format::jsonl) {
  std::istringstream in(text);
  return read_prompts(in, format);
}

}  // namespace

TEST_CASE("select io: native line with extras") {
  const auto r =
      read(R"({"id": 7, "answers": ["4", 4, null, "", "5"], "scores": [1, "2.5", null, null, -1],)"
           R"( "gold": 4, "model": "x"})");
  REQUIRE(r.size() == 1);
  CHECK(r[0].id == "7");
  CHECK(r[0].answers == std::vector<std::string>{"4", "4", "", "", "5"});
  CHECK(r[0].scores[1] == 2.5);
  CHECK(std::isnan(r[0].scores[2]));
  CHECK(r[0].gold == "4");
  CHECK(r[0].line == 1);
  const auto g =
      select::group_answers(std::span<const std::string>(r[0].answers),
                            std::span<const double>(r[0].scores), {.empty_is_no_answer = true});
  CHECK(g.answers == std::vector<std::string>{"4", "5"});
  CHECK(g.groups.frequencies[0] == 0.4);
}

TEST_CASE("select io: blank lines and line numbers") {
  const auto r = read("{\"answers\": [\"a\"]}\n\n{\"answers\": [\"b\"]}\r\n");
  REQUIRE(r.size() == 2);
  CHECK(r[1].line == 3);
  CHECK(r[0].scores.empty());
  CHECK(!r[0].gold);
}

TEST_CASE("select io: errors name line and field") {
  auto fails = [](const std::string& text, const std::string& fragment) {
    bool thrown = false;
    try {
      (void)read(text);
    } catch (const input_error& e) {
      thrown = true;
      CHECK_MESSAGE(std::string(e.what()).find(fragment) != std::string::npos, e.what());
    }
    CHECK_MESSAGE(thrown, text);
  };
  fails("{\"answers\": [\"a\"]}\n{\"answers\": [\"a\"], ", "line 2: not valid JSON");
  fails("{\"id\": 1}", "line 1: field \"answers\": is missing");
  fails("{\"answers\": []}", "field \"answers\": must not be empty");
  fails("{\"answers\": \"a\"}", "field \"answers\": must be a list");
  fails("{\"answers\": [\"a\", \"b\"], \"scores\": [1]}",
        "field \"scores\": must have one score per answer (2), got 1");
  fails("{\"answers\": [\"a\"], \"scores\": [\"high\"]}", "field \"scores[0]\": must be a number");
  fails("{\"answers\": [\"a\"], \"scores\": [\"nan\"]}", "field \"scores[0]\": must be finite");
  fails("{\"answers\": [\"a\"], \"scores\": [null]}", "must be a number for a sample that has an");
  fails("{\"answers\": [[1]]}", "field \"answers[0]\": must be a string, a number or null");
  fails("[1, 2]", "line 1: must be a JSON object");
}

TEST_CASE("select io: answer pool format") {
  const std::string line =
      R"({"problem_num": 71, "total_answers": 4, "answer_counts": {"C": 2, "": 1, "B": 1},)"
      R"( "gold_answer": "C", "majority_answer": "C",)"
      R"( "all_answers": [["C", 100], ["", 50], ["B", 20], ["C", 300]]})";
  const auto r = read(line, select_format::answer_pools);
  REQUIRE(r.size() == 1);
  CHECK(r[0].id == "71");
  CHECK(r[0].scores == std::vector<double>{-100, -50, -20, -300});
  CHECK(r[0].recorded_majority == "C");
  const auto g = select::group_answers(
      std::span<const std::string>(r[0].answers), std::span<const double>(r[0].scores),
      {.aggregate = select::aggregation::max, .empty_is_no_answer = true});
  CHECK(g.answers[select::majority_vote(g.groups, 1).at(0)] == "C");
  CHECK(g.answers[select::best_of_n(g.groups, 1).at(0)] == "B");  // shortest completion
  BANDITRY_CHECK_THROWS_WITH(
      read(R"({"problem_num": 1, "total_answers": 3, "all_answers": [["A", 1]]})",
           select_format::answer_pools),
      input_error, "field \"total_answers\": must equal the length of all_answers (1), got 3");
  BANDITRY_CHECK_THROWS_WITH(
      read(R"({"problem_num": 1, "all_answers": [["A"]]})", select_format::answer_pools),
      input_error, "field \"all_answers[0]\": must be [answer, tokens]");
}

TEST_CASE("select io: reward score format") {
  const std::string text =
      R"([{"problem": "p", "solution_reference": ["human_to_GPT-4", "m", "m"],)"
      R"( "score": [0.5, 0.5, 0.25]}])";
  const auto r = read(text, select_format::reward_scores);
  REQUIRE(r.size() == 1);
  CHECK(r[0].answers == std::vector<std::string>{"0:human_to_GPT-4", "1:m", "2:m"});
  CHECK(r[0].gold == "0:human_to_GPT-4");
  BANDITRY_CHECK_THROWS_WITH(
      read(R"([{"solution_reference": ["a"], "score": [1, 2]}])", select_format::reward_scores),
      input_error, "element 1: field \"score\"");
  BANDITRY_CHECK_THROWS_WITH(
      read(R"([{"solution_reference": ["a"], "score": [1]}])", select_format::reward_scores),
      input_error, "must contain the label human_to_GPT-4");
  CHECK(parse_select_format("answer-pools") == select_format::answer_pools);
  CHECK(!parse_select_format("csv"));
}

TEST_CASE("select io: real pools reproduce majority") {
  const auto data = banditry::test::shared_data();
  if (!data) {
    MESSAGE("shared data folder absent: skipping the real-pool check");
    return;
  }
  for (const char* name : {"analysis_aime2025_Qwen3-4B.jsonl",
                           "analysis_gpqa_diamond_Qwen3-30B-A3B-Thinking-2507.jsonl",
                           "analysis_math500_Qwen3-14B.jsonl"}) {
    std::ifstream in(*data / "answer-pools" / name);
    if (!in) {
      MESSAGE("answer pool file absent: skipping " << name);
      continue;
    }
    const auto records = read_prompts(in, select_format::answer_pools);
    std::size_t mismatches = 0;
    for (const auto& r : records) {
      const auto g =
          select::group_answers(std::span<const std::string>(r.answers),
                                std::span<const double>(r.scores), {.empty_is_no_answer = true});
      mismatches += g.answers[select::majority_vote(g.groups, 1).at(0)] != r.recorded_majority;
    }
    CHECK(mismatches == 0);
  }
}

TEST_CASE("select io: AIME pool exact table") {
  const auto data = banditry::test::shared_data();
  const auto path =
      data ? *data / "answer-pools" / "analysis_aime2025_Qwen3-4B.jsonl" : std::filesystem::path();
  if (!data || !std::filesystem::exists(path)) {
    MESSAGE("AIME answer pool absent: skipping the exact-table check");
    return;
  }
  std::ifstream in(path);
  const auto records = read_prompts(in, select_format::answer_pools);
  REQUIRE(records.size() == 30);
  double mv = 0;
  double shortest = 0;
  double bom_mean = 0;
  double pass64 = 0;
  for (const auto& r : records) {
    const select::grouping_options mean_options{.empty_is_no_answer = true};
    const select::grouping_options max_options{.aggregate = select::aggregation::max,
                                               .empty_is_no_answer = true};
    const auto g = select::group_answers(std::span<const std::string>(r.answers),
                                         std::span<const double>(r.scores), mean_options);
    const auto gm = select::group_answers(std::span<const std::string>(r.answers),
                                          std::span<const double>(r.scores), max_options);
    mv += g.answers[select::majority_vote(g.groups, 1).at(0)] == r.gold;
    shortest += gm.answers[select::best_of_n(gm.groups, 1).at(0)] == r.gold;
    bom_mean += g.answers[select::best_of_majority(g.groups, 1, 0.1).at(0)] == r.gold;
    std::size_t c = 0;
    for (const auto& a : r.answers) c += a == r.gold;
    pass64 += select::unbiased_pass_at_k(r.answers.size(), c, 64);
  }
  // Reference values: 22, 23 and 21 of 30 problems; pass@64 = 0.8600 to 4 decimals.
  CHECK(mv == 22);
  CHECK(shortest == 23);
  CHECK(bom_mean == 21);
  CHECK(std::abs(pass64 / 30 - 0.8600) < 1e-4);
}

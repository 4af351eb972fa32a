// Tests of the command-line input formats: parsing, conversions and error messages that name the
// line and the field.
#include "../../tools/select_io.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "../../tools/input_file.hpp"
#include "../../tools/select_estimate.hpp"
#include "../../tools/select_options.hpp"
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

select_settings with_given(select_settings settings, std::vector<std::string> given) {
  settings.given = std::move(given);
  return settings;
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
      read(R"({"problem_num": 1, "total_answers": 1, "all_answers": [["A"]]})",
           select_format::answer_pools),
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

TEST_CASE("select options: negative whole numbers rejected") {
  CHECK(parse_whole_number("5", "--k", 1) == 5);
  CHECK(parse_whole_number("0", "--seed", 0) == 0);
  CHECK(parse_whole_number("18446744073709551615", "--seed", 0) == 18446744073709551615ULL);
  BANDITRY_CHECK_THROWS_WITH(parse_whole_number("-1", "--k", 1), input_error,
                             "option --k: must be a whole number >= 1 (at most 2^64 - 1), got -1");
  BANDITRY_CHECK_THROWS_WITH(parse_whole_number("-1", "--seed", 0), input_error,
                             "option --seed: must be a whole number >= 0");
  BANDITRY_CHECK_THROWS_WITH(parse_whole_number("-1", "--resamples", 2), input_error,
                             "option --resamples: must be a whole number >= 2");
  BANDITRY_CHECK_THROWS_WITH(parse_whole_number("1", "--resamples", 2), input_error, "got 1");
  BANDITRY_CHECK_THROWS_WITH(parse_whole_number("0", "--k", 1), input_error, "got 0");
  BANDITRY_CHECK_THROWS_WITH(parse_whole_number("18446744073709551616", "--seed", 0), input_error,
                             "at most 2^64 - 1");
  BANDITRY_CHECK_THROWS_WITH(parse_whole_number("+3", "--k", 1), input_error, "got +3");
  BANDITRY_CHECK_THROWS_WITH(parse_whole_number("2.5", "--k", 1), input_error, "got 2.5");
  BANDITRY_CHECK_THROWS_WITH(parse_whole_number("", "--k", 1), input_error, "option --k");
  BANDITRY_CHECK_THROWS_WITH(parse_k_list("2,-1"), input_error,
                             "option --k: must be a comma-separated list of whole numbers >= 1, "
                             "got \"2,-1\"");
}

TEST_CASE("select input: directory and missing file") {
  const auto folder = std::filesystem::temp_directory_path() / "banditry_select_io_folder";
  std::filesystem::create_directories(folder);
  BANDITRY_CHECK_THROWS_WITH(check_input_path(folder.string(), "input", true),
                             std::invalid_argument,
                             "input: " + folder.string() + " is a directory, expected a file");
  BANDITRY_CHECK_THROWS_WITH(read_input((folder / "absent.jsonl").string(), "input", true),
                             std::invalid_argument, "input: file not found: ");
  CHECK_NOTHROW(check_input_path("-", "input", true));
  std::filesystem::remove(folder);
}

TEST_CASE("select io: number overflow names field") {
  BANDITRY_CHECK_THROWS_WITH(
      read("{\"answers\": [\"a\"]}\n{\"id\":1,\"answers\":[\"a\",\"b\"],\"scores\":[1e999,1]}"),
      input_error, "line 2: field \"scores[0]\": 1e999 is not a finite number");
  BANDITRY_CHECK_THROWS_WITH(read(R"({"answers": ["a", -1e400]})"), input_error,
                             "line 1: field \"answers[1]\": -1e400 is not a finite number");
  BANDITRY_CHECK_THROWS_WITH(
      read(R"({"problem_num": 1, "total_answers": 2, "all_answers": [["A", 3], ["B", 1e400]]})",
           select_format::answer_pools),
      input_error, "line 1: field \"all_answers[1][1]\": 1e400 is not a finite number");
  BANDITRY_CHECK_THROWS_WITH(
      read(R"([{"solution_reference": ["human_to_GPT-4"], "score": [1]},)"
           R"( {"solution_reference": ["human_to_GPT-4", "m"], "score": [0, 2e999]}])",
           select_format::reward_scores),
      input_error, "element 2: field \"score[1]\": 2e999 is not a finite number");
  BANDITRY_CHECK_THROWS_WITH(read(R"({"answers": ["a"], "scores": ["1e999"]})"), input_error,
                             "line 1: field \"scores[0]\": \"1e999\" is not a finite number");
  BANDITRY_CHECK_THROWS_WITH(read("1e999"), input_error, "line 1: 1e999 is not a finite number");
}

TEST_CASE("select io: canonical number text") {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"70", "70"},
      {"70.0", "70"},
      {"7e1", "70"},
      {"700e-1", "70"},
      {"7.0E+1", "70"},
      {"70.5", "70.5"},
      {"-0", "0"},
      {"0.0", "0"},
      {"-0.0", "0"},
      {"0e5", "0"},
      {"-12.50", "-12.5"},
      {"0.5e-2", "0.005"},
      {"0.000001", "0.000001"},
      {"1e-7", "1e-7"},
      {"-1.25e-9", "-1.25e-9"},
      {"12345678901234567890123", "12345678901234567890123"},
      {"1.2345678901234567890123e22", "12345678901234567890123"},
      {"1e63", "1" + std::string(63, '0')},
      {"1.5e64", "1.5e64"},
      {"100e62", "1e64"}};
  for (const auto& [literal, expected] : cases) {
    CHECK_MESSAGE(canonical_number_text(literal) == expected, literal);
  }
  BANDITRY_CHECK_THROWS_WITH(canonical_number_text("1."), input_error, "not a JSON number");
  BANDITRY_CHECK_THROWS_WITH(canonical_number_text("e5"), input_error, "not a JSON number");
  BANDITRY_CHECK_THROWS_WITH(canonical_number_text("1e"), input_error, "not a JSON number");
}

TEST_CASE("select io: numeric answers compare by value") {
  const auto r = read(R"({"answers": [70.0, 7e1, 70.5, "70.0", 70], "gold": "70"})"
                      "\n"
                      R"({"answers": [-0, 0, 0.0, -0.0, 12345678901234567890123], "gold": 0.0})");
  REQUIRE(r.size() == 2);
  CHECK(r[0].answers == std::vector<std::string>{"70", "70", "70.5", "70.0", "70"});
  CHECK(r[0].gold == "70");
  CHECK(r[1].answers == std::vector<std::string>{"0", "0", "0", "0", "12345678901234567890123"});
  CHECK(r[1].gold == "0");
  const auto g = select::group_answers(std::span<const std::string>(r[1].answers));
  CHECK(g.answers.size() == 2);
  BANDITRY_CHECK_THROWS_WITH(read(R"({"answers": [true, false, "true"]})"), input_error,
                             "line 1: field \"answers[0]\": must be a string, a number or null, "
                             "got boolean");
  BANDITRY_CHECK_THROWS_WITH(read(R"({"answers": ["true"], "gold": true})"), input_error,
                             "field \"gold\": must be a string, a number or null, got boolean");
  BANDITRY_CHECK_THROWS_WITH(
      read(R"({"problem_num": 1, "total_answers": 1, "gold_answer": false,)"
           R"( "all_answers": [["A", 3]]})",
           select_format::answer_pools),
      input_error, "field \"gold_answer\": must be a string, a number or null, got boolean");
}

TEST_CASE("select options: k list sorted without repeats") {
  CHECK(parse_k_list("1,1") == std::vector<std::uint64_t>{1});
  CHECK(parse_k_list("2,1") == std::vector<std::uint64_t>{1, 2});
  CHECK(parse_k_list("16,4,1,4") == std::vector<std::uint64_t>{1, 4, 16});
  for (const char* bad : {"", ",", "1,", ",1", "1,,2", "0", "a", "1;2"}) {
    BANDITRY_CHECK_THROWS_WITH(parse_k_list(bad), input_error, "option --k:");
  }
}

TEST_CASE("estimate report: k independent and ordered") {
  // Four prompts of 20 samples; random ties make maj@k and bon@k use the generators.
  std::string text;
  for (int p = 0; p < 4; ++p) {
    text += R"({"id": )" + std::to_string(p) + R"(, "gold": "a", "answers": [)";
    std::string scores;
    for (int i = 0; i < 20; ++i) {
      const char* answer = (i * (p + 3)) % 5 < 2 ? "a" : ((i + p) % 3 == 0 ? "b" : "c");
      text += std::string(i ? ", " : "") + "\"" + answer + "\"";
      scores += (i ? ", " : "") + std::to_string((i * 7 + p) % 11);
    }
    text += "], \"scores\": [" + scores + "]}\n";
  }
  const auto records = read(text);
  estimate_settings settings;
  settings.resamples = 50;
  settings.seed = 9;
  settings.ks = parse_k_list("1");
  const auto alone = estimate_report(records, settings);
  settings.ks = parse_k_list("16,1,2,4,1");
  const auto together = estimate_report(records, settings);
  CHECK(together["k"] == nlohmann::ordered_json{1, 2, 4, 16});
  for (const char* estimator : {"pass@k", "maj@k", "bon@k"}) {
    CHECK_MESSAGE(alone[estimator]["1"] == together[estimator]["1"], estimator);
    std::vector<std::string> keys;
    for (const auto& item : together[estimator].items()) keys.push_back(item.key());
    CHECK(keys == std::vector<std::string>{"1", "2", "4", "16"});
  }
  // The k = 4 maj@k mean recomputed with the documented generator of each prompt.
  double mean = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto pool = select::make_pool(
        std::span<const std::string>(records[i].answers), std::span<const double>(),
        [](const std::string& a) { return a == "a"; }, {.empty_is_no_answer = true});
    auto rng = estimate_generator(9, "maj@k", i, 4);
    const select::selection_rule rule{
        .kind = select::method::majority, .k = 1, .ties = select::tie_break::random};
    mean += select::subset_pass_rate(pool, rule, 4, 50, rng).mean / 4;
  }
  CHECK(together["maj@k"]["4"]["mean"].get<double>() == doctest::Approx(mean).epsilon(1e-15));
  const auto again = estimate_report(records, settings);
  CHECK(again == together);
}

TEST_CASE("estimate report: interval clipped to unit") {
  // Two prompts, one always right and one right in 19 of 20 samples: pass@1 = 0.975 with
  // se_prompts 0.025, so mean + 1.96 se = 1.024 is clipped.
  std::string wrong(R"("b")");
  std::string answers;
  for (int i = 0; i < 19; ++i) answers += R"("a", )";
  const auto records = read(R"({"gold": "a", "answers": [)" + answers + R"("a"]})" + "\n" +
                            R"({"gold": "a", "answers": [)" + answers + wrong + "]}");
  estimate_settings settings;
  const auto report = estimate_report(records, settings);
  CHECK(report["pass@k"]["1"]["mean"].get<double>() == doctest::Approx(0.975));
  CHECK(report["pass@k"]["1"]["ci_hi"].get<double>() == 1.0);
  CHECK(report["pass@k"]["1"]["ci_lo"].get<double>() == doctest::Approx(0.975 - 1.96 * 0.025));
  CHECK(report["bon@k"].is_null());
}

TEST_CASE("select options: ranges and method applicability") {
  const select_settings base;
  CHECK_NOTHROW(make_select_rule(base));
  auto with = [&](auto change) {
    auto s = base;
    change(s);
    return s;
  };
  BANDITRY_CHECK_THROWS_WITH(make_select_rule(with([](auto& s) { s.alpha = -1; })), input_error,
                             "option --alpha: must be a frequency threshold in [0, 1], got -1");
  BANDITRY_CHECK_THROWS_WITH(make_select_rule(with([](auto& s) { s.alpha = 1.5; })), input_error,
                             "option --alpha: must be a frequency threshold in [0, 1], got 1.5");
  BANDITRY_CHECK_THROWS_WITH(make_select_rule(with([](auto& s) { s.alpha = std::nan(""); })),
                             input_error, "option --alpha:");
  BANDITRY_CHECK_THROWS_WITH(make_select_rule(with([](auto& s) { s.tau = 0; })), input_error,
                             "option --tau: must be finite and > 0, got 0");
  BANDITRY_CHECK_THROWS_WITH(make_select_rule(with([](auto& s) { s.beta = std::nan(""); })),
                             input_error, "option --beta: must be a finite number, got nan");
  BANDITRY_CHECK_THROWS_WITH(make_select_rule(with([](auto& s) { s.k = 0; })), input_error,
                             "option --k: must be at least 1");
  BANDITRY_CHECK_THROWS_WITH(make_select_rule(with([](auto& s) { s.method = "vote"; })),
                             input_error, "option --method: must be majority");
  // Options that the method ignores.
  BANDITRY_CHECK_THROWS_WITH(make_select_rule(with_given(base, {"--beta"})), input_error,
                             "option --beta: applies only to --method soft-best-of-n, not to "
                             "--method majority");
  BANDITRY_CHECK_THROWS_WITH(make_select_rule(with_given(base, {"--alpha"})), input_error,
                             "option --alpha: applies only to --method best-of-majority");
  BANDITRY_CHECK_THROWS_WITH(make_select_rule(with_given(base, {"--aggregate"})), input_error,
                             "option --aggregate: applies only to methods that use scores");
  auto weighted = with([](auto& s) {
    s.method = "weighted-majority";
    s.weight = "unit";
  });
  BANDITRY_CHECK_THROWS_WITH(make_select_rule(with_given(weighted, {"--weight", "--tau"})),
                             input_error,
                             "option --tau: applies only to --method "
                             "weighted-majority with --weight exponential");
  auto soft = with([](auto& s) { s.method = "soft-best-of-n"; });
  BANDITRY_CHECK_THROWS_WITH(make_select_rule(with_given(soft, {"--ties"})), input_error,
                             "option --ties: applies only to ranking methods");
  CHECK_NOTHROW(make_select_rule(with_given(soft, {"--beta", "--aggregate", "--seed", "--k"})));
  auto bom = with([](auto& s) {
    s.method = "best-of-majority";
    s.alpha = 1;
  });
  const auto [rule, aggregate] =
      make_select_rule(with_given(bom, {"--alpha", "--empty-filter", "--ties", "--aggregate"}));
  CHECK(rule.kind == select::method::best_of_majority);
  CHECK(rule.alpha == 1);
  CHECK(aggregate == select::aggregation::mean);
}

TEST_CASE("select io: answer pool fields checked") {
  const auto pool = [](const std::string& fields) {
    return read(R"({"problem_num": 1, )" + fields + "}", select_format::answer_pools);
  };
  BANDITRY_CHECK_THROWS_WITH(pool(R"("all_answers": [["A", 1]])"), input_error,
                             "line 1: field \"total_answers\": is missing");
  BANDITRY_CHECK_THROWS_WITH(pool(R"("total_answers": "1", "all_answers": [["A", 1]])"),
                             input_error,
                             "field \"total_answers\": must be a whole number >= 0, got string");
  BANDITRY_CHECK_THROWS_WITH(pool(R"("total_answers": 1, "all_answers": [["A", -5]])"), input_error,
                             "field \"all_answers[0][1]\": must be a whole number >= 0, got -5");
  BANDITRY_CHECK_THROWS_WITH(pool(R"("total_answers": 1, "all_answers": [["A", 2.5]])"),
                             input_error, "field \"all_answers[0][1]\": must be a whole number");
  BANDITRY_CHECK_THROWS_WITH(pool(R"("total_answers": 1, "all_answers": [["A", "7"]])"),
                             input_error, "field \"all_answers[0][1]\": must be a whole number");
  const auto ok = pool(R"("total_answers": 2.0, "all_answers": [["A", 7], [1.50, 0]])");
  CHECK(ok[0].scores == std::vector<double>{-7, -0.0});
  CHECK(ok[0].answers == std::vector<std::string>{"A", "1.5"});
}

TEST_CASE("select io: ids and repeated keys") {
  BANDITRY_CHECK_THROWS_WITH(read(R"({"answers": ["a"], "answers": ["b"]})"), input_error,
                             "line 1: field \"answers\": appears twice in one object");
  BANDITRY_CHECK_THROWS_WITH(read(R"({"answers": ["a"], "meta": {"x": 1, "x": 2}})"), input_error,
                             "field \"meta.x\": appears twice in one object");
  BANDITRY_CHECK_THROWS_WITH(
      read(R"({"id": {"n": 1}, "answers": ["a"]})"), input_error,
      "line 1: field \"id\": must be a string, a number or null, got object");
  BANDITRY_CHECK_THROWS_WITH(read(R"({"id": [1], "answers": ["a"]})"), input_error,
                             "field \"id\": must be a string, a number or null, got array");
  const auto r = read(R"({"id": null, "answers": ["a"]})"
                      "\n"
                      R"({"answers": ["a"]})"
                      "\n"
                      R"({"id": 3.0, "answers": ["a"]})");
  CHECK(!r[0].id);
  CHECK(!r[1].id);
  CHECK(r[2].id == "3");
  BANDITRY_CHECK_THROWS_WITH(
      read(R"([{"solution_reference": ["human_to_GPT-4"], "score": [1]}, 5])",
           select_format::reward_scores),
      input_error, "element 2: list element [1] must be an object, got number");
}

// CSV reader of logged bandit data: parsing, error positions and the real OBD sample.
#include "../../tools/bandit_io.hpp"

#include <doctest/doctest.h>

#include <sstream>

#include "banditry/bandit/coverage.hpp"
#include "banditry/bandit/kl_pcb.hpp"
#include "banditry/bandit/off_policy.hpp"
#include "support/test_support.hpp"

namespace tool = banditry::tool;
namespace bd = banditry::bandit;

namespace {

tool::bandit_log parse(const std::string& text) {
  std::istringstream in(text);
  return tool::parse_bandit_log(in, {}, "test.csv");
}

// Returns the message of the log_format_error thrown while parsing `text`.
std::string parse_error(const std::string& text, std::size_t* line = nullptr,
                        std::size_t* column = nullptr) {
  try {
    parse(text);
  } catch (const tool::log_format_error& e) {
    if (line) *line = e.line();
    if (column) *column = e.column();
    return e.what();
  }
  return "no error";
}

const std::string header = ",timestamp,item_id,position,click,propensity_score\n";

}  // namespace

TEST_CASE("bandit io: parses an empty header name") {
  const auto log = parse(header + "0,t,3,2,1,0.5\r\n1,\"a,b\",0,1,0,0.25\n\n2,t,1,2,0,1\n");
  REQUIRE(log.steps.size() == 3);
  CHECK(log.contexts() == 2);
  CHECK(log.context_values == std::vector<long long>{1, 2});
  CHECK(log.actions == 3);
  CHECK(log.action_values == std::vector<long long>{0, 1, 3});
  CHECK(log.steps[0].context == 1);
  CHECK(log.steps[0].action == 2);
  CHECK(log.steps[0].reward == 1.0);
  CHECK(log.steps[0].propensity == 0.5);
  CHECK(log.steps[1].context == 0);
  const auto data = tool::log_statistics(log);
  CHECK(data.counts(1, 2) == 1);
  CHECK(data.reward_sums(1, 2) == 1);
}

TEST_CASE("bandit io: maps sparse action ids") {
  // Ids 1 and 2 are two actions, not three: no phantom action 0.
  const auto log = parse(header + "0,t,2,1,1,0.5\n1,t,1,1,0,0.5\n2,t,2,1,0,0.5\n");
  CHECK(log.actions == 2);
  CHECK(log.action_values == std::vector<long long>{1, 2});
  CHECK(log.steps[0].action == 1);
  CHECK(log.steps[1].action == 0);
  const Eigen::MatrixXd reference = tool::logged_reference_policy(log);
  REQUIRE(reference.cols() == 2);
  CHECK(reference(0, 0) == 0.5);
  CHECK(reference(0, 1) == 0.5);
  CHECK(bd::all_policy_concentrability(reference) == 2);
  // A large id costs one column, not 10^11.
  const auto large = parse(header + "0,t,99999999999,1,1,0.5\n1,t,7,1,0,0.5\n");
  CHECK(large.actions == 2);
  CHECK(large.action_values == std::vector<long long>{7, 99999999999});
  CHECK(large.steps[0].action == 1);
  CHECK(tool::log_statistics(large).counts.cols() == 2);
}

TEST_CASE("bandit io: rejects rewards outside [0, 1]") {
  std::size_t line = 0;
  std::size_t column = 0;
  CHECK(parse_error(header + "0,t,3,2,1,0.5\n1,t,3,2,2.5,0.5\n", &line, &column) ==
        "banditry::read_bandit_log: test.csv line 3, column 5 (click): reward must be in [0, 1], "
        "got \"2.5\"");
  CHECK(line == 3);
  CHECK(column == 5);
  CHECK(parse_error(header + "0,t,3,2,-1,0.5\n") ==
        "banditry::read_bandit_log: test.csv line 2, column 5 (click): reward must be in [0, 1], "
        "got \"-1\"");
  CHECK(parse(header + "0,t,3,2,0.25,0.5\n").steps[0].reward == 0.25);
}

TEST_CASE("bandit io: errors name line and column") {
  std::size_t line = 0;
  std::size_t column = 0;
  CHECK(parse_error(header + "0,t,3,2,1,0.5\n1,t,3,2,x,0.5\n", &line, &column) ==
        "banditry::read_bandit_log: test.csv line 3, column 5 (click): value must be a finite "
        "number, got \"x\"");
  CHECK(line == 3);
  CHECK(column == 5);
  CHECK(parse_error(header + "0,t,3,2,1,1.5\n") ==
        "banditry::read_bandit_log: test.csv line 2, column 6 (propensity_score): propensity must "
        "be in (0, 1], got \"1.5\"");
  CHECK(parse_error(header + "0,t,3,2,1,0\n").find("propensity must be in (0, 1]") !=
        std::string::npos);
  CHECK(parse_error(header + "0,t,-3,2,1,0.5\n") ==
        "banditry::read_bandit_log: test.csv line 2, column 3 (item_id): action id must be a "
        "non-negative integer, got \"-3\"");
  CHECK(parse_error(header + "0,t,2.5,2,1,0.5\n")
            .find("column 3 (item_id): value must be an "
                  "integer") != std::string::npos);
  CHECK(parse_error(header + "0,t,1e16,2,1,0.5\n") ==
        "banditry::read_bandit_log: test.csv line 2, column 3 (item_id): value must be an integer "
        "of magnitude at most 9e15, got \"1e16\"");
  CHECK(parse_error(header + "0,t,x7,2,1,0.5\n").find("column 3 (item_id)") != std::string::npos);
  CHECK(parse_error(header + "0,t,3,2,1\n", &line, &column) ==
        "banditry::read_bandit_log: test.csv line 2: expected 6 fields as in the header, got 5");
  CHECK(column == 0);
  CHECK(parse_error(header + "0,\"t,3,2,1,0.5\n").find("line 2: unterminated quote") !=
        std::string::npos);
  CHECK(parse_error(",item_id,click,propensity_score\n0,1,0,0.5\n") ==
        "banditry::read_bandit_log: test.csv line 1: column \"position\" not found in the header");
  CHECK(parse_error(header) == "banditry::read_bandit_log: test.csv line 1: no data rows");
  CHECK(parse_error(header + "0,t,3,2,nan,0.5\n").find("finite number, got \"nan\"") !=
        std::string::npos);
}

TEST_CASE("bandit io: reference policy from propensities") {
  const auto log = parse(header + "0,t,0,1,1,0.5\n1,t,1,1,0,0.5\n2,t,0,1,0,0.5\n");
  const Eigen::MatrixXd reference = tool::logged_reference_policy(log);
  CHECK(reference(0, 0) == 0.5);
  CHECK(reference(0, 1) == 0.5);
  // Action 7 is logged in context 1 only; the message names the id in the file, not its index.
  const auto missing = parse(header + "0,t,5,1,1,0.5\n1,t,7,1,0,0.5\n2,t,5,2,0,1\n");
  BANDITRY_CHECK_THROWS_WITH(tool::logged_reference_policy(missing), std::domain_error,
                             "cell (context 2, action 7) must be logged at least once");
  const auto mismatch = parse(header + "0,t,0,1,1,0.5\n1,t,0,1,0,0.4\n1,t,1,1,0,0.5\n");
  BANDITRY_CHECK_THROWS_WITH(tool::logged_reference_policy(mismatch), std::domain_error,
                             "propensity of row 2 must be equal to the propensity of the other");
  const auto short_sum = parse(header + "0,t,0,1,1,0.5\n1,t,1,1,0,0.25\n");
  BANDITRY_CHECK_THROWS_WITH(tool::logged_reference_policy(short_sum), std::domain_error,
                             "sum of logged propensities of context 1 must be 1");
}

TEST_CASE("bandit io: single context without column") {
  std::istringstream in(header + "0,t,0,1,1,0.5\n1,t,1,3,0,0.5\n");
  const auto log = tool::parse_bandit_log(in, {.context = ""}, "test.csv");
  CHECK(log.contexts() == 1);
  CHECK(log.steps[1].context == 0);
}

TEST_CASE("bandit io: open bandit sample facts") {
  const auto data_dir = banditry::test::shared_data();
  if (!data_dir || !std::filesystem::exists(*data_dir / "bandit-logs/random_men.csv")) {
    MESSAGE("bandit-logs/random_men.csv not found; skipping");
    return;
  }
  const auto log = tool::read_bandit_log(*data_dir / "bandit-logs/random_men.csv");
  REQUIRE(log.steps.size() == 10000);
  CHECK(log.contexts() == 3);
  CHECK(log.actions == 34);
  const auto data = tool::log_statistics(log);
  CHECK(data.reward_sums.sum() == 46);
  CHECK(data.counts.row(0).sum() == 3284);
  CHECK(data.counts.row(1).sum() == 3388);
  CHECK(data.counts.row(2).sum() == 3328);
  CHECK(data.counts.minCoeff() == 67);
  CHECK(data.counts.maxCoeff() == 130);
  CHECK(data.reward_sums.maxCoeff() == 3);
  const Eigen::MatrixXd reference = tool::logged_reference_policy(log);
  for (double eta : {1.0, 10.0}) {
    CHECK(bd::kl_pcb_tabular_policy(reference, data, eta) == reference);
  }
  const auto estimate = bd::tabular_pessimistic_reward(data);
  CHECK(std::abs((estimate.mean_reward - estimate.bonus).maxCoeff() + 0.3347) < 5e-5);
  CHECK(std::abs(bd::ips_value(log.steps, reference).value - 0.0046) <= 1e-12);
  CHECK(std::abs(bd::ips_value(log.steps, bd::plugin_tabular_policy(reference, data, 10.0)).value -
                 0.005120) <= 1e-6);
}

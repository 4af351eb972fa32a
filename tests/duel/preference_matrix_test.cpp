// Tests of the preference-matrix container and its text reader.
#include "banditry/duel/preference_matrix.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "support/test_support.hpp"

using banditry::duel::parse_preference_matrix;
using banditry::duel::preference_matrix;

TEST_CASE("preference_matrix: accepts valid complementary matrix") {
  const preference_matrix p({{0.5, 0.9, 0.8}, {0.1, 0.5, 0.4}, {0.2, 0.6, 0.5}});
  CHECK(p.size() == 3);
  CHECK(p(0, 1) == 0.9);
  CHECK(p.at(2, 1) == 0.6);
  CHECK(p.row(1)[2] == 0.4);
  CHECK(p.tolerance() == 1e-9);
}

TEST_CASE("preference_matrix: builds from upper triangle") {
  const std::vector<double> upper{0.7, 0.6, 0.4};
  const auto p = preference_matrix::from_upper_triangle(3, upper);
  CHECK(p(1, 0) == doctest::Approx(0.3).epsilon(1e-15));
  CHECK(p(0, 0) == 0.5);
  CHECK(p(2, 1) == doctest::Approx(0.6).epsilon(1e-15));
  BANDITRY_CHECK_THROWS_WITH(preference_matrix::from_upper_triangle(3, std::vector<double>{0.7}),
                             std::invalid_argument, "K(K-1)/2 = 3");
  BANDITRY_CHECK_THROWS_WITH(
      preference_matrix::from_upper_triangle(3, std::vector<double>{0.7, 1.5, 0.2}),
      std::domain_error, "P[0][2] must be a probability in [0, 1], got 1.5");
}

TEST_CASE("preference_matrix: rejects bad matrices naming entries") {
  BANDITRY_CHECK_THROWS_WITH(preference_matrix({{0.5, 0.5}, {0.5}}), std::invalid_argument,
                             "length of row 1 must be K = 2");
  BANDITRY_CHECK_THROWS_WITH(preference_matrix(std::vector<std::vector<double>>{}),
                             std::invalid_argument, "rows size must be positive");
  BANDITRY_CHECK_THROWS_WITH(preference_matrix({{0.5, 1.2}, {-0.2, 0.5}}), std::domain_error,
                             "P[0][1] must be a probability in [0, 1], got 1.2");
  BANDITRY_CHECK_THROWS_WITH(preference_matrix({{0.5, 0.7}, {0.4, 0.5}}), std::domain_error,
                             "P[0][1] + P[1][0] (0.69999999999999996 + 0.40000000000000002) must "
                             "be 1 within tolerance 1e-09");
  BANDITRY_CHECK_THROWS_WITH(preference_matrix({{0.4, 0.5}, {0.5, 0.5}}), std::domain_error,
                             "P[0][0] (diagonal) must be 0.5 within tolerance");
  BANDITRY_CHECK_THROWS_WITH(preference_matrix({{0.5, NAN}, {0.5, 0.5}}), std::domain_error,
                             "P[0][1] must be finite, got nan");
  BANDITRY_CHECK_THROWS_WITH(preference_matrix({{0.5}}, 0.7), std::domain_error,
                             "tolerance must be finite and in [0, 0.5)");
  // Within tolerance is accepted; a looser tolerance accepts more.
  CHECK_NOTHROW(preference_matrix({{0.5, 0.7}, {0.3 + 5e-10, 0.5}}));
  CHECK_NOTHROW(preference_matrix({{0.5, 0.7}, {0.31, 0.5}}, 0.02));
}

TEST_CASE("parse_preference_matrix: handles format quirks") {
  const std::string text =
      "# comment line\r\n3\r\n\r\n0.5 0.9   0.8  \r\n0.1\t0.5 0.4 # trailing comment\r\n"
      "2e-1 6.0e-01 0.5";
  const auto p = parse_preference_matrix(text);
  CHECK(p.size() == 3);
  CHECK(p(2, 0) == 0.2);
  CHECK(p(2, 1) == 0.6);
  const auto q = parse_preference_matrix("0.5 0.25\n0.75 0.5\n\n\n");
  CHECK(q.size() == 2);
  CHECK(q(1, 0) == 0.75);
  CHECK(parse_preference_matrix("0.5").size() == 1);
  CHECK(parse_preference_matrix("1\n0.5\n").size() == 1);
}

TEST_CASE("parse_preference_matrix: reports malformed input") {
  BANDITRY_CHECK_THROWS_WITH(parse_preference_matrix("\n  \n# only a comment\n"),
                             std::invalid_argument, "the input has no numbers");
  BANDITRY_CHECK_THROWS_WITH(parse_preference_matrix("0.5 0.2\n0.8 abc\n"), std::invalid_argument,
                             "token at line 2, column 5 must be a number, got \"abc\"");
  BANDITRY_CHECK_THROWS_WITH(parse_preference_matrix("0.5 0.2 0.3\n0.8 0.5 0.4\n"),
                             std::invalid_argument,
                             "number of rows must be the row length 3 (a square matrix), got 2");
  BANDITRY_CHECK_THROWS_WITH(parse_preference_matrix("0.5 0.2\n0.8 0.5 0.1\n"),
                             std::invalid_argument, "length of row 1 (line 2) must be");
  BANDITRY_CHECK_THROWS_WITH(parse_preference_matrix("3\n0.5 0.2\n0.8 0.5\n"),
                             std::invalid_argument, "the size line's K = 3");
  BANDITRY_CHECK_THROWS_WITH(parse_preference_matrix("0.5 0.2\n0.7 0.5\n"), std::domain_error,
                             "banditry::parse_preference_matrix: P[0][1] + P[1][0]");
  BANDITRY_CHECK_THROWS_WITH(parse_preference_matrix("0.5 1.3\n-0.3 0.5\n"), std::domain_error,
                             "P[0][1] must be a probability in [0, 1], got 1.3");
  BANDITRY_CHECK_THROWS_WITH(banditry::duel::read_preference_matrix("/nonexistent/matrix.txt"),
                             std::invalid_argument, "file must be a readable file");
}

TEST_CASE("read_preference_matrix: loads the ranker matrices") {
  const auto data = banditry::test::shared_data();
  if (!data) {
    MESSAGE("skipped: shared data folder not found");
    return;
  }
  const auto dir = *data / "preference-matrices";
  if (!std::filesystem::exists(dir / "MSLR-Informational-CDC.txt")) {
    MESSAGE("skipped: preference-matrices not found");
    return;
  }
  const auto big = banditry::duel::read_preference_matrix(dir / "MSLR-Informational-CDC.txt");
  const auto small =
      banditry::duel::read_preference_matrix(dir / "MSLR_Informational_5_Condorcet.txt");
  REQUIRE(big.size() == 135);
  REQUIRE(small.size() == 5);
  // The 5-ranker matrix is the 135-ranker matrix restricted to rankers [1, 3, 2, 0, 4].
  const std::vector<std::size_t> items{1, 3, 2, 0, 4};
  const auto sub = big.restricted(items);
  double worst = 0;
  for (std::size_t i = 0; i < 5; ++i)
    for (std::size_t j = 0; j < 5; ++j) worst = std::max(worst, std::abs(sub(i, j) - small(i, j)));
  CHECK(worst <= 5e-9);
}

TEST_CASE("preference_matrix: rejects sizes whose square overflows") {
  const std::size_t huge = std::size_t{1} << 32;
  BANDITRY_CHECK_THROWS_WITH(preference_matrix(huge, std::vector<double>{}), std::invalid_argument,
                             "banditry::preference_matrix: K must be at most 4294967295");
  BANDITRY_CHECK_THROWS_WITH(preference_matrix(huge + 1, std::vector<double>{}),
                             std::invalid_argument, "got 4294967297");
  const std::size_t larger = std::size_t{1} << 33;
  BANDITRY_CHECK_THROWS_WITH(
      preference_matrix::from_upper_triangle(larger, std::span<const double>{}),
      std::invalid_argument,
      "banditry::preference_matrix::from_upper_triangle: K must be at most 4294967295");
  // A small K with the wrong count still reports the exact expected count.
  BANDITRY_CHECK_THROWS_WITH(preference_matrix(1, std::vector<double>{}), std::invalid_argument,
                             "number of values must be K * K = 1, got 0");
}

// Winner notions checked against brute force, closed forms and the duality-gap certificate.
#include "banditry/duel/winners.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <vector>

#include "banditry/core/rng.hpp"
#include "support/test_support.hpp"

using namespace banditry::duel;

namespace {

// Random complementary matrix; with `skew_scale` the entries are 1/2 + scale * (u - 1/2).
preference_matrix random_matrix(banditry::xoshiro256ss& rng, std::size_t k, double scale = 1) {
  std::vector<double> upper;
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = i + 1; j < k; ++j)
      upper.push_back(0.5 + scale * (banditry::uniform01(rng) - 0.5));
  return preference_matrix::from_upper_triangle(k, upper);
}

// Brute-force Condorcet winner straight from the definition, scanning all pairs.
int brute_condorcet(const preference_matrix& p) {
  int winner = -1;
  for (std::size_t i = 0; i < p.size(); ++i) {
    std::size_t beaten = 0;
    for (std::size_t j = 0; j < p.size(); ++j) beaten += (j != i && p(i, j) > 0.5) ? 1 : 0;
    if (beaten == p.size() - 1) {
      CHECK(winner == -1);  // at most one
      winner = static_cast<int>(i);
    }
  }
  return winner;
}

}  // namespace

TEST_CASE("winners: small matrices match closed forms") {
  const preference_matrix condorcet({{.5, .9, .8}, {.1, .5, .4}, {.2, .6, .5}});
  CHECK(condorcet_winner(condorcet) == std::optional<std::size_t>(0));
  CHECK(copeland_scores(condorcet) == std::vector<std::size_t>{2, 0, 1});
  CHECK(copeland_winners(condorcet) == std::vector<std::size_t>{0});
  const auto borda = borda_winners(condorcet);
  CHECK(std::find(borda.begin(), borda.end(), 0) != borda.end());
  auto vn = von_neumann_winner(condorcet);
  CHECK(vn.status == lp_status::optimal);
  CHECK(vn.distribution[0] == doctest::Approx(1).epsilon(1e-12));
  CHECK(vn.distribution[1] == doctest::Approx(0).epsilon(1e-12));

  for (const auto& rows :
       {std::vector<std::vector<double>>{{.5, .6, .4}, {.4, .5, .6}, {.6, .4, .5}},
        std::vector<std::vector<double>>{{.5, 1, 0}, {0, .5, 1}, {1, 0, .5}}}) {
    const preference_matrix cyclic(rows);
    CHECK_FALSE(condorcet_winner(cyclic).has_value());
    vn = von_neumann_winner(cyclic);
    for (double v : vn.distribution) CHECK(v == doctest::Approx(1.0 / 3).epsilon(1e-12));
    CHECK(vn.duality_gap <= 1e-12);
  }
  const preference_matrix weighted({{.5, .6, .2}, {.4, .5, .7}, {.8, .3, .5}});
  CHECK_FALSE(condorcet_winner(weighted).has_value());
  vn = von_neumann_winner(weighted);
  CHECK(vn.distribution[0] == doctest::Approx(1.0 / 3).epsilon(1e-12));
  CHECK(vn.distribution[1] == doctest::Approx(0.5).epsilon(1e-12));
  CHECK(vn.distribution[2] == doctest::Approx(1.0 / 6).epsilon(1e-12));
  CHECK(vn.weight_sum == doctest::Approx(2.0 / 3).epsilon(1e-12));
}

TEST_CASE("von_neumann_winner: three-cycle closed form") {
  // Skew part [[0, a, -b], [-a, 0, c], [b, -c, 0]] has the unique winner (c, b, a) / (a + b + c).
  banditry::xoshiro256ss rng(7);
  for (int trial = 0; trial < 50; ++trial) {
    const double a = 0.01 + 0.49 * banditry::uniform01(rng);
    const double b = 0.01 + 0.49 * banditry::uniform01(rng);
    const double c = 0.01 + 0.49 * banditry::uniform01(rng);
    const preference_matrix p({{.5, .5 + a, .5 - b}, {.5 - a, .5, .5 + c}, {.5 + b, .5 - c, .5}});
    const auto vn = von_neumann_winner(p);
    REQUIRE(vn.status == lp_status::optimal);
    const double s = a + b + c;
    CHECK(vn.distribution[0] == doctest::Approx(c / s).epsilon(1e-10));
    CHECK(vn.distribution[1] == doctest::Approx(b / s).epsilon(1e-10));
    CHECK(vn.distribution[2] == doctest::Approx(a / s).epsilon(1e-10));
  }
}

TEST_CASE("winners: random matrices against brute force") {
  banditry::xoshiro256ss rng(20240601);
  for (int trial = 0; trial < 200; ++trial) {
    const std::size_t k = 2 + banditry::uniform_int(rng, 29);  // K in [2, 30]
    const double scale = trial % 3 == 0 ? 0.2 : 1.0;
    const auto p = random_matrix(rng, k, scale);
    const int brute = brute_condorcet(p);
    const auto cw = condorcet_winner(p);
    CHECK(cw.has_value() == (brute >= 0));
    if (cw) CHECK(static_cast<int>(*cw) == brute);
    // Copeland and Borda recomputed column-wise from complementarity.
    const auto cop = copeland_scores(p);
    const auto borda = borda_scores(p);
    for (std::size_t i = 0; i < k; ++i) {
      std::size_t losses_of_others = 0;
      double sum = 0;
      for (std::size_t j = 0; j < k; ++j) {
        if (j == i) continue;
        losses_of_others += p(j, i) < 0.5 ? 1 : 0;
        sum += 1 - p(j, i);
      }
      CHECK(cop[i] == losses_of_others);
      CHECK(borda[i] == doctest::Approx(sum / static_cast<double>(k - 1)).epsilon(1e-12));
    }
    const auto vn = von_neumann_winner(p);
    REQUIRE(vn.status == lp_status::optimal);
    CHECK(vn.duality_gap <= 1e-9);
    CHECK(vn.duality_gap >= -1e-12);
    CHECK(std::abs(vn.weight_sum - 2.0 / 3) <= 1e-9);
    double total = 0;
    for (double v : vn.distribution) {
      CHECK(v >= 0);
      total += v;
    }
    CHECK(total == doctest::Approx(1).epsilon(1e-12));
    if (cw) CHECK(vn.distribution[*cw] == doctest::Approx(1).epsilon(1e-9));
    // Certificate checked independently: no pure strategy beats pi by more than 1/2.
    for (std::size_t i = 0; i < k; ++i) {
      double win = 0;
      for (std::size_t j = 0; j < k; ++j) win += p(i, j) * vn.distribution[j];
      CHECK(win <= 0.5 + 1e-9);
    }
  }
}

TEST_CASE("duality_gap: rejects non-distributions") {
  const preference_matrix p({{.5, .6}, {.4, .5}});
  BANDITRY_CHECK_THROWS_WITH(duality_gap(p, std::vector<double>{1.0}), std::invalid_argument,
                             "pi size must be equal to the size of the matrix (2)");
  BANDITRY_CHECK_THROWS_WITH(duality_gap(p, std::vector<double>{0.7, 0.7}), std::domain_error,
                             "sum of pi must be 1");
  BANDITRY_CHECK_THROWS_WITH(von_neumann_winner(p, 0.0), std::domain_error,
                             "certificate_tolerance must be positive and finite");
  CHECK(duality_gap(p, std::vector<double>{0, 1}) == doctest::Approx(0.2));
}

TEST_CASE("winners: ranker matrices from MSLR") {
  const auto data = banditry::test::shared_data();
  if (!data || !std::filesystem::exists(*data / "preference-matrices/MSLR-Informational-CDC.txt")) {
    MESSAGE("skipped: preference-matrices data folder not found");
    return;
  }
  const auto small =
      read_preference_matrix(*data / "preference-matrices/MSLR_Informational_5_Condorcet.txt");
  CHECK(condorcet_winner(small) == std::optional<std::size_t>(0));
  CHECK(copeland_scores(small) == std::vector<std::size_t>{4, 3, 2, 1, 0});
  const auto borda = borda_scores(small);
  const double expected[] = {0.667556, 0.627579, 0.533819, 0.341657, 0.329390};
  for (std::size_t i = 0; i < 5; ++i) CHECK(std::abs(borda[i] - expected[i]) <= 5e-7);
  auto vn = von_neumann_winner(small);
  CHECK(vn.distribution[0] == doctest::Approx(1).epsilon(1e-12));
  CHECK(vn.pivots == 1);

  const auto big = read_preference_matrix(*data / "preference-matrices/MSLR-Informational-CDC.txt");
  CHECK(condorcet_winner(big) == std::optional<std::size_t>(113));
  CHECK(copeland_winners(big) == std::vector<std::size_t>{113});
  CHECK(copeland_scores(big)[113] == 134);
  CHECK(borda_winners(big) == std::vector<std::size_t>{118});
  const auto b = borda_scores(big);
  CHECK(std::abs(b[118] - 0.616772) <= 5e-7);
  CHECK(std::abs(b[113] - 0.615470) <= 5e-7);
  CHECK(std::abs(b[123] - 0.612978) <= 5e-7);
  vn = von_neumann_winner(big);
  CHECK(vn.status == lp_status::optimal);
  CHECK(vn.distribution[113] == doctest::Approx(1).epsilon(1e-12));
  CHECK(std::abs(vn.weight_sum - 2.0 / 3) <= 1e-12);
  CHECK(std::abs(vn.duality_gap) <= 1e-12);
}

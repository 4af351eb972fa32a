// ADPO on the log-linear class: DPO special cases, a hand-computed step, error messages.
#include "banditry/duel/adpo.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "banditry/core/rng.hpp"
#include "support/test_support.hpp"

using namespace banditry;
using namespace banditry::duel;

namespace {

struct setup {
  log_linear_instance instance;
  std::vector<preference_pair> pairs;
};

setup small_setup(std::size_t count) {
  auto rng = make_stream(1, "TEST.A2", 0, 0, substream::instance);
  setup s{draw_a2_instance(rng, 4, 6, 10), {}};
  auto data = make_stream(1, "TEST.A2", 0, 0, substream::data);
  s.pairs = draw_preference_stream(s.instance, data, count);
  return s;
}

}  // namespace

TEST_CASE("adpo: infinite threshold equals DPO") {
  const auto s = small_setup(2000);
  adpo_options dpo;
  dpo.threshold = std::numeric_limits<double>::infinity();
  adpo_options no_pl = dpo;
  no_pl.pseudo_labels = false;
  const auto a = run_adpo(s.instance, s.pairs, dpo);
  const auto b = run_adpo(s.instance, s.pairs, no_pl);
  CHECK(a.queries == 2000);
  CHECK(a.pseudo_labelled == 0);
  CHECK(a.weights == b.weights);  // bit for bit
  CHECK(a.suboptimality == b.suboptimality);
  CHECK(a.suboptimality.size() == 2000 / 64 + 1);
  CHECK(a.final_suboptimality < log_linear_suboptimality(s.instance, std::vector<double>(4, 0.0)));
}

TEST_CASE("adpo: zero threshold queries only the first batch") {
  const auto s = small_setup(640);
  adpo_options zero;
  zero.threshold = 0;
  const auto result = run_adpo(s.instance, s.pairs, zero);
  // At w = 0 every margin is exactly 0, so the first batch is queried; after the first update
  // margins are non-zero almost surely and every later pair is pseudo-labelled.
  CHECK(result.queries == 64);
  CHECK(result.pseudo_labelled == 640 - 64);
}

TEST_CASE("adpo: one batch matches hand computation") {
  auto s = small_setup(3);
  adpo_options options;
  options.threshold = std::numeric_limits<double>::infinity();
  options.batch_size = 3;
  options.learning_rate = 0.5;
  const auto result = run_adpo(s.instance, s.pairs, options);
  // From w = 0 every margin is 0 and sigma(0) = 1/2: w = 0.5 / 3 * sum l / 2 (psi1 - psi2).
  for (std::size_t k = 0; k < 4; ++k) {
    double expected = 0;
    for (const auto& p : s.pairs) {
      const double l = p.first_preferred ? 1 : -1;
      const double diff = s.instance.features[(p.prompt * 6 + p.first) * 4 + k] -
                          s.instance.features[(p.prompt * 6 + p.second) * 4 + k];
      expected += 0.5 / 3 * l * 0.5 * diff;
    }
    CHECK(result.weights[k] == doctest::Approx(expected).epsilon(1e-14));
  }
}

TEST_CASE("log_linear_suboptimality: zero at the optimum") {
  const auto s = small_setup(1);
  CHECK(log_linear_suboptimality(s.instance, s.instance.true_weights) ==
        doctest::Approx(0).epsilon(1e-15));
  const double at_zero = log_linear_suboptimality(s.instance, std::vector<double>(4, 0.0));
  CHECK(at_zero > 0);
  BANDITRY_CHECK_THROWS_WITH(log_linear_suboptimality(s.instance, std::vector<double>(3, 0.0)),
                             std::invalid_argument, "w size must be equal to the size of");
}

TEST_CASE("draw_preference_stream: pairs are distinct responses") {
  const auto s = small_setup(5000);
  std::size_t first_preferred = 0;
  for (const auto& p : s.pairs) {
    CHECK(p.first != p.second);
    CHECK(p.prompt < 10);
    first_preferred += p.first_preferred ? 1 : 0;
  }
  // y1 and y2 are exchangeable, so about half the labels prefer y1.
  CHECK(std::abs(static_cast<double>(first_preferred) / 5000 - 0.5) < 0.05);
}

TEST_CASE("adpo: rejects bad options") {
  const auto s = small_setup(10);
  adpo_options options;
  options.threshold = -1;
  BANDITRY_CHECK_THROWS_WITH(run_adpo(s.instance, s.pairs, options), std::domain_error,
                             "banditry::run_adpo: threshold must be >= 0 (or +infinity), got -1");
  options.threshold = 1;
  options.batch_size = 0;
  BANDITRY_CHECK_THROWS_WITH(run_adpo(s.instance, s.pairs, options), std::invalid_argument,
                             "batch_size must be positive, got 0");
  options.batch_size = 4;
  auto pairs = s.pairs;
  pairs[2].first = 99;
  BANDITRY_CHECK_THROWS_WITH(run_adpo(s.instance, pairs, options), std::invalid_argument,
                             "pairs[2] must be indices below M and K");
}

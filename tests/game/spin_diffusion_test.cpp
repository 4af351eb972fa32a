// SPIN-Diffusion on the Gaussian-linear toy: Tweedie parameters, the fixed point of the population
// gradient, the exact W2 trajectories, the trajectory-level contraction and the Jensen step.
#include "banditry/game/spin_diffusion.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "banditry/core/numerics.hpp"
#include "banditry/core/rng.hpp"
#include "support/test_support.hpp"

using namespace banditry;
using namespace banditry::game;

namespace {

gaussian_diffusion toy() {
  gaussian_diffusion model;
  for (int t = 1; t <= 10; ++t) model.nu.push_back(0.05 + 0.45 * (t - 1) / 9.0);
  return model;
}

gaussian_diffusion matched_toy() {
  gaussian_diffusion model = toy();
  const double ab = diffusion_alpha_bar(model).back();
  model.prior_mean = std::sqrt(ab) * model.data_mean;
  model.prior_variance = ab * 0.25 + 1 - ab;
  return model;
}

double chain_gap(const gaussian_chain& a, const gaussian_chain& b) {
  return std::sqrt((a.precision - b.precision).squaredNorm() + (a.shift - b.shift).squaredNorm());
}

}  // namespace

TEST_CASE("spin diffusion: toy constants") {
  CHECK(std::abs(diffusion_alpha_bar(toy()).back() - 0.0327365) < 5e-8);
  CHECK(std::abs(diffusion_wasserstein2(toy(), diffusion_tweedie(toy(), 0, 1)) - 1.087678) < 5e-7);
  CHECK(std::abs(diffusion_wasserstein2(toy(), diffusion_tweedie(toy(), 1, 0.25)) - 8.390e-3) <
        5e-7);
}

TEST_CASE("spin diffusion: tweedie minimises score matching") {
  // G0: with the matched prior, Tweedie's parameters generate the data exactly.
  CHECK(diffusion_wasserstein2(matched_toy(), diffusion_tweedie(matched_toy(), 1, 0.25)) < 1e-14);
  // The DSM gradient vanishes at Tweedie's parameters for the law they were fitted to.
  const auto theta = diffusion_tweedie(toy(), 0.3, 2.0);
  const auto gradient = diffusion_dsm_gradient(toy(), theta, {0.3, 2.0});
  for (std::size_t t = 0; t < gradient.a.size(); ++t) {
    CHECK(std::abs(gradient.a[t]) < 1e-14);
    CHECK(std::abs(gradient.c[t]) < 1e-14);
  }
}

TEST_CASE("spin diffusion: dsm gradient by sampling") {
  // Monte-Carlo estimate of the gradient of E (eps - a x_t - c)^2 for p = N(0.4, 0.7).
  const gaussian_diffusion model = toy();
  linear_noise_predictor theta = diffusion_tweedie(model, 0, 1);
  theta.c[3] = 0.2;
  const auto exact = diffusion_dsm_gradient(model, theta, {0.4, 0.7});
  const double ab = diffusion_alpha_bar(model)[4];
  xoshiro256ss rng(5);
  double grad_a = 0;
  double grad_c = 0;
  const int n = 400000;
  for (int i = 0; i < n; ++i) {
    const double x0 = 0.4 + std::sqrt(0.7) * normal(rng);
    const double eps = normal(rng);
    const double xt = std::sqrt(ab) * x0 + std::sqrt(1 - ab) * eps;
    const double residual = eps - theta.a[3] * xt - theta.c[3];
    grad_a += -2 * residual * xt / n;
    grad_c += -2 * residual / n;
  }
  CHECK(std::abs(grad_a - exact.a[3]) < 0.02);
  CHECK(std::abs(grad_c - exact.c[3]) < 0.02);
}

TEST_CASE("spin diffusion: fixed point generates data") {
  // G1: the population gradient is zero at the matched-prior Tweedie parameters.
  const auto gradient =
      spin_diffusion_gradient(matched_toy(), diffusion_tweedie(matched_toy(), 1, 0.25), 1.0);
  for (std::size_t t = 0; t < gradient.a.size(); ++t) {
    CHECK(std::abs(gradient.a[t]) < 1e-12);
    CHECK(std::abs(gradient.c[t]) < 1e-12);
  }
  // With the mismatched prior, Tweedie's parameters are not a fixed point (W2 floor > 0).
  const auto off = spin_diffusion_gradient(toy(), diffusion_tweedie(toy(), 1, 0.25), 1.0);
  double largest = 0;
  for (std::size_t t = 0; t < off.a.size(); ++t) largest = std::max(largest, std::abs(off.a[t]));
  CHECK(largest > 1e-6);
}

TEST_CASE("spin diffusion: w2 trajectories") {
  const gaussian_diffusion model = toy();
  const linear_noise_predictor start = diffusion_tweedie(model, 0, 1);
  const std::vector<double> sft{1.0877, 0.3353, 0.1771, 0.1079, 0.0706,
                                0.0485, 0.0346, 0.0256, 0.0197};
  linear_noise_predictor theta = start;
  for (int k = 0; k <= 40; ++k) {
    if (k % 5 == 0) CHECK(std::abs(diffusion_wasserstein2(model, theta) - sft[k / 5]) < 1e-4);
    theta = diffusion_sft_step(model, theta, 0.2);
  }
  const std::vector<std::pair<double, std::vector<double>>> spin{
      {1, {1.0877, 0.5613, 0.3714, 0.2691, 0.2044, 0.1599, 0.1278, 0.1037, 0.0851}},
      {2, {1.0877, 0.3620, 0.1988, 0.1240, 0.0824, 0.0568, 0.0401, 0.0287, 0.0208}},
      {5, {1.0877, 0.1433, 0.0566, 0.0219, 0.0110, 0.0046, 0.0025, 0.0010, 0.0006}}};
  for (const auto& [lambda, expected] : spin) {
    theta = start;
    for (int k = 0; k <= 40; ++k) {
      if (k % 5 == 0)
        CHECK(std::abs(diffusion_wasserstein2(model, theta) - expected[k / 5]) < 1e-4);
      theta = spin_diffusion_step(model, theta, lambda, 0.2);
    }
    // G4 for lambda = 5: below the SFT floor after 40 iterations.
    if (lambda == 5) {
      CHECK(diffusion_wasserstein2(model, theta) <
            diffusion_wasserstein2(model, diffusion_tweedie(model, 1, 0.25)));
    }
  }
}

TEST_CASE("spin diffusion: trajectory mode contracts") {
  const gaussian_diffusion model = toy();
  const gaussian_chain data = diffusion_data_chain(model);
  // The data chain's x_0 marginal is the data law.
  const gaussian_law marginal = chain_marginal_x0(data);
  CHECK(std::abs(marginal.mean - 1) < 1e-12);
  CHECK(std::abs(marginal.variance - 0.25) < 1e-12);
  const std::vector<std::pair<double, std::vector<double>>> table{
      {2, {1.087678, 0.2565, 0.1023, 0.0465, 0.02225, 0.01089, 0.005389, 0.00268}},
      {5, {1.087678, 0.5973, 0.3839, 0.2659, 0.1923, 0.1430, 0.1083, 0.08312}}};
  for (const auto& [lambda, expected] : table) {
    gaussian_chain chain = diffusion_reverse_chain(model, diffusion_tweedie(model, 0, 1));
    for (std::size_t k = 0; k < expected.size(); ++k) {
      const double w2 = gaussian_wasserstein2(chain_marginal_x0(chain), {1, 0.25});
      CHECK(std::abs(w2 - expected[k]) < 1e-4);
      const gaussian_chain next = spin_trajectory_step(chain, data, lambda);
      // G2: the natural-parameter gap shrinks by exactly 1 - 1/lambda.
      CHECK(std::abs(chain_gap(next, data) / chain_gap(chain, data) - (1 - 1 / lambda)) < 1e-12);
      chain = next;
    }
  }
  const gaussian_chain one = spin_trajectory_step(
      diffusion_reverse_chain(model, diffusion_tweedie(model, 0, 1)), data, 1.0);
  CHECK(gaussian_wasserstein2(chain_marginal_x0(one), {1, 0.25}) < 1e-14);
  // The reverse chain's marginal agrees with the push-forward recursion.
  const auto theta = diffusion_tweedie(model, 0.2, 3.0);
  const gaussian_law pushed = diffusion_generated_law(model, theta);
  const gaussian_law from_chain = chain_marginal_x0(diffusion_reverse_chain(model, theta));
  CHECK(std::abs(pushed.mean - from_chain.mean) < 1e-12);
  CHECK(std::abs(pushed.variance - from_chain.variance) < 1e-12);
}

TEST_CASE("spin diffusion: lambda below one fails") {
  const gaussian_diffusion model = toy();
  const gaussian_chain data = diffusion_data_chain(model);
  const gaussian_chain start = diffusion_reverse_chain(model, diffusion_tweedie(model, 0, 1));
  BANDITRY_CHECK_THROWS_WITH(spin_trajectory_step(start, data, 0.05), std::domain_error,
                             "combined precision must be positive definite");
}

TEST_CASE("spin diffusion: jensen step pointwise") {
  // G3: logistic loss l(sum_t u_t) <= (1/T) sum_t l(T u_t) for every u (convexity).
  xoshiro256ss rng(3);
  for (int repeat = 0; repeat < 1000; ++repeat) {
    double sum = 0;
    double average = 0;
    for (int t = 0; t < 10; ++t) {
      const double u = 2 * normal(rng);
      sum += u;
      average += softplus(-10 * u) / 10;
    }
    CHECK(softplus(-sum) <= average + 1e-12);
  }
}

TEST_CASE("spin diffusion: rejects bad arguments") {
  gaussian_diffusion model = toy();
  model.nu[2] = 1.2;
  BANDITRY_CHECK_THROWS_WITH(diffusion_alpha_bar(model), std::domain_error,
                             "nu[2] must be in (0, 1)");
  model = toy();
  model.data_sd = 0;
  BANDITRY_CHECK_THROWS_WITH(diffusion_alpha_bar(model), std::domain_error,
                             "data_sd must be positive");
  model = toy();
  BANDITRY_CHECK_THROWS_WITH(spin_diffusion_step(model, diffusion_tweedie(model, 0, 1), 0.0, 0.2),
                             std::domain_error, "lambda must be positive and finite, got 0");
  BANDITRY_CHECK_THROWS_WITH(spin_diffusion_step(model, diffusion_tweedie(model, 0, 1), 1.0, -1.0),
                             std::domain_error, "lr must be positive");
  linear_noise_predictor theta = diffusion_tweedie(model, 0, 1);
  theta.a[0] = std::nan("");
  BANDITRY_CHECK_THROWS_WITH(diffusion_generated_law(model, theta), std::domain_error,
                             "a[0] must be finite");
  theta.a.pop_back();
  BANDITRY_CHECK_THROWS_WITH(diffusion_generated_law(model, theta), std::invalid_argument,
                             "a size must be equal");
}

TEST_CASE("spin diffusion: rejects overflowing steps") {
  const gaussian_diffusion model = toy();
  const linear_noise_predictor theta = diffusion_tweedie(model, 0, 1);
  for (double lr : {1e300, 1e200}) {
    BANDITRY_CHECK_THROWS_WITH(
        spin_diffusion_step(model, theta, 1.0, lr), std::domain_error,
        "banditry::game::spin_diffusion_step: lr must be small enough that the updated predictor");
    BANDITRY_CHECK_THROWS_WITH(
        diffusion_sft_step(model, theta, lr), std::domain_error,
        "banditry::game::diffusion_sft_step: lr must be small enough that the updated predictor");
  }
  // A moderate step stays finite and its generated law can be measured.
  const linear_noise_predictor next = spin_diffusion_step(model, theta, 1.0, 0.2);
  CHECK(std::isfinite(diffusion_wasserstein2(model, next)));
  CHECK(std::isfinite(diffusion_wasserstein2(model, diffusion_sft_step(model, theta, 0.2))));
}

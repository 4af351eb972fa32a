// Self-play claims SP-1 to SP-11: exact SPPO on finite games and on a real ranker matrix, SPIN on a
// finite response set, DQO on a token tree and SPIN-Diffusion on a Gaussian toy. Almost every
// quantity is deterministic, so most claims are identities or bounds checked on exact values.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "banditry/core/rng.hpp"
#include "banditry/duel/preference_matrix.hpp"
#include "banditry/game.hpp"
#include "banditry/sim/claims.hpp"
#include "banditry/sim/registry.hpp"

namespace {

using namespace banditry;
using namespace banditry::game;
using namespace banditry::sim;

const std::vector<double> horizons{10, 100, 1000, 10000};

Eigen::MatrixXd hard_rps() {
  Eigen::MatrixXd P(3, 3);
  P << 0.5, 1, 0, 0, 0.5, 1, 1, 0, 0.5;
  return P;
}

Eigen::MatrixXd weighted_rps() {
  Eigen::MatrixXd P(3, 3);
  P << 0.5, 0.6, 0.2, 0.4, 0.5, 0.7, 0.8, 0.3, 0.5;
  return P;
}

// P(i, j) = sigmoid(u_i - u_j) with u_y = 3 y / (K - 1).
Eigen::MatrixXd bradley_terry_game(int k) {
  Eigen::MatrixXd P(k, k);
  for (int i = 0; i < k; ++i) {
    for (int j = 0; j < k; ++j) P(i, j) = sigmoid(3.0 * (i - j) / (k - 1));
  }
  return P;
}

// P = 1/2 + A with A(i, j) = u - 1/2 for i < j drawn row by row from the experiment's shared
// instance stream, and A(j, i) = -A(i, j).
Eigen::MatrixXd random_skew_game(std::uint64_t master_seed, int k) {
  xoshiro256ss rng(stream_key(master_seed, fnv1a64("SP.S1.random"), 0xFFFFFFFF, 0xFFFFFFFF, 2));
  Eigen::MatrixXd P = Eigen::MatrixXd::Constant(k, k, 0.5);
  for (int i = 0; i < k; ++i) {
    for (int j = i + 1; j < k; ++j) {
      const double a = uniform01(rng) - 0.5;
      P(i, j) = 0.5 + a;
      P(j, i) = 0.5 - a;
    }
  }
  return P;
}

// Off-equilibrium start pi_1(y) proportional to e^{-0.7 y}.
std::vector<double> geometric_start(int k) {
  std::vector<double> pi(k);
  double sum = 0;
  for (int y = 0; y < k; ++y) sum += pi[y] = std::exp(-0.7 * y);
  for (double& p : pi) p /= sum;
  return pi;
}

struct game_case {
  std::string name;
  Eigen::MatrixXd P;
  std::vector<double> expected_averaged;  // empty: no pinned values (the random game)
  std::vector<double> expected_last;
};

// Small values (errors, residuals) in scientific notation for the notes.
std::string sci(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2e", value);
  return buffer;
}

claim_result base(const std::string& id, const std::string& description, const std::string& type) {
  claim_result r;
  r.id = id;
  r.file = "self-play";
  r.description = description;
  r.type = type;
  return r;
}

// ---------------------------------------------------------------- S1: SPPO on finite games

std::vector<claim_result> run_s1(verify_context& context) {
  std::vector<game_case> games{{"hard",
                                hard_rps(),
                                {0.280157, 0.078182, 0.012255, 0.008951},
                                {0.596248, 0.483581, 0.442531, 0.602254}},
                               {"weighted",
                                weighted_rps(),
                                {0.175308, 0.049644, 0.009898, 0.004571},
                                {0.106934, 0.112269, 0.083099, 0.113609}},
                               {"bradley-terry",
                                bradley_terry_game(20),
                                {0.738462, 0.269378, 0.084250, 0.026507},
                                {0.328306, 0.005578, 0.000001, 0.000000}},
                               {"random", random_skew_game(context.master_seed, 20), {}, {}}};
  // Sweeps stay local until the claims are evaluated: record() may move earlier sweeps.
  std::vector<sweep> sweeps;
  double worst_identity = 0;
  double worst_bound_ratio = 0;
  bool bound_ok = true;
  std::string bound_note;
  for (const game_case& g : games) {
    sweep s("SP.S1." + g.name, "T", horizons, {"averaged policy", "last iterate"});
    const std::vector<double> start = geometric_start(static_cast<int>(g.P.rows()));
    const double kl = sppo_kl_max(start);
    s.info = {{"metric", "duality gap"},
              {"game", g.name},
              {"K", std::to_string(g.P.rows())},
              {"start", "pi_1(y) proportional to exp(-0.7 y)"},
              {"step", "eta = sqrt(8 KL_max / T)"},
              {"KL_max", format_number(kl, 7)}};
    // The bound holds for the averaged policy only; the last iterate has no guarantee.
    s.reference.assign(1, {});
    s.reference_label = "bound sqrt(2 KL_max / T)";
    for (std::size_t p = 0; p < horizons.size(); ++p) {
      const auto t = static_cast<std::size_t>(horizons[p]);
      const sppo_result result = sppo_run(g.P, start, sppo_tuned_eta(kl, t), t);
      s.values[0][p] = {result.averaged_gap};
      s.values[1][p] = {std::max(result.last_gap, 1e-300)};
      const double bound = std::sqrt(2 * kl / horizons[p]);
      s.reference[0].push_back(bound);
      if (!g.expected_averaged.empty()) {
        worst_identity =
            std::max({worst_identity, std::abs(result.averaged_gap - g.expected_averaged[p]),
                      std::abs(result.last_gap - g.expected_last[p])});
      }
      worst_bound_ratio = std::max(worst_bound_ratio, result.averaged_gap / bound);
      if (!(result.averaged_gap <= bound)) {
        bound_ok = false;
        bound_note += g.name + " T=" + std::to_string(t) + " ";
      }
    }
    sweeps.push_back(std::move(s));
  }
  std::vector<claim_result> results;
  {
    claim_result r = base("SP-1", "S1 exact-MW duality gaps (table)", "identity");
    r.predicted = "table, 24 values";
    r.tolerance = 1e-5;
    r.estimate = worst_identity;
    r.outcome = to_verdict(worst_identity <= 1e-5);
    r.note =
        "max |measured - table| = " + sci(worst_identity) + " over averaged and last-iterate DG";
    results.push_back(r);
  }
  {
    claim_result r = base("SP-2", "S1 DG(avg) <= sqrt(2 KL_max/T)", "bound");
    r.predicted = "DG/bound <= 1";
    r.tolerance = 0;
    r.estimate = worst_bound_ratio;
    r.outcome = to_verdict(bound_ok);
    r.note =
        bound_ok ? "max over 4 games x 4 horizons of DG / bound" : "bound exceeded: " + bound_note;
    r.note += "; random game DG(avg) at T = 10..10^4:";
    for (std::size_t p = 0; p < horizons.size(); ++p)
      r.note += " " + format_number(sweeps[3].values[0][p][0], 6);
    results.push_back(r);
  }
  {
    claim_result r = base("SP-3", "S1 DG(avg) slope in T (3 games)", "slope");
    std::vector<verdict> parts;
    std::vector<double> slopes;
    for (std::size_t g = 0; g < 3; ++g) {
      const interval_estimate fit =
          slope_estimate(context.master_seed, fit_points(sweeps[g], "averaged policy", 1, 3));
      parts.push_back(slope_range_claim(r, fit, -1, -0.4).outcome);
      slopes.push_back(fit.estimate);
    }
    r = slope_range_claim(
        r,
        interval_estimate{*std::max_element(slopes.begin(), slopes.end()),
                          *std::min_element(slopes.begin(), slopes.end()),
                          *std::max_element(slopes.begin(), slopes.end()), true, ""},
        -1, -0.4);
    r.outcome = combine(parts);
    r.note = "slopes hard " + format_number(slopes[0]) + ", weighted " + format_number(slopes[1]) +
             ", Bradley-Terry " + format_number(slopes[2]) + "; estimate = largest";
    results.push_back(r);
  }
  bool ok = true;
  for (const auto& r : results) ok = ok && (r.outcome == verdict::pass);
  for (std::size_t g = 0; g < sweeps.size(); ++g) {
    sweeps[g].claim = g < 3 ? "SP-1, SP-2, SP-3" : "SP-2";
    if (g < 3) {
      // SP-3 fits grid points 1..3; the plotted fit uses the same window.
      sweeps[g].fit_first = 1;
      sweeps[g].fit_last = 3;
    }
    sweeps[g].verdict = ok ? "PASS" : "FAIL";
    context.record(std::move(sweeps[g]));
  }
  return results;
}

std::vector<claim_result> run_s1_last_iterate(verify_context& context) {
  const std::vector<double> start = geometric_start(3);
  const std::vector<double> etas{0.1, 1.0};
  sweep s("SP.S1.last_iterate", "eta", etas,
          {"min DG(pi_t), t in [10001, 20000]", "max DG(pi_t), t in [10001, 20000]"});
  s.info = {
      {"metric", "last-iterate duality gap"}, {"game", "hard rock-paper-scissors"}, {"T", "20000"}};
  double smallest = 1;
  for (std::size_t p = 0; p < etas.size(); ++p) {
    const sppo_result result =
        sppo_run(hard_rps(), start, etas[p], 20000, sppo_step_rule::exact, true);
    const auto first = result.gap_trace.begin() + 10000;
    const auto last = result.gap_trace.begin() + 20000;
    const double low = *std::min_element(first, last);
    s.values[0][p] = {low};
    s.values[1][p] = {*std::max_element(first, last)};
    smallest = std::min(smallest, low);
  }
  const sppo_result bt = sppo_run(bradley_terry_game(20), geometric_start(20), 1.0, 1000);
  claim_result r = base("SP-4", "S1 last iterate cycles (RPS), converges (BT)", "bound");
  r.predicted = "min DG >= 0.3; BT DG <= 1e-6";
  r.tolerance = 0;
  r.estimate = smallest;
  const bool ok = smallest >= 0.3 && bt.last_gap <= 1e-6;
  r.outcome = to_verdict(ok);
  r.note = "hard RPS min DG(pi_t) over t in [10001, 20000] at eta 0.1 and 1: " +
           format_number(s.values[0][0][0], 4) + ", " + format_number(s.values[0][1][0], 4) +
           "; Bradley-Terry DG(pi_1001) = " + sci(bt.last_gap);
  s.claim = "SP-4";
  s.verdict = to_string(r.outcome);
  s.log_y = false;
  context.record(std::move(s));
  return {r};
}

std::vector<claim_result> run_s1_sampled(verify_context& context) {
  const std::vector<double> start = geometric_start(3);
  const double kl = sppo_kl_max(start);
  const std::size_t horizon = 1000;
  const double eta = sppo_tuned_eta(kl, horizon);
  const double bound = sppo_sampled_gap_bound(kl, eta, horizon, 3, 0.05);
  const std::size_t trials = context.trials(100);
  double largest = 0;
  std::string note;
  for (const auto& [name, P] : {std::pair{std::string("hard"), hard_rps()},
                                std::pair{std::string("weighted"), weighted_rps()}}) {
    // SP-5 is a statement about every seed, so the plot shows one point per seed (trial index t,
    // stream key (point 0, trial t)) on linear axes with the bound as a flat line.
    std::vector<double> seeds(trials);
    for (std::size_t t = 0; t < trials; ++t) seeds[t] = static_cast<double>(t);
    sweep s("SP.S1.sampled." + name, "trial", seeds, {"sampled SPPO"});
    s.info = {{"metric", "duality gap of the averaged policy"},
              {"m", "5"},
              {"T", "1000"},
              {"eta", format_number(eta, 6)},
              {"delta", "0.05"},
              {"bound", format_number(bound, 6)}};
    const std::string experiment = s.experiment;
    const std::vector<double> gaps = run_trials(trials, context.threads, [&](std::size_t t) {
      auto rng = make_stream(context.master_seed, experiment, 0, t, substream::data);
      return sppo_run_sampled(P, start, eta, horizon, 5, rng).averaged_gap;
    });
    for (std::size_t t = 0; t < trials; ++t) s.values[0][t] = {gaps[t]};
    const double top = *std::max_element(gaps.begin(), gaps.end());
    largest = std::max(largest, top);
    note +=
        name + ": mean " + format_number(mean(gaps), 4) + ", max " + format_number(top, 4) + "; ";
    s.log_x = false;
    s.log_y = false;
    s.reference = {std::vector<double>(trials, bound)};
    s.reference_label = "bound (delta = 0.05)";
    s.claim = "SP-5";
    s.verdict = top <= bound ? "PASS" : "FAIL";
    context.record(std::move(s));
  }
  claim_result r = base("SP-5", "S1 sampled SPPO below the bound, every seed", "bound");
  r.predicted = "<= " + format_number(bound, 3);
  r.tolerance = 0;
  r.estimate = largest;
  r.outcome = to_verdict(largest <= bound);
  r.note = note + "per-trial bound";
  return {r};
}

std::vector<claim_result> run_projected(verify_context& context) {
  const std::vector<double> etas{0.01, 0.02, 0.05, 0.1};
  sweep s("SP.S1.projected", "eta", etas, {"TV(MW step, projected step)"});
  s.info = {{"metric", "total variation after one step"},
            {"game", "weighted rock-paper-scissors"},
            {"start", "pi_1(y) proportional to exp(-0.7 y)"}};
  const std::vector<double> start = geometric_start(3);
  for (std::size_t p = 0; p < etas.size(); ++p) {
    s.values[0][p] = {
        total_variation(sppo_step(weighted_rps(), start, etas[p]),
                        sppo_step(weighted_rps(), start, etas[p], sppo_step_rule::projected))};
  }
  auto& recorded = context.record(std::move(s));
  claim_result r = base("SP-6", "Projected SPPO step: log TV vs log eta", "slope");
  const interval_estimate fit =
      slope_estimate(context.master_seed, fit_points(recorded, recorded.methods[0]));
  r = slope_claim(r, fit, 3.0, 0.3);
  recorded.claim = "SP-6";
  recorded.verdict = to_string(r.outcome);
  return {r};
}

// ---------------------------------------------------------------- S2: SPIN

std::vector<claim_result> run_spin(verify_context& context) {
  std::vector<double> p_data(12);
  std::vector<double> p0(12);
  double sum = 0;
  for (int y = 0; y < 12; ++y) {
    p_data[y] = (y + 1) / 78.0;
    sum += p0[y] = std::exp(-0.25 * y);
  }
  for (double& v : p0) v /= sum;
  const std::vector<double> lambdas{0.4, 0.5, 0.75, 1, 2, 5};
  std::vector<std::string> methods;
  for (double l : lambdas) methods.push_back("lambda=" + format_number(l, 2));
  std::vector<double> steps;
  for (int t = 0; t <= 7; ++t) steps.push_back(t);
  sweep s("SP.S2", "t", steps, methods);
  s.info = {{"metric", "TV(p_t, p_data)"},
            {"K", "12"},
            {"p_data", "proportional to y + 1"},
            {"p_0", "proportional to exp(-y/4)"}};
  s.log_x = false;
  double argmin_error = 0;
  double identity_error = 0;
  const double d0 = spin_centred_log_ratio_norm(p0, p_data);
  const double jsd = spin_pair_jsd(p_data, p0);
  for (std::size_t m = 0; m < lambdas.size(); ++m) {
    const double lambda = lambdas[m];
    const auto path = spin_iterate(p_data, p0, lambda, 7);
    for (std::size_t t = 0; t < path.size(); ++t)
      s.values[m][t] = {total_variation(path[t], p_data)};
    argmin_error =
        std::max(argmin_error, total_variation(path[1], spin_numeric_step(p_data, p0, lambda)));
    const double ratio = spin_centred_log_ratio_norm(path[1], p_data) / d0;
    identity_error = std::max(identity_error, std::abs(ratio - std::abs(1 - 1 / lambda)));
    if (lambda >= 0.75) {
      std::vector<double> h(12);
      for (int y = 0; y < 12; ++y) h[y] = std::log(path[1][y] / p0[y]);
      identity_error = std::max(
          identity_error, std::abs(std::log(2.0) - spin_objective(p_data, p0, h, lambda) - jsd));
    }
  }
  const auto half = spin_iterate(p_data, p0, 0.5, 2);
  const double period_error = total_variation(half[2], half[0]);
  const std::size_t diverging = 0;  // lambda = 0.4
  const bool diverges = s.values[diverging][7][0] > s.values[diverging][0][0];
  claim_result r = base("SP-7", "S2 SPIN closed form, contraction, JSD identity", "identity");
  r.predicted = "argmin 1e-8; identities 1e-9";
  r.tolerance = 1e-9;
  r.estimate = identity_error;
  const bool ok = argmin_error < 1e-8 && identity_error < 1e-9 && period_error < 1e-9 && diverges;
  r.outcome = to_verdict(ok);
  r.note = "identity error " + sci(identity_error) + "; closed form vs Newton TV " +
           sci(argmin_error) + "; lambda=1/2 period-2 error " + sci(period_error) +
           "; lambda=0.4 TV after 7 steps " + format_number(s.values[diverging][7][0], 4) + " > " +
           format_number(s.values[diverging][0][0], 4);
  s.claim = "SP-7";
  s.verdict = to_string(r.outcome);
  context.record(std::move(s));
  return {r};
}

// ---------------------------------------------------------------- S3: DQO on the token tree

std::vector<claim_result> run_tree_values(verify_context&) {
  constexpr double beta = 0.25;
  const token_tree tree = pinned_token_tree();
  const soft_bellman_solution optimum = soft_bellman(tree, beta);
  const std::vector<double> reference = tree_reference_policy(tree);
  double value_error = 0;
  value_error = std::max(value_error, std::abs(optimum.value[0] - 0.488463689861));
  value_error =
      std::max(value_error, std::abs(tree_value_to_go(tree, reference)[0] - 0.1129858729));
  value_error =
      std::max(value_error, std::abs(tree_value_to_go(tree, optimum.policy)[0] - 0.8742864194));
  value_error = std::max(
      value_error, std::abs(tree_sequence_kl(tree, optimum.policy, reference) - 1.5432909181));
  value_error = std::max(
      value_error,
      std::abs(optimum.value[0] - tree_regularised_value(tree, reference, beta) - 0.3754778170));
  // D1: backward pass against the sequence-level formula; D2: pi* over leaves; D4: shaping.
  double certificate_error = std::abs(optimum.value[0] - tree_sequence_optimal_value(tree, beta));
  const std::vector<double> leaves = tree_leaf_probabilities(tree, optimum.policy);
  const std::vector<double> sequence = tree_sequence_optimal_policy(tree, beta);
  for (std::size_t l = 0; l < leaves.size(); ++l) {
    certificate_error = std::max(certificate_error, std::abs(leaves[l] - sequence[l]));
  }
  const std::vector<double> potential = tree_value_to_go(tree, reference);
  const soft_bellman_solution shaped = soft_bellman(shaped_token_tree(tree, potential), beta);
  for (std::size_t e = 0; e < optimum.policy.size(); ++e) {
    certificate_error = std::max(certificate_error, std::abs(optimum.policy[e] - shaped.policy[e]));
  }
  for (std::size_t s = 0; s < tree.internal_count(); ++s) {
    certificate_error =
        std::max(certificate_error, std::abs(shaped.value[s] - (optimum.value[s] - potential[s])));
  }
  claim_result r = base("SP-8", "S3 pinned tree values; D1, D2, D4", "identity");
  r.predicted = "values 1e-10; D1 D2 D4 1e-12";
  r.tolerance = 1e-10;
  r.estimate = value_error;
  r.outcome = to_verdict(value_error <= 1e-10 && certificate_error <= 1e-12);
  r.note = "max value error " + sci(value_error) + "; max certificate error " +
           sci(certificate_error) + " (V*(root) = " + format_number(optimum.value[0], 12) + ")";
  return {r};
}

std::vector<claim_result> run_tree_learners(verify_context& context) {
  constexpr double beta = 0.25;
  const token_tree tree = pinned_token_tree();
  const tree_data data = tree_population_data(tree);
  tree_learner_settings settings;
  settings.beta = beta;
  std::vector<double> tabular;
  settings.ridge = 1e-6;
  settings.loss = tree_loss::dro;
  tabular.push_back(tree_regularised_gap(
      tree, fit_tree_learner(tree, tabular_tree_features(tree), data, settings).policy, beta));
  settings.loss = tree_loss::dqo;
  for (double omega : {0.0, 0.5, 1.0}) {
    settings.omega = omega;
    tabular.push_back(tree_regularised_gap(
        tree, fit_tree_learner(tree, tabular_tree_features(tree), data, settings).policy, beta));
  }
  settings.ridge = 1e-4;
  std::vector<double> shared;
  const tree_features features = shared_tree_features(tree, 2);
  for (double omega : {0.0, 0.5, 1.0}) {
    settings.omega = omega;
    shared.push_back(
        tree_regularised_gap(tree, fit_tree_learner(tree, features, data, settings).policy, beta));
  }
  sweep s("SP.S3.pinned", "omega", {0, 0.5, 1},
          {"DQO tabular (ridge 1e-6)", "DQO shared (ridge 1e-4)"});
  s.info = {{"metric", "regularised gap beta KL(pi || pi*)"},
            {"data", "population limit"},
            {"DRO tabular gap", sci(tabular[0])}};
  s.log_x = false;
  for (std::size_t p = 0; p < 3; ++p) {
    s.values[0][p] = {tabular[p + 1]};
    s.values[1][p] = {shared[p]};
  }
  const double worst_tabular = *std::max_element(tabular.begin(), tabular.end());
  const bool ordered = shared[0] >= shared[1] && shared[1] >= shared[2];
  claim_result r = base("SP-10", "S3 DQO gaps: tabular < 1e-3; shared omega order", "bound");
  r.predicted = "< 1e-3; w0 >= w0.5 >= w1";
  r.tolerance = 1e-3;
  r.estimate = worst_tabular;
  r.outcome = to_verdict(worst_tabular < 1e-3 && ordered);
  r.note = "tabular DRO, DQO(0, 0.5, 1): " + sci(tabular[0]) + ", " + sci(tabular[1]) + ", " +
           sci(tabular[2]) + ", " + sci(tabular[3]) +
           "; shared DQO(0, 0.5, 1): " + format_number(shared[0], 4) + ", " +
           format_number(shared[1], 4) + ", " + format_number(shared[2], 4);
  s.claim = "SP-10";
  s.verdict = to_string(r.outcome);
  context.record(std::move(s));
  return {r};
}

// ---------------------------------------------------------------- S4: SPIN-Diffusion

std::vector<claim_result> run_diffusion(verify_context& context) {
  gaussian_diffusion model;
  for (int t = 1; t <= 10; ++t) model.nu.push_back(0.05 + 0.45 * (t - 1) / 9.0);
  gaussian_diffusion matched = model;
  const double ab = diffusion_alpha_bar(model).back();
  matched.prior_mean = std::sqrt(ab);
  matched.prior_variance = ab * 0.25 + 1 - ab;
  const linear_noise_predictor start = diffusion_tweedie(model, 0, 1);
  const double floor = diffusion_wasserstein2(model, diffusion_tweedie(model, 1, 0.25));

  std::vector<double> checkpoints;
  for (int k = 0; k <= 40; k += 5) checkpoints.push_back(k);
  sweep s("SP.S4", "iteration", checkpoints,
          {"SFT", "SPIN-Diffusion lambda=1", "SPIN-Diffusion lambda=2", "SPIN-Diffusion lambda=5"});
  s.info = {{"metric", "W2(p_theta, p_data)"},
            {"lr", "0.2"},
            {"data", "N(1, 0.25)"},
            {"prior", "N(0, 1)"},
            {"SFT floor", format_number(floor, 6)}};
  s.log_x = false;
  const std::vector<std::vector<double>> expected{
      {1.0877, 0.3353, 0.1771, 0.1079, 0.0706, 0.0485, 0.0346, 0.0256, 0.0197},
      {1.0877, 0.5613, 0.3714, 0.2691, 0.2044, 0.1599, 0.1278, 0.1037, 0.0851},
      {1.0877, 0.3620, 0.1988, 0.1240, 0.0824, 0.0568, 0.0401, 0.0287, 0.0208},
      {1.0877, 0.1433, 0.0566, 0.0219, 0.0110, 0.0046, 0.0025, 0.0010, 0.0006}};
  const std::vector<double> lambdas{0, 1, 2, 5};
  double trajectory_error = 0;
  double final_spin5 = 0;
  for (std::size_t m = 0; m < 4; ++m) {
    linear_noise_predictor theta = start;
    for (int k = 0; k <= 40; ++k) {
      if (k % 5 == 0) {
        const double w2 = diffusion_wasserstein2(model, theta);
        s.values[m][k / 5] = {w2};
        trajectory_error = std::max(trajectory_error, std::abs(w2 - expected[m][k / 5]));
        if (m == 3 && k == 40) final_spin5 = w2;
      }
      theta = m == 0 ? diffusion_sft_step(model, theta, 0.2)
                     : spin_diffusion_step(model, theta, lambdas[m], 0.2);
    }
  }
  // The SFT fixed point's W2 is the limit of the SFT trajectory and the floor that SPIN-Diffusion
  // with lambda = 5 must beat (G4), so it is drawn for SFT only.
  s.reference = {std::vector<double>(checkpoints.size(), floor)};
  s.reference_label = "fixed-point W2 (G4 floor)";
  // Exact trajectory-level SPIN, iterations 0..7.
  const std::vector<std::pair<double, std::vector<double>>> exact{
      {2, {1.087678, 0.2565, 0.1023, 0.0465, 0.02225, 0.01089, 0.005389, 0.00268}},
      {5, {1.087678, 0.5973, 0.3839, 0.2659, 0.1923, 0.1430, 0.1083, 0.08312}}};
  const gaussian_chain data = diffusion_data_chain(model);
  double contraction_error = 0;
  for (const auto& [lambda, values] : exact) {
    gaussian_chain chain = diffusion_reverse_chain(model, start);
    for (std::size_t k = 0; k < values.size(); ++k) {
      trajectory_error = std::max(
          trajectory_error,
          std::abs(gaussian_wasserstein2(chain_marginal_x0(chain), {1, 0.25}) - values[k]));
      const gaussian_chain next = spin_trajectory_step(chain, data, lambda);
      const double before = std::sqrt((chain.precision - data.precision).squaredNorm() +
                                      (chain.shift - data.shift).squaredNorm());
      const double after = std::sqrt((next.precision - data.precision).squaredNorm() +
                                     (next.shift - data.shift).squaredNorm());
      contraction_error = std::max(contraction_error, std::abs(after / before - (1 - 1 / lambda)));
      chain = next;
    }
  }
  const double one_step = gaussian_wasserstein2(
      chain_marginal_x0(spin_trajectory_step(diffusion_reverse_chain(model, start), data, 1.0)),
      {1, 0.25});
  // G0 and G1 at the matched prior.
  const linear_noise_predictor tweedie = diffusion_tweedie(matched, 1, 0.25);
  const double g0 = diffusion_wasserstein2(matched, tweedie);
  const linear_noise_predictor gradient = spin_diffusion_gradient(matched, tweedie, 1.0);
  double g1 = 0;
  for (std::size_t t = 0; t < gradient.a.size(); ++t)
    g1 = std::max({g1, std::abs(gradient.a[t]), std::abs(gradient.c[t])});
  // G3: l(sum u) <= (1/T) sum l(T u) pointwise on random points.
  xoshiro256ss rng(stream_key(context.master_seed, fnv1a64("SP.S4"), 0, 0, 0));
  bool jensen = true;
  for (int repeat = 0; repeat < 1000; ++repeat) {
    double total = 0;
    double average = 0;
    for (int t = 0; t < 10; ++t) {
      const double u = 2 * normal(rng);
      total += u;
      average += softplus(-10 * u) / 10;
    }
    jensen = jensen && softplus(-total) <= average + 1e-12;
  }
  claim_result r = base("SP-9", "S4 SPIN-Diffusion G0-G4 and W2 trajectories", "identity");
  r.predicted = "trajectories 1e-4";
  r.tolerance = 1e-4;
  r.estimate = trajectory_error;
  const bool ok = trajectory_error <= 1e-4 && g0 < 1e-14 && g1 < 1e-12 &&
                  contraction_error < 1e-12 && one_step < 1e-14 && jensen && final_spin5 < floor;
  r.outcome = to_verdict(ok);
  r.note = "max trajectory error " + sci(trajectory_error) + "; G0 W2 " + sci(g0) + ", G1 |grad| " +
           sci(g1) + ", G2 ratio error " + sci(contraction_error) + ", G3 " +
           (jensen ? "holds" : "violated") + ", G4 " + format_number(final_spin5, 5) + " < floor " +
           format_number(floor, 5);
  s.claim = "SP-9";
  s.verdict = to_string(r.outcome);
  context.record(std::move(s));
  return {r};
}

// ---------------------------------------------------------------- S1 on the real ranker matrix

std::vector<claim_result> run_real_matrix(verify_context& context) {
  const std::string relative = "preference-matrices/MSLR-Informational-CDC.txt";
  const auto file = context.data_file(relative);
  if (!file) {
    return skipped({"SP-11"}, "self-play", "SPPO on the 135-ranker matrix",
                   "data file " + relative + " not found");
  }
  const duel::preference_matrix matrix = duel::read_preference_matrix(*file);
  const auto k = static_cast<Eigen::Index>(matrix.size());
  Eigen::MatrixXd P(k, k);
  for (Eigen::Index i = 0; i < k; ++i) {
    for (Eigen::Index j = 0; j < k; ++j) P(i, j) = matrix(i, j);
  }
  const std::vector<double> start(k, 1.0 / static_cast<double>(k));
  const double kl = std::log(static_cast<double>(k));
  const std::vector<double> averaged{0.128194, 0.073086, 0.041045, 0.015629};
  const std::vector<double> last{0.072316, 0.038797, 0.017058, 0.000185};
  const std::vector<double> mass{0.024212, 0.070763, 0.426793, 0.986339};
  sweep s("SP.S1.real", "T", horizons,
          {"averaged policy", "last iterate", "last-iterate mass on ranker 113"});
  s.info = {{"metric", "duality gap"},
            {"file", relative},
            {"K", std::to_string(k)},
            {"start", "uniform"},
            {"step", "eta = sqrt(8 log K / T)"}};
  // The bound holds for the averaged policy only.
  s.reference.assign(1, {});
  s.reference_label = "bound sqrt(2 log K / T)";
  double identity_error = 0;
  bool bound_ok = true;
  bool winner_ok = true;
  for (std::size_t p = 0; p < horizons.size(); ++p) {
    const auto t = static_cast<std::size_t>(horizons[p]);
    const sppo_result result = sppo_run(P, start, sppo_tuned_eta(kl, t), t);
    s.values[0][p] = {result.averaged_gap};
    s.values[1][p] = {result.last_gap};
    s.values[2][p] = {result.last[113]};
    const double bound = std::sqrt(2 * kl / horizons[p]);
    s.reference[0].push_back(bound);
    identity_error =
        std::max({identity_error, std::abs(result.averaged_gap - averaged[p]),
                  std::abs(result.last_gap - last[p]), std::abs(result.last[113] - mass[p])});
    bound_ok = bound_ok && result.averaged_gap <= bound;
    winner_ok =
        winner_ok &&
        std::max_element(result.last.begin(), result.last.end()) - result.last.begin() == 113;
  }
  claim_result r = base("SP-11", "SPPO on 135-ranker matrix: table, bound, winner 113", "identity");
  r.predicted = "table 1e-5; DG <= bound; argmax 113";
  r.tolerance = 1e-5;
  r.estimate = identity_error;
  r.outcome = to_verdict(identity_error <= 1e-5 && bound_ok && winner_ok);
  r.note = "max table error " + sci(identity_error) + "; bound " +
           (bound_ok ? "holds" : "violated") + " at every T; argmax of the last iterate " +
           (winner_ok ? "is 113 at every T" : "differs from 113") + "; DG(avg) at T=10000 " +
           format_number(s.values[0][3][0], 6);
  s.claim = "SP-11";
  s.verdict = to_string(r.outcome);
  context.record(std::move(s));
  return {r};
}

std::vector<claim_result> run_games(verify_context& context) {
  std::vector<claim_result> results = run_s1(context);
  for (auto* part : {&run_s1_last_iterate, &run_s1_sampled, &run_projected, &run_spin,
                     &run_tree_values, &run_diffusion}) {
    for (auto& r : (*part)(context)) results.push_back(std::move(r));
  }
  return results;
}

const claim_registrar games_registrar{
    {.suite = "self-play",
     .ids = {"SP-1", "SP-2", "SP-3", "SP-4", "SP-5", "SP-6", "SP-7", "SP-8", "SP-9"},
     .budget_seconds = 3,
     .run = run_games}};

const claim_registrar learners_registrar{{.suite = "self-play",
                                          .ids = {"SP-10"},
                                          .budget_seconds = 1,
                                          .run = run_tree_learners,
                                          .full_only = true}};

const claim_registrar real_registrar{
    {.suite = "self-play", .ids = {"SP-11"}, .budget_seconds = 1, .run = run_real_matrix}};

}  // namespace

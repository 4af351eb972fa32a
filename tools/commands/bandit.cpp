// `banditry bandit learn`: learns a KL-regularised policy from a logged bandit CSV file (KL-PCB,
// plug-in or chi-square f-CB over (context, item) cells), estimates its click rate off-policy with
// confidence intervals next to the logging policy's, and prints coverage diagnostics as JSON.
#include "banditry/bandit.hpp"

#include <CLI/CLI.hpp>
#include <cmath>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "bandit_io.hpp"
#include "command_registry.hpp"
#include "input_file.hpp"

namespace {

namespace bd = banditry::bandit;
namespace tool = banditry::tool;

struct learn_options {
  std::string log_file;
  double eta = 1.0;
  std::string method = "kl-pcb";
  double bonus_scale = 1.0;
  double delta = 0.1;
  std::string context_column = "position";
  std::string action_column = "item_id";
  std::string reward_column = "click";
  std::string propensity_column = "propensity_score";
  std::string reference = "logged";
  double holdout = 0.0;
  double confidence = 0.95;
};

// An estimate from a single logged step has no interval: its standard error and bounds are then
// written as null, with "interval_defined": false saying why.
nlohmann::ordered_json to_json(const bd::value_estimate& e) {
  auto finite_or_null = [](double v) {
    return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
  };
  return {{"value", e.value},
          {"standard_error", finite_or_null(e.standard_error)},
          {"ci_lo", finite_or_null(e.ci_lo)},
          {"ci_hi", finite_or_null(e.ci_hi)},
          {"interval_defined", e.interval_defined},
          {"samples", e.samples},
          {"effective_sample_size", e.effective_sample_size}};
}

std::string interval_text(const bd::value_estimate& e) {
  char buffer[96];
  std::snprintf(buffer, sizeof buffer, "%.6f [%.6f, %.6f]", e.value, e.ci_lo, e.ci_hi);
  return buffer;
}

int run_learn(const learn_options& options) {
  tool::check_input_path(options.log_file, "--log");
  const tool::bandit_log full =
      tool::read_bandit_log(options.log_file, {options.action_column, options.context_column,
                                               options.reward_column, options.propensity_column});
  if (!(options.holdout >= 0 && options.holdout < 1)) {
    throw std::invalid_argument("banditry bandit learn: --holdout must be in [0, 1), got " +
                                std::to_string(options.holdout));
  }
  // Time-ordered split: the first rows train, the last `holdout` fraction evaluates.
  const auto evaluation_rows = static_cast<std::size_t>(
      std::floor(options.holdout * static_cast<double>(full.steps.size())));
  const std::size_t training_rows = full.steps.size() - evaluation_rows;
  if (training_rows == 0 || (options.holdout > 0 && evaluation_rows == 0)) {
    throw std::invalid_argument(
        "banditry bandit learn: --holdout leaves an empty training or "
        "evaluation set");
  }
  tool::bandit_log training = full;
  training.steps.resize(training_rows);
  std::vector<bd::logged_step> evaluation =
      options.holdout > 0
          ? std::vector<bd::logged_step>(full.steps.begin() + static_cast<long>(training_rows),
                                         full.steps.end())
          : full.steps;

  const auto contexts = static_cast<Eigen::Index>(full.contexts());
  const auto actions = static_cast<Eigen::Index>(full.actions);
  const Eigen::MatrixXd reference =
      options.reference == "uniform"
          ? Eigen::MatrixXd::Constant(contexts, actions, 1.0 / static_cast<double>(actions))
          : tool::logged_reference_policy(full);
  const bd::tabular_statistics data = tool::log_statistics(training);
  Eigen::VectorXd rho = data.counts.rowwise().sum();
  rho /= rho.sum();

  Eigen::MatrixXd policy;
  bd::reward_estimate estimate;
  std::string solver = "closed form";
  if (options.method == "kl-pcb") {
    estimate = bd::tabular_pessimistic_reward(data, {options.bonus_scale, options.delta});
    policy = bd::kl_pcb_tabular_policy(reference, data, options.eta,
                                       {options.bonus_scale, options.delta});
  } else if (options.method == "plug-in") {
    estimate = bd::tabular_plugin_reward(data);
    policy = bd::plugin_tabular_policy(reference, data, options.eta);
  } else {
    estimate = bd::tabular_plugin_reward(data);
    const auto solution =
        bd::chi_square_policy(reference, estimate.pessimistic_reward, options.eta);
    policy = solution.policy;
    solver = bd::to_string(solution.status);
  }

  const Eigen::MatrixXd model = bd::empirical_reward_model(training.steps, contexts, actions);
  const auto logging = bd::logging_policy_value(evaluation, options.confidence);
  const auto ips = bd::ips_value(evaluation, policy, options.confidence);
  const auto snips = bd::snips_value(evaluation, policy, options.confidence);
  const auto dm = bd::direct_method_value(evaluation, policy, model, options.confidence);
  const auto dr = bd::doubly_robust_value(evaluation, policy, model, options.confidence);

  double kl_to_reference = 0;
  for (Eigen::Index x = 0; x < contexts; ++x) {
    for (Eigen::Index y = 0; y < actions; ++y) {
      if (policy(x, y) > 0) {
        kl_to_reference +=
            rho(x) * policy(x, y) * (std::log(policy(x, y)) - std::log(reference(x, y)));
      }
    }
  }
  Eigen::Index positive_cells = 0;
  for (Eigen::Index x = 0; x < contexts; ++x) {
    for (Eigen::Index y = 0; y < actions; ++y)
      positive_cells += estimate.pessimistic_reward(x, y) > 0;
  }
  const Eigen::MatrixXd margin = estimate.mean_reward - estimate.bonus;

  nlohmann::ordered_json report;
  report["log"] = {
      {"file", options.log_file},
      {"rows", full.steps.size()},
      {"training_rows", training_rows},
      {"evaluation_rows", evaluation.size()},
      {"evaluation", options.holdout > 0 ? "holdout (last rows)" : "in-sample"},
      {"context_column", options.context_column.empty() ? "none" : options.context_column},
      {"contexts", contexts},
      {"context_values", full.context_values},
      {"actions", actions},
      {"action_ids", full.action_values},
      {"reference", options.reference}};
  report["method"] = {{"name", options.method},
                      {"eta", options.eta},
                      {"bonus_scale", options.bonus_scale},
                      {"delta", options.delta},
                      {"solver", solver}};
  report["logging_policy"] = to_json(logging);
  report["learned_policy"] = {{"ips", to_json(ips)},
                              {"snips", to_json(snips)},
                              {"direct_method", to_json(dm)},
                              {"doubly_robust", to_json(dr)},
                              {"max_probability", policy.maxCoeff()},
                              {"min_probability", policy.minCoeff()},
                              {"kl_to_reference", kl_to_reference}};
  report["coverage"] = {
      {"all_policy_concentrability", bd::all_policy_concentrability(reference)},
      {"learned_policy_concentrability", bd::single_policy_concentrability(policy, reference)},
      {"learned_policy_d2", bd::tabular_d2(policy, reference, rho)},
      {"all_policy_d2", bd::tabular_all_policy_d2(reference, rho)},
      {"min_cell_count", data.counts.minCoeff()},
      {"max_cell_count", data.counts.maxCoeff()},
      {"cells_with_positive_pessimistic_reward", positive_cells},
      {"max_mean_minus_bonus",
       options.method == "kl-pcb" ? nlohmann::json(margin.maxCoeff()) : nlohmann::json(nullptr)}};
  std::cerr << "logging policy click rate:  " << interval_text(logging) << '\n'
            << options.method << " (eta " << options.eta << ") IPS:   " << interval_text(ips)
            << '\n'
            << options.method << " (eta " << options.eta << ") DR:    " << interval_text(dr) << '\n'
            << "evaluation: "
            << (options.holdout > 0
                    ? "holdout of the last " + std::to_string(evaluation.size()) + " rows"
                    : std::string("in-sample (optimistic for a policy fitted on the same rows)"))
            << '\n';
  std::cout << report.dump(2) << '\n';
  return 0;
}

const banditry::tool::command_registrar registrar{
    {"bandit", [](CLI::App& program) {
       auto* sub = program.add_subcommand("bandit", "Offline KL-regularised contextual bandits");
       sub->require_subcommand(1);
       auto options = std::make_shared<learn_options>();
       auto* learn = sub->add_subcommand("learn",
                                         "Learn a KL-regularised policy from a logged CSV file and "
                                         "print its off-policy value and "
                                         "coverage diagnostics as JSON (summary on stderr)");
       learn
           ->add_option("--log", options->log_file,
                        "CSV file with one logged interaction per row; rewards in [0, 1]")
           ->required();
       learn->add_option("--eta", options->eta,
                         "KL coefficient eta > 0 (inverse temperature; default 1)");
       learn->add_option("--method", options->method, "kl-pcb (default), plug-in or chi-square")
           ->check(CLI::IsMember({"kl-pcb", "plug-in", "chi-square"}));
       learn->add_option("--bonus-scale", options->bonus_scale,
                         "KL-PCB bonus constant c_b >= 0 (default 1)");
       learn->add_option("--delta", options->delta,
                         "KL-PCB failure probability in (0, 1) (default 0.1)");
       learn->add_option(
           "--context", options->context_column,
           "Integer column whose values are the contexts (default position); \"\" for "
           "one context");
       learn->add_option("--action", options->action_column,
                         "Column of non-negative integer action ids; the sorted distinct ids map "
                         "to action indices 0..K-1, listed as action_ids (default item_id)");
       learn->add_option("--reward", options->reward_column,
                         "Reward column, values in [0, 1] (default click)");
       learn->add_option("--propensity", options->propensity_column,
                         "Logging-probability column (default propensity_score)");
       learn
           ->add_option("--reference", options->reference,
                        "Reference policy: logged (from the propensities; default) or uniform")
           ->check(CLI::IsMember({"logged", "uniform"}));
       learn->add_option("--holdout", options->holdout,
                         "Fraction of the last rows kept for evaluation, in [0, 1) (default 0: "
                         "evaluate in-sample)");
       learn->add_option("--confidence", options->confidence,
                         "Two-sided level of the confidence intervals (default 0.95)");
       learn->callback([options] {
         const int code = run_learn(*options);
         if (code != 0) throw banditry::tool::exit_status{code};
       });
     }}};

}  // namespace

// Learns KL-regularised policies from a logged recommendation file and compares their off-policy
// click rates with the logging policy's.
//
// Usage: bandit_offline_log [FILE] [ETA]
//   FILE  CSV with columns item_id, position, click, propensity_score
//         (default ../shared/data/bandit-logs/random_men.csv, the Open Bandit Dataset sample)
//   ETA   KL coefficient (default 10)
// Contexts are the display positions, actions the item ids, rewards the clicks, and the reference
// policy is recovered from the logged propensities. Without the default file it prints a notice
// and exits 0.
// expected output: (KL-PCB \(IPS\)|not found)
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>

#include "../tools/bandit_io.hpp"
#include "banditry/bandit.hpp"

int main(int argc, char** argv) {
  namespace bd = banditry::bandit;
  const std::string path = argc > 1 ? argv[1] : "../shared/data/bandit-logs/random_men.csv";
  const double eta = argc > 2 ? std::stod(argv[2]) : 10.0;
  if (argc <= 1 && !std::filesystem::exists(path)) {
    std::printf("%s not found; pass a log file as the first argument\n", path.c_str());
    return 0;
  }
  try {
    const auto log = banditry::tool::read_bandit_log(path);
    const auto data = banditry::tool::log_statistics(log);
    const Eigen::MatrixXd reference = banditry::tool::logged_reference_policy(log);

    const Eigen::MatrixXd pessimistic = bd::kl_pcb_tabular_policy(reference, data, eta);
    const Eigen::MatrixXd plugin = bd::plugin_tabular_policy(reference, data, eta);
    const auto logging = bd::logging_policy_value(log.steps);
    const auto pcb_value = bd::ips_value(log.steps, pessimistic);
    const auto plugin_value = bd::ips_value(log.steps, plugin);

    std::printf("%zu rows, %zu contexts, %zu actions, eta %.3g\n", log.steps.size(), log.contexts(),
                log.actions, eta);
    std::printf("logging policy  %.6f [%.6f, %.6f]\n", logging.value, logging.ci_lo, logging.ci_hi);
    std::printf("KL-PCB (IPS)    %.6f [%.6f, %.6f]  max prob %.4f\n", pcb_value.value,
                pcb_value.ci_lo, pcb_value.ci_hi, pessimistic.maxCoeff());
    std::printf("plug-in (IPS)   %.6f [%.6f, %.6f]  max prob %.4f (in-sample, optimistic)\n",
                plugin_value.value, plugin_value.ci_lo, plugin_value.ci_hi, plugin.maxCoeff());
    std::printf("coverage: C_Pi %.1f, C(plug-in) %.3f\n", bd::all_policy_concentrability(reference),
                bd::single_policy_concentrability(plugin, reference));
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bandit_offline_log: %s\n", error.what());
    return 1;
  }
  return 0;
}

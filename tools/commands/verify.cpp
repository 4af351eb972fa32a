// `banditry verify`: runs the registered claim groups and prints claim, prediction, measurement and
// verdict for each, writes verify_out/ (CSV, JSON and SVG per sweep, summary.json), and exits 1 iff
// a claim FAILs.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "banditry/sim/output.hpp"
#include "banditry/sim/registry.hpp"
#include "banditry/version.hpp"
#include "cli_validators.hpp"
#include "command_registry.hpp"
#include "data_dir.hpp"

namespace {

using banditry::sim::claim_group;
using banditry::sim::claim_result;
using banditry::sim::verdict;

struct verify_options {
  std::uint64_t seed = 1;
  unsigned threads = 0;
  bool quick = false;
  bool full = false;
  bool list = false;
  bool record = false;
  std::string claims;
  std::string out_dir = "verify_out";
  std::string json_file;
  std::string plots_dir;
  std::string data_dir;
  std::string proofs_dir = "proofs";
};

// True when `id` matches one of the comma-separated patterns; a pattern ending in '*' is a prefix,
// and a pattern without a dash (SEL, KL) selects a whole area.
bool selected(const std::string& id, const std::string& patterns) {
  if (patterns.empty()) return true;
  std::stringstream list(patterns);
  std::string pattern;
  while (std::getline(list, pattern, ',')) {
    if (pattern.empty()) continue;
    if (pattern.back() == '*') {
      if (id.rfind(pattern.substr(0, pattern.size() - 1), 0) == 0) return true;
    } else if (pattern.find('-') == std::string::npos) {
      if (id.rfind(pattern + "-", 0) == 0) return true;
    } else if (id == pattern) {
      return true;
    }
  }
  return false;
}

std::string measured_text(const claim_result& r) {
  if (std::isnan(r.estimate)) return "-";
  std::string text = banditry::sim::format_number(r.estimate, 4);
  if (!std::isnan(r.ci_lo) && !std::isnan(r.ci_hi) &&
      (r.ci_lo != r.estimate || r.ci_hi != r.estimate)) {
    text += " [" + banditry::sim::format_number(r.ci_lo, 4) + ", " +
            banditry::sim::format_number(r.ci_hi, 4) + "]";
  }
  return text;
}

std::string pad(std::string text, std::size_t width) {
  if (text.size() > width) text = text.substr(0, width - 1) + "~";
  text.resize(width, ' ');
  return text;
}

// Tolerance column: "-" for none, two decimals, or "1e-05" style below 0.01.
std::string tolerance_text(double tolerance) {
  if (tolerance == 0) return "-";
  if (std::abs(tolerance) >= 0.01) return banditry::sim::format_number(tolerance, 2);
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%.0e", tolerance);
  return buffer;
}

// Natural order of claim ids: area, then number (SEL-2 before SEL-10).
bool id_less(const claim_result& a, const claim_result& b) {
  auto split = [](const std::string& id) {
    const auto dash = id.find('-');
    const std::string area = id.substr(0, dash);
    int number = 0;
    if (dash != std::string::npos) number = std::atoi(id.c_str() + dash + 1);
    static const std::map<std::string, int> order{
        {"CORE", 0}, {"SEL", 1}, {"KL", 2}, {"DU", 3}, {"SP", 4}};
    const auto it = order.find(area);
    return std::tuple(it == order.end() ? 9 : it->second, area, number, id);
  };
  return split(a.id) < split(b.id);
}

// Rewrites each "Last recorded result (ID): ..." line of proofs/*.md with this run's result.
void record_results(const std::vector<claim_result>& results, const std::string& proofs_dir,
                    const verify_options& options) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(proofs_dir)) {
    std::cerr << "banditry verify: --record: proofs folder " << proofs_dir << " not found\n";
    return;
  }
  std::map<std::string, const claim_result*> by_id;
  for (const auto& r : results) by_id[r.id] = &r;
  const std::regex line_pattern(R"(^Last recorded result \(([A-Z]+-[0-9]+)\): .*$)");
  for (const auto& entry : fs::directory_iterator(proofs_dir)) {
    if (entry.path().extension() != ".md") continue;
    std::ifstream in(entry.path());
    std::stringstream rewritten;
    std::string line;
    bool changed = false;
    while (std::getline(in, line)) {
      std::smatch match;
      if (std::regex_match(line, match, line_pattern) && by_id.count(match[1])) {
        const auto& r = *by_id[match[1]];
        std::string text = "Last recorded result (" + r.id + "): " + to_string(r.outcome) +
                           ", measured " + measured_text(r) + ", predicted " + r.predicted +
                           " (seed " + std::to_string(options.seed) + ", " +
                           (options.quick  ? "quick"
                            : options.full ? "full"
                                           : "default") +
                           " mode, banditry " + banditry::version_string + ")";
        if (!r.note.empty()) text += "; " + r.note;
        changed = changed || text != line;
        line = text;
      }
      rewritten << line << '\n';
    }
    in.close();
    if (changed) std::ofstream(entry.path()) << rewritten.str();
  }
}

// Keeps the ids of a comma-separated list that this run selected.
std::string selected_ids(const std::string& ids, const std::string& patterns) {
  std::stringstream list(ids);
  std::string id;
  std::string kept;
  while (std::getline(list, id, ',')) {
    while (!id.empty() && id.front() == ' ') id.erase(id.begin());
    if (!id.empty() && selected(id, patterns)) kept += (kept.empty() ? "" : ", ") + id;
  }
  return kept;
}

// True when the folder exists (or can be created) and a file can be written in it.
bool writable_folder(const std::filesystem::path& folder) {
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (error || !std::filesystem::is_directory(folder)) return false;
  const auto probe = folder / ".banditry-write-test";
  {
    std::ofstream out(probe);
    if (!out) return false;
  }
  std::filesystem::remove(probe, error);
  return true;
}

// Returns a message for the first unusable option, or an empty string.
std::string check_options(const verify_options& options, const std::vector<claim_group>& groups) {
  namespace fs = std::filesystem;
  std::stringstream list(options.claims);
  std::string pattern;
  while (std::getline(list, pattern, ',')) {
    if (pattern.empty()) continue;
    bool known = false;
    bool needs_full = false;
    for (const auto& group : groups) {
      for (const auto& id : group.ids) {
        if (!selected(id, pattern)) continue;
        known = true;
        needs_full = group.full_only && !options.full;
      }
    }
    if (!known) {
      return "--claims: no registered claim matches \"" + pattern +
             "\" (list them with banditry verify --list)";
    }
    if (needs_full && pattern.find('-') != std::string::npos && pattern.back() != '*') {
      return "--claims: " + pattern + " runs only with --full";
    }
  }
  if (!options.data_dir.empty() && !fs::is_directory(options.data_dir)) {
    return "--data: folder not found: " + options.data_dir;
  }
  if (options.record && !fs::is_directory(options.proofs_dir)) {
    return "--record: proofs folder not found: " + options.proofs_dir + " (set it with --proofs)";
  }
  if (!writable_folder(options.out_dir)) return "--out: cannot write to " + options.out_dir;
  if (!options.plots_dir.empty() && !writable_folder(options.plots_dir)) {
    return "--plots: cannot write to " + options.plots_dir;
  }
  if (!options.json_file.empty()) {
    if (fs::is_directory(options.json_file)) {
      return "--json: " + options.json_file + " is a directory, expected a file name";
    }
    const fs::path parent = fs::absolute(options.json_file).parent_path();
    if (!writable_folder(parent)) return "--json: cannot write to " + parent.string();
  }
  return {};
}

// Renders each gnuplot script to PNG when gnuplot is installed; gnuplot's messages go to
// <experiment>.gnuplot.log so they never interleave with the table.
void write_png_plots(const std::string& plots_dir, const std::vector<std::string>& experiments) {
  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) {
    std::cout << "plots: SVG, gnuplot scripts and data in " << plots_dir
              << " (gnuplot is not installed, so no PNG)\n";
    return;
  }
  std::size_t failed = 0;
  for (const auto& experiment : experiments) {
    const std::string command = "cd '" + plots_dir + "' && gnuplot '" + experiment + ".gp' 2> '" +
                                experiment + ".gnuplot.log'";
    const auto png = std::filesystem::path(plots_dir) / (experiment + ".png");
    std::error_code error;
    if (std::system(command.c_str()) != 0 || std::filesystem::file_size(png, error) == 0 || error) {
      std::cerr << "banditry verify: gnuplot failed on " << experiment << ".gp (see " << experiment
                << ".gnuplot.log)\n";
      ++failed;
    }
  }
  std::cout << "plots: SVG and PNG of " << experiments.size() - failed << " sweeps in "
            << plots_dir;
  if (failed > 0) std::cout << " (" << failed << " PNG failed)";
  std::cout << '\n';
}

int run_verify(const verify_options& options) {
  namespace fs = std::filesystem;
  banditry::sim::verify_context context;
  context.master_seed = options.seed;
  context.threads = options.threads == 0 ? banditry::sim::default_threads() : options.threads;
  context.mode = options.quick  ? banditry::sim::run_mode::quick
                 : options.full ? banditry::sim::run_mode::full
                                : banditry::sim::run_mode::standard;
  context.data_dir = banditry::tool::find_data_dir(options.data_dir);
  const bool progress_to_tty = isatty(fileno(stderr));
  context.progress = [progress_to_tty](const std::string& message) {
    if (progress_to_tty) {
      std::cerr << "\r\033[K" << message << std::flush;
    } else {
      std::cerr << message << '\n';
    }
  };

  const auto& groups = banditry::sim::claim_registry::instance().groups();
  if (options.list) {
    for (const auto& g : groups) {
      for (const auto& id : g.ids)
        std::cout << id << "\t" << g.suite << (g.full_only ? "\t(--full only)" : "") << '\n';
    }
    return 0;
  }

  // Reject what would otherwise only show up after a long run: unknown claim patterns, a
  // missing data or proofs folder, and output paths that cannot be written.
  if (const std::string problem = check_options(options, groups); !problem.empty()) {
    std::cerr << "banditry verify: " << problem << '\n';
    return 2;
  }

  std::cout << "banditry " << banditry::version_string << " verify: master seed "
            << context.master_seed << ", threads " << context.threads << ", mode "
            << to_string(context.mode) << '\n';
  std::cout << "data: "
            << (context.data_dir
                    ? context.data_dir->string()
                    : std::string("none found (real-data claims SKIP; use --data DIR)"))
            << "\n\n";

  std::vector<claim_result> results;
  std::map<std::string, double> timing;
  std::map<std::string, double> budget;
  const auto start = std::chrono::steady_clock::now();
  std::vector<const claim_group*> to_run;
  for (const auto& group : groups) {
    bool wanted = false;
    for (const auto& id : group.ids) wanted = wanted || selected(id, options.claims);
    if (wanted && (!group.full_only || options.full)) to_run.push_back(&group);
  }
  std::size_t group_index = 0;
  for (const claim_group* group_pointer : to_run) {
    const claim_group& group = *group_pointer;
    ++group_index;
    context.report("[" + std::to_string(group_index) + "/" + std::to_string(to_run.size()) + "] " +
                   group.suite + ": " + group.ids.front() +
                   (group.ids.size() > 1 ? ".." + group.ids.back() : std::string()));
    const auto group_start = std::chrono::steady_clock::now();
    std::vector<claim_result> group_results;
    try {
      group_results = group.run(context);
    } catch (const std::exception& e) {
      for (const auto& id : group.ids) {
        claim_result r;
        r.id = id;
        r.file = group.suite;
        r.description = "claim group failed to run";
        r.outcome = verdict::fail;
        r.note = e.what();
        group_results.push_back(r);
      }
    }
    timing[group.suite] +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - group_start).count();
    budget[group.suite] += group.budget_seconds;
    for (auto& r : group_results) {
      if (selected(r.id, options.claims)) results.push_back(std::move(r));
    }
  }
  if (progress_to_tty) std::cerr << "\r\033[K";
  std::stable_sort(results.begin(), results.end(), id_less);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::cout << pad("ID", 8) << "| " << pad("claim", 44) << "| " << pad("predicted", 26) << "| "
            << pad("measured [95% CI]", 34) << "| " << pad("tol", 6) << "| verdict\n";
  std::size_t passes = 0, fails = 0, skips = 0;
  for (const auto& r : results) {
    std::cout << pad(r.id, 8) << "| " << pad(r.description, 44) << "| " << pad(r.predicted, 26)
              << "| " << pad(measured_text(r), 34) << "| " << pad(tolerance_text(r.tolerance), 6)
              << "| " << to_string(r.outcome) << (r.note.empty() ? "" : "  (" + r.note + ")")
              << '\n';
    passes += r.outcome == verdict::pass;
    fails += r.outcome == verdict::fail;
    skips += r.outcome == verdict::skip;
  }
  std::cout << '\n';
  for (const auto& [suite, seconds] : timing) {
    std::cout << "suite " << suite << ": " << banditry::sim::format_number(seconds, 1) << " s";
    if (context.mode == banditry::sim::run_mode::standard && seconds > 2 * budget[suite] * 1.0) {
      std::cout << "  (warning: more than twice its budget of " << budget[suite] << " s)";
    }
    std::cout << '\n';
  }

  // Plot titles name the claims of this run that use the sweep, each with its own verdict.
  std::map<std::string, verdict> outcome_by_id;
  for (const auto& r : results) outcome_by_id[r.id] = r.outcome;
  for (auto& s : context.sweeps) {
    std::string title;
    std::stringstream ids(selected_ids(s.claim, options.claims));
    std::string id;
    while (std::getline(ids, id, ',')) {
      while (!id.empty() && id.front() == ' ') id.erase(id.begin());
      if (id.empty()) continue;
      title += (title.empty() ? "" : ", ") + id;
      if (outcome_by_id.count(id)) title += std::string(": ") + to_string(outcome_by_id[id]);
    }
    s.claim = title;
    s.verdict.clear();
  }

  // Files: one CSV, JSON and SVG per sweep, and summary.json.
  const fs::path out_dir = options.out_dir;
  std::vector<std::string> plotted;
  for (auto& s : context.sweeps) {
    const auto summary =
        banditry::sim::summarise(s, context.master_seed, context.bootstrap_resamples);
    banditry::sim::write_csv(s, summary, out_dir);
    banditry::sim::write_json(s, context.master_seed, out_dir);
    banditry::sim::write_svg(s, summary, out_dir);
    if (!options.plots_dir.empty()) {
      banditry::sim::write_svg(s, summary, options.plots_dir);
      if (banditry::sim::write_gnuplot(s, summary, options.plots_dir))
        plotted.push_back(s.experiment);
    }
  }
  if (!options.plots_dir.empty()) write_png_plots(options.plots_dir, plotted);
  nlohmann::ordered_json summary;
  summary["meta"] = {{"master_seed", context.master_seed},
                     {"threads", context.threads},
                     {"mode", to_string(context.mode)},
                     {"version", banditry::version_string}};
  summary["claims"] = nlohmann::json::array();
  auto number = [](double v) {
    return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
  };
  for (const auto& r : results) {
    summary["claims"].push_back({{"id", r.id},
                                 {"file", r.file},
                                 {"description", r.description},
                                 {"type", r.type},
                                 {"predicted", r.predicted},
                                 {"tolerance", number(r.tolerance)},
                                 {"estimate", number(r.estimate)},
                                 {"ci_lo", number(r.ci_lo)},
                                 {"ci_hi", number(r.ci_hi)},
                                 {"verdict", to_string(r.outcome)},
                                 {"note", r.note}});
  }
  summary["timing"] = timing;
  fs::create_directories(out_dir);
  std::ofstream(out_dir / "summary.json") << summary.dump(2) << '\n';
  if (!options.json_file.empty()) {
    std::ofstream json_out(options.json_file);
    json_out << summary.dump(2) << '\n';
    if (!json_out) {
      std::cerr << "banditry verify: --json: writing " << options.json_file << " failed\n";
      return 2;
    }
  }
  if (options.record) record_results(results, options.proofs_dir, options);

  std::cout << passes << " PASS, " << fails << " FAIL, " << skips << " SKIP, wall "
            << banditry::sim::format_number(wall, 1) << " s\n";
  if (results.empty()) {
    std::cerr << "banditry verify: no claim matches --claims " << options.claims << '\n';
    return 2;
  }
  if (options.quick && fails > 0) {
    std::cout << "(quick mode reports but does not gate: exit status 0)\n";
    return 0;
  }
  return fails == 0 ? 0 : 1;
}

const banditry::tool::command_registrar registrar{
    {"verify", [](CLI::App& program) {
       auto options = std::make_shared<verify_options>();
       auto* sub =
           program.add_subcommand("verify", "Run the theory claims and print a verdict table");
       sub->add_option(
           "--claims", options->claims,
           "Comma-separated claim ids, areas (SEL, KL, DU, SP, CORE) or prefixes ending in *");
       sub->add_option("--seed", options->seed, "Master seed of every random stream (default 1)")
           ->check(banditry::tool::whole_number_at_least(0));
       sub->add_option("--threads", options->threads, "Worker threads (default: all cores)")
           ->check(banditry::tool::whole_number_at_least(0));
       auto* quick =
           sub->add_flag("--quick", options->quick,
                         "Divide trial counts by 4 (at least 4); reports but never fails");
       sub->add_flag("--full", options->full,
                     "Multiply trial counts by 4 and run the optional claims")
           ->excludes(quick);
       sub->add_option("--out", options->out_dir,
                       "Folder for CSV, JSON, SVG and summary.json (default verify_out)");
       sub->add_option("--json", options->json_file, "Also write summary.json to this file");
       sub->add_option(
           "--plots", options->plots_dir,
           "Folder for SVG plots, gnuplot scripts and data, and PNG when gnuplot is installed");
       sub->add_option("--data", options->data_dir,
                       "Real-data folder (default: $BANDITRY_DATA, else ../shared/data)");
       sub->add_flag(
           "--record", options->record,
           "Rewrite the 'Last recorded result' lines of proofs/*.md with this run's results");
       sub->add_option("--proofs", options->proofs_dir,
                       "Proofs folder for --record (default proofs)");
       sub->add_flag("--list", options->list, "List the registered claim ids and exit");
       sub->callback([options] {
         const int code = run_verify(*options);
         if (code != 0) throw banditry::tool::exit_status{code};
       });
     }}};

}  // namespace

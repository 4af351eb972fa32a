// The banditry command-line program: `banditry verify` and the per-area subcommands.
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "banditry/version.hpp"
#include "command_registry.hpp"

int main(int argc, char** argv) {
  CLI::App program{"banditry: bandit and selection theory, checked by simulation"};
  program.set_version_flag("--version", banditry::version_string);
  program.require_subcommand(1);
  for (const auto& c : banditry::tool::commands()) c.attach(program);
  try {
    program.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return program.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return program.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return program.exit(e);
  } catch (const CLI::ParseError& e) {
    // Usage errors share one format and exit status 2, whatever CLI11's own code for them is.
    std::cerr << "banditry: error: " << e.what() << "\n(run with --help for the options)\n";
    return 2;
  } catch (const banditry::tool::exit_status& status) {
    return status.code;
  } catch (const std::exception& e) {
    std::cerr << "banditry: error: " << e.what() << '\n';
    return 1;
  }
  return 0;
}

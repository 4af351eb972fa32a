// Registry of `banditry` subcommands. Each area adds its subcommands from its own source file with
// a static `command_registrar`, so the program's main() never changes when an area grows.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace banditry::tool {

/// Adds one subcommand (with its options and callback) to the program.
struct command {
  std::string name;
  std::function<void(CLI::App& program)> attach;
};

inline std::vector<command>& commands() {
  static std::vector<command> list;
  return list;
}

struct command_registrar {
  explicit command_registrar(command c) { commands().push_back(std::move(c)); }
};

/// Thrown by a subcommand callback to end the program with a status without an error message.
struct exit_status {
  int code;
};

}  // namespace banditry::tool

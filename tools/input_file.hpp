// Opening input files for the subcommands with one set of messages: a missing path, a directory or
// an unreadable file is rejected with the option's name, so every command reports them alike.
#pragma once

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace banditry::tool {

/// Throws std::invalid_argument unless `path` names a readable regular file (or is "-" for
/// standard input, when `allow_stdin`). `option` is the option or argument name, e.g. "--matrix".
inline void check_input_path(const std::string& path, const std::string& option,
                             bool allow_stdin = false) {
  namespace fs = std::filesystem;
  if (allow_stdin && path == "-") return;
  if (path.empty()) throw std::invalid_argument(option + ": missing file name");
  std::error_code error;
  const auto status = fs::status(path, error);
  if (error || !fs::exists(status)) {
    throw std::invalid_argument(option + ": file not found: " + path);
  }
  if (fs::is_directory(status)) {
    throw std::invalid_argument(option + ": " + path + " is a directory, expected a file");
  }
  std::ifstream probe(path);
  if (!probe) throw std::invalid_argument(option + ": cannot read " + path);
}

/// Reads a whole input file (or standard input for "-" when `allow_stdin`) after check_input_path.
inline std::string read_input(const std::string& path, const std::string& option,
                              bool allow_stdin = false) {
  check_input_path(path, option, allow_stdin);
  std::stringstream buffer;
  if (allow_stdin && path == "-") {
    buffer << std::cin.rdbuf();
  } else {
    std::ifstream in(path, std::ios::binary);
    buffer << in.rdbuf();
    if (in.bad()) throw std::invalid_argument(option + ": reading " + path + " failed");
  }
  return buffer.str();
}

}  // namespace banditry::tool

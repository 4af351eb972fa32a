// Option validators shared by the subcommands.
#pragma once

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdint>
#include <string>
#include <system_error>

namespace banditry::tool {

/// Validator for an unsigned whole-number option with a minimum. CLI11 2.1 converts "-1" to
/// 2^64 - 1 for an unsigned option, so the text is checked first: decimal digits only, at least
/// `minimum`, and no wrap-around.
inline CLI::Validator whole_number_at_least(std::uint64_t minimum) {
  return CLI::Validator(
      [minimum](std::string& input) -> std::string {
        std::uint64_t value = 0;
        const char* end = input.data() + input.size();
        const auto [next, error] = std::from_chars(input.data(), end, value);
        if (input.empty() || error != std::errc() || next != end || value < minimum) {
          return "must be a whole number >= " + std::to_string(minimum) +
                 " (at most 2^64 - 1), got " + input;
        }
        return {};
      },
      "INT>=" + std::to_string(minimum));
}

}  // namespace banditry::tool

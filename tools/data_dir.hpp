// Locates the real-data folder: the --data option, else $BANDITRY_DATA, else ../shared/data
// relative to the current directory.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

namespace banditry::tool {

inline std::optional<std::filesystem::path> find_data_dir(const std::string& option) {
  namespace fs = std::filesystem;
  if (!option.empty()) {
    if (fs::is_directory(option)) return fs::path(option);
    return std::nullopt;
  }
  if (const char* env = std::getenv("BANDITRY_DATA"); env != nullptr && *env != '\0') {
    if (fs::is_directory(env)) return fs::path(env);
    return std::nullopt;
  }
  fs::path fallback = fs::path("..") / "shared" / "data";
  if (fs::is_directory(fallback)) return fallback;
  return std::nullopt;
}

}  // namespace banditry::tool

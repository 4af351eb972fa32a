// Library version, the single source that CMake parses.
#pragma once

#define BANDITRY_VERSION_MAJOR 0
#define BANDITRY_VERSION_MINOR 1
#define BANDITRY_VERSION_PATCH 0
#define BANDITRY_VERSION_STRING "0.1.0"

namespace banditry {
inline constexpr int version_major = BANDITRY_VERSION_MAJOR;
inline constexpr int version_minor = BANDITRY_VERSION_MINOR;
inline constexpr int version_patch = BANDITRY_VERSION_PATCH;
inline constexpr const char* version_string = BANDITRY_VERSION_STRING;
}  // namespace banditry

// Helpers shared by the test executables (never installed).
#pragma once

#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>

namespace banditry::test {

/// True when a and b agree to `relative` relative or `absolute` absolute error; NaN equals NaN and
/// infinities must match exactly.
inline bool close(double a, double b, double relative = 1e-12, double absolute = 0) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (std::isinf(a) || std::isinf(b)) return a == b;
  return std::abs(a - b) <= std::max(absolute, relative * std::max(std::abs(a), std::abs(b)));
}

/// Distance in units in the last place between two doubles of the same sign.
inline double ulp_distance(double a, double b) {
  if (a == b) return 0;
  const double spacing =
      std::nextafter(std::abs(b), std::numeric_limits<double>::infinity()) - std::abs(b);
  return std::abs(a - b) / spacing;
}

/// The real-data folder (../shared/data beside the checkout, or $BANDITRY_DATA), or nullopt.
inline std::optional<std::filesystem::path> shared_data() {
  if (const char* env = std::getenv("BANDITRY_DATA"); env && *env) {
    if (std::filesystem::is_directory(env)) return std::filesystem::path(env);
  }
#ifdef BANDITRY_SHARED_DATA
  if (std::filesystem::is_directory(BANDITRY_SHARED_DATA))
    return std::filesystem::path(BANDITRY_SHARED_DATA);
#endif
  return std::nullopt;
}

}  // namespace banditry::test

/// Checks that `expression` throws `exception_type` whose message contains `fragment`.
#define BANDITRY_CHECK_THROWS_WITH(expression, exception_type, fragment)                    \
  do {                                                                                      \
    bool banditry_thrown = false;                                                           \
    try {                                                                                   \
      (void)(expression);                                                                   \
    } catch (const exception_type& banditry_error) {                                        \
      banditry_thrown = true;                                                               \
      CHECK_MESSAGE(std::string(banditry_error.what()).find(fragment) != std::string::npos, \
                    banditry_error.what());                                                 \
    }                                                                                       \
    CHECK_MESSAGE(banditry_thrown, "expected " #exception_type " from " #expression);       \
  } while (false)

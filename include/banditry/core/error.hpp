// The library's single error convention.
//
// Every precondition violation throws std::invalid_argument (bad argument shape or value) or
// std::domain_error (a value outside the mathematical domain) with the message
//   banditry::<function>: <what> must be <requirement>, got <value>
// so a caller can see which function rejected which value and what would have been accepted.
// Non-convergence is never an exception: iterative solvers return a status value instead.
#pragma once

#include <cmath>
#include <concepts>
#include <cstddef>
#include <limits>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

namespace banditry {

namespace detail {

// Formats a value for an error message: floating-point values with enough digits to round-trip,
// strings quoted, everything else through operator<<.
template <class Value>
std::string format_value(const Value& value) {
  std::ostringstream out;
  if constexpr (std::is_floating_point_v<Value>) {
    out.precision(std::numeric_limits<Value>::max_digits10);
    out << value;
  } else if constexpr (std::is_convertible_v<const Value&, std::string_view>) {
    out << '"' << std::string_view(value) << '"';
  } else if constexpr (std::is_same_v<Value, bool>) {
    out << (value ? "true" : "false");
  } else {
    out << value;
  }
  return out.str();
}

inline std::string error_message(std::string_view function, std::string_view what,
                                 std::string_view requirement, std::string_view value_text) {
  std::string message = "banditry::";
  message.append(function).append(": ").append(what).append(" must be ");
  message.append(requirement).append(", got ").append(value_text);
  return message;
}

}  // namespace detail

/// Throws std::invalid_argument with the library's message format.
/// \param function the public function's name without the `banditry::` prefix, e.g. "softmax"
/// \param what the argument or quantity that is wrong, e.g. "k" or "probabilities[3]"
/// \param requirement what would have been accepted, e.g. "at most N = 5"
/// \param value the offending value
template <class Value>
[[noreturn]] void throw_invalid_argument(std::string_view function, std::string_view what,
                                         std::string_view requirement, const Value& value) {
  throw std::invalid_argument(
      detail::error_message(function, what, requirement, detail::format_value(value)));
}

/// Throws std::domain_error with the library's message format; used for values outside a
/// mathematical domain (a probability above one, a non-positive KL coefficient, NaN).
template <class Value>
[[noreturn]] void throw_domain_error(std::string_view function, std::string_view what,
                                     std::string_view requirement, const Value& value) {
  throw std::domain_error(
      detail::error_message(function, what, requirement, detail::format_value(value)));
}

/// Throws std::invalid_argument unless `condition` holds. The value is formatted only on failure.
template <class Value>
void require(bool condition, std::string_view function, std::string_view what,
             std::string_view requirement, const Value& value) {
  if (!condition) throw_invalid_argument(function, what, requirement, value);
}

/// Throws std::domain_error unless `value` is finite (neither NaN nor infinite).
template <std::floating_point Real>
void require_finite(Real value, std::string_view function, std::string_view what) {
  if (!std::isfinite(value)) throw_domain_error(function, what, "finite", value);
}

/// Throws std::domain_error naming the first non-finite element of `values` as `what[i]`.
template <std::floating_point Real>
void require_all_finite(std::span<const Real> values, std::string_view function,
                        std::string_view what) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      throw_domain_error(function, std::string(what) + "[" + std::to_string(i) + "]", "finite",
                         values[i]);
    }
  }
}

/// Throws std::invalid_argument unless `size` is positive.
inline void require_nonempty(std::size_t size, std::string_view function, std::string_view what) {
  if (size == 0) throw_invalid_argument(function, std::string(what) + " size", "positive", size);
}

/// Throws std::invalid_argument unless two sizes agree.
inline void require_same_size(std::size_t size, std::size_t expected, std::string_view function,
                              std::string_view what, std::string_view other) {
  if (size != expected) {
    throw_invalid_argument(
        function, std::string(what) + " size",
        "equal to the size of " + std::string(other) + " (" + std::to_string(expected) + ")", size);
  }
}

/// Throws std::domain_error unless `p` lies in [0, 1].
template <std::floating_point Real>
void require_probability(Real p, std::string_view function, std::string_view what) {
  if (!(p >= 0 && p <= 1)) throw_domain_error(function, what, "a probability in [0, 1]", p);
}

/// Throws std::domain_error unless `p` is a probability vector: finite entries in [0, 1] whose sum
/// is within `tolerance` of one.
template <std::floating_point Real>
void require_distribution(std::span<const Real> p, std::string_view function, std::string_view what,
                          Real tolerance = Real(1e-9)) {
  require_nonempty(p.size(), function, what);
  long double sum = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    require_probability(p[i], function, std::string(what) + "[" + std::to_string(i) + "]");
    sum += p[i];
  }
  if (std::abs(static_cast<double>(sum) - 1.0) >
      static_cast<double>(tolerance) * p.size() + 1e-12) {
    throw_domain_error(function, std::string("sum of ") + std::string(what),
                       "1 within " + detail::format_value(tolerance) + " per entry",
                       static_cast<double>(sum));
  }
}

}  // namespace banditry

/// Internal invariant check: a single expression, compiled out when NDEBUG is defined.
#ifdef NDEBUG
#define BANDITRY_ASSERT(condition) ((void)0)
#else
#include <cassert>
#define BANDITRY_ASSERT(condition) assert(condition)
#endif

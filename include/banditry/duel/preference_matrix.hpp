// A validated square preference matrix P (P[i][j] = probability that item i beats item j) and its
// text reader.
//
// Invariants held by every preference_matrix object:
//   - K >= 1 rows and K columns;
//   - every entry finite and in [0, 1];
//   - |P[i][i] - 1/2| <= tolerance;
//   - |P[i][j] + P[j][i] - 1| <= tolerance for every pair i != j.
// The default tolerance is 1e-9 (preference_tolerance). Entries are stored exactly as given; the
// tolerance only decides acceptance.
//
// Text format read by parse_preference_matrix / read_preference_matrix:
//   - one matrix row per line, entries separated by spaces or tabs;
//   - an optional first line holding only the size K as an integer (then exactly K rows follow);
//   - blank lines, trailing whitespace and Windows line endings (CRLF) are ignored;
//   - '#' starts a comment that runs to the end of the line.
// Numbers are read with std::from_chars (decimal or scientific notation, e.g. 5.0e-01).
#pragma once

#include <charconv>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <limits>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "banditry/core/error.hpp"

namespace banditry::duel {

/// Default acceptance tolerance for the diagonal (1/2) and complementarity (P[i][j] + P[j][i] = 1).
inline constexpr double preference_tolerance = 1e-9;

namespace detail {

// Largest K with K * K representable in std::size_t (2^32 - 1 for a 64-bit size_t).
inline constexpr std::size_t max_preference_size =
    (std::size_t{1} << (std::numeric_limits<std::size_t>::digits / 2)) - 1;

inline std::string entry_name(std::size_t i, std::size_t j) {
  return "P[" + std::to_string(i) + "][" + std::to_string(j) + "]";
}

}  // namespace detail

/// A square matrix of pairwise preference probabilities, validated on construction.
class preference_matrix {
 public:
  /// Builds and validates a matrix from its rows.
  /// \param rows K rows of K probabilities each; rows[i][j] = P(i beats j)
  /// \param tolerance accepted deviation of the diagonal from 1/2 and of P[i][j] + P[j][i] from 1;
  ///        finite and in [0, 0.5)
  /// \pre rows non-empty and square; entries finite in [0, 1]; diagonal 1/2 and complementary
  ///      pairs within `tolerance` (all checked, in that order, row by row)
  /// \throws std::invalid_argument for an empty or non-square input (naming the row and its
  /// length);
  ///         std::domain_error for a non-finite or out-of-range entry, a diagonal entry away from
  ///         1/2, or a non-complementary pair (naming the entry P[i][j] and its value)
  /// Complexity O(K^2).
  explicit preference_matrix(const std::vector<std::vector<double>>& rows,
                             double tolerance = preference_tolerance)
      : size_(rows.size()), tolerance_(tolerance) {
    check_tolerance(tolerance, "preference_matrix");
    require_nonempty(rows.size(), "preference_matrix", "rows");
    values_.reserve(size_ * size_);
    for (std::size_t i = 0; i < size_; ++i) {
      if (rows[i].size() != size_) {
        throw_invalid_argument("preference_matrix", "length of row " + std::to_string(i),
                               "K = " + std::to_string(size_) + " (a square matrix)",
                               rows[i].size());
      }
      values_.insert(values_.end(), rows[i].begin(), rows[i].end());
    }
    validate("preference_matrix");
  }

  /// Builds and validates a K x K matrix from row-major values.
  /// \param size K >= 1; \param values K*K entries in row-major order
  /// \param tolerance as for the row constructor
  /// \throws std::invalid_argument when K = 0, K > 2^32 - 1 (K * K would overflow size_t) or
  ///         values.size() != K*K; std::domain_error as for the
  ///         row constructor. Complexity O(K^2).
  preference_matrix(std::size_t size, std::vector<double> values,
                    double tolerance = preference_tolerance)
      : size_(size), tolerance_(tolerance), values_(std::move(values)) {
    check_tolerance(tolerance, "preference_matrix");
    require(size > 0, "preference_matrix", "K", "positive", size);
    require(
        size <= detail::max_preference_size, "preference_matrix", "K",
        "at most " + std::to_string(detail::max_preference_size) + " (K * K must fit in size_t)",
        size);
    require(values_.size() == size * size, "preference_matrix", "number of values",
            "K * K = " + std::to_string(size * size), values_.size());
    validate("preference_matrix");
  }

  /// Builds P from its strict upper triangle: P[i][j] = upper value for i < j,
  /// P[j][i] = 1 - P[i][j], P[i][i] = 1/2.
  /// \param size K >= 1
  /// \param upper K(K-1)/2 probabilities in row-major order of the pairs (0,1), (0,2), ...,
  /// (K-2,K-1) \throws std::invalid_argument for K = 0, K > 2^32 - 1 (K * K would overflow
  /// size_t) or a wrong count; std::domain_error for an entry
  /// outside [0, 1]
  ///         or non-finite (named as P[i][j]). Complexity O(K^2).
  static preference_matrix from_upper_triangle(std::size_t size, std::span<const double> upper) {
    require(size > 0, "preference_matrix::from_upper_triangle", "K", "positive", size);
    require(
        size <= detail::max_preference_size, "preference_matrix::from_upper_triangle", "K",
        "at most " + std::to_string(detail::max_preference_size) + " (K * K must fit in size_t)",
        size);
    const std::size_t expected = size * (size - 1) / 2;
    require(upper.size() == expected, "preference_matrix::from_upper_triangle",
            "number of upper-triangle values", "K(K-1)/2 = " + std::to_string(expected),
            upper.size());
    std::vector<double> values(size * size, 0.5);
    std::size_t next = 0;
    for (std::size_t i = 0; i < size; ++i) {
      for (std::size_t j = i + 1; j < size; ++j, ++next) {
        const double p = upper[next];
        if (!std::isfinite(p) || p < 0 || p > 1) {
          throw_domain_error("preference_matrix::from_upper_triangle", detail::entry_name(i, j),
                             "a probability in [0, 1]", p);
        }
        values[i * size + j] = p;
        values[j * size + i] = 1 - p;
      }
    }
    return preference_matrix(size, std::move(values), preference_tolerance);
  }

  /// Number of items K.
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  /// The tolerance the matrix was validated with.
  [[nodiscard]] double tolerance() const noexcept { return tolerance_; }
  /// P[i][j], unchecked. \pre i, j < K.
  [[nodiscard]] double operator()(std::size_t i, std::size_t j) const noexcept {
    return values_[i * size_ + j];
  }
  /// P[i][j] with bounds check. \throws std::invalid_argument when i or j >= K.
  [[nodiscard]] double at(std::size_t i, std::size_t j) const {
    require(i < size_, "preference_matrix::at", "row index", "below K = " + std::to_string(size_),
            i);
    require(j < size_, "preference_matrix::at", "column index",
            "below K = " + std::to_string(size_), j);
    return values_[i * size_ + j];
  }
  /// Row i as a span of K values. \pre i < K.
  [[nodiscard]] std::span<const double> row(std::size_t i) const noexcept {
    return {values_.data() + i * size_, size_};
  }
  /// All K*K entries, row-major.
  [[nodiscard]] const std::vector<double>& values() const noexcept { return values_; }

  /// The submatrix on the given items, in the given order (e.g. a subset of rankers).
  /// \throws std::invalid_argument for an empty selection or an index >= K. O(m^2).
  [[nodiscard]] preference_matrix restricted(std::span<const std::size_t> items) const {
    require_nonempty(items.size(), "preference_matrix::restricted", "items");
    for (std::size_t a = 0; a < items.size(); ++a) {
      require(items[a] < size_, "preference_matrix::restricted", "items[" + std::to_string(a) + "]",
              "below K = " + std::to_string(size_), items[a]);
    }
    std::vector<double> values;
    values.reserve(items.size() * items.size());
    for (std::size_t a : items)
      for (std::size_t b : items) values.push_back((*this)(a, b));
    return preference_matrix(items.size(), std::move(values), tolerance_);
  }

 private:
  static void check_tolerance(double tolerance, std::string_view function) {
    if (!(tolerance >= 0 && tolerance < 0.5)) {
      throw_domain_error(function, "tolerance", "finite and in [0, 0.5)", tolerance);
    }
  }

  void validate(std::string_view function) const {
    for (std::size_t i = 0; i < size_; ++i) {
      for (std::size_t j = 0; j < size_; ++j) {
        const double p = (*this)(i, j);
        if (!std::isfinite(p)) throw_domain_error(function, detail::entry_name(i, j), "finite", p);
        if (p < 0 || p > 1) {
          throw_domain_error(function, detail::entry_name(i, j), "a probability in [0, 1]", p);
        }
      }
    }
    std::ostringstream tolerance_text;  // shortest readable form, e.g. 1e-09
    tolerance_text << tolerance_;
    const std::string within = " within tolerance " + tolerance_text.str();
    for (std::size_t i = 0; i < size_; ++i) {
      const double p = (*this)(i, i);
      if (std::abs(p - 0.5) > tolerance_) {
        throw_domain_error(function, detail::entry_name(i, i) + " (diagonal)", "0.5" + within, p);
      }
    }
    for (std::size_t i = 0; i < size_; ++i) {
      for (std::size_t j = i + 1; j < size_; ++j) {
        const double p = (*this)(i, j);
        const double q = (*this)(j, i);
        if (std::abs(p + q - 1) > tolerance_) {
          throw_domain_error(function,
                             detail::entry_name(i, j) + " + " + detail::entry_name(j, i) + " (" +
                                 banditry::detail::format_value(p) + " + " +
                                 banditry::detail::format_value(q) + ")",
                             "1" + within, p + q);
        }
      }
    }
  }

  std::size_t size_ = 0;
  double tolerance_ = preference_tolerance;
  std::vector<double> values_;
};

/// Parses the text format described at the top of this header into a validated matrix.
/// \param text the file contents
/// \param tolerance validation tolerance (see preference_matrix)
/// \returns the matrix
/// \throws std::invalid_argument for an empty input, a token that is not a number (naming line and
///         column), a row whose length differs from the first row's or from the size line (naming
///         the row and its line), or a row count different from the size line; std::domain_error
///         for the value checks of preference_matrix (naming the entry P[i][j] and its value).
/// Complexity O(length of text + K^2).
inline preference_matrix parse_preference_matrix(std::string_view text,
                                                 double tolerance = preference_tolerance) {
  constexpr std::string_view function = "parse_preference_matrix";
  struct parsed_line {
    std::size_t line_number;
    std::vector<double> values;
    bool single_integer;
  };
  std::vector<parsed_line> lines;
  std::size_t line_number = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    ++line_number;
    start = end + 1;
    if (const std::size_t hash = line.find('#'); hash != std::string_view::npos) {
      line = line.substr(0, hash);
    }
    parsed_line parsed{line_number, {}, false};
    std::size_t pos = 0;
    std::size_t tokens = 0;
    bool only_digits = true;
    while (pos < line.size()) {
      const auto is_space = [](char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
      };
      while (pos < line.size() && is_space(line[pos])) ++pos;
      if (pos >= line.size()) break;
      std::size_t token_end = pos;
      while (token_end < line.size() && !is_space(line[token_end])) ++token_end;
      const std::string_view token = line.substr(pos, token_end - pos);
      double value = 0;
      const auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), value);
      if (ec != std::errc() || ptr != token.data() + token.size()) {
        throw_invalid_argument(
            function,
            "token at line " + std::to_string(line_number) + ", column " + std::to_string(pos + 1),
            "a number", std::string(token));
      }
      for (char c : token) only_digits = only_digits && c >= '0' && c <= '9';
      parsed.values.push_back(value);
      ++tokens;
      pos = token_end;
    }
    if (tokens == 0) continue;
    parsed.single_integer = tokens == 1 && only_digits;
    lines.push_back(std::move(parsed));
    if (end == text.size()) break;
  }
  if (lines.empty()) {
    throw_invalid_argument(function, "number of matrix rows", "positive (the input has no numbers)",
                           0);
  }
  std::size_t first_row = 0;
  std::size_t expected_size = lines.front().values.size();
  bool has_size_line = false;
  // A first line holding one integer is the size line, unless it is the whole input (a 1 x 1
  // matrix cannot hold an integer entry that passes validation anyway).
  if (lines.front().single_integer && lines.size() > 1) {
    has_size_line = true;
    const double declared = lines.front().values.front();
    if (!(declared >= 1 && declared < 1e7)) {
      throw_invalid_argument(function,
                             "size K on line " + std::to_string(lines.front().line_number),
                             "a positive integer", declared);
    }
    expected_size = static_cast<std::size_t>(declared);
    first_row = 1;
  }
  const std::size_t row_count = lines.size() - first_row;
  for (std::size_t r = first_row; r < lines.size(); ++r) {
    const std::size_t length = lines[r].values.size();
    if (length != expected_size) {
      throw_invalid_argument(function,
                             "length of row " + std::to_string(r - first_row) + " (line " +
                                 std::to_string(lines[r].line_number) + ")",
                             (has_size_line ? "the size line's K = " : "the first row's length ") +
                                 std::to_string(expected_size) + " (a square matrix)",
                             length);
    }
  }
  if (row_count != expected_size) {
    throw_invalid_argument(function, "number of rows",
                           (has_size_line ? "the size line's K = " : "the row length ") +
                               std::to_string(expected_size) + " (a square matrix)",
                           row_count);
  }
  std::vector<double> values;
  values.reserve(expected_size * expected_size);
  for (std::size_t r = first_row; r < lines.size(); ++r) {
    values.insert(values.end(), lines[r].values.begin(), lines[r].values.end());
  }
  try {
    return preference_matrix(expected_size, std::move(values), tolerance);
  } catch (const std::domain_error& error) {
    // Re-label the message with this function's name; the entry and value stay as they are.
    std::string message = error.what();
    const std::string prefix = "banditry::preference_matrix:";
    if (message.rfind(prefix, 0) == 0) {
      message = "banditry::parse_preference_matrix:" + message.substr(prefix.size());
    }
    throw std::domain_error(message);
  }
}

/// Reads a preference matrix from a text file in the format described at the top of this header.
/// \param file path of a readable text file
/// \param tolerance validation tolerance (see preference_matrix)
/// \throws std::invalid_argument when the file cannot be opened (naming it), or as
///         parse_preference_matrix. Complexity O(file size + K^2).
inline preference_matrix read_preference_matrix(const std::filesystem::path& file,
                                                double tolerance = preference_tolerance) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw_invalid_argument("read_preference_matrix", "file", "a readable file", file.string());
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return parse_preference_matrix(buffer.str(), tolerance);
}

}  // namespace banditry::duel

// Reading logged bandit data (one interaction per CSV row) for `banditry bandit` and the tests.
//
// The reader selects columns by header name, so extra columns are ignored and the header may
// contain empty names (a saved row index often has one). Fields may be double-quoted with ""
// as an escaped quote. Every malformed row raises log_format_error naming the source, the 1-based
// line and column, the column name and the offending text. Action ids and context values are
// arbitrary integers in the file; both are mapped, in increasing order, to dense 0-based indices.
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <istream>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "banditry/bandit/kl_pcb.hpp"
#include "banditry/bandit/off_policy.hpp"

namespace banditry::tool {

/// Error in a logged-data file, with the 1-based position of the offending field (column 0 when
/// the whole line is at fault).
class log_format_error : public std::runtime_error {
 public:
  log_format_error(const std::string& message, std::size_t line, std::size_t column)
      : std::runtime_error(message), line_(line), column_(column) {}
  std::size_t line() const { return line_; }
  std::size_t column() const { return column_; }

 private:
  std::size_t line_;
  std::size_t column_;
};

/// Header names of the columns to read. An empty `context` name puts every row in one context.
struct bandit_log_columns {
  std::string action = "item_id";               ///< non-negative integer id (mapped to 0..K-1)
  std::string context = "position";             ///< integer context value (mapped to 0..X-1)
  std::string reward = "click";                 ///< reward in [0, 1]
  std::string propensity = "propensity_score";  ///< logging probability of the action, in (0, 1]
};

/// A parsed log: interactions with 0-based context and action indices.
struct bandit_log {
  std::vector<bandit::logged_step> steps;  ///< one entry per data row, in file order
  std::vector<long long> context_values;   ///< context index x -> value in the file (sorted)
  std::vector<long long> action_values;    ///< action index y -> id in the file (sorted)
  std::size_t actions = 0;                 ///< K = number of distinct action ids
  std::size_t contexts() const { return context_values.size(); }
};

namespace detail {

/// Splits one CSV line into fields (RFC 4180 quoting within the line). Returns false for an
/// unterminated quote.
inline bool split_csv_line(std::string_view line, std::vector<std::string>& fields) {
  fields.clear();
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        field.push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field.push_back(c);
      }
    } else if (c == '"' && field.empty()) {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
    } else {
      field.push_back(c);
    }
  }
  fields.push_back(std::move(field));
  return !quoted;
}

inline std::string position_text(const std::string& source, std::size_t line, std::size_t column,
                                 const std::string& name) {
  std::string text = "banditry::read_bandit_log: " + source + " line " + std::to_string(line);
  if (column > 0) text += ", column " + std::to_string(column) + " (" + name + ")";
  return text;
}

inline double parse_number(const std::string& text, const std::string& source, std::size_t line,
                           std::size_t column, const std::string& name) {
  double value = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  while (begin < end && *begin == ' ') ++begin;
  while (end > begin && end[-1] == ' ') --end;
  const auto [next, error] = std::from_chars(begin, end, value);
  if (begin == end || error != std::errc() || next != end || !std::isfinite(value)) {
    throw log_format_error(position_text(source, line, column, name) +
                               ": value must be a finite number, got \"" + text + "\"",
                           line, column);
  }
  return value;
}

inline long long parse_integer(const std::string& text, const std::string& source, std::size_t line,
                               std::size_t column, const std::string& name) {
  const double value = parse_number(text, source, line, column, name);
  if (value != std::floor(value) || std::abs(value) > 9.0e15) {
    throw log_format_error(position_text(source, line, column, name) +
                               ": value must be an integer of magnitude at most 9e15, got \"" +
                               text + "\"",
                           line, column);
  }
  return static_cast<long long>(value);
}

/// Sorts `values` and removes repeats; returns the map value -> position in the sorted list.
inline std::map<long long, std::size_t> dense_index(std::vector<long long>& values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  std::map<long long, std::size_t> index;
  for (std::size_t i = 0; i < values.size(); ++i) index.emplace(values[i], i);
  return index;
}

}  // namespace detail

/// Parses a logged-bandit CSV stream: a header row naming the columns, then one interaction per
/// row. Blank lines are skipped; a trailing carriage return is removed.
/// \param in the CSV text; \param columns header names of action, context, reward, propensity
/// \param source name used in error messages (a file name)
/// \returns the interactions with context values mapped in sorted order to 0..X-1 and action ids
/// mapped in sorted order to 0..K-1 (ids 1 and 2 give K = 2, not 3)
/// \throws log_format_error for a missing header or column, a row with the wrong number of fields,
/// an unterminated quote, an action id that is not a non-negative integer (at most 9e15), a context
/// value that is not an integer, a reward outside [0, 1] (the KL-PCB bonus and the off-policy
/// confidence intervals assume rewards in [0, 1]), a propensity outside (0, 1], or no data rows.
/// Complexity O(size of the input).
inline bandit_log parse_bandit_log(std::istream& in, const bandit_log_columns& columns = {},
                                   const std::string& source = "<input>") {
  std::string line;
  std::vector<std::string> header;
  std::size_t line_number = 0;
  if (!std::getline(in, line)) {
    throw log_format_error(detail::position_text(source, 1, 0, "") + ": header row missing", 1, 0);
  }
  ++line_number;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (!detail::split_csv_line(line, header)) {
    throw log_format_error(
        detail::position_text(source, 1, 0, "") + ": header has an unterminated quote", 1, 0);
  }
  auto find_column = [&](const std::string& name) -> std::size_t {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) {
      throw log_format_error(detail::position_text(source, 1, 0, "") + ": column \"" + name +
                                 "\" not found in the header",
                             1, 0);
    }
    return static_cast<std::size_t>(it - header.begin());
  };
  const std::size_t action_column = find_column(columns.action);
  const std::size_t reward_column = find_column(columns.reward);
  const std::size_t propensity_column = find_column(columns.propensity);
  const bool has_context = !columns.context.empty();
  const std::size_t context_column = has_context ? find_column(columns.context) : 0;

  struct raw_row {
    long long context;
    long long action;
    double reward;
    double propensity;
  };
  std::vector<raw_row> rows;
  std::vector<std::string> fields;
  while (std::getline(in, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (!detail::split_csv_line(line, fields)) {
      throw log_format_error(
          detail::position_text(source, line_number, 0, "") + ": unterminated quote", line_number,
          0);
    }
    if (fields.size() != header.size()) {
      throw log_format_error(detail::position_text(source, line_number, 0, "") + ": expected " +
                                 std::to_string(header.size()) + " fields as in the header, got " +
                                 std::to_string(fields.size()),
                             line_number, 0);
    }
    raw_row row{};
    row.action = detail::parse_integer(fields[action_column], source, line_number,
                                       action_column + 1, columns.action);
    if (row.action < 0) {
      throw log_format_error(
          detail::position_text(source, line_number, action_column + 1, columns.action) +
              ": action id must be a non-negative integer, got \"" + fields[action_column] + "\"",
          line_number, action_column + 1);
    }
    row.context = has_context ? detail::parse_integer(fields[context_column], source, line_number,
                                                      context_column + 1, columns.context)
                              : 0;
    row.reward = detail::parse_number(fields[reward_column], source, line_number, reward_column + 1,
                                      columns.reward);
    if (!(row.reward >= 0 && row.reward <= 1)) {
      throw log_format_error(
          detail::position_text(source, line_number, reward_column + 1, columns.reward) +
              ": reward must be in [0, 1], got \"" + fields[reward_column] + "\"",
          line_number, reward_column + 1);
    }
    row.propensity = detail::parse_number(fields[propensity_column], source, line_number,
                                          propensity_column + 1, columns.propensity);
    if (!(row.propensity > 0 && row.propensity <= 1)) {
      throw log_format_error(
          detail::position_text(source, line_number, propensity_column + 1, columns.propensity) +
              ": propensity must be in (0, 1], got \"" + fields[propensity_column] + "\"",
          line_number, propensity_column + 1);
    }
    rows.push_back(row);
  }
  if (rows.empty()) {
    throw log_format_error(detail::position_text(source, line_number, 0, "") + ": no data rows",
                           line_number, 0);
  }
  bandit_log log;
  for (const auto& row : rows) {
    log.context_values.push_back(row.context);
    log.action_values.push_back(row.action);
  }
  const std::map<long long, std::size_t> context_index = detail::dense_index(log.context_values);
  const std::map<long long, std::size_t> action_index = detail::dense_index(log.action_values);
  log.actions = log.action_values.size();
  log.steps.reserve(rows.size());
  for (const auto& row : rows) {
    log.steps.push_back(
        {context_index.at(row.context), action_index.at(row.action), row.reward, row.propensity});
  }
  return log;
}

/// Reads a logged-bandit CSV file (see parse_bandit_log).
/// \throws log_format_error when the path is a directory, the file cannot be opened or is
/// malformed.
inline bandit_log read_bandit_log(const std::filesystem::path& path,
                                  const bandit_log_columns& columns = {}) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    throw log_format_error(
        "banditry::read_bandit_log: " + path.string() + " is a directory, expected a file", 0, 0);
  }
  std::ifstream in(path);
  if (!in) {
    throw log_format_error("banditry::read_bandit_log: cannot open " + path.string(), 0, 0);
  }
  return parse_bandit_log(in, columns, path.string());
}

/// Builds the counts and reward sums of every (context, action) cell of a log.
/// Complexity O(n + X K).
inline bandit::tabular_statistics log_statistics(const bandit_log& log) {
  const auto rows = static_cast<Eigen::Index>(log.contexts());
  const auto cols = static_cast<Eigen::Index>(log.actions);
  bandit::tabular_statistics data{Eigen::MatrixXd::Zero(rows, cols),
                                  Eigen::MatrixXd::Zero(rows, cols)};
  for (const auto& step : log.steps) {
    const auto x = static_cast<Eigen::Index>(step.context);
    const auto y = static_cast<Eigen::Index>(step.action);
    data.counts(x, y) += 1;
    data.reward_sums(x, y) += step.reward;
  }
  return data;
}

/// Recovers the logging policy pi_ref(y|x) from the propensity column: each cell takes the
/// propensity of its rows, which must agree to 1e-9, and each context row must then sum to one
/// within 1e-6.
/// \throws std::domain_error when a cell has no rows (its propensity is unknown; use a uniform
/// reference instead), when propensities disagree within a cell, or when a row does not sum to one.
/// Complexity O(n + X K).
inline Eigen::MatrixXd logged_reference_policy(const bandit_log& log) {
  constexpr const char* function = "tool::logged_reference_policy";
  const auto rows = static_cast<Eigen::Index>(log.contexts());
  const auto cols = static_cast<Eigen::Index>(log.actions);
  Eigen::MatrixXd reference = Eigen::MatrixXd::Constant(rows, cols, -1.0);
  for (std::size_t i = 0; i < log.steps.size(); ++i) {
    const auto& step = log.steps[i];
    double& cell =
        reference(static_cast<Eigen::Index>(step.context), static_cast<Eigen::Index>(step.action));
    if (cell < 0) {
      cell = step.propensity;
    } else if (std::abs(cell - step.propensity) > 1e-9) {
      throw_domain_error(function, "propensity of row " + std::to_string(i + 1),
                         "equal to the propensity of the other rows of its cell (" +
                             banditry::detail::format_value(cell) + ")",
                         step.propensity);
    }
  }
  for (Eigen::Index x = 0; x < rows; ++x) {
    double sum = 0;
    for (Eigen::Index y = 0; y < cols; ++y) {
      if (reference(x, y) < 0) {
        throw_domain_error(function,
                           "cell (context " + std::to_string(log.context_values[x]) + ", action " +
                               std::to_string(log.action_values[y]) + ")",
                           "logged at least once to recover its propensity (or use a uniform "
                           "reference policy)",
                           "no rows");
      }
      sum += reference(x, y);
    }
    if (std::abs(sum - 1) > 1e-6) {
      throw_domain_error(
          function,
          "sum of logged propensities of context " + std::to_string(log.context_values[x]),
          "1 within 1e-6 (a complete logging distribution)", sum);
    }
  }
  return reference;
}

}  // namespace banditry::tool

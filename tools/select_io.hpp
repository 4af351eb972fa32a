// Input formats of `banditry select` and `banditry estimate`: parsing and validation of one prompt
// per record, with errors that name the line (or list element) and the field.
//
// Formats:
//   jsonl         one JSON object per line:
//                 {"id": ..., "answers": [...], "scores": [...] (optional), "gold": ... (optional)}
//                 Answers and gold are strings or numbers. A string is kept verbatim. A number is
//                 written in its canonical decimal form (canonical_number_text), so 70, 70.0 and
//                 7e1 are all the answer "70", the same as the string "70", while the string "70.0"
//                 stays a different answer. "" or null means no answer was extracted: the sample
//                 counts in N but is never selected. Booleans, lists and objects are errors. Scores
//                 are numbers or numeric strings, finite wherever the sample has an answer (null
//                 allowed where it has none).
//   answer-pools  one JSON object per line with "problem_num", "total_answers", "gold_answer",
//                 "majority_answer" and "all_answers": [[answer, completion_tokens], ...] in
//                 sampling order; the score of a sample is -completion_tokens, so Best-of-N with
//                 max aggregation picks the answer of the shortest completion.
//   reward-scores one JSON list of problems {"solution_reference": [labels], "score": [numbers]};
//                 each candidate is its own answer, written "<index>:<label>" because labels repeat
//                 within a problem; the gold answer is the candidate labelled "human_to_GPT-4" (the
//                 one correct solution).
// Unknown fields are ignored. Missing required fields, wrong types, mismatched lengths, numbers
// that overflow a double, non-finite scores and a key repeated within one object are errors.
// Nothing is dropped silently.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <istream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace banditry::tool {

/// Input format of the selection commands.
enum class select_format { jsonl, answer_pools, reward_scores };

/// Parses "jsonl", "answer-pools" or "reward-scores". \returns std::nullopt otherwise.
inline std::optional<select_format> parse_select_format(const std::string& name) {
  if (name == "jsonl") return select_format::jsonl;
  if (name == "answer-pools") return select_format::answer_pools;
  if (name == "reward-scores") return select_format::reward_scores;
  return std::nullopt;
}

/// A malformed input record: the message starts with "line <n>: " (or "element <n>: " for the
/// reward-scores list) and names the field.
struct input_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// One prompt: sampled answers ("" = no answer), optional per-sample scores and gold answer.
struct prompt_record {
  std::optional<std::string> id;                 ///< prompt id as text; nullopt when absent or null
  std::vector<std::string> answers;              ///< sampled answers in order; "" = no answer
  std::vector<double> scores;                    ///< per-sample scores, or empty
  std::optional<std::string> gold;               ///< the correct answer, when known
  std::optional<std::string> recorded_majority;  ///< answer-pools: the file's majority answer
  std::size_t line = 0;                          ///< 1-based line (or list element) number
};

/// Converts a JSON number literal to canonical text, exactly from its decimal digits (never through
/// a double). The text has no exponent, no leading zeros, no trailing fractional zeros and no sign
/// on zero: "70.0", "7e1" and "700e-1" all give "70", "-0.0" gives "0", "0.5e-2" gives "0.005".
/// When the decimal exponent of the leading digit is below -6 or above 63 the form is
/// `<digit>[.<digits>]e<exponent>` ("1e-7", "1.5e64") so that short literals stay short.
/// \param literal a number as JSON writes it: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
/// \returns the canonical text; equal values always give equal text
/// \throws input_error when `literal` is not a JSON number
/// Complexity: O(length of the literal and of the result).
inline std::string canonical_number_text(std::string_view literal) {
  const auto invalid = [&] {
    return input_error("not a JSON number: \"" + std::string(literal) + "\"");
  };
  const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  std::size_t i = 0;
  const bool negative = i < literal.size() && literal[i] == '-';
  if (negative) ++i;

  std::string digits;
  std::int64_t exponent = 0;  // value = digits * 10^exponent
  const std::size_t integer_start = i;
  while (i < literal.size() && is_digit(literal[i])) digits += literal[i++];
  if (i == integer_start) throw invalid();
  if (i < literal.size() && literal[i] == '.') {
    ++i;
    const std::size_t fraction_start = i;
    while (i < literal.size() && is_digit(literal[i])) {
      digits += literal[i++];
      --exponent;
    }
    if (i == fraction_start) throw invalid();
  }
  if (i < literal.size() && (literal[i] == 'e' || literal[i] == 'E')) {
    ++i;
    bool exponent_negative = false;
    if (i < literal.size() && (literal[i] == '+' || literal[i] == '-')) {
      exponent_negative = literal[i] == '-';
      ++i;
    }
    const std::size_t exponent_start = i;
    std::int64_t written = 0;
    // Saturates far beyond any exponent a double can hold, so the arithmetic cannot overflow.
    while (i < literal.size() && is_digit(literal[i])) {
      written = std::min<std::int64_t>(written * 10 + (literal[i++] - '0'), 1'000'000'000'000);
    }
    if (i == exponent_start) throw invalid();
    exponent += exponent_negative ? -written : written;
  }
  if (i != literal.size()) throw invalid();

  const auto first = digits.find_first_not_of('0');
  if (first == std::string::npos) return "0";
  digits.erase(0, first);
  const auto last = digits.find_last_not_of('0');
  exponent += static_cast<std::int64_t>(digits.size() - 1 - last);
  digits.erase(last + 1);
  // Decimal exponent of the leading digit: value = d.ddd * 10^leading.
  const std::int64_t leading = static_cast<std::int64_t>(digits.size()) - 1 + exponent;

  std::string out = negative ? "-" : "";
  if (leading < -6 || leading > 63) {
    out += digits[0];
    if (digits.size() > 1) out += "." + digits.substr(1);
    return out + "e" + std::to_string(leading);
  }
  if (exponent >= 0) return out + digits + std::string(static_cast<std::size_t>(exponent), '0');
  if (leading >= 0) {
    const auto point = static_cast<std::size_t>(leading + 1);
    return out + digits.substr(0, point) + "." + digits.substr(point);
  }
  return out + "0." + std::string(static_cast<std::size_t>(-leading - 1), '0') + digits;
}

namespace detail {

[[noreturn]] inline void fail(const std::string& where, const std::string& field,
                              const std::string& problem) {
  throw input_error(where + ": field \"" + field + "\": " + problem);
}

// One step from the document root to a value: an object key or a list index.
struct path_step {
  bool in_list = false;
  std::string key;
  std::size_t index = 0;
};

// Field name of a path, e.g. all_answers[3][0] or meta.model.
inline std::string field_name(const std::vector<path_step>& path, std::size_t from = 0) {
  std::string out;
  for (std::size_t i = from; i < path.size(); ++i) {
    if (path[i].in_list) {
      out += "[" + std::to_string(path[i].index) + "]";
    } else {
      if (!out.empty()) out += ".";
      out += path[i].key;
    }
  }
  return out;
}

// A parsed JSON document plus the literal text of every non-integer number, keyed by field name:
// nlohmann::json stores such numbers as doubles, which would round the answer
// 12345678901234567890123.
struct parsed_document {
  nlohmann::json value;
  std::unordered_map<std::string, std::string> number_literals;
};

// The position and cause of a JSON syntax error, a number overflow or a repeated key.
struct document_error {
  std::vector<path_step> path;
  std::string message;
  bool at_value = false;  // true when `path` locates the bad value (overflow, repeated key)
};

// SAX handler for nlohmann::json::sax_parse: builds the same DOM as nlohmann::json::parse, tracks
// the path of the value being read, keeps number literals and stops at a key repeated within an
// object.
class tracking_builder {
 public:
  using json = nlohmann::json;

  explicit tracking_builder(parsed_document& out) : out_(out) {}

  const std::optional<document_error>& error() const noexcept { return error_; }

  bool null() { return place(json(nullptr)); }
  bool boolean(bool value) { return place(json(value)); }
  bool number_integer(json::number_integer_t value) { return place(json(value)); }
  bool number_unsigned(json::number_unsigned_t value) { return place(json(value)); }
  bool number_float(json::number_float_t value, const json::string_t& literal) {
    out_.number_literals[field_name(path())] = literal;
    return place(json(value));
  }
  bool string(json::string_t& value) { return place(json(std::move(value))); }
  bool binary(json::binary_t& value) { return place(json(std::move(value))); }
  bool start_object(std::size_t) { return open(json::object()); }
  bool start_array(std::size_t) { return open(json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(json::string_t& name) {
    auto& top = frames_.back();
    if (top.container->contains(name)) {
      auto where = path();  // ends with this object's step, which contains the previous key
      where.back().key = name;
      error_ = document_error{std::move(where), "appears twice in one object", true};
      return false;
    }
    top.key = std::move(name);
    return true;
  }
  bool parse_error(std::size_t, const std::string& token, const nlohmann::json::exception& e) {
    // Id 406 is nlohmann's "number overflow": a literal beyond the range of a double.
    if (e.id == 406) {
      error_ = document_error{path(), token + " is not a finite number", true};
    } else {
      error_ = document_error{path(), "not valid JSON (" + std::string(e.what()) + ")", false};
    }
    return false;
  }

 private:
  struct frame {
    json* container = nullptr;
    std::string key;  // current key of an object
  };

  // Path of the value about to be placed (or of the open containers).
  std::vector<path_step> path() const {
    std::vector<path_step> steps;
    for (std::size_t i = 0; i < frames_.size(); ++i) {
      const auto& f = frames_[i];
      if (f.container->is_array()) {
        // An open child container has already been appended to its parent list.
        const bool child_open = i + 1 < frames_.size();
        steps.push_back({true, "", f.container->size() - (child_open ? 1 : 0)});
      } else {
        steps.push_back({false, f.key, 0});
      }
    }
    return steps;
  }

  json* put(json&& value) {
    if (frames_.empty()) {
      out_.value = std::move(value);
      return &out_.value;
    }
    auto& top = frames_.back();
    if (top.container->is_array()) {
      top.container->push_back(std::move(value));
      return &top.container->back();
    }
    auto& slot = (*top.container)[top.key];
    slot = std::move(value);
    return &slot;
  }
  bool place(json&& value) {
    put(std::move(value));
    return true;
  }
  bool open(json&& container) {
    frames_.push_back({put(std::move(container)), ""});
    return true;
  }
  bool close() {
    frames_.pop_back();
    return true;
  }

  parsed_document& out_;
  std::vector<frame> frames_;
  std::optional<document_error> error_;
};

// Parses one JSON document. On an error, `locate` turns the path into (where, first field step).
template <class Locate>
parsed_document parse_document(const std::string& text, Locate&& locate) {
  parsed_document out;
  tracking_builder builder(out);
  if (!nlohmann::json::sax_parse(text, &builder)) {
    const auto& error = builder.error();
    const std::vector<path_step> none;
    const auto& path = error ? error->path : none;
    const auto [where, from] = locate(path);
    const auto field = field_name(path, from);
    if (error && error->at_value && !field.empty()) fail(where, field, error->message);
    throw input_error(where + ": " + (error ? error->message : std::string("not valid JSON")));
  }
  return out;
}

// An answer as text: strings verbatim, numbers in canonical form, null as "" (no answer).
inline std::string answer_text(const nlohmann::json& value, const parsed_document& document,
                               const std::string& where, const std::string& field,
                               const std::string& literal_key) {
  if (value.is_null()) return "";
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_unsigned()) return std::to_string(value.get<std::uint64_t>());
  if (value.is_number_integer()) return std::to_string(value.get<std::int64_t>());
  if (value.is_number_float()) {
    const auto it = document.number_literals.find(literal_key);
    return canonical_number_text(it != document.number_literals.end() ? it->second : value.dump());
  }
  fail(where, field, "must be a string, a number or null, got " + std::string(value.type_name()));
}

// A score: a JSON number or a string holding one number; null gives std::nullopt.
inline std::optional<double> score_value(const nlohmann::json& value, const std::string& where,
                                         const std::string& field) {
  if (value.is_null()) return std::nullopt;
  double x = 0;
  if (value.is_number()) {
    x = value.get<double>();
  } else if (value.is_string()) {
    const auto text = value.get<std::string>();
    std::size_t used = 0;
    try {
      x = std::stod(text, &used);
    } catch (const std::out_of_range&) {
      fail(where, field, "\"" + text + "\" is not a finite number");
    } catch (const std::invalid_argument&) {
      used = 0;
    }
    if (used == 0 || used != text.size())
      fail(where, field, "must be a number, got \"" + text + "\"");
  } else {
    fail(where, field, "must be a number, got " + std::string(value.type_name()));
  }
  if (!std::isfinite(x)) fail(where, field, "must be finite, got " + value.dump());
  return x;
}

// A count written as a JSON number: an integer >= 0 (a float with an integral value is accepted).
inline std::uint64_t count_value(const nlohmann::json& value, const std::string& where,
                                 const std::string& field) {
  if (value.is_number_unsigned()) return value.get<std::uint64_t>();
  if (value.is_number_float()) {
    const double x = value.get<double>();
    if (x >= 0 && x < 1.8e19 && x == std::floor(x)) return static_cast<std::uint64_t>(x);
  }
  if (value.is_number()) fail(where, field, "must be a whole number >= 0, got " + value.dump());
  fail(where, field, "must be a whole number >= 0, got " + std::string(value.type_name()));
}

inline const nlohmann::json& required(const nlohmann::json& object, const char* key,
                                      const std::string& where) {
  const auto it = object.find(key);
  if (it == object.end()) fail(where, key, "is missing");
  return *it;
}

// An id as text: a string verbatim, a number in canonical form, null as std::nullopt.
inline std::optional<std::string> id_text(const nlohmann::json& value,
                                          const parsed_document& document, const std::string& where,
                                          const std::string& field,
                                          const std::string& literal_key) {
  if (value.is_null()) return std::nullopt;
  if (!value.is_string() && !value.is_number()) {
    fail(where, field, "must be a string, a number or null, got " + std::string(value.type_name()));
  }
  return answer_text(value, document, where, field, literal_key);
}

inline prompt_record parse_native(const parsed_document& document, const std::string& where) {
  const auto& object = document.value;
  prompt_record record;
  if (const auto it = object.find("id"); it != object.end()) {
    record.id = id_text(*it, document, where, "id", "id");
  }
  const auto& answers = required(object, "answers", where);
  if (!answers.is_array()) fail(where, "answers", "must be a list");
  if (answers.empty()) fail(where, "answers", "must not be empty");
  for (std::size_t i = 0; i < answers.size(); ++i) {
    const std::string field = "answers[" + std::to_string(i) + "]";
    record.answers.push_back(answer_text(answers[i], document, where, field, field));
  }
  if (const auto it = object.find("scores"); it != object.end() && !it->is_null()) {
    if (!it->is_array()) fail(where, "scores", "must be a list");
    if (it->size() != answers.size()) {
      fail(where, "scores",
           "must have one score per answer (" + std::to_string(answers.size()) + "), got " +
               std::to_string(it->size()));
    }
    for (std::size_t i = 0; i < it->size(); ++i) {
      const std::string field = "scores[" + std::to_string(i) + "]";
      const auto s = score_value((*it)[i], where, field);
      if (!s && !record.answers[i].empty()) {
        fail(where, field, "must be a number for a sample that has an answer, got null");
      }
      record.scores.push_back(s ? *s : std::nan(""));
    }
  }
  if (const auto it = object.find("gold"); it != object.end() && !it->is_null()) {
    record.gold = answer_text(*it, document, where, "gold", "gold");
  }
  return record;
}

inline prompt_record parse_answer_pool(const parsed_document& document, const std::string& where) {
  const auto& object = document.value;
  prompt_record record;
  const auto& number = required(object, "problem_num", where);
  record.id = id_text(number, document, where, "problem_num", "problem_num");
  if (!record.id) fail(where, "problem_num", "must be a string or a number, got null");
  const auto& samples = required(object, "all_answers", where);
  if (!samples.is_array() || samples.empty())
    fail(where, "all_answers", "must be a non-empty list");
  const auto total = count_value(required(object, "total_answers", where), where, "total_answers");
  if (total != samples.size()) {
    fail(where, "total_answers",
         "must equal the length of all_answers (" + std::to_string(samples.size()) + "), got " +
             std::to_string(total));
  }
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const std::string field = "all_answers[" + std::to_string(i) + "]";
    const auto& pair = samples[i];
    if (!pair.is_array() || pair.size() != 2) fail(where, field, "must be [answer, tokens]");
    record.answers.push_back(answer_text(pair[0], document, where, field + "[0]", field + "[0]"));
    const auto tokens = count_value(pair[1], where, field + "[1]");
    record.scores.push_back(-static_cast<double>(tokens));
  }
  if (const auto it = object.find("gold_answer"); it != object.end() && !it->is_null()) {
    record.gold = answer_text(*it, document, where, "gold_answer", "gold_answer");
  }
  if (const auto it = object.find("majority_answer"); it != object.end() && !it->is_null()) {
    record.recorded_majority =
        answer_text(*it, document, where, "majority_answer", "majority_answer");
  }
  return record;
}

inline prompt_record parse_reward_problem(const parsed_document& document, std::size_t index,
                                          const std::string& where) {
  const auto& object = document.value[index];
  prompt_record record;
  if (!object.is_object()) {
    throw input_error(where + ": list element [" + std::to_string(index) +
                      "] must be an object, got " + object.type_name());
  }
  const std::string prefix = "[" + std::to_string(index) + "]";
  if (const auto it = object.find("id"); it != object.end()) {
    record.id = id_text(*it, document, where, "id", prefix + ".id");
  }
  const auto& labels = required(object, "solution_reference", where);
  const auto& scores = required(object, "score", where);
  if (!labels.is_array() || labels.empty()) {
    fail(where, "solution_reference", "must be a non-empty list");
  }
  if (!scores.is_array() || scores.size() != labels.size()) {
    fail(where, "score",
         "must be a list with one score per solution_reference (" + std::to_string(labels.size()) +
             ")");
  }
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const std::string field = "solution_reference[" + std::to_string(i) + "]";
    if (!labels[i].is_string()) fail(where, field, "must be a string");
    // Labels repeat (two solutions from one model), so the answer key carries the index.
    const auto label = labels[i].get<std::string>();
    record.answers.push_back(std::to_string(i) + ":" + label);
    const auto s = score_value(scores[i], where, "score[" + std::to_string(i) + "]");
    if (!s) fail(where, "score[" + std::to_string(i) + "]", "must be a number, got null");
    record.scores.push_back(*s);
    if (label == "human_to_GPT-4" && !record.gold) record.gold = record.answers.back();
  }
  if (!record.gold) fail(where, "solution_reference", "must contain the label human_to_GPT-4");
  return record;
}

}  // namespace detail

/// Parses one line of a JSON Lines format (jsonl or answer-pools).
/// \param text the line without its newline
/// \param line 1-based line number, used in error messages
/// \throws input_error naming the line and field for any malformed input
inline prompt_record parse_prompt_line(const std::string& text, std::size_t line,
                                       select_format format) {
  const std::string where = "line " + std::to_string(line);
  const auto document = detail::parse_document(text, [&](const std::vector<detail::path_step>&) {
    return std::pair{where, std::size_t{0}};
  });
  if (!document.value.is_object()) throw input_error(where + ": must be a JSON object");
  prompt_record record = format == select_format::answer_pools
                             ? detail::parse_answer_pool(document, where)
                             : detail::parse_native(document, where);
  record.line = line;
  return record;
}

/// Reads every prompt of a stream. Blank lines of JSON Lines input are skipped (they hold no
/// record); every other line must parse.
/// \throws input_error naming the line (or element) and field
inline std::vector<prompt_record> read_prompts(std::istream& in, select_format format) {
  std::vector<prompt_record> out;
  if (format == select_format::reward_scores) {
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto document =
        detail::parse_document(text, [](const std::vector<detail::path_step>& path) {
          if (path.empty() || !path[0].in_list)
            return std::pair{std::string("input"), std::size_t{0}};
          return std::pair{"element " + std::to_string(path[0].index + 1), std::size_t{1}};
        });
    if (!document.value.is_array()) throw input_error("input: must be a JSON list of problems");
    for (std::size_t i = 0; i < document.value.size(); ++i) {
      const std::string where = "element " + std::to_string(i + 1);
      auto record = detail::parse_reward_problem(document, i, where);
      record.line = i + 1;
      if (!record.id) record.id = std::to_string(i);
      out.push_back(std::move(record));
    }
    return out;
  }
  std::string text;
  std::size_t line = 0;
  while (std::getline(in, text)) {
    ++line;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.find_first_not_of(" \t") == std::string::npos) continue;
    out.push_back(parse_prompt_line(text, line, format));
  }
  return out;
}

}  // namespace banditry::tool

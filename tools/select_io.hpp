// Input formats of `banditry select` and `banditry estimate`: parsing and validation of one prompt
// per record, with errors that name the line (or list element) and the field.
//
// Formats:
//   jsonl         one JSON object per line:
//                 {"id": ..., "answers": [...], "scores": [...] (optional), "gold": ... (optional)}
//                 Answers are strings or numbers (a number is written as JSON prints it, so 70 and
//                 "70" are the same answer); "" or null means no answer was extracted: the sample
//                 counts in N but is never selected. Scores are numbers or numeric strings, finite
//                 wherever the sample has an answer (null allowed where it has none).
//   answer-pools  one JSON object per line with "problem_num", "gold_answer", "majority_answer" and
//                 "all_answers": [[answer, completion_tokens], ...] in sampling order; the score of
//                 a sample is -completion_tokens, so Best-of-N with max aggregation picks the
//                 answer of the shortest completion.
//   reward-scores one JSON list of problems {"solution_reference": [labels], "score": [numbers]};
//                 each candidate is its own answer, written "<index>:<label>" because labels repeat
//                 within a problem; the gold answer is the candidate labelled "human_to_GPT-4" (the
//                 one correct solution).
// Unknown fields are ignored; missing required fields, wrong types, mismatched lengths and
// non-finite scores are errors. Nothing is dropped silently.
#pragma once

#include <cmath>
#include <cstddef>
#include <istream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
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
  std::string id;                                ///< prompt id as text ("" when absent)
  std::vector<std::string> answers;              ///< sampled answers in order; "" = no answer
  std::vector<double> scores;                    ///< per-sample scores, or empty
  std::optional<std::string> gold;               ///< the correct answer, when known
  std::optional<std::string> recorded_majority;  ///< answer-pools: the file's majority answer
  std::size_t line = 0;                          ///< 1-based line (or list element) number
};

namespace detail {

[[noreturn]] inline void fail(const std::string& where, const std::string& field,
                              const std::string& problem) {
  throw input_error(where + ": field \"" + field + "\": " + problem);
}

// An answer as text: strings as they are, numbers as JSON writes them, null as "" (no answer).
inline std::string answer_text(const nlohmann::json& value, const std::string& where,
                               const std::string& field) {
  if (value.is_null()) return "";
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number() || value.is_boolean()) return value.dump();
  fail(where, field, "must be a string, a number or null, got " + std::string(value.type_name()));
}

// A score: a JSON number or a string holding one number; null is allowed only where `nullable`.
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
    } catch (const std::exception&) {
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

inline const nlohmann::json& required(const nlohmann::json& object, const char* key,
                                      const std::string& where) {
  const auto it = object.find(key);
  if (it == object.end()) fail(where, key, "is missing");
  return *it;
}

inline nlohmann::json parse_json(const std::string& text, const std::string& where) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw input_error(where + ": not valid JSON (" + std::string(e.what()) + ")");
  }
}

inline prompt_record parse_native(const nlohmann::json& object, const std::string& where) {
  prompt_record record;
  if (const auto it = object.find("id"); it != object.end() && !it->is_null()) {
    record.id = it->is_string() ? it->get<std::string>() : it->dump();
  }
  const auto& answers = required(object, "answers", where);
  if (!answers.is_array()) fail(where, "answers", "must be a list");
  if (answers.empty()) fail(where, "answers", "must not be empty");
  for (std::size_t i = 0; i < answers.size(); ++i) {
    record.answers.push_back(answer_text(answers[i], where, "answers[" + std::to_string(i) + "]"));
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
    record.gold = answer_text(*it, where, "gold");
  }
  return record;
}

inline prompt_record parse_answer_pool(const nlohmann::json& object, const std::string& where) {
  prompt_record record;
  const auto& number = required(object, "problem_num", where);
  record.id = number.is_string() ? number.get<std::string>() : number.dump();
  const auto& samples = required(object, "all_answers", where);
  if (!samples.is_array() || samples.empty())
    fail(where, "all_answers", "must be a non-empty list");
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const std::string field = "all_answers[" + std::to_string(i) + "]";
    const auto& pair = samples[i];
    if (!pair.is_array() || pair.size() != 2) fail(where, field, "must be [answer, tokens]");
    record.answers.push_back(answer_text(pair[0], where, field + "[0]"));
    const auto tokens = score_value(pair[1], where, field + "[1]");
    if (!tokens) fail(where, field + "[1]", "must be a number, got null");
    record.scores.push_back(-*tokens);
  }
  if (const auto it = object.find("total_answers"); it != object.end() && it->is_number()) {
    if (it->get<double>() != static_cast<double>(samples.size())) {
      fail(where, "total_answers",
           "must equal the length of all_answers (" + std::to_string(samples.size()) + "), got " +
               it->dump());
    }
  }
  if (const auto it = object.find("gold_answer"); it != object.end() && !it->is_null()) {
    record.gold = answer_text(*it, where, "gold_answer");
  }
  if (const auto it = object.find("majority_answer"); it != object.end() && !it->is_null()) {
    record.recorded_majority = answer_text(*it, where, "majority_answer");
  }
  return record;
}

inline prompt_record parse_reward_problem(const nlohmann::json& object, const std::string& where) {
  prompt_record record;
  if (!object.is_object()) fail(where, "(element)", "must be an object");
  if (const auto it = object.find("id"); it != object.end() && !it->is_null()) {
    record.id = it->is_string() ? it->get<std::string>() : it->dump();
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
  const auto object = detail::parse_json(text, where);
  if (!object.is_object()) throw input_error(where + ": must be a JSON object");
  prompt_record record = format == select_format::answer_pools
                             ? detail::parse_answer_pool(object, where)
                             : detail::parse_native(object, where);
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
    const auto list = detail::parse_json(text, "input");
    if (!list.is_array()) throw input_error("input: must be a JSON list of problems");
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string where = "element " + std::to_string(i + 1);
      auto record = detail::parse_reward_problem(list[i], where);
      record.line = i + 1;
      if (record.id.empty()) record.id = std::to_string(i);
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

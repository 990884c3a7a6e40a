// JSON-e: the template language Taskcluster uses for hooks, actions and
// in-tree task definitions (https://json-e.js.org, conformance suite of
// json-e v4.8.4, see tests/data/jsone/).
//
// JsoneRender(template, context) renders a template the way the reference
// implementations do: every operator ($eval, $if, $let, $map, $reduce, $find,
// $match, $switch, $merge, $mergeDeep, $flatten, $flattenDeep, $fromNow,
// $json, $reverse, $sort), ${..} interpolation, the expression language and
// its built-in functions. Errors carry the reference message, e.g.
//   "InterpreterError at template.a: unknown context value a".
//
// Invariants:
//  * Numbers are IEEE doubles (as in JS). Integral results are emitted as
//    JSON integers, other numbers as doubles; NaN/Infinity become null (as
//    JSON.stringify does).
//  * Nesting is bounded (templates, values, expressions): input that is too
//    deep gives a JsoneError, never a stack overflow. Work, value size and
//    string length are bounded too (JsoneLimits).
//  * Rendering is pure: no I/O, no global state; safe to call from threads.
#pragma once
#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace tc {

// A JSON-e rendering error.
struct JsoneError : std::runtime_error {
  JsoneError(std::string kind, std::string detail);

  // "TemplateError" | "InterpreterError" | "SyntaxError" | "BuiltinError"
  std::string kind;
  // Full message as the reference prints it:
  //   "<kind>: <detail>" or "<kind> at template<location>: <detail>".
  std::string message;
  // The message without kind and location.
  std::string detail;
  // Where in the template, e.g. ".tasks[0].payload" ("" at the top level).
  std::string location;

  // Prepends one path step (".key", "[0]", "[\"a b\"]") and rebuilds message.
  void AddLocation(const std::string& step);
  const char* what() const noexcept override { return message.c_str(); }
};

// Maximum nesting depth of templates and values (arrays/objects).
constexpr int kJsoneMaxDepth = 500;

// Resource limits of one render. Exceeding one gives a TemplateError (or an
// InterpreterError for string concatenation) instead of exhausting time or
// memory, e.g. for a $reduce that doubles its accumulator.
struct JsoneLimits {
  // Evaluation steps (values built, template and expression nodes visited).
  int64_t work_budget = 20'000'000;
  // Expanded size of any value (nodes + string bytes / 16). Values share
  // structure, so this bounds serialising/comparing, not just memory.
  int64_t max_value_weight = 16'000'000;
  // Length of any string, in bytes.
  size_t max_string_bytes = size_t{64} << 20;
};

// Renders `tmpl` with `context` (must be an object whose keys are
// identifiers). `now` (ISO 8601, e.g. "2017-01-19T16:27:20.974Z"; an invalid
// one gives a TemplateError) is the time used by $fromNow, fromNow() and the
// built-in `now` variable unless the context binds `now`; default: the
// current time.
// Throws JsoneError. A template that renders to nothing (e.g. $if without
// else) gives null.
rapidjson::Document JsoneRender(const rapidjson::Value& tmpl, const rapidjson::Value& context,
                                std::optional<std::string> now = std::nullopt);
// The same with explicit resource limits (the overload above uses the defaults).
rapidjson::Document JsoneRender(const rapidjson::Value& tmpl, const rapidjson::Value& context,
                                std::optional<std::string> now, const JsoneLimits& limits);

}  // namespace tc

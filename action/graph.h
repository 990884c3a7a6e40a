// The decision task's graph artifacts, in memory, and what the graph-aware
// actions compute from them (pure: bytes in, plans out).
//
//   public/task-graph.json      taskId -> {label, kind, attributes,
//                               dependencies (name -> taskId), task, ...}:
//                               what was scheduled
//   public/label-to-taskid.json label -> taskId
//
// Memory: TaskGraph parses task-graph.json in situ (strings stay in the one
// buffer it owns) and indexes entries by string_view into it, so peak memory
// stays near file size + the DOM; nothing copies the whole graph per step.
//
// Definitions to clone come from task-graph.json (one fetch for the whole
// closure, instead of one queue.task() call per task); their
// {"relative-datestamp": "..."} values are resolved against now, as the
// decision task resolved them.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "json.h"

namespace tc {

class TaskGraph {
 public:
  // Parses task-graph.json (takes the bytes). Throws BadInput naming `what`
  // on malformed JSON or entries.
  static std::unique_ptr<TaskGraph> Parse(std::string bytes, const std::string& what);

  size_t size() const { return entries_.size(); }
  // The entry for a taskId, or nullptr.
  const JsonValue* Find(std::string_view task_id) const;
  // Dependencies (taskIds) of a task as the graph lists them (entry.dependencies values).
  std::vector<std::string_view> Dependencies(std::string_view task_id) const;
  // Tasks that list task_id among their dependencies.
  const std::vector<std::string_view>& Dependents(std::string_view task_id) const;
  // task_id and every task that transitively depends on it, dependencies
  // before dependents (a topological order).
  std::vector<std::string_view> DownstreamClosure(std::string_view task_id) const;
  // Every taskId in the graph.
  const std::unordered_map<std::string_view, const JsonValue*>& entries() const { return entries_; }

  static std::string_view Label(const JsonValue& entry);
  // attributes.retrigger == true, else the task's tags.retrigger == "true".
  static bool Retriggerable(const JsonValue& entry);

 private:
  TaskGraph() = default;
  std::unique_ptr<char[]> buffer_;
  Json doc_;
  std::unordered_map<std::string_view, const JsonValue*> entries_;
  std::unordered_map<std::string_view, std::vector<std::string_view>> dependents_;
};

// label-to-taskid.json as a map. Throws BadInput naming `what`.
std::unordered_map<std::string, std::string> ParseLabelToTaskId(const std::string& bytes, const std::string& what);

// "1 day", "-3600 seconds", "2 hours 30 min", "6years" -> milliseconds
// (taskgraph's units: s/sec/second(s), min/minute(s), h/hour(s), d/day(s),
// mo/month(s) = 30 days, y/year(s) = 365 days). nullopt when malformed.
std::optional<int64_t> ParseRelativeDuration(std::string_view s);

// Replaces every {"relative-datestamp": "<duration>"} object in v by the
// ISO-8601 time now + duration. Throws BadInput for a malformed duration.
size_t ResolveRelativeDatestamps(JsonValue& v, int64_t now_ms, JsonAlloc& a);

// Rewrites, in every string of v, each occurrence of a taskId in `remap`
// (whole values and inside longer strings, e.g. artifact URLs). Other
// slugid-shaped tokens standing alone (at token boundaries) that are neither
// in `remap` nor in `known` are appended to *unclassified (deduplicated).
size_t RemapTaskIds(JsonValue& v, const std::unordered_map<std::string, std::string>& remap,
                    const std::unordered_set<std::string>& known, std::vector<std::string>* unclassified,
                    JsonAlloc& a);

}  // namespace tc

// The decision task's graph artifacts, in memory, and what the graph-aware
// actions compute from them (pure: bytes in, plans out).
//
//   public/task-graph.json      taskId -> {label, kind, attributes,
//                               dependencies (name -> taskId), task, ...}:
//                               what was scheduled
//   public/label-to-taskid.json label -> taskId
//
// Memory: TaskGraph keeps the artifact's bytes and a small index (label,
// kind, dependencies, retrigger flag and byte range of each entry), built in
// one SAX pass; an entry's full JSON is parsed only when a task is cloned.
// Peak memory stays near the file size; nothing copies the graph per step.
//
// Definitions to clone come from task-graph.json (one fetch for the whole
// closure, instead of one queue.task() call per task); their
// {"relative-datestamp": "..."} values are resolved against now, as the
// decision task resolved them.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/json.h"

namespace tc {

class TaskGraph {
 public:
  // What the index keeps of one entry; the rest stays as bytes in the buffer
  // and is parsed on demand (Materialize).
  struct Entry {
    std::string task_id;
    std::string label;
    std::string kind;
    std::vector<std::pair<std::string, std::string>> dependencies;  // name -> taskId
    bool retrigger = false;  // attributes.retrigger, else task.tags.retrigger == "true"
    size_t begin = 0, end = 0;  // the entry's JSON object: buffer[begin, end)
  };

  // Indexes task-graph.json with one SAX pass (takes the bytes; no DOM of
  // the whole graph is built, so memory stays near the file size). Throws
  // BadInput naming `what` on malformed JSON or entries.
  static std::unique_ptr<TaskGraph> Parse(std::string bytes, const std::string& what);

  size_t size() const { return entries_.size(); }
  size_t bytes() const { return buffer_.size(); }  // of the artifact
  const Entry* Find(std::string_view task_id) const;
  // The whole entry ({label, kind, attributes, dependencies, task, ...}) as a document.
  Json Materialize(std::string_view task_id) const;
  // Dependencies (taskIds) of a task as the graph lists them.
  std::vector<std::string_view> Dependencies(std::string_view task_id) const;
  // Tasks that list task_id among their dependencies.
  const std::vector<std::string_view>& Dependents(std::string_view task_id) const;
  // task_id and every task that transitively depends on it, dependencies
  // before dependents (a topological order; deterministic).
  std::vector<std::string_view> DownstreamClosure(std::string_view task_id) const;
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  TaskGraph() = default;
  std::string what_;
  std::string buffer_;  // the artifact's bytes
  std::vector<Entry> entries_;
  std::unordered_map<std::string_view, size_t> index_;  // taskId -> entries_ index
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
size_t RemapTaskIds(JsonValue& v, const std::unordered_map<std::string_view, std::string>& remap,
                    const std::function<bool(std::string_view)>& known, std::vector<std::string>* unclassified,
                    JsonAlloc& a);

}  // namespace tc

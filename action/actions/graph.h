// A decision task's graph artifacts, in memory, and the graph questions the
// actions ask of them (pure: bytes in, answers out).
//
//   public/full-task-graph.json  label -> {label, kind, attributes,
//                                dependencies (name -> label), soft_dependencies,
//                                optimization, task (with {task-reference},
//                                {artifact-reference}, {relative-datestamp}
//                                placeholders)}: every task the push can run
//   public/task-graph.json       taskId -> the same, resolved: what was scheduled
//   public/label-to-taskid.json  label -> taskId
//
// A TaskGraph indexes either graph file: its keys are labels (full graph) or
// taskIds (task-graph.json); dependencies name other keys.
//
// Memory: TaskGraph keeps the artifact's bytes and a small index per entry
// (key, label, kind, dependencies, the attributes and optimization the
// actions read, and its byte range), built in one SAX pass; an entry's full
// JSON is parsed only when it is planned (Materialize). Peak memory stays
// near the file size; nothing copies the graph per step.
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
    std::string key;    // the entry's key: a label (full graph) or a taskId
    std::string label;
    std::string kind;
    std::vector<std::pair<std::string, std::string>> dependencies;  // name -> key
    std::vector<std::string> soft_dependencies;  // labels
    std::vector<std::string> index_paths;        // optimization["index-search"]
    // attributes.retrigger is truthy (as Python reads it); without the
    // attribute, task.tags.retrigger == "true".
    bool retrigger = false;
    bool cached_task = false;  // attributes.cached_task is truthy
    int64_t task_duplicates = 1;  // attributes.task_duplicates
    size_t begin = 0, end = 0;  // the entry's JSON object: buffer[begin, end)
  };

  // Indexes a graph artifact with one SAX pass (takes the bytes; no DOM of
  // the whole graph is built, so memory stays near the file size). Throws
  // BadInput naming `what` on malformed JSON or entries (every entry must be
  // an object with a `task` object, as taskgraph's TaskGraph.from_json
  // requires), and on an entry that depends on itself (the closures refuse
  // longer cycles).
  static std::unique_ptr<TaskGraph> Parse(std::string bytes, const std::string& what);

  size_t size() const { return entries_.size(); }
  size_t bytes() const { return buffer_.size(); }  // of the artifact
  const std::string& what() const { return what_; }
  const Entry* Find(std::string_view key) const;
  // The whole entry ({label, kind, attributes, dependencies, task, ...}) as a document.
  Json Materialize(std::string_view key) const;
  // Dependencies (keys) of an entry as the graph lists them.
  std::vector<std::string_view> Dependencies(std::string_view key) const;
  // Entries that list `key` among their dependencies (sorted).
  const std::vector<std::string_view>& Dependents(std::string_view key) const;
  // key and every entry that transitively depends on it, dependencies
  // before dependents (a topological order; deterministic).
  std::vector<std::string_view> DownstreamClosure(std::string_view key) const;
  // keys and every entry they transitively depend on (dependencies that are
  // not keys of the graph are left out), dependencies first; deterministic.
  std::vector<std::string_view> DependencyClosure(const std::vector<std::string>& keys) const;
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  TaskGraph() = default;
  // Orders `set` dependencies first (Kahn, lexicographic among the ready).
  std::vector<std::string_view> TopologicalOrder(const std::unordered_set<std::string_view>& set,
                                                 std::string_view what) const;
  std::string what_;
  std::string buffer_;  // the artifact's bytes
  std::vector<Entry> entries_;
  std::unordered_map<std::string_view, size_t> index_;  // key -> entries_ index
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

}  // namespace tc

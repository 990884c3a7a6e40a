// The typed view of a task: what every layer asks of a task definition and
// its status (state, deadline, label, kind, retriggerable, dependencies,
// runs), written once. A TaskView does not own the JSON it reads: the
// definition and status must outlive it. Either may be null (a definition
// without a status: state() is kUnknown; a status without a definition:
// label() is "").
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"

namespace tc {

// A task's state as the queue reports it; kMissing: the queue has no such
// task (404); kUnknown: no status was read or the state is not one of these.
enum class TaskState { kUnscheduled, kPending, kRunning, kCompleted, kFailed, kException, kMissing, kUnknown };

TaskState ParseTaskState(std::string_view s);
const char* TaskStateName(TaskState s);
// completed, failed or exception.
bool IsResolved(TaskState s);
// failed or exception: what a rerun is for.
bool IsFailed(TaskState s);
// unscheduled, pending or running.
bool IsLive(TaskState s);

// "taskId (label)" for messages, or the taskId alone when there is no label.
std::string DescribeTask(const std::string& task_id, const std::string& label);

class TaskView {
 public:
  TaskView(const JsonValue* definition, const JsonValue* status) : def_(definition), status_(status) {}

  // tags.label, else metadata.name, else "".
  std::string label() const;
  // tags.kind, else "".
  std::string kind() const;
  // tags.retrigger == "true" (the definition's own flag; graph actions also
  // read attributes.retrigger from the graph, see actions/graph.h).
  bool retriggerable() const;
  std::string task_group_id() const;
  // definition.dependencies (taskIds), in order.
  std::vector<std::string> dependencies() const;

  TaskState state() const;
  std::string state_name() const { return TaskStateName(state()); }
  // status.deadline as written ("" when absent) and in ms (nullopt when absent/invalid).
  std::string deadline() const;
  std::optional<int64_t> deadline_ms() const;
  // The deadline is at or before now: the queue no longer reruns or cancels it.
  bool PastDeadline(int64_t now_ms) const;
  // Runs whose state is failed or exception.
  int FailedRuns() const;
  // The latest run was created by a rerun at or after since_ms.
  bool RerunSince(int64_t since_ms) const;
  // The latest run was canceled (reasonResolved canceled) at or after since_ms.
  bool CanceledSince(int64_t since_ms) const;
  // Some run started (its consumers' verification may already have happened).
  bool Ran() const;

  // "taskId (label)" for messages, or the taskId alone when there is no label.
  std::string Describe(const std::string& task_id) const;

 private:
  const JsonValue* LastRun() const;
  const JsonValue* def_;
  const JsonValue* status_;
};

}  // namespace tc

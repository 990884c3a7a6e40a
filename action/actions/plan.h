// The plan: the list of queue mutations an action will make. Domain code
// builds it from data (no I/O); the executor carries it out; the report
// prints it.
//
// Invariants: every op's taskId is a valid slugid; a create op carries a
// definition that validated against Taskcluster's create-task-request schema;
// `after` only names earlier ops (the plan is in dependency order).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/json.h"

namespace tc {

enum class OpKind { kCreate, kRerun, kCancel };
enum class OpStatus { kPlanned, kDone, kSkipped, kFailed };

const char* OpKindName(OpKind k);
const char* OpStatusName(OpStatus s);

struct Operation {
  OpKind kind = OpKind::kCreate;
  std::string task_id;
  std::string of;            // create: the taskId this is a copy of
  std::string label;         // the task's label, when known
  Json definition;           // create: the task definition to send
  std::vector<size_t> after; // ops (indexes into Plan::ops) that must be done first
  // rerun: after the rerun, wait until the new run resolves; the op is done
  // only when it completed (rerun-sequence). See executor.h for the polling.
  bool await_completion = false;
  // rerun: a latest run created by a rerun at or after this time is this
  // action task's own earlier rerun (a retried action task resumes: it waits
  // for that run instead of rerunning again); a pending or running task is
  // not rerun either. Unset: the rerun is sent as it is.
  std::optional<int64_t> resume_since_ms;
  OpStatus status = OpStatus::kPlanned;
  std::string detail;
};

// The taskId of a task an action creates, derived from the action task, the
// task's label and which copy it is: a retried action task plans the same
// ids, also when its plan shifted (another task was added or dropped).
std::string CopyTaskId(const std::string& action_task_id, const std::string& label, const std::string& copy);

// An operation of `kind` on task_id (label: the task's label, when known).
Operation NewOp(OpKind kind, std::string task_id, std::string label);

// A task the plan creates, as taskgraph's task-graph.json lists it.
struct CreatedTask {
  std::string task_id;
  std::string label;
  // {label, kind, attributes, dependencies (name -> taskId), ...}: everything
  // but "task", as compact JSON text (an object with at least "label"). Text,
  // not a document: a document per created task costs an allocator chunk each
  // (100k copies: gigabytes).
  std::string entry_json;
};

// A warning that names a list of tasks: warnings[index] is the whole text,
// lead + the items joined with ", " + tail. The reports carry every item; the
// log shows a count, the first few and "and N more" (ShortWarning).
struct ListedWarning {
  size_t index = 0;
  std::string lead;
  std::vector<std::string> items;
  std::string tail;
};

struct Plan {
  std::vector<Operation> ops;
  std::vector<std::string> warnings;
  std::vector<ListedWarning> listed_warnings;  // the warnings that name lists (WarnList)
  std::vector<std::string> notes;
  // What taskgraph's artifacts say of the tasks this action creates, combined
  // over all copies: task-graph.json entries, label-to-taskid.json pairs in
  // order (the last pair of a label wins, as taskgraph's combined file) and
  // to-run.json labels.
  std::vector<CreatedTask> created;
  std::vector<std::pair<std::string, std::string>> label_to_taskid;
  std::vector<std::string> to_run;
  std::unordered_set<std::string> to_run_seen;  // labels already in to_run
  // Per-label outcome lines of retrigger-multiple ("label: retriggered x2").
  std::vector<std::string> per_label;
};

// Adds a warning naming `items` (e.g. "taskId (label)"): lead + items + tail.
void WarnList(Plan& plan, std::string lead, std::vector<std::string> items, std::string tail);
// The log's form of a listed warning: with more than `few` items, "N tasks:
// <the first few> and M more" in place of the list.
std::string ShortWarning(const ListedWarning& w, size_t few = 5);

// Adds a created task to the plan's artifacts. entry: the graph entry it was
// made from (label, kind, attributes...), or null; definition: what is sent
// (its tags.kind names the kind when the entry does not); deps: dependency
// name -> taskId, or null; to_run: the label was requested.
void RecordCreated(Plan& plan, const std::string& task_id, const std::string& label, const JsonValue* entry,
                   const JsonValue& definition, const JsonValue* deps, bool to_run);
// A label the action's graph resolved to an existing task (label-to-taskid.json).
void RecordLabel(Plan& plan, const std::string& label, const std::string& task_id);

// The artifacts, as taskgraph writes them: task-graph.json (taskId -> entry
// with its create op's definition as "task"), label-to-taskid.json and
// to-run.json; {} / {} / [] when the plan creates nothing.
std::string TaskGraphArtifactText(const Plan& plan);
Json LabelToTaskIdArtifact(const Plan& plan);
Json ToRunArtifact(const Plan& plan);

}  // namespace tc

// The release-engineering policy (shared/seed/rerun-vs-retrigger.txt) as pure
// functions: from the action context and the facts read from the queue, the
// plan of mutations, or Refused/BadInput with a one-line reason.
//
//   rerun               failed/exception -> rerunTask. completed: refused
//                       unless force (then warn: Chain of Trust breaks for the
//                       consumers named). unscheduled: refused unless force.
//                       pending/running: nothing to do. Past deadline: refused.
//   retrigger           tags.retrigger == "true" only; N copies (clone.h).
//   retrigger-disabled  the same, refused unless force or retriggerable.
//   cancel              cancelTask; resolved or past deadline: skipped.
//   cancel-all          every unscheduled/pending/running task of the group
//                       except the action task itself.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "context.h"
#include "json.h"
#include "graph.h"
#include "plan.h"

namespace tc {

// What the executor's reader found out about the target task.
struct TaskFacts {
  std::string task_id;
  Json definition;               // queue.task(taskId)
  Json status;                   // the inner object of queue.status(taskId)
  std::vector<Json> dependents;  // {status, task} entries of listDependentTasks, all pages
  bool dependents_loaded = false;
};

bool IsRetriggerable(const JsonValue& definition);
bool IsResolvedState(const std::string& state);

// True when some string in v contains task_id (a whole value such as
// upstreamArtifacts[].taskId, or inside a longer string such as an artifact URL).
bool MentionsTaskId(const JsonValue& v, const std::string& task_id);

// Labels/taskIds of the dependents whose payload consumes task_id's artifacts.
std::vector<std::string> Consumers(const TaskFacts& facts);

// Checks the target belongs to the context's task group (BadInput otherwise).
void CheckTaskGroup(const Context& ctx, const TaskFacts& facts);

Plan PlanRerun(const Context& ctx, const TaskFacts& facts, int64_t now_ms);
// graph: the decision's task-graph.json, required when input.downstream is true.
Plan PlanRetrigger(const Context& ctx, const TaskFacts& facts, int64_t now_ms, const TaskGraph* graph = nullptr);
// retrigger-decision: a copy of a decision/cron/action task (tags.kind
// decision-task, cron-task or action-callback) with a new taskId and its
// timestamps shifted to now, in its own task group, as taskgraph does.
Plan PlanRetriggerDecision(const Context& ctx, const TaskFacts& facts, int64_t now_ms);
Plan PlanCancel(const Context& ctx, const TaskFacts& facts, int64_t now_ms);
// group_tasks: the {status, task} entries of listTaskGroup (all pages).
Plan PlanCancelAll(const Context& ctx, const std::vector<Json>& group_tasks, int64_t now_ms);

// Whether the facts reader must load dependents for this context.
bool NeedsDependents(const Context& ctx, const JsonValue& status);

}  // namespace tc

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
#include <map>
#include <string>
#include <vector>

#include "actions/context.h"
#include "core/json.h"
#include "actions/graph.h"
#include "actions/plan.h"

namespace tc {

// What the executor's reader found out about the target task.
struct TaskFacts {
  std::string task_id;
  Json definition;               // queue.task(taskId)
  Json status;                   // the inner object of queue.status(taskId)
  std::vector<Json> dependents;  // {status, task} entries of listDependentTasks, all pages
  bool dependents_loaded = false;
  // taskGroupId of each dependency (loaded when NeedsDependencyGroups).
  std::map<std::string, std::string> dependency_groups;
};

bool IsRetriggerable(const JsonValue& definition);
bool IsResolvedState(const std::string& state);


// Checks the target belongs to the context's task group (BadInput otherwise).
void CheckTaskGroup(const Context& ctx, const TaskFacts& facts);

Plan PlanRerun(const Context& ctx, const TaskFacts& facts, int64_t now_ms);
// The checks of retrigger/retrigger-disabled that need no graph (retriggerable
// or forced; a deadline-exceeded release task must be a leaf): throws
// Refused, or adds warnings to plan.
void RetriggerPreconditions(const Context& ctx, const TaskFacts& facts, int64_t now_ms, Plan& plan);
// graph: the decision's task-graph.json, required when input.downstream is true.
Plan PlanRetrigger(const Context& ctx, const TaskFacts& facts, int64_t now_ms, const TaskGraph* graph = nullptr);
// retrigger-decision: a copy of a decision/cron/action task (tags.kind
// decision-task, cron-task or action-callback) with a new taskId and its
// timestamps shifted to now, in its own task group, as taskgraph does.
Plan PlanRetriggerDecision(const Context& ctx, const TaskFacts& facts, int64_t now_ms);
Plan PlanCancel(const Context& ctx, const TaskFacts& facts, int64_t now_ms);
// group_tasks: the {status, task} entries of listTaskGroup (all pages).
Plan PlanCancelAll(const Context& ctx, const std::vector<Json>& group_tasks, int64_t now_ms);

// rerun-dependents (cancel + rerun; "release tasks with broken dependencies"):
// for failed task X, its waiting (unscheduled) direct dependents whose other
// dependencies all completed and which do not consume X's artifacts are
// canceled, then rerun, so they run without X. dep_states: state of every
// other dependency of those dependents. action_created_ms: when the action
// task was created (a dependent canceled since then was canceled by an
// earlier run of this action task and only needs its rerun).
Plan PlanRerunDependents(const Context& ctx, const TaskFacts& x, const std::map<std::string, std::string>& dep_states,
                         int64_t action_created_ms, int64_t now_ms);
// The other dependencies whose states PlanRerunDependents needs.
std::vector<std::string> RerunDependentsDependencyIds(const TaskFacts& x);

// Whether the facts reader must load dependents / the groups of the
// dependencies for this context and task.
bool NeedsDependents(const Context& ctx, const JsonValue& definition, const JsonValue& status, int64_t now_ms);
bool NeedsDependencyGroups(const Context& ctx, const JsonValue& definition, const JsonValue& status, int64_t now_ms);

}  // namespace tc

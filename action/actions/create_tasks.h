// taskgraph's create_tasks (actions/util.py, create.py), planned: tasks of
// the push's full graph created by label, with every dependency they need.
//
// For the requested labels (to_run) and the transitive closure of their
// dependencies in the full graph, dependencies first:
//   * a requested label is always created anew (taskgraph's do_not_optimize);
//   * another label whose dependencies all resolved to existing tasks is
//     replaced: by its current task in the push's merged label map, else by
//     an index-search hit (the first path whose task is not failed/exception
//     and does not expire before the latest deadline of the closure's tasks
//     that depend on it; a task without such dependents: no expiry check);
//   * everything else is created anew.
// A created task: its full-graph definition with {task-reference} and
// {artifact-reference} placeholders resolved (<name>: a dependency by edge
// name, <self>, <decision>; artifact URLs on TASKCLUSTER_ROOT_URL for
// public/ paths, on the proxy for others), {relative-datestamp} resolved
// against now, extra.parent = the action task, dependencies = [the action
// task] + its dependencies' taskIds (sorted; soft dependencies only when
// created in the same graph) + the decision task when none of them is
// created in the same graph, taskGroupId = the decision task, schedulerId =
// <trust-domain>-level-<level>; attributes.task_duplicates = N adds N-1
// more creates of it. New taskIds derive from (action task, label, copy).
// Each definition is validated against create-task-request before anything
// is sent. The plan records taskgraph's artifacts (task-graph.json of the
// created tasks, label-to-taskid.json of the closure, to-run.json).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "actions/context.h"
#include "actions/facts.h"
#include "actions/plan.h"

namespace tc {

struct CreateRequest {
  std::vector<std::string> to_run;  // labels of the full graph
  std::string copy = "0";           // which copy this call makes (part of the derived taskIds)
};

// The index paths create_tasks needs looked up for to_run: those of the
// closure's labels that may be replaced and have no task in the push. Throws
// BadInput for a label that is not in the full graph (`field` names the input).
std::vector<std::string> IndexPathsFor(const Push& push, const std::vector<std::string>& to_run,
                                       const std::string& field);

// Appends one create_tasks call to plan (facts: the push, and the index
// lookups IndexPathsFor asked for). Returns the labels it creates, in order.
std::vector<std::string> PlanCreateTasks(Plan& plan, const Context& ctx, const Facts& facts, const CreateRequest& req,
                                         int64_t now_ms);

// Validates the create ops plan.ops[base..] against create-task-request, on a
// few threads; throws BadInput for the first invalid one (by plan order).
void ValidateCreates(const Plan& plan, size_t base);

}  // namespace tc

// Copies of graph entries (pure): the downstream retrigger and
// retrigger-multiple build their copies here.
//
// retrigger --downstream: the target and every task that transitively
// depends on it among the scheduled tasks (task-graph.json), `times` times.
// Within a copy, dependencies on re-created tasks point to the new taskIds;
// dependencies on tasks outside the set keep their old taskIds; every old
// taskId of a re-created task that appears anywhere in another re-created
// task's definition (upstreamArtifacts[].taskId, artifact URLs in env, ...)
// is rewritten; slugid-shaped strings that are not tasks of the graph are
// reported as warnings. Copies with no dependency among the re-created tasks
// depend on the action task (TASK_ID).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>

#include "actions/context.h"
#include "actions/graph.h"
#include "actions/plan.h"

namespace tc {

// Appends `times` copies of the closure of root_task_id to plan.
// Release (Chain-of-Trust) tasks in the closure fork the release graph: that
// is refused unless allow_release (retrigger-disabled with force).
void PlanDownstreamCopies(Plan& plan, const Context& ctx, const TaskGraph& graph, const std::string& root_task_id,
                          int64_t times, int64_t now_ms, bool allow_release);

// Appends one copy of `task_ids` (taskIds of graph entries; dependencies
// among them remapped) to plan, recording them in the plan's artifacts.
// release: when given, receives "taskId (label)" of the release
// (Chain-of-Trust) tasks among them.
void PlanGraphCopy(Plan& plan, const Context& ctx, const TaskGraph& graph, const std::vector<std::string>& task_ids,
                   int64_t now_ms, std::vector<std::string>* release);

}  // namespace tc

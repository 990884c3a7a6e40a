// Reading the push (actions/push.h) and the index lookups of index-search
// from Taskcluster: read-only calls only. The I/O side of the push model.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actions/context.h"
#include "actions/facts.h"
#include "taskcluster/services.h"

namespace tc {

// public/parameters.yml of the action's task group. A missing one is
// BadInput naming it (nullopt when `optional`).
std::optional<Json> ReadParameters(Queue& q, const Context& ctx, bool optional);

// The push, as taskgraph's fetch_graph_and_labels reads it: the decision
// task through the index (404, or no index service: ACTION_TASK_GROUP_ID),
// its full-task-graph.json and label-to-taskid.json, then the
// label-to-taskid.json of every earlier action and cron task indexed for the
// push, merged oldest first. A missing decision artifact is BadInput naming
// it (nullopt with *note set when `optional` and full-task-graph.json is the
// missing one; a missing label-to-taskid.json next to a full graph is always
// BadInput); a malformed one BadInput; an
// index or queue failure TcError.
std::optional<Push> ReadPush(Services& s, const Context& ctx, const Json& parameters, bool optional, std::string* note);

// index-search: the task indexed at each path, with its status (batched
// findTasksAtIndex, then queue.statuses). Paths with nothing indexed map to
// nullopt.
void ReadIndexed(Services& s, const std::vector<std::string>& paths, Facts& facts);

}  // namespace tc

// Reading what the policy needs from the queue (read-only calls only): a
// task's definition and status, its dependents, its dependencies' groups.
// This is the I/O side of the domain: policy functions take TaskFacts.
#pragma once
#include <string>
#include <vector>

#include "core/json.h"
#include "actions/policy.h"
#include "taskcluster/queue.h"

namespace tc {

// Every entry of a paged listing ({tasks: [...], continuationToken}).
std::vector<Json> ReadAllTaskPages(const std::function<Json(const Page&)>& list);

// Definition and status of task_id. A 404 is BadInput naming `field` (e.g.
// "ACTION_TASK_ID"); with a non-empty expected_group, a task of another
// group is BadInput too.
TaskFacts ReadTaskFacts(Queue& q, const std::string& task_id, const std::string& field,
                        const std::string& expected_group);
// The inner status object of queue.status(task_id).
Json ReadStatus(Queue& q, const std::string& task_id);
void LoadDependents(Queue& q, TaskFacts& f);
void LoadDependencyGroups(Queue& q, TaskFacts& f);
// When the action task was created (a run of it started no earlier);
// `fallback` when it is not in the queue (a local run).
int64_t ActionTaskCreatedMs(Queue& q, const std::string& action_task_id, int64_t fallback);

}  // namespace tc

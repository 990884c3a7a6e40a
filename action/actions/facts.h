// Facts: what the reader (run/facts_reader.h) found out from Taskcluster for
// an action, and the requests an action makes for them. Plain data: planners
// read facts, they never fetch (data in, plan out).
//
// The reader loads what an action's NeedsFn asks for, then asks it again with
// what is known so far, until it asks for nothing new (see registry.h). A
// request may name things already loaded; they are not read twice.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "actions/graph.h"
#include "actions/push.h"
#include "core/json.h"
#include "core/task.h"

namespace tc {

struct Context;

// One task as the queue has it.
struct TaskFacts {
  std::string task_id;
  Json definition;  // queue.task(taskId)
  Json status;      // the inner object of queue.status(taskId)
  // {status, task} entries of listDependentTasks, all pages (when loaded).
  std::vector<Json> dependents;
  bool dependents_loaded = false;
  // taskGroupId of each dependency ("expired" when the queue no longer has it;
  // when loaded).
  std::map<std::string, std::string> dependency_groups;
  bool dependency_groups_loaded = false;

  TaskView view() const { return TaskView(&definition, &status); }
};

using LabelToTaskId = std::unordered_map<std::string, std::string>;

// A task found at an index path (index-search), with its status.
struct IndexedTask {
  std::string task_id;
  TaskState state = TaskState::kUnknown;
  std::optional<int64_t> expires_ms;  // status.expires
};

struct Facts {
  // The target task and the tasks the input names, by taskId.
  std::map<std::string, TaskFacts> tasks;
  // Statuses of other tasks: taskId -> the inner status object, or a null
  // value when the queue has no such task.
  std::map<std::string, Json> statuses;
  // {status, task} entries of listTaskGroup of the action's group, all pages.
  std::vector<Json> group_tasks;
  bool group_tasks_loaded = false;
  // When the action task was created (a run of it started no earlier); now
  // when it is not in the queue (a local run).
  std::optional<int64_t> action_created_ms;
  // public/parameters.yml of the action's task group (the decision).
  std::optional<Json> parameters;
  // The push: decision, full graph, merged label -> taskIds (push.h); when
  // it was optional and could not be read (no parameters or full graph),
  // push_note says why.
  std::optional<Push> push;
  std::string push_note;
  // Index paths looked up (index-search): the task found at each, if any.
  std::map<std::string, std::optional<IndexedTask>> indexed;
  // The action task's scopes (auth.currentScopes), when the auth service
  // answered; scopes_unavailable says why not otherwise.
  std::optional<std::vector<std::string>> current_scopes;
  std::string scopes_unavailable;

  // The context's target task (loaded first for every task action).
  const TaskFacts& Target(const Context& ctx) const;
  const TaskFacts& Task(const std::string& task_id) const;
  // The state of a task from `tasks` or `statuses`: kMissing when the queue
  // has no such task, kUnknown when it was not read.
  TaskState StateOf(const std::string& task_id) const;
};

struct FactRequest {
  struct TaskRead {
    std::string task_id;
    std::string field;         // names the input in errors, e.g. "ACTION_TASK_ID"
    bool check_group = true;   // must be a task of the action's task group
    bool required = true;      // else a task the queue does not have is recorded missing
  };
  // Definition and status. A required task the queue does not have, or one of
  // another task group than the action's when check_group, is bad input
  // naming `field`; a task that is not required and missing gets a null entry
  // in Facts::statuses.
  std::vector<TaskRead> tasks;
  std::vector<std::string> dependents_of;         // of loaded tasks
  std::vector<std::string> dependency_groups_of;  // of loaded tasks
  std::vector<std::string> statuses;
  bool group_tasks = false;
  bool action_created = false;
  bool parameters = false;
  bool push = false;
  bool push_optional = false;  // a push without parameters.yml or full-task-graph.json is no error
  std::vector<std::string> index_paths;
  bool current_scopes = false;

  // The part of this request that `known` does not answer yet.
  FactRequest Missing(const Facts& known) const;
  bool empty() const;
};

}  // namespace tc

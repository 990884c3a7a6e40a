// The Taskcluster queue, as the action needs it: one interface, two
// implementations (HttpQueue in queue_http.h, MemoryQueue in queue_memory.h).
//
// Every method returns the response body exactly as the real queue's API
// returns it (services/queue/src/api.js), e.g. status() returns
// {"status": {...}}, createTask() returns {"status": {...}}.
// Errors are thrown as TcError with the HTTP status and Taskcluster's error
// code ("ResourceNotFound", "RequestConflict", "InputValidationError", ...).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"

namespace tc {

struct Page {
  std::optional<std::string> continuation_token;
  std::optional<int> limit;
};

class Queue {
 public:
  virtual ~Queue() = default;

  // GET task/<taskId>: the task definition.
  virtual Json Task(const std::string& task_id) = 0;
  // GET task/<taskId>/status: {"status": {taskId, state, runs, deadline, ...}}.
  virtual Json Status(const std::string& task_id) = 0;
  // PUT task/<taskId>: {"status": ...}. 409 if a different definition exists.
  virtual Json CreateTask(const std::string& task_id, const JsonValue& definition) = 0;
  // POST task/<taskId>/rerun: {"status": ...}.
  virtual Json RerunTask(const std::string& task_id) = 0;
  // POST task/<taskId>/cancel: {"status": ...}.
  virtual Json CancelTask(const std::string& task_id) = 0;
  // GET task-group/<taskGroupId>/list: {"taskGroupId", "tasks": [{status, task}], "continuationToken"?}.
  virtual Json ListTaskGroup(const std::string& task_group_id, const Page& page) = 0;
  // GET task/<taskId>/dependents: {"taskId", "tasks": [{status, task}], "continuationToken"?}.
  virtual Json ListDependentTasks(const std::string& task_id, const Page& page) = 0;
  // GET task/<taskId>/artifacts/<name>: the artifact's bytes (redirects
  // followed, gzip content-encoding decoded).
  virtual std::string GetLatestArtifact(const std::string& task_id, const std::string& name) = 0;
  // POST tasks/status {taskIds}: {statuses: [{taskId, status}], continuationToken?}
  // (tasks the queue does not have are left out). The default asks for each
  // status in turn, for queues without the batch call.
  virtual Json Statuses(const std::vector<std::string>& task_ids, const Page& page);
};

// The Hooks service (triggerHook only; the rest is registration-side).
class Hooks {
 public:
  virtual ~Hooks() = default;
  // POST hooks/<hookGroupId>/<hookId>/trigger: the created task's status.
  virtual Json TriggerHook(const std::string& hook_group_id, const std::string& hook_id,
                           const JsonValue& payload) = 0;
};

}  // namespace tc

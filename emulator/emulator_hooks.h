// The emulator's Hooks service (triggerHook) and its "worker" for action tasks.
//
// Behaviour sources (Taskcluster monorepo): services/hooks/src/api.js
// (triggerHook, triggerHookCommon: scope hooks:trigger-hook:<group>/<id>,
// 404 "No such hook", triggerSchema validated with ajv -> 400 InputError,
// createTask errors mapped to InsufficientScopes / InputError "While calling
// createTask: ..."; reply {taskId, status: {taskId}}) and taskcreator.js
// (the task template rendered with JSON-e, context {firedBy, payload,
// clientId?, taskId, now}; created/deadline/expires default to now / +1 day /
// +1 month and taskGroupId to the new taskId when the template leaves them
// out; a template rendering to null creates nothing; the task is created with
// authorizedScopes [assume:hook-id:<group>/<id>]).
//
// The emulator replies with {taskId, status: <the full task status>}: the
// status as older hooks services returned it, with the taskId where newer
// clients look.
//
// World file additions (see emulator.h):
//   "hooks": [{"hookGroupId", "hookId", "task": <JSON-e template>,
//              "triggerSchema": <JSON schema, default {type: object}>}]
//   "worker": {"enabled": true, "clientId": "<a world client>" | "proxy": true,
//              "binary": "<tc-action path; default: tc-action beside this program>"}
// Control endpoints (no auth):
//   GET /__emulator/hooks          the hooks
//   POST /__emulator/hooks         [hook, ...] adds or replaces hooks
//   GET /__emulator/worker         {"config": {...}, "runs": [{taskId, exitCode, log, state}]}
//   POST /__emulator/worker        a worker config (as in the world)
//
// The worker: when enabled and the hooks service creates a task whose
// payload.command is ["tc-action", "run", ...], the emulator claims the task,
// runs `<binary> run ...` (an `--artifacts` value replaced by a temporary
// directory) with the task's payload.env plus TASK_ID, RUN_ID,
// TASKCLUSTER_ROOT_URL and the named client's credentials (or
// TASKCLUSTER_PROXY_URL), uploads its log (public/logs/live.log) and the
// files it wrote (public/<name>) as artifacts, and resolves the task
// completed (exit 0) or failed.
#pragma once
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "emulator/emulator.h"
#include "core/json.h"
#include "emulator/queue_memory.h"

namespace tc {

// What the hooks service needs from the rest of the emulator.
struct HooksHost {
  // Role expansion of a scope set (roles of the world, "assume:" + roleId).
  std::function<std::vector<std::string>(const std::vector<std::string>&)> expand;
  // A world client's access token, nullopt when unknown.
  std::function<std::optional<std::string>(const std::string&)> access_token;
  std::function<std::string()> root_url;
  std::function<std::string()> proxy_url;  // "" when there is no proxy listener
  // Journals a request made on the emulator's behalf (the hooks service's createTask).
  std::function<void(const std::string& method, const std::string& path, int status, const std::string& client_id,
                     bool committed)>
      record;
};

struct WorkerRun {
  std::string task_id;
  int exit_code = -1;  // -1 while running
  std::string log;
};

class EmulatorHooks {
 public:
  EmulatorHooks(MemoryQueue& queue, HooksHost host);
  ~EmulatorHooks();
  EmulatorHooks(const EmulatorHooks&) = delete;
  EmulatorHooks& operator=(const EmulatorHooks&) = delete;

  // World "hooks" entries (throws BadInput naming the field).
  void AddHooks(const JsonValue& hooks);
  Json HooksJson() const;
  // World "worker" config.
  void SetWorker(const JsonValue& config);
  Json WorkerJson() const;

  struct Result {
    Json body;
    bool committed = false;
  };
  // triggerHook after authentication and the trigger-hook scope check.
  // Throws TcError(status, code, message) as the hooks service answers.
  Result Trigger(const std::string& hook_group_id, const std::string& hook_id, const JsonValue& payload,
                 const std::optional<std::string>& client_id);

  // Waits until no worker run is in progress (or timeout); true when idle.
  bool WaitIdle(std::chrono::milliseconds timeout = std::chrono::milliseconds(120000));
  std::vector<WorkerRun> Runs() const;
  // Kills running worker processes and joins their threads.
  void Shutdown();

 private:
  struct Hook {
    std::string group, id;
    Json task, trigger_schema;
  };
  struct Worker {
    bool enabled = false;
    std::string client_id;
    bool proxy = false;
    std::string binary;
  };
  void RunTask(std::string task_id, Json def, Worker w, size_t run_index);

  MemoryQueue& queue_;
  HooksHost host_;
  mutable std::mutex mu_;
  std::condition_variable idle_cv_;
  std::map<std::string, Hook> hooks_;  // "<group>/<id>"
  Worker worker_;
  std::vector<WorkerRun> runs_;
  std::vector<std::thread> threads_;
  std::map<size_t, int> pids_;  // run index -> pid
  int active_ = 0;
  bool stopping_ = false;
};

}  // namespace tc

// The emulator's Hooks service (triggerHook), which hands the action tasks it
// creates to the action-task worker (worker.h).
//
// Behaviour sources (Taskcluster monorepo): services/hooks/src/api.js
// (triggerHook, triggerHookCommon: scope hooks:trigger-hook:<group>/<id>,
// 404 "No such hook", the triggerSchema validated with ajv -> 400 InputError
// (trigger-schema.js), createTask errors mapped to InsufficientScopes /
// InputError "While calling createTask: ..."; reply {taskId, status:
// {taskId}}) and taskcreator.js (the task template rendered with JSON-e,
// context {firedBy, payload, clientId?, taskId, now}; created/deadline/expires
// default to now / +1 day / +1 month and taskGroupId to the new taskId when
// the template leaves them out; a template rendering to null creates
// nothing; the task is created with authorizedScopes
// [assume:hook-id:<group>/<id>]).
//
// A hook's task template and triggerSchema are kept with their keys in
// Postgres jsonb order, as the hooks service reads them back from its
// database (this orders, e.g., triggerSchema errors).
//
// The emulator replies with {taskId, status: <the full task status>}: the
// status as older hooks services returned it, with the taskId where newer
// clients look.
//
// World file additions (see emulator.h):
//   "hooks": [{"hookGroupId", "hookId", "task": <JSON-e template>,
//              "triggerSchema": <JSON schema, default {type: object}>}]
//   "worker": see worker.h
// Control endpoints (no auth):
//   GET /__emulator/hooks          the hooks
//   POST /__emulator/hooks         [hook, ...] adds or replaces hooks
//   GET /__emulator/worker         {"config": {...}, "runs": [{taskId, exitCode, log}]}
//   POST /__emulator/worker        a worker config (as in the world)
//
// Thread-safety: every public method is thread-safe (one mutex guards the
// hooks; the worker has its own).
#pragma once
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "emulator/queue_memory.h"
#include "emulator/worker.h"

namespace tc {

namespace emu {
class AuthService;
class Journal;
}  // namespace emu

class EmulatorHooks {
 public:
  EmulatorHooks(MemoryQueue& queue, const emu::AuthService& auth, emu::Journal& journal, WorkerHost worker_host);
  ~EmulatorHooks();
  EmulatorHooks(const EmulatorHooks&) = delete;
  EmulatorHooks& operator=(const EmulatorHooks&) = delete;

  // World "hooks" entries (throws BadInput naming the field).
  void AddHooks(const JsonValue& hooks);
  Json HooksJson() const;

  struct Result {
    Json body;
    bool committed = false;
  };
  // triggerHook after authentication and the trigger-hook scope check.
  // Throws TcError(status, code, message) as the hooks service answers.
  Result Trigger(const std::string& hook_group_id, const std::string& hook_id, const JsonValue& payload,
                 const std::optional<std::string>& client_id);

  // The action-task worker the hooks service hands its tasks to.
  ActionWorker& worker() { return worker_; }
  void SetWorker(const JsonValue& config) { worker_.Configure(config); }
  Json WorkerJson() const { return worker_.ToJson(); }
  bool WaitIdle(std::chrono::milliseconds timeout = std::chrono::milliseconds(120000)) {
    return worker_.WaitIdle(timeout);
  }
  std::vector<WorkerRun> Runs() const { return worker_.Runs(); }
  void Shutdown() { worker_.Shutdown(); }

 private:
  struct Hook {
    std::string group, id;
    Json task, trigger_schema;
  };
  Json Render(const Hook& hook, const std::string& task_id, const JsonValue& payload,
              const std::optional<std::string>& client_id) const;
  Json CreateHookTask(const Hook& hook, const std::string& task_id, Json& task);

  MemoryQueue& queue_;
  const emu::AuthService& auth_;
  emu::Journal& journal_;
  mutable std::mutex mu_;
  std::map<std::string, Hook> hooks_;  // "<group>/<id>"
  ActionWorker worker_;
};

}  // namespace tc

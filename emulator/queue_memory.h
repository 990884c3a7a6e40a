// MemoryQueue: the real Taskcluster queue's rules, in memory, without HTTP.
//
// Used by unit tests and by the emulator (emulator.h), which serves it over
// HTTP. The behaviour follows services/queue/src/api.js, dependencytracker.js,
// deadlineresolver.js and the DB functions in db/versions/*.yml (Taskcluster
// v106): response bodies have the same shapes, errors are thrown as TcError
// with the same HTTP status, code and message text (without lib-api's
// "---\n* method: ..." footer, which the emulator appends). createTask's
// input checks are create_task.h's (the embedded schema + api.js's rules).
//
// The implementation is split by concern: queue_store.h (the records and
// the state machine), queue_tasks.cc, queue_views.cc, queue_worker.cc,
// queue_artifacts.cc, queue_seed.cc.
//
// Invariants:
//  - Every public method is thread-safe (one mutex guards all state).
//  - Time comes from the injectable clock plus an advanceable offset; every
//    rule that compares with "now" uses NowMs().
//  - Deadline and claim expiry are applied lazily: before every operation,
//    unresolved tasks whose deadline + deadline_delay (60 s, as the queue's
//    deadlineDelay) has passed are resolved exception/deadline-exceeded, and
//    running runs whose takenUntil has passed are resolved
//    exception/claim-expired (with a retry run when retriesLeft > 0).
//    Between deadline and that resolution, rerun/cancel answer 409 as the
//    real queue does (api.js compares with the deadline itself).
//  - Dependency resolution is synchronous: when a task resolves, dependents
//    whose requirements are all satisfied become pending immediately (the real
//    dependency-resolver does this a few seconds later).
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/json.h"
#include "emulator/formats.h"
#include "taskcluster/queue.h"

namespace tc {

using QueueClock = std::function<std::chrono::system_clock::time_point()>;

// An artifact, as the world file or a test seeds it.
struct MemArtifact {
  std::string name;
  std::string storage_type = "s3";  // "s3" | "reference" | "error" | "link"
  std::string content_type = "application/octet-stream";
  std::string content;  // the bytes (s3; optional for reference)
  bool gzip = false;    // served with Content-Encoding: gzip (content stays plain here)
  std::string url;      // reference: where it redirects
  std::string reason;   // error: details.reason (e.g. "file-missing-on-worker")
  std::string message;  // error: details.message
  std::string link;     // link: the target artifact's name (same run)
  int64_t expires_ms = 0;  // 0: the task's expires
};

// The result of resolving an artifact for download (links followed).
struct ArtifactLookup {
  std::string task_id;
  int run_id = 0;
  MemArtifact artifact;
  std::vector<std::string> names;  // names traversed (for scope checks), first = requested
};

class MemoryQueue : public Queue {
 public:
  explicit MemoryQueue(QueueClock clock = nullptr);
  ~MemoryQueue() override;

  // ---- clock ----
  int64_t NowMs() const;
  void AdvanceClock(std::chrono::milliseconds by);
  void SetClock(QueueClock clock);

  // ---- settings ----
  // Default page size of listTaskGroup/listDependentTasks (real: 1000; limit
  // is always capped at 1000).
  void SetPageSize(int n);
  int PageSize() const;
  // Maximum task deadline in days (real: maxTaskDeadlineDays = 5).
  void SetMaxDeadlineDays(int days);
  // Claim timeout in seconds (real default: 1200).
  void SetClaimTimeoutSeconds(int s);

  // ---- Queue (client view), bodies as api.js returns them ----
  Json Task(const std::string& task_id) override;
  Json Status(const std::string& task_id) override;
  Json CreateTask(const std::string& task_id, const JsonValue& definition) override;
  Json RerunTask(const std::string& task_id) override;
  Json CancelTask(const std::string& task_id) override;
  Json ListTaskGroup(const std::string& task_group_id, const Page& page) override;
  Json ListDependentTasks(const std::string& task_id, const Page& page) override;
  // s3: the (decoded) bytes; reference: the seeded content if any, else
  // TcError 502; error: TcError 424; missing 404; expired 410.
  std::string GetLatestArtifact(const std::string& task_id, const std::string& name) override;

  // scheduleTask: schedules an unscheduled task regardless of dependencies.
  Json ScheduleTask(const std::string& task_id);
  // getTaskGroup: {taskGroupId, schedulerId, expires}.
  Json GetTaskGroup(const std::string& task_group_id);

  // ---- createTask's checks, for callers that check scopes in between ----
  // The stored definition of a request body: create_task.h's
  // PrepareCreateTaskBody (defaults, schema, taskQueueId reconciliation),
  // taskGroupId and expires defaulted. Throws as CreateTask does.
  Json NormalizeDefinition(const std::string& task_id, const JsonValue& definition) const;
  // api.js patchAndValidateTaskDef on a prepared request body, in place, with
  // this queue's clock and maximum deadline (InputError 400).
  void PatchTaskDef(const std::string& task_id, JsonValue& body, JsonAlloc& a) const;

  // ---- worker side ----
  // claimWork: {"tasks": [{status, runId, workerGroup, workerId, takenUntil, task}]}
  // (no "credentials": the emulator adds them). Returns at once, also when empty.
  Json ClaimWork(const std::string& task_queue_id, const std::string& worker_group,
                 const std::string& worker_id, int count);
  // claimTask (deprecated endpoint): one claim structure as above.
  Json ClaimTask(const std::string& task_id, int run_id, const std::string& worker_group,
                 const std::string& worker_id);
  Json ReportCompleted(const std::string& task_id, int run_id);
  Json ReportFailed(const std::string& task_id, int run_id);
  Json ReportException(const std::string& task_id, int run_id, const std::string& reason);
  // The run's workerGroup/workerId (for the emulator's scope checks); 404 as the API.
  std::pair<std::string, std::string> RunWorker(const std::string& task_id, int run_id);

  // Drives a task as a worker would, for tests and the emulator's
  // /__emulator/resolve: "running" (schedules if needed, claims), "completed",
  // "failed", "exception" (reason, default "malformed-payload"; no retry).
  Json Drive(const std::string& task_id, const std::string& state, const std::string& reason = "");

  // ---- artifacts ----
  // Adds (or replaces) an artifact on a run (run_id < 0: the latest run; the
  // task must have a run).
  void PutArtifact(const std::string& task_id, int run_id, const MemArtifact& a);
  // Resolves an artifact as getArtifact/getLatestArtifact do (run_id nullopt:
  // latest). Throws 404 ResourceNotFound / 410 ResourceExpired / 400 link cycle.
  // The caller checks scopes for lookup.names and serves by storage_type.
  ArtifactLookup LookupArtifact(const std::string& task_id, std::optional<int> run_id,
                                const std::string& name);

  // ---- seeding (world files, tests) ----
  // Seeds a task directly: the definition must pass NormalizeDefinition and
  // created <= deadline <= expires, deadline <= created + max days (+15 min),
  // but `created`/`deadline` are not compared with now. state: unscheduled,
  // pending, running, completed, failed, exception. runs: either a number
  // (earlier runs are failed, later ones created by 'rerun') or an array of
  // {state, reasonCreated?, reasonResolved?, workerGroup?, workerId?}.
  // Dependencies must exist when FinishSeeding() runs (call it after seeding a batch).
  void SeedTask(const std::string& task_id, const JsonValue& definition, const std::string& state,
                const JsonValue* runs = nullptr, const std::string& reason = "");
  void FinishSeeding();

  // ---- events ----
  // Called when a run resolves completed (the queue's task-completed
  // message; the index listens to it) and for tasks seeded completed, with
  // the queue's lock held: the listener must not call this queue.
  using CompletedListener = std::function<void(const std::string& task_id, const JsonValue& definition)>;
  void SetCompletedListener(CompletedListener listener);

  // ---- inspection ----
  std::vector<std::string> TaskIds();  // sorted
  bool HasTask(const std::string& task_id);
  // [{"taskId", "task", "status"}] for every task, sorted by taskId.
  Json DumpTasks();

 public:
  struct Impl;  // internal: queue_store.h

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace tc

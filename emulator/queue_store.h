// MemoryQueue's store (internal to emulator/queue_*.cc): the task records,
// their runs and task groups, and the state machine the DB functions and the
// queue's resolvers implement.
//
// Files: queue_state.cc (state transitions, deadline/claim resolvers, record
// bookkeeping), queue_views.cc (JSON views, reads, listing and paging),
// queue_tasks.cc (createTask, schedule/rerun/cancel, clock and settings),
// queue_worker.cc (claims, reports, Drive), queue_artifacts.cc, queue_seed.cc.
//
// Invariants:
//  - Every member of Impl is guarded by Impl::mu; Impl methods expect it held
//    (the public MemoryQueue methods take it).
//  - tasks[id].runs: only the last run may be unresolved; dependents maps a
//    task to the tasks that depend on it (kept by Link/Unlink).
//  - next_event_ms: no deadline or claim expiry can be due before it, unless
//    it is kUnknownEvent (Touched() after any change that could move it).
#pragma once
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "emulator/formats.h"
#include "emulator/queue_memory.h"

namespace tc::memq {

constexpr int64_t kMinute = 60 * 1000;
constexpr int64_t kDay = 24 * 60 * kMinute;
constexpr int kMaxRunsAllowed = 50;          // api.js MAX_RUNS_ALLOWED, DB rerun_task
constexpr int64_t kDeadlineDelayMs = 60000;  // queue config deadlineDelay

[[noreturn]] void Fail(int status, const char* code, const std::string& msg);
[[noreturn]] void NotFound(const std::string& msg);
[[noreturn]] void Conflict(const std::string& msg);
[[noreturn]] void InputError(const std::string& msg);

bool IsResolved(const std::string& state);

struct Run {
  std::string state, reason_created, reason_resolved, worker_group, worker_id;
  int64_t scheduled = 0, started = 0, resolved = 0, taken_until = 0;
};

struct TaskRec {
  std::string task_id;
  Json def;  // the stored definition (api.js definition() key order)
  std::string task_queue_id, scheduler_id, project_id, task_group_id, requires, priority;
  std::vector<std::string> deps;
  int retries = 5, retries_left = 5;
  int64_t created = 0, deadline = 0, expires = 0;
  std::vector<Run> runs;
  int64_t taken_until = 0;
  std::map<std::string, bool> dep_satisfied;
  std::map<std::pair<int, std::string>, MemArtifact> artifacts;
  uint64_t pending_seq = 0;  // claim order among pending tasks of one priority

  std::string State() const { return runs.empty() ? "unscheduled" : runs.back().state; }
  // Whether a dependency in `state` satisfies this task (requires).
  bool SatisfiedBy(const std::string& state) const;
};

struct Group {
  std::string scheduler_id;
  int64_t expires = 0;
};

}  // namespace tc::memq

namespace tc {

struct MemoryQueue::Impl {
  mutable std::mutex mu;
  QueueClock clock;
  int64_t offset_ms = 0;
  int page_size = 1000;
  int max_days = 5;
  int claim_timeout_s = 1200;
  std::map<std::string, memq::TaskRec> tasks;
  std::map<std::string, memq::Group> groups;
  std::map<std::string, std::set<std::string>> dependents;  // required -> dependents
  uint64_t seq = 0;
  std::vector<std::string> unfinished_seed;
  CompletedListener on_completed;
  static constexpr int64_t kUnknownEvent = INT64_MIN;
  int64_t next_event_ms = kUnknownEvent;

  int64_t Now() const;
  memq::TaskRec* Find(const std::string& id);
  // A task that does not exist: 404 with `message`.
  memq::TaskRec& Get(const std::string& id, const std::string& message);
  memq::Run& GetRun(memq::TaskRec& t, int run_id);  // 404 "Run <n> not found on task `<id>`."
  void Touched() { next_event_ms = kUnknownEvent; }
  // Before a change: resolvers caught up (a full sweep); returns now.
  int64_t BeginMutation() {
    Touched();
    Sweep();
    return Now();
  }

  // ---- JSON views (queue_views.cc) ----
  Json StatusJson(const memq::TaskRec& t) const;
  Json StatusResponse(const memq::TaskRec& t) const;
  JsonValue DefAndStatus(const memq::TaskRec& t, JsonAlloc& a) const;
  Json ClaimStructure(const memq::TaskRec& t, int run_id) const;
  Json Paged(const std::vector<const memq::TaskRec*>& all, const Page& page, const char* id_key,
             const std::string& id, const memq::Group* group) const;

  // ---- state machine (queue_state.cc) ----
  bool Blocked(const memq::TaskRec& t) const;
  void AddPendingRun(memq::TaskRec& t, const std::string& reason, int64_t now);
  bool Schedule(memq::TaskRec& t, int64_t now);
  void ResolveDependents(const std::string& task_id, const std::string& resolution, int64_t now);
  bool CancelRuns(memq::TaskRec& t, const std::string& reason, int64_t when);
  bool ResolveRun(memq::TaskRec& t, int run_id, const std::string& state, const std::string& reason,
                  const std::string& retry_reason, int64_t now);
  void DoClaim(memq::TaskRec& t, int run_id, const std::string& wg, const std::string& wi, int64_t now);
  void Sweep();
  void SweepAll(int64_t now);
  bool ExpireClaim(memq::TaskRec& t, int64_t now);
  bool ExpireDeadline(memq::TaskRec& t, int64_t now);
  void EnsureGroup(const std::string& group_id, const std::string& scheduler_id, int64_t expires);
  // Stores a new record and links it to its dependencies; returns it.
  memq::TaskRec& Insert(memq::TaskRec t);
  static void Fill(memq::TaskRec& t, const std::string& task_id, Json def);

  // ---- worker reports (queue_worker.cc) ----
  Json ReportResolved(const std::string& task_id, int run_id, const std::string& target);
  Json ReportExc(const std::string& task_id, int run_id, const std::string& reason);
};

}  // namespace tc

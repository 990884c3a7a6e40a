// MemoryQueue's state machine: the DB functions (db/versions/*.yml:
// schedule_task, rerun_task, cancel_task, resolve_task, check_task_claim,
// ensure_task_group), dependencytracker.js (D) and the deadline and claim
// resolvers, applied lazily by Sweep(). See queue_store.h.
#include <algorithm>
#include <climits>

#include "emulator/queue_store.h"

namespace tc::memq {

void Fail(int status, const char* code, const std::string& msg) { throw TcError(status, code, msg); }
void NotFound(const std::string& msg) { Fail(404, "ResourceNotFound", msg); }
void Conflict(const std::string& msg) { Fail(409, "RequestConflict", msg); }
void InputError(const std::string& msg) { Fail(400, "InputError", msg); }

bool IsResolved(const std::string& state) {
  return state == "completed" || state == "failed" || state == "exception";
}

bool TaskRec::SatisfiedBy(const std::string& st) const {
  return st == "completed" || (requires == "all-resolved" && (st == "exception" || st == "failed"));
}

}  // namespace tc::memq

namespace tc {

using namespace memq;

int64_t MemoryQueue::Impl::Now() const {
  auto tp = clock ? clock() : std::chrono::system_clock::now();
  return std::chrono::duration_cast<std::chrono::milliseconds>(tp.time_since_epoch()).count() + offset_ms;
}

TaskRec* MemoryQueue::Impl::Find(const std::string& id) {
  auto it = tasks.find(id);
  return it == tasks.end() ? nullptr : &it->second;
}

TaskRec& MemoryQueue::Impl::Get(const std::string& id, const std::string& message) {
  TaskRec* t = Find(id);
  if (!t) NotFound(message);
  return *t;
}

Run& MemoryQueue::Impl::GetRun(TaskRec& t, int run_id) {
  if (run_id < 0 || run_id >= static_cast<int>(t.runs.size()))
    NotFound("Run " + std::to_string(run_id) + " not found on task `" + t.task_id + "`.");
  return t.runs[run_id];
}

bool MemoryQueue::Impl::Blocked(const TaskRec& t) const {
  for (auto& [dep, sat] : t.dep_satisfied)
    if (!sat) return true;
  return false;
}

void MemoryQueue::Impl::AddPendingRun(TaskRec& t, const std::string& reason, int64_t now) {
  Run r;
  r.state = "pending";
  r.reason_created = reason;
  r.scheduled = now;
  t.runs.push_back(r);
  t.taken_until = 0;
  t.pending_seq = ++seq;
}

// DB schedule_task: only when there is no run yet. (D scheduleTask also
// refuses past the deadline.)
bool MemoryQueue::Impl::Schedule(TaskRec& t, int64_t now) {
  if (!t.runs.empty()) return false;
  AddPendingRun(t, "scheduled", now);
  return true;
}

// D resolveTask: satisfy dependents and schedule the unblocked ones.
void MemoryQueue::Impl::ResolveDependents(const std::string& task_id, const std::string& resolution, int64_t now) {
  auto it = dependents.find(task_id);
  if (it == dependents.end()) return;
  for (const auto& dep_id : it->second) {
    TaskRec* d = Find(dep_id);
    if (!d) continue;
    if (d->expires <= now) continue;  // get_dependent_tasks: expires > now()
    if (resolution != "completed" && d->requires != "all-resolved") continue;
    d->dep_satisfied[task_id] = true;
    if (!Blocked(*d) && d->deadline >= now) Schedule(*d, now);
  }
}

// DB cancel_task(reason)
bool MemoryQueue::Impl::CancelRuns(TaskRec& t, const std::string& reason, int64_t when) {
  if (!t.runs.empty()) {
    Run& r = t.runs.back();
    if (r.state != "pending" && r.state != "running") return false;
    r.state = "exception";
    r.reason_resolved = reason;
    r.resolved = when;
  } else {
    Run r;
    r.state = "exception";
    r.reason_created = "exception";
    r.reason_resolved = reason;
    r.scheduled = when;
    r.resolved = when;
    t.runs.push_back(r);
  }
  t.taken_until = 0;
  return true;
}

// DB resolve_task
bool MemoryQueue::Impl::ResolveRun(TaskRec& t, int run_id, const std::string& state, const std::string& reason,
                                   const std::string& retry_reason, int64_t now) {
  if (static_cast<int>(t.runs.size()) != run_id + 1) return false;
  Run& r = t.runs[run_id];
  if (r.state != "running") return false;
  r.state = state;
  r.reason_resolved = reason;
  r.resolved = now;
  if (!retry_reason.empty() && t.retries_left > 0) {
    t.retries_left--;
    AddPendingRun(t, retry_reason, now);
  }
  t.taken_until = 0;
  return true;
}

void MemoryQueue::Impl::DoClaim(TaskRec& t, int run_id, const std::string& wg, const std::string& wi, int64_t now) {
  Run& r = t.runs[run_id];
  r.state = "running";
  r.worker_group = wg;
  r.worker_id = wi;
  r.started = now;
  r.taken_until = now + claim_timeout_s * 1000LL;
  t.taken_until = r.taken_until;
}

// Lazy deadline resolver and claim resolver: nothing (deadline + delay,
// claim expiry) can be due before next_event_ms unless something changed
// since the last full sweep. createTask only lowers it.
void MemoryQueue::Impl::Sweep() {
  int64_t now = Now();
  if (next_event_ms != kUnknownEvent && now < next_event_ms) return;
  SweepAll(now);
  int64_t next = INT64_MAX;
  for (auto& [id, t] : tasks) {
    if (!t.runs.empty() && t.runs.back().state == "running" && t.runs.back().taken_until)
      next = std::min(next, t.runs.back().taken_until + 1);
    if (!IsResolved(t.State())) next = std::min(next, t.deadline + kDeadlineDelayMs);
  }
  next_event_ms = next;
}

// claimresolver / DB check_task_claim: a running run whose claim expired
// before the deadline resolver's turn.
bool MemoryQueue::Impl::ExpireClaim(TaskRec& t, int64_t now) {
  if (t.runs.empty() || t.runs.back().state != "running") return false;
  Run& r = t.runs.back();
  if (!r.taken_until || r.taken_until >= now || r.taken_until >= t.deadline + kDeadlineDelayMs) return false;
  int64_t when = r.taken_until;
  r.state = "exception";
  r.reason_resolved = "claim-expired";
  r.resolved = when;
  t.taken_until = 0;
  if (t.retries_left > 0) {
    t.retries_left--;
    AddPendingRun(t, "retry", when);
  } else {
    ResolveDependents(t.task_id, "exception", when);
  }
  return true;
}

// deadlineresolver.js: unresolved past deadline + deadlineDelay.
bool MemoryQueue::Impl::ExpireDeadline(TaskRec& t, int64_t now) {
  if (IsResolved(t.State()) || t.deadline + kDeadlineDelayMs > now) return false;
  int64_t when = t.deadline + kDeadlineDelayMs;
  if (!CancelRuns(t, "deadline-exceeded", when)) return false;
  ResolveDependents(t.task_id, "exception", when);
  return true;
}

void MemoryQueue::Impl::SweepAll(int64_t now) {
  // Repeat until stable so dependents see causes first.
  for (bool changed = true; changed;) {
    changed = false;
    for (auto& [id, t] : tasks) {
      changed = ExpireClaim(t, now) || changed;
      changed = ExpireDeadline(t, now) || changed;
    }
  }
}

// DB ensure_task_group
void MemoryQueue::Impl::EnsureGroup(const std::string& group_id, const std::string& scheduler_id, int64_t expires) {
  auto it = groups.find(group_id);
  if (it == groups.end()) {
    groups[group_id] = Group{scheduler_id, expires + 3600 * 1000};
    return;
  }
  if (it->second.scheduler_id != scheduler_id) {
    Conflict("Task group `" + group_id + "` contains tasks with a schedulerId other\nthan `" + scheduler_id +
             "`. All tasks in the same task-group must have\nthe same schedulerId.");
  }
  if (expires > it->second.expires) it->second.expires = expires + 3600 * 1000;
}

TaskRec& MemoryQueue::Impl::Insert(TaskRec t) {
  std::string id = t.task_id;
  auto& rec = tasks[id] = std::move(t);
  if (next_event_ms != kUnknownEvent) next_event_ms = std::min(next_event_ms, rec.deadline + kDeadlineDelayMs);
  for (const auto& dep : rec.deps) dependents[dep].insert(id);
  return rec;
}

// The typed fields of a record, from its stored definition.
void MemoryQueue::Impl::Fill(TaskRec& t, const std::string& task_id, Json def) {
  t.task_id = task_id;
  auto gs = [&](const char* k) { return std::string(def[k].GetString(), def[k].GetStringLength()); };
  t.task_queue_id = gs("taskQueueId");
  t.scheduler_id = gs("schedulerId");
  t.project_id = gs("projectId");
  t.task_group_id = gs("taskGroupId");
  t.requires = gs("requires");
  t.priority = gs("priority");
  t.deps = StringsOf(&def["dependencies"]);
  t.retries = t.retries_left = def["retries"].GetInt();
  t.created = *ParseIso(gs("created"));
  t.deadline = *ParseIso(gs("deadline"));
  t.expires = *ParseIso(gs("expires"));
  // payload, metadata, tags and extra are jsonb columns: Postgres returns
  // their objects with keys ordered by length, then bytes (checked against
  // the genuine queue by tests/e2e/conformance_test.cc).
  for (const char* k : {"payload", "metadata", "tags", "extra"})
    if (def.HasMember(k)) JsonbOrder(def[k], def.GetAllocator());
  t.def = std::move(def);
}

}  // namespace tc

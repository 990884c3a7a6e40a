// MemoryQueue's task lifecycle API: construction, clock and settings,
// createTask (services/queue/src/api.js createTask, data.js Task.create,
// dependencytracker.js trackDependencies), scheduleTask, rerunTask,
// cancelTask. See queue_store.h and create_task.h.
#include "emulator/create_task.h"
#include "emulator/queue_store.h"

namespace tc {

using namespace memq;

MemoryQueue::MemoryQueue(QueueClock clock) : impl_(std::make_unique<Impl>()) { impl_->clock = std::move(clock); }
MemoryQueue::~MemoryQueue() = default;

int64_t MemoryQueue::NowMs() const {
  std::lock_guard<std::mutex> l(impl_->mu);
  return impl_->Now();
}
void MemoryQueue::AdvanceClock(std::chrono::milliseconds by) {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->Touched();
  impl_->offset_ms += by.count();
}
void MemoryQueue::SetClock(QueueClock clock) {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->Touched();
  impl_->clock = std::move(clock);
}
void MemoryQueue::SetPageSize(int n) {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->page_size = std::max(1, std::min(n, 1000));
}
int MemoryQueue::PageSize() const {
  std::lock_guard<std::mutex> l(impl_->mu);
  return impl_->page_size;
}
void MemoryQueue::SetMaxDeadlineDays(int days) {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->max_days = days;
}
void MemoryQueue::SetClaimTimeoutSeconds(int s) {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->claim_timeout_s = s;
}
void MemoryQueue::SetCompletedListener(CompletedListener listener) {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->on_completed = std::move(listener);
}

Json MemoryQueue::NormalizeDefinition(const std::string& task_id, const JsonValue& definition) const {
  Json body = CopyJson(definition);
  emu::PrepareCreateTaskBody(task_id, body, body.GetAllocator());
  return emu::StoredDefinition(task_id, body);
}

void MemoryQueue::PatchTaskDef(const std::string& task_id, JsonValue& body, JsonAlloc& a) const {
  std::lock_guard<std::mutex> l(impl_->mu);
  emu::PatchAndValidateTaskDef(task_id, body, a, impl_->Now(), impl_->max_days);
}

namespace {

// data.js Task.create is idempotent when every field is equal; the
// dependency tracker then runs again: completed dependencies are satisfied
// and the task is scheduled if nothing blocks it.
Json CreateAgain(MemoryQueue::Impl& I, TaskRec& existing, const Json& def, int64_t now) {
  if (!(existing.def == def))
    Conflict("taskId `" + existing.task_id +
             "` already used by another task.\nThis could be the result of faulty idempotency!");
  if (existing.runs.empty()) {
    for (auto& [dep, sat] : existing.dep_satisfied)
      if (TaskRec* r = I.Find(dep); r && existing.SatisfiedBy(r->State())) sat = true;
    if (!I.Blocked(existing)) I.Schedule(existing, now);
  }
  return I.StatusResponse(existing);
}

// D trackDependencies: every dependency must exist (the task itself counts,
// as it is inserted first) and must not expire before this task's deadline.
std::string DependencyErrors(MemoryQueue::Impl& I, TaskRec& t) {
  std::vector<std::string> missing, expiring;
  for (const auto& dep : t.deps) {
    const TaskRec* r = dep == t.task_id ? &t : I.Find(dep);
    if (!r) {
      missing.push_back(dep);
      continue;
    }
    bool expires_early = t.deadline > r->expires;
    if (expires_early) expiring.push_back(dep);
    t.dep_satisfied[dep] = !expires_early && t.SatisfiedBy(r->State());
  }
  if (!missing.empty()) expiring.clear();  // D: expiring is only computed when none are missing
  std::string msg;
  if (!missing.empty()) {
    msg += "`task.dependencies` references non-existing tasks: \n";
    for (size_t i = 0; i < missing.size(); i++) msg += (i ? "\n" : "") + std::string(" * ") + missing[i];
    msg += "\nAll taskIds in `task.dependencies` **must** exist\nbefore the task is created.\n";
  }
  if (!expiring.empty()) {
    msg += "`task.dependencies` references tasks that expires\nbefore `task.deadline` this is not allowed, see tasks: \n";
    for (size_t i = 0; i < expiring.size(); i++) msg += (i ? "\n" : "") + std::string(" * ") + expiring[i] + ",";
    msg += "\nAll taskIds in `task.dependencies` **must** have\n`task.expires` greater than the `deadline` for this task.\n";
  }
  return msg;
}

}  // namespace

Json MemoryQueue::CreateTask(const std::string& task_id, const JsonValue& definition) {
  // The schema and defaults read no shared state: outside the lock, so
  // concurrent createTask calls only serialise on the store itself.
  Json body = CopyJson(definition);
  emu::PrepareCreateTaskBody(task_id, body, body.GetAllocator());
  std::lock_guard<std::mutex> l(impl_->mu);
  Impl& I = *impl_;
  I.Sweep();
  const int64_t now = I.Now();
  emu::PatchAndValidateTaskDef(task_id, body, body.GetAllocator(), now, I.max_days);
  Json def = emu::StoredDefinition(task_id, body);
  I.EnsureGroup(def["taskGroupId"].GetString(), def["schedulerId"].GetString(), *ParseIso(def["expires"].GetString()));
  if (TaskRec* existing = I.Find(task_id)) return CreateAgain(I, *existing, def, now);

  TaskRec t;
  Impl::Fill(t, task_id, std::move(def));
  std::string errors = DependencyErrors(I, t);
  if (!errors.empty()) InputError(errors);
  bool any_satisfied = false;
  for (auto& [dep, sat] : t.dep_satisfied) any_satisfied = any_satisfied || sat;
  TaskRec& rec = I.Insert(std::move(t));
  if (rec.deps.empty() || (any_satisfied && !I.Blocked(rec))) I.Schedule(rec, now);
  return I.StatusResponse(rec);
}

Json MemoryQueue::ScheduleTask(const std::string& task_id) {
  CheckParam("taskId", task_id, kSlugRe);
  std::lock_guard<std::mutex> l(impl_->mu);
  int64_t now = impl_->BeginMutation();
  TaskRec& t = impl_->Get(task_id, "taskId `" + task_id + "` not found. Are you sure it exists?");
  if (t.deadline < now)
    Conflict("Task `" + task_id + "` can't be scheduled past its deadline at " + IsoMs(t.deadline) + ".");
  impl_->Schedule(t, now);
  return impl_->StatusResponse(t);
}

Json MemoryQueue::RerunTask(const std::string& task_id) {
  CheckParam("taskId", task_id, kSlugRe);
  std::lock_guard<std::mutex> l(impl_->mu);
  int64_t now = impl_->BeginMutation();
  TaskRec& t = impl_->Get(task_id, "`" + task_id +
                                       "` does not correspond to a task that exists.\nAre you sure this task has been "
                                       "submitted before?");
  if (t.deadline < now)
    Conflict("Task `" + task_id + "` can't be rescheduled past its deadline of " + IsoMs(t.deadline) + ".");
  // DB rerun_task
  std::string st = t.State();
  if (st != "pending" && st != "running") {
    int n = static_cast<int>(t.runs.size());
    if (n >= kMaxRunsAllowed) Conflict("Maximum number of runs reached (50).");
    t.retries_left = std::min(t.retries, kMaxRunsAllowed - (n - 1) - 2);
    impl_->AddPendingRun(t, "rerun", now);
  }
  return impl_->StatusResponse(t);
}

Json MemoryQueue::CancelTask(const std::string& task_id) {
  CheckParam("taskId", task_id, kSlugRe);
  std::lock_guard<std::mutex> l(impl_->mu);
  int64_t now = impl_->BeginMutation();
  TaskRec& t = impl_->Get(task_id, "Task `" + task_id + "` not found. Are you sure it was created?");
  if (t.deadline < now)
    Conflict("Task `" + task_id + "` can't be canceled past its deadline of " + IsoMs(t.deadline) + ".");
  impl_->CancelRuns(t, "canceled", now);
  const Run& r = t.runs.back();
  // A cancelSingleTask: the resolved message is sent whenever the last run is exception/canceled
  if (r.state == "exception" && r.reason_resolved == "canceled") impl_->ResolveDependents(task_id, "exception", now);
  return impl_->StatusResponse(t);
}

}  // namespace tc

// MemoryQueue's worker side: claimWork, claimTask, reportCompleted /
// reportFailed / reportException (services/queue/src/api.js, DB claim_task,
// resolve_task), and Drive, which plays a worker for tests and the emulator.
// See queue_store.h.
#include <algorithm>

#include "emulator/ajv.h"
#include "emulator/queue_store.h"

namespace tc {

using namespace memq;

namespace {
const char* kCreatedHint = "` not found. Are you sure it was created?";
}

Json MemoryQueue::ClaimWork(const std::string& task_queue_id, const std::string& worker_group,
                            const std::string& worker_id, int count) {
  std::lock_guard<std::mutex> l(impl_->mu);
  Impl& I = *impl_;
  int64_t now = I.BeginMutation();
  std::vector<TaskRec*> cand;
  for (auto& [id, t] : I.tasks)
    if (t.task_queue_id == task_queue_id && t.State() == "pending" && t.deadline >= now) cand.push_back(&t);
  auto prio = [](const std::string& p) {
    auto& L = PriorityLevels();
    return std::find(L.begin(), L.end(), p) - L.begin();
  };
  std::sort(cand.begin(), cand.end(), [&](TaskRec* a, TaskRec* b) {
    auto pa = prio(a->priority), pb = prio(b->priority);
    return pa != pb ? pa < pb : a->pending_seq < b->pending_seq;
  });
  Json d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  JsonValue arr(rapidjson::kArrayType);
  for (int i = 0; i < count && i < static_cast<int>(cand.size()); i++) {
    TaskRec& t = *cand[i];
    int run_id = static_cast<int>(t.runs.size()) - 1;
    I.DoClaim(t, run_id, worker_group, worker_id, now);
    Json c = I.ClaimStructure(t, run_id);
    arr.PushBack(CopyValue(c, a), a);
  }
  d.AddMember("tasks", arr, a);
  return d;
}

Json MemoryQueue::ClaimTask(const std::string& task_id, int run_id, const std::string& worker_group,
                            const std::string& worker_id) {
  std::lock_guard<std::mutex> l(impl_->mu);
  Impl& I = *impl_;
  int64_t now = I.BeginMutation();
  TaskRec& t = I.Get(task_id, "Task `" + task_id + kCreatedHint);
  if (t.deadline <= now)
    Conflict("Task `" + task_id + "` can't be claimed past its deadline of " + IsoMs(t.deadline) + ".");
  Run& r = I.GetRun(t, run_id);
  bool last = run_id == static_cast<int>(t.runs.size()) - 1;
  if (last && r.state == "pending") {
    I.DoClaim(t, run_id, worker_group, worker_id, now);
  } else if (!(last && r.state == "running" && r.worker_group == worker_group && r.worker_id == worker_id)) {
    Conflict("Run " + std::to_string(run_id) + " was already claimed by another worker.");
  }
  return I.ClaimStructure(t, run_id);
}

// api.js resolveTask (reportCompleted / reportFailed)
Json MemoryQueue::Impl::ReportResolved(const std::string& task_id, int run_id, const std::string& target) {
  Sweep();
  int64_t now = Now();
  TaskRec& t = Get(task_id, "Task `" + task_id + kCreatedHint);
  Run& r0 = GetRun(t, run_id);
  if (r0.state != "running" && r0.state != target)
    Conflict("Run " + std::to_string(run_id) + " of task `" + task_id + "` is not running or " + target + ".");
  bool changed = ResolveRun(t, run_id, target, target, "", now);
  const Run& r = t.runs[run_id];
  if (static_cast<int>(t.runs.size()) - 1 != run_id || r.state != target || r.reason_resolved != target)
    Conflict("Run " + std::to_string(run_id) + " on task `" + task_id + "` is resolved or not running.");
  if (changed) ResolveDependents(task_id, target, now);
  if (changed && target == "completed" && on_completed) on_completed(task_id, t.def);
  return StatusResponse(t);
}

// api.js reportException: worker-shutdown and intermittent-task retry.
Json MemoryQueue::Impl::ReportExc(const std::string& task_id, int run_id, const std::string& reason) {
  Sweep();
  int64_t now = Now();
  Json body(rapidjson::kObjectType);
  body.AddMember("reason", Str(reason, body.GetAllocator()), body.GetAllocator());
  emu::RequireValid("taskcluster/queue/v1/task-exception-request.json", body);
  TaskRec& t = Get(task_id, "Task `" + task_id + "` not found. Are you sure it exists?");
  GetRun(t, run_id);
  std::string retry;
  if (reason == "worker-shutdown") retry = "retry";
  else if (reason == "intermittent-task") retry = "task-retry";
  bool changed = ResolveRun(t, run_id, "exception", reason, retry, now);
  const Run& r = t.runs[run_id];
  if (static_cast<int>(t.runs.size()) - 1 > run_id + 1 || r.state != "exception" || r.reason_resolved != reason)
    Conflict("Run " + std::to_string(run_id) + " on task `" + task_id + "` is resolved or not running.");
  bool retried = static_cast<int>(t.runs.size()) - 1 == run_id + 1 && t.runs.back().state == "pending";
  if (changed && !retried) ResolveDependents(task_id, "exception", now);
  return StatusResponse(t);
}

Json MemoryQueue::ReportCompleted(const std::string& task_id, int run_id) {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->Touched();
  return impl_->ReportResolved(task_id, run_id, "completed");
}
Json MemoryQueue::ReportFailed(const std::string& task_id, int run_id) {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->Touched();
  return impl_->ReportResolved(task_id, run_id, "failed");
}
Json MemoryQueue::ReportException(const std::string& task_id, int run_id, const std::string& reason) {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->Touched();
  return impl_->ReportExc(task_id, run_id, reason);
}

std::pair<std::string, std::string> MemoryQueue::RunWorker(const std::string& task_id, int run_id) {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->Sweep();
  const Run& r = impl_->GetRun(impl_->Get(task_id, "Task `" + task_id + kCreatedHint), run_id);
  return {r.worker_group, r.worker_id};
}

Json MemoryQueue::Drive(const std::string& task_id, const std::string& state, const std::string& reason) {
  std::lock_guard<std::mutex> l(impl_->mu);
  Impl& I = *impl_;
  int64_t now = I.BeginMutation();
  TaskRec& t = I.Get(task_id, "Task `" + task_id + kCreatedHint);
  if (state == "exception" && (reason == "canceled" || reason == "deadline-exceeded")) {
    if (I.CancelRuns(t, reason, now)) I.ResolveDependents(task_id, "exception", now);
    return I.StatusResponse(t);
  }
  static const std::set<std::string> ok = {"running", "completed", "failed", "exception"};
  if (!ok.count(state)) InputError("state must be running, completed, failed or exception, not `" + state + "`");
  std::string st = t.State();
  if (IsResolved(st)) Conflict("Task `" + task_id + "` is already resolved (" + st + ")");
  if (st == "unscheduled") I.Schedule(t, now);
  int run_id = static_cast<int>(t.runs.size()) - 1;
  if (t.runs.back().state == "pending") I.DoClaim(t, run_id, "emulator", "driver", now);
  if (state == "running") return I.StatusResponse(t);
  if (state == "exception") return I.ReportExc(task_id, run_id, reason.empty() ? "malformed-payload" : reason);
  return I.ReportResolved(task_id, run_id, state);
}

}  // namespace tc

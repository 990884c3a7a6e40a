#include "run/executor.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "core/error.h"
#include "core/run_control.h"
#include "core/task.h"
#include "core/timestamp.h"

namespace tc {

namespace {

void RunCreate(Operation& op, Queue& q, const std::string& action_task_id) {
  try {
    q.CreateTask(op.task_id, op.definition);
    op.status = OpStatus::kDone;
  } catch (const TcError& e) {
    if (!e.is_conflict()) throw;
    // The id is taken. Ours from an earlier run of this action task, for
    // the same label (a shifted plan must not count another task as done)?
    Json existing = q.Task(op.task_id);
    const JsonValue* extra = Member(existing, "extra");
    const bool ours = extra && GetString(*extra, "parent") == action_task_id;
    const bool same_label = TaskView(&existing, nullptr).label() == TaskView(&op.definition, nullptr).label();
    if (ours && same_label) {
      op.status = OpStatus::kDone;
      op.detail = "already created by an earlier run of this action task";
    } else {
      op.status = OpStatus::kFailed;
      op.detail = fmt::format("taskId {} already exists with another definition ({})", op.task_id,
                              ours ? "created by this action task for another label"
                                   : "not created by action task " + action_task_id);
    }
  }
}

void RunRerunOrCancel(Operation& op, Queue& q) {
  try {
    if (op.kind == OpKind::kRerun) {
      q.RerunTask(op.task_id);
    } else {
      q.CancelTask(op.task_id);
    }
    op.status = OpStatus::kDone;
  } catch (const TcError& e) {
    if (!e.is_conflict()) throw;
    // The queue refuses reruns/cancels past the deadline (until it resolves
    // the task as deadline-exceeded): a skip, not a failure of the action.
    op.status = OpStatus::kSkipped;
    op.detail = fmt::format("the queue refused: {}", e.what());
  }
}

Json CurrentStatus(Queue& q, const std::string& task_id) {
  Json st = q.Status(task_id);
  const JsonValue* inner = Member(st, "status");
  if (!inner || !inner->IsObject()) throw TcError(0, "", "queue.status: response has no status object");
  return CopyJson(*inner);
}

// A rerun that may already have happened (resume_since_ms): the latest run is
// the action task's own earlier rerun, or the task is pending/running anyway.
// Returns true when the rerun must not be sent.
bool AlreadyRerun(Operation& op, const JsonValue& status) {
  const TaskView v(nullptr, &status);
  if (v.RerunSince(*op.resume_since_ms)) {
    op.status = OpStatus::kDone;
    op.detail = "rerun by an earlier run of this action task; resumed";
    return true;
  }
  if (v.state() == TaskState::kPending || v.state() == TaskState::kRunning) {
    op.status = OpStatus::kSkipped;
    op.detail = fmt::format("already {}; waiting for it instead of rerunning", v.state_name());
    return true;
  }
  return false;
}

// Why an op was skipped: an op it comes after did not end done.
std::string NotSent(const Operation& before) {
  const char* what = before.kind == OpKind::kCreate ? "created"
                     : before.await_completion     ? "rerun to completion"
                     : before.kind == OpKind::kRerun ? "rerun"
                                                     : "canceled";
  return fmt::format("not sent: it depends on {}, which was not {}", before.task_id, what);
}

void AppendDetail(Operation& op, const std::string& more) { op.detail += (op.detail.empty() ? "" : "; ") + more; }

// What a poll of an awaited rerun tells the progress lines.
WaitStatus WaitFor(const Operation& op, const JsonValue& status, int64_t next_ms, int64_t left_ms, bool deadline) {
  WaitStatus w;
  w.task_id = op.task_id;
  w.task = op.label.empty() ? op.task_id : op.label;
  const JsonValue* runs = Member(status, "runs");
  if (runs && runs->IsArray() && !runs->Empty()) {
    const JsonValue& last = (*runs)[runs->Size() - 1];
    w.run_id = static_cast<int>(GetInt(last, "runId").value_or(runs->Size() - 1));
  }
  w.state = TaskStateName(TaskView(nullptr, &status).state());
  w.next_check_ms = next_ms;
  w.left_ms = left_ms;
  w.bound_is_deadline = deadline;
  return w;
}

// Waits until the task's latest run resolves (await_completion).
void AwaitCompletion(Operation& op, Queue& q, const ExecOptions& o, int64_t deadline_ms) {
  const int64_t start = o.now_ms();
  const int64_t limit = std::min(start + o.max_wait_ms, deadline_ms);
  int64_t interval = o.poll_initial_ms;
  TaskState state = TaskState::kUnknown;
  for (;;) {
    Json st = CurrentStatus(q, op.task_id);
    state = TaskView(nullptr, &st).state();
    if (IsResolved(state) || o.now_ms() + interval > limit) break;
    spdlog::info("waiting: {} is {}; next check in {} ms", op.task_id, TaskStateName(state), interval);
    o.progress->Waiting(WaitFor(op, st, interval, limit - o.now_ms(), limit == deadline_ms));
    o.sleep_ms(interval);
    interval = std::min(interval * 2, o.poll_max_ms);
  }
  const int64_t waited = (o.now_ms() - start) / 1000;
  if (state == TaskState::kCompleted) {
    op.status = OpStatus::kDone;
    AppendDetail(op, fmt::format("completed after {} s", waited));
  } else if (IsResolved(state)) {
    op.status = OpStatus::kFailed;
    AppendDetail(op, fmt::format("its new run ended {}; what comes after it was not run", TaskStateName(state)));
  } else {
    op.status = OpStatus::kFailed;
    AppendDetail(op, fmt::format("still {} after waiting {} s; a retry of this action task resumes here without "
                                 "rerunning it again",
                                 TaskStateName(state), waited));
  }
}

void RunRerun(Operation& op, Queue& q, const ExecOptions& o) {
  Json status;
  if (op.resume_since_ms || op.await_completion) status = CurrentStatus(q, op.task_id);
  if (!(op.resume_since_ms && AlreadyRerun(op, status))) RunRerunOrCancel(op, q);
  if (!op.await_completion || op.status == OpStatus::kFailed) return;
  try {
    AwaitCompletion(op, q, o, TaskView(nullptr, &status).deadline_ms().value_or(INT64_MAX));
  } catch (const Stopped& e) {
    // The rerun was sent; only the wait was cut. A retry resumes the wait.
    op.status = OpStatus::kDone;
    AppendDetail(op, fmt::format("rerun; stopped waiting for its new run ({}); a retry of this action task resumes "
                                 "the wait without rerunning it",
                                 run_control::StopReason()));
  }
}

void RunOne(Operation& op, Queue& q, const std::string& action_task_id, const ExecOptions& o) {
  try {
    if (op.kind == OpKind::kCreate) {
      RunCreate(op, q, action_task_id);
    } else if (op.kind == OpKind::kRerun) {
      RunRerun(op, q, o);
    } else {
      RunRerunOrCancel(op, q);
    }
  } catch (const std::exception& e) {
    op.status = OpStatus::kFailed;
    op.detail = e.what();
  }
  spdlog::info("{} {}: {}{}{}", OpKindName(op.kind), op.task_id, OpStatusName(op.status),
               op.detail.empty() ? "" : ": ", op.detail);
}

// A dynamic scheduler: an op starts as soon as every op in its `after` is
// done, with at most `concurrency` queue calls in flight. The wall time is
// then bounded by max(critical path, ops / concurrency) round trips.
class Scheduler {
 public:
  Scheduler(Plan& plan, Queue& q, const std::string& action_task_id, const ExecOptions& o)
      : plan_(plan), q_(q), action_task_id_(action_task_id), o_(o), dependents_(plan.ops.size()),
        waiting_on_(plan.ops.size(), 0), started_(plan.ops.size(), false) {
    Build();
  }

  void Run() {
    const size_t width = std::min<size_t>(static_cast<size_t>(std::max(1, o_.concurrency)), std::max<size_t>(1, total_));
    if (total_ == 0) return;
    o_.progress->SubmitStart(plan_.ops);
    if (width == 1) {
      Worker();
    } else {
      std::vector<std::thread> threads;
      threads.reserve(width);
      for (size_t t = 0; t < width; ++t) threads.emplace_back([this] { Worker(); });
      for (auto& t : threads) t.join();
    }
    o_.progress->SubmitEnd();
  }

 private:
  // The plan is in dependency order (`after` names earlier ops), so one pass
  // sees every dependency's status before its dependents.
  void Build() {
    const size_t n = plan_.ops.size();
    for (size_t i = 0; i < n; ++i) {
      Operation& op = plan_.ops[i];
      if (op.status != OpStatus::kPlanned) continue;
      for (size_t d : op.after) {
        if (d >= n || d == i) continue;
        const OpStatus s = plan_.ops[d].status;
        if (s != OpStatus::kPlanned && s != OpStatus::kDone) {
          op.status = OpStatus::kSkipped;
          op.detail = NotSent(plan_.ops[d]);
          break;
        }
      }
      if (op.status != OpStatus::kPlanned) continue;
      for (size_t d : op.after) {
        if (d >= n || d == i || plan_.ops[d].status != OpStatus::kPlanned) continue;
        dependents_[d].push_back(i);
        ++waiting_on_[i];
      }
      ++total_;
    }
    for (size_t i = 0; i < n; ++i)
      if (plan_.ops[i].status == OpStatus::kPlanned && waiting_on_[i] == 0) ready_.push_back(i);
  }

  // Marks op i finished (any status) and releases or skips its dependents,
  // transitively (a worklist: a long chain of skips needs no deep stack).
  // Called with mu_ held.
  void Finish(size_t first) {
    std::vector<size_t> work = {first};
    while (!work.empty()) {
      const size_t i = work.back();
      work.pop_back();
      ++finished_;
      o_.progress->OpFinished(plan_.ops[i].kind, plan_.ops[i].status);
      for (size_t dep : dependents_[i]) {
        Operation& d = plan_.ops[dep];
        if (d.status != OpStatus::kPlanned) continue;
        if (plan_.ops[i].status != OpStatus::kDone) {
          d.status = OpStatus::kSkipped;
          d.detail = NotSent(plan_.ops[i]);
          work.push_back(dep);
        } else if (--waiting_on_[dep] == 0) {
          ready_.push_back(dep);
        }
      }
    }
  }

  // The run is stopping: every op not started is skipped, nothing new is
  // sent; ops in flight finish (their calls are cut). Called with mu_ held.
  void StopStarting() {
    stopped_ = true;
    ready_.clear();
    const std::string detail = std::string(kNotSentStopped) + " (" + run_control::StopReason() + ")";
    for (size_t i = 0; i < plan_.ops.size(); ++i) {
      Operation& op = plan_.ops[i];
      if (started_[i] || op.status != OpStatus::kPlanned) continue;
      op.status = OpStatus::kSkipped;
      op.detail = detail;
    }
    cv_.notify_all();
  }

  void Worker() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return !ready_.empty() || finished_ >= total_ || stopped_; });
      if (!stopped_ && run_control::Stopping()) StopStarting();
      if (stopped_ || ready_.empty()) return;
      const size_t i = ready_.front();
      ready_.pop_front();
      started_[i] = true;
      lock.unlock();
      RunOne(plan_.ops[i], q_, action_task_id_, o_);
      lock.lock();
      Finish(i);
      cv_.notify_all();
    }
  }

  Plan& plan_;
  Queue& q_;
  const std::string& action_task_id_;
  const ExecOptions& o_;
  std::vector<std::vector<size_t>> dependents_;
  std::vector<size_t> waiting_on_;
  std::deque<size_t> ready_;
  std::vector<bool> started_;
  bool stopped_ = false;
  size_t total_ = 0, finished_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
};

}  // namespace

bool Execute(Plan& plan, Queue& queue, const std::string& action_task_id, const ExecOptions& opts) {
  ExecOptions o = opts;
  if (!o.now_ms) o.now_ms = NowMs;
  if (!o.sleep_ms) {
    o.sleep_ms = [](int64_t ms) { run_control::Sleep(std::chrono::milliseconds(ms), "waiting for a new run to resolve"); };
  }
  if (!o.progress) o.progress = &NoProgress();
  Scheduler(plan, queue, action_task_id, o).Run();
  return std::none_of(plan.ops.begin(), plan.ops.end(),
                      [](const Operation& op) { return op.status == OpStatus::kFailed; });
}

}  // namespace tc

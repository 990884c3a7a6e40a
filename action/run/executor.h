// The executor: carries out a plan against a Queue, in dependency order and
// with bounded concurrency, recording each operation's outcome in the plan.
//
// Idempotency: created taskIds are derived from the action task's TASK_ID, so
// a retried action task plans the same ids. When the queue answers 409 for a
// create, the executor fetches that task and counts it as done when its
// extra.parent is this action task. Reruns of pending/running tasks and
// cancels of resolved ones are no-ops at the queue too; a rerun with
// resume_since_ms is not sent again when the latest run is the action task's
// own earlier rerun.
// An op whose `after` op did not end done is skipped, never sent.
//
// Stopping (core/run_control.h: SIGTERM/SIGINT, the run budget): no op is
// started once the run is stopping; those not started are skipped with a
// detail starting kNotSentStopped, those in flight end as their calls do
// (cut by the HTTP client). An awaited rerun that was sent counts as done
// when only its wait was cut (a retry of the action task resumes the wait).
//
// Waiting (Operation::await_completion): after the rerun, the task's status
// is polled, first after poll_initial_ms, the interval doubling up to
// poll_max_ms, until the new run resolves; bounded by the task's deadline and
// max_wait_ms. The op is done when the run completed, failed otherwise.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "actions/plan.h"
#include "run/progress.h"
#include "taskcluster/queue.h"

namespace tc {

// The detail of an op not sent because the run was stopping.
constexpr const char* kNotSentStopped = "not sent: the run stopped";

struct ExecOptions {
  int concurrency = 50;
  int64_t max_wait_ms = 6 * 3600 * 1000LL;  // per awaited run
  int64_t poll_initial_ms = 5000;
  int64_t poll_max_ms = 30000;
  std::function<int64_t()> now_ms;        // default: the system clock
  std::function<void(int64_t)> sleep_ms;  // default: sleeps (run_control::Sleep: a stop ends it)
  Progress* progress = nullptr;           // default: none (NoProgress)
};

// Returns true when every op ended done or skipped.
bool Execute(Plan& plan, Queue& queue, const std::string& action_task_id, const ExecOptions& opts);

}  // namespace tc

// rerun-sequence ("notarization poller timeouts"): rerun tasks one after the
// other, each next one only once the previous one's new run completed.
//
// Input {tasks: [taskId...], force, acknowledge_cot_break}. Everything is
// checked before the first rerun (group membership, states, deadlines, Chain
// of Trust: consumers that the same sequence reruns afterwards do not count).
// Then for each task: rerun it, and unless it is the last, poll its status
// with backoff (at most 30 s apart) until the new run resolves, bounded by the
// task's deadline and max_wait. A failed run stops the sequence (exit 3).
//
// Idempotent: a task whose latest run was created by a rerun since the action
// task was created was rerun by an earlier run of this action task; a retry
// resumes by waiting for it instead of rerunning it again.
#pragma once
#include <cstdint>
#include <functional>

#include "actions/context.h"
#include "core/error.h"
#include "actions/plan.h"
#include "taskcluster/queue.h"

namespace tc {

struct SequenceOptions {
  bool dry_run = false;
  int64_t max_wait_ms = 6 * 3600 * 1000LL;  // per task
  int64_t poll_initial_ms = 5000;
  int64_t poll_max_ms = 30000;
  std::function<int64_t()> now_ms;          // clock
  std::function<void(int64_t)> sleep_ms;    // waits
};

// Fills plan (ops, warnings, notes) as it goes. Returns kDone, or
// kTaskcluster when a run failed or the wait timed out (plan says which);
// throws BadInput/Refused before any mutation.
ExitCode RunRerunSequence(Queue& q, const Context& ctx, const SequenceOptions& opts, Plan& plan, std::string* error);

}  // namespace tc

// The executor: carries out a plan against a Queue, in dependency order and
// with bounded concurrency, recording each operation's outcome in the plan.
//
// Idempotency: created taskIds are derived from the action task's TASK_ID, so
// a retried action task plans the same ids. When the queue answers 409 for a
// create, the executor fetches that task and counts it as done when its
// extra.parent is this action task. Reruns of pending/running tasks and
// cancels of resolved ones are no-ops at the queue too.
// A create whose `after` op did not end done is skipped, never sent.
#pragma once
#include <string>

#include "actions/plan.h"
#include "taskcluster/queue.h"

namespace tc {

struct ExecOptions {
  int concurrency = 50;
};

// Returns true when every op ended done or skipped.
bool Execute(Plan& plan, Queue& queue, const std::string& action_task_id, const ExecOptions& opts);

}  // namespace tc

// `tc-action run`: context → facts (read-only calls; the permission check
// of a non-generic action) → plan (pure) → scope preflight → execute (unless
// dry run) → report. Every exit writes the report and taskgraph's artifacts
// (task-graph.json, label-to-taskid.json, to-run.json; empty when nothing
// was created), so later actions of the push always find them.
//
// Invariant: no mutating queue call happens before the context, the input,
// the artifacts directory (writable, unless dry run) and every planned
// operation validated; a BadInput or Refused exit made no mutation.
// Limits: the whole run is bounded by its budget (run_budget.h); a budget
// that runs out, SIGTERM or SIGINT end it with exit 3 and the report of what
// was done (core/run_control.h).
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "actions/context.h"
#include "run/executor.h"
#include "taskcluster/queue.h"
#include "taskcluster/services.h"

namespace tc {

struct RunOptions {
  bool dry_run = false;
  std::string artifacts_dir = "artifacts";
  std::string context_file;
  std::function<int64_t()> now_ms;  // defaults to the system clock (also the executor's)
  ExecOptions exec;                 // concurrency, and the waits of rerun-sequence
  std::optional<double> budget_s;   // --budget; default: TC_ACTION_RUN_BUDGET, else run_budget.h's
  Progress* progress = nullptr;     // progress lines (run/progress.h); default none
};

// Returns the process exit status (see ExitCode).
int RunAction(const RunOptions& opts, const EnvLookup& env, const ServicesFactory& make_services, std::ostream& out,
              std::ostream& err);

// The same with a queue only (no index, no auth: in-memory tests).
using QueueFactory = std::function<std::unique_ptr<Queue>()>;
int RunAction(const RunOptions& opts, const EnvLookup& env, const QueueFactory& make_queue, std::ostream& out,
              std::ostream& err);

}  // namespace tc

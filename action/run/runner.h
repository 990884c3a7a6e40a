// `tc-action run`: context → facts (read-only queue calls) → plan (pure) →
// execute (unless dry run) → report. Every exit writes the report.
//
// Invariant: no mutating queue call happens before the context, the input
// and every planned operation validated; a BadInput or Refused exit made no
// mutation.
#pragma once
#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "actions/context.h"
#include "run/executor.h"
#include "taskcluster/queue.h"

namespace tc {

struct RunOptions {
  bool dry_run = false;
  std::string artifacts_dir = "artifacts";
  std::string context_file;
  std::function<int64_t()> now_ms;  // defaults to the system clock (also the executor's)
  ExecOptions exec;                 // concurrency, and the waits of rerun-sequence
  Progress* progress = nullptr;     // progress lines (run/progress.h); default none
};

using QueueFactory = std::function<std::unique_ptr<Queue>()>;

// Returns the process exit status (see ExitCode).
int RunAction(const RunOptions& opts, const EnvLookup& env, const QueueFactory& make_queue, std::ostream& out,
              std::ostream& err);

}  // namespace tc

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
#include "taskcluster/queue.h"

namespace tc {

struct RunOptions {
  bool dry_run = false;
  std::string artifacts_dir = "artifacts";
  std::string context_file;
  int concurrency = 50;
  std::function<int64_t()> now_ms;  // defaults to the system clock
  // rerun-sequence: the longest wait for one task's new run, and the first
  // poll interval (doubling up to 30 s).
  int64_t max_wait_ms = 6 * 3600 * 1000LL;
  int64_t poll_initial_ms = 5000;
};

using QueueFactory = std::function<std::unique_ptr<Queue>()>;

// Returns the process exit status (see ExitCode).
int RunAction(const RunOptions& opts, const EnvLookup& env, const QueueFactory& make_queue, std::ostream& out,
              std::ostream& err);

}  // namespace tc

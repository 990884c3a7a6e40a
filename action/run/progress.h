// Progress: what a person watching the action task's live log sees while it
// runs (issue 12). Plain lines on stderr, no terminal control codes (the log
// viewer is not a terminal), each one UTC-timestamped as the -v log lines are:
//
//   2025-01-02T03:04:05.678Z progress rerun-sequence on group G: reading from the queue
//   2025-01-02T03:04:05.912Z progress read 3 tasks in 234 ms
//   2025-01-02T03:04:05.913Z progress planned 3 operations: 3 reruns
//   2025-01-02T03:04:06.001Z progress rerun 0/3 (0 %)
//   2025-01-02T03:04:36.100Z progress rerun-sequence 1/3: part-1 run 1 is running; next check in 30 s (deadline in 9 h 58 min)
//   2025-01-02T03:10:12.345Z progress rerun 3/3 (100 %), 0 failed, done in 6 min 6 s
//
// Rate limit: phase lines, the 0 % / 100 % lines of a submission and the
// first poll of each awaited task always print; the lines in between
// (submission counts, further polls) at most one every 2 s. The runner and the executor call the interface; `tc-action run -q`
// passes none. Every piece of text goes through Printable (the same
// output path as the summary): no control byte, valid UTF-8.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

#include "actions/context.h"
#include "actions/facts.h"
#include "actions/plan.h"

namespace tc {

// One poll of a wait for a rerun's new run to resolve (rerun-sequence).
struct WaitStatus {
  std::string task_id;
  std::string task;             // label, else taskId
  size_t index = 0, count = 0;  // 1-based: which of the submission's awaited reruns (Progress fills it in)
  int run_id = -1;              // the latest run (-1: none)
  std::string state;            // of the latest run / the task
  int64_t next_check_ms = 0;    // until the next poll
  int64_t left_ms = 0;          // until the wait gives up
  bool bound_is_deadline = true;  // the task's deadline bounds the wait (else --max-wait)
};

class Progress {
 public:
  virtual ~Progress() = default;
  // The run's context is known: the first line (ReadingLine).
  virtual void Start(const Context& ctx) = 0;
  // A phase line ("reading ...", "read ...", "planned ..."): always shown.
  virtual void Phase(const std::string& text) = 0;
  // Submission: the ops about to be sent, those still kPlanned (the 0 %
  // line; awaited reruns are numbered in this order) ...
  virtual void SubmitStart(const std::vector<Operation>& ops) = 0;
  // ... each one that finished (done, skipped or failed; rate limited) ...
  virtual void OpFinished(OpKind kind, OpStatus status) = 0;
  // ... and the end (the 100 % line).
  virtual void SubmitEnd() = 0;
  // One poll of an awaited rerun (rate limited).
  virtual void Waiting(const WaitStatus& w) = 0;
};

// Progress that prints nothing (-q, and tests that do not look).
Progress& NoProgress();

struct ProgressClock {
  std::function<int64_t()> wall_ms;    // timestamps (default: the system clock)
  std::function<int64_t()> steady_ms;  // intervals and rates (default: the steady clock)
};

// Progress as timestamped lines on a stream. Thread-safe (the executor's
// workers report concurrently).
class LineProgress : public Progress {
 public:
  static constexpr int64_t kMinIntervalMs = 2000;
  explicit LineProgress(std::ostream& out, ProgressClock clock = {});
  void Start(const Context& ctx) override;
  void Phase(const std::string& text) override;
  void SubmitStart(const std::vector<Operation>& ops) override;
  void OpFinished(OpKind kind, OpStatus status) override;
  void SubmitEnd() override;
  void Waiting(const WaitStatus& w) override;

 private:
  struct Count {
    size_t total = 0, done = 0, failed = 0, skipped = 0;
  };
  std::string SubmissionLine(bool final) const;
  // Prints `text` when forced or when the last line is kMinIntervalMs old. Called with mu_ held.
  void Emit(const std::string& text, bool force);
  bool Due() const;

  std::ostream& out_;
  std::string action_;  // the prefix of wait lines ("rerun-sequence 2/3: ...")
  ProgressClock clock_;
  std::mutex mu_;
  int64_t last_line_ms_ = INT64_MIN / 2;
  int64_t submit_start_ms_ = 0;
  size_t last_wait_index_ = 0;
  std::map<OpKind, Count> counts_;
  std::vector<std::string> awaited_;  // taskIds of the awaited reruns, in plan order
};

// Formatting, exposed for tests.
// 1234567 -> "1,234,567".
std::string Thousands(uint64_t n);
// A duration as a person reads it: "< 1 s", "42 s", "3 min 5 s", "9 h 58 min", "2 d 3 h".
std::string HumanDuration(int64_t ms);
// "42 B", "1.5 kB", "80.1 MB".
std::string HumanBytes(uint64_t bytes);
// The submission line: "created 1,200/2,001 (60 %), 0 failed, 420/s, about 2 s left";
// final: "..., 420/s, done in 4.8 s". Kinds in plan order: created, rerun, canceled.
struct SubmissionCounts {
  OpKind kind;
  size_t total, done, failed, skipped;
};
std::string FormatSubmission(const std::vector<SubmissionCounts>& counts, int64_t elapsed_ms, bool final);
std::string FormatWait(const std::string& action, const WaitStatus& w);
// The phase lines: what was read ("read 3 tasks, task-graph.json (30,000
// tasks, 80.1 MB) in 1.2 s") and what was planned ("planned 2,001
// operations: 2,001 creates; 1 warning").
// "rerun of T in group G: reading from the queue" (the first line).
std::string ReadingLine(const Context& ctx);
std::string FactsLine(const Facts& facts, int64_t elapsed_ms);
std::string PlanLine(const Plan& plan);

}  // namespace tc

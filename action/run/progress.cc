#include "run/progress.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "core/timestamp.h"
#include "core/redact.h"

namespace tc {

namespace {

class Silent : public Progress {
 public:
  void Start(const Context&) override {}
  void Phase(const std::string&) override {}
  void SubmitStart(const std::vector<Operation>&) override {}
  void OpFinished(OpKind, OpStatus) override {}
  void SubmitEnd() override {}
  void Waiting(const WaitStatus&) override {}
};

int64_t SteadyNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

const char* Verb(OpKind k) {
  switch (k) {
    case OpKind::kCreate: return "created";
    case OpKind::kRerun: return "rerun";
    case OpKind::kCancel: return "canceled";
  }
  return "done";
}

// Operations per second: "420/s", "3.5/s", "0.02/s".
std::string Rate(size_t finished, int64_t elapsed_ms) {
  const double rate = static_cast<double>(finished) * 1000.0 / static_cast<double>(std::max<int64_t>(1, elapsed_ms));
  if (rate >= 100) return Thousands(static_cast<uint64_t>(rate + 0.5)) + "/s";
  if (rate >= 1) return fmt::format("{:.1f}/s", rate);
  return fmt::format("{:.2f}/s", rate);
}

}  // namespace

Progress& NoProgress() {
  static Silent silent;
  return silent;
}

std::string Thousands(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string HumanDuration(int64_t ms) {
  if (ms < 1000) return "< 1 s";
  int64_t s = ms / 1000;
  if (s < 60) return fmt::format("{} s", s);
  if (s < 3600) return s % 60 ? fmt::format("{} min {} s", s / 60, s % 60) : fmt::format("{} min", s / 60);
  const int64_t min = s / 60;
  if (min < 24 * 60) return min % 60 ? fmt::format("{} h {} min", min / 60, min % 60) : fmt::format("{} h", min / 60);
  const int64_t h = min / 60;
  return h % 24 ? fmt::format("{} d {} h", h / 24, h % 24) : fmt::format("{} d", h / 24);
}

std::string HumanBytes(uint64_t bytes) {
  if (bytes < 1000) return fmt::format("{} B", bytes);
  if (bytes < 1000 * 1000) return fmt::format("{:.1f} kB", static_cast<double>(bytes) / 1e3);
  if (bytes < 1000ULL * 1000 * 1000) return fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6);
  return fmt::format("{:.2f} GB", static_cast<double>(bytes) / 1e9);
}

std::string FormatSubmission(const std::vector<SubmissionCounts>& counts, int64_t elapsed_ms, bool final) {
  size_t total = 0, finished = 0, failed = 0, skipped = 0;
  std::string parts;
  for (const auto& c : counts) {
    parts += fmt::format("{}{} {}/{}", parts.empty() ? "" : ", ", Verb(c.kind), Thousands(c.done), Thousands(c.total));
    total += c.total;
    finished += c.done + c.failed + c.skipped;
    failed += c.failed;
    skipped += c.skipped;
  }
  // Rounded, but 100 % only at the end.
  const size_t pct = finished == total ? 100 : std::min<size_t>(99, (finished * 200 + total) / (2 * total));
  std::string line = fmt::format("{} ({} %)", parts, pct);
  if (finished == 0 && !final) return line;
  line += fmt::format(", {} failed", Thousands(failed));
  if (skipped) line += fmt::format(", {} skipped", Thousands(skipped));
  if (final) {
    // a rate over less than a second says nothing
    if (elapsed_ms >= 1000) line += ", " + Rate(finished, elapsed_ms);
    return line + ", done in " +
           (elapsed_ms < 1000    ? fmt::format("{} ms", elapsed_ms)
            : elapsed_ms < 10000 ? fmt::format("{:.1f} s", elapsed_ms / 1000.0)
                                 : HumanDuration(elapsed_ms));
  }
  line += ", " + Rate(finished, elapsed_ms);
  const double per_ms = static_cast<double>(finished) / static_cast<double>(std::max<int64_t>(1, elapsed_ms));
  const auto left_ms = static_cast<int64_t>(static_cast<double>(total - finished) / per_ms) + 500;  // rounded
  return line + (left_ms < 1000 ? ", under 1 s left" : ", about " + HumanDuration(left_ms) + " left");
}

std::string FormatWait(const std::string& action, const WaitStatus& w) {
  std::string run = w.run_id >= 0 ? fmt::format(" run {}", w.run_id) : std::string();
  return fmt::format("{} {}/{}: {}{} is {}; next check in {} ({} in {})", action, w.index, w.count, w.task, run,
                     w.state, HumanDuration(w.next_check_ms), w.bound_is_deadline ? "deadline" : "--max-wait ends",
                     HumanDuration(w.left_ms));
}

namespace {

std::string Count(size_t n, const char* one, const char* many) {
  return Thousands(n) + " " + (n == 1 ? one : many);
}

std::string Elapsed(int64_t ms) { return ms < 10000 ? fmt::format("{} ms", ms) : HumanDuration(ms); }

}  // namespace

std::string ReadingLine(const Context& ctx) {
  const std::string target = ctx.task_id ? " of " + *ctx.task_id : "";
  return fmt::format("{}{} in group {} by action task {}: reading from the queue", ctx.action, target,
                     ctx.task_group_id, ctx.action_task_id);
}

std::string FactsLine(const Facts& facts, int64_t elapsed_ms) {
  std::vector<std::string> parts;
  if (!facts.tasks.empty()) parts.push_back(Count(facts.tasks.size(), "task", "tasks"));
  size_t dependents = 0;
  for (const auto& [id, t] : facts.tasks) dependents += t.dependents.size();
  if (dependents) parts.push_back(Count(dependents, "dependent", "dependents"));
  if (!facts.statuses.empty()) parts.push_back(Count(facts.statuses.size(), "status", "statuses"));
  if (facts.group_tasks_loaded) parts.push_back("the task group (" + Count(facts.group_tasks.size(), "task", "tasks") + ")");
  if (facts.push && facts.push->full_graph) {
    parts.push_back(fmt::format("full-task-graph.json ({}, {})", Count(facts.push->full_graph->size(), "task", "tasks"),
                                HumanBytes(facts.push->full_graph->bytes())));
    parts.push_back(Count(facts.push->sources.size(), "label-to-taskid.json", "label-to-taskid.json files") + " (" +
                    Count(facts.push->labels.size(), "label", "labels") + ")");
  }
  std::string what;
  for (size_t i = 0; i < parts.size(); ++i) what += (i == 0 ? "" : i + 1 == parts.size() ? " and " : ", ") + parts[i];
  return fmt::format("read {} in {}", what.empty() ? "nothing" : what, Elapsed(elapsed_ms));
}

std::string PlanLine(const Plan& plan) {
  if (plan.ops.empty()) return "planned: nothing to do" + std::string(plan.warnings.empty() ? "" : "; ") +
                               (plan.warnings.empty() ? "" : Count(plan.warnings.size(), "warning", "warnings"));
  std::map<OpKind, size_t> kinds;
  for (const auto& op : plan.ops) ++kinds[op.kind];
  std::string what;
  for (const auto& [k, n] : kinds) {
    const char* one = k == OpKind::kCreate ? "task to create" : k == OpKind::kRerun ? "rerun" : "cancel";
    const char* many = k == OpKind::kCreate ? "tasks to create" : k == OpKind::kRerun ? "reruns" : "cancels";
    what += (what.empty() ? "" : ", ") + Count(n, one, many);
  }
  std::string line = fmt::format("planned {}: {}", Count(plan.ops.size(), "operation", "operations"), what);
  if (!plan.warnings.empty()) line += "; " + Count(plan.warnings.size(), "warning", "warnings");
  return line;
}

LineProgress::LineProgress(std::ostream& out, ProgressClock clock) : out_(out), clock_(std::move(clock)) {
  if (!clock_.wall_ms) clock_.wall_ms = NowMs;
  if (!clock_.steady_ms) clock_.steady_ms = SteadyNowMs;
}

bool LineProgress::Due() const { return clock_.steady_ms() - last_line_ms_ >= kMinIntervalMs; }

void LineProgress::Emit(const std::string& text, bool force) {
  if (!force && !Due()) return;
  last_line_ms_ = clock_.steady_ms();
  // One write per line: lines of concurrent writers never interleave.
  out_ << FormatIsoMs(clock_.wall_ms()) + " progress " + Printable(text) + "\n" << std::flush;
}

void LineProgress::Start(const Context& ctx) {
  std::lock_guard<std::mutex> lock(mu_);
  action_ = ctx.action;
  Emit(ReadingLine(ctx), true);
}

void LineProgress::Phase(const std::string& text) {
  std::lock_guard<std::mutex> lock(mu_);
  Emit(text, true);
}

void LineProgress::SubmitStart(const std::vector<Operation>& ops) {
  std::lock_guard<std::mutex> lock(mu_);
  counts_.clear();
  awaited_.clear();
  for (const auto& op : ops) {
    if (op.status != OpStatus::kPlanned) continue;
    ++counts_[op.kind].total;
    if (op.await_completion) awaited_.push_back(op.task_id);
  }
  submit_start_ms_ = clock_.steady_ms();
  if (!counts_.empty()) Emit(SubmissionLine(false), true);
}

void LineProgress::OpFinished(OpKind kind, OpStatus status) {
  std::lock_guard<std::mutex> lock(mu_);
  Count& c = counts_[kind];
  if (status == OpStatus::kDone) ++c.done;
  else if (status == OpStatus::kFailed) ++c.failed;
  else ++c.skipped;
  size_t total = 0, finished = 0;
  for (const auto& [k, n] : counts_) total += n.total, finished += n.done + n.failed + n.skipped;
  if (finished < total && Due()) Emit(SubmissionLine(false), false);  // the last one: SubmitEnd's line
}

void LineProgress::SubmitEnd() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!counts_.empty()) Emit(SubmissionLine(true), true);
  counts_.clear();
}

void LineProgress::Waiting(const WaitStatus& status) {
  std::lock_guard<std::mutex> lock(mu_);
  WaitStatus w = status;
  w.count = awaited_.size();
  w.index = static_cast<size_t>(std::find(awaited_.begin(), awaited_.end(), w.task_id) - awaited_.begin()) + 1;
  if (w.index > w.count) w.index = w.count = 1;  // not announced: a wait of its own
  // The first poll of each awaited task always shows: a wait can be hours.
  const bool first = w.index != last_wait_index_;
  last_wait_index_ = w.index;
  Emit(FormatWait(action_, w), first);
}

std::string LineProgress::SubmissionLine(bool final) const {
  std::vector<SubmissionCounts> v;
  for (const auto& [kind, c] : counts_) v.push_back({kind, c.total, c.done, c.failed, c.skipped});
  return FormatSubmission(v, clock_.steady_ms() - submit_start_ms_, final);
}

}  // namespace tc

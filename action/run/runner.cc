#include "run/runner.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "actions/registry.h"
#include "core/error.h"
#include "core/timestamp.h"
#include "run/diagnostics.h"
#include "run/environment.h"
#include "run/executor.h"
#include "run/facts_reader.h"
#include "run/progress.h"
#include "run/report.h"

namespace tc {

namespace {

int64_t MsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
}

// Facts (read-only calls), then the plan (pure), both as the registry says.
Plan PlanAction(Queue& q, const Context& ctx, int64_t now, Progress& progress) {
  const ActionSpec* spec = FindAction(ctx.action);
  if (!spec) throw std::logic_error("no registry entry for " + ctx.action);  // LoadContext checked it
  progress.Start(ctx);
  const auto t0 = std::chrono::steady_clock::now();
  Facts facts;
  ReadFacts(q, *spec, ctx, now, facts);
  progress.Phase(FactsLine(facts, MsSince(t0)));
  Plan plan = spec->plan(ctx, facts, now);
  progress.Phase(PlanLine(plan));
  return plan;
}

// "N of M operations failed (first: ...)", or "" when none failed.
std::string FailureSummary(const Plan& plan) {
  size_t failed = 0;
  std::string first;
  for (const auto& op : plan.ops) {
    if (op.status != OpStatus::kFailed) continue;
    if (failed++ == 0) first = fmt::format("{} {}: {}", OpKindName(op.kind), op.task_id, op.detail);
  }
  if (failed == 0) return "";
  return fmt::format("{} of {} operations failed (first: {}); the report lists what was done", failed, plan.ops.size(),
                     first);
}

// Carries out the plan; returns the error ("" when every op ended done or skipped).
std::string ExecutePlan(Plan& plan, Queue& q, const Context& ctx, const RunOptions& opts) {
  spdlog::info("plan: {} operation(s) (peak RSS {} MB)", plan.ops.size(), PeakRssMb());
  auto t0 = std::chrono::steady_clock::now();
  ExecOptions eo = opts.exec;
  if (!eo.now_ms) eo.now_ms = opts.now_ms;
  if (opts.progress) eo.progress = opts.progress;
  Execute(plan, q, ctx.action_task_id, eo);
  spdlog::info("executed (peak RSS {} MB)", PeakRssMb());
  if (!plan.ops.empty()) {
    plan.notes.push_back(fmt::format(
        "{} operation(s) submitted in {} ms (concurrency {})", plan.ops.size(),
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count(),
        opts.exec.concurrency));
  }
  return FailureSummary(plan);
}

// task-graph.json, label-to-taskid.json and to-run.json, as taskgraph names
// them, when the plan creates tasks.
void WriteGraphArtifacts(const Plan& plan, const std::string& dir, std::ostream& err) {
  if (plan.task_graph.IsNull()) return;
  std::string aerr;
  if (!WriteTextArtifact(dir, "task-graph.json", TaskGraphArtifactText(plan), &aerr) ||
      !WriteJsonArtifact(dir, "label-to-taskid.json", plan.label_to_taskid, &aerr) ||
      !WriteJsonArtifact(dir, "to-run.json", plan.to_run, &aerr)) {
    err << "tc-action: warning: " << aerr << "\n";
  }
}

}  // namespace

int RunAction(const RunOptions& opts, const EnvLookup& env, const QueueFactory& make_queue, std::ostream& out,
              std::ostream& err) {
  ReportHeader header = HeaderFromEnv(env, opts.dry_run);
  Plan plan;
  ExitCode code = ExitCode::kDone;
  std::string error;
  try {
    Context ctx = LoadContext(env, opts.context_file);
    header = HeaderFromContext(ctx, opts.dry_run);
    SetUiRoot(header, env);
    const int64_t now = opts.now_ms ? opts.now_ms() : NowMs();
    std::unique_ptr<Queue> queue = make_queue();
    plan = PlanAction(*queue, ctx, now, opts.progress ? *opts.progress : NoProgress());
    if (!opts.dry_run) error = OneLine(ExecutePlan(plan, *queue, ctx, opts));
    if (!error.empty()) code = ExitCode::kTaskcluster;
  } catch (const std::exception& e) {
    code = ExitCodeFor(e);
    error = FailureMessage(e);
  }
  WriteGraphArtifacts(plan, opts.artifacts_dir, err);
  std::string werr;
  if (!WriteReport(opts.artifacts_dir, BuildReport(header, plan, code, error), &werr)) {
    err << "tc-action: warning: " << werr << "\n";
  }
  spdlog::info("finished: exit {}, peak RSS {} MB", static_cast<int>(code), PeakRssMb());
  PrintSummary(out, header, plan, code, error);
  if (!error.empty()) err << "tc-action: error: " << error << "\n";
  return static_cast<int>(code);
}

}  // namespace tc

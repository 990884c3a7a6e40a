#include "run/runner.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "actions/preflight.h"
#include "actions/registry.h"
#include "core/error.h"
#include "core/redact.h"
#include "core/run_control.h"
#include "core/timestamp.h"
#include "run/artifact_files.h"
#include "run/diagnostics.h"
#include "run/environment.h"
#include "run/executor.h"
#include "run/facts_reader.h"
#include "run/progress.h"
#include "run/report.h"
#include "run/run_budget.h"

namespace tc {

namespace {

int64_t MsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
}

// Facts (read-only calls), then the plan (pure), both as the registry says,
// then the scope preflight of what the plan would send.
Plan PlanAction(Services& s, const Context& ctx, int64_t now, Progress& progress) {
  const ActionSpec* spec = FindAction(ctx.action);
  if (!spec) throw std::logic_error("no registry entry for " + ctx.action);  // LoadContext checked it
  progress.Start(ctx);
  const auto t0 = std::chrono::steady_clock::now();
  Facts facts;
  ReadFacts(s, *spec, ctx, now, facts);
  progress.Phase(FactsLine(facts, MsSince(t0)));
  Plan plan = spec->plan(ctx, facts, now);
  if (Mutates(plan)) {
    FactRequest scopes;
    scopes.current_scopes = true;
    Load(s, ctx, scopes, now, facts);
    PreflightScopes(plan, facts);
  }
  for (const auto& n : facts.push ? facts.push->notes : std::vector<std::string>{}) plan.notes.push_back(n);
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

// Whether the stop (a signal, the budget) cut the plan short: an op failed
// or was not sent.
bool StoppedShort(const Plan& plan) {
  return std::any_of(plan.ops.begin(), plan.ops.end(), [](const Operation& op) {
    return op.status == OpStatus::kFailed || op.status == OpStatus::kPlanned ||
           (op.status == OpStatus::kSkipped && op.detail.rfind(kNotSentStopped, 0) == 0);
  });
}

// "<why stopped>: N of M operations done, K not sent; the report lists what was done".
std::string StoppedSummary(const Plan& plan) {
  size_t done = 0, not_done = 0;
  for (const auto& op : plan.ops) (op.status == OpStatus::kDone ? done : not_done)++;
  return fmt::format("{} while executing the plan: {} of {} operations done, {} not done or not sent; the report "
                     "lists what was done",
                     run_control::StopReason(), done, plan.ops.size(), not_done);
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
  if (run_control::Stopping() && StoppedShort(plan)) return StoppedSummary(plan);
  if (!plan.ops.empty()) {
    plan.notes.push_back(fmt::format(
        "{} operation(s) submitted in {} ms (concurrency {})", plan.ops.size(),
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count(),
        opts.exec.concurrency));
  }
  return FailureSummary(plan);
}

// task-graph.json, label-to-taskid.json and to-run.json, as taskgraph names
// them (empty when the plan creates nothing: later actions of the push read
// every indexed action task's label-to-taskid.json).
void WriteGraphArtifacts(const Plan& plan, const std::string& dir, std::ostream& err) {
  std::string aerr;
  if (!WriteTextArtifact(dir, "task-graph.json", TaskGraphArtifactText(plan), &aerr) ||
      !WriteJsonArtifact(dir, "label-to-taskid.json", LabelToTaskIdArtifact(plan), &aerr) ||
      !WriteJsonArtifact(dir, "to-run.json", ToRunArtifact(plan), &aerr)) {
    err << "tc-action: warning: " << PrintableLine(aerr) << "\n";
  }
}

}  // namespace

int RunAction(const RunOptions& opts, const EnvLookup& env, const QueueFactory& make_queue, std::ostream& out,
              std::ostream& err) {
  ServicesFactory services = [&] {
    Services s;
    s.queue = make_queue();
    return s;
  };
  return RunAction(opts, env, services, out, err);
}

int RunAction(const RunOptions& opts, const EnvLookup& env, const ServicesFactory& make_services, std::ostream& out,
              std::ostream& err) {
  ReportHeader header = HeaderFromEnv(env, opts.dry_run);
  Plan plan;
  ExitCode code = ExitCode::kDone;
  std::string error;
  try {
    run_control::StartBudget(RunBudget(opts.budget_s, env));
    Context ctx = LoadContext(env, opts.context_file);
    header = HeaderFromContext(ctx, opts.dry_run);
    if (std::string why = opts.dry_run ? "" : CheckWritableDir(opts.artifacts_dir); !why.empty()) {
      throw BadInput("--artifacts: " + why + "; expected a directory this process can write (or --dry-run)");
    }
    SetUiRoot(header, env);
    const int64_t now = opts.now_ms ? opts.now_ms() : NowMs();
    Services services = make_services();
    plan = PlanAction(services, ctx, now, opts.progress ? *opts.progress : NoProgress());
    run_control::CheckContinue("planning");
    if (!opts.dry_run) error = OneLine(ExecutePlan(plan, *services.queue, ctx, opts));
    if (!error.empty()) code = ExitCode::kTaskcluster;
  } catch (const std::exception& e) {
    code = ExitCodeFor(e);
    error = FailureMessage(e);
  }
  WriteGraphArtifacts(plan, opts.artifacts_dir, err);
  std::string werr;
  if (!WriteReport(opts.artifacts_dir, BuildReport(header, plan, code, error), &werr)) {
    err << "tc-action: warning: " << PrintableLine(werr) << "\n";
  }
  spdlog::info("finished: exit {}, peak RSS {} MB", static_cast<int>(code), PeakRssMb());
  PrintSummary(out, header, plan, code, error);
  if (!error.empty()) err << "tc-action: error: " << PrintableLine(error) << "\n";
  return static_cast<int>(code);
}

}  // namespace tc

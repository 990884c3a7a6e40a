#include "run/runner.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "core/error.h"
#include "run/executor.h"
#include "run/sequence.h"
#include "run/facts.h"
#include "actions/graph.h"
#include "actions/graph_actions.h"
#include "actions/plan.h"
#include "actions/policy.h"
#include "run/report.h"
#include "core/timestamp.h"

namespace tc {

namespace {

// Peak resident set size so far, in MB (Linux), for -v diagnostics.
long PeakRssMb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6) / 1024;
  }
  return -1;
}

TaskFacts ReadFacts(Queue& q, const Context& ctx, int64_t now) {
  TaskFacts f = ReadTaskFacts(q, *ctx.task_id, "ACTION_TASK_ID", ctx.task_group_id);
  if (NeedsDependents(ctx, f.definition, f.status, now)) LoadDependents(q, f);
  if (NeedsDependencyGroups(ctx, f.definition, f.status, now)) LoadDependencyGroups(q, f);
  return f;
}

// Reads one of the decision task's artifacts. A missing (404), expired (410)
// or failed (424) artifact refuses the action with a clear message.
std::string DecisionArtifact(Queue& q, const Context& ctx, const std::string& name) {
  try {
    return q.GetLatestArtifact(ctx.task_group_id, name);
  } catch (const TcError& e) {
    if (e.status() != 404 && e.status() != 410 && e.status() != 424) {
      throw TcError(e.status(), e.code(),
                    fmt::format("{} of decision task {}: {}", name, ctx.task_group_id, e.what()));
    }
    const char* why = e.status() == 404 ? "does not exist" : e.status() == 410 ? "has expired" : "failed to upload";
    throw Refused(fmt::format("{} of decision task {} {} ({}); the graph-aware action cannot run without it", name,
                              ctx.task_group_id, why, e.what()));
  }
}

std::unique_ptr<TaskGraph> LoadTaskGraph(Queue& q, const Context& ctx) {
  const std::string name = "public/task-graph.json";
  auto t0 = std::chrono::steady_clock::now();
  std::string bytes = DecisionArtifact(q, ctx, name);
  size_t size = bytes.size();
  auto g = TaskGraph::Parse(std::move(bytes), name);
  spdlog::info("{}: {} tasks, {} bytes, fetched and parsed in {} ms (peak RSS {} MB)", name, g->size(), size,
               std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count(),
               PeakRssMb());
  return g;
}

Plan BuildPlan(Queue& q, const Context& ctx, int64_t now) {
  if (ctx.action == "retrigger-multiple") {
    auto graph = LoadTaskGraph(q, ctx);
    auto l2t = ParseLabelToTaskId(DecisionArtifact(q, ctx, "public/label-to-taskid.json"), "label-to-taskid.json");
    StatusMap statuses;
    for (const auto& id : RetriggerMultipleRerunIds(ctx, *graph, l2t)) {
      if (statuses.count(id)) continue;
      Json st = q.Status(id);
      if (const JsonValue* inner = Member(st, "status")) statuses[id] = CopyJson(*inner);
    }
    return PlanRetriggerMultiple(ctx, *graph, l2t, statuses, now);
  }
  if (ctx.action == "cancel-all") {
    auto tasks = ReadAllTaskPages([&](const Page& p) { return q.ListTaskGroup(ctx.task_group_id, p); });
    return PlanCancelAll(ctx, tasks, now);
  }
  TaskFacts facts = ReadFacts(q, ctx, now);
  if (ctx.action == "rerun") return PlanRerun(ctx, facts, now);
  if (ctx.action == "retrigger" || ctx.action == "retrigger-disabled") {
    std::unique_ptr<TaskGraph> graph;
    // Policy first (retriggerable? forced?), so a refusal costs no graph fetch.
    if (GetBool(ctx.input, "downstream").value_or(false)) {
      Plan checked;
      RetriggerPreconditions(ctx, facts, now, checked);  // a refusal costs no graph fetch
      graph = LoadTaskGraph(q, ctx);
    }
    return PlanRetrigger(ctx, facts, now, graph.get());
  }
  if (ctx.action == "retrigger-decision") return PlanRetriggerDecision(ctx, facts, now);
  if (ctx.action == "rerun-dependents") {
    std::map<std::string, std::string> states;
    for (const auto& id : RerunDependentsDependencyIds(facts)) {
      try {
        states[id] = GetString(ReadStatus(q, id), "state").value_or("unknown");
      } catch (const TcError& e) {
        if (!e.is_not_found()) throw;
        states[id] = "missing";
      }
    }
    return PlanRerunDependents(ctx, facts, states, ActionTaskCreatedMs(q, ctx.action_task_id, now), now);
  }
  if (ctx.action == "cancel") return PlanCancel(ctx, facts, now);
  throw BadInput("ACTION_CALLBACK: unknown action \"" + ctx.action + "\"; expected one of " + KnownActionNames());
}

}  // namespace

int RunAction(const RunOptions& opts, const EnvLookup& env, const QueueFactory& make_queue, std::ostream& out,
              std::ostream& err) {
  ReportHeader header;
  Plan plan;
  ExitCode code = ExitCode::kDone;
  std::string error;
  bool have_context = false;
  try {
    Context ctx = LoadContext(env, opts.context_file);
    header = HeaderFromContext(ctx, opts.dry_run);
    have_context = true;
    const int64_t now = opts.now_ms ? opts.now_ms() : NowMs();
    std::unique_ptr<Queue> queue = make_queue();
    if (ctx.action == "rerun-sequence") {
      SequenceOptions so;
      so.dry_run = opts.dry_run;
      so.max_wait_ms = opts.max_wait_ms;
      so.poll_initial_ms = opts.poll_initial_ms;
      so.now_ms = opts.now_ms ? opts.now_ms : std::function<int64_t()>(NowMs);
      so.sleep_ms = [](int64_t ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); };
      code = RunRerunSequence(*queue, ctx, so, plan, &error);
    } else {
      plan = BuildPlan(*queue, ctx, now);
    }
    if (!opts.dry_run && ctx.action != "rerun-sequence") {
      ExecOptions eo;
      eo.concurrency = opts.concurrency;
      spdlog::info("plan: {} operation(s) (peak RSS {} MB)", plan.ops.size(), PeakRssMb());
      auto t0 = std::chrono::steady_clock::now();
      bool ok = Execute(plan, *queue, ctx.action_task_id, eo);
      spdlog::info("executed (peak RSS {} MB)", PeakRssMb());
      if (!plan.ops.empty()) {
        plan.notes.push_back(fmt::format(
            "{} operation(s) submitted in {} ms (concurrency {})", plan.ops.size(),
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count(),
            opts.concurrency));
      }
      if (!ok) {
        code = ExitCode::kTaskcluster;
        size_t failed = 0;
        std::string first;
        for (const auto& op : plan.ops) {
          if (op.status != OpStatus::kFailed) continue;
          if (failed++ == 0) first = fmt::format("{} {}: {}", OpKindName(op.kind), op.task_id, op.detail);
        }
        error = fmt::format("{} of {} operations failed (first: {}); the report lists what was done", failed,
                            plan.ops.size(), first);
      }
    }
  } catch (const BadInput& e) {
    code = ExitCode::kBadInput;
    error = e.what();
  } catch (const Refused& e) {
    code = ExitCode::kRefused;
    error = e.what();
  } catch (const TcError& e) {
    code = ExitCode::kTaskcluster;
    error = e.what();
  } catch (const std::exception& e) {
    code = ExitCode::kTaskcluster;
    error = std::string("internal error: ") + e.what();
  }
  if (!have_context) header = HeaderFromEnv(env, opts.dry_run);
  error = SanitizeUtf8(error);
  for (auto& ch : error)  // the error is one line, always
    if (ch == '\n' || ch == '\r') ch = ' ';

  if (!plan.task_graph.IsNull()) {
    std::string aerr;
    if (!WriteTextArtifact(opts.artifacts_dir, "task-graph.json", TaskGraphArtifactText(plan), &aerr) ||
        !WriteJsonArtifact(opts.artifacts_dir, "label-to-taskid.json", plan.label_to_taskid, &aerr) ||
        !WriteJsonArtifact(opts.artifacts_dir, "to-run.json", plan.to_run, &aerr)) {
      err << "tc-action: warning: " << aerr << "\n";
    }
  }
  Json report = BuildReport(header, plan, code, error);
  std::string werr;
  if (!WriteReport(opts.artifacts_dir, report, &werr)) {
    err << "tc-action: warning: " << werr << "\n";
  }
  spdlog::info("finished: exit {}, peak RSS {} MB", static_cast<int>(code), PeakRssMb());
  PrintSummary(out, header, plan, code, error);
  if (!error.empty()) err << "tc-action: error: " << error << "\n";
  return static_cast<int>(code);
}

}  // namespace tc

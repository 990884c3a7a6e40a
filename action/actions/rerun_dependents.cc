#include "actions/rerun_dependents.h"

#include <fmt/format.h>

#include <algorithm>

#include "actions/cot.h"
#include "actions/actions.h"
#include "core/error.h"

namespace tc {

namespace {

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// Check 1: every other dependency completed. Check 2: it does not consume X's artifacts.
void Judge(const TaskFacts& x, const JsonValue& task, const Facts& facts, DependentVerdict& v) {
  std::vector<std::string> bad;
  size_t good = 0;
  for (const auto& dep : TaskView(&task, nullptr).dependencies()) {
    if (dep == x.task_id) continue;
    const TaskState s = facts.StateOf(dep);
    if (s == TaskState::kCompleted) {
      ++good;
    } else {
      bad.push_back(dep + " " + TaskStateName(s));
    }
  }
  const JsonValue* payload = Member(task, "payload");
  if (!bad.empty()) {
    v.refusal = "other dependencies not completed: " + Join(bad);
  } else if (payload && MentionsTaskId(*payload, x.task_id)) {
    v.refusal = "it consumes " + x.task_id + "'s artifacts (its payload names it); it cannot run without them";
  }
  v.checked = fmt::format("checked: {} other dependenc{} completed; does not consume {}'s artifacts", good,
                          good == 1 ? "y" : "ies", x.task_id);
}

}  // namespace

std::vector<std::string> OtherDependencies(const TaskFacts& x) {
  std::vector<std::string> out;
  for (const auto& d : x.dependents) {
    const JsonValue* task = Member(d, "task");
    if (!task) continue;
    for (const auto& dep : TaskView(task, nullptr).dependencies())
      if (dep != x.task_id && std::find(out.begin(), out.end(), dep) == out.end()) out.push_back(dep);
  }
  return out;
}

std::vector<DependentVerdict> JudgeDependents(const TaskFacts& x, const Facts& facts, int64_t action_created_ms) {
  std::vector<DependentVerdict> out;
  for (const auto& d : x.dependents) {
    const JsonValue* task = Member(d, "task");
    const JsonValue* status = Member(d, "status");
    if (!task || !status) continue;
    const TaskView view(task, status);
    DependentVerdict v;
    v.task_id = GetString(*status, "taskId").value_or("?");
    v.label = view.label();
    v.state = view.state();
    v.resumed = v.state == TaskState::kException && view.CanceledSince(action_created_ms);
    v.waiting = v.state == TaskState::kUnscheduled || v.resumed;
    if (v.waiting) Judge(x, *task, facts, v);
    out.push_back(std::move(v));
  }
  return out;
}

namespace {

// The cancel (and, when it can run without X, the rerun after it) of one dependent.
void PlanDependent(const TaskFacts& x, const DependentVerdict& v, Plan& plan, std::vector<std::string>& refusals) {
  Operation cancel = NewOp(OpKind::kCancel, v.task_id, v.label);
  if (!v.runnable()) {
    cancel.status = OpStatus::kSkipped;
    cancel.detail = v.waiting ? "refused: " + v.refusal : fmt::format("not waiting: the task is {}", TaskStateName(v.state));
    if (v.waiting) refusals.push_back(DescribeTask(v.task_id, v.label) + ": " + v.refusal);
    plan.ops.push_back(std::move(cancel));
    return;
  }
  cancel.detail = v.checked;
  if (v.resumed) {
    cancel.status = OpStatus::kDone;
    cancel.detail += "; already canceled by an earlier run of this action task";
  }
  plan.ops.push_back(std::move(cancel));
  Operation rerun = NewOp(OpKind::kRerun, v.task_id, v.label);
  rerun.detail = "runs without " + x.task_id;
  rerun.after.push_back(plan.ops.size() - 1);
  plan.ops.push_back(std::move(rerun));
}

}  // namespace

FactRequest RerunDependentsNeeds(const Context& ctx, const Facts& known, int64_t) {
  FactRequest r;
  r.dependents_of = {*ctx.task_id};
  r.action_created = true;
  // Then the states of the dependents' other dependencies.
  if (r.Missing(known).empty()) r.statuses = OtherDependencies(known.Target(ctx));
  return r;
}

Plan PlanRerunDependents(const Context& ctx, const Facts& facts, int64_t now_ms) {
  Plan plan;
  const TaskFacts& x = facts.Target(ctx);
  const std::string who = x.view().Describe(x.task_id);
  if (!IsFailed(x.view().state())) {
    throw Refused(fmt::format("rerun-dependents of {} refused: the task is {}, not failed or exception; its "
                              "dependents run (or wait) on their own",
                              who, x.view().state_name()));
  }
  std::vector<std::string> refusals;
  for (const auto& v : JudgeDependents(x, facts, facts.action_created_ms.value_or(now_ms)))
    PlanDependent(x, v, plan, refusals);
  const bool any = std::any_of(plan.ops.begin(), plan.ops.end(),
                               [](const Operation& op) { return op.kind == OpKind::kRerun; });
  if (!any) {
    throw Refused(fmt::format("rerun-dependents of {} refused: no waiting dependent can run without it{}{}", who,
                              refusals.empty() ? "" : ": ", fmt::join(refusals, "; ")));
  }
  plan.warnings.push_back(fmt::format(
      "{} stays {}; the dependents above run without it (check that the failure is expected and that nothing "
      "downstream needs its output)",
      who, x.view().state_name()));
  return plan;
}

}  // namespace tc

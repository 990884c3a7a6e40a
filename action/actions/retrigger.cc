// retrigger: new copies of a retriggerable task ("intermittent tests in
// treeherder"): `times` copies with new taskIds, timestamps shifted to now,
// extra.parent = the action task; each copy depends on the action task, so
// nothing runs unless the whole set was created. With `downstream`, every
// task that depends on it in the decision's task-graph.json is re-created too
// (graph_copy.h). retrigger-disabled (retrigger_disabled.cc) is the same for
// tasks that are not retriggerable (release tasks): refused unless force; a
// deadline-exceeded one only when it is a leaf.
#include "actions/retrigger.h"

#include "actions/actions.h"

#include <fmt/format.h>

#include <algorithm>

#include "actions/clone.h"
#include "actions/cot.h"
#include "actions/graph_copy.h"
#include "actions/policy.h"
#include "core/error.h"
#include "core/slugid.h"

namespace tc {

namespace {

// The force-copy of a task that is not retriggerable (a release task).
bool ForcedRelease(const Context& ctx, const TaskView& v, bool disabled) {
  return disabled && !v.retriggerable() && ctx.Flag("force");
}

void RefuseUnlessAllowed(const Context& ctx, const TaskView& v, const std::string& who, bool disabled, Plan& plan) {
  if (v.retriggerable()) return;
  if (!disabled) {
    throw Refused(fmt::format(
        "retrigger of {} refused: the task is not retriggerable (tags.retrigger is not \"true\"), as release tasks "
        "are not; use retrigger-disabled with force: true to copy it anyway",
        who));
  }
  RequireForce(ctx,
               fmt::format("retrigger-disabled of {} refused: the task is not retriggerable (a release task); set "
                           "force: true to create a copy anyway (this leaves the original task as it is)",
                           who),
               fmt::format("{} is not marked retriggerable; creating a copy because force is true. The original task "
                           "and its graph stay as they are, and stay Chain-of-Trust verifiable: the copy has a new "
                           "taskId",
                           who),
               plan);
}

// Who keeps consuming the original's artifacts (release tasks copied by
// force). recreated: the graph of a downstream copy, whose consumers are
// re-created with it (their copies consume the copy: no warning for them).
void CheckConsumers(const TaskFacts& t, const std::string& who, bool past_deadline, const TaskGraph* recreated,
                    Plan& plan) {
  auto consumers = ConsumersOf(t.task_id, t.dependents);
  if (consumers.empty()) return;
  if (past_deadline) {
    throw Refused(fmt::format(
        "retrigger-disabled of deadline-exceeded task {} refused: it is not a leaf; these tasks consume its "
        "artifacts and would keep pointing at the failed original: {}. Only leaf release tasks are retriggered past "
        "their deadline; for the rest, a build 2 or advanced relpro is needed",
        who, DescribeConsumers(consumers)));
  }
  if (recreated) {
    consumers.erase(std::remove_if(consumers.begin(), consumers.end(),
                                   [&](const Consumer& c) { return recreated->Find(c.task_id) != nullptr; }),
                    consumers.end());
  }
  if (consumers.empty()) return;
  WarnList(plan, who + " has consumers that keep waiting on the original, not on the copy: ", ConsumerNames(consumers),
           "; to unblock a release graph, rerun the original instead");
}

// A deadline-exceeded release task: dependencies of an earlier release phase stay as they are.
void WarnDeadlineExceeded(const Context& ctx, const TaskFacts& t, const std::string& who, Plan& plan) {
  std::string foreign;
  for (const auto& [dep, group] : t.dependency_groups)
    if (group != ctx.task_group_id) foreign += (foreign.empty() ? "" : ", ") + dep + " (group " + group + ")";
  if (!foreign.empty()) {
    plan.warnings.push_back(fmt::format(
        "{} depends on tasks outside its task group (an earlier release phase): {}; the copy depends on those same "
        "tasks and does not re-create them, so it will not see newer artifacts from them",
        who, foreign));
  }
  plan.warnings.push_back(fmt::format(
      "the deadline-exceeded original {} stays failed, so its graph stays in a failed/exception state", who));
}

// The checks that need no graph: retriggerable or forced; a deadline-exceeded
// release task must be a leaf. Throws Refused, or adds warnings to plan.
// recreated: the graph when the copy is downstream (null before it is read).
void Preconditions(const Context& ctx, const TaskFacts& t, int64_t now_ms, bool disabled, Plan& plan,
                   const TaskGraph* recreated = nullptr) {
  const TaskView v = t.view();
  const std::string who = v.Describe(t.task_id);
  RefuseUnlessAllowed(ctx, v, who, disabled, plan);
  const bool past_deadline = v.PastDeadline(now_ms);
  if (!v.retriggerable() && t.dependents_loaded) CheckConsumers(t, who, past_deadline, recreated, plan);
  if (past_deadline && !v.retriggerable()) WarnDeadlineExceeded(ctx, t, who, plan);
}

void PlanCopies(const Context& ctx, const TaskFacts& t, int64_t now_ms, Plan& plan) {
  const TaskView v = t.view();
  if (v.PastDeadline(now_ms)) {
    plan.notes.push_back(fmt::format(
        "{} passed its deadline {}; the copies get fresh timestamps and the original stays in its state",
        v.Describe(t.task_id), v.deadline()));
  }
  const int64_t times = GetInt(ctx.input, "times").value_or(1);
  for (int64_t i = 0; i < times; ++i) {
    CloneOptions opts;
    opts.task_group_id = ctx.task_group_id;
    opts.parent = ctx.action_task_id;
    opts.now_ms = now_ms;
    // No dependency among the tasks this action creates: each copy waits for
    // the action task, so nothing runs unless the whole set was created.
    opts.extra_dependencies.push_back(ctx.action_task_id);
    PlanCopy(plan, DerivedSlugid(ctx.action_task_id, static_cast<uint64_t>(plan.ops.size())), t.task_id, v.label(),
             t.definition, opts);
  }
}

}  // namespace

FactRequest RetriggerNeedsFor(const Context& ctx, const Facts& known, int64_t now_ms, bool disabled) {
  FactRequest r;
  const TaskFacts& t = known.Target(ctx);
  const TaskView v = t.view();
  if (ForcedRelease(ctx, v, disabled)) {
    r.dependents_of.push_back(t.task_id);  // a leaf? who keeps waiting on the original?
    if (v.PastDeadline(now_ms)) r.dependency_groups_of.push_back(t.task_id);
  }
  if (!r.Missing(known).empty()) return r;
  if (ctx.Flag("downstream")) {
    Plan checked;
    Preconditions(ctx, t, now_ms, disabled, checked);  // a refusal costs no graph fetch
    r.task_graph = true;
  }
  return r;
}

Plan PlanRetriggerFor(const Context& ctx, const Facts& facts, int64_t now_ms, bool disabled) {
  Plan plan;
  const TaskFacts& t = facts.Target(ctx);
  Preconditions(ctx, t, now_ms, disabled, plan, ctx.Flag("downstream") ? facts.task_graph.get() : nullptr);
  if (ctx.Flag("downstream")) {
    if (!facts.task_graph) throw std::logic_error("retrigger with downstream needs the task graph");
    PlanDownstreamCopies(plan, ctx, *facts.task_graph, t.task_id, GetInt(ctx.input, "times").value_or(1), now_ms,
                         disabled && ctx.Flag("force"));
    return plan;
  }
  PlanCopies(ctx, t, now_ms, plan);
  return plan;
}

FactRequest RetriggerNeeds(const Context& ctx, const Facts& known, int64_t now_ms) {
  return RetriggerNeedsFor(ctx, known, now_ms, false);
}

Plan PlanRetrigger(const Context& ctx, const Facts& facts, int64_t now_ms) {
  return PlanRetriggerFor(ctx, facts, now_ms, false);
}

}  // namespace tc

// retrigger: new copies of a retriggerable task ("intermittent tests in
// treeherder"), `times` times. Retriggerable: attributes.retrigger of the
// task's label in the push's full graph (as taskgraph reads it), or
// tags.retrigger == "true" (Gecko's transforms set both). When the label is in
// the full graph, each copy is made as taskgraph makes it (create_tasks.h:
// from the graph entry, dependencies on the tasks the push has for them, the
// action task and the decision); otherwise a copy of the definition with its
// timestamps shifted to now, depending on the action task. With `downstream`,
// the label's dependents in the full graph that have tasks in the push are
// re-created too, on the new copies. retrigger-disabled
// (retrigger_disabled.cc) is the same for tasks that are not retriggerable
// (release tasks): refused unless force; a deadline-exceeded one only when it
// is a leaf; a downstream retrigger that would re-create release
// (Chain-of-Trust) tasks forks the release graph: refused unless
// retrigger-disabled with force. Decision, action and cron tasks (tags.kind
// decision-task / action-callback / cron-task) are refused: retrigger-decision
// copies those.
#include "actions/retrigger.h"

#include "actions/actions.h"

#include <fmt/format.h>

#include <algorithm>

#include "actions/clone.h"
#include "actions/cot.h"
#include "actions/create_tasks.h"
#include "actions/policy.h"
#include "core/error.h"

namespace tc {

namespace {

// The label of the target in the push's full graph ("" when it is not there).
std::string GraphLabel(const TaskFacts& t, const Facts& facts) {
  if (!facts.push) return "";
  const TaskView v = t.view();
  const JsonValue* md = Member(t.definition, "metadata");
  for (const std::string& l : {v.label(), md ? GetString(*md, "name").value_or("") : std::string()})
    if (!l.empty() && facts.push->full_graph->Find(l)) return l;
  return "";
}

// attributes.retrigger of its label in the full graph, or tags.retrigger == "true".
bool Retriggerable(const TaskFacts& t, const Facts& facts) {
  const std::string label = GraphLabel(t, facts);
  return t.view().retriggerable() || (!label.empty() && facts.push->full_graph->Find(label)->retrigger);
}

// The force-copy of a task that is not retriggerable (a release task).
bool ForcedRelease(const Context& ctx, bool retriggerable, bool disabled) {
  return disabled && !retriggerable && ctx.Flag("force");
}

void RefuseUnlessAllowed(const Context& ctx, bool retriggerable, const std::string& who, bool disabled, Plan& plan) {
  if (retriggerable) return;
  if (!disabled) {
    throw Refused(fmt::format(
        "retrigger of {} refused: the task is not retriggerable (neither attributes.retrigger of its label in the "
        "push's full graph nor tags.retrigger is true), as release tasks are not; use retrigger-disabled with force: "
        "true to copy it anyway",
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
// force; a downstream retrigger re-creates them, on the copy).
void CheckConsumers(const Context& ctx, const TaskFacts& t, const std::string& who, bool past_deadline, Plan& plan) {
  auto consumers = ConsumersOf(t.task_id, t.dependents);
  if (consumers.empty() || (ctx.Flag("downstream") && !past_deadline)) return;
  if (past_deadline) {
    throw Refused(fmt::format(
        "retrigger-disabled of deadline-exceeded task {} refused: it is not a leaf; these tasks consume its "
        "artifacts and would keep pointing at the failed original: {}. Only leaf release tasks are retriggered past "
        "their deadline; for the rest, a build 2 or advanced relpro is needed",
        who, DescribeConsumers(consumers)));
  }
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

// The checks of the target: retriggerable or forced; a deadline-exceeded
// release task must be a leaf. Throws Refused, or adds warnings to plan.
void Preconditions(const Context& ctx, const TaskFacts& t, const Facts& facts, int64_t now_ms, bool disabled, Plan& plan) {
  const TaskView v = t.view();
  const std::string who = v.Describe(t.task_id);
  // Decision, action and cron tasks are retrigger-decision's (its own
  // permission: they run with the push's powerful scopes); taskgraph refuses
  // them too (their labels are not in the full graph).
  const std::string kind = v.kind();
  if ((kind == "decision-task" || kind == "action-callback" || kind == "cron-task") && GraphLabel(t, facts).empty()) {
    throw Refused(fmt::format("{} of {} refused: it is a {} task; decision, action and cron tasks are retriggered by "
                              "retrigger-decision, which needs the permission retrigger-decision",
                              ctx.action, who, kind));
  }
  const bool retriggerable = Retriggerable(t, facts);
  RefuseUnlessAllowed(ctx, retriggerable, who, disabled, plan);
  const bool past_deadline = v.PastDeadline(now_ms);
  if (!retriggerable && t.dependents_loaded) CheckConsumers(ctx, t, who, past_deadline, plan);
  if (past_deadline && !retriggerable) WarnDeadlineExceeded(ctx, t, who, plan);
}

// The labels a retrigger of `label` creates: the label, and with downstream
// its dependents in the full graph that have tasks in the push.
std::vector<std::string> ToRun(const Context& ctx, const Push& push, const std::string& label) {
  std::vector<std::string> to_run = {label};
  if (!ctx.Flag("downstream")) return to_run;
  for (std::string_view l : push.full_graph->DownstreamClosure(label))
    if (l != label && push.Current(std::string(l))) to_run.emplace_back(l);
  return to_run;
}

// Copies of the definition (a task the full graph does not have).
void PlanDefinitionCopies(const Context& ctx, const TaskFacts& t, int64_t now_ms, Plan& plan) {
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
    // Each copy waits for the action task: nothing runs unless the whole set was created.
    opts.extra_dependencies.push_back(ctx.action_task_id);
    PlanCopy(plan, CopyTaskId(ctx.action_task_id, v.label(), std::to_string(i)), t.task_id, v.label(), t.definition,
             opts);
  }
}

// Release (Chain-of-Trust) tasks among the created ones fork the release graph.
void CheckReleaseFork(const Context& ctx, const std::string& who, bool allow_release, Plan& plan) {
  std::vector<std::string> release;
  for (const auto& op : plan.ops)  // each label once, whatever the number of copies
    if (op.kind == OpKind::kCreate && IsCotRelevant(op.definition) &&
        std::find(release.begin(), release.end(), op.label) == release.end())
      release.push_back(op.label);
  if (release.empty()) return;
  std::string list = fmt::format("{}", fmt::join(release.begin(), release.begin() + std::min<size_t>(release.size(), 10), ", "));
  if (release.size() > 10) list += fmt::format(" and {} more", release.size() - 10);
  if (!allow_release) {
    throw Refused(fmt::format(
        "{} of {} with downstream refused: it would re-create {} release (Chain-of-Trust) task(s) and fork the release "
        "graph: {}; use retrigger-disabled with downstream and force: true if that is really wanted",
        ctx.action, who, release.size(), list));
  }
  WarnList(plan, fmt::format("forking the release graph (force): {} release (Chain-of-Trust) task(s) re-created: ",
                             release.size()),
           release, "");
}

}  // namespace

FactRequest RetriggerNeedsFor(const Context& ctx, const Facts& known, int64_t now_ms, bool disabled) {
  FactRequest r;
  const TaskFacts& t = known.Target(ctx);
  r.push = true;
  r.push_optional = !ctx.Flag("downstream");  // without the full graph: a copy of the definition
  if (!r.Missing(known).empty()) return r;
  const bool retriggerable = Retriggerable(t, known);
  if (ForcedRelease(ctx, retriggerable, disabled)) {
    r.dependents_of.push_back(t.task_id);  // a leaf? who keeps waiting on the original?
    if (t.view().PastDeadline(now_ms)) r.dependency_groups_of.push_back(t.task_id);
  }
  if (!r.Missing(known).empty()) return r;
  Plan checked;
  Preconditions(ctx, t, known, now_ms, disabled, checked);  // a refusal costs no index lookup
  const std::string label = GraphLabel(t, known);
  if (ctx.Flag("downstream") && label.empty()) {
    throw Refused(fmt::format("retrigger with downstream of {} refused: its label is not in the push's "
                              "full-task-graph.json (decision task {}); retrigger it without downstream",
                              t.view().Describe(t.task_id), known.push ? known.push->decision_task_id : "?"));
  }
  if (!label.empty()) r.index_paths = IndexPathsFor(*known.push, ToRun(ctx, *known.push, label), "ACTION_TASK_ID");
  return r;
}

Plan PlanRetriggerFor(const Context& ctx, const Facts& facts, int64_t now_ms, bool disabled) {
  Plan plan;
  const TaskFacts& t = facts.Target(ctx);
  Preconditions(ctx, t, facts, now_ms, disabled, plan);
  const std::string label = GraphLabel(t, facts);
  if (label.empty() && ctx.Flag("downstream")) {
    // needs refuses this or requires the push: planned without it is a bug, not a copy without its downstream
    throw std::logic_error("retrigger with downstream planned without the target's label in the push's full graph");
  }
  if (label.empty()) {
    if (!facts.push_note.empty()) plan.notes.push_back(facts.push_note);
    PlanDefinitionCopies(ctx, t, now_ms, plan);
    return plan;
  }
  const std::vector<std::string> to_run = ToRun(ctx, *facts.push, label);
  const int64_t times = GetInt(ctx.input, "times").value_or(1);
  for (int64_t i = 0; i < times; ++i) PlanCreateTasks(plan, ctx, facts, {to_run, std::to_string(i)}, now_ms);
  if (ctx.Flag("downstream")) {
    CheckReleaseFork(ctx, t.view().Describe(t.task_id), disabled && ctx.Flag("force"), plan);
    plan.notes.push_back(fmt::format("retrigger with downstream: {} task(s) re-created {} time(s) from {}",
                                     to_run.size(), times, label));
  }
  return plan;
}

FactRequest RetriggerNeeds(const Context& ctx, const Facts& known, int64_t now_ms) {
  return RetriggerNeedsFor(ctx, known, now_ms, false);
}

Plan PlanRetrigger(const Context& ctx, const Facts& facts, int64_t now_ms) {
  return PlanRetriggerFor(ctx, facts, now_ms, false);
}

}  // namespace tc

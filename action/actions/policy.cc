#include "actions/policy.h"

#include <fmt/format.h>

#include "actions/clone.h"
#include "actions/cot.h"
#include "actions/graph_actions.h"
#include "core/error.h"
#include "core/schema.h"
#include "core/slugid.h"
#include "core/timestamp.h"

namespace tc {

namespace {

std::string State(const JsonValue& status) { return GetString(status, "state").value_or("unknown"); }

bool PastDeadline(const JsonValue& status, int64_t now_ms, std::string* deadline_out) {
  auto d = GetString(status, "deadline");
  if (!d) return false;
  if (deadline_out) *deadline_out = *d;
  auto t = ParseTimestamp(*d);
  return t && t->ms <= now_ms;
}

std::string Describe(const std::string& task_id, const std::string& label) {
  return label.empty() ? task_id : fmt::format("{} ({})", task_id, label);
}

bool InputBool(const Context& ctx, const char* name) { return GetBool(ctx.input, name).value_or(false); }

}  // namespace

bool IsRetriggerable(const JsonValue& def) {
  const JsonValue* tags = Member(def, "tags");
  return tags && GetString(*tags, "retrigger") == std::string("true");
}

bool IsResolvedState(const std::string& s) { return s == "completed" || s == "failed" || s == "exception"; }

void CheckTaskGroup(const Context& ctx, const TaskFacts& facts) {
  auto group = GetString(facts.definition, "taskGroupId").value_or("");
  if (group != ctx.task_group_id) {
    throw BadInput(fmt::format(
        "ACTION_TASK_ID: task {} belongs to task group {}, not to ACTION_TASK_GROUP_ID {}; expected a task of the "
        "action's own graph",
        facts.task_id, group, ctx.task_group_id));
  }
}

bool NeedsDependents(const Context& ctx, const JsonValue& definition, const JsonValue& status, int64_t now_ms) {
  if (ctx.action == "rerun") return State(status) == "completed" && InputBool(ctx, "force");
  if (ctx.action == "rerun-dependents") return true;
  // retrigger-disabled of a release task: is it a leaf? (deadline-exceeded
  // scenario) and who keeps waiting on the original?
  if (ctx.action == "retrigger-disabled") return !IsRetriggerable(definition) && InputBool(ctx, "force");
  return false;
}

bool NeedsDependencyGroups(const Context& ctx, const JsonValue& definition, const JsonValue& status, int64_t now_ms) {
  return ctx.action == "retrigger-disabled" && !IsRetriggerable(definition) && InputBool(ctx, "force") &&
         PastDeadline(status, now_ms, nullptr);
}

Plan PlanRerun(const Context& ctx, const TaskFacts& facts, int64_t now_ms) {
  Plan plan;
  const std::string state = State(facts.status);
  const std::string label = TaskLabel(facts.definition);
  const std::string who = Describe(facts.task_id, label);
  const bool force = InputBool(ctx, "force");
  Operation op;
  op.kind = OpKind::kRerun;
  op.task_id = facts.task_id;
  op.label = label;

  if (state == "pending" || state == "running") {
    op.status = OpStatus::kSkipped;
    op.detail = fmt::format("task is {}; nothing to do", state);
    plan.notes.push_back(fmt::format("{} is {}: it will run without a rerun; nothing to do", who, state));
    plan.ops.push_back(std::move(op));
    return plan;
  }
  std::string deadline;
  if (PastDeadline(facts.status, now_ms, &deadline)) {
    throw Refused(fmt::format(
        "rerun of {} refused: its deadline {} has passed and the queue no longer reruns it; for a leaf task, use "
        "retrigger-disabled with force: true to create a fresh copy",
        who, deadline));
  }
  if (state == "completed") {
    if (!force) {
      throw Refused(fmt::format(
          "rerun of {} refused: the task completed successfully; rerunning replaces its artifacts and breaks Chain "
          "of Trust for tasks that consumed them; set force: true to rerun anyway, or retrigger it instead",
          who));
    }
    auto consumers = ConsumersOf(facts.task_id, facts.dependents);
    std::vector<Consumer> verified;  // CoT-relevant consumers that already ran: their checks are done
    for (const auto& c : consumers)
      if (c.cot_relevant && c.ran) verified.push_back(c);
    if (!verified.empty() && !InputBool(ctx, "acknowledge_cot_break")) {
      throw Refused(fmt::format(
          "rerun with force of completed task {} refused: it would replace artifacts whose hashes these release "
          "(Chain-of-Trust) tasks already verified and used: {}; their Chain of Trust would no longer verify (a "
          "release may need a build 2). Set acknowledge_cot_break: true with force: true to rerun anyway, or use "
          "retrigger-disabled with force: true to get a fresh copy under a new taskId",
          who, DescribeConsumers(verified)));
    }
    if (consumers.empty()) {
      plan.warnings.push_back(fmt::format(
          "rerun with force of completed task {}: its artifacts will be replaced; no downstream task consumes them",
          who));
    } else {
      plan.warnings.push_back(fmt::format(
          "Chain of Trust: rerun with force of completed task {} replaces artifacts that these downstream tasks "
          "consume; their verification will no longer match: {}",
          who, DescribeConsumers(consumers)));
    }
  } else if (state == "unscheduled") {
    if (!force) {
      throw Refused(fmt::format(
          "rerun of {} refused: the task is unscheduled (waiting for its dependencies); a rerun would start it "
          "without them; set force: true to start it anyway",
          who));
    }
    plan.warnings.push_back(fmt::format("rerun with force of unscheduled task {}: it starts now, without waiting for "
                                        "its dependencies",
                                        who));
  } else if (state != "failed" && state != "exception") {
    throw Refused(fmt::format("rerun of {} refused: unexpected task state \"{}\"", who, state));
  }
  plan.ops.push_back(std::move(op));
  return plan;
}

void RetriggerPreconditions(const Context& ctx, const TaskFacts& facts, int64_t now_ms, Plan& plan) {
  const std::string label = TaskLabel(facts.definition);
  const std::string who = Describe(facts.task_id, label);
  const bool disabled = ctx.action == "retrigger-disabled";
  const bool retriggerable = IsRetriggerable(facts.definition);
  const bool force = InputBool(ctx, "force");
  if (!retriggerable) {
    if (!disabled) {
      throw Refused(fmt::format(
          "retrigger of {} refused: the task is not retriggerable (tags.retrigger is not \"true\"), as release "
          "tasks are not; use retrigger-disabled with force: true to copy it anyway",
          who));
    }
    if (!force) {
      throw Refused(fmt::format(
          "retrigger-disabled of {} refused: the task is not retriggerable (a release task); set force: true to "
          "create a copy anyway (this leaves the original task as it is)",
          who));
    }
    plan.warnings.push_back(fmt::format(
        "{} is not marked retriggerable; creating a copy because force is true. The original task and its graph "
        "stay as they are, and stay Chain-of-Trust verifiable: the copy has a new taskId",
        who));
  }
  std::string deadline;
  const bool past_deadline = PastDeadline(facts.status, now_ms, &deadline);
  if (!retriggerable && facts.dependents_loaded) {
    // A release task copied by force: who still depends on the original's artifacts?
    auto consumers = ConsumersOf(facts.task_id, facts.dependents);
    if (past_deadline && !consumers.empty()) {
      throw Refused(fmt::format(
          "retrigger-disabled of deadline-exceeded task {} refused: it is not a leaf; these tasks consume its "
          "artifacts and would keep pointing at the failed original: {}. Only leaf release tasks are retriggered "
          "past their deadline; for the rest, a build 2 or advanced relpro is needed",
          who, DescribeConsumers(consumers)));
    }
    if (!consumers.empty()) {
      plan.warnings.push_back(fmt::format(
          "{} has consumers that keep waiting on the original, not on the copy: {}; to unblock a release graph, "
          "rerun the original instead",
          who, DescribeConsumers(consumers)));
    }
  }
  if (past_deadline && !retriggerable) {
    std::vector<std::string> foreign;
    for (const auto& [dep, group] : facts.dependency_groups)
      if (group != ctx.task_group_id) foreign.push_back(dep + " (group " + group + ")");
    if (!foreign.empty()) {
      std::string list;
      for (const auto& f : foreign) list += (list.empty() ? "" : ", ") + f;
      plan.warnings.push_back(fmt::format(
          "{} depends on tasks outside its task group (an earlier release phase): {}; the copy depends on those "
          "same tasks and does not re-create them, so it will not see newer artifacts from them",
          who, list));
    }
    plan.warnings.push_back(fmt::format(
        "the deadline-exceeded original {} stays failed, so its graph stays in a failed/exception state", who));
  }
}

Plan PlanRetrigger(const Context& ctx, const TaskFacts& facts, int64_t now_ms, const TaskGraph* graph) {
  Plan plan;
  RetriggerPreconditions(ctx, facts, now_ms, plan);
  const std::string label = TaskLabel(facts.definition);
  const std::string who = Describe(facts.task_id, label);
  const bool disabled = ctx.action == "retrigger-disabled";
  const bool force = InputBool(ctx, "force");
  const int64_t times = GetInt(ctx.input, "times").value_or(1);
  std::string deadline;
  const bool past_deadline = PastDeadline(facts.status, now_ms, &deadline);
  if (InputBool(ctx, "downstream")) {
    if (!graph) throw std::logic_error("retrigger with downstream needs the task graph");
    PlanDownstreamCopies(plan, ctx, *graph, facts.task_id, times, now_ms, disabled && force);
    return plan;
  }
  if (past_deadline) {
    plan.notes.push_back(fmt::format("{} passed its deadline {}; the copies get fresh timestamps and the original "
                                     "stays in its state",
                                     who, deadline));
  }
  for (int64_t i = 0; i < times; ++i) {
    CloneOptions opts;
    opts.task_group_id = ctx.task_group_id;
    opts.parent = ctx.action_task_id;
    opts.now_ms = now_ms;
    // No dependency among the tasks this action creates: each copy waits for
    // the action task, so nothing runs unless the whole set was created.
    opts.extra_dependencies.push_back(ctx.action_task_id);
    Operation op;
    op.kind = OpKind::kCreate;
    op.task_id = DerivedSlugid(ctx.action_task_id, static_cast<uint64_t>(plan.ops.size()));
    op.of = facts.task_id;
    op.label = label;
    op.definition = CloneTask(facts.definition, opts);
    ValidateCopy(op.definition, "copy of " + facts.task_id);
    RecordCreated(plan, op.task_id, label, nullptr, op.definition, nullptr, true);
    plan.ops.push_back(std::move(op));
  }
  return plan;
}

Plan PlanRetriggerDecision(const Context& ctx, const TaskFacts& facts, int64_t now_ms) {
  Plan plan;
  const std::string label = TaskLabel(facts.definition);
  const std::string who = Describe(facts.task_id, label);
  const JsonValue* tags = Member(facts.definition, "tags");
  const std::string kind = tags ? GetString(*tags, "kind").value_or("") : "";
  if (kind != "decision-task" && kind != "cron-task" && kind != "action-callback") {
    throw Refused(fmt::format("retrigger-decision of {} refused: only decision, cron and action tasks (tags.kind "
                              "decision-task, cron-task or action-callback) are retriggered this way; got kind \"{}\"; "
                              "use retrigger",
                              who, kind));
  }
  // As taskgraph's retrigger-decision: the same definition, timestamps made
  // relative to its creation and re-anchored at now, a new taskId, the task
  // group kept. No dependency on the action task: it is one task.
  CloneOptions opts;
  opts.task_group_id = GetString(facts.definition, "taskGroupId").value_or(ctx.task_group_id);
  opts.parent = ctx.action_task_id;
  opts.now_ms = now_ms;
  Operation op;
  op.kind = OpKind::kCreate;
  op.task_id = DerivedSlugid(ctx.action_task_id, 0);
  op.of = facts.task_id;
  op.label = label;
  op.definition = CloneTask(facts.definition, opts);
  ValidateCopy(op.definition, "copy of " + facts.task_id);
  plan.warnings.push_back(fmt::format(
      "retrigger-decision: the copy of {} runs with the original's scopes; its own actions and tasks appear in "
      "task group {}",
      who, opts.task_group_id));
  RecordCreated(plan, op.task_id, label, nullptr, op.definition, nullptr, true);
  plan.ops.push_back(std::move(op));
  return plan;
}

namespace {

std::vector<std::string> DependencyIds(const JsonValue& def) {
  std::vector<std::string> out;
  if (const JsonValue* deps = Member(def, "dependencies"); deps && deps->IsArray())
    for (const auto& d : deps->GetArray())
      if (d.IsString()) out.push_back(d.GetString());
  return out;
}

// The last run was canceled at or after `since_ms`.
bool CanceledSince(const JsonValue& status, int64_t since_ms) {
  const JsonValue* runs = Member(status, "runs");
  if (!runs || !runs->IsArray() || runs->Empty()) return false;
  const JsonValue& last = (*runs)[runs->Size() - 1];
  if (GetString(last, "reasonResolved") != std::string("canceled")) return false;
  auto resolved = GetString(last, "resolved");
  auto t = resolved ? ParseTimestamp(*resolved) : std::nullopt;
  return t && t->ms >= since_ms;
}

}  // namespace

std::vector<std::string> RerunDependentsDependencyIds(const TaskFacts& x) {
  std::vector<std::string> out;
  for (const auto& d : x.dependents) {
    const JsonValue* task = Member(d, "task");
    if (!task) continue;
    for (const auto& dep : DependencyIds(*task))
      if (dep != x.task_id && std::find(out.begin(), out.end(), dep) == out.end()) out.push_back(dep);
  }
  return out;
}

Plan PlanRerunDependents(const Context& ctx, const TaskFacts& x, const std::map<std::string, std::string>& dep_states,
                         int64_t action_created_ms, int64_t now_ms) {
  Plan plan;
  const std::string label = TaskLabel(x.definition);
  const std::string who = Describe(x.task_id, label);
  const std::string state = State(x.status);
  if (state != "failed" && state != "exception") {
    throw Refused(fmt::format("rerun-dependents of {} refused: the task is {}, not failed or exception; its "
                              "dependents run (or wait) on their own",
                              who, state));
  }
  std::vector<std::string> refusals;
  for (const auto& d : x.dependents) {
    const JsonValue* task = Member(d, "task");
    const JsonValue* status = Member(d, "status");
    if (!task || !status) continue;
    const std::string id = GetString(*status, "taskId").value_or("?");
    const std::string dlabel = TaskLabel(*task);
    const std::string dstate = State(*status);
    const std::string dwho = Describe(id, dlabel);
    Operation cancel;
    cancel.kind = OpKind::kCancel;
    cancel.task_id = id;
    cancel.label = dlabel;
    const bool resumed = dstate == "exception" && CanceledSince(*status, action_created_ms);
    if (dstate != "unscheduled" && !resumed) {
      cancel.status = OpStatus::kSkipped;
      cancel.detail = fmt::format("not waiting: the task is {}", dstate);
      plan.ops.push_back(std::move(cancel));
      continue;
    }
    // Check 1: every other dependency completed.
    std::vector<std::string> bad, good;
    for (const auto& dep : DependencyIds(*task)) {
      if (dep == x.task_id) continue;
      auto it = dep_states.find(dep);
      std::string s = it == dep_states.end() ? "unknown" : it->second;
      (s == "completed" ? good : bad).push_back(dep + " " + s);
    }
    // Check 2: it does not consume X's artifacts.
    const JsonValue* payload = Member(*task, "payload");
    const bool consumes = payload && MentionsTaskId(*payload, x.task_id);
    std::string refusal;
    if (!bad.empty()) {
      std::string list;
      for (const auto& b : bad) list += (list.empty() ? "" : ", ") + b;
      refusal = "other dependencies not completed: " + list;
    } else if (consumes) {
      refusal = "it consumes " + x.task_id + "'s artifacts (its payload names it); it cannot run without them";
    }
    if (!refusal.empty()) {
      cancel.status = OpStatus::kSkipped;
      cancel.detail = "refused: " + refusal;
      refusals.push_back(dwho + ": " + refusal);
      plan.ops.push_back(std::move(cancel));
      continue;
    }
    std::string checked = fmt::format("checked: {} other dependenc{} completed; does not consume {}'s artifacts",
                                      good.size(), good.size() == 1 ? "y" : "ies", x.task_id);
    Operation rerun;
    rerun.kind = OpKind::kRerun;
    rerun.task_id = id;
    rerun.label = dlabel;
    rerun.detail = "runs without " + x.task_id;
    if (resumed) {
      cancel.status = OpStatus::kDone;
      cancel.detail = checked + "; already canceled by an earlier run of this action task";
    } else {
      cancel.detail = checked;
    }
    plan.ops.push_back(std::move(cancel));
    rerun.after.push_back(plan.ops.size() - 1);
    plan.ops.push_back(std::move(rerun));
  }
  const bool any = std::any_of(plan.ops.begin(), plan.ops.end(),
                               [](const Operation& op) { return op.kind == OpKind::kRerun; });
  if (!any) {
    std::string why;
    for (const auto& r : refusals) why += (why.empty() ? "" : "; ") + r;
    throw Refused(fmt::format("rerun-dependents of {} refused: no waiting dependent can run without it{}{}", who,
                              why.empty() ? "" : ": ", why));
  }
  plan.warnings.push_back(fmt::format(
      "{} stays {}; the dependents above run without it (check that the failure is expected and that nothing "
      "downstream needs its output)",
      who, state));
  return plan;
}

Plan PlanCancel(const Context& ctx, const TaskFacts& facts, int64_t now_ms) {
  Plan plan;
  Operation op;
  op.kind = OpKind::kCancel;
  op.task_id = facts.task_id;
  op.label = TaskLabel(facts.definition);
  const std::string state = State(facts.status);
  std::string deadline;
  if (IsResolvedState(state)) {
    op.status = OpStatus::kSkipped;
    op.detail = fmt::format("already resolved ({}); nothing to do", state);
  } else if (PastDeadline(facts.status, now_ms, &deadline)) {
    op.status = OpStatus::kSkipped;
    op.detail = fmt::format("past its deadline {}; the queue resolves it as deadline-exceeded", deadline);
  }
  plan.ops.push_back(std::move(op));
  return plan;
}

Plan PlanCancelAll(const Context& ctx, const std::vector<Json>& group_tasks, int64_t now_ms) {
  Plan plan;
  for (const auto& entry : group_tasks) {
    const JsonValue* status = Member(entry, "status");
    const JsonValue* task = Member(entry, "task");
    if (!status) continue;
    auto id = GetString(*status, "taskId");
    if (!id || *id == ctx.action_task_id) continue;
    const std::string state = State(*status);
    if (state != "unscheduled" && state != "pending" && state != "running") continue;
    Operation op;
    op.kind = OpKind::kCancel;
    op.task_id = *id;
    if (task) op.label = TaskLabel(*task);
    std::string deadline;
    if (PastDeadline(*status, now_ms, &deadline)) {
      op.status = OpStatus::kSkipped;
      op.detail = fmt::format("past its deadline {}; the queue resolves it as deadline-exceeded", deadline);
    }
    plan.ops.push_back(std::move(op));
  }
  if (plan.ops.empty()) plan.notes.push_back("no unscheduled, pending or running task in the group; nothing to do");
  return plan;
}

}  // namespace tc

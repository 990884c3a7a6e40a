#include "policy.h"

#include <fmt/format.h>

#include "clone.h"
#include "graph_actions.h"
#include "error.h"
#include "schema.h"
#include "slugid.h"
#include "timestamp.h"

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

bool MentionsTaskId(const JsonValue& v, const std::string& task_id) {
  if (v.IsString()) {
    return std::string_view(v.GetString(), v.GetStringLength()).find(task_id) != std::string_view::npos;
  }
  if (v.IsArray()) {
    for (const auto& e : v.GetArray())
      if (MentionsTaskId(e, task_id)) return true;
  } else if (v.IsObject()) {
    for (const auto& m : v.GetObject())
      if (MentionsTaskId(m.value, task_id)) return true;
  }
  return false;
}

std::vector<std::string> Consumers(const TaskFacts& facts) {
  std::vector<std::string> out;
  for (const auto& d : facts.dependents) {
    const JsonValue* task = Member(d, "task");
    const JsonValue* status = Member(d, "status");
    if (!task || !status) continue;
    const JsonValue* payload = Member(*task, "payload");
    if (payload && MentionsTaskId(*payload, facts.task_id)) {
      out.push_back(Describe(GetString(*status, "taskId").value_or("?"), TaskLabel(*task)));
    }
  }
  return out;
}

void CheckTaskGroup(const Context& ctx, const TaskFacts& facts) {
  auto group = GetString(facts.definition, "taskGroupId").value_or("");
  if (group != ctx.task_group_id) {
    throw BadInput(fmt::format(
        "ACTION_TASK_ID: task {} belongs to task group {}, not to ACTION_TASK_GROUP_ID {}; expected a task of the "
        "action's own graph",
        facts.task_id, group, ctx.task_group_id));
  }
}

bool NeedsDependents(const Context& ctx, const JsonValue& status) {
  return ctx.action == "rerun" && State(status) == "completed" && InputBool(ctx, "force");
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
    auto consumers = Consumers(facts);
    if (consumers.empty()) {
      plan.warnings.push_back(fmt::format(
          "rerun with force of completed task {}: its artifacts will be replaced; no downstream task consumes them",
          who));
    } else {
      std::string list;
      for (const auto& c : consumers) list += (list.empty() ? "" : ", ") + c;
      plan.warnings.push_back(fmt::format(
          "Chain of Trust: rerun with force of completed task {} replaces artifacts that these downstream tasks "
          "consume; their verification will no longer match: {}",
          who, list));
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

Plan PlanRetrigger(const Context& ctx, const TaskFacts& facts, int64_t now_ms, const TaskGraph* graph) {
  Plan plan;
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
  const int64_t times = GetInt(ctx.input, "times").value_or(1);
  if (InputBool(ctx, "downstream")) {
    if (!graph) throw std::logic_error("retrigger with downstream needs the task graph");
    PlanDownstreamCopies(plan, ctx, *graph, facts.task_id, times, now_ms);
    return plan;
  }
  std::string deadline;
  if (PastDeadline(facts.status, now_ms, &deadline)) {
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
    if (auto v = ValidateSchema("taskcluster/queue/v1/create-task-request.json", op.definition)) {
      throw BadInput(FormatViolation("copy of " + facts.task_id, *v) +
                     " (the copy does not validate against Taskcluster's create-task-request schema)");
    }
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
  if (auto v = ValidateSchema("taskcluster/queue/v1/create-task-request.json", op.definition)) {
    throw BadInput(FormatViolation("copy of " + facts.task_id, *v) +
                   " (the copy does not validate against Taskcluster's create-task-request schema)");
  }
  plan.warnings.push_back(fmt::format(
      "retrigger-decision: the copy of {} runs with the original's scopes; its own actions and tasks appear in "
      "task group {}",
      who, opts.task_group_id));
  RecordCreated(plan, op.task_id, label, nullptr, op.definition, nullptr, true);
  plan.ops.push_back(std::move(op));
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

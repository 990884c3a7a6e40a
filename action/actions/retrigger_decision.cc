// retrigger-decision: a copy of a decision, cron or action task (tags.kind
// decision-task, cron-task or action-callback) with a new taskId and its
// timestamps shifted to now, in the original's task group, as taskgraph does.
// No dependency on the action task: it is one task.
#include <fmt/format.h>

#include "actions/clone.h"
#include "actions/registry.h"
#include "core/error.h"
#include "core/slugid.h"

namespace tc {

namespace {

Plan PlanRetriggerDecision(const Context& ctx, const Facts& facts, int64_t now_ms) {
  Plan plan;
  const TaskFacts& t = facts.Target(ctx);
  const TaskView v = t.view();
  const std::string who = v.Describe(t.task_id);
  const std::string kind = v.kind();
  if (kind != "decision-task" && kind != "cron-task" && kind != "action-callback") {
    throw Refused(fmt::format("retrigger-decision of {} refused: only decision, cron and action tasks (tags.kind "
                              "decision-task, cron-task or action-callback) are retriggered this way; got kind \"{}\"; "
                              "use retrigger",
                              who, kind));
  }
  CloneOptions opts;
  opts.task_group_id = v.task_group_id().empty() ? ctx.task_group_id : v.task_group_id();
  opts.parent = ctx.action_task_id;
  opts.now_ms = now_ms;
  Operation op;
  op.kind = OpKind::kCreate;
  op.task_id = DerivedSlugid(ctx.action_task_id, 0);
  op.of = t.task_id;
  op.label = v.label();
  op.definition = CloneTask(t.definition, opts);
  ValidateCopy(op.definition, "copy of " + t.task_id);
  plan.warnings.push_back(fmt::format(
      "retrigger-decision: the copy of {} runs with the original's scopes; its own actions and tasks appear in task "
      "group {}",
      who, opts.task_group_id));
  RecordCreated(plan, op.task_id, op.label, nullptr, op.definition, nullptr, true);
  plan.ops.push_back(std::move(op));
  return plan;
}

}  // namespace

extern const ActionSpec kRetriggerDecisionAction;
const ActionSpec kRetriggerDecisionAction = {
    "retrigger",
    "retrigger-decision",
    "Retrigger",
    "rt",
    "Create a clone of the task (retriggering decision, action, and cron tasks requires\nspecial scopes).",
    11,
    "retrigger-decision",
    ActionKind::kTask,
    R"([{"kind": "decision-task"}, {"kind": "action-callback"}, {"kind": "cron-task"}])",
    "inputs/retrigger-decision.json",
    nullptr,
    PlanRetriggerDecision,
};

}  // namespace tc

// retrigger-decision: a copy of a decision, cron or action task (tags.kind
// decision-task, cron-task or action-callback) with a new taskId and its
// timestamps shifted to now, in the original's task group, as taskgraph does.
// No dependency on the action task: it is one task.
#include <fmt/format.h>

#include "actions/clone.h"
#include "actions/actions.h"
#include "core/error.h"
#include "core/slugid.h"

namespace tc {

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
  PlanCopy(plan, DerivedSlugid(ctx.action_task_id, 0), t.task_id, v.label(), t.definition, opts);
  plan.warnings.push_back(fmt::format(
      "retrigger-decision: the copy of {} runs with the original's scopes; its own actions and tasks appear in task "
      "group {}",
      who, opts.task_group_id));
  return plan;
}

}  // namespace tc

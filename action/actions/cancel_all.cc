// cancel-all: cancels every unscheduled, pending or running task of the
// action's task group except the action task itself (past their deadline:
// skipped). A non-null taskId is ignored, as taskgraph does.
#include <fmt/format.h>

#include "actions/actions.h"

namespace tc {

namespace {

}  // namespace

FactRequest CancelAllNeeds(const Context&, const Facts&, int64_t) {
  FactRequest r;
  r.group_tasks = true;
  return r;
}

Plan PlanCancelAll(const Context& ctx, const Facts& facts, int64_t now_ms) {
  Plan plan;
  for (const auto& entry : facts.group_tasks) {
    const JsonValue* status = Member(entry, "status");
    if (!status) continue;
    const TaskView v(Member(entry, "task"), status);
    auto id = GetString(*status, "taskId");
    if (!id || *id == ctx.action_task_id || !IsLive(v.state())) continue;
    Operation op = NewOp(OpKind::kCancel, *id, v.label());
    if (v.PastDeadline(now_ms)) {
      op.status = OpStatus::kSkipped;
      op.detail = fmt::format("past its deadline {}; the queue resolves it as deadline-exceeded", v.deadline());
    }
    plan.ops.push_back(std::move(op));
  }
  if (plan.ops.empty()) plan.notes.push_back("no unscheduled, pending or running task in the group; nothing to do");
  return plan;
}

}  // namespace tc

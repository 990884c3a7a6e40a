// cancel: cancelTask; a resolved task, or one past its deadline (the queue
// resolves it as deadline-exceeded), is skipped.
#include <fmt/format.h>

#include "actions/actions.h"

namespace tc {

Plan PlanCancel(const Context& ctx, const Facts& facts, int64_t now_ms) {
  Plan plan;
  const TaskFacts& t = facts.Target(ctx);
  const TaskView v = t.view();
  Operation op = NewOp(OpKind::kCancel, t.task_id, v.label());
  if (IsResolved(v.state())) {
    op.status = OpStatus::kSkipped;
    op.detail = fmt::format("already resolved ({}); nothing to do", v.state_name());
  } else if (v.PastDeadline(now_ms)) {
    op.status = OpStatus::kSkipped;
    op.detail = fmt::format("past its deadline {}; the queue resolves it as deadline-exceeded", v.deadline());
  }
  plan.ops.push_back(std::move(op));
  return plan;
}

}  // namespace tc

// rerun: the same taskId gets a new run (shared/seed/rerun-vs-retrigger.txt:
// "broken Pull Request tasks", "broken release tasks").
//
//   failed/exception   rerunTask
//   completed          refused unless force; with force, refused when a
//                      release (Chain-of-Trust) consumer already verified its
//                      artifacts, unless acknowledge_cot_break; warns which
//                      consumers' verification breaks
//   unscheduled        refused unless force (it starts without its dependencies)
//   pending/running    nothing to do
//   past its deadline  refused (the queue no longer reruns it), with advice
#include <fmt/format.h>

#include "actions/cot.h"
#include "actions/policy.h"
#include "actions/actions.h"
#include "core/error.h"

namespace tc {

namespace {

// A forced rerun of a completed task replaces artifacts its consumers use.
void CheckCompletedRerun(const Context& ctx, const TaskFacts& t, const std::string& who, Plan& plan) {
  if (!ctx.Flag("force")) {
    throw Refused(fmt::format(
        "rerun of {} refused: the task completed successfully; rerunning replaces its artifacts and breaks Chain "
        "of Trust for tasks that consumed them; set force: true to rerun anyway, or retrigger it instead",
        who));
  }
  auto consumers = ConsumersOf(t.task_id, t.dependents);
  std::vector<Consumer> verified;  // CoT-relevant consumers that already ran: their checks are done
  for (const auto& c : consumers)
    if (c.cot_relevant && c.ran) verified.push_back(c);
  if (!verified.empty() && !ctx.Flag("acknowledge_cot_break")) {
    throw Refused(fmt::format(
        "rerun with force of completed task {} refused: it would replace artifacts whose hashes these release "
        "(Chain-of-Trust) tasks already verified and used: {}; their Chain of Trust would no longer verify (a "
        "release may need a build 2). Set acknowledge_cot_break: true with force: true to rerun anyway, or use "
        "retrigger-disabled with force: true to get a fresh copy under a new taskId",
        who, DescribeConsumers(verified)));
  }
  if (consumers.empty()) {
    plan.warnings.push_back(fmt::format(
        "rerun with force of completed task {}: its artifacts will be replaced; no downstream task consumes them", who));
  } else {
    WarnList(plan,
             fmt::format("Chain of Trust: rerun with force of completed task {} replaces artifacts that these "
                         "downstream tasks consume; their verification will no longer match: ",
                         who),
             ConsumerNames(consumers), "");
  }
}

}  // namespace

FactRequest RerunNeeds(const Context& ctx, const Facts& known, int64_t) {
  FactRequest r;
  const TaskFacts& t = known.Target(ctx);
  // Who consumes the artifacts a forced rerun replaces?
  if (t.view().state() == TaskState::kCompleted && ctx.Flag("force")) r.dependents_of.push_back(t.task_id);
  return r;
}

Plan PlanRerun(const Context& ctx, const Facts& facts, int64_t now_ms) {
  Plan plan;
  const TaskFacts& t = facts.Target(ctx);
  const TaskView v = t.view();
  const std::string who = v.Describe(t.task_id);
  const TaskState state = v.state();
  Operation op = NewOp(OpKind::kRerun, t.task_id, v.label());
  if (state == TaskState::kPending || state == TaskState::kRunning) {
    op.status = OpStatus::kSkipped;
    op.detail = fmt::format("task is {}; nothing to do", v.state_name());
    plan.notes.push_back(fmt::format("{} is {}: it will run without a rerun; nothing to do", who, v.state_name()));
    plan.ops.push_back(std::move(op));
    return plan;
  }
  if (v.PastDeadline(now_ms)) {
    throw Refused(fmt::format(
        "rerun of {} refused: its deadline {} has passed and the queue no longer reruns it; for a leaf task, use "
        "retrigger-disabled with force: true to create a fresh copy",
        who, v.deadline()));
  }
  if (state == TaskState::kCompleted) {
    CheckCompletedRerun(ctx, t, who, plan);
  } else if (state == TaskState::kUnscheduled) {
    RequireForce(ctx,
                 fmt::format("rerun of {} refused: the task is unscheduled (waiting for its dependencies); a rerun "
                             "would start it without them; set force: true to start it anyway",
                             who),
                 fmt::format("rerun with force of unscheduled task {}: it starts now, without waiting for its "
                             "dependencies",
                             who),
                 plan);
  } else if (!IsFailed(state)) {
    throw Refused(fmt::format("rerun of {} refused: unexpected task state \"{}\"", who, v.state_name()));
  }
  plan.ops.push_back(std::move(op));
  return plan;
}

}  // namespace tc

// rerun-sequence ("notarization poller timeouts: rerun (force)"): rerun tasks
// one after the other, each next one only once the previous one's new run
// completed. Input {tasks: [taskId...], force, acknowledge_cot_break}.
//
// Everything is checked before the first rerun (group membership, states,
// deadlines, Chain of Trust: consumers that the same sequence reruns
// afterwards do not count). The plan is a chain of reruns, each after the
// one before; every rerun but the last waits for its new run to complete
// (Operation::await_completion; the executor polls). A run that does not
// complete stops the sequence: the rest is skipped (exit 3).
//
// Idempotent: a task whose latest run was created by a rerun since the
// action task was created was rerun by an earlier run of this action task;
// a retry resumes by waiting for it instead of rerunning it again
// (Operation::resume_since_ms).
#include <fmt/format.h>

#include <algorithm>

#include "actions/cot.h"
#include "actions/actions.h"
#include "core/error.h"

namespace tc {

namespace {

std::vector<std::string> InputTasks(const Context& ctx) { return StringsOf(Member(ctx.input, "tasks")); }

// Consumers outside the sequence (after position i) that already verified t's artifacts.
void CheckChainOfTrust(const Context& ctx, const std::vector<std::string>& ids, size_t i, const TaskFacts& t,
                       const std::string& who, Plan& plan) {
  std::vector<Consumer> verified;
  for (const auto& c : ConsumersOf(t.task_id, t.dependents)) {
    // consumers that this sequence reruns afterwards re-verify: no breakage
    const bool later = std::find(ids.begin() + static_cast<long>(i) + 1, ids.end(), c.task_id) != ids.end();
    if (!later && c.cot_relevant && c.ran) verified.push_back(c);
  }
  if (verified.empty()) return;
  if (!ctx.Flag("acknowledge_cot_break")) {
    throw Refused(fmt::format(
        "rerun-sequence refused: rerunning completed {} replaces artifacts that these release (Chain-of-Trust) tasks "
        "outside the sequence already verified: {}; add them to the sequence, or set acknowledge_cot_break: true",
        who, DescribeConsumers(verified)));
  }
  WarnList(plan, fmt::format("Chain of Trust: rerunning {} breaks verification for ", who), ConsumerNames(verified), "");
}

void CheckTask(const Context& ctx, const Facts& facts, const std::vector<std::string>& ids, size_t i, int64_t now_ms,
               Plan& plan) {
  const TaskFacts& t = facts.Task(ids[i]);
  const TaskView v = t.view();
  const std::string who = v.Describe(t.task_id);
  if (v.RerunSince(*facts.action_created_ms)) return;  // ours: resume
  if (v.PastDeadline(now_ms)) {
    throw Refused(fmt::format("rerun-sequence refused: {} passed its deadline {}; the queue no longer reruns it", who,
                              v.deadline()));
  }
  const TaskState state = v.state();
  if ((state == TaskState::kCompleted || state == TaskState::kUnscheduled) && !ctx.Flag("force")) {
    throw Refused(fmt::format("rerun-sequence refused: {} is {}; set force: true to rerun it", who, v.state_name()));
  }
  if (state == TaskState::kCompleted) CheckChainOfTrust(ctx, ids, i, t, who, plan);
}

}  // namespace

FactRequest RerunSequenceNeeds(const Context& ctx, const Facts& known, int64_t) {
  FactRequest r;
  const auto ids = InputTasks(ctx);
  for (size_t i = 0; i < ids.size(); ++i) r.tasks.push_back({ids[i], fmt::format("ACTION_INPUT.tasks[{}]", i)});
  r.action_created = true;
  if (!r.Missing(known).empty() || !ctx.Flag("force")) return r;
  // A forced rerun of a completed task: who verified its artifacts?
  for (const auto& id : ids) {
    const TaskView v = known.Task(id).view();
    if (v.state() == TaskState::kCompleted && !v.RerunSince(*known.action_created_ms)) r.dependents_of.push_back(id);
  }
  return r;
}

Plan PlanRerunSequence(const Context& ctx, const Facts& facts, int64_t now_ms) {
  Plan plan;
  const auto ids = InputTasks(ctx);
  for (size_t i = 0; i < ids.size(); ++i) CheckTask(ctx, facts, ids, i, now_ms, plan);
  for (size_t i = 0; i < ids.size(); ++i) {
    Operation op = NewOp(OpKind::kRerun, ids[i], facts.Task(ids[i]).view().label());
    op.await_completion = i + 1 < ids.size();  // the last one is not waited for
    op.resume_since_ms = facts.action_created_ms;
    if (i > 0) op.after.push_back(i - 1);
    plan.ops.push_back(std::move(op));
  }
  return plan;
}

}  // namespace tc

// retrigger-multiple {requests: [{tasks: [label...], times}]} (Treeherder's
// Retrigger of several jobs), over the push: a label whose full-graph entry
// is retriggerable is created `times` times as taskgraph's create_tasks does
// (create_tasks.h; a retriggerable label with no task yet is created too);
// another label is rerun (its current task in the push's merged label map),
// if it failed and its deadline has not passed. Labels of earlier actions
// are in the merged map, so Treeherder's labels of retriggered jobs work.
#include <fmt/format.h>

#include <algorithm>
#include <unordered_set>

#include "actions/actions.h"
#include "actions/create_tasks.h"
#include "core/error.h"

namespace tc {

namespace {

struct Request {
  std::vector<std::string> retrigger;                      // labels
  std::vector<std::pair<std::string, std::string>> rerun;  // label, taskId
  int64_t times = 1;
};

std::vector<Request> ReadRequests(const Context& ctx, const Push& push) {
  std::vector<Request> out;
  const JsonValue* reqs = Member(ctx.input, "requests");
  if (!reqs || !reqs->IsArray()) return out;
  for (rapidjson::SizeType i = 0; i < reqs->Size(); ++i) {
    const JsonValue& r = (*reqs)[i];
    Request q;
    q.times = GetInt(r, "times").value_or(1);
    const std::vector<std::string> labels = StringsOf(Member(r, "tasks"));
    for (size_t j = 0; j < labels.size(); ++j) {
      const TaskGraph::Entry* e = push.full_graph->Find(labels[j]);
      if (e && e->retrigger) {
        if (std::find(q.retrigger.begin(), q.retrigger.end(), labels[j]) == q.retrigger.end())
          q.retrigger.push_back(labels[j]);
        continue;
      }
      const std::string* id = push.Current(labels[j]);
      if (!id) {
        throw BadInput(fmt::format("ACTION_INPUT.requests[{}].tasks[{}]: label \"{}\" has no task in the push (decision "
                                   "{} and its earlier actions) and is not a retriggerable label of its full graph; "
                                   "expected a label of this push",
                                   i, j, SanitizeUtf8(labels[j]), push.decision_task_id));
      }
      q.rerun.emplace_back(labels[j], *id);
    }
    out.push_back(std::move(q));
  }
  return out;
}

Operation PlanLabelRerun(const Facts& facts, const std::string& label, const std::string& id, int64_t now_ms) {
  Operation op = NewOp(OpKind::kRerun, id, label);
  auto st = facts.statuses.find(id);
  const TaskView v(nullptr, st == facts.statuses.end() || st->second.IsNull() ? nullptr : &st->second);
  const TaskState state = facts.StateOf(id);
  if (!IsFailed(state)) {
    op.status = OpStatus::kSkipped;
    op.detail = fmt::format("not retriggerable, and no need to rerun: state is {}", TaskStateName(state));
  } else if (v.PastDeadline(now_ms)) {
    op.status = OpStatus::kSkipped;
    op.detail = fmt::format("not retriggerable, and past its deadline {}: the queue no longer reruns it", v.deadline());
  } else {
    op.detail = "not retriggerable: rerun instead";
  }
  return op;
}

}  // namespace

FactRequest RetriggerMultipleNeeds(const Context& ctx, const Facts& known, int64_t) {
  FactRequest r;
  r.push = true;
  if (!r.Missing(known).empty()) return r;
  for (const auto& q : ReadRequests(ctx, *known.push)) {
    for (const auto& [label, id] : q.rerun) r.statuses.push_back(id);
    for (const auto& p : IndexPathsFor(*known.push, q.retrigger, "ACTION_INPUT.requests[].tasks"))
      r.index_paths.push_back(p);
  }
  return r;
}

Plan PlanRetriggerMultiple(const Context& ctx, const Facts& facts, int64_t now_ms) {
  Plan plan;
  std::unordered_set<std::string> rerun_planned;
  const auto requests = ReadRequests(ctx, *facts.push);
  for (size_t i = 0; i < requests.size(); ++i) {
    const Request& r = requests[i];
    for (const auto& [label, id] : r.rerun) {
      if (!rerun_planned.insert(id).second) continue;
      Operation op = PlanLabelRerun(facts, label, id, now_ms);
      plan.per_label.push_back(fmt::format("{}: rerun ({})", label,
                                           op.status == OpStatus::kSkipped
                                               ? op.detail
                                               : std::string("state ") + TaskStateName(facts.StateOf(id))));
      plan.ops.push_back(std::move(op));
    }
    if (r.retrigger.empty()) continue;
    for (int64_t j = 0; j < r.times; ++j)
      PlanCreateTasks(plan, ctx, facts, {r.retrigger, fmt::format("{}-{}", i, j)}, now_ms);
    for (const auto& label : r.retrigger) plan.per_label.push_back(fmt::format("{}: retriggered x{}", label, r.times));
  }
  for (const auto& line : plan.per_label) plan.notes.push_back(line);
  return plan;
}

}  // namespace tc

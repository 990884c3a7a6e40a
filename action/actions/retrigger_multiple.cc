// retrigger-multiple {requests: [{tasks: [label...], times}]} (Treeherder's
// retrigger of several jobs): labels, looked up in the decision's
// label-to-taskid.json, whose task is retriggerable in task-graph.json are
// copied `times` times (dependencies among the labels of one request
// remapped); the others are rerun if failed or exception.
#include <fmt/format.h>

#include <algorithm>
#include <unordered_set>

#include "actions/graph_copy.h"
#include "actions/actions.h"
#include "core/error.h"

namespace tc {

namespace {

struct Request {
  std::vector<std::string> retrigger;                      // taskIds
  std::vector<std::pair<std::string, std::string>> rerun;  // label, taskId
  int64_t times = 1;
};

std::string LabelTaskId(const LabelToTaskId& l2t, const std::string& label, size_t i, size_t j) {
  auto it = l2t.find(label);
  if (it == l2t.end()) {
    throw BadInput(fmt::format("ACTION_INPUT.requests[{}].tasks[{}]: label \"{}\" is not in the decision task's "
                               "label-to-taskid.json; expected a label of this graph",
                               i, j, label));
  }
  return it->second;
}

std::vector<Request> ReadRequests(const Context& ctx, const TaskGraph& graph, const LabelToTaskId& l2t) {
  std::vector<Request> out;
  const JsonValue* reqs = Member(ctx.input, "requests");
  if (!reqs || !reqs->IsArray()) return out;
  for (rapidjson::SizeType i = 0; i < reqs->Size(); ++i) {
    const JsonValue& r = (*reqs)[i];
    Request q;
    q.times = GetInt(r, "times").value_or(1);
    const std::vector<std::string> labels = StringsOf(Member(r, "tasks"));
    for (size_t j = 0; j < labels.size(); ++j) {
      std::string id = LabelTaskId(l2t, labels[j], i, j);
      const TaskGraph::Entry* entry = graph.Find(id);
      if (!entry || !entry->retrigger) {
        q.rerun.emplace_back(labels[j], id);
      } else if (std::find(q.retrigger.begin(), q.retrigger.end(), id) == q.retrigger.end()) {
        q.retrigger.push_back(id);
      }
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
  r.task_graph = true;
  r.label_to_taskid = true;
  if (!r.Missing(known).empty()) return r;
  // Statuses of the labels that are rerun instead (not retriggerable).
  for (const auto& q : ReadRequests(ctx, *known.task_graph, *known.label_to_taskid))
    for (const auto& [label, id] : q.rerun) r.statuses.push_back(id);
  return r;
}

Plan PlanRetriggerMultiple(const Context& ctx, const Facts& facts, int64_t now_ms) {
  Plan plan;
  const TaskGraph& graph = *facts.task_graph;
  std::unordered_set<std::string> rerun_planned;
  for (const auto& r : ReadRequests(ctx, graph, *facts.label_to_taskid)) {
    for (const auto& [label, id] : r.rerun) {
      if (!rerun_planned.insert(id).second) continue;
      Operation op = PlanLabelRerun(facts, label, id, now_ms);
      plan.per_label.push_back(fmt::format("{}: rerun ({})", label,
                                           op.status == OpStatus::kSkipped
                                               ? op.detail
                                               : std::string("state ") + TaskStateName(facts.StateOf(id))));
      plan.ops.push_back(std::move(op));
    }
    for (int64_t j = 0; j < r.times; ++j) PlanGraphCopy(plan, ctx, graph, r.retrigger, now_ms, nullptr);
    for (const auto& id : r.retrigger)
      plan.per_label.push_back(fmt::format("{}: retriggered x{}", graph.Find(id)->label, r.times));
  }
  for (const auto& line : plan.per_label) plan.notes.push_back(line);
  return plan;
}

}  // namespace tc

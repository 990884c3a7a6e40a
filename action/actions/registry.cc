#include "actions/registry.h"

#include "actions/actions.h"

namespace tc {

namespace {

constexpr ActionKind kTask = ActionKind::kTask;
constexpr ActionKind kGroup = ActionKind::kGroup;

// The table, one entry per action, in declaration order: for a task, the
// first entry of a name whose context matches its tags wins (retrigger-decision
// before retrigger before retrigger-disabled). Titles, symbols, descriptions,
// orders and contexts follow taskgraph's actions (MPL-2.0), as Firefox CI's
// actions.json show them. Each action's code is in actions/<cb_name>.cc.
//  name, cb_name, title, symbol, description,
//  order, permission, kind, context, input schema, needs, planner
const ActionSpec kActions[] = {
    {"retrigger", "retrigger-decision", "Retrigger", "rt",
     "Create a clone of the task (retriggering decision, action, and cron tasks requires\nspecial scopes).",
     11, "retrigger-decision", kTask, R"([{"kind": "decision-task"}, {"kind": "action-callback"}, {"kind": "cron-task"}])",
     "inputs/retrigger-decision.json", nullptr, PlanRetriggerDecision},
    {"retrigger", "retrigger", "Retrigger", "rt", "Create a clone of the task.",
     19, "generic", kTask, R"([{"retrigger": "true"}])", "inputs/retrigger.json", RetriggerNeeds, PlanRetrigger},
    {"retrigger", "retrigger-disabled", "Retrigger (disabled)", "rt",
     "Create a clone of the task.\n\nThis type of task should typically be re-run instead of re-triggered.",
     20, "generic", kTask, R"([{}])", "inputs/retrigger-disabled.json", RetriggerDisabledNeeds, PlanRetriggerDisabled},
    {"rerun", "rerun", "Rerun", "rr",
     "Rerun a task.\n\nThis only works on failed or exception tasks in the original taskgraph, and is CoT friendly.",
     300, "generic", kTask, R"([{}])", "inputs/rerun.json", RerunNeeds, PlanRerun},
    {"cancel", "cancel", "Cancel Task", "cx", "Cancel the given task",
     300, "generic", kTask, R"([{}])", "inputs/cancel.json", nullptr, PlanCancel},
    {"cancel-all", "cancel-all", "Cancel All", "cAll",
     "Cancel all running and pending tasks created by the decision task this action task is associated with.",
     400, "generic", kGroup, "[]", "inputs/cancel-all.json", CancelAllNeeds, PlanCancelAll},
    {"retrigger-multiple", "retrigger-multiple", "Retrigger", "rt", "Create a clone of the task.",
     10000, "generic", kGroup, "[]", "inputs/retrigger-multiple.json", RetriggerMultipleNeeds, PlanRetriggerMultiple},
    {"rerun-dependents", "rerun-dependents", "Rerun dependents (cancel + rerun)", "rrd",
     "Let the waiting dependents of this failed task run without it: each dependent whose other\ndependencies all "
     "completed, and which does not consume this task's artifacts, is canceled and\nrerun. For release tasks whose "
     "failure is expected and whose output nothing downstream uses.",
     310, "generic", kTask, R"([{}])", "inputs/rerun-dependents.json", RerunDependentsNeeds, PlanRerunDependents},
    {"rerun-sequence", "rerun-sequence", "Rerun in sequence", "rrs",
     "Rerun tasks one after the other, each only once the previous one's new run completed\n(e.g. notarization "
     "part-1, then its poller).",
     410, "generic", kGroup, "[]", "inputs/rerun-sequence.json", RerunSequenceNeeds, PlanRerunSequence},
};

}  // namespace

const std::vector<const ActionSpec*>& Registry() {
  static const std::vector<const ActionSpec*> kTable = [] {
    std::vector<const ActionSpec*> t;
    for (const ActionSpec& a : kActions) t.push_back(&a);
    return t;
  }();
  return kTable;
}

const ActionSpec* FindAction(std::string_view cb_name) {
  for (const ActionSpec* a : Registry())
    if (cb_name == a->cb_name) return a;
  return nullptr;
}

std::string KnownActionNames() {
  std::string out;
  for (const ActionSpec* a : Registry()) out += (out.empty() ? "" : ", ") + std::string(a->cb_name);
  return out;
}

}  // namespace tc

// retrigger-disabled: "Retrigger (disabled)", the retrigger entry for tasks
// that are not retriggerable (release tasks): refused unless force. The rules
// are retrigger's (retrigger.cc).
#include "actions/retrigger.h"

namespace tc {

namespace {
FactRequest Needs(const Context& ctx, const Facts& known, int64_t now_ms) {
  return RetriggerNeeds(ctx, known, now_ms, true);
}
Plan Planner(const Context& ctx, const Facts& facts, int64_t now_ms) { return PlanRetrigger(ctx, facts, now_ms, true); }
}  // namespace

extern const ActionSpec kRetriggerDisabledAction;
const ActionSpec kRetriggerDisabledAction = {
    "retrigger",
    "retrigger-disabled",
    "Retrigger (disabled)",
    "rt",
    "Create a clone of the task.\n\nThis type of task should typically be re-run instead of re-triggered.",
    20,  // the fallback for tasks without retrigger: "true"
    "generic",
    ActionKind::kTask,
    R"([{}])",
    "inputs/retrigger-disabled.json",
    Needs,
    Planner,
};

}  // namespace tc

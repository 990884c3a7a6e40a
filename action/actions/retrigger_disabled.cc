// retrigger-disabled: "Retrigger (disabled)", the retrigger entry for tasks
// that are not retriggerable (release tasks): refused unless force. The rules
// are retrigger's (retrigger.cc).
#include "actions/actions.h"
#include "actions/retrigger.h"

namespace tc {

FactRequest RetriggerDisabledNeeds(const Context& ctx, const Facts& known, int64_t now_ms) {
  return RetriggerNeedsFor(ctx, known, now_ms, true);
}

Plan PlanRetriggerDisabled(const Context& ctx, const Facts& facts, int64_t now_ms) {
  return PlanRetriggerFor(ctx, facts, now_ms, true);
}

}  // namespace tc

// retrigger and retrigger-disabled share their rules (retrigger.cc); the
// two registry entries differ in whether a task that is not retriggerable
// may be copied with force (retrigger-disabled) or is refused (retrigger).
#pragma once
#include <cstdint>

#include "actions/facts.h"
#include "actions/plan.h"
#include "actions/context.h"

namespace tc {

// disabled: the retrigger-disabled variant.
FactRequest RetriggerNeedsFor(const Context& ctx, const Facts& known, int64_t now_ms, bool disabled);
Plan PlanRetriggerFor(const Context& ctx, const Facts& facts, int64_t now_ms, bool disabled);

}  // namespace tc

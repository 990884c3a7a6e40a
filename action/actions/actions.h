// Every action's needs and planner, each defined in actions/<cb_name>.cc and
// entered in the registry's table (registry.cc). See registry.h for what a
// NeedsFn and a PlanFn may do: pure functions, facts in, plan out.
#pragma once
#include <cstdint>

#include "actions/context.h"
#include "actions/facts.h"
#include "actions/plan.h"

namespace tc {

Plan PlanCancel(const Context& ctx, const Facts& facts, int64_t now_ms);
FactRequest CancelAllNeeds(const Context& ctx, const Facts& known, int64_t now_ms);
Plan PlanCancelAll(const Context& ctx, const Facts& facts, int64_t now_ms);
FactRequest RerunNeeds(const Context& ctx, const Facts& known, int64_t now_ms);
Plan PlanRerun(const Context& ctx, const Facts& facts, int64_t now_ms);
FactRequest RerunDependentsNeeds(const Context& ctx, const Facts& known, int64_t now_ms);
Plan PlanRerunDependents(const Context& ctx, const Facts& facts, int64_t now_ms);
FactRequest RerunSequenceNeeds(const Context& ctx, const Facts& known, int64_t now_ms);
Plan PlanRerunSequence(const Context& ctx, const Facts& facts, int64_t now_ms);
FactRequest RetriggerNeeds(const Context& ctx, const Facts& known, int64_t now_ms);
Plan PlanRetrigger(const Context& ctx, const Facts& facts, int64_t now_ms);
Plan PlanRetriggerDecision(const Context& ctx, const Facts& facts, int64_t now_ms);
FactRequest RetriggerDisabledNeeds(const Context& ctx, const Facts& known, int64_t now_ms);
Plan PlanRetriggerDisabled(const Context& ctx, const Facts& facts, int64_t now_ms);
FactRequest RetriggerMultipleNeeds(const Context& ctx, const Facts& known, int64_t now_ms);
Plan PlanRetriggerMultiple(const Context& ctx, const Facts& facts, int64_t now_ms);

}  // namespace tc

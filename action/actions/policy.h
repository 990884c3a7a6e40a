// Rules several actions share (shared/seed/rerun-vs-retrigger.txt), written once.
#pragma once
#include <string>

#include "actions/context.h"
#include "actions/plan.h"

namespace tc {

// "Refused unless force": without input.force, throws Refused(refusal); with
// it, the plan carries `warning` (what forcing it means).
void RequireForce(const Context& ctx, const std::string& refusal, const std::string& warning, Plan& plan);

}  // namespace tc

#include "actions/policy.h"

#include "core/error.h"

namespace tc {

void RequireForce(const Context& ctx, const std::string& refusal, const std::string& warning, Plan& plan) {
  if (!ctx.Flag("force")) throw Refused(refusal);
  plan.warnings.push_back(warning);
}

}  // namespace tc

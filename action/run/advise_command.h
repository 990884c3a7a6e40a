// `tc-action advise --task ID [--json]`: reads what the decision table needs
// (actions/advise.h), decides, then plans the recommended action with the
// registry's planner on the same facts: a recommendation `run` would refuse
// becomes "nothing", with the refusal as the reason.
#pragma once
#include <cstdint>
#include <ostream>
#include <string>

#include "actions/advise.h"
#include "taskcluster/services.h"

namespace tc {

// The checked advice for task_id. Throws BadInput for an unknown task.
Advice AdviseTask(Services& s, const std::string& task_id, int64_t now_ms);

// Prints the advice as text, or as JSON with json = true.
void PrintAdvice(const Advice& a, bool json, std::ostream& out);

}  // namespace tc

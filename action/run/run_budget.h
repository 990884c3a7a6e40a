// The whole-run budget of `tc-action run`: --budget SECONDS, else
// TC_ACTION_RUN_BUDGET, else kDefaultRunBudgetS. Well under an action task's
// maxRunTime (1800 s in taskcluster/.taskcluster.yml), so that a run that
// cannot finish ends itself with a report (exit 3) before the worker kills it.
#pragma once
#include <chrono>
#include <optional>

#include "actions/context.h"

namespace tc {

constexpr double kDefaultRunBudgetS = 25 * 60;
constexpr double kMaxRunBudgetS = 7 * 24 * 3600;

// The budget; BadInput naming TC_ACTION_RUN_BUDGET when its value is not a
// number of seconds in (0, kMaxRunBudgetS].
std::chrono::milliseconds RunBudget(std::optional<double> flag_seconds, const EnvLookup& env);

}  // namespace tc

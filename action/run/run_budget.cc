#include "run/run_budget.h"

#include <cstdlib>

#include "core/error.h"
#include "core/redact.h"

namespace tc {

std::chrono::milliseconds RunBudget(std::optional<double> flag_seconds, const EnvLookup& env) {
  double secs = kDefaultRunBudgetS;
  if (flag_seconds) {
    secs = *flag_seconds;
  } else if (auto v = env("TC_ACTION_RUN_BUDGET"); v && !v->empty()) {
    char* end = nullptr;
    secs = std::strtod(v->c_str(), &end);
    if (!end || *end != '\0' || !(secs > 0) || secs > kMaxRunBudgetS) {
      throw BadInput("TC_ACTION_RUN_BUDGET: expected seconds between 0 and " +
                     std::to_string(static_cast<long>(kMaxRunBudgetS)) + ", got \"" + Printable(v->substr(0, 20)) +
                     "\"");
    }
  }
  return std::chrono::milliseconds(static_cast<int64_t>(secs * 1000));
}

}  // namespace tc

#include "actions/registry.h"

namespace tc {

// The table: one line per action, in declaration order (for a task, the first
// entry of a name whose context matches wins; retrigger-decision before
// retrigger before retrigger-disabled). Each entry is defined in
// actions/<cb_name>.cc.
#define TC_ACTION_TABLE(X)       \
  X(kRetriggerDecisionAction)    \
  X(kRetriggerAction)            \
  X(kRetriggerDisabledAction)    \
  X(kRerunAction)                \
  X(kCancelAction)               \
  X(kCancelAllAction)            \
  X(kRetriggerMultipleAction)    \
  X(kRerunDependentsAction)      \
  X(kRerunSequenceAction)

#define TC_DECLARE(spec) extern const ActionSpec spec;
#define TC_ADDRESS(spec) &spec,
TC_ACTION_TABLE(TC_DECLARE)

const std::vector<const ActionSpec*>& Registry() {
  static const std::vector<const ActionSpec*> kTable = {TC_ACTION_TABLE(TC_ADDRESS)};
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

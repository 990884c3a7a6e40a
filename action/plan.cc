#include "plan.h"

namespace tc {

const char* OpKindName(OpKind k) {
  switch (k) {
    case OpKind::kCreate: return "create";
    case OpKind::kRerun: return "rerun";
    case OpKind::kCancel: return "cancel";
  }
  return "?";
}

const char* OpStatusName(OpStatus s) {
  switch (s) {
    case OpStatus::kPlanned: return "planned";
    case OpStatus::kDone: return "done";
    case OpStatus::kSkipped: return "skipped";
    case OpStatus::kFailed: return "failed";
  }
  return "?";
}

}  // namespace tc

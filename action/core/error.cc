#include "core/error.h"

#include "core/redact.h"

namespace tc {

ExitCode ExitCodeFor(const std::exception& e) {
  if (dynamic_cast<const Refused*>(&e)) return ExitCode::kRefused;
  if (dynamic_cast<const BadInput*>(&e)) return ExitCode::kBadInput;
  return ExitCode::kTaskcluster;
}

std::string FailureMessage(const std::exception& e) {
  const bool ours = dynamic_cast<const Refused*>(&e) || dynamic_cast<const BadInput*>(&e) ||
                    dynamic_cast<const TcError*>(&e);
  return OneLine(ours ? e.what() : std::string("internal error: ") + e.what());
}

const char* OutcomeName(ExitCode c) {
  switch (c) {
    case ExitCode::kDone: return "done";
    case ExitCode::kRefused: return "refused";
    case ExitCode::kBadInput: return "bad-input";
    case ExitCode::kTaskcluster: return "failed";
  }
  return "failed";
}

std::string OneLine(std::string_view message) { return PrintableLine(message); }

}  // namespace tc

// Errors and exit codes shared by every layer.
//
// Invariant: every failure the program reports to a user is one of these,
// carrying a one-line message that names the field or call and what was
// expected. The CLI maps the kind to the process exit status.
#pragma once
#include <stdexcept>
#include <string>
#include <string_view>

namespace tc {

enum class ExitCode : int {
  kDone = 0,
  kRefused = 1,      // refused by policy; nothing changed
  kBadInput = 2,     // bad input or usage; nothing changed
  kTaskcluster = 3,  // Taskcluster failure; the report says what was done
};

// Bad input: malformed JSON, schema violations, unknown taskIds, foreign groups.
class BadInput : public std::runtime_error {
 public:
  explicit BadInput(const std::string& msg) : std::runtime_error(msg) {}
};

// Refused by policy (wrong state, not retriggerable, deadline passed...).
class Refused : public std::runtime_error {
 public:
  explicit Refused(const std::string& msg) : std::runtime_error(msg) {}
};

// A Taskcluster API call failed (after retries where they apply).
// status is the HTTP status, 0 for a network error. code/message come from
// Taskcluster's error body ({"code": ..., "message": ...}) when there was one.
class TcError : public std::runtime_error {
 public:
  TcError(int status, std::string code, const std::string& msg)
      : std::runtime_error(msg), status_(status), code_(std::move(code)) {}
  int status() const { return status_; }
  const std::string& code() const { return code_; }
  bool is_not_found() const { return status_ == 404; }
  bool is_conflict() const { return status_ == 409; }

 private:
  int status_;
  std::string code_;
};

// The exit status for a failure that ends a command: Refused 1, BadInput 2,
// TcError and anything else 3. The one place this mapping is written; a
// layer that knows better (a 404 on the action's own target is bad input)
// converts the error where it knows it, before it escapes.
ExitCode ExitCodeFor(const std::exception& e);
// The one-line message for it: what() for the errors above, "internal
// error: ..." for anything else (a bug, or std::bad_alloc).
std::string FailureMessage(const std::exception& e);
// "refused", "bad-input", "failed" or "done" (report.json's outcome).
const char* OutcomeName(ExitCode c);
// The message as one printable line (core/redact.h PrintableLine): secrets
// redacted, valid UTF-8, newlines/CRs/tabs become spaces, other control
// characters escapes.
std::string OneLine(std::string_view message);

}  // namespace tc

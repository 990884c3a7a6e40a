// The run's limits, process-wide: a whole-run budget (a deadline on the
// steady clock) and a stop request (SIGTERM/SIGINT). Every loop that can
// wait — an HTTP request, a retry's backoff, a status poll, the executor
// picking its next operation — asks here whether to go on.
//
// Stopping is cooperative: the signal handler only sets a flag; sleeps wake
// within kStopPollMs, in-flight HTTP requests are cut by the client's
// watchdog, the executor sends nothing new. What was done stays in the plan,
// and the runner writes its report with exit 3.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "core/error.h"

namespace tc {

// The run was stopped: a signal ("Terminated") or the budget
// ("RunBudgetExceeded"). A TcError (exit 3); status 0.
class Stopped : public TcError {
 public:
  Stopped(const std::string& code, const std::string& msg) : TcError(0, code, msg) {}
};

namespace run_control {

using Clock = std::chrono::steady_clock;

// How often blocked waits look at the stop flag.
constexpr int kStopPollMs = 50;

// Starts the budget: the run must end by now + budget. A budget <= 0 clears it.
void StartBudget(std::chrono::milliseconds budget);
// The budget as given (0 when none).
std::chrono::milliseconds Budget();
// The run's deadline, if it has a budget.
std::optional<Clock::time_point> Deadline();
// Clears the budget and the stop request (tests).
void ResetForTests();

// Installs SIGTERM and SIGINT handlers that request a stop (idempotent).
void InstallStopSignals();
// Requests a stop as if signal `signo` had arrived (async-signal-safe).
void RequestStop(int signo);
// The signal that requested the stop, 0 when none.
int StopSignal();
// True once a stop was requested or the budget ran out.
bool Stopping();
bool BudgetExhausted();
// "terminated by SIGTERM", "the run budget of 12 s was exhausted", or "".
std::string StopReason();

// Throws Stopped("<during>: <reason>") when Stopping().
void CheckContinue(const std::string& during);
// Sleeps `ms`, in slices of kStopPollMs; throws Stopped as soon as a stop is
// requested or the budget ends (never sleeps past it).
void Sleep(std::chrono::milliseconds ms, const std::string& during);

}  // namespace run_control
}  // namespace tc

#include "core/run_control.h"

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <thread>

namespace tc::run_control {

namespace {

std::atomic<int> g_signal{0};
std::atomic<int64_t> g_budget_ms{0};
std::atomic<int64_t> g_deadline_ns{0};  // steady clock, since its epoch; 0: no budget

extern "C" void OnStopSignal(int signo) { RequestStop(signo); }

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

const char* SignalName(int signo) {
  switch (signo) {
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case SIGHUP: return "SIGHUP";
    default: return "a signal";
  }
}

}  // namespace

void StartBudget(std::chrono::milliseconds budget) {
  g_budget_ms = budget.count() > 0 ? budget.count() : 0;
  g_deadline_ns = budget.count() > 0 ? NowNs() + budget.count() * 1000000 : 0;
}

std::chrono::milliseconds Budget() { return std::chrono::milliseconds(g_budget_ms.load()); }

std::optional<Clock::time_point> Deadline() {
  const int64_t d = g_deadline_ns.load();
  if (d == 0) return std::nullopt;
  return Clock::time_point(std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(d)));
}

void ResetForTests() {
  g_signal = 0;
  g_budget_ms = 0;
  g_deadline_ns = 0;
}

void InstallStopSignals() {
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
}

void RequestStop(int signo) {
  int expected = 0;
  g_signal.compare_exchange_strong(expected, signo > 0 ? signo : SIGTERM);
}

int StopSignal() { return g_signal.load(); }

bool BudgetExhausted() {
  const int64_t d = g_deadline_ns.load();
  return d != 0 && NowNs() >= d;
}

bool Stopping() { return g_signal.load() != 0 || BudgetExhausted(); }

std::string StopReason() {
  if (int s = g_signal.load()) return std::string("terminated by ") + SignalName(s);
  if (BudgetExhausted()) {
    return "the run budget of " + std::to_string((g_budget_ms.load() + 999) / 1000) +
           " s was exhausted (--budget / TC_ACTION_RUN_BUDGET)";
  }
  return "";
}

void CheckContinue(const std::string& during) {
  if (!Stopping()) return;
  throw Stopped(g_signal.load() ? "Terminated" : "RunBudgetExceeded", during + ": " + StopReason());
}

void Sleep(std::chrono::milliseconds ms, const std::string& during) {
  const auto until = Clock::now() + ms;
  for (;;) {
    CheckContinue(during);  // also at the budget's end, which may come first
    const auto now = Clock::now();
    if (now >= until) return;
    std::this_thread::sleep_for(std::min<Clock::duration>(until - now, std::chrono::milliseconds(kStopPollMs)));
  }
}

}  // namespace tc::run_control

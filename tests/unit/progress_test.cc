// Progress lines (run/progress.h): formats, the 2 s rate limit on a fake
// clock, timestamps, no control bytes, and the executor's calls (submission
// counts, the waits of an awaited rerun).
#include <catch2/catch.hpp>

#include <regex>
#include <sstream>

#include "core/error.h"
#include "core/timestamp.h"
#include "run/executor.h"
#include "core/redact.h"
#include "run/progress.h"

using namespace tc;

namespace {

// A clock the test moves: wall = 2025-01-01T00:00:00Z + steady.
struct FakeClock {
  int64_t steady = 0;
  ProgressClock Clock() {
    return {[this] { return 1735689600000LL + steady; }, [this] { return steady; }};
  }
};

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// "<timestamp> progress <message>" -> message; fails the test when the line is not one.
std::string Message(const std::string& line) {
  static const std::regex kLine(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z progress (.*)$)");
  std::smatch m;
  INFO(line);
  REQUIRE(std::regex_match(line, m, kLine));
  return m[1];
}

Operation Op(OpKind kind, const std::string& id) {
  Operation op;
  op.kind = kind;
  op.task_id = id;
  op.label = "label-" + id;
  op.definition.SetObject();
  return op;
}

}  // namespace

TEST_CASE("progress: numbers, durations and sizes as a person reads them", "[progress]") {
  REQUIRE(Thousands(0) == "0");
  REQUIRE(Thousands(999) == "999");
  REQUIRE(Thousands(1000) == "1,000");
  REQUIRE(Thousands(2001) == "2,001");
  REQUIRE(Thousands(1234567) == "1,234,567");
  REQUIRE(HumanDuration(400) == "< 1 s");
  REQUIRE(HumanDuration(42 * 1000) == "42 s");
  REQUIRE(HumanDuration(185 * 1000) == "3 min 5 s");
  REQUIRE(HumanDuration(120 * 1000) == "2 min");
  REQUIRE(HumanDuration((9 * 60 + 58) * 60 * 1000LL) == "9 h 58 min");
  REQUIRE(HumanDuration(51 * 3600 * 1000LL) == "2 d 3 h");
  REQUIRE(HumanBytes(42) == "42 B");
  REQUIRE(HumanBytes(1500) == "1.5 kB");
  REQUIRE(HumanBytes(80100000) == "80.1 MB");
}

TEST_CASE("progress: the submission line", "[progress]") {
  // the issue's example: 1,200 of 2,001 created at 420/s
  REQUIRE(FormatSubmission({{OpKind::kCreate, 2001, 1200, 0, 0}}, 2857, false) ==
          "created 1,200/2,001 (60 %), 0 failed, 420/s, about 2 s left");
  REQUIRE(FormatSubmission({{OpKind::kCreate, 2001, 0, 0, 0}}, 0, false) == "created 0/2,001 (0 %)");
  REQUIRE(FormatSubmission({{OpKind::kCreate, 2001, 1998, 3, 0}}, 4800, true) ==
          "created 1,998/2,001 (100 %), 3 failed, 417/s, done in 4.8 s");
  // no rate over less than a second; under a second left
  REQUIRE(FormatSubmission({{OpKind::kRerun, 1, 1, 0, 0}}, 12, true) == "rerun 1/1 (100 %), 0 failed, done in 12 ms");
  REQUIRE_THAT(FormatSubmission({{OpKind::kCreate, 100, 99, 0, 0}}, 2000, false), Catch::EndsWith(", under 1 s left"));
  // never 100 % before the end
  REQUIRE_THAT(FormatSubmission({{OpKind::kCreate, 1000, 999, 0, 0}}, 1000, false), Catch::Contains("(99 %)"));
  // reruns and cancels together, skips counted
  REQUIRE(FormatSubmission({{OpKind::kRerun, 3, 1, 0, 0}, {OpKind::kCancel, 3, 1, 0, 1}}, 4000, false) ==
          "rerun 1/3, canceled 1/3 (50 %), 0 failed, 1 skipped, 0.75/s, about 4 s left");
}

TEST_CASE("progress: the wait line of rerun-sequence", "[progress]") {
  WaitStatus w;
  w.task_id = "abc";
  w.task = "notarization-part-1";
  w.index = 2;
  w.count = 3;
  w.run_id = 1;
  w.state = "running";
  w.next_check_ms = 30000;
  w.left_ms = (9 * 60 + 58) * 60 * 1000LL + 20000;
  REQUIRE(FormatWait("rerun-sequence", w) ==
          "rerun-sequence 2/3: notarization-part-1 run 1 is running; next check in 30 s (deadline in 9 h 58 min)");
  w.bound_is_deadline = false;
  w.left_ms = 3600 * 1000;
  REQUIRE_THAT(FormatWait("rerun-sequence", w), Catch::EndsWith("(--max-wait ends in 1 h)"));
}

TEST_CASE("progress: at most one line every 2 s, plus 0 % and 100 %", "[progress]") {
  FakeClock clock;
  std::ostringstream out;
  LineProgress p(out, clock.Clock());
  std::vector<Operation> ops;
  for (int i = 0; i < 3000; ++i) ops.push_back(Op(OpKind::kCreate, "t" + std::to_string(i)));
  p.SubmitStart(ops);
  // one op finishes every 3 ms: 9 s in all
  for (int i = 0; i < 3000; ++i) {
    clock.steady += 3;
    p.OpFinished(OpKind::kCreate, i == 7 ? OpStatus::kFailed : OpStatus::kDone);
  }
  p.SubmitEnd();
  auto lines = Lines(out.str());
  // 0 %, then one line at 2, 4, 6 and 8 s, then 100 %
  REQUIRE(lines.size() == 6);
  REQUIRE(Message(lines.front()) == "created 0/3,000 (0 %)");
  REQUIRE_THAT(Message(lines[1]), Catch::StartsWith("created 666/3,000 (22 %), 1 failed, 333/s, about "));
  REQUIRE(Message(lines.back()) == "created 2,999/3,000 (100 %), 1 failed, 333/s, done in 9.0 s");
  // timestamps: the wall clock, UTC, as the -v log lines
  REQUIRE_THAT(lines.front(), Catch::StartsWith("2025-01-01T00:00:00.000Z progress "));
  REQUIRE_THAT(lines[1], Catch::StartsWith("2025-01-01T00:00:02.001Z progress "));
  for (const auto& l : lines) Message(l);

  SECTION("phase lines are never held back; in-between lines wait for 2 s after them") {
    std::ostringstream o2;
    LineProgress q(o2, clock.Clock());
    q.Phase("read 1 task in 3 ms");
    q.Phase("planned 1 operation: 1 rerun");
    std::vector<Operation> one;
    one.push_back(Op(OpKind::kRerun, "x"));
    one.push_back(Op(OpKind::kRerun, "y"));
    q.SubmitStart(one);
    clock.steady += 1999;
    q.OpFinished(OpKind::kRerun, OpStatus::kDone);  // 1.999 s after the 0 % line: held back
    clock.steady += 1;
    q.OpFinished(OpKind::kRerun, OpStatus::kDone);  // the last one: left to the 100 % line
    q.SubmitEnd();
    auto l2 = Lines(o2.str());
    REQUIRE(l2.size() == 4);
    REQUIRE(Message(l2[0]) == "read 1 task in 3 ms");
    REQUIRE(Message(l2[1]) == "planned 1 operation: 1 rerun");
    REQUIRE(Message(l2[2]) == "rerun 0/2 (0 %)");
    REQUIRE(Message(l2[3]) == "rerun 2/2 (100 %), 0 failed, 1.0/s, done in 2.0 s");
  }
}

TEST_CASE("progress: labels and messages are printed without control bytes", "[progress]") {
  FakeClock clock;
  std::ostringstream out;
  LineProgress p(out, clock.Clock());
  p.Phase("label\nwith a fake line\x1b[31m red\r \x7f \xc2\x85 and \xff bytes");
  const std::string text = out.str();
  REQUIRE(std::count(text.begin(), text.end(), '\n') == 1);
  for (unsigned char c : text) REQUIRE((c >= 0x20 || c == '\n'));
  REQUIRE_THAT(text, Catch::Contains("label\\nwith a fake line\\u001b[31m red\\r \\u007f \\u0085 and \xEF\xBF\xBD bytes"));
  REQUIRE(Printable("plain text, \xc3\xa9t\xc3\xa9") == "plain text, \xc3\xa9t\xc3\xa9");
}

namespace {

// A queue whose one task stays running for `running_polls` status calls after the rerun, then completes.
class AwaitQueue : public Queue {
 public:
  int running_polls = 3;
  int polls = 0;
  Json Task(const std::string&) override { return Json(); }
  Json Status(const std::string& id) override {
    const bool done = polls++ > running_polls;
    return ParseJson(R"({"status": {"taskId": ")" + id + R"(", "state": ")" + (done ? "completed" : "running") +
                         R"(", "deadline": "2025-01-01T10:00:00.000Z", "runs": [{"runId": 0, "state": "failed"},
                         {"runId": 1, "state": ")" + (done ? "completed" : "running") + R"("}]}})",
                     "status");
  }
  Json CreateTask(const std::string&, const JsonValue&) override { return Json(); }
  Json RerunTask(const std::string&) override { return Json(); }
  Json CancelTask(const std::string&) override { return Json(); }
  Json ListTaskGroup(const std::string&, const Page&) override { return Json(); }
  Json ListDependentTasks(const std::string&, const Page&) override { return Json(); }
  std::string GetLatestArtifact(const std::string&, const std::string&) override { return ""; }
};

}  // namespace

TEST_CASE("progress: the executor reports a submission and the waits of an awaited rerun", "[progress][executor]") {
  FakeClock clock;
  std::ostringstream out;
  LineProgress p(out, clock.Clock());
  Context ctx;
  ctx.action = "rerun-sequence";
  ctx.task_group_id = "G";
  ctx.action_task_id = "A";
  p.Start(ctx);
  Plan plan;
  plan.ops.push_back(Op(OpKind::kRerun, "part1"));
  plan.ops[0].label = "notarization-part-1";
  plan.ops[0].await_completion = true;
  AwaitQueue q;
  ExecOptions o;
  o.progress = &p;
  o.poll_initial_ms = 5000;
  o.max_wait_ms = 24 * 3600 * 1000LL;  // the task's deadline bounds the wait
  // the executor's clock: 2025-01-01T00:02:00Z, moved by its sleeps (the deadline is 9 h 58 min later)
  o.now_ms = [&] { return 1735689600000LL + 120000 + clock.steady; };
  o.sleep_ms = [&](int64_t ms) { clock.steady += ms; };
  REQUIRE(Execute(plan, q, "A", o));
  auto lines = Lines(out.str());
  std::vector<std::string> msgs;
  for (const auto& l : lines) msgs.push_back(Message(l));
  REQUIRE(msgs[0] == "rerun-sequence in group G by action task A: reading from the queue");
  REQUIRE(msgs[1] == "rerun 0/1 (0 %)");
  // polls at 0, 5, 15 and 35 s: every one is 2 s apart or more, so each shows
  REQUIRE(msgs[2] == "rerun-sequence 1/1: notarization-part-1 run 1 is running; next check in 5 s (deadline in 9 h 58 min)");
  REQUIRE(msgs[3] == "rerun-sequence 1/1: notarization-part-1 run 1 is running; next check in 10 s (deadline in 9 h 57 min)");
  REQUIRE(msgs[4] == "rerun-sequence 1/1: notarization-part-1 run 1 is running; next check in 20 s (deadline in 9 h 57 min)");
  REQUIRE(msgs.size() == 6);
  REQUIRE(msgs[5] == "rerun 1/1 (100 %), 0 failed, 0.03/s, done in 35 s");
}

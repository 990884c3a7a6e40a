#include "actions/advise.h"

#include <fmt/format.h>

#include "actions/cot.h"
#include "actions/rerun_dependents.h"
#include "core/error.h"

namespace tc {

namespace {

bool Contains(const std::string& s, const char* needle) { return s.find(needle) != std::string::npos; }

bool IsPoller(const std::string& kind, const std::string& label) {
  return (Contains(kind, "notarization") && Contains(kind, "poll")) ||
         (Contains(label, "notarization") && Contains(label, "poll"));
}
bool IsPart1(const std::string& kind, const std::string& label) {
  return (Contains(kind, "notarization") || Contains(label, "notarization")) && !IsPoller(kind, label) &&
         (Contains(kind, "part-1") || Contains(label, "part-1") || Contains(kind, "notarization"));
}

// A pull-request graph: its tasks report to GitHub checks for a PR.
bool IsPullRequest(const JsonValue& def) {
  for (const char* where : {"tags", "extra"})
    if (const JsonValue* obj = Member(def, where); obj && Contains(GetString(*obj, "tasks_for").value_or(""), "pull-request"))
      return true;
  const JsonValue* md = Member(def, "metadata");
  return md && Contains(GetString(*md, "source").value_or(""), "/pull/");
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

Advice Make(const char* action, const char* input, const char* scenario, std::string reason) {
  Advice a;
  a.action = action;
  a.input = ParseJson(input, "advice input");
  a.scenario = scenario;
  a.reason = std::move(reason);
  return a;
}

// The completed dependency that is notarization part-1, when t is its poller.
const TaskFacts* NotarizationPart1(const TaskFacts& t, const Facts& facts) {
  const TaskView v = t.view();
  if (!IsPoller(v.kind(), v.label())) return nullptr;
  for (const auto& dep : v.dependencies()) {
    auto it = facts.tasks.find(dep);
    if (it == facts.tasks.end()) continue;
    const TaskView d = it->second.view();
    if (IsPart1(d.kind(), d.label()) && d.state() == TaskState::kCompleted) return &it->second;
  }
  return nullptr;
}

Advice AdviseWaiting(const TaskFacts& t, const Facts& facts) {
  std::string failed;
  for (const auto& dep : t.view().dependencies()) {
    if (!IsFailed(facts.StateOf(dep))) continue;
    auto it = facts.tasks.find(dep);
    const std::string label = it == facts.tasks.end() ? "" : it->second.view().label();
    failed += (failed.empty() ? "" : ", ") + dep + " (" + label + ", " + TaskStateName(facts.StateOf(dep)) + ")";
  }
  return Make("nothing", "{}", "none",
              failed.empty() ? "the task waits for its dependencies; nothing to do"
                             : "the task waits for failed dependencies: " + failed +
                                   "; act on those (tc-action advise --task <dependency>), e.g. rerun, or "
                                   "rerun-dependents to let this task run without them");
}

Advice AdviseCompleted(bool release) {
  return Make("nothing", "{}", release ? "Testing scriptworker pools outside of the release: retrigger (force)" : "none",
              release ? "the task completed. Only to exercise a new scriptworker pool, retrigger-disabled with force "
                        "creates a copy under a new taskId, leaving this graph Chain-of-Trust verifiable; a rerun "
                        "with force would break the consumers' verification"
                      : "the task completed; nothing to do");
}

Advice AdvisePastDeadline(const TaskFacts& t, const std::string& cot) {
  const TaskView v = t.view();
  if (cot.empty()) {
    return Make(v.retriggerable() ? "retrigger" : "retrigger-disabled",
                v.retriggerable() ? R"({"times": 1})" : R"({"force": true})", "Intermittent tests in treeherder: retrigger",
                fmt::format("the task passed its deadline {}, so it cannot be rerun; a copy with fresh timestamps can run",
                            v.deadline()));
  }
  const auto consumers = ConsumersOf(t.task_id, t.dependents);
  if (consumers.empty()) {
    return Make("retrigger-disabled", R"({"force": true})", "Deadline-exceeded leaf node release tasks",
                fmt::format("the release task ({}) passed its deadline {}, so it cannot be rerun; it is a leaf (no task "
                            "consumes its artifacts), so a forced retrigger creates a fresh copy; the failed original "
                            "stays",
                            cot, v.deadline()));
  }
  return Make("nothing", "{}", "Deadline-exceeded leaf node release tasks",
              fmt::format("the release task passed its deadline {} and is not a leaf: {} consume its artifacts; a "
                          "retrigger would leave them on the failed original. Consider a build 2 or advanced relpro",
                          v.deadline(), DescribeConsumers(consumers)));
}

Advice AdviseFailedRelease(const TaskFacts& t, const Facts& facts, const std::string& cot, int64_t now_ms) {
  const int failures = t.view().FailedRuns();
  std::vector<std::string> runnable;
  for (const auto& v : JudgeDependents(t, facts, now_ms))
    if (v.runnable()) runnable.push_back(v.task_id);
  if (failures >= 2 && !runnable.empty()) {
    return Make("rerun-dependents", "{}", "Release tasks with broken dependencies: cancel + rerun",
                fmt::format("the release task failed {} times (repeatably), and {} waiting dependent(s) can run "
                            "without it (their other dependencies completed; they do not use its artifacts): {}; if "
                            "the failure is expected, let them run without it",
                            failures, runnable.size(), fmt::join(runnable, ", ")));
  }
  return Make("rerun", "{}", "Broken release tasks: rerun",
              fmt::format("a release task ({}) that failed should be rerun to unblock the graph: a retrigger leaves the "
                          "failed task in place, and with downstream forks the release graph",
                          cot));
}

Advice AdviseFailed(const TaskFacts& t, const Facts& facts, const std::string& cot, int64_t now_ms) {
  const TaskView v = t.view();
  if (const TaskFacts* part1 = NotarizationPart1(t, facts)) {
    Advice a = Make("rerun-sequence", "{}", "Notarization poller timeouts: rerun (force)",
                    fmt::format("the notarization poller {} timed out while {} ({}) completed: resubmitting is faster; "
                                "rerun (force) part-1, then the poller once part-1 finished",
                                v.state_name(), part1->task_id, part1->view().label()));
    auto& al = a.input.GetAllocator();
    JsonValue tasks(rapidjson::kArrayType);
    tasks.PushBack(Str(part1->task_id, al), al);
    tasks.PushBack(Str(t.task_id, al), al);
    a.input.AddMember("tasks", tasks, al);
    a.input.AddMember("force", true, al);
    return a;
  }
  if (!cot.empty()) return AdviseFailedRelease(t, facts, cot, now_ms);
  if (v.retriggerable() && !IsPullRequest(t.definition)) {
    return Make("retrigger", R"({"times": 3})", "Intermittent tests in treeherder: retrigger",
                "a non-release task that may be intermittent: several copies run concurrently and show whether it "
                "fails reliably; tests need no Chain of Trust");
  }
  if (v.retriggerable()) {
    return Make("rerun", "{}", "Broken Pull Request tasks: rerun",
                "a pull-request task: a rerun of the same taskId can turn the required check green");
  }
  return Make("rerun", "{}", "Broken release tasks: rerun",
              "the task is not retriggerable; a rerun gives it a new run under the same taskId");
}

std::string TriggerCommand(const Advice& a, const TaskFacts& t) {
  // trigger picks actions by name; retrigger-disabled is the "retrigger" entry
  // that applies to tasks without retrigger: "true".
  const std::string name = a.action == "retrigger-disabled" ? "retrigger" : a.action;
  const bool group_action = a.action == "rerun-sequence";
  return fmt::format("tc-action trigger --decision-task {}{} {} --input {}", t.view().task_group_id(),
                     group_action ? "" : " --task " + t.task_id, name, ShellQuote(ToJson(a.input)));
}

}  // namespace

FactRequest AdviseNeeds(const std::string& task_id, const Facts& known) {
  FactRequest r;
  r.tasks.push_back({task_id, "--task", false, true});
  if (!r.Missing(known).empty()) return r;
  const TaskFacts& t = known.Task(task_id);
  r.dependents_of.push_back(task_id);
  for (const auto& dep : t.view().dependencies()) r.tasks.push_back({dep, "dependency " + dep, false, false});
  if (!r.Missing(known).empty()) return r;
  r.statuses = OtherDependencies(t);
  return r;
}

Advice Advise(const std::string& task_id, const Facts& facts, int64_t now_ms) {
  const TaskFacts& t = facts.Task(task_id);
  const TaskView v = t.view();
  const std::string cot = CotReason(t.definition);
  Advice a;
  const TaskState state = v.state();
  if (state == TaskState::kPending || state == TaskState::kRunning) {
    a = Make("nothing", "{}", "none", fmt::format("the task is {}: it will resolve on its own; wait for it", v.state_name()));
  } else if (state == TaskState::kUnscheduled) {
    a = AdviseWaiting(t, facts);
  } else if (state == TaskState::kCompleted) {
    a = AdviseCompleted(!cot.empty());
  } else if (v.PastDeadline(now_ms)) {
    a = AdvisePastDeadline(t, cot);
  } else {
    a = AdviseFailed(t, facts, cot, now_ms);
  }
  if (a.action != "nothing") a.command = TriggerCommand(a, t);
  a.subject = v.Describe(task_id) + ", " + v.state_name();
  return a;
}

Context AdviceContext(const Advice& a, const std::string& task_id, const std::string& task_group_id,
                      const std::string& action_task_id) {
  Json doc(rapidjson::kObjectType);
  auto& al = doc.GetAllocator();
  doc.AddMember("action", Str(a.action, al), al);
  doc.AddMember("taskGroupId", Str(task_group_id, al), al);
  doc.AddMember("taskId", a.action == "rerun-sequence" ? JsonValue() : Str(task_id, al), al);
  doc.AddMember("input", CopyValue(a.input, al), al);
  return ContextFromJson(doc, action_task_id, "advice");
}

Advice Nothing(const std::string& reason) { return Make("nothing", "{}", "none", reason); }

Json AdviceJson(const Advice& a) {
  Json d(rapidjson::kObjectType);
  auto& al = d.GetAllocator();
  d.AddMember("action", Str(a.action, al), al);
  d.AddMember("input", CopyValue(a.input, al), al);
  d.AddMember("scenario", Str(a.scenario, al), al);
  d.AddMember("reason", Str(a.reason, al), al);
  d.AddMember("command", Str(a.command, al), al);
  return d;
}

}  // namespace tc

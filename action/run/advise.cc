#include "run/advise.h"

#include <fmt/format.h>

#include <algorithm>

#include "actions/clone.h"
#include "actions/cot.h"
#include "core/error.h"
#include "run/facts.h"
#include "core/slugid.h"
#include "core/timestamp.h"

namespace tc {

namespace {

bool Contains(const std::string& s, const char* needle) { return s.find(needle) != std::string::npos; }

std::string Kind(const JsonValue& def) {
  const JsonValue* tags = Member(def, "tags");
  return tags ? GetString(*tags, "kind").value_or("") : "";
}

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
  if (const JsonValue* tags = Member(def, "tags")) {
    auto tf = GetString(*tags, "tasks_for").value_or("");
    if (Contains(tf, "pull-request")) return true;
  }
  if (const JsonValue* extra = Member(def, "extra")) {
    auto tf = GetString(*extra, "tasks_for").value_or("");
    if (Contains(tf, "pull-request")) return true;
  }
  if (const JsonValue* md = Member(def, "metadata")) {
    auto src = GetString(*md, "source").value_or("");
    if (Contains(src, "/pull/")) return true;
  }
  return false;
}

int FailedRuns(const JsonValue& status) {
  int n = 0;
  if (const JsonValue* runs = Member(status, "runs"); runs && runs->IsArray())
    for (const auto& r : runs->GetArray()) {
      auto s = GetString(r, "state").value_or("");
      n += s == "failed" || s == "exception";
    }
  return n;
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

}  // namespace

Advice Advise(const TaskFacts& f, const std::vector<DependencyInfo>& deps, int64_t now_ms) {
  const std::string state = GetString(f.status, "state").value_or("unknown");
  const std::string label = TaskLabel(f.definition);
  const std::string kind = Kind(f.definition);
  const std::string cot = CotReason(f.definition);
  const bool release = !cot.empty();
  const bool retriggerable = IsRetriggerable(f.definition);
  auto deadline = GetString(f.status, "deadline");
  const bool past_deadline = deadline && ParseTimestamp(*deadline) && ParseTimestamp(*deadline)->ms <= now_ms;
  const auto consumers = ConsumersOf(f.task_id, f.dependents);
  const std::string group = GetString(f.definition, "taskGroupId").value_or("");
  Advice a;

  if (state == "pending" || state == "running") {
    a = Make("nothing", "{}", "none", fmt::format("the task is {}: it will resolve on its own; wait for it", state));
  } else if (state == "unscheduled") {
    std::string failed;
    for (const auto& d : deps)
      if (d.state == "failed" || d.state == "exception") failed += (failed.empty() ? "" : ", ") + d.task_id + " (" + d.label + ", " + d.state + ")";
    a = Make("nothing", "{}", "none",
             failed.empty() ? "the task waits for its dependencies; nothing to do"
                            : "the task waits for failed dependencies: " + failed +
                                  "; act on those (tc-action advise --task <dependency>), e.g. rerun, or "
                                  "rerun-dependents to let this task run without them");
  } else if (state == "completed") {
    a = Make("nothing", "{}", release ? "Testing scriptworker pools outside of the release: retrigger (force)" : "none",
             release ? "the task completed. Only to exercise a new scriptworker pool, retrigger-disabled with force "
                       "creates a copy under a new taskId, leaving this graph Chain-of-Trust verifiable; a rerun "
                       "with force would break the consumers' verification"
                     : "the task completed; nothing to do");
  } else if (past_deadline) {
    if (release) {
      if (consumers.empty()) {
        a = Make("retrigger-disabled", R"({"force": true})", "Deadline-exceeded leaf node release tasks",
                 fmt::format("the release task ({}) passed its deadline {}, so it cannot be rerun; it is a leaf (no "
                             "task consumes its artifacts), so a forced retrigger creates a fresh copy; the failed "
                             "original stays",
                             cot, *deadline));
      } else {
        a = Make("nothing", "{}", "Deadline-exceeded leaf node release tasks",
                 fmt::format("the release task passed its deadline {} and is not a leaf: {} consume its artifacts; "
                             "a retrigger would leave them on the failed original. Consider a build 2 or advanced "
                             "relpro",
                             *deadline, DescribeConsumers(consumers)));
      }
    } else {
      a = Make(retriggerable ? "retrigger" : "retrigger-disabled", retriggerable ? R"({"times": 1})" : R"({"force": true})",
               "Intermittent tests in treeherder: retrigger",
               fmt::format("the task passed its deadline {}, so it cannot be rerun; a copy with fresh timestamps can "
                           "run",
                           *deadline));
    }
  } else {  // failed or exception, within its deadline
    const DependencyInfo* part1 = nullptr;
    for (const auto& d : deps)
      if (IsPart1(d.kind, d.label)) part1 = &d;
    if (IsPoller(kind, label) && part1 && part1->state == "completed") {
      a = Make("rerun-sequence", "{}", "Notarization poller timeouts: rerun (force)",
               fmt::format("the notarization poller {} timed out while {} ({}) completed: resubmitting is faster; "
                           "rerun (force) part-1, then the poller once part-1 finished",
                           state, part1->task_id, part1->label));
      auto& al = a.input.GetAllocator();
      JsonValue tasks(rapidjson::kArrayType);
      tasks.PushBack(Str(part1->task_id, al), al);
      tasks.PushBack(Str(f.task_id, al), al);
      a.input.AddMember("tasks", tasks, al);
      a.input.AddMember("force", true, al);
    } else if (release) {
      // Waiting dependents that could run without it?
      std::vector<std::string> runnable;
      for (const auto& d : f.dependents) {
        const JsonValue* st = Member(d, "status");
        const JsonValue* t = Member(d, "task");
        if (!st || !t || GetString(*st, "state") != std::string("unscheduled")) continue;
        const JsonValue* payload = Member(*t, "payload");
        if (payload && MentionsTaskId(*payload, f.task_id)) continue;
        runnable.push_back(GetString(*st, "taskId").value_or("?"));
      }
      const int failures = FailedRuns(f.status);
      if (failures >= 2 && !runnable.empty()) {
        std::string list;
        for (const auto& r : runnable) list += (list.empty() ? "" : ", ") + r;
        a = Make("rerun-dependents", "{}", "Release tasks with broken dependencies: cancel + rerun",
                 fmt::format("the release task failed {} times (repeatably), and {} waiting dependent(s) do not use "
                             "its artifacts: {}; if the failure is expected, let them run without it (each is "
                             "checked: other dependencies completed, no artifact consumed)",
                             failures, runnable.size(), list));
      } else {
        a = Make("rerun", "{}", "Broken release tasks: rerun",
                 fmt::format("a release task ({}) that failed should be rerun to unblock the graph: a retrigger "
                             "leaves the failed task in place, and with downstream forks the release graph",
                             cot));
      }
    } else if (retriggerable && !IsPullRequest(f.definition)) {
      a = Make("retrigger", R"({"times": 3})", "Intermittent tests in treeherder: retrigger",
               "a non-release task that may be intermittent: several copies run concurrently and show whether it "
               "fails reliably; tests need no Chain of Trust");
    } else if (retriggerable) {
      a = Make("rerun", "{}", "Broken Pull Request tasks: rerun",
               "a pull-request task: a rerun of the same taskId can turn the required check green");
    } else {
      a = Make("rerun", "{}", "Broken release tasks: rerun",
               "the task is not retriggerable; a rerun gives it a new run under the same taskId");
    }
  }

  if (a.action != "nothing") {
    // trigger picks actions by name; retrigger-disabled is the "retrigger" entry
    // that applies to tasks without retrigger: "true".
    const std::string name = a.action == "retrigger-disabled" ? "retrigger" : a.action;
    const bool group_action = a.action == "rerun-sequence";
    a.command = fmt::format("tc-action trigger --decision-task {}{} {} --input {}", group,
                            group_action ? "" : " --task " + f.task_id, name, ShellQuote(ToJson(a.input)));
  }
  return a;
}

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

int AdviseCommand(Queue& q, const std::string& task_id, bool json, std::ostream& out, std::ostream& err) {
  try {
    if (!IsSlugid(task_id)) throw BadInput("--task: \"" + task_id.substr(0, 40) + "\" is not a valid taskId");
    TaskFacts f = ReadTaskFacts(q, task_id, "--task", "");
    LoadDependents(q, f);
    std::vector<DependencyInfo> deps;
    if (const JsonValue* ds = Member(f.definition, "dependencies"); ds && ds->IsArray()) {
      for (const auto& d : ds->GetArray()) {
        if (!d.IsString()) continue;
        DependencyInfo di;
        di.task_id = d.GetString();
        try {
          Json t = q.Task(di.task_id);
          di.label = TaskLabel(t);
          di.kind = Kind(t);
          di.task_group_id = GetString(t, "taskGroupId").value_or("");
          di.state = GetString(ReadStatus(q, di.task_id), "state").value_or("unknown");
        } catch (const TcError& e) {
          if (!e.is_not_found()) throw;
          di.state = "missing";
        }
        deps.push_back(std::move(di));
      }
    }
    Advice a = Advise(f, deps, NowMs());
    if (json) {
      out << ToPrettyJson(AdviceJson(a)) << "\n";
    } else {
      out << "task:     " << task_id << (TaskLabel(f.definition).empty() ? "" : " (" + TaskLabel(f.definition) + ")")
          << ", " << GetString(f.status, "state").value_or("?") << "\n";
      out << "advice:   " << a.action << (a.input.ObjectEmpty() ? "" : " " + ToJson(a.input)) << "\n";
      out << "scenario: " << a.scenario << "\n";
      out << "why:      " << a.reason << "\n";
      if (!a.command.empty()) out << "command:  " << a.command << "\n";
    }
    return 0;
  } catch (const BadInput& e) {
    err << "tc-action advise: error: " << e.what() << "\n";
    return static_cast<int>(ExitCode::kBadInput);
  } catch (const TcError& e) {
    err << "tc-action advise: error: " << e.what() << "\n";
    return static_cast<int>(e.status() == 404 ? ExitCode::kBadInput : ExitCode::kTaskcluster);
  }
}

}  // namespace tc

// Fault matrix: build/tc-action run as a subprocess against an in-process
// emulator, with one fault injected per cell on the action's mutating calls
// (PUT task/..., POST .../rerun, POST .../cancel) and, for the downstream
// retrigger, on the GET of the decision task's public/full-task-graph.json.
// The world is a push (tests/support/task_graph.h): copies are made from its
// full graph, taskIds derived from (TASK_ID, label, copy).
//
// Every cell asserts, from the emulator's journal and the final queue state:
//   - the fault actually fired (the cell is not vacuous);
//   - the set of created tasks is exactly the intended one (distinct taskIds,
//     nothing lost, nothing duplicated, each definition the intended copy:
//     extra.parent, dependencies [action task, ..., decision], references
//     resolved to the new copies);
//   - reruns and cancels took effect exactly once (runs count);
//   - no committed mutation outside the intended set;
//   - the exit status and report.json (0 when retries absorbed the fault,
//     3 with per-op statuses when not).
// At the end of the run a table (action x fault -> outcome) is printed to stdout.
//
// Latency beyond the client's 30 s receive timeout: ClientConfigFromEnv has no
// timeout, set short with TASKCLUSTER_RECEIVE_TIMEOUT (retrigger x3: 5 s delay, 2 s timeout).
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include "emulator_world.h"
#include "actions/plan.h"
#include "core/task.h"
#include "core/schema.h"
#include "core/slugid.h"
#include "test_util.h"
#include "core/timestamp.h"

using namespace tc;
using tctest::TaskDef;

namespace {

const char* kHookToken = "hook-token-for-fault-matrix-tests-00000000";
const char* kHookClient = "project/gecko/action-hook";

// ---------------------------------------------------------------- the table

const std::vector<std::string> kColumns = {"500 x2",      "503 x2", "reset x2", "reset-after-commit x2",
                                           "latency > timeout", "409", "retried action task"};
std::map<std::string, std::map<std::string, std::string>>& Table() {
  static std::map<std::string, std::map<std::string, std::string>> t;
  return t;
}
std::vector<std::string>& RowOrder() {
  static std::vector<std::string> r;
  return r;
}
void Record(const std::string& row, const std::string& col, const std::string& outcome) {
  if (!Table().count(row)) RowOrder().push_back(row);
  Table()[row][col] = outcome;
}

struct TablePrinter : Catch::TestEventListenerBase {
  using TestEventListenerBase::TestEventListenerBase;
  void testRunEnded(const Catch::TestRunStats&) override {
    if (Table().empty()) return;
    std::cout << "\nFault matrix (action x fault -> outcome):\n\n| action | fault on | ";
    for (const auto& c : kColumns) std::cout << c << " | ";
    std::cout << "\n|---|---|";
    for (size_t i = 0; i < kColumns.size(); ++i) std::cout << "---|";
    std::cout << "\n";
    for (const auto& row : RowOrder()) {
      auto split = row.find(" @ ");
      std::cout << "| " << row.substr(0, split) << " | " << (split == std::string::npos ? "" : row.substr(split + 3))
                << " | ";
      for (const auto& c : kColumns) {
        auto it = Table()[row].find(c);
        std::string cell = it != Table()[row].end() ? it->second : c == "latency > timeout" ? "not run" : "-";
        std::cout << cell << " | ";
      }
      std::cout << "\n";
    }
    std::cout << "\n(x2 = the fault fires on the first 2 tries of one request; \"retried action task\" = 500 x6 on one "
                 "request, so the client's 5 retries are exhausted, then the same TASK_ID runs again without faults; "
                 "409 on rerun/cancel = the task's deadline passes while the request is in flight; latency > timeout = "
                 "the client's receive timeout is set to 2 s with TASKCLUSTER_RECEIVE_TIMEOUT and the request is "
                 "delayed 5 s)\n"
              << std::flush;
  }
};
CATCH_REGISTER_LISTENER(TablePrinter)

// ---------------------------------------------------------------- the world

bool HasString(const JsonValue& arr, const std::string& s) {
  if (!arr.IsArray()) return false;
  for (const auto& v : arr.GetArray())
    if (v.IsString() && s == v.GetString()) return true;
  return false;
}

// a and b equal, except that timestamps in b are those of a + shift_ms.
bool SameShifted(const JsonValue& a, const JsonValue& b, int64_t shift_ms) {
  if (a.IsString() && b.IsString()) {
    auto ta = ParseTimestamp(a.GetString()), tb = ParseTimestamp(b.GetString());
    if (ta && tb) return tb->ms - ta->ms == shift_ms;
    return a == b;
  }
  if (a.IsObject() && b.IsObject()) {
    if (a.MemberCount() != b.MemberCount()) return false;
    for (const auto& m : a.GetObject()) {
      auto it = b.FindMember(m.name);
      if (it == b.MemberEnd() || !SameShifted(m.value, it->value, shift_ms)) return false;
    }
    return true;
  }
  if (a.IsArray() && b.IsArray()) {
    if (a.Size() != b.Size()) return false;
    for (rapidjson::SizeType i = 0; i < a.Size(); ++i)
      if (!SameShifted(a[i], b[i], shift_ms)) return false;
    return true;
  }
  return a == b;
}

struct World : tctest::EmulatorWorld {
  // graph world (downstream)
  std::string X, B, S, M, T, R;
  int receive_timeout_s = 0;  // TASKCLUSTER_RECEIVE_TIMEOUT for the run (0: the client's default)

  explicit World(int page_size = 1000)
      : EmulatorWorld([&] {
          tctest::EmulatorWorldOptions o;
          auto scopes = tctest::ActionHookScopes();
          scopes.push_back("assume:*");
          o.clients = {{kHookClient, kHookToken, scopes}};
          o.page_size = page_size;
          return o;
        }()) {}

  // The release push of tests/support/task_graph.h: X (toolchain, outside) <- B (build) <- S
  // (signing, consumes B) <- M (beetmover, consumes S, URL to B); T (test of B); R (release signing of B).
  void SeedGraph() {
    auto g = tctest::SeedReleaseGraph(queue(), push);
    X = g.X, B = g.B, S = g.S, M = g.M, T = g.T, R = g.R;
  }

  tctest::ProcResult Run(const std::string& action, const std::string& task_json, const std::string& input,
                         std::vector<std::string> args = {}) {
    std::map<std::string, std::string> extra;
    if (receive_timeout_s > 0) extra["TASKCLUSTER_RECEIVE_TIMEOUT"] = std::to_string(receive_timeout_s);
    auto r = EmulatorWorld::Run(action, task_json, input, extra, args);
    // one summary, progress lines and at most one error line, whatever the fault (issue 12)
    if (std::find(args.begin(), args.end(), "-v") == args.end()) {
      INFO(tctest::Describe(r));
      REQUIRE(tctest::OutputContract(r, action).empty());
    }
    return r;
  }

  // The downstream retrigger of B: its closure holds release (Chain-of-Trust) tasks
  // (signing, beetmover), which plain `retrigger` refuses to fork; retrigger-disabled
  // with force is the action that re-creates them.
  tctest::ProcResult RunDownstream(std::vector<std::string> args = {}) {
    return Run("retrigger-disabled", "\"" + B + "\"", R"({"downstream": true, "force": true})", args);
  }

  void Fault(const std::string& method, const std::string& path_regex, const std::string& kind, int times,
             int latency_ms = 0) {
    EmulatorFault f;
    f.method = method;
    f.path = path_regex;
    f.kind = kind;
    f.times = times;
    f.latency_ms = latency_ms;
    emu->AddFaults({f});
  }

  // Journal entries whose fault is `kind` and path matches fragment.
  int Fired(const std::string& kind, const std::string& fragment) {
    int n = 0;
    for (const auto& e : emu->Journal())
      if (e.fault && *e.fault == kind && e.path.find(fragment) != std::string::npos) ++n;
    return n;
  }
  // Every committed mutation is allowed (method + exact path in the set).
  void RequireOnlyIntendedMutations(const std::set<std::string>& allowed) {
    for (const auto& e : emu->Journal()) {
      if (!e.committed) continue;
      INFO("committed " << e.method << " " << e.path);
      REQUIRE(allowed.count(e.method + " " + e.path));
    }
  }
  std::string OpStatus(const Json& report, const std::string& task_id) {
    for (const auto& op : report["operations"].GetArray())
      if (task_id == op["taskId"].GetString()) return op["status"].GetString();
    return "<absent>";
  }
  std::string OpDetail(const Json& report, const std::string& task_id) {
    for (const auto& op : report["operations"].GetArray())
      if (task_id == op["taskId"].GetString() && op.HasMember("detail")) return op["detail"].GetString();
    return "";
  }
};

using tctest::Describe;

std::string PutPath(const std::string& id) { return "/api/queue/v1/task/" + id; }
// The GET of the decision's full-task-graph.json (the artifact name is URL-encoded in the path).
const char* kFullGraphGet = "^/api/queue/v1/task/[^/]+/artifacts/public(/|%2F)full-task-graph\\.json$";
std::string PostPath(const std::string& id, const std::string& what) { return "/api/queue/v1/task/" + id + "/" + what; }

void RequireReport(World& w, int code) {
  Json rep = w.Report();
  REQUIRE_FALSE(ValidateSchema("report.json", rep));
  REQUIRE(rep["exitCode"].GetInt() == code);
  const char* outcome = code == 0 ? "done" : code == 1 ? "refused" : code == 2 ? "bad-input" : "failed";
  REQUIRE(std::string(rep["outcome"].GetString()) == outcome);
}

// --------------------------------------------------------- retrigger x3

// The intended copies of T (retriggerable, failed, no dependencies; its label in
// the push's full graph): 3 copies at CopyTaskId(action_task, label, "0".."2"),
// each made from T's full-graph entry: T's definition with extra.parent, every
// timestamp shifted to now, depending on the action task and the decision.
void RequireRetriggerCopies(World& w, const std::string& orig, const std::set<std::string>& expect_ids,
                            const std::set<std::string>& before) {
  std::set<std::string> after = w.Ids();
  std::set<std::string> created;
  for (const auto& id : after)
    if (!before.count(id)) created.insert(id);
  REQUIRE(created == expect_ids);  // nothing lost, nothing extra, no duplicates
  Json o = w.emu->queue().Task(orig);
  for (const auto& id : created) {
    Json t = w.emu->queue().Task(id);
    REQUIRE(std::string(t["extra"]["parent"].GetString()) == w.action_task);
    REQUIRE(t["dependencies"].Size() == 2);
    REQUIRE(std::string(t["dependencies"][0].GetString()) == w.action_task);
    REQUIRE(std::string(t["dependencies"][1].GetString()) == w.group);
    // the same payload, every timestamp shifted by the same amount as created
    const int64_t shift = ParseTimestamp(t["created"].GetString())->ms - ParseTimestamp(o["created"].GetString())->ms;
    REQUIRE(shift >= 0);
    REQUIRE(SameShifted(o["payload"], t["payload"], shift));
    REQUIRE(SameShifted(o["deadline"], t["deadline"], shift));
    REQUIRE(SameShifted(o["expires"], t["expires"], shift));
    REQUIRE(t["metadata"]["name"] == o["metadata"]["name"]);
    REQUIRE(t["tags"] == o["tags"]);
    REQUIRE(std::string(t["taskGroupId"].GetString()) == w.group);
  }
}

const char* kLabel = "test-linux64/opt-mochitest-1";  // EmulatorWorld::Seed's

// The taskId of copy i of `label`, as the action task derives it.
std::string Copy(const std::string& action, int i, const std::string& label = kLabel) {
  return CopyTaskId(action, label, std::to_string(i));
}

std::set<std::string> Derived(const std::string& action, int n) {
  std::set<std::string> s;
  for (int i = 0; i < n; ++i) s.insert(Copy(action, i));
  return s;
}

std::set<std::string> PutsOf(const std::set<std::string>& ids) {
  std::set<std::string> s;
  for (const auto& id : ids) s.insert("PUT " + PutPath(id));
  return s;
}

// --------------------------------------------------------- downstream

// Plans the downstream retrigger with --dry-run and returns original -> copy taskId
// (the copies are made by label from the full graph: matched through the labels).
std::map<std::string, std::string> DryRunDownstream(World& w) {
  auto r = w.RunDownstream({"--dry-run"});
  INFO(Describe(r));
  REQUIRE(r.status == 0);
  std::map<std::string, std::string> id_of;  // label -> original
  for (const auto& id : {w.B, w.S, w.M, w.T, w.R}) {
    const Json def = w.emu->queue().Task(id);
    id_of[TaskView(&def, nullptr).label()] = id;
  }
  std::map<std::string, std::string> m;
  Json rep = w.Report();  // keep the document alive while iterating it
  for (const auto& op : rep["operations"].GetArray()) {
    const std::string label = op["label"].GetString();
    REQUIRE(id_of.count(label));
    REQUIRE(std::string(op["taskId"].GetString()) == CopyTaskId(w.action_task, label, "0"));
    m[id_of.at(label)] = op["taskId"].GetString();
  }
  REQUIRE(m.size() == 5);
  int mutating = 0;
  for (const auto& e : w.emu->Journal()) mutating += e.mutating;
  REQUIRE(mutating == 0);
  w.emu->ClearJournal();
  return m;
}

// The copies that exist are exactly `expect` (originals), each made from the full graph
// with its references resolved to the new copies.
void RequireDownstreamCopies(World& w, const std::map<std::string, std::string>& copy, const std::set<std::string>& expect,
                             const std::set<std::string>& before) {
  std::set<std::string> created;
  for (const auto& id : w.Ids())
    if (!before.count(id)) created.insert(id);
  std::set<std::string> want;
  for (const auto& o : expect) want.insert(copy.at(o));
  REQUIRE(created == want);
  auto task = [&](const std::string& orig) { return w.emu->queue().Task(copy.at(orig)); };
  for (const auto& o : expect) {
    Json t = task(o);
    REQUIRE(std::string(t["extra"]["parent"].GetString()) == w.action_task);
    std::string text = ToJson(t);
    for (const auto& [old, nu] : copy) REQUIRE(text.find(old) == std::string::npos);  // no old id of the set survives
  }
  const std::string nb = copy.at(w.B), ns = copy.at(w.S);
  // every copy depends on the action task first
  for (const auto& o : expect) REQUIRE(std::string(task(o)["dependencies"][0].GetString()) == w.action_task);
  if (expect.count(w.B)) {  // the push's toolchain (reused), the decision (no dependency created with it)
    Json b = task(w.B);
    REQUIRE(b["dependencies"].Size() == 3);
    REQUIRE(HasString(b["dependencies"], w.X));
    REQUIRE(std::string(b["dependencies"][2].GetString()) == w.group);
  }
  if (expect.count(w.S)) {
    Json s = task(w.S);
    REQUIRE(s["dependencies"].Size() == 2);
    REQUIRE(HasString(s["dependencies"], nb));
    REQUIRE(std::string(s["payload"]["upstreamArtifacts"][0]["taskId"].GetString()) == nb);
  }
  if (expect.count(w.M)) {
    Json m = task(w.M);
    REQUIRE(m["dependencies"].Size() == 3);
    REQUIRE(HasString(m["dependencies"], nb));
    REQUIRE(HasString(m["dependencies"], ns));
    REQUIRE(std::string(m["payload"]["upstreamArtifacts"][0]["taskId"].GetString()) == ns);
    REQUIRE(std::string(m["payload"]["env"]["INSTALLER_URL"].GetString()).find(nb) != std::string::npos);
  }
  for (const auto& leaf : {w.T, w.R}) {
    if (!expect.count(leaf)) continue;
    Json t = task(leaf);
    REQUIRE(t["dependencies"].Size() == 2);
    REQUIRE(HasString(t["dependencies"], nb));
  }
}

std::set<std::string> Values(const std::map<std::string, std::string>& m) {
  std::set<std::string> s;
  for (const auto& [k, v] : m) s.insert(v);
  return s;
}

// After a run that exited 0: report.json says so, every copy of the closure
// exists (made from the full graph), each created once, and nothing else was committed.
void RequireAllCopied(World& w, const std::map<std::string, std::string>& copy, const std::set<std::string>& before) {
  RequireReport(w, 0);
  RequireDownstreamCopies(w, copy, {w.B, w.S, w.M, w.T, w.R}, before);
  w.RequireOnlyIntendedMutations(PutsOf(Values(copy)));
}

// --------------------------------------------------------- cancel-all

struct CancelWorld {
  World w{2};  // page size 2: the listing takes several pages
  std::vector<std::string> live;
  std::string done;
  CancelWorld() {
    for (int i = 0; i < 5; ++i) live.push_back(w.Seed(i % 2 ? "pending" : "running"));
    done = w.Seed("completed");
    w.emu->ClearJournal();
  }
  std::set<std::string> Allowed() {
    std::set<std::string> s;
    for (const auto& id : live) s.insert("POST " + PostPath(id, "cancel"));
    return s;
  }
  // Cancelled exactly once: one run, exception/canceled.
  void RequireCancelled(const std::string& id) {
    Json st = w.Status(id);
    REQUIRE(std::string(st["status"]["state"].GetString()) == "exception");
    REQUIRE(st["status"]["runs"].Size() == 1);
    REQUIRE(std::string(st["status"]["runs"][0]["reasonResolved"].GetString()) == "canceled");
  }
  void RequireRest() {
    REQUIRE(w.State(done) == "completed");
    REQUIRE(w.Runs(done) == 1);
    REQUIRE(w.State(w.action_task) == "running");
    REQUIRE(w.State(w.group) == "completed");
  }
};

const std::vector<std::string> kTransient = {"500", "503", "reset", "reset-after-commit"};

std::string Col(const std::string& kind) { return kind + " x2"; }

}  // namespace

// ======================================================================
TEST_CASE("matrix: retrigger x3 under transient faults on one PUT") {
  for (const auto& kind : kTransient) {
    DYNAMIC_SECTION(kind) {
      World w;
      std::string t = w.Seed("failed");
      std::set<std::string> before = w.Ids();
      std::string target = Copy(w.action_task, 1);
      w.Fault("PUT", PutPath(target) + "$", kind, 2);
      auto r = w.Run("retrigger", "\"" + t + "\"", R"({"times": 3})");
      INFO(Describe(r));
      REQUIRE(r.status == 0);
      REQUIRE(w.Fired(kind, target) == 2);
      RequireReport(w, 0);
      RequireRetriggerCopies(w, t, Derived(w.action_task, 3), before);
      w.RequireOnlyIntendedMutations(PutsOf(Derived(w.action_task, 3)));
      Record("retrigger x3 @ 2nd PUT", Col(kind), "exit 0, 3/3 created, 0 dup");
    }
  }
}

TEST_CASE("matrix: retrigger x3, a taskId already taken by someone else (409)") {
  World w;
  std::string t = w.Seed("failed");
  std::string target = Copy(w.action_task, 1);
  // someone else's task at the id tc-action derives for the 2nd copy
  Json other = TaskDef(w.group, w.emu->queue().NowMs(), 0, true, "someone-else");
  other["extra"].AddMember("parent", Str(NewSlugid(), other.GetAllocator()), other.GetAllocator());
  w.emu->queue().SeedTask(target, other, "pending");
  w.emu->queue().FinishSeeding();
  w.emu->ClearJournal();
  std::set<std::string> before = w.Ids();
  auto r = w.Run("retrigger", "\"" + t + "\"", R"({"times": 3})");
  INFO(Describe(r));
  REQUIRE(r.status == 3);
  RequireReport(w, 3);
  Json rep = w.Report();
  REQUIRE(w.OpStatus(rep, Copy(w.action_task, 0)) == "done");
  REQUIRE(w.OpStatus(rep, target) == "failed");
  REQUIRE_THAT(w.OpDetail(rep, target), Catch::Contains("already exists") &&
                                            Catch::Contains("not created by action task " + w.action_task));
  REQUIRE(w.OpStatus(rep, Copy(w.action_task, 2)) == "done");
  REQUIRE_THAT(tctest::WithoutProgress(r.err), Catch::StartsWith("tc-action: error: 1 of 3 operations failed"));
  std::set<std::string> want = {Copy(w.action_task, 0), Copy(w.action_task, 2)};
  RequireRetriggerCopies(w, t, want, before);
  // the other task is untouched
  Json still = w.emu->queue().Task(target);
  REQUIRE(still["metadata"]["name"] == "someone-else");
  REQUIRE(w.Runs(target) == 1);
  int conflicts = 0;
  for (const auto& e : w.emu->Journal()) conflicts += e.method == "PUT" && e.status == 409;
  REQUIRE(conflicts == 1);
  w.RequireOnlyIntendedMutations(PutsOf(want));
  Record("retrigger x3 @ 2nd PUT", "409", "exit 3, 2/3 created, 1 failed (taken id), 0 dup");
}

TEST_CASE("matrix: retrigger x3, a taskId already taken by this action task for another label (409)") {
  // A retried action task whose plan shifted must not count another label's task as its copy:
  // a 409 is "already created" only for extra.parent == TASK_ID and the same label.
  World w;
  std::string t = w.Seed("failed");
  std::string target = Copy(w.action_task, 1);
  Json other = TaskDef(w.group, w.emu->queue().NowMs(), 0, true, "test-linux64/opt-another-label");
  other["extra"].AddMember("parent", Str(w.action_task, other.GetAllocator()), other.GetAllocator());
  w.emu->queue().SeedTask(target, other, "pending");
  w.emu->queue().FinishSeeding();
  w.emu->ClearJournal();
  std::set<std::string> before = w.Ids();
  auto r = w.Run("retrigger", "\"" + t + "\"", R"({"times": 3})");
  INFO(Describe(r));
  REQUIRE(r.status == 3);
  RequireReport(w, 3);
  Json rep = w.Report();
  REQUIRE(w.OpStatus(rep, target) == "failed");
  REQUIRE_THAT(w.OpDetail(rep, target), Catch::Contains("already exists") &&
                                            Catch::Contains("created by this action task for another label"));
  std::set<std::string> want = {Copy(w.action_task, 0), Copy(w.action_task, 2)};
  RequireRetriggerCopies(w, t, want, before);
  REQUIRE(w.emu->queue().Task(target)["metadata"]["name"] == "test-linux64/opt-another-label");
  w.RequireOnlyIntendedMutations(PutsOf(want));
  Record("retrigger x3 @ 2nd PUT (id taken by this action task, another label)", "409",
         "exit 3, 2/3 created, 1 failed (not counted as done), 0 dup");
}

TEST_CASE("matrix: retrigger x3, the action task is retried after exhausting retries") {
  World w;
  std::string t = w.Seed("failed");
  std::set<std::string> before = w.Ids();
  std::string target = Copy(w.action_task, 1);
  w.Fault("PUT", PutPath(target) + "$", "500", 6);
  auto r = w.Run("retrigger", "\"" + t + "\"", R"({"times": 3})");
  INFO(Describe(r));
  REQUIRE(r.status == 3);
  REQUIRE(w.Fired("500", target) == 6);
  RequireReport(w, 3);
  Json rep = w.Report();
  REQUIRE(w.OpStatus(rep, Copy(w.action_task, 0)) == "done");
  REQUIRE(w.OpStatus(rep, target) == "failed");
  REQUIRE_THAT(w.OpDetail(rep, target), Catch::Contains("500"));
  REQUIRE(w.OpStatus(rep, Copy(w.action_task, 2)) == "done");
  RequireRetriggerCopies(w, t, {Copy(w.action_task, 0), Copy(w.action_task, 2)}, before);
  // the action task is retried (same TASK_ID), the queue is healthy again
  r = w.Run("retrigger", "\"" + t + "\"", R"({"times": 3})");
  INFO(Describe(r));
  REQUIRE(r.status == 0);
  RequireReport(w, 0);
  RequireRetriggerCopies(w, t, Derived(w.action_task, 3), before);
  w.RequireOnlyIntendedMutations(PutsOf(Derived(w.action_task, 3)));
  Record("retrigger x3 @ 2nd PUT", "retried action task", "exit 3 (2/3) then 0, 3/3 created, 0 dup");
}

TEST_CASE("matrix: retrigger x3, latency beyond the client's receive timeout") {
  World w;
  w.receive_timeout_s = 2;  // TASKCLUSTER_RECEIVE_TIMEOUT; the delay is 5 s
  std::string t = w.Seed("failed");
  std::set<std::string> before = w.Ids();
  std::string target = Copy(w.action_task, 1);
  w.Fault("PUT", PutPath(target) + "$", "latency", 1, 5000);
  auto t0 = std::chrono::steady_clock::now();
  auto r = w.Run("retrigger", "\"" + t + "\"", R"({"times": 3})");
  auto took = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - t0).count();
  INFO(Describe(r));
  REQUIRE(r.status == 0);
  REQUIRE(took >= 2);  // the client waited for its receive timeout, then retried
  // The delayed request is still in the emulator: wait until it lands (it then
  // replays the same createTask: idempotent), and check the final state after it.
  for (int i = 0; i < 200 && w.Fired("latency", target) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  REQUIRE(w.Fired("latency", target) == 1);
  RequireReport(w, 0);
  RequireRetriggerCopies(w, t, Derived(w.action_task, 3), before);
  w.RequireOnlyIntendedMutations(PutsOf(Derived(w.action_task, 3)));
  for (const auto& e : w.emu->Journal())
    if (e.method == "PUT" && e.path.find(target) != std::string::npos) REQUIRE((e.status == 200 || e.status == 0));
  Record("retrigger x3 @ 2nd PUT", "latency > timeout",
         "exit 0 after " + std::to_string(took) + " s, 3/3 created, late replay idempotent, 0 dup");
}

// ======================================================================
TEST_CASE("matrix: retrigger with downstream under transient faults on one PUT") {
  for (const auto& kind : kTransient) {
    DYNAMIC_SECTION(kind) {
      World w;
      w.SeedGraph();
      auto copy = DryRunDownstream(w);
      std::set<std::string> before = w.Ids();
      w.Fault("PUT", PutPath(copy.at(w.S)) + "$", kind, 2);  // the signing copy, mid-chain
      auto r = w.RunDownstream();
      INFO(Describe(r));
      REQUIRE(r.status == 0);
      REQUIRE(w.Fired(kind, copy.at(w.S)) == 2);
      RequireAllCopied(w, copy, before);
      Record("retrigger-disabled downstream+force @ PUT of the signing copy", Col(kind), "exit 0, 5/5 created, 0 dup");
    }
  }
}

TEST_CASE("matrix: retrigger with downstream under transient faults on the full-task-graph.json GET") {
  for (const auto& kind : kTransient) {
    DYNAMIC_SECTION(kind) {
      World w;
      w.SeedGraph();
      auto copy = DryRunDownstream(w);
      std::set<std::string> before = w.Ids();
      w.Fault("GET", kFullGraphGet, kind, 2);
      auto r = w.RunDownstream();
      INFO(Describe(r));
      REQUIRE(r.status == 0);
      REQUIRE(w.Fired(kind, "full-task-graph.json") == 2);
      RequireAllCopied(w, copy, before);
      Record("retrigger-disabled downstream+force @ GET full-task-graph.json", Col(kind), "exit 0, 5/5 created, 0 dup");
    }
  }
}

TEST_CASE("matrix: retrigger with downstream, a copy's taskId already taken (409)") {
  World w;
  w.SeedGraph();
  auto copy = DryRunDownstream(w);
  Json other = TaskDef(w.group, w.emu->queue().NowMs(), 0, false, "someone-else");
  w.emu->queue().SeedTask(copy.at(w.S), other, "pending");
  w.emu->queue().FinishSeeding();
  w.emu->ClearJournal();
  std::set<std::string> before = w.Ids();
  auto r = w.RunDownstream();
  INFO(Describe(r));
  REQUIRE(r.status == 3);
  RequireReport(w, 3);
  Json rep = w.Report();
  REQUIRE(w.OpStatus(rep, copy.at(w.B)) == "done");
  REQUIRE(w.OpStatus(rep, copy.at(w.S)) == "failed");
  REQUIRE_THAT(w.OpDetail(rep, copy.at(w.S)), Catch::Contains("already exists"));
  REQUIRE(w.OpStatus(rep, copy.at(w.M)) == "skipped");  // depends on the signing copy: never sent
  REQUIRE_THAT(w.OpDetail(rep, copy.at(w.M)), Catch::Contains("not sent"));
  REQUIRE(w.OpStatus(rep, copy.at(w.T)) == "done");
  REQUIRE(w.OpStatus(rep, copy.at(w.R)) == "done");
  RequireDownstreamCopies(w, copy, {w.B, w.T, w.R}, before);
  REQUIRE(w.emu->queue().Task(copy.at(w.S))["metadata"]["name"] == "someone-else");
  for (const auto& e : w.emu->Journal()) REQUIRE(e.path.find(copy.at(w.M)) == std::string::npos);
  w.RequireOnlyIntendedMutations(PutsOf({copy.at(w.B), copy.at(w.T), copy.at(w.R)}));
  Record("retrigger-disabled downstream+force @ PUT of the signing copy", "409",
         "exit 3, 3/5 created, signing failed (taken id), beetmover not sent");
}

TEST_CASE("matrix: retrigger with downstream, the action task is retried after exhausting retries on a PUT") {
  World w;
  w.SeedGraph();
  auto copy = DryRunDownstream(w);
  std::set<std::string> before = w.Ids();
  w.Fault("PUT", PutPath(copy.at(w.S)) + "$", "500", 6);
  auto r = w.RunDownstream();
  INFO(Describe(r));
  REQUIRE(r.status == 3);
  REQUIRE(w.Fired("500", copy.at(w.S)) == 6);
  RequireReport(w, 3);
  Json rep = w.Report();
  REQUIRE(w.OpStatus(rep, copy.at(w.S)) == "failed");
  REQUIRE(w.OpStatus(rep, copy.at(w.M)) == "skipped");
  RequireDownstreamCopies(w, copy, {w.B, w.T, w.R}, before);
  r = w.RunDownstream();
  INFO(Describe(r));
  REQUIRE(r.status == 0);
  RequireAllCopied(w, copy, before);
  Record("retrigger-disabled downstream+force @ PUT of the signing copy", "retried action task",
         "exit 3 (3/5, beetmover not sent) then 0, 5/5 created, 0 dup");
}

TEST_CASE("matrix: retrigger with downstream, the action task is retried after exhausting retries on the GET") {
  World w;
  w.SeedGraph();
  auto copy = DryRunDownstream(w);
  std::set<std::string> before = w.Ids();
  w.Fault("GET", kFullGraphGet, "500", 6);
  auto r = w.RunDownstream();
  INFO(Describe(r));
  REQUIRE(r.status == 3);
  REQUIRE(w.Fired("500", "full-task-graph.json") == 6);
  RequireReport(w, 3);
  REQUIRE(w.Report()["operations"].Size() == 0);
  // the error names the artifact, the decision and the call
  REQUIRE_THAT(tctest::WithoutProgress(r.err), Catch::StartsWith("tc-action: error: public/full-task-graph.json of task " + w.group) &&
                          Catch::Contains("queue.getLatestArtifact: 500"));
  REQUIRE(w.Ids() == before);
  for (const auto& e : w.emu->Journal()) REQUIRE_FALSE(e.mutating);
  r = w.RunDownstream();
  INFO(Describe(r));
  REQUIRE(r.status == 0);
  RequireAllCopied(w, copy, before);
  Record("retrigger-disabled downstream+force @ GET full-task-graph.json", "retried action task",
         "exit 3 (nothing mutated) then 0, 5/5 created, 0 dup");
  Record("retrigger-disabled downstream+force @ GET full-task-graph.json", "409", "n/a");
}

// ======================================================================
TEST_CASE("matrix: rerun under transient faults") {
  for (const auto& kind : kTransient) {
    DYNAMIC_SECTION(kind) {
      World w;
      std::string id = w.Seed("exception");
      w.emu->ClearJournal();
      w.Fault("POST", PostPath(id, "rerun") + "$", kind, 2);
      auto r = w.Run("rerun", "\"" + id + "\"", "{}");
      INFO(Describe(r));
      REQUIRE(r.status == 0);
      REQUIRE(w.Fired(kind, id) == 2);
      RequireReport(w, 0);
      REQUIRE(w.OpStatus(w.Report(), id) == "done");
      REQUIRE(w.Runs(id) == 2);  // exactly one new run
      REQUIRE(w.State(id) == "pending");
      w.RequireOnlyIntendedMutations({"POST " + PostPath(id, "rerun")});
      Record("rerun @ POST rerun", Col(kind), "exit 0, exactly 1 new run");
    }
  }
}

TEST_CASE("matrix: rerun, the deadline passes while the request is in flight (409)") {
  World w;
  // deadline 3 s from now (wall clock), the rerun request delayed 4.5 s in the emulator
  std::string id = w.Seed("failed", true, 24LL * 3600 * 1000 - 3000);
  w.emu->ClearJournal();
  w.Fault("POST", PostPath(id, "rerun") + "$", "latency", 1, 4500);
  auto r = w.Run("rerun", "\"" + id + "\"", "{}");
  INFO(Describe(r));
  REQUIRE(w.Fired("latency", id) == 1);
  int conflicts = 0;
  for (const auto& e : w.emu->Journal()) conflicts += e.status == 409;
  REQUIRE(conflicts == 1);
  REQUIRE(r.status == 0);
  RequireReport(w, 0);
  REQUIRE(w.OpStatus(w.Report(), id) == "skipped");
  REQUIRE_THAT(w.OpDetail(w.Report(), id), Catch::Contains("deadline"));
  REQUIRE(w.Runs(id) == 1);  // no new run
  w.RequireOnlyIntendedMutations({});
  Record("rerun @ POST rerun", "409", "exit 0, op skipped (queue refused: deadline), 0 runs added");
}

TEST_CASE("matrix: rerun, the action task is retried after exhausting retries") {
  World w;
  std::string id = w.Seed("failed");
  w.emu->ClearJournal();
  w.Fault("POST", PostPath(id, "rerun") + "$", "500", 6);
  auto r = w.Run("rerun", "\"" + id + "\"", "{}");
  INFO(Describe(r));
  REQUIRE(r.status == 3);
  REQUIRE(w.Fired("500", id) == 6);
  RequireReport(w, 3);
  REQUIRE(w.OpStatus(w.Report(), id) == "failed");
  REQUIRE(w.Runs(id) == 1);
  REQUIRE(w.State(id) == "failed");
  r = w.Run("rerun", "\"" + id + "\"", "{}");
  INFO(Describe(r));
  REQUIRE(r.status == 0);
  RequireReport(w, 0);
  REQUIRE(w.Runs(id) == 2);
  REQUIRE(w.State(id) == "pending");
  // a third run (retried again) finds it pending: nothing to do
  r = w.Run("rerun", "\"" + id + "\"", "{}");
  REQUIRE(r.status == 0);
  REQUIRE(w.Runs(id) == 2);
  w.RequireOnlyIntendedMutations({"POST " + PostPath(id, "rerun")});
  Record("rerun @ POST rerun", "retried action task", "exit 3 (0 runs) then 0, exactly 1 new run");
}

// ======================================================================
TEST_CASE("matrix: rerun, latency beyond the client's receive timeout") {
  World w;
  w.receive_timeout_s = 2;
  std::string id = w.Seed("exception");
  w.emu->ClearJournal();
  w.Fault("POST", PostPath(id, "rerun") + "$", "latency", 1, 5000);
  auto r = w.Run("rerun", "\"" + id + "\"", "{}");
  INFO(Describe(r));
  REQUIRE(r.status == 0);
  for (int i = 0; i < 100 && w.Fired("latency", id) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the delayed rerun lands: a no-op on a pending task
  REQUIRE(w.Runs(id) == 2);  // exactly one new run
  REQUIRE(w.State(id) == "pending");
  Record("rerun @ POST rerun", "latency > timeout", "exit 0, exactly 1 new run (late replay a no-op)");
}

TEST_CASE("matrix: cancel-all, latency beyond the client's receive timeout on one cancel") {
  CancelWorld c;
  World& w = c.w;
  w.receive_timeout_s = 2;
  w.Fault("POST", PostPath(c.live[2], "cancel") + "$", "latency", 1, 5000);
  auto r = w.Run("cancel-all", "null", "{}");
  INFO(Describe(r));
  REQUIRE(r.status == 0);
  for (int i = 0; i < 100 && w.Fired("latency", c.live[2]) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (const auto& id : c.live) c.RequireCancelled(id);
  c.RequireRest();
  Record("cancel-all (5 live, page size 2) @ one POST cancel", "latency > timeout", "exit 0, 5/5 cancelled once");
}

TEST_CASE("matrix: cancel-all (paged listing) under transient faults on one cancel") {
  for (const auto& kind : kTransient) {
    DYNAMIC_SECTION(kind) {
      CancelWorld c;
      World& w = c.w;
      w.Fault("POST", PostPath(c.live[2], "cancel") + "$", kind, 2);
      auto r = w.Run("cancel-all", "null", "{}");
      INFO(Describe(r));
      REQUIRE(r.status == 0);
      REQUIRE(w.Fired(kind, c.live[2]) == 2);
      RequireReport(w, 0);
      REQUIRE(w.Report()["operations"].Size() == c.live.size());
      for (const auto& id : c.live) c.RequireCancelled(id);
      c.RequireRest();
      w.RequireOnlyIntendedMutations(c.Allowed());
      Record("cancel-all (5 live, page size 2) @ one POST cancel", Col(kind), "exit 0, 5/5 cancelled once");
    }
  }
}

TEST_CASE("matrix: cancel-all, one task's deadline passes while its cancel is in flight (409)") {
  World w(2);
  std::vector<std::string> live;
  for (int i = 0; i < 4; ++i) live.push_back(w.Seed(i % 2 ? "pending" : "running"));
  std::string late = w.Seed("pending", true, 24LL * 3600 * 1000 - 3000);
  w.emu->ClearJournal();
  w.Fault("POST", PostPath(late, "cancel") + "$", "latency", 1, 4500);
  auto r = w.Run("cancel-all", "null", "{}");
  INFO(Describe(r));
  REQUIRE(w.Fired("latency", late) == 1);
  REQUIRE(r.status == 0);
  RequireReport(w, 0);
  Json rep = w.Report();
  REQUIRE(w.OpStatus(rep, late) == "skipped");
  REQUIRE(w.State(late) == "pending");
  REQUIRE(w.Runs(late) == 1);
  std::set<std::string> allowed;
  for (const auto& id : live) {
    REQUIRE(w.OpStatus(rep, id) == "done");
    REQUIRE(w.State(id) == "exception");
    REQUIRE(w.Runs(id) == 1);
    allowed.insert("POST " + PostPath(id, "cancel"));
  }
  w.RequireOnlyIntendedMutations(allowed);
  Record("cancel-all (5 live, page size 2) @ one POST cancel", "409",
         "exit 0, 4/5 cancelled, 1 skipped (queue refused: deadline)");
}

TEST_CASE("matrix: cancel-all, the action task is retried after exhausting retries on one cancel") {
  CancelWorld c;
  World& w = c.w;
  w.Fault("POST", PostPath(c.live[2], "cancel") + "$", "500", 6);
  auto r = w.Run("cancel-all", "null", "{}");
  INFO(Describe(r));
  REQUIRE(r.status == 3);
  REQUIRE(w.Fired("500", c.live[2]) == 6);
  RequireReport(w, 3);
  Json rep = w.Report();
  for (const auto& id : c.live) {
    if (id == c.live[2]) {
      REQUIRE(w.OpStatus(rep, id) == "failed");
      REQUIRE(w.Runs(id) == 1);
      REQUIRE(w.State(id) != "exception");
    } else {
      REQUIRE(w.OpStatus(rep, id) == "done");
      c.RequireCancelled(id);
    }
  }
  r = w.Run("cancel-all", "null", "{}");
  INFO(Describe(r));
  REQUIRE(r.status == 0);
  RequireReport(w, 0);
  REQUIRE(w.Report()["operations"].Size() == 1);  // only the one left
  for (const auto& id : c.live) c.RequireCancelled(id);
  c.RequireRest();
  w.RequireOnlyIntendedMutations(c.Allowed());
  Record("cancel-all (5 live, page size 2) @ one POST cancel", "retried action task",
         "exit 3 (4/5) then 0, 5/5 cancelled once");
}

// The release-engineering scenarios of the rerun-vs-retrigger guide, each on
// an emulator world built to match it, through build/tc-action over HTTP.
// Assertions read the emulator's journal: the exact queue calls made, and
// that refused actions made none. `advise` is checked on every world.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <set>
#include <thread>

#include "actions/registry.h"
#include "emulator_world.h"
#include "core/schema.h"
#include "core/slugid.h"
#include "core/timestamp.h"
#include "test_util.h"

using namespace tc;
using tctest::TaskDef;

namespace {

const char* kToken = "scenario-token-scenario-token-scenario-00";

// One client with every scope; the decision task is a real decision (kind
// decision-task, indexed), so that retrigger-decision applies to it; every
// task a scenario adds is in its push (full graph and label map).
struct World : tctest::EmulatorWorld {
  World()
      : EmulatorWorld([] {
          tctest::EmulatorWorldOptions o;
          o.clients = {{"releng/action", kToken, {"*"}}};
          return o;
        }()) {}

  // A task: kind, label, dependencies, consumed upstream tasks (upstreamArtifacts), age.
  Json Def(const std::string& kind, const std::string& label, const std::vector<std::string>& deps = {},
           const std::vector<std::string>& consumes = {}, bool retrigger = false, int64_t age_ms = 3600 * 1000,
           const std::string& group_id = "") {
    Json d = TaskDef(group_id.empty() ? group : group_id, queue().NowMs(), age_ms, retrigger, label);
    auto& a = d.GetAllocator();
    d["tags"]["kind"].SetString(kind.c_str(), a);
    for (const auto& x : deps) d["dependencies"].PushBack(Str(x, a), a);
    if (!consumes.empty()) {
      JsonValue ua(rapidjson::kArrayType);
      for (const auto& c : consumes) {
        JsonValue u(rapidjson::kObjectType);
        u.AddMember("taskId", Str(c, a), a);
        u.AddMember("taskType", "build", a);
        JsonValue paths(rapidjson::kArrayType);
        paths.PushBack("public/build/target.tar.gz", a);
        u.AddMember("paths", paths, a);
        ua.PushBack(u, a);
      }
      d["payload"].AddMember("upstreamArtifacts", ua, a);
      d["scopes"].PushBack("project:releng:signing:cert:nightly-signing", a);
    }
    return d;
  }
  // Seeds a task in `state` (with `runs` runs) and adds it to the push (published).
  std::string Add(const Json& def, const std::string& state, int runs = 1) {
    std::string id = NewSlugid();
    Json r(rapidjson::kNumberType);
    r.SetInt(runs);
    queue().SeedTask(id, def, state, runs > 1 ? &r : nullptr);
    queue().FinishSeeding();
    push.Add(id, def);
    Publish();
    return id;
  }

  std::map<std::string, std::string> Env() {
    auto env = creds;
    env["PATH"] = "/usr/bin:/bin";
    return env;
  }
  tctest::ProcResult Run(const std::string& action, const std::string& task_json, const std::string& input,
                         std::vector<std::string> extra_args = {}) {
    return EmulatorWorld::Run(action, task_json, input, {}, extra_args);
  }
  tctest::ProcResult RunOn(const std::string& action, const std::string& id, const std::string& input = "{}") {
    return Run(action, "\"" + id + "\"", input);
  }
  Json Advise(const std::string& id) {
    auto r = tctest::RunTcAction({"advise", "--task", id, "--json"}, Env());
    INFO(r.out << r.err);
    REQUIRE(r.status == 0);
    return ParseJson(r.out, "advise");
  }
  std::string Warnings() {
    std::string all;
    Json rep = Report();  // keep the document alive while iterating it
    for (const auto& w : rep["warnings"].GetArray()) all += std::string(w.GetString()) + "\n";
    return all;
  }
};

using tctest::Describe;

// ---------------------------------------------------------------- the scenario worlds
// Each builds the tasks of one scenario of the guide into a World (and
// clears the journal): the scenario tests below and the advise/run
// agreement test share them.

// A nightly graph: build <- signing (consumes it) <- beetmover (consumes signing); a failed test of the build.
struct Nightly {
  std::string B, S, M, T;
  std::vector<std::string> all() const { return {B, S, M, T}; }
};
Nightly BuildNightly(World& w) {
  Nightly n;
  n.B = w.Add(w.Def("build", "build-linux64-shippable/opt", {}, {}, true), "completed");
  n.S = w.Add(w.Def("build-signing", "build-signing-linux64-shippable/opt", {n.B}, {n.B}), "completed");
  n.M = w.Add(w.Def("beetmover-repackage", "beetmover-repackage-linux64-shippable/opt", {n.S}, {n.S}), "completed");
  n.T = w.Add(w.Def("test", "test-linux64-shippable/opt-xpcshell-1", {n.B}, {}, true), "failed");
  w.emu->ClearJournal();
  return n;
}

// Notarization: part-1 completed; its poller (consumes part-1) failed (timed out).
struct Notarization {
  std::string P, Q;
  std::vector<std::string> all() const { return {P, Q}; }
};
Notarization BuildNotarization(World& w) {
  Notarization n;
  n.P = w.Add(w.Def("notarization-part-1", "notarization-part-1-macosx64-shippable/opt", {}, {}), "completed");
  n.Q = w.Add(w.Def("notarization-poller", "notarization-poller-macosx64-shippable/opt", {n.P}, {n.P}), "failed");
  w.emu->ClearJournal();
  return n;
}

// A release task R that failed twice; its dependents: D1 (other dependency
// completed), D2 (consumes R), D3 (another dependency still pending).
struct BrokenDependency {
  std::string ok, pend, R, D1, D2, D3;
  std::vector<std::string> all() const { return {ok, pend, R, D1, D2, D3}; }
};
BrokenDependency BuildBrokenDependency(World& w) {
  BrokenDependency b;
  b.ok = w.Add(w.Def("build", "build-win64/opt"), "completed");
  b.pend = w.Add(w.Def("build", "build-win32/opt"), "pending");
  b.R = w.Add(w.Def("release-secondary-update-verify", "release-update-verify-config-win64", {b.ok}, {}), "failed", 2);
  b.D1 = w.Add(w.Def("release-notify-ship", "release-notify-ship", {b.R, b.ok}), "unscheduled");
  b.D2 = w.Add(w.Def("release-beetmover", "release-beetmover-win64", {b.R}, {b.R}), "unscheduled");
  b.D3 = w.Add(w.Def("release-mark-as-shipped", "release-mark-as-shipped", {b.R, b.pend}), "unscheduled");
  w.emu->ClearJournal();
  return b;
}

// Release tasks 3 days past their deadline: a leaf L (depending on a task
// of an earlier phase, another group), and N, consumed by C.
struct DeadlineExceeded {
  std::string prev, L, N, C;
  std::vector<std::string> all() const { return {prev, L, N, C}; }
};
DeadlineExceeded BuildDeadlineExceeded(World& w) {
  DeadlineExceeded d;
  std::string prev_group = NewSlugid();
  d.prev = NewSlugid();  // a task of an earlier release phase (another group)
  w.emu->queue().SeedTask(d.prev, w.Def("build", "build-linux64/opt", {}, {}, false, 3600 * 1000, prev_group), "completed");
  w.emu->queue().FinishSeeding();  // in no label map of this push: a literal dependency in its full graph
  const int64_t three_days = 3LL * 24 * 3600 * 1000;
  d.L = w.Add(w.Def("release-mark-as-shipped", "release-mark-as-shipped", {d.prev}, {}, false, three_days), "failed");
  d.N = w.Add(w.Def("release-signing", "release-signing-linux64", {}, {}, false, three_days), "failed");
  d.C = w.Add(w.Def("release-beetmover", "release-beetmover-linux64", {d.N}, {d.N}, false, three_days), "unscheduled");
  w.emu->ClearJournal();
  return d;
}

// Until `stop`: a worker that completes (running, then `final_state`) every
// task of `ids` whose latest run a rerun created and that is still pending.
void CompleteReruns(World& w, const std::vector<std::string>& ids, const std::atomic<bool>& stop,
                    const std::string& final_state = "completed") {
  while (!stop) {
    for (const auto& id : ids) {
      Json st = w.Status(id);
      const auto& runs = st["status"]["runs"];
      if (runs.Size() >= 2 && w.State(id) == "pending" &&
          std::string(runs[runs.Size() - 1]["reasonCreated"].GetString()) == "rerun") {
        w.emu->queue().Drive(id, "running");
        w.emu->queue().Drive(id, final_state);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

TEST_CASE("scenario: nightly graph with signing -> beetmover chains (Chain of Trust)") {
  World w;
  const Nightly n = BuildNightly(w);
  const std::string &B = n.B, &S = n.S, &T = n.T;

  SECTION("rerun --force of the build: refused, signing already verified its artifacts") {
    auto r = w.RunOn("rerun", B, R"({"force": true})");
    INFO(Describe(r));
    REQUIRE(r.status == 1);
    REQUIRE_THAT(r.err, Catch::Contains(S) && Catch::Contains("Chain of Trust"));
    REQUIRE_THAT(r.err, !Catch::Contains(T));  // a test waits for it but consumes no verified artifact
    REQUIRE(w.Mutations().empty());
    r = w.RunOn("rerun", B, R"({"force": true, "acknowledge_cot_break": true})");
    REQUIRE(r.status == 0);
    REQUIRE(w.Mutations() == std::vector<std::string>{"POST " + B + "/rerun"});
    REQUIRE_THAT(w.Warnings(), Catch::Contains(S));
  }
  SECTION("retrigger with downstream of the build forks the release graph: refused unless forced") {
    auto r = w.RunOn("retrigger", B, R"({"downstream": true})");
    INFO(Describe(r));
    REQUIRE(r.status == 1);
    // the release labels it would re-create (by label: they are made from the push's full graph)
    REQUIRE_THAT(r.err, Catch::Contains("re-create 2 release") && Catch::Contains("build-signing-linux64-shippable/opt") &&
                            Catch::Contains("beetmover-repackage-linux64-shippable/opt") &&
                            Catch::Contains("retrigger-disabled"));
    REQUIRE(w.Mutations().empty());
    r = w.RunOn("retrigger-disabled", B, R"({"downstream": true, "force": true})");
    INFO(Describe(r));
    REQUIRE(r.status == 0);
    REQUIRE(w.Mutations().size() == 4);  // B S M T
    REQUIRE_THAT(w.Warnings(), Catch::Contains("forking the release graph"));
  }
  SECTION("scriptworker pool check: retrigger-disabled --force of a green signing task") {
    auto r = w.RunOn("retrigger-disabled", S, R"({"force": true})");
    INFO(Describe(r));
    REQUIRE(r.status == 0);
    auto m = w.Mutations();
    REQUIRE(m.size() == 1);
    REQUIRE(m[0].rfind("PUT ", 0) == 0);
    REQUIRE_THAT(w.Warnings(), Catch::Contains("Chain-of-Trust verifiable"));
    REQUIRE(w.State(S) == "completed");
  }
  SECTION("advise") {
    Json a = w.Advise(S);
    REQUIRE(a["action"] == "nothing");
    REQUIRE_THAT(std::string(a["scenario"].GetString()), Catch::Contains("scriptworker pools"));
    a = w.Advise(T);
    REQUIRE(a["action"] == "retrigger");
    REQUIRE_THAT(std::string(a["scenario"].GetString()), Catch::Contains("Intermittent"));
    REQUIRE_THAT(std::string(a["command"].GetString()),
                 Catch::StartsWith("tc-action trigger --decision-task " + w.group + " --task " + T + " retrigger"));
  }
}

TEST_CASE("scenario: notarization poller timeout -> rerun-sequence part-1, then the poller") {
  World w;
  const Notarization n = BuildNotarization(w);
  const std::string P = n.P, Q = n.Q;

  Json a = w.Advise(Q);
  REQUIRE(a["action"] == "rerun-sequence");
  REQUIRE(a["input"]["tasks"][0] == P.c_str());
  REQUIRE(a["input"]["tasks"][1] == Q.c_str());
  REQUIRE(a["input"]["force"] == true);
  REQUIRE_THAT(std::string(a["command"].GetString()), Catch::Contains("rerun-sequence") && !Catch::Contains("--task"));

  // A worker finishes part-1's new run while tc-action waits.
  std::atomic<bool> stop{false};
  std::string final_state = "completed";
  auto worker = [&] { CompleteReruns(w, {P}, stop, final_state); };
  const std::string input = "{\"tasks\": [\"" + P + "\", \"" + Q + "\"], \"force\": true}";

  SECTION("part-1 completes: the poller is rerun after it, each exactly once; a retry reruns nothing") {
    std::thread t(worker);
    auto r = w.Run("rerun-sequence", "null", input, {"--poll-interval", "0.05"});
    stop = true;
    t.join();
    INFO(Describe(r));
    REQUIRE(r.status == 0);
    REQUIRE(w.Mutations() == std::vector<std::string>{"POST " + P + "/rerun", "POST " + Q + "/rerun"});
    // the action task is retried: it resumes, and reruns nothing again
    r = w.Run("rerun-sequence", "null", input, {"--poll-interval", "0.05"});
    INFO(Describe(r));
    REQUIRE(r.status == 0);
    REQUIRE(w.Mutations().size() == 2);
  }
  SECTION("part-1 fails again: the sequence stops before the poller") {
    final_state = "failed";
    std::thread t(worker);
    auto r = w.Run("rerun-sequence", "null", input, {"--poll-interval", "0.05"});
    stop = true;
    t.join();
    INFO(Describe(r));
    REQUIRE(r.status == 3);
    REQUIRE(w.Mutations() == std::vector<std::string>{"POST " + P + "/rerun"});
    Json rep = w.Report();
    REQUIRE(rep["operations"][1]["status"] == "skipped");
  }
  SECTION("without force, a completed part-1 is refused before any rerun") {
    auto r = w.Run("rerun-sequence", "null", "{\"tasks\": [\"" + P + "\", \"" + Q + "\"]}");
    REQUIRE(r.status == 1);
    REQUIRE(w.Mutations().empty());
  }
}

TEST_CASE("scenario: release task with a broken dependency -> rerun-dependents (cancel + rerun)") {
  World w;
  const BrokenDependency b = BuildBrokenDependency(w);
  const std::string &R = b.R, &D1 = b.D1, &D2 = b.D2, &D3 = b.D3;

  Json a = w.Advise(R);
  REQUIRE(a["action"] == "rerun-dependents");
  REQUIRE_THAT(std::string(a["scenario"].GetString()), Catch::Contains("broken dependencies"));

  auto r = w.RunOn("rerun-dependents", R);
  INFO(Describe(r));
  REQUIRE(r.status == 0);
  REQUIRE(w.Mutations() == std::vector<std::string>{"POST " + D1 + "/cancel", "POST " + D1 + "/rerun"});
  REQUIRE(w.State(D1) == "pending");
  REQUIRE(w.State(D2) == "unscheduled");
  REQUIRE(w.State(D3) == "unscheduled");
  Json rep = w.Report();
  std::string details;
  for (const auto& op : rep["operations"].GetArray())
    details += std::string(op["taskId"].GetString()) + ": " + (op.HasMember("detail") ? op["detail"].GetString() : "") + "\n";
  REQUIRE_THAT(details, Catch::Contains(D2 + ": refused: it consumes"));
  REQUIRE_THAT(details, Catch::Contains(D3 + ": refused: other dependencies not completed"));
  REQUIRE_THAT(details, Catch::Contains("checked:"));
  // a retried action task does nothing more
  r = w.RunOn("rerun-dependents", R);
  REQUIRE(r.status == 1);  // nothing waiting can run any more: D1 runs already
  REQUIRE(w.Mutations().size() == 2);
}

TEST_CASE("scenario: deadline-exceeded release tasks: a leaf is retriggered by force, a non-leaf is refused") {
  World w;
  const DeadlineExceeded d = BuildDeadlineExceeded(w);
  const std::string &prev = d.prev, &L = d.L, &N = d.N, &C = d.C;

  Json a = w.Advise(L);
  REQUIRE(a["action"] == "retrigger-disabled");
  REQUIRE(a["input"]["force"] == true);
  REQUIRE_THAT(std::string(a["scenario"].GetString()), Catch::Contains("Deadline-exceeded leaf"));
  a = w.Advise(N);
  REQUIRE(a["action"] == "nothing");

  auto r = w.RunOn("retrigger-disabled", L, R"({"force": true})");
  INFO(Describe(r));
  REQUIRE(r.status == 0);
  auto m = w.Mutations();
  REQUIRE(m.size() == 1);
  std::string copy = m[0].substr(4);
  Json t = w.emu->queue().Task(copy);
  REQUIRE(ParseTimestamp(t["deadline"].GetString())->ms > w.emu->queue().NowMs());
  std::string warnings = w.Warnings();
  REQUIRE_THAT(warnings, Catch::Contains(prev) && Catch::Contains("outside its task group"));
  REQUIRE_THAT(warnings, Catch::Contains("stays failed"));

  r = w.RunOn("retrigger-disabled", N, R"({"force": true})");
  INFO(Describe(r));
  REQUIRE(r.status == 1);
  REQUIRE_THAT(r.err, Catch::Contains("not a leaf") && Catch::Contains(C));
  REQUIRE(w.Mutations().size() == 1);
}

TEST_CASE("scenario: advise and run agree on every scenario") {
  // For every task of every scenario world (fresh for each task): `tc-action
  // advise --task X --json`, then the action it recommends, through `tc-action
  // run` with the recommended input (a group action for rerun-sequence, whose
  // awaited reruns a worker completes). What advise recommends, run does not
  // refuse.
  using Builder = std::function<std::vector<std::string>(World&)>;
  const std::vector<std::pair<std::string, Builder>> scenarios = {
      {"nightly", [](World& w) { return BuildNightly(w).all(); }},
      {"notarization", [](World& w) { return BuildNotarization(w).all(); }},
      {"broken dependency", [](World& w) { return BuildBrokenDependency(w).all(); }},
      {"deadline exceeded", [](World& w) { return BuildDeadlineExceeded(w).all(); }},
  };
  std::set<std::string> recommended;
  int advised = 0;
  for (const auto& [name, build] : scenarios) {
    const size_t tasks = [&] {
      World probe;
      return build(probe).size();
    }();
    for (size_t i = 0; i < tasks; ++i) {
      World w;
      const std::vector<std::string> ids = build(w);
      const std::string& id = ids[i];
      Json a = w.Advise(id);
      ++advised;
      const std::string action = a["action"].GetString();
      INFO(name << ", task " << i << " (" << id << "): advise says " << ToJson(a));
      if (action == "nothing") continue;
      recommended.insert(action);
      const ActionSpec* spec = FindAction(action);
      REQUIRE(spec != nullptr);
      const bool group_action = spec->kind == ActionKind::kGroup;
      std::atomic<bool> stop{false};
      std::thread worker([&] { CompleteReruns(w, ids, stop); });
      auto r = w.Run(action, group_action ? "null" : "\"" + id + "\"", ToJson(a["input"]), {"--poll-interval", "0.05"});
      stop = true;
      worker.join();
      INFO(Describe(r));
      CHECK(r.status != 1);  // not refused
      CHECK(r.status == 0);
      CHECK_FALSE(w.Mutations().empty());
    }
  }
  REQUIRE(advised == 16);
  // not vacuous: the worlds cover every kind of advice that leads to an action
  REQUIRE(recommended == std::set<std::string>{"retrigger", "rerun-sequence", "rerun-dependents", "retrigger-disabled"});
}

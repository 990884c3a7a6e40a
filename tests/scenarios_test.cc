// The release-engineering scenarios of the rerun-vs-retrigger guide, each on
// an emulator world built to match it, through build/tc-action over HTTP.
// Assertions read the emulator's journal: the exact queue calls made, and
// that refused actions made none. `advise` is checked on every world.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "emulator/emulator.h"
#include "process_util.h"
#include "core/schema.h"
#include "core/slugid.h"
#include "test_util.h"

using namespace tc;
using tctest::TaskDef;

namespace {

const char* kToken = "scenario-token-scenario-token-scenario-00";

struct World {
  std::unique_ptr<Emulator> emu;
  std::string group = NewSlugid();
  std::string action_task = NewSlugid();
  std::string dir = (std::filesystem::temp_directory_path() / ("tc-sc-" + NewSlugid())).string();
  Json graph{rapidjson::kObjectType};  // task-graph.json of the decision

  World() {
    EmulatorOptions o;
    o.world_json = std::string(R"({"clients": [{"clientId": "releng/action", "accessToken": ")") + kToken +
                   R"(", "scopes": ["*"]}]})";
    emu = std::make_unique<Emulator>(o);
    emu->Start();
    auto& q = emu->queue();
    Json d = TaskDef(group, q.NowMs(), 3600 * 1000, false, "Gecko Decision Task");
    d["tags"]["kind"] = "decision-task";
    q.SeedTask(group, d, "completed");
    q.SeedTask(action_task, TaskDef(group, q.NowMs(), 60 * 1000, false, "action"), "running");
    q.FinishSeeding();
  }
  ~World() {
    emu->Stop();
    std::filesystem::remove_all(dir);
  }

  // A task: kind, label, dependencies, consumed upstream tasks (upstreamArtifacts), age.
  Json Def(const std::string& kind, const std::string& label, const std::vector<std::string>& deps = {},
           const std::vector<std::string>& consumes = {}, bool retrigger = false, int64_t age_ms = 3600 * 1000,
           const std::string& group_id = "") {
    Json d = TaskDef(group_id.empty() ? group : group_id, emu->queue().NowMs(), age_ms, retrigger, label);
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
  std::string Add(const Json& def, const std::string& state, int runs = 1) {
    std::string id = NewSlugid();
    Json r(rapidjson::kNumberType);
    r.SetInt(runs);
    emu->queue().SeedTask(id, def, state, runs > 1 ? &r : nullptr);
    emu->queue().FinishSeeding();
    auto& ga = graph.GetAllocator();
    JsonValue e(rapidjson::kObjectType);
    e.AddMember("label", CopyValue(def["metadata"]["name"], ga), ga);
    e.AddMember("kind", CopyValue(def["tags"]["kind"], ga), ga);
    e.AddMember("attributes", JsonValue(rapidjson::kObjectType), ga);
    JsonValue deps(rapidjson::kObjectType);
    int k = 0;
    for (const auto& d : def["dependencies"].GetArray())
      deps.AddMember(Str("d" + std::to_string(k++), ga), CopyValue(d, ga), ga);
    e.AddMember("dependencies", deps, ga);
    e.AddMember("task", CopyValue(def, ga), ga);
    graph.AddMember(Str(id, ga), e, ga);
    return id;
  }
  void PublishGraph() {
    MemArtifact a;
    a.name = "public/task-graph.json";
    a.content_type = "application/json";
    a.content = ToJson(graph);
    a.gzip = true;
    emu->queue().PutArtifact(group, -1, a);
  }

  std::map<std::string, std::string> Env() {
    return {{"TASKCLUSTER_ROOT_URL", emu->root_url()}, {"TASKCLUSTER_CLIENT_ID", "releng/action"},
            {"TASKCLUSTER_ACCESS_TOKEN", kToken}, {"PATH", "/usr/bin:/bin"}};
  }
  tctest::ProcResult Run(const std::string& action, const std::string& task_json, const std::string& input,
                         std::vector<std::string> extra_args = {}) {
    auto env = Env();
    env["TASK_ID"] = action_task;
    env["ACTION_TASK_GROUP_ID"] = group;
    env["ACTION_TASK_ID"] = task_json;
    env["ACTION_INPUT"] = input;
    env["ACTION_CALLBACK"] = action;
    std::vector<std::string> argv = {std::string(TC_BINARY_DIR) + "/tc-action", "run", "--artifacts", dir};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    return tctest::RunProcess(argv, env);
  }
  tctest::ProcResult RunOn(const std::string& action, const std::string& id, const std::string& input = "{}") {
    return Run(action, "\"" + id + "\"", input);
  }
  Json Advise(const std::string& id) {
    auto r = tctest::RunProcess({std::string(TC_BINARY_DIR) + "/tc-action", "advise", "--task", id, "--json"}, Env());
    INFO(r.out << r.err);
    REQUIRE(r.status == 0);
    return ParseJson(r.out, "advise");
  }
  // Committed mutating calls, in order, as "POST <taskId>/rerun", "PUT <taskId>".
  std::vector<std::string> Mutations() {
    std::vector<std::string> out;
    for (const auto& e : emu->Journal()) {
      if (!e.committed) continue;
      std::string p = e.path.substr(0, e.path.find('?'));
      const std::string prefix = "/api/queue/v1/task/";
      if (p.rfind(prefix, 0) == 0) p = p.substr(prefix.size());
      out.push_back(e.method + " " + p);
    }
    return out;
  }
  std::string State(const std::string& id) { return emu->queue().Status(id)["status"]["state"].GetString(); }
  size_t Runs(const std::string& id) { return emu->queue().Status(id)["status"]["runs"].Size(); }
  Json Report() { return ParseJsonFile(dir + "/report.json"); }
  std::string Warnings() {
    std::string all;
    Json rep = Report();  // keep the document alive while iterating it
    for (const auto& w : rep["warnings"].GetArray()) all += std::string(w.GetString()) + "\n";
    return all;
  }
};

std::string Out(const tctest::ProcResult& r) { return "stdout:\n" + r.out + "\nstderr:\n" + r.err; }

}  // namespace

TEST_CASE("scenario: nightly graph with signing -> beetmover chains (Chain of Trust)") {
  World w;
  std::string B = w.Add(w.Def("build", "build-linux64-shippable/opt", {}, {}, true), "completed");
  std::string S = w.Add(w.Def("build-signing", "build-signing-linux64-shippable/opt", {B}, {B}), "completed");
  std::string M = w.Add(w.Def("beetmover-repackage", "beetmover-repackage-linux64-shippable/opt", {S}, {S}), "completed");
  std::string T = w.Add(w.Def("test", "test-linux64-shippable/opt-xpcshell-1", {B}, {}, true), "failed");
  w.PublishGraph();
  w.emu->ClearJournal();

  SECTION("rerun --force of the build: refused, signing already verified its artifacts") {
    auto r = w.RunOn("rerun", B, R"({"force": true})");
    INFO(Out(r));
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
    INFO(Out(r));
    REQUIRE(r.status == 1);
    REQUIRE_THAT(r.err, Catch::Contains("release") && Catch::Contains(S) && Catch::Contains("retrigger-disabled"));
    REQUIRE(w.Mutations().empty());
    r = w.RunOn("retrigger-disabled", B, R"({"downstream": true, "force": true})");
    INFO(Out(r));
    REQUIRE(r.status == 0);
    REQUIRE(w.Mutations().size() == 4);  // B S M T
    REQUIRE_THAT(w.Warnings(), Catch::Contains("forking the release graph"));
  }
  SECTION("scriptworker pool check: retrigger-disabled --force of a green signing task") {
    auto r = w.RunOn("retrigger-disabled", S, R"({"force": true})");
    INFO(Out(r));
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
  std::string P = w.Add(w.Def("notarization-part-1", "notarization-part-1-macosx64-shippable/opt", {}, {}), "completed");
  std::string Q = w.Add(w.Def("notarization-poller", "notarization-poller-macosx64-shippable/opt", {P}, {P}), "failed");
  w.emu->ClearJournal();

  Json a = w.Advise(Q);
  REQUIRE(a["action"] == "rerun-sequence");
  REQUIRE(a["input"]["tasks"][0] == P.c_str());
  REQUIRE(a["input"]["tasks"][1] == Q.c_str());
  REQUIRE(a["input"]["force"] == true);
  REQUIRE_THAT(std::string(a["command"].GetString()), Catch::Contains("rerun-sequence") && !Catch::Contains("--task"));

  // A worker finishes part-1's new run while tc-action waits.
  std::atomic<bool> stop{false};
  std::string final_state = "completed";
  auto worker = [&] {
    while (!stop) {
      if (w.Runs(P) == 2 && w.State(P) == "pending") {
        w.emu->queue().Drive(P, "running");
        w.emu->queue().Drive(P, final_state);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  };
  const std::string input = "{\"tasks\": [\"" + P + "\", \"" + Q + "\"], \"force\": true}";

  SECTION("part-1 completes: the poller is rerun after it, each exactly once; a retry reruns nothing") {
    std::thread t(worker);
    auto r = w.Run("rerun-sequence", "null", input, {"--poll-interval", "0.05"});
    stop = true;
    t.join();
    INFO(Out(r));
    REQUIRE(r.status == 0);
    REQUIRE(w.Mutations() == std::vector<std::string>{"POST " + P + "/rerun", "POST " + Q + "/rerun"});
    // the action task is retried: it resumes, and reruns nothing again
    r = w.Run("rerun-sequence", "null", input, {"--poll-interval", "0.05"});
    INFO(Out(r));
    REQUIRE(r.status == 0);
    REQUIRE(w.Mutations().size() == 2);
  }
  SECTION("part-1 fails again: the sequence stops before the poller") {
    final_state = "failed";
    std::thread t(worker);
    auto r = w.Run("rerun-sequence", "null", input, {"--poll-interval", "0.05"});
    stop = true;
    t.join();
    INFO(Out(r));
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
  std::string ok = w.Add(w.Def("build", "build-win64/opt"), "completed");
  std::string pend = w.Add(w.Def("build", "build-win32/opt"), "pending");
  std::string R = w.Add(w.Def("release-secondary-update-verify", "release-update-verify-config-win64", {ok}, {}), "failed", 2);
  std::string D1 = w.Add(w.Def("release-notify-ship", "release-notify-ship", {R, ok}), "unscheduled");
  std::string D2 = w.Add(w.Def("release-beetmover", "release-beetmover-win64", {R}, {R}), "unscheduled");
  std::string D3 = w.Add(w.Def("release-mark-as-shipped", "release-mark-as-shipped", {R, pend}), "unscheduled");
  w.emu->ClearJournal();

  Json a = w.Advise(R);
  REQUIRE(a["action"] == "rerun-dependents");
  REQUIRE_THAT(std::string(a["scenario"].GetString()), Catch::Contains("broken dependencies"));

  auto r = w.RunOn("rerun-dependents", R);
  INFO(Out(r));
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
  std::string prev_group = NewSlugid();
  std::string prev = NewSlugid();  // a task of an earlier release phase (another group)
  w.emu->queue().SeedTask(prev, w.Def("build", "build-linux64/opt", {}, {}, false, 3600 * 1000, prev_group), "completed");
  w.emu->queue().FinishSeeding();
  const int64_t three_days = 3LL * 24 * 3600 * 1000;
  std::string L = w.Add(w.Def("release-mark-as-shipped", "release-mark-as-shipped", {prev}, {}, false, three_days), "failed");
  std::string N = w.Add(w.Def("release-signing", "release-signing-linux64", {}, {}, false, three_days), "failed");
  std::string C = w.Add(w.Def("release-beetmover", "release-beetmover-linux64", {N}, {N}, false, three_days), "unscheduled");
  w.emu->ClearJournal();

  Json a = w.Advise(L);
  REQUIRE(a["action"] == "retrigger-disabled");
  REQUIRE(a["input"]["force"] == true);
  REQUIRE_THAT(std::string(a["scenario"].GetString()), Catch::Contains("Deadline-exceeded leaf"));
  a = w.Advise(N);
  REQUIRE(a["action"] == "nothing");

  auto r = w.RunOn("retrigger-disabled", L, R"({"force": true})");
  INFO(Out(r));
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
  INFO(Out(r));
  REQUIRE(r.status == 1);
  REQUIRE_THAT(r.err, Catch::Contains("not a leaf") && Catch::Contains(C));
  REQUIRE(w.Mutations().size() == 1);
}

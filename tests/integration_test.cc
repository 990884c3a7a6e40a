// Integration: build/tc-action run as a subprocess against the emulator over
// HTTP, with Hawk (permanent and temporary credentials), the proxy, paging,
// faults and a retried action task. Assertions read the emulator's journal:
// exactly the intended mutations, none lost, none duplicated.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <set>
#include <fstream>
#include <thread>

#include "emulator/emulator.h"
#include "process_util.h"
#include "core/schema.h"
#include "core/slugid.h"
#include "test_creds.h"
#include "test_util.h"

using namespace tc;
using tctest::TaskDef;

namespace {

const char* kAdminToken = "admin-token-for-integration-tests-00000000";
const char* kHookToken = "hook-token-for-integration-tests-000000000";
const char* kTinyToken = "tiny-token-for-integration-tests-000000000";

struct It {
  std::unique_ptr<Emulator> emu;
  std::string group = NewSlugid();
  std::string action_task = NewSlugid();
  std::string dir = (std::filesystem::temp_directory_path() / ("tc-it-" + NewSlugid())).string();
  std::map<std::string, std::string> creds;  // env for Hawk

  explicit It(int page_size = 1000) {
    EmulatorOptions o;
    o.proxy_port = 0;
    o.proxy_client_id = "project/gecko/action-hook";
    o.world_json = R"({"pageSize": )" + std::to_string(page_size) + R"(, "clients": [
      {"clientId": "project/admin", "accessToken": ")" + std::string(kAdminToken) + R"(", "scopes": ["*"]},
      {"clientId": "project/gecko/action-hook", "accessToken": ")" + std::string(kHookToken) + R"(", "scopes": [
        "queue:create-task:project:none", "queue:scheduler-id:gecko-level-3",
        "queue:create-task:highest:proj-gecko/*", "queue:route:tc-treeherder.*",
        "queue:rerun-task:gecko-level-3/*", "queue:cancel-task:gecko-level-3/*",
        "secrets:get:project/x", "auth:create-client:*", "assume:*"]},
      {"clientId": "project/tiny", "accessToken": ")" + std::string(kTinyToken) + R"(", "scopes": []}]})";
    emu = std::make_unique<Emulator>(o);
    emu->Start();
    auto& q = emu->queue();
    q.SeedTask(group, TaskDef(group, q.NowMs(), 3600 * 1000, false, "decision"), "completed");
    q.SeedTask(action_task, TaskDef(group, q.NowMs(), 60 * 1000, false, "action"), "running");
    q.FinishSeeding();
    creds = {{"TASKCLUSTER_ROOT_URL", emu->root_url()},
             {"TASKCLUSTER_CLIENT_ID", "project/gecko/action-hook"},
             {"TASKCLUSTER_ACCESS_TOKEN", kHookToken}};
    emu->ClearJournal();
  }
  ~It() {
    emu->Stop();
    std::filesystem::remove_all(dir);
  }

  std::string Seed(const std::string& state, bool retrigger = true, int64_t age_ms = 3600 * 1000) {
    std::string id = NewSlugid();
    emu->queue().SeedTask(id, TaskDef(group, emu->queue().NowMs(), age_ms, retrigger), state);
    emu->queue().FinishSeeding();
    return id;
  }

  tctest::ProcResult Run(const std::string& action, const std::string& task_json, const std::string& input,
                         std::map<std::string, std::string> extra = {}, std::vector<std::string> args = {}) {
    std::map<std::string, std::string> env = creds;
    env["TASK_ID"] = action_task;
    env["ACTION_TASK_GROUP_ID"] = group;
    env["ACTION_TASK_ID"] = task_json;
    env["ACTION_INPUT"] = input;
    env["ACTION_CALLBACK"] = action;
    env["PATH"] = "/usr/bin:/bin";
    for (auto& [k, v] : extra) {
      if (v == "<unset>") env.erase(k);
      else env[k] = v;
    }
    std::vector<std::string> argv = {std::string(TC_BINARY_DIR) + "/tc-action", "run", "--artifacts", dir};
    argv.insert(argv.end(), args.begin(), args.end());
    return tctest::RunProcess(argv, env);
  }
  tctest::ProcResult RunOn(const std::string& action, const std::string& id, const std::string& input = "{}",
                           std::map<std::string, std::string> extra = {}) {
    return Run(action, "\"" + id + "\"", input, extra);
  }

  // Mutating queue requests that took effect, by method + path fragment.
  int Committed(const std::string& method, const std::string& fragment) {
    int n = 0;
    for (const auto& e : emu->Journal())
      if (e.committed && e.method == method && e.path.find(fragment) != std::string::npos) ++n;
    return n;
  }
  // Distinct paths among them (a replayed idempotent request counts once).
  size_t CommittedDistinct(const std::string& method, const std::string& fragment) {
    std::set<std::string> paths;
    for (const auto& e : emu->Journal())
      if (e.committed && e.method == method && e.path.find(fragment) != std::string::npos) paths.insert(e.path);
    return paths.size();
  }
  int Mutating() {
    int n = 0;
    for (const auto& e : emu->Journal()) n += e.mutating;
    return n;
  }
  Json Report() { return ParseJsonFile(dir + "/report.json"); }
  std::string State(const std::string& id) { return emu->queue().Status(id)["status"]["state"].GetString(); }
  size_t TaskCount() { return emu->queue().TaskIds().size(); }
  void Fault(const std::string& json) {
    Json f = ParseJson(json, "fault");
    emu->AddFaults(ParseFaults(f));
  }
};

std::string Describe(const tctest::ProcResult& r) { return "stdout:\n" + r.out + "\nstderr:\n" + r.err; }

}  // namespace

TEST_CASE("it: --help and usage errors") {
  auto r = tctest::RunProcess({std::string(TC_BINARY_DIR) + "/tc-action", "--help"}, {});
  REQUIRE(r.status == 0);
  REQUIRE_THAT(r.out, Catch::Contains("run"));
  r = tctest::RunProcess({std::string(TC_BINARY_DIR) + "/tc-action", "run", "--bogus"}, {});
  REQUIRE(r.status == 2);
  r = tctest::RunProcess({std::string(TC_BINARY_DIR) + "/tc-action"}, {});
  REQUIRE(r.status == 2);
}

TEST_CASE("it: rerun of a failed task, with Hawk, exactly once") {
  It it;
  std::string id = it.Seed("failed");
  auto r = it.RunOn("rerun", id);
  INFO(Describe(r));
  REQUIRE(r.status == 0);
  REQUIRE(it.State(id) == "pending");
  REQUIRE(it.Committed("POST", "/rerun") == 1);
  REQUIRE(it.Mutating() == 1);
  REQUIRE_FALSE(ValidateSchema("report.json", it.Report()));
  // rerun again (the action task retried): pending now, nothing to do
  r = it.RunOn("rerun", id);
  REQUIRE(r.status == 0);
  REQUIRE(it.Committed("POST", "/rerun") == 1);
}

TEST_CASE("it: retrigger x3, then the action task is retried: no duplicates") {
  It it;
  std::string id = it.Seed("failed");
  size_t before = it.TaskCount();
  auto r = it.RunOn("retrigger", id, R"({"times": 3})");
  INFO(Describe(r));
  REQUIRE(r.status == 0);
  REQUIRE(it.TaskCount() == before + 3);
  REQUIRE(it.Committed("PUT", "/task/") == 3);
  Json rep = it.Report();
  for (const auto& op : rep["operations"].GetArray()) {
    Json t = it.emu->queue().Task(op["taskId"].GetString());
    REQUIRE(std::string(t["extra"]["parent"].GetString()) == it.action_task);
  }
  r = it.RunOn("retrigger", id, R"({"times": 3})");
  REQUIRE(r.status == 0);
  REQUIRE(it.TaskCount() == before + 3);
  REQUIRE(it.Committed("PUT", "/task/") == 3);
}

TEST_CASE("it: faults — 500, 503, resets before and after commit: nothing lost, nothing duplicated") {
  for (const char* kind : {"500", "503", "reset", "reset-after-commit"}) {
    DYNAMIC_SECTION("retrigger x3 with " << kind << " on the second PUT") {
      It it;
      std::string id = it.Seed("failed");
      size_t before = it.TaskCount();
      it.Fault(std::string(R"([{"method": "PUT", "path": "/api/queue/v1/task/", "kind": ")") + kind +
               R"(", "times": 1, "skip": 1}])");
      auto r = it.RunOn("retrigger", id, R"({"times": 3})");
      INFO(Describe(r));
      REQUIRE(r.status == 0);
      REQUIRE(it.TaskCount() == before + 3);
      REQUIRE(it.CommittedDistinct("PUT", "/task/") == 3);
    }
    DYNAMIC_SECTION("rerun with " << kind) {
      It it;
      std::string id = it.Seed("exception");
      it.Fault(std::string(R"([{"method": "POST", "path": "/rerun", "kind": ")") + kind + R"("}])");
      auto r = it.RunOn("rerun", id);
      INFO(Describe(r));
      REQUIRE(r.status == 0);
      Json st = it.emu->queue().Status(id);
      REQUIRE(st["status"]["runs"].Size() == 2);  // exactly one new run
    }
    DYNAMIC_SECTION("cancel with " << kind) {
      It it;
      std::string id = it.Seed("pending");
      it.Fault(std::string(R"([{"method": "POST", "path": "/cancel", "kind": ")") + kind + R"("}])");
      auto r = it.RunOn("cancel", id);
      INFO(Describe(r));
      REQUIRE(r.status == 0);
      REQUIRE(it.State(id) == "exception");
    }
  }
}

TEST_CASE("it: a queue that keeps failing: exit 3, the report says what was done") {
  It it;
  std::string id = it.Seed("failed");
  it.Fault(R"([{"method": "PUT", "path": "/task/", "kind": "500", "times": 100, "skip": 1}])");
  auto r = it.RunOn("retrigger", id, R"({"times": 2})");
  INFO(Describe(r));
  REQUIRE(r.status == 3);
  Json rep = it.Report();
  REQUIRE(std::string(rep["outcome"].GetString()) == "failed");
  int done = 0, failed = 0;
  for (const auto& op : rep["operations"].GetArray()) {
    done += std::string(op["status"].GetString()) == "done";
    failed += std::string(op["status"].GetString()) == "failed";
  }
  REQUIRE(done == 1);
  REQUIRE(failed == 1);
  // The action task is retried once the queue is healthy: it completes the set.
  it.emu->ClearFaults();
  r = it.RunOn("retrigger", id, R"({"times": 2})");
  REQUIRE(r.status == 0);
  REQUIRE(it.Committed("PUT", "/task/") == 2);
}

TEST_CASE("it: cancel-all pages through the group and spares the action task") {
  It it(2);
  std::vector<std::string> live;
  for (int i = 0; i < 5; ++i) live.push_back(it.Seed(i % 2 ? "pending" : "running"));
  std::string done = it.Seed("completed");
  auto r = it.Run("cancel-all", "null", "{}");
  INFO(Describe(r));
  REQUIRE(r.status == 0);
  for (const auto& id : live) REQUIRE(it.State(id) == "exception");
  REQUIRE(it.State(done) == "completed");
  REQUIRE(it.State(it.action_task) == "running");
  REQUIRE(it.Committed("POST", "/cancel") == 5);
}

TEST_CASE("it: temporary credentials and the taskcluster-proxy") {
  It it;
  std::string id = it.Seed("failed");
  int64_t now = NowMs();
  auto tmp = tctest::MakeTempCreds("project/gecko/action-hook", kHookToken,
                                   {"queue:rerun-task:gecko-level-3/*"}, now - 60000, now + 3600000);
  auto r = it.RunOn("rerun", id, "{}",
                    {{"TASKCLUSTER_CLIENT_ID", tmp.client_id},
                     {"TASKCLUSTER_ACCESS_TOKEN", tmp.access_token},
                     {"TASKCLUSTER_CERTIFICATE", tmp.certificate}});
  INFO(Describe(r));
  REQUIRE(r.status == 0);
  REQUIRE(it.State(id) == "pending");

  std::string id2 = it.Seed("failed");
  r = it.RunOn("retrigger", id2, R"({"times": 2})",
               {{"TASKCLUSTER_PROXY_URL", it.emu->proxy_url()},
                {"TASKCLUSTER_ROOT_URL", "<unset>"},
                {"TASKCLUSTER_CLIENT_ID", "<unset>"},
                {"TASKCLUSTER_ACCESS_TOKEN", "<unset>"}});
  INFO(Describe(r));
  REQUIRE(r.status == 0);
  REQUIRE(it.Committed("PUT", "/task/") == 2);
}

TEST_CASE("it: an expired certificate, a wrong token and missing scopes fail without mutation") {
  It it;
  std::string id = it.Seed("failed");
  int64_t now = NowMs();
  auto expired = tctest::MakeTempCreds("project/gecko/action-hook", kHookToken, {"queue:rerun-task:*"},
                                       now - 7200000, now - 3600000);
  auto r = it.RunOn("rerun", id, "{}",
                    {{"TASKCLUSTER_ACCESS_TOKEN", expired.access_token},
                     {"TASKCLUSTER_CERTIFICATE", expired.certificate}});
  REQUIRE(r.status != 0);
  r = it.RunOn("rerun", id, "{}", {{"TASKCLUSTER_ACCESS_TOKEN", "wrong-token-wrong-token-wrong-token-00000"}});
  REQUIRE(r.status != 0);
  r = it.RunOn("rerun", id, "{}", {{"TASKCLUSTER_CLIENT_ID", "project/tiny"}, {"TASKCLUSTER_ACCESS_TOKEN", kTinyToken}});
  INFO(Describe(r));
  REQUIRE(r.status == 3);
  REQUIRE_THAT(r.err, Catch::Contains("InsufficientScopes"));
  REQUIRE(it.Committed("POST", "/rerun") == 0);
  REQUIRE(it.State(id) == "failed");
}

TEST_CASE("it: bad input and unknown tasks change nothing") {
  It it;
  std::string id = it.Seed("failed");
  auto r = it.RunOn("rerun", NewSlugid());
  REQUIRE(r.status == 2);
  r = it.RunOn("retrigger", id, R"({"times": 101})");
  REQUIRE(r.status == 2);
  REQUIRE_THAT(r.err, Catch::Contains("ACTION_INPUT.times"));
  r = it.RunOn("rerun", id, "{}", {{"TASK_ID", "<unset>"}});
  REQUIRE(r.status == 2);
  r = it.RunOn("rerun", id, "{}", {{"TASKCLUSTER_ROOT_URL", "<unset>"}});
  REQUIRE(r.status == 2);
  REQUIRE(it.Mutating() == 0);
}

TEST_CASE("it: a task past its deadline is skipped by cancel, refused by rerun") {
  It it;
  // deadline 1 day after created, created 25 h ago: past its deadline
  std::string old_pending = it.Seed("pending", true, 25LL * 3600 * 1000);
  auto r = it.RunOn("cancel", old_pending);
  INFO(Describe(r));
  REQUIRE(r.status == 0);
  REQUIRE(std::string(it.Report()["operations"][0]["status"].GetString()) == "skipped");
  std::string old_failed = it.Seed("failed", true, 25LL * 3600 * 1000);
  r = it.RunOn("rerun", old_failed);
  REQUIRE(r.status == 1);
  REQUIRE(it.Mutating() == 0);
}

TEST_CASE("it: secrets never appear in output or artifacts, even with -vv") {
  It it;
  std::string id = it.Seed("failed");
  int64_t now = NowMs();
  auto tmp = tctest::MakeTempCreds("project/gecko/action-hook", kHookToken, {"queue:*"}, now - 60000, now + 3600000);
  std::map<std::string, std::string> env = {{"TASKCLUSTER_CLIENT_ID", tmp.client_id},
                                            {"TASKCLUSTER_ACCESS_TOKEN", tmp.access_token},
                                            {"TASKCLUSTER_CERTIFICATE", tmp.certificate}};
  for (const char* action : {"rerun", "retrigger", "cancel"}) {
    std::map<std::string, std::string> e = it.creds;
    e.insert(env.begin(), env.end());
    e["TASKCLUSTER_CLIENT_ID"] = tmp.client_id;
    e["TASKCLUSTER_ACCESS_TOKEN"] = tmp.access_token;
    e["TASK_ID"] = it.action_task;
    e["ACTION_TASK_GROUP_ID"] = it.group;
    e["ACTION_TASK_ID"] = "\"" + id + "\"";
    e["ACTION_INPUT"] = "{}";
    e["ACTION_CALLBACK"] = action;
    auto r = tctest::RunProcess({std::string(TC_BINARY_DIR) + "/tc-action", "-vv", "run", "--artifacts", it.dir}, e);
    std::string all = r.out + r.err;
    for (const auto& entry : std::filesystem::directory_iterator(it.dir)) {
      std::ifstream f(entry.path());
      all += std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    }
    REQUIRE(all.find(tmp.access_token) == std::string::npos);
    REQUIRE(all.find(kHookToken) == std::string::npos);
    Json cert = ParseJson(tmp.certificate, "cert");
    REQUIRE(all.find(cert["signature"].GetString()) == std::string::npos);
    REQUIRE(all.find(cert["seed"].GetString()) == std::string::npos);
  }
}

TEST_CASE("it: graph actions over HTTP: downstream retrigger (artifact via redirect + gzip), retrigger-multiple, retrigger-decision") {
  It it;
  auto& q = it.emu->queue();
  // build B <- tests T1, T2 (retriggerable); release signing S <- B (not retriggerable, failed)
  auto def = [&](const std::string& label, const std::vector<std::string>& deps, bool retrigger) {
    Json d = TaskDef(it.group, q.NowMs(), 3600 * 1000, retrigger, label);
    for (const auto& x : deps) d["dependencies"].PushBack(Str(x, d.GetAllocator()), d.GetAllocator());
    return d;
  };
  std::string B = NewSlugid(), T1 = NewSlugid(), T2 = NewSlugid(), S = NewSlugid();
  Json graph(rapidjson::kObjectType);
  auto add = [&](const std::string& id, Json d, const std::string& state, const std::vector<std::string>& deps) {
    q.SeedTask(id, d, state);
    auto& a = graph.GetAllocator();
    JsonValue e(rapidjson::kObjectType);
    e.AddMember("label", CopyValue(d["metadata"]["name"], a), a);
    e.AddMember("kind", "test", a);
    JsonValue attrs(rapidjson::kObjectType);
    if (d["tags"].HasMember("retrigger")) attrs.AddMember("retrigger", true, a);
    e.AddMember("attributes", attrs, a);
    JsonValue dm(rapidjson::kObjectType);
    for (size_t k = 0; k < deps.size(); ++k) dm.AddMember(Str("d" + std::to_string(k), a), Str(deps[k], a), a);
    e.AddMember("dependencies", dm, a);
    e.AddMember("task", CopyValue(d, a), a);
    graph.AddMember(Str(id, a), e, a);
  };
  add(B, def("build-linux64/opt", {}, true), "completed", {});
  add(T1, def("test-linux64/opt-1", {B}, true), "failed", {B});
  add(T2, def("test-linux64/opt-2", {B}, true), "completed", {B});
  add(S, def("release-signing-linux64", {B}, false), "failed", {B});
  q.FinishSeeding();
  MemArtifact tg;
  tg.name = "public/task-graph.json";
  tg.content = ToJson(graph);
  tg.content_type = "application/json";
  tg.gzip = true;
  q.PutArtifact(it.group, -1, tg);
  Json l2t(rapidjson::kObjectType);
  for (auto& m : graph.GetObject())
    l2t.AddMember(CopyValue(m.value["label"], l2t.GetAllocator()), CopyValue(m.name, l2t.GetAllocator()), l2t.GetAllocator());
  MemArtifact lt;
  lt.name = "public/label-to-taskid.json";
  lt.content = ToJson(l2t);
  lt.content_type = "application/json";
  q.PutArtifact(it.group, -1, lt);
  it.emu->ClearJournal();

  SECTION("retrigger-disabled --downstream of the build, forced (the closure holds a release task)") {
    auto r = it.RunOn("retrigger-disabled", B, R"({"downstream": true, "force": true})");
    INFO(Describe(r));
    REQUIRE(r.status == 0);
    REQUIRE(it.CommittedDistinct("PUT", "/task/") == 4);
    for (const char* f : {"task-graph.json", "label-to-taskid.json", "to-run.json"})
      REQUIRE(std::filesystem::exists(it.dir + "/" + f));
  }
  SECTION("retrigger-multiple: T1 copied twice, S rerun, T2 (completed, retriggerable) copied") {
    auto r = it.Run("retrigger-multiple", "null",
                    R"({"requests": [{"tasks": ["test-linux64/opt-1", "release-signing-linux64"], "times": 2}]})");
    INFO(Describe(r));
    REQUIRE(r.status == 0);
    REQUIRE(it.CommittedDistinct("PUT", "/task/") == 2);
    REQUIRE(it.Committed("POST", "/rerun") == 1);
    REQUIRE(it.State(S) == "pending");
  }
  SECTION("retrigger-decision of the decision task") {
    Json d = TaskDef(it.group, q.NowMs(), 3600 * 1000, false, "Gecko Decision Task");
    d["tags"]["kind"] = "decision-task";
    std::string D = NewSlugid();
    q.SeedTask(D, d, "completed");
    q.FinishSeeding();
    auto r = it.RunOn("retrigger-decision", D);
    INFO(Describe(r));
    REQUIRE(r.status == 0);
    REQUIRE(it.CommittedDistinct("PUT", "/task/") == 1);
  }
}

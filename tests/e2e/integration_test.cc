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

#include "emulator_world.h"
#include "actions/plan.h"
#include "core/schema.h"
#include "core/slugid.h"
#include "core/timestamp.h"
#include "test_creds.h"
#include "test_util.h"

using namespace tc;
using tctest::TaskDef;

namespace {

const char* kAdminToken = "admin-token-for-integration-tests-00000000";
const char* kHookToken = "hook-token-for-integration-tests-000000000";
const char* kTinyToken = "tiny-token-for-integration-tests-000000000";

const char* kHookClient = "project/gecko/action-hook";

// An emulator world with an admin, the action hook's client (the runs' client,
// also behind the proxy) and a client without scopes.
struct It : tctest::EmulatorWorld {
  explicit It(int page_size = 1000)
      : EmulatorWorld([&] {
          tctest::EmulatorWorldOptions o;
          auto hook_scopes = tctest::ActionHookScopes();
          hook_scopes.push_back("auth:create-client:*");
          hook_scopes.push_back("assume:*");
          hook_scopes.push_back("queue:route:index.gecko.v2.*");  // retrigger-decision: the decision's routes
          o.clients = {{"project/admin", kAdminToken, {"*"}},
                       {kHookClient, kHookToken, hook_scopes},
                       {"project/tiny", kTinyToken, {}}};
          o.run_client = kHookClient;
          o.proxy_client_id = kHookClient;
          o.page_size = page_size;
          return o;
        }()) {}

  void Fault(const std::string& json) {
    Json f = ParseJson(json, "fault");
    emu->AddFaults(ParseFaults(f));
  }
};

using tctest::Describe;

}  // namespace

TEST_CASE("it: --help and usage errors") {
  auto r = tctest::RunTcAction({"--help"}, {});
  REQUIRE(r.status == 0);
  REQUIRE_THAT(r.out, Catch::Contains("run"));
  r = tctest::RunTcAction({"run", "--bogus"}, {});
  REQUIRE(r.status == 2);
  r = tctest::RunTcAction({}, {});
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
  REQUIRE(it.Mutating() == 0);
  // missing scopes: the preflight (auth.currentScopes) refuses before the rerun is sent,
  // naming what the call needs (before it, the queue's InsufficientScopes failed the call: exit 3)
  r = it.RunOn("rerun", id, "{}", {{"TASKCLUSTER_CLIENT_ID", "project/tiny"}, {"TASKCLUSTER_ACCESS_TOKEN", kTinyToken}});
  INFO(Describe(r));
  REQUIRE(r.status == 1);
  REQUIRE_THAT(r.err, Catch::Contains("queue:rerun-task:gecko-level-3/" + it.group + "/" + id) &&
                          Catch::Contains("nothing was changed"));
  REQUIRE(it.Mutating() == 0);
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
    for (auto& [k, v] : tctest::ActionEnv(it.action_task, it.group, action, "\"" + id + "\"", "{}")) e[k] = v;
    e.erase("PATH");
    auto r = tctest::RunTcAction({"-vv", "run", "--artifacts", it.dir}, e);
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

TEST_CASE("it: graph actions over HTTP: downstream retrigger (artifacts via redirect + gzip, the decision through the index), retrigger-multiple, retrigger-decision") {
  It it;
  auto& q = it.emu->queue();
  // build B <- tests T1, T2 (retriggerable); release signing S <- B (not retriggerable, failed)
  auto add = [&](const std::string& label, const std::vector<std::string>& deps, bool retrigger,
                 const std::string& state) {
    return it.SeedInPush(tctest::TaskDefWithDeps(it.group, q.NowMs(), label, deps, retrigger), state);
  };
  std::string B = add("build-linux64/opt", {it.group}, true, "completed");
  std::string T1 = add("test-linux64/opt-1", {B}, true, "failed");
  std::string T2 = add("test-linux64/opt-2", {B}, true, "completed");
  std::string S = add("release-signing-linux64", {B}, false, "failed");
  it.emu->ClearJournal();

  SECTION("retrigger-disabled --downstream of the build, forced (the closure holds a release task)") {
    auto r = it.RunOn("retrigger-disabled", B, R"({"downstream": true, "force": true})");
    INFO(Describe(r));
    REQUIRE(r.status == 0);
    REQUIRE(it.CommittedDistinct("PUT", "/task/") == 4);
    for (const char* f : {"task-graph.json", "label-to-taskid.json", "to-run.json"})
      REQUIRE(std::filesystem::exists(it.dir + "/" + f));
    // the push was read as taskgraph reads it: the decision through the index, its artifacts, the
    // earlier actions' namespaces
    std::string reads;
    for (const auto& e : it.emu->Journal()) reads += e.method + " " + e.path + "\n";
    REQUIRE_THAT(reads, Catch::Contains("GET /api/index/v1/task/gecko.v2.autoland.pushlog-id.12345.decision") &&
                            Catch::Contains("/artifacts/public%2Fparameters.yml") &&
                            Catch::Contains("/artifacts/public%2Ffull-task-graph.json") &&
                            Catch::Contains("/artifacts/public%2Flabel-to-taskid.json") &&
                            Catch::Contains("GET /api/index/v1/tasks/gecko.v2.autoland.pushlog-id.12345.actions") &&
                            Catch::Contains("GET /api/index/v1/tasks/gecko.v2.autoland.revision.") &&
                            Catch::Contains("GET /api/auth/v1/scopes/current"));
    Json b = q.Task(CopyTaskId(it.action_task, "build-linux64/opt", "0"));
    REQUIRE(StringsOf(Member(b, "dependencies")) == std::vector<std::string>{it.action_task, it.group});
    Json t = q.Task(CopyTaskId(it.action_task, "test-linux64/opt-1", "0"));
    REQUIRE(StringsOf(Member(t, "dependencies")) ==
            std::vector<std::string>{it.action_task, CopyTaskId(it.action_task, "build-linux64/opt", "0")});
  }
  SECTION("retrigger-multiple: T1 copied twice, S rerun") {
    auto r = it.Run("retrigger-multiple", "null",
                    R"({"requests": [{"tasks": ["test-linux64/opt-1", "release-signing-linux64"], "times": 2}]})");
    INFO(Describe(r));
    REQUIRE(r.status == 0);
    REQUIRE(it.CommittedDistinct("PUT", "/task/") == 2);
    REQUIRE(it.Committed("POST", "/rerun") == 1);
    REQUIRE(it.State(S) == "pending");
    REQUIRE(it.State(T1) == "failed");
    REQUIRE(it.State(T2) == "completed");
  }
  SECTION("retrigger-decision of the decision task") {
    auto r = it.RunOn("retrigger-decision", it.group);
    INFO(Describe(r));
    REQUIRE(r.status == 0);
    REQUIRE(it.CommittedDistinct("PUT", "/task/") == 1);
  }
}

// End to end, the whole loop from click to action task: `tc-action register`
// renders actions.json + the in-tree action hooks; the emulator serves them
// (queue artifact + hooks service); `tc-action trigger` picks the action and
// calls triggerHook; the emulator's hooks service renders the hook's task
// template (taskcluster/.taskcluster.yml) and creates the action task with the
// hook role's scopes; the emulator's worker runs `tc-action run` in it, which
// retriggers the task. Bad input is refused before anything is created
// (checked in the emulator's journal).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "emulator/emulator.h"
#include "emulator/emulator_hooks.h"
#include "core/error.h"
#include "taskcluster/hooks_http.h"
#include "task_graph.h"
#include "tc_action.h"
#include "core/slugid.h"
#include "test_util.h"

using namespace tc;

namespace {

const char* kAutomationToken = "automation-token-for-hooks-e2e-00000000000";
const char* kWorkerToken = "worker-token-for-hooks-e2e-000000000000000";
const char* kTinyToken = "tiny-token-for-hooks-e2e-00000000000000000";
const char* kRepo = "hg.mozilla.org/integration/autoland";

std::string Bin() { return tctest::TcActionPath(); }

struct E2E {
  std::string dir = (std::filesystem::temp_directory_path() / ("tc-hooks-e2e-" + NewSlugid())).string();
  std::string decision = NewSlugid();
  std::string retriggerable = NewSlugid();
  std::string release = NewSlugid();
  std::unique_ptr<Emulator> emu;
  tctest::DecisionGraph push{decision};
  Json actions, hooks;

  E2E() {
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/parameters.yml") << "base_repository: https://hg.mozilla.org/mozilla-unified\n"
                                              "head_repository: https://hg.mozilla.org/integration/autoland\n"
                                              "head_rev: c7766d0b4a121985a8b07e6721d66ccab57bbf76\n"
                                              "head_ref: c7766d0b4a121985a8b07e6721d66ccab57bbf76\n"
                                              "level: '3'\nproject: autoland\npushlog_id: '109591'\n"
                                              "owner: someone@example.com\n";
    auto r = tctest::RunProcess(
        {Bin(), "register", "--parameters", dir + "/parameters.yml", "--taskcluster-yml",
         std::string(TC_SOURCE_DIR) + "/taskcluster/.taskcluster.yml", "--decision-task-id", decision, "--output",
         dir + "/actions.json", "--hooks-output", dir + "/hooks.json"},
        {{"TC_ACTION_TASKCLUSTER_DIR", std::string(TC_SOURCE_DIR) + "/taskcluster"}});
    INFO(r.err);
    REQUIRE(r.status == 0);
    actions = ParseJsonFile(dir + "/actions.json");
    hooks = ParseJsonFile(dir + "/hooks.json");

    EmulatorOptions o;
    o.world_json = std::string(R"({"clients": [
      {"clientId": "automation", "accessToken": ")") + kAutomationToken + R"(",
       "scopes": ["hooks:trigger-hook:project-gecko/in-tree-action-3-*"]},
      {"clientId": "project/gecko/action-worker", "accessToken": ")" + kWorkerToken + R"(",
       "scopes": ["assume:repo:)" + kRepo + R"(:action:generic"]},
      {"clientId": "tiny", "accessToken": ")" + kTinyToken + R"(", "scopes": []}],
     "roles": [
      {"roleId": "hook-id:project-gecko/in-tree-action-3-*", "scopes": [
        "assume:repo:)" + kRepo + R"(:action:*", "queue:create-task:very-low:gecko-3/decision",
        "queue:scheduler-id:gecko-level-3", "queue:route:tc-treeherder.v2.autoland.*",
        "queue:route:index.gecko.v2.autoland.pushlog-id.*", "queue:route:index.gecko.v2.autoland.revision.*",
        "queue:route:notify.email.taskcluster-notifications+action-task@mozilla.com.*",
        "queue:create-task:project:none"]},
      {"roleId": "repo:)" + kRepo + R"(:action:generic", "scopes": [
        "queue:create-task:highest:proj-gecko/*", "queue:scheduler-id:gecko-level-3", "queue:route:tc-treeherder.*",
        "queue:create-task:project:none", "queue:rerun-task:gecko-level-3/*", "queue:cancel-task:gecko-level-3/*",
        "secrets:get:project/x"]}]})";
    emu = std::make_unique<Emulator>(o);
    emu->Start();
    emu->hooks().AddHooks(EmulatorHooksOf(hooks));
    emu->hooks().SetWorker(ParseJson(R"({"enabled": true, "clientId": "project/gecko/action-worker", "binary": ")" +
                                         Bin() + "\"}",
                                     "worker"));
    // the decision of the push: indexed, with actions.json and what a decision publishes
    // (parameters.yml, the full graph and label map of its two tasks)
    push.params.pushlog_id = "109591";
    push.params.head_rev = "c7766d0b4a121985a8b07e6721d66ccab57bbf76";
    push.params.base_repository = "https://hg.mozilla.org/mozilla-unified";
    Seed(decision, push.DecisionDefinition(emu->queue().NowMs()), "completed", &actions);
    Seed(retriggerable, Def("test-linux64/opt-mochitest-1", true), "failed");
    Seed(release, Def("beetmover-linux64/opt", false), "completed");
    push.Add(retriggerable, Def("test-linux64/opt-mochitest-1", true));
    push.Add(release, Def("beetmover-linux64/opt", false));
    push.Publish(emu->queue());
    emu->ClearJournal();
  }

  // register --hooks-output writes hooks.createHook bodies ({hookGroupId, hookId, hook}); the
  // emulator's hooks service takes {hookGroupId, hookId, task, triggerSchema}.
  static Json EmulatorHooksOf(const JsonValue& created) {
    Json out(rapidjson::kArrayType);
    auto& a = out.GetAllocator();
    for (const auto& h : created.GetArray()) {
      JsonValue e(rapidjson::kObjectType);
      e.AddMember("hookGroupId", CopyValue(h["hookGroupId"], a), a);
      e.AddMember("hookId", CopyValue(h["hookId"], a), a);
      e.AddMember("task", CopyValue(h["hook"]["task"], a), a);
      e.AddMember("triggerSchema", CopyValue(h["hook"]["triggerSchema"], a), a);
      out.PushBack(e, a);
    }
    return out;
  }
  ~E2E() {
    emu->Stop();
    std::filesystem::remove_all(dir);
  }

  Json Def(const std::string& label, bool retrigger) {
    return tctest::TaskDef(decision, emu->queue().NowMs(), 3600 * 1000, retrigger, label);
  }

  void Seed(const std::string& id, const Json& def, const std::string& state, const JsonValue* actions_json = nullptr) {
    Json seed(rapidjson::kArrayType);
    auto& a = seed.GetAllocator();
    JsonValue e(rapidjson::kObjectType);
    e.AddMember("taskId", Str(id, a), a);
    e.AddMember("task", CopyValue(def, a), a);
    e.AddMember("state", Str(state, a), a);
    if (actions_json) {
      JsonValue art(rapidjson::kObjectType), arts(rapidjson::kObjectType);
      art.AddMember("content", CopyValue(*actions_json, a), a);
      arts.AddMember("public/actions.json", art, a);
      e.AddMember("artifacts", arts, a);
    }
    seed.PushBack(e, a);
    emu->SeedTasks(seed);
  }

  std::map<std::string, std::string> Env(const std::string& client = "automation", const std::string& token = kAutomationToken) {
    return {{"TASKCLUSTER_ROOT_URL", emu->root_url()}, {"TASKCLUSTER_CLIENT_ID", client},
            {"TASKCLUSTER_ACCESS_TOKEN", token}, {"PATH", "/usr/bin:/bin"}};
  }

  tctest::ProcResult Trigger(std::vector<std::string> args, const std::string& dec = "") {
    std::vector<std::string> argv = {Bin(), "trigger", "--decision-task", dec.empty() ? decision : dec};
    argv.insert(argv.end(), args.begin(), args.end());
    return tctest::RunProcess(argv, Env());
  }

  int CommittedMutations() {
    int n = 0;
    for (auto& e : emu->Journal()) n += e.committed;
    return n;
  }
  std::vector<std::string> ChildrenOf(const std::string& parent) {
    std::vector<std::string> out;
    Json all = emu->queue().DumpTasks();
    for (auto& t : all.GetArray()) {
      const JsonValue* extra = Member(t["task"], "extra");
      if (extra && GetString(*extra, "parent").value_or("") == parent) out.push_back(t["taskId"].GetString());
    }
    return out;
  }
};

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

TEST_CASE("hooks e2e: register -> trigger retrigger -> hook creates the action task -> tc-action run -> clones") {
  E2E t;
  REQUIRE_FALSE(t.actions["actions"].Empty());
  auto r = t.Trigger({"--task", t.retriggerable, "retrigger", "--input", R"({"times": 2})"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  std::string action_task = Trim(r.out);
  REQUIRE(IsSlugid(action_task));
  REQUIRE(t.emu->hooks().WaitIdle());
  auto runs = t.emu->hooks().Runs();
  REQUIRE(runs.size() == 1);
  INFO(runs[0].log);
  REQUIRE(runs[0].task_id == action_task);
  REQUIRE(runs[0].exit_code == 0);

  // the action task, as the hook template made it
  Json task = t.emu->queue().Task(action_task);
  REQUIRE(std::string(task["taskGroupId"].GetString()) == t.decision);
  REQUIRE(std::string(task["tags"]["kind"].GetString()) == "action-callback");
  REQUIRE(std::string(task["scopes"][0].GetString()) == std::string("assume:repo:") + kRepo + ":action:generic");
  REQUIRE(std::string(task["payload"]["env"]["ACTION_CALLBACK"].GetString()) == "retrigger");
  REQUIRE(std::string(task["payload"]["env"]["ACTION_TASK_ID"].GetString()) == "\"" + t.retriggerable + "\"");
  REQUIRE(ParseJson(task["payload"]["env"]["ACTION_INPUT"].GetString(), "input") ==
          ParseJson(R"({"downstream": false, "times": 2})", "x"));
  REQUIRE(std::string(task["extra"]["treeherder"]["symbol"].GetString()) == "rt");
  // indexed under both namespaces later actions read (taskgraph's fetch_graph_and_labels)
  std::set<std::string> routes;
  for (auto& rt : task["routes"].GetArray()) routes.insert(rt.GetString());
  REQUIRE(routes.count("index.gecko.v2.autoland.pushlog-id.109591.actions." + action_task));
  REQUIRE(routes.count("index.gecko.v2.autoland.revision.c7766d0b4a121985a8b07e6721d66ccab57bbf76.actions." + action_task));
  REQUIRE(std::string(t.emu->queue().Status(action_task)["status"]["state"].GetString()) == "completed");
  REQUIRE_NOTHROW(ParseJson(t.emu->queue().GetLatestArtifact(action_task, "public/report.json"), "report"));

  // the clones: in the queue, with extra.parent = the action task
  auto kids = t.ChildrenOf(action_task);
  REQUIRE(kids.size() == 2);
  for (auto& k : kids) {
    Json c = t.emu->queue().Task(k);
    REQUIRE(std::string(c["metadata"]["name"].GetString()) == "test-linux64/opt-mochitest-1");
    REQUIRE(std::string(c["taskGroupId"].GetString()) == t.decision);
    // made from the push's full graph: on the action task, and on the decision (nothing else created)
    REQUIRE(StringsOf(Member(c, "dependencies")) == std::vector<std::string>{action_task, t.decision});
  }
  // the action task published what later actions read: its label map names the copies
  Json l2t = ParseJson(t.emu->queue().GetLatestArtifact(action_task, "public/label-to-taskid.json"), "l2t");
  const std::string copy = l2t["test-linux64/opt-mochitest-1"].GetString();
  REQUIRE(std::find(kids.begin(), kids.end(), copy) != kids.end());

  // journal: the triggerHook request and the hooks service's createTask committed once each
  int triggers = 0, hook_creates = 0;
  for (auto& e : t.emu->Journal()) {
    if (e.method == "POST" && e.path.find("/api/hooks/v1/hooks/project-gecko/in-tree-action-3-generic") == 0) {
      REQUIRE(e.status == 200);
      REQUIRE(e.committed);
      REQUIRE(e.client_id == std::optional<std::string>("automation"));
      ++triggers;
    }
    if (e.method == "PUT" && e.path == "/api/queue/v1/task/" + action_task) {
      REQUIRE(e.committed);
      REQUIRE(e.client_id == std::optional<std::string>("static/taskcluster/hooks"));
      ++hook_creates;
    }
  }
  REQUIRE(triggers == 1);
  REQUIRE(hook_creates == 1);
}

TEST_CASE("hooks e2e: retrigger of a release task falls through to Retrigger (disabled), which refuses") {
  E2E t;
  auto r = t.Trigger({"--task", t.release, "retrigger"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  std::string action_task = Trim(r.out);
  REQUIRE(t.emu->hooks().WaitIdle());
  Json task = t.emu->queue().Task(action_task);
  REQUIRE(std::string(task["payload"]["env"]["ACTION_CALLBACK"].GetString()) == "retrigger-disabled");
  REQUIRE(std::string(task["metadata"]["name"].GetString()) == "Action: Retrigger (disabled)");
  auto runs = t.emu->hooks().Runs();
  REQUIRE(runs.size() == 1);
  REQUIRE(runs[0].exit_code == 1);  // refused by policy: not retriggerable without force
  REQUIRE(std::string(t.emu->queue().Status(action_task)["status"]["state"].GetString()) == "failed");
  REQUIRE(t.ChildrenOf(action_task).empty());
}

TEST_CASE("hooks e2e: `tc-action actions` lists the menu for a task and for the group") {
  E2E t;
  auto r = tctest::RunProcess({Bin(), "actions", "--decision-task", t.decision, "--task", t.release, "--json"}, t.Env());
  INFO(r.err);
  REQUIRE(r.status == 0);
  Json list = ParseJson(r.out, "out");
  std::vector<std::string> titles;
  for (auto& a : list.GetArray()) titles.push_back(a["title"].GetString());
  // by order: rerun 300, rerun-dependents 310, cancel 350 (taskgraph's orders)
  REQUIRE(titles == std::vector<std::string>{"Retrigger (disabled)", "Rerun", "Rerun dependents (cancel + rerun)", "Cancel Task"});
  r = tctest::RunProcess({Bin(), "actions", "--decision-task", t.decision}, t.Env());
  REQUIRE(r.status == 0);
  REQUIRE_THAT(r.out, Catch::Contains("cancel-all") && Catch::Contains("retrigger-multiple") &&
                          Catch::Contains("rerun-sequence") && !Catch::Contains("Cancel Task"));
}

TEST_CASE("hooks e2e: bad input is refused with one line and nothing is created") {
  E2E t;
  size_t tasks_before = t.emu->queue().TaskIds().size();
  auto check_nothing = [&](const tctest::ProcResult& r, int status, const std::string& fragment) {
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.status == status);
    REQUIRE(r.out.empty());
    REQUIRE_THAT(r.err, Catch::Contains(fragment));
    REQUIRE(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    REQUIRE(t.CommittedMutations() == 0);
    REQUIRE(t.emu->queue().TaskIds().size() == tasks_before);
  };
  SECTION("unknown action name") {
    check_nothing(t.Trigger({"--task", t.retriggerable, "frobnicate"}), 2, "unknown action \"frobnicate\"");
  }
  SECTION("context mismatch: a group action with a task, a task action without one") {
    check_nothing(t.Trigger({"--task", t.retriggerable, "cancel-all"}), 1, "whole task group");
    check_nothing(t.Trigger({"rerun"}), 1, "--task");
  }
  SECTION("input failing the action's schema") {
    check_nothing(t.Trigger({"--task", t.retriggerable, "retrigger", "--input", R"({"times": 1000})"}), 2,
                  "input.times");
    check_nothing(t.Trigger({"--task", t.retriggerable, "retrigger", "--input", R"({"bogus": 1})"}), 2, "input");
    check_nothing(t.Trigger({"--task", t.retriggerable, "retrigger", "--input", "[1]"}), 2, "--input");
  }
  SECTION("hook payload failing the hook's triggerSchema") {
    // a decision task whose actions.json lost decision.push: the hooks service answers 400
    Json broken = CopyJson(t.actions);
    for (auto& a : broken["actions"].GetArray()) a["hookPayload"]["decision"].RemoveMember("push");
    std::string dec2 = NewSlugid();
    t.Seed(dec2, t.Def("decision-2", false), "completed", &broken);
    tasks_before = t.emu->queue().TaskIds().size();
    t.emu->ClearJournal();
    auto r = t.Trigger({"--task", t.retriggerable, "rerun"}, dec2);
    check_nothing(r, 2, "400 InputError");
    REQUIRE_THAT(r.err, Catch::Contains("push"));
    bool rejected = false;
    for (auto& e : t.emu->Journal()) rejected |= e.method == "POST" && e.status == 400 && !e.committed;
    REQUIRE(rejected);
  }
  SECTION("bad task ids, unknown decision task") {
    check_nothing(t.Trigger({"--task", "nope", "rerun"}), 2, "--task");
    check_nothing(t.Trigger({"--task", t.retriggerable, "rerun"}, NewSlugid()), 2, "404");
  }
  REQUIRE(t.emu->hooks().Runs().empty());
}

TEST_CASE("hooks e2e: the emulator's triggerHook: scopes, unknown hooks, schema errors") {
  E2E t;
  std::string hook_id = t.hooks[0]["hookId"].GetString();
  ClientConfig cfg;
  cfg.root_url = t.emu->root_url();
  cfg.max_retries = 0;
  cfg.creds = HawkCredentials{"tiny", kTinyToken};
  HttpHooks tiny(cfg);
  Json payload = ParseJson("{}", "p");
  try {
    tiny.TriggerHook("project-gecko", hook_id, payload);
    FAIL("expected 403");
  } catch (const TcError& e) {
    REQUIRE(e.status() == 403);
    REQUIRE(e.code() == "InsufficientScopes");
    REQUIRE_THAT(e.what(), Catch::Contains("tiny"));
  }
  cfg.creds = HawkCredentials{"automation", kAutomationToken};
  HttpHooks hooks(cfg);
  try {
    hooks.TriggerHook("project-gecko", "in-tree-action-3-nope/0000000000", payload);
    FAIL("expected 404");
  } catch (const TcError& e) {
    REQUIRE(e.status() == 404);
    REQUIRE(e.code() == "ResourceNotFound");
  }
  try {
    hooks.TriggerHook("project-gecko", hook_id, payload);
    FAIL("expected 400");
  } catch (const TcError& e) {
    REQUIRE(e.status() == 400);
    REQUIRE(e.code() == "InputError");
    REQUIRE_THAT(e.what(), Catch::Contains("decision"));
  }
  REQUIRE(t.CommittedMutations() == 0);
  // a hook whose role lacks the task's scopes: InsufficientScopes naming the role, nothing created
  Json h = ParseJson(R"([{"hookGroupId": "project-gecko", "hookId": "in-tree-action-3-greedy/x",
     "task": {"provisionerId": "p", "workerType": "w", "created": {"$fromNow": ""}, "deadline": {"$fromNow": "1 hour"},
              "payload": {}, "scopes": ["secrets:get:everything"],
              "metadata": {"name": "n", "description": "d", "owner": "o@example.com", "source": "https://example.com"}}}])",
                     "h");
  t.emu->hooks().AddHooks(h);
  try {
    hooks.TriggerHook("project-gecko", "in-tree-action-3-greedy/x", payload);
    FAIL("expected 403");
  } catch (const TcError& e) {
    REQUIRE(e.status() == 403);
    REQUIRE_THAT(e.what(), Catch::Contains("hook-id:project-gecko/in-tree-action-3-greedy/x"));
  }
  REQUIRE(t.CommittedMutations() == 0);
}

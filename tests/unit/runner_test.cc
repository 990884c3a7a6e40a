// `tc-action run` end to end over the in-memory queue: every rule of the
// policy, idempotency of a retried action task, and the bad-input contract
// (exit 2, one-line error naming the field, zero mutating calls).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "run/runner.h"
#include "core/schema.h"
#include "core/slugid.h"
#include "core/timestamp.h"
#include "memory_world.h"
#include "test_util.h"

using namespace tc;
using tctest::MapEnv;
using tctest::TaskDef;

namespace {

// The in-process world, with its counts under short names.
struct World : tctest::MemoryWorld {
  int& mutations = counts.mutations;
  int& creates = counts.creates;
  int& reruns = counts.reruns;
  int& cancels = counts.cancels;
};

std::string OpStatusAt(const Json& r, size_t i) { return r["operations"][i]["status"].GetString(); }

}  // namespace

TEST_CASE("rerun: failed and exception tasks get a new run", "[runner]") {
  World w;
  for (const char* state : {"failed", "exception"}) {
    std::string id = w.Seed(state);
    REQUIRE(w.RunOn("rerun", id) == 0);
    REQUIRE(w.State(id) == "pending");
    auto r = w.Report();
    REQUIRE_FALSE(ValidateSchema("report.json", r));
    REQUIRE(r["operations"].Size() == 1);
    REQUIRE(std::string(r["operations"][0]["op"].GetString()) == "rerun");
    REQUIRE(OpStatusAt(r, 0) == "done");
  }
  REQUIRE(w.reruns == 2);
}

TEST_CASE("rerun: completed is refused unless force; force warns about consumers", "[runner]") {
  World w;
  std::string id = w.Seed("completed");
  // a consumer (payload names the task) and a waiter (dependency only)
  Json consumer = TaskDef(w.group, w.q.NowMs(), 1000, false, "beetmover-1");
  consumer["dependencies"].PushBack(Str(id, consumer.GetAllocator()), consumer.GetAllocator());
  JsonValue ua(rapidjson::kObjectType);
  ua.AddMember("taskId", Str(id, consumer.GetAllocator()), consumer.GetAllocator());
  JsonValue arr(rapidjson::kArrayType);
  arr.PushBack(ua, consumer.GetAllocator());
  consumer["payload"].AddMember("upstreamArtifacts", arr, consumer.GetAllocator());
  std::string consumer_id = w.Seed("completed", false, std::move(consumer));
  Json waiter = TaskDef(w.group, w.q.NowMs(), 1000, false, "waiter-1");
  waiter["dependencies"].PushBack(Str(id, waiter.GetAllocator()), waiter.GetAllocator());
  std::string waiter_id = w.Seed("completed", false, std::move(waiter));

  REQUIRE(w.RunOn("rerun", id) == 1);
  REQUIRE(w.mutations == 0);
  REQUIRE(w.State(id) == "completed");
  REQUIRE_THAT(std::string(w.Report()["error"].GetString()), Catch::Contains("force"));

  // the consumer is a release (CoT) task that already ran: refused without acknowledging
  REQUIRE(w.RunOn("rerun", id, R"({"force": true})") == 1);
  REQUIRE_THAT(std::string(w.Report()["error"].GetString()), Catch::Contains("acknowledge_cot_break"));
  REQUIRE(w.mutations == 0);
  REQUIRE(w.RunOn("rerun", id, R"({"force": true, "acknowledge_cot_break": true})") == 0);
  REQUIRE(w.State(id) == "pending");
  auto r = w.Report();
  REQUIRE(r["warnings"].Size() == 1);
  std::string warning = r["warnings"][0].GetString();
  REQUIRE_THAT(warning, Catch::Contains("Chain of Trust") && Catch::Contains(consumer_id) &&
                            Catch::Contains("beetmover-1"));
  REQUIRE_THAT(warning, !Catch::Contains(waiter_id));
}

TEST_CASE("rerun: pending/running is a no-op; unscheduled needs force; past deadline refused", "[runner]") {
  World w;
  std::string pending = w.Seed("pending");
  REQUIRE(w.RunOn("rerun", pending) == 0);
  REQUIRE(OpStatusAt(w.Report(), 0) == "skipped");
  REQUIRE(w.mutations == 0);
  std::string running = w.Seed("running");
  REQUIRE(w.RunOn("rerun", running) == 0);
  REQUIRE(w.mutations == 0);

  Json dep_def = TaskDef(w.group, w.q.NowMs());
  std::string blocker = w.Seed("pending");
  Json def = TaskDef(w.group, w.q.NowMs());
  def["dependencies"].PushBack(Str(blocker, def.GetAllocator()), def.GetAllocator());
  std::string unscheduled = w.Seed("unscheduled", true, std::move(def));
  REQUIRE(w.RunOn("rerun", unscheduled) == 1);
  REQUIRE(w.mutations == 0);
  REQUIRE(w.RunOn("rerun", unscheduled, R"({"force": true})") == 0);
  REQUIRE(w.State(unscheduled) == "pending");

  std::string old = w.Seed("failed", true, TaskDef(w.group, w.q.NowMs(), 25LL * 3600 * 1000));
  int before = w.mutations;
  REQUIRE(w.RunOn("rerun", old) == 1);
  REQUIRE(w.mutations == before);
  REQUIRE_THAT(std::string(w.Report()["error"].GetString()), Catch::Contains("deadline") &&
                                                                  Catch::Contains("retrigger-disabled"));
}

TEST_CASE("retrigger x3: copies made from the full graph, derived ids, shifted timestamps, parent, dependencies",
          "[runner]") {
  World w;
  std::string id = w.Seed("failed");
  const std::string label = "test-linux64/opt-mochitest-1";
  Json orig = w.q.Task(id);
  REQUIRE(w.RunOn("retrigger", id, R"({"times": 3})") == 0);
  REQUIRE(w.creates == 3);
  auto r = w.Report();
  REQUIRE_FALSE(ValidateSchema("report.json", r));
  REQUIRE(r["operations"].Size() == 3);
  const int64_t now = w.q.NowMs();
  for (size_t i = 0; i < 3; ++i) {
    std::string nid = r["operations"][i]["taskId"].GetString();
    REQUIRE(nid == CopyTaskId(w.action_task, label, std::to_string(i)));
    REQUIRE(std::string(r["operations"][i]["label"].GetString()) == label);
    Json t = w.q.Task(nid);
    REQUIRE(std::string(t["taskGroupId"].GetString()) == w.group);
    REQUIRE(std::string(t["schedulerId"].GetString()) == "gecko-level-3");
    REQUIRE(std::string(t["extra"]["parent"].GetString()) == w.action_task);
    // the action task, then the decision (no dependency created with it)
    REQUIRE(StringsOf(Member(t, "dependencies")) == std::vector<std::string>{w.action_task, w.group});
    int64_t created = ParseTimestamp(t["created"].GetString())->ms;
    REQUIRE(std::llabs(created - now) < 5000);
    int64_t delta = created - ParseTimestamp(orig["created"].GetString())->ms;
    REQUIRE(ParseTimestamp(t["deadline"].GetString())->ms - ParseTimestamp(orig["deadline"].GetString())->ms == delta);
    REQUIRE(ParseTimestamp(t["payload"]["artifacts"]["public/logs"]["expires"].GetString())->ms -
                ParseTimestamp(orig["payload"]["artifacts"]["public/logs"]["expires"].GetString())->ms ==
            delta);
    REQUIRE(t["routes"] == orig["routes"]);
    REQUIRE(t["scopes"] == orig["scopes"]);
    REQUIRE(t["payload"]["env"] == orig["payload"]["env"]);
    REQUIRE(std::string(t["priority"].GetString()) == "low");
    REQUIRE(w.State(nid) == "unscheduled");  // waits for the action task
  }
  // The action task is retried: same TASK_ID, a minute later. Nothing new.
  size_t before = w.q.TaskIds().size();
  w.q.AdvanceClock(std::chrono::minutes(1));
  REQUIRE(w.RunOn("retrigger", id, R"({"times": 3})") == 0);
  REQUIRE(w.q.TaskIds().size() == before);
  auto r2 = w.Report();
  for (size_t i = 0; i < 3; ++i) {
    REQUIRE(OpStatusAt(r2, i) == "done");
    REQUIRE_THAT(std::string(r2["operations"][i]["detail"].GetString()), Catch::Contains("earlier run"));
  }
}

TEST_CASE("retrigger: refused for non-retriggerable tasks; retrigger-disabled needs force", "[runner]") {
  World w;
  std::string id = w.Seed("completed", false);
  REQUIRE(w.RunOn("retrigger", id) == 1);
  REQUIRE_THAT(std::string(w.Report()["error"].GetString()), Catch::Contains("retrigger-disabled"));
  REQUIRE(w.RunOn("retrigger-disabled", id) == 1);
  REQUIRE(w.mutations == 0);
  REQUIRE(w.RunOn("retrigger-disabled", id, R"({"force": true, "times": 2})") == 0);
  REQUIRE(w.creates == 2);
  REQUIRE(w.Report()["warnings"].Size() == 1);
  // retriggerable tasks need no force under retrigger-disabled
  std::string ok = w.Seed("failed", true, TaskDef(w.group, w.q.NowMs(), 3600 * 1000, true, "test-linux64/opt-2"));
  REQUIRE(w.RunOn("retrigger-disabled", ok) == 0);
  // downstream of a task whose label is not in the push's full graph: refused cleanly
  std::string outside = NewSlugid();
  w.q.SeedTask(outside, TaskDef(w.group, w.q.NowMs(), 3600 * 1000, true, "test-not-in-the-push"), "failed");
  w.q.FinishSeeding();
  int before = w.mutations;
  REQUIRE(w.RunOn("retrigger", outside, R"({"downstream": true})") == 1);
  REQUIRE_THAT(w.err, Catch::Contains("not in the push's full-task-graph.json"));
  REQUIRE(w.mutations == before);
  // downstream without the push's full graph: bad input naming it
  MemArtifact missing;
  missing.name = "public/full-task-graph.json";
  missing.storage_type = "error";
  missing.reason = "file-missing-on-worker";
  w.q.PutArtifact(w.group, -1, missing);
  REQUIRE(w.RunOn("retrigger", ok, R"({"downstream": true})") == 2);
  REQUIRE_THAT(w.err, Catch::Contains("public/full-task-graph.json"));
  REQUIRE(w.mutations == before);
}

TEST_CASE("retrigger of a deadline-exceeded task gives fresh timestamps the queue accepts", "[runner]") {
  World w;
  std::string id = w.Seed("failed", false, TaskDef(w.group, w.q.NowMs(), 3LL * 24 * 3600 * 1000, false));
  REQUIRE(w.RunOn("retrigger-disabled", id, R"({"force": true})") == 0);
  auto r = w.Report();
  REQUIRE(OpStatusAt(r, 0) == "done");
  Json t = w.q.Task(r["operations"][0]["taskId"].GetString());
  REQUIRE(ParseTimestamp(t["deadline"].GetString())->ms > w.q.NowMs());
}

TEST_CASE("dry run plans and mutates nothing", "[runner]") {
  World w;
  std::string id = w.Seed("failed");
  REQUIRE(w.Run(w.Env("retrigger", "\"" + id + "\"", R"({"times": 2})"), true) == 0);
  REQUIRE(w.mutations == 0);
  auto r = w.Report();
  REQUIRE(r["dryRun"].GetBool());
  REQUIRE(OpStatusAt(r, 0) == "planned");
  REQUIRE(OpStatusAt(r, 1) == "planned");
}

TEST_CASE("cancel and cancel-all", "[runner]") {
  World w;
  std::string pending = w.Seed("pending");
  REQUIRE(w.RunOn("cancel", pending) == 0);
  REQUIRE(w.State(pending) == "exception");
  std::string done = w.Seed("completed");
  REQUIRE(w.RunOn("cancel", done) == 0);
  REQUIRE(OpStatusAt(w.Report(), 0) == "skipped");
  REQUIRE(w.cancels == 1);

  w.q.SetPageSize(2);
  std::vector<std::string> live;
  for (int i = 0; i < 5; ++i) live.push_back(w.Seed(i % 2 ? "pending" : "running"));
  REQUIRE(w.Run(w.Env("cancel-all", "null")) == 0);
  for (const auto& id : live) REQUIRE(w.State(id) == "exception");
  REQUIRE(w.State(w.action_task) == "running");  // never itself
  REQUIRE(w.Report()["operations"].Size() == 5);
}

TEST_CASE("unknown and foreign tasks are bad input, with no mutation", "[runner]") {
  World w;
  REQUIRE(w.RunOn("rerun", NewSlugid()) == 2);
  REQUIRE_THAT(w.err, Catch::Contains("ACTION_TASK_ID") && Catch::Contains("does not exist"));
  std::string other_group = NewSlugid();
  std::string foreign = w.Seed("failed", true, TaskDef(other_group, w.q.NowMs()));
  REQUIRE(w.RunOn("rerun", foreign) == 2);
  REQUIRE_THAT(w.err, Catch::Contains("belongs to task group"));
  REQUIRE(w.mutations == 0);
}

TEST_CASE("bad input: exit 2, one line naming the field, no mutation", "[runner]") {
  World w;
  std::string id = w.Seed("failed");
  std::string tid = "\"" + id + "\"";
  struct Case {
    std::map<std::string, std::string> env;
    std::string field;
  };
  auto base = w.Env("retrigger", tid);
  auto with = [&](const std::string& k, const std::string& v) {
    auto e = base;
    e[k] = v;
    return e;
  };
  auto without = [&](const std::string& k) {
    auto e = base;
    e.erase(k);
    return e;
  };
  std::vector<Case> cases = {
      {without("TASK_ID"), "TASK_ID"},
      {without("ACTION_TASK_GROUP_ID"), "ACTION_TASK_GROUP_ID"},
      {without("ACTION_TASK_ID"), "ACTION_TASK_ID"},
      {without("ACTION_INPUT"), "ACTION_INPUT"},
      {without("ACTION_CALLBACK"), "ACTION_CALLBACK"},
      {with("TASK_ID", "not-a-slugid"), "TASK_ID"},
      {with("TASK_ID", ""), "TASK_ID"},
      {with("ACTION_TASK_GROUP_ID", "abc"), "ACTION_TASK_GROUP_ID"},
      {with("ACTION_TASK_ID", id), "ACTION_TASK_ID"},  // not JSON
      {with("ACTION_TASK_ID", "\"short\""), "ACTION_TASK_ID"},
      {with("ACTION_TASK_ID", "42"), "ACTION_TASK_ID"},
      {with("ACTION_TASK_ID", "null"), "ACTION_TASK_ID"},
      {with("ACTION_TASK_ID", "[\"" + id + "\"]"), "ACTION_TASK_ID"},
      {with("ACTION_INPUT", "{"), "ACTION_INPUT"},
      {with("ACTION_INPUT", "[]"), "ACTION_INPUT"},
      {with("ACTION_INPUT", "\"x\""), "ACTION_INPUT"},
      {with("ACTION_INPUT", R"({"times": 0})"), "ACTION_INPUT.times"},
      {with("ACTION_INPUT", R"({"times": 101})"), "ACTION_INPUT.times"},
      {with("ACTION_INPUT", R"({"times": "3"})"), "ACTION_INPUT.times"},
      {with("ACTION_INPUT", R"({"times": 1.5})"), "ACTION_INPUT.times"},
      {with("ACTION_INPUT", R"({"downstream": "yes"})"), "ACTION_INPUT.downstream"},
      {with("ACTION_INPUT", R"({"bogus": 1})"), "ACTION_INPUT"},
      {with("ACTION_INPUT", R"({"force": true})"), "ACTION_INPUT"},  // retrigger has no force
      {with("ACTION_INPUT", "{\"x\": \"\xff\"}"), "ACTION_INPUT"},   // invalid UTF-8
      {with("ACTION_CALLBACK", "retrigger-everything"), "ACTION_CALLBACK"},
      {with("ACTION_CALLBACK", ""), "ACTION_CALLBACK"},
      {with("ACTION_INPUT", std::string(10000, '[')), "ACTION_INPUT"},
  };
  int n = 0;
  for (const auto& c : cases) {
    INFO("case " << n << " expecting field " << c.field);
    REQUIRE(w.Run(c.env) == 2);
    REQUIRE_THAT(w.err, Catch::StartsWith("tc-action: error: " + c.field));
    REQUIRE(std::count(w.err.begin(), w.err.end(), '\n') == 1);
    auto r = w.Report();
    REQUIRE_FALSE(ValidateSchema("report.json", r));
    REQUIRE(std::string(r["outcome"].GetString()) == "bad-input");
    ++n;
  }
  REQUIRE(n >= 25);
  REQUIRE(w.mutations == 0);
}

TEST_CASE("--context file replaces the ACTION_* variables", "[runner]") {
  World w;
  std::string id = w.Seed("failed");
  std::filesystem::create_directories(w.dir);
  std::string path = w.dir + "/ctx.json";
  {
    std::ofstream f(path);
    f << R"({"action": "rerun", "taskGroupId": ")" << w.group << R"(", "taskId": ")" << id
      << R"(", "input": {}})";
  }
  REQUIRE(w.Run({{"TASK_ID", w.action_task}}, false, path) == 0);
  REQUIRE(w.State(id) == "pending");
  {
    std::ofstream f(path);
    f << R"({"action": "rerun", "taskGroupId": ")" << w.group << R"(", "taskId": ")" << id
      << R"(", "input": {"force": 1}})";
  }
  REQUIRE(w.Run({{"TASK_ID", w.action_task}}, false, path) == 2);
  REQUIRE_THAT(w.err, Catch::Contains("context.input.force"));
}

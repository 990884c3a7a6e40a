// Graph-aware actions: artifact parsing, downstream closure, remapping of
// dependencies, upstreamArtifacts and embedded taskIds, retrigger-multiple,
// retrigger-decision, artifact errors, and a retried action task.
#include <catch2/catch.hpp>

#include <filesystem>
#include <set>
#include <sstream>

#include "core/error.h"
#include "actions/graph.h"
#include "actions/graph_copy.h"
#include "graph_gen.h"
#include "run/runner.h"
#include "core/schema.h"
#include "core/slugid.h"
#include "core/timestamp.h"
#include "memory_world.h"
#include "task_graph.h"
#include "test_util.h"

using namespace tc;
using tctest::MapEnv;
using tctest::TaskDef;

TEST_CASE("relative durations as taskgraph writes them", "[graph]") {
  REQUIRE(ParseRelativeDuration("1 day") == 86400000LL);
  REQUIRE(ParseRelativeDuration("0 seconds") == 0);
  REQUIRE(ParseRelativeDuration("-3600 seconds") == -3600000LL);
  REQUIRE(ParseRelativeDuration("6years") == 6 * 365 * 86400000LL);
  REQUIRE(ParseRelativeDuration("2 hours 30 min") == 9000000LL);
  REQUIRE(ParseRelativeDuration("1 mo") == 30 * 86400000LL);
  REQUIRE_FALSE(ParseRelativeDuration(""));
  REQUIRE_FALSE(ParseRelativeDuration("soon"));
  REQUIRE_FALSE(ParseRelativeDuration("3 fortnights"));
  auto d = ParseJson(R"({"a": {"relative-datestamp": "1 day"}, "b": [{"relative-datestamp": "0 seconds"}],
                        "c": {"relative-datestamp": "x", "other": 1}})", "t");
  REQUIRE(ResolveRelativeDatestamps(d, 0, d.GetAllocator()) == 2);
  REQUIRE(std::string(d["a"].GetString()) == "1970-01-02T00:00:00.000Z");
  REQUIRE(std::string(d["b"][0].GetString()) == "1970-01-01T00:00:00.000Z");
  auto bad = ParseJson(R"({"a": {"relative-datestamp": "whenever"}})", "t");
  REQUIRE_THROWS_AS(ResolveRelativeDatestamps(bad, 0, bad.GetAllocator()), BadInput);
}

TEST_CASE("task-graph.json parsing errors name the artifact", "[graph]") {
  REQUIRE_THROWS_WITH(TaskGraph::Parse("{", "public/task-graph.json"), Catch::StartsWith("public/task-graph.json: invalid JSON"));
  REQUIRE_THROWS_WITH(TaskGraph::Parse("[]", "public/task-graph.json"), Catch::Contains("expected an object"));
  REQUIRE_THROWS_WITH(TaskGraph::Parse(R"({"a": 1})", "public/task-graph.json"), Catch::Contains("public/task-graph.json.a"));
  REQUIRE_THROWS_AS(ParseLabelToTaskId(R"({"x": 3})", "label-to-taskid.json"), BadInput);
}

TEST_CASE("downstream closure of a Firefox-shaped graph is complete and topologically ordered", "[graph]") {
  auto g = tctest::GraphGen(7).Generate(3000, 400);
  auto graph = TaskGraph::Parse(g.task_graph, "tg");
  REQUIRE(graph->size() == g.count);
  auto closure = graph->DownstreamClosure(g.big_build_id);
  REQUIRE(closure.size() == 400 + 1);
  REQUIRE(closure.front() == g.big_build_id);
  std::set<std::string_view> seen;
  for (auto id : closure) {
    for (auto d : graph->Dependencies(id)) {
      bool in_closure = std::find(closure.begin(), closure.end(), d) != closure.end();
      if (in_closure) REQUIRE(seen.count(d));  // dependencies first
    }
    seen.insert(id);
  }
  // deterministic
  REQUIRE(graph->DownstreamClosure(g.big_build_id) == closure);
}

TEST_CASE("copies of a generated graph validate and are remapped", "[graph]") {
  auto g = tctest::GraphGen(9).Generate(800, 120);
  auto graph = TaskGraph::Parse(g.task_graph, "tg");
  Context ctx;
  ctx.action = "retrigger";
  ctx.task_group_id = g.decision_id;
  ctx.task_id = g.big_build_id;
  ctx.action_task_id = NewSlugid();
  ctx.input.SetObject();
  Plan plan;
  PlanDownstreamCopies(plan, ctx, *graph, g.big_build_id, 2, 1700000000000LL, true);
  REQUIRE(plan.ops.size() == 2 * 121);
  std::set<std::string> old_ids(g.ids.begin(), g.ids.end());
  std::set<std::string> closure;
  for (auto id : graph->DownstreamClosure(g.big_build_id)) closure.insert(std::string(id));
  for (const auto& op : plan.ops) {
    std::string text = ToJson(op.definition);
    for (const auto& c : closure) REQUIRE(text.find(c) == std::string::npos);  // no old id of the set survives
    REQUIRE(std::string(op.definition["created"].GetString()) == "2023-11-14T22:13:20.000Z");
  }
  for (const auto& wn : plan.warnings) REQUIRE(wn.find("not a task of this graph") == std::string::npos);
  REQUIRE(plan.to_run.Size() == 121);
  REQUIRE(plan.task_graph.MemberCount() == 2 * 121);
}

namespace {

// The release-shaped graph of tests/support/task_graph.h (X toolchain <- B
// build <- S signing <- M beetmover; T test of B; R release signing of B),
// with a stranger taskId in S's env, in an in-process world.
struct GraphWorld : tctest::MemoryWorld {
  std::string stranger = NewSlugid();
  tctest::ReleaseGraph g = tctest::SeedReleaseGraph(q, group, stranger);
  std::string &X = g.X, &B = g.B, &S = g.S, &M = g.M, &T = g.T, &R = g.R;
  std::string& action = action_task;

  int Run(const std::string& cb, const std::string& task_json, const std::string& input) {
    return MemoryWorld::Run(Env(cb, task_json, input));
  }
  Json Copy(const Json& report, const std::string& of, int nth = 0) {
    for (const auto& op : report["operations"].GetArray()) {
      if (op.HasMember("of") && of == op["of"].GetString() && nth-- == 0) return q.Task(op["taskId"].GetString());
    }
    FAIL("no copy of " << of);
    return Json();
  }
};

bool HasString(const JsonValue& arr, const std::string& s) {
  for (const auto& v : arr.GetArray())
    if (s == v.GetString()) return true;
  return false;
}

}  // namespace

TEST_CASE("retrigger with downstream re-creates the closure with remapped ids", "[graph]") {
  GraphWorld w;
  // The closure holds release tasks (signing, beetmover): a plain retrigger
  // would fork the release graph and is refused; forcing it is explicit.
  size_t before_refusal = w.q.TaskIds().size();
  REQUIRE(w.Run("retrigger", "\"" + w.B + "\"", R"({"downstream": true, "times": 2})") == 1);
  REQUIRE_THAT(w.err, Catch::Contains("fork the release graph"));
  REQUIRE(w.q.TaskIds().size() == before_refusal);
  REQUIRE(w.Run("retrigger-disabled", "\"" + w.B + "\"", R"({"downstream": true, "times": 2, "force": true})") == 0);
  Json r = w.Report();
  REQUIRE_FALSE(ValidateSchema("report.json", r));
  REQUIRE(r["operations"].Size() == 2 * 5);  // B S M T R, twice
  for (int copy = 0; copy < 2; ++copy) {
    Json b = w.Copy(r, w.B, copy), s = w.Copy(r, w.S, copy), m = w.Copy(r, w.M, copy);
    std::string nb = r["operations"][copy * 5]["taskId"].GetString();
    REQUIRE(std::string(r["operations"][copy * 5]["of"].GetString()) == w.B);
    // B: outside dependency kept, waits on the action task
    REQUIRE(HasString(b["dependencies"], w.X));
    REQUIRE(HasString(b["dependencies"], w.action));
    // S: depends on the new B only; its upstreamArtifacts point to the new B
    REQUIRE(HasString(s["dependencies"], nb));
    REQUIRE_FALSE(HasString(s["dependencies"], w.B));
    REQUIRE_FALSE(HasString(s["dependencies"], w.action));
    REQUIRE(std::string(s["payload"]["upstreamArtifacts"][0]["taskId"].GetString()) == nb);
    // M: the URL in env names the new B
    std::string url = m["payload"]["env"]["INSTALLER_URL"].GetString();
    REQUIRE(url.find(nb) != std::string::npos);
    REQUIRE(url.find(w.B) == std::string::npos);
    REQUIRE(std::string(m["extra"]["parent"].GetString()) == w.action);
  }
  // the stranger taskId in S's env is reported, and left alone
  bool warned = false;
  for (const auto& x : r["warnings"].GetArray()) warned |= std::string(x.GetString()).find(w.stranger) != std::string::npos;
  REQUIRE(warned);
  // taskgraph-like artifacts
  Json tg = ParseJsonFile(w.dir + "/task-graph.json");
  REQUIRE(tg.MemberCount() == 10);
  Json l2t = ParseJsonFile(w.dir + "/label-to-taskid.json");
  REQUIRE(l2t.MemberCount() == 5);
  Json to_run = ParseJsonFile(w.dir + "/to-run.json");
  REQUIRE(to_run.Size() == 5);

  // the action task is retried: nothing new
  size_t before = w.q.TaskIds().size();
  REQUIRE(w.Run("retrigger-disabled", "\"" + w.B + "\"", R"({"downstream": true, "times": 2, "force": true})") == 0);
  REQUIRE(w.q.TaskIds().size() == before);
}

TEST_CASE("retrigger with downstream of a non-retriggerable task is refused before any fetch or mutation", "[graph]") {
  GraphWorld w;
  size_t before = w.q.TaskIds().size();
  REQUIRE(w.Run("retrigger", "\"" + w.S + "\"", R"({"downstream": true})") == 1);
  REQUIRE(w.q.TaskIds().size() == before);
}

TEST_CASE("retrigger-multiple: retriggerable labels are copied, others rerun; unknown labels are bad input", "[graph]") {
  GraphWorld w;
  REQUIRE(w.Run("retrigger-multiple", "null",
                R"({"requests": [{"tasks": ["test-linux64-mochitest-1", "release-signing", "build-signing-linux64"], "times": 3}]})") == 0);
  Json r = w.Report();
  int creates = 0, reruns_done = 0, reruns_skipped = 0;
  for (const auto& op : r["operations"].GetArray()) {
    std::string kind = op["op"].GetString(), st = op["status"].GetString();
    if (kind == "create") {
      ++creates;
      REQUIRE(std::string(op["of"].GetString()) == w.T);
    }
    if (kind == "rerun" && st == "done") ++reruns_done;
    if (kind == "rerun" && st == "skipped") ++reruns_skipped;
  }
  REQUIRE(creates == 3);
  REQUIRE(reruns_done == 1);     // release-signing was failed
  REQUIRE(reruns_skipped == 1);  // build-signing completed: no need
  REQUIRE(w.q.Status(w.R)["status"]["state"] == "pending");

  size_t before = w.q.TaskIds().size();
  REQUIRE(w.Run("retrigger-multiple", "null", R"({"requests": [{"tasks": ["no-such-label"]}]})") == 2);
  REQUIRE_THAT(w.err, Catch::Contains("ACTION_INPUT.requests[0].tasks[0]"));
  REQUIRE(w.q.TaskIds().size() == before);
}

TEST_CASE("missing or failed decision artifacts refuse the action clearly", "[graph]") {
  GraphWorld w;
  MemArtifact bad;
  bad.name = "public/task-graph.json";
  bad.storage_type = "error";
  bad.reason = "file-missing-on-worker";
  bad.message = "no graph";
  w.q.PutArtifact(w.group, -1, bad);
  REQUIRE(w.Run("retrigger", "\"" + w.B + "\"", R"({"downstream": true})") == 1);
  REQUIRE_THAT(w.err, Catch::Contains("public/task-graph.json"));
}

TEST_CASE("retrigger-decision copies a decision task with fresh timestamps", "[graph]") {
  GraphWorld w;
  Json d = w.q.Task(w.group);
  // make it a decision task
  MemoryQueue& q = w.q;
  std::string dec = NewSlugid();
  Json def = TaskDef(w.group, q.NowMs(), 7200 * 1000, false, "Gecko Decision Task");
  def["tags"]["kind"] = "decision-task";
  q.SeedTask(dec, def, "completed");
  q.FinishSeeding();
  REQUIRE(w.Run("retrigger-decision", "\"" + dec + "\"", "{}") == 0);
  Json r = w.Report();
  Json c = w.Copy(r, dec);
  REQUIRE(ParseTimestamp(c["deadline"].GetString())->ms > q.NowMs());
  // not a decision task: refused
  REQUIRE(w.Run("retrigger-decision", "\"" + w.T + "\"", "{}") == 1);
}

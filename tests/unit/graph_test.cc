// The push's graph: the index of full-task-graph.json (labels, named and
// soft dependencies, index-search paths, attributes as Python's truthiness
// reads them), relative datestamps, closures of a Firefox-shaped graph, and
// the graph actions in process over the in-memory queue, index and auth
// (tests/support/memory_world.h): a downstream retrigger made from the full
// graph, retrigger-multiple, missing decision artifacts, retrigger-decision.
#include <catch2/catch.hpp>

#include <filesystem>
#include <set>
#include <sstream>

#include "actions/create_tasks.h"
#include "actions/graph.h"
#include "actions/push.h"
#include "core/error.h"
#include "core/schema.h"
#include "core/slugid.h"
#include "core/timestamp.h"
#include "core/yaml.h"
#include "facts_world.h"
#include "graph_gen.h"
#include "memory_world.h"
#include "run/runner.h"
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

TEST_CASE("graph artifact parsing errors name the artifact", "[graph]") {
  REQUIRE_THROWS_WITH(TaskGraph::Parse("{", "public/full-task-graph.json"),
                      Catch::StartsWith("public/full-task-graph.json: invalid JSON"));
  REQUIRE_THROWS_WITH(TaskGraph::Parse("[]", "public/full-task-graph.json"), Catch::Contains("expected an object"));
  REQUIRE_THROWS_WITH(TaskGraph::Parse(R"({"a": 1})", "public/full-task-graph.json"),
                      Catch::Contains("public/full-task-graph.json.a"));
  REQUIRE_THROWS_WITH(TaskGraph::Parse(R"({"a": {"task": {}}} x)", "public/full-task-graph.json"),
                      Catch::Contains("must not be followed"));
  REQUIRE_THROWS_WITH(TaskGraph::Parse(R"({"a": {"task": {}}, "a": {"task": {}}})", "public/full-task-graph.json"),
                      Catch::Contains("key a twice"));
  REQUIRE_THROWS_WITH(TaskGraph::Parse(R"({"a": {}})", "public/full-task-graph.json"),
                      Catch::Contains("a.task: missing"));
  REQUIRE_THROWS_AS(ParseLabelToTaskId(R"({"x": 3})", "label-to-taskid.json"), BadInput);
  REQUIRE_THROWS_AS(ParseLabelToTaskId("[]", "label-to-taskid.json"), BadInput);
}

// ------------------------------------------------ the full graph's index

namespace {

// A full-task-graph.json entry with these attributes (JSON text) and other fields.
std::string EntryWith(const std::string& label, const std::string& attributes, const std::string& more = "") {
  return "\"" + label + "\": {\"label\": \"" + label + "\", \"kind\": \"test\", \"attributes\": " + attributes +
         ", \"dependencies\": {}" + more + ", \"task\": {\"tags\": {}}}";
}

}  // namespace

TEST_CASE("full graph index: attributes.retrigger and cached_task are truthy as Python reads them", "[graph]") {
  const std::vector<std::pair<std::string, bool>> values = {
      {"true", true},   {"false", false}, {"1", true},         {"0", false},       {"-1", true},
      {"0.5", true},    {"0.0", false},   {"\"x\"", true},     {"\"\"", false},    {"\"false\"", true},
      {"[0]", true},    {"[]", false},    {"{\"a\": 0}", true}, {"{}", false},     {"null", false},
      {"[[]]", true},   {"{\"a\": []}", true}};
  for (const auto& [v, truthy] : values) {
    INFO(v);
    auto g = TaskGraph::Parse("{" + EntryWith("r", "{\"retrigger\": " + v + "}") + "," +
                                  EntryWith("c", "{\"cached_task\": " + v + "}") + "}",
                              "full-task-graph.json");
    REQUIRE(g->Find("r")->retrigger == truthy);
    REQUIRE(g->Find("c")->cached_task == truthy);
    REQUIRE_FALSE(g->Find("c")->retrigger);
    REQUIRE_FALSE(g->Find("r")->cached_task);
  }
  // no attributes.retrigger: task.tags.retrigger == "true" decides; the attribute wins when present
  auto g = TaskGraph::Parse(
      R"({"a": {"label": "a", "attributes": {}, "task": {"tags": {"retrigger": "true"}}},
          "b": {"label": "b", "attributes": {}, "task": {"tags": {"retrigger": "false"}}},
          "c": {"label": "c", "attributes": {"retrigger": false}, "task": {"tags": {"retrigger": "true"}}},
          "d": {"label": "d", "attributes": {"nested": {"retrigger": true}}, "task": {"tags": {}}},
          "e": {"label": "e", "attributes": {"task_duplicates": 3}, "task": {}}})",
      "full-task-graph.json");
  REQUIRE(g->Find("a")->retrigger);
  REQUIRE_FALSE(g->Find("b")->retrigger);
  REQUIRE_FALSE(g->Find("c")->retrigger);
  REQUIRE_FALSE(g->Find("d")->retrigger);  // only attributes.retrigger itself counts
  REQUIRE(g->Find("e")->task_duplicates == 3);
  REQUIRE(g->Find("a")->task_duplicates == 1);
}

TEST_CASE("full graph index: named and soft dependencies by label, index-search paths, dependents", "[graph]") {
  auto g = TaskGraph::Parse(
      R"({"tc": {"label": "tc", "kind": "toolchain", "attributes": {"cached_task": {"digest": "x"}},
                 "dependencies": {}, "optimization": {"index-search": ["p.1", "p.2"]}, "task": {}},
          "b": {"label": "b", "kind": "build", "attributes": {}, "dependencies": {"toolchain": "tc"},
                "optimization": {"skip-unless-changed": ["x/**"]}, "task": {}},
          "t": {"label": "t", "kind": "test", "attributes": {}, "dependencies": {"build": "b", "tc": "tc"},
                "soft_dependencies": ["s"], "optimization": null, "task": {}},
          "s": {"label": "s", "kind": "summary", "attributes": {}, "dependencies": {}, "task": {}}})",
      "full-task-graph.json");
  REQUIRE(g->size() == 4);
  const TaskGraph::Entry& t = *g->Find("t");
  REQUIRE(t.key == "t");
  REQUIRE(t.kind == "test");
  REQUIRE(t.dependencies == std::vector<std::pair<std::string, std::string>>{{"build", "b"}, {"tc", "tc"}});
  REQUIRE(t.soft_dependencies == std::vector<std::string>{"s"});
  REQUIRE(t.index_paths.empty());
  REQUIRE(g->Find("tc")->index_paths == std::vector<std::string>{"p.1", "p.2"});
  REQUIRE(g->Find("b")->index_paths.empty());  // other optimizations are no index path
  REQUIRE(g->Dependents("tc") == std::vector<std::string_view>{"b", "t"});
  REQUIRE(g->Dependents("s").empty());  // soft dependencies are no edges
  REQUIRE(g->DependencyClosure({"t"}) == std::vector<std::string_view>{"tc", "b", "t"});
  REQUIRE(g->DownstreamClosure("tc") == std::vector<std::string_view>{"tc", "b", "t"});
  Json e = g->Materialize("b");
  REQUIRE(std::string(e["dependencies"]["toolchain"].GetString()) == "tc");
  REQUIRE_THROWS_AS(g->Materialize("nope"), BadInput);
}

TEST_CASE("full graph index: a dependency cycle is bad input", "[graph]") {
  auto g = TaskGraph::Parse(R"({"a": {"label": "a", "dependencies": {"x": "b"}, "task": {}},
                                "b": {"label": "b", "dependencies": {"x": "a"}, "task": {}}})",
                            "full-task-graph.json");
  REQUIRE_THROWS_WITH(g->DependencyClosure({"a"}), Catch::Contains("dependency cycle"));
  REQUIRE_THROWS_WITH(g->DownstreamClosure("a"), Catch::Contains("dependency cycle"));
}

TEST_CASE("closures of a Firefox-shaped graph are complete and topologically ordered, in both graph files", "[graph]") {
  auto g = tctest::GraphGen(7).Generate(3000, 400);
  auto graph = TaskGraph::Parse(g.task_graph, "tg");
  auto full = TaskGraph::Parse(g.full_task_graph, "full-task-graph.json");
  REQUIRE(graph->size() == g.count);
  REQUIRE(full->size() == g.count);
  auto closure = graph->DownstreamClosure(g.big_build_id);
  auto labels = full->DownstreamClosure(g.big_build_label);
  REQUIRE(closure.size() == 400 + 1);
  REQUIRE(labels.size() == 400 + 1);
  REQUIRE(closure.front() == g.big_build_id);
  REQUIRE(labels.front() == g.big_build_label);
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
  // the same tasks in both files
  Json l2t = ParseJson(g.label_to_taskid, "l2t");
  std::set<std::string> from_labels, from_ids(closure.begin(), closure.end());
  for (auto l : labels) from_labels.insert(l2t[std::string(l).c_str()].GetString());
  REQUIRE(from_labels == from_ids);
  // cached tasks carry their index-search path
  size_t cached = 0;
  for (const auto& e : full->entries()) {
    if (!e.cached_task) continue;
    ++cached;
    REQUIRE(e.index_paths.size() == 1);
  }
  REQUIRE(cached == 25);  // 5 docker images, 20 toolchains
}

TEST_CASE("create_tasks on a generated push: the closure of a build, made from the full graph, validates", "[graph]") {
  auto g = tctest::GraphGen(9).Generate(800, 120);
  Facts facts;
  Push push;
  push.decision_task_id = g.decision_id;
  push.trust_domain = "gecko";
  push.parameters = ParseYaml(tctest::PushParameters{}.Yaml(), "parameters.yml");
  push.full_graph = TaskGraph::Parse(g.full_task_graph, "full-task-graph.json");
  MergeLabels(push, g.decision_id, ParseLabelToTaskId(g.label_to_taskid, "label-to-taskid.json"));
  facts.push = std::move(push);
  Context ctx;
  ctx.action = "retrigger";
  ctx.task_group_id = g.decision_id;
  ctx.action_task_id = NewSlugid();
  ctx.root_url = "https://tc.example.com";
  ctx.input.SetObject();
  std::vector<std::string> to_run;
  for (auto l : facts.push->full_graph->DownstreamClosure(g.big_build_label)) to_run.emplace_back(l);
  Plan plan;
  for (int copy = 0; copy < 2; ++copy) PlanCreateTasks(plan, ctx, facts, {to_run, std::to_string(copy)}, 1700000000000LL);
  REQUIRE(plan.ops.size() == 2 * 121);
  REQUIRE(tctest::PlanViolation(plan) == "");
  std::set<std::string> closure_ids;
  Json l2t = ParseJson(g.label_to_taskid, "l2t");
  for (const auto& l : to_run) closure_ids.insert(l2t[l.c_str()].GetString());
  for (const auto& op : plan.ops) {
    INFO(op.label);
    std::string text = ToJson(op.definition);
    for (const auto& c : closure_ids) REQUIRE(text.find(c) == std::string::npos);  // no old id of the set survives
    REQUIRE(text.find("task-reference") == std::string::npos);
    REQUIRE(text.find("artifact-reference") == std::string::npos);
    REQUIRE(text.find("relative-datestamp") == std::string::npos);
    REQUIRE(std::string(op.definition["created"].GetString()) == "2023-11-14T22:13:20.000Z");
    REQUIRE(std::string(op.definition["dependencies"][0].GetString()) == ctx.action_task_id);
  }
  REQUIRE(plan.to_run.size() == 121);
  REQUIRE(plan.created.size() == 2 * 121);
  // the build's own dependencies (toolchains, a docker image) are the push's tasks, reused
  REQUIRE(plan.ops[0].label == g.big_build_label);
  const std::vector<std::string> deps = StringsOf(Member(plan.ops[0].definition, "dependencies"));
  for (const auto& d : facts.push->full_graph->Find(g.big_build_label)->dependencies) {
    const std::string id = l2t[d.second.c_str()].GetString();
    REQUIRE(std::find(deps.begin(), deps.end(), id) != deps.end());
  }
}

// ------------------------------------------------ in process, over the push

namespace {

// The release-shaped push of tests/support/task_graph.h (X toolchain <- B
// build <- S signing <- M beetmover; T test of B; R release signing of B), in
// an in-process world.
struct GraphWorld : tctest::MemoryWorld {
  tctest::ReleaseGraph g = tctest::SeedReleaseGraph(q, push);
  std::string &X = g.X, &B = g.B, &S = g.S, &M = g.M, &T = g.T, &R = g.R;
  std::string& action = action_task;

  int Run(const std::string& cb, const std::string& task_json, const std::string& input) {
    auto env = Env(cb, task_json, input);
    env["TASKCLUSTER_ROOT_URL"] = "https://tc.example.com";
    return MemoryWorld::Run(env);
  }
  // The created task of `label` (the nth copy, in report order).
  Json Copy(const Json& report, const std::string& label, int nth = 0) {
    for (const auto& op : report["operations"].GetArray()) {
      if (op.HasMember("label") && label == op["label"].GetString() && nth-- == 0) return q.Task(op["taskId"].GetString());
    }
    FAIL("no copy of " << label);
    return Json();
  }
  std::string CopyId(const Json& report, const std::string& label, int nth = 0) {
    for (const auto& op : report["operations"].GetArray()) {
      if (op.HasMember("label") && label == op["label"].GetString() && nth-- == 0) return op["taskId"].GetString();
    }
    FAIL("no copy of " << label);
    return "";
  }
};

std::vector<std::string> Deps(const JsonValue& def) { return StringsOf(Member(def, "dependencies")); }

}  // namespace

TEST_CASE("retrigger with downstream re-creates the label's dependents of the push, from the full graph", "[graph]") {
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
  REQUIRE(r["operations"].Size() == 2 * 5);  // B S M T R, twice; X is the push's
  for (int copy = 0; copy < 2; ++copy) {
    INFO("copy " << copy);
    Json b = w.Copy(r, "build-linux64", copy), s = w.Copy(r, "build-signing-linux64", copy),
         m = w.Copy(r, "beetmover-linux64", copy);
    const std::string nb = w.CopyId(r, "build-linux64", copy), ns = w.CopyId(r, "build-signing-linux64", copy);
    REQUIRE(nb == CopyTaskId(w.action, "build-linux64", std::to_string(copy)));
    // B: the action task, the push's toolchain (reused), the decision (no created dependency)
    REQUIRE(Deps(b) == std::vector<std::string>{w.action, w.X, w.group});
    // S: the action task and the new B; its upstreamArtifacts point to the new B
    REQUIRE(Deps(s) == std::vector<std::string>{w.action, nb});
    REQUIRE(std::string(s["payload"]["upstreamArtifacts"][0]["taskId"].GetString()) == nb);
    // M: the new S and B (sorted); the artifact URL names the new B, on the root URL
    std::vector<std::string> mdeps = {nb, ns};
    std::sort(mdeps.begin(), mdeps.end());
    mdeps.insert(mdeps.begin(), w.action);
    REQUIRE(Deps(m) == mdeps);
    REQUIRE(std::string(m["payload"]["env"]["INSTALLER_URL"].GetString()) ==
            "https://tc.example.com/api/queue/v1/task/" + nb + "/artifacts/public/build/target.tar.bz2");
    REQUIRE(std::string(m["extra"]["parent"].GetString()) == w.action);
    REQUIRE(std::string(m["schedulerId"].GetString()) == "gecko-level-3");
    for (const auto& old : {w.B, w.S, w.M, w.T, w.R}) REQUIRE(ToJson(m).find(old) == std::string::npos);
  }
  // taskgraph's artifacts: every created task; the labels (last copy wins) and X; to-run once each
  Json tg = ParseJsonFile(w.dir + "/task-graph.json");
  REQUIRE(tg.MemberCount() == 10);
  Json l2t = ParseJsonFile(w.dir + "/label-to-taskid.json");
  REQUIRE(l2t.MemberCount() == 6);
  REQUIRE(std::string(l2t["toolchain"].GetString()) == w.X);
  REQUIRE(std::string(l2t["build-linux64"].GetString()) == CopyTaskId(w.action, "build-linux64", "1"));
  Json to_run = ParseJsonFile(w.dir + "/to-run.json");
  REQUIRE(to_run.Size() == 5);

  // the action task is retried: nothing new
  size_t before = w.q.TaskIds().size();
  REQUIRE(w.Run("retrigger-disabled", "\"" + w.B + "\"", R"({"downstream": true, "times": 2, "force": true})") == 0);
  REQUIRE(w.q.TaskIds().size() == before);
  Json again = w.Report();
  REQUIRE(again["operations"].Size() == 10);
  for (const auto& op : again["operations"].GetArray()) REQUIRE(std::string(op["status"].GetString()) == "done");
}

TEST_CASE("retrigger with downstream of a non-retriggerable task is refused before any mutation", "[graph]") {
  GraphWorld w;
  size_t before = w.q.TaskIds().size();
  REQUIRE(w.Run("retrigger", "\"" + w.S + "\"", R"({"downstream": true})") == 1);
  REQUIRE(w.q.TaskIds().size() == before);
  REQUIRE(w.counts.mutations == 0);
}

TEST_CASE("retrigger-multiple: retriggerable labels are made anew, others rerun; unknown labels are bad input", "[graph]") {
  GraphWorld w;
  REQUIRE(w.Run("retrigger-multiple", "null",
                R"({"requests": [{"tasks": ["test-linux64-mochitest-1", "release-signing", "build-signing-linux64"], "times": 3}]})") == 0);
  Json r = w.Report();
  int creates = 0, reruns_done = 0, reruns_skipped = 0;
  for (const auto& op : r["operations"].GetArray()) {
    std::string kind = op["op"].GetString(), st = op["status"].GetString();
    if (kind == "create") {
      ++creates;
      REQUIRE(std::string(op["label"].GetString()) == "test-linux64-mochitest-1");
      Json t = w.q.Task(op["taskId"].GetString());
      REQUIRE(Deps(t) == std::vector<std::string>{w.action, w.B, w.group});  // on the push's build
    }
    if (kind == "rerun" && st == "done") ++reruns_done;
    if (kind == "rerun" && st == "skipped") ++reruns_skipped;
  }
  REQUIRE(creates == 3);
  REQUIRE(reruns_done == 1);     // release-signing was failed
  REQUIRE(reruns_skipped == 1);  // build-signing completed: no need
  REQUIRE(w.q.Status(w.R)["status"]["state"] == "pending");

  size_t before = w.q.TaskIds().size();
  const int mutations = w.counts.mutations;
  REQUIRE(w.Run("retrigger-multiple", "null", R"({"requests": [{"tasks": ["no-such-label"]}]})") == 2);
  REQUIRE_THAT(w.err, Catch::Contains("ACTION_INPUT.requests[0].tasks[0]"));
  REQUIRE(w.q.TaskIds().size() == before);
  REQUIRE(w.counts.mutations == mutations);
}

TEST_CASE("missing or failed decision artifacts: bad input naming them, nothing changed", "[graph]") {
  for (const char* name : {"public/full-task-graph.json", "public/label-to-taskid.json", "public/parameters.yml"}) {
    INFO(name);
    GraphWorld w;
    MemArtifact bad;
    bad.name = name;
    bad.storage_type = "error";
    bad.reason = "file-missing-on-worker";
    bad.message = "no graph";
    w.q.PutArtifact(w.group, -1, bad);
    REQUIRE(w.Run("retrigger", "\"" + w.B + "\"", R"({"downstream": true})") == 2);
    REQUIRE_THAT(w.err, Catch::Contains(name) && Catch::Contains("failed to upload"));
    REQUIRE(w.counts.mutations == 0);
    // a malformed one
    MemArtifact junk;
    junk.name = name;
    junk.content = std::string(name).find(".yml") != std::string::npos ? "a: [" : "{\"x\": ";
    w.q.PutArtifact(w.group, -1, junk);
    REQUIRE(w.Run("retrigger-multiple", "null", R"({"requests": [{"tasks": ["build-linux64"]}]})") == 2);
    REQUIRE_THAT(w.err, Catch::Contains(std::string(name).substr(7)));
    REQUIRE(w.counts.mutations == 0);
  }
}

TEST_CASE("retrigger-decision copies a decision task with fresh timestamps, with its permission", "[graph]") {
  GraphWorld w;
  MemoryQueue& q = w.q;
  std::string dec = NewSlugid();
  Json def = TaskDef(w.group, q.NowMs(), 7200 * 1000, false, "Gecko Decision Task");
  def["tags"]["kind"] = "decision-task";
  q.SeedTask(dec, def, "completed");
  q.FinishSeeding();
  w.scopes = std::vector<std::string>{"assume:repo:hg.mozilla.org/integration/autoland:action:retrigger-decision",
                                      "queue:*", "secrets:get:project/x"};
  REQUIRE(w.Run("retrigger-decision", "\"" + dec + "\"", "{}") == 0);
  Json r = w.Report();
  Json c = q.Task(r["operations"][0]["taskId"].GetString());
  REQUIRE(ParseTimestamp(c["deadline"].GetString())->ms > q.NowMs());
  // not a decision task: refused
  REQUIRE(w.Run("retrigger-decision", "\"" + w.T + "\"", "{}") == 1);
  // without the permission: refused before anything is read beyond the push's parameters
  w.scopes = std::vector<std::string>{"queue:*", "assume:repo:hg.mozilla.org/integration/autoland:action:generic"};
  const int mutations = w.counts.mutations;
  REQUIRE(w.Run("retrigger-decision", "\"" + dec + "\"", "{}") == 1);
  REQUIRE_THAT(w.err, Catch::Contains("retrigger-decision refused: it needs the permission retrigger-decision"));
  REQUIRE(w.counts.mutations == mutations);
}

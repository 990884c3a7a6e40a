// taskgraph's create_tasks as tc-action plans it (actions/create_tasks.h), as
// a pure function: a push built by hand (its full-task-graph.json written
// here, entry by entry, placeholders and all), the index-search hits, then
// PlanCreateTasks. Every rule of the header comment has a case: the closure,
// replacement by the merged label map only when every dependency is replaced,
// index-search (state, expiry against the dependents' deadline, path order),
// the placeholders (task/artifact references, escapes, datestamps, root vs
// proxy URLs), the dependencies' order, the decision dependency, the fields
// set on every created task, task_duplicates, the artifacts, and the errors.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "actions/create_tasks.h"
#include "actions/push.h"
#include "core/error.h"
#include "core/slugid.h"
#include "core/timestamp.h"
#include "core/yaml.h"
#include "facts_world.h"
#include "task_graph.h"

using namespace tc;
using tctest::kNow;

namespace {

const int64_t kDay = 24 * 3600 * 1000LL;

// A full-task-graph.json entry for `label`: dependencies name -> label, a
// valid task (relative datestamps, provisionerId/workerType, no
// taskGroupId/schedulerId/dependencies), `task` merged over it (JSON text),
// and any other top-level fields (`more`: JSON members text).
std::string Entry(const std::string& label, const std::map<std::string, std::string>& deps = {},
                  const std::string& task = "{}", const std::string& more = "", const std::string& attributes = "{}") {
  Json t = ParseJson(R"({"provisionerId": "proj-gecko", "workerType": "t-linux", "priority": "low",
    "created": {"relative-datestamp": "0 seconds"}, "deadline": {"relative-datestamp": "1 day"},
    "expires": {"relative-datestamp": "30 days"}, "routes": ["tc-treeherder.v2.autoland.abc"],
    "scopes": [], "payload": {"image": "x", "maxRunTime": 3600, "env": {}},
    "metadata": {"name": "", "description": "d", "owner": "a@example.com", "source": "https://example.com/x"},
    "tags": {"kind": "test"}, "extra": {"parent": "decision-taskid-literal"}})",
                     "task");
  auto& a = t.GetAllocator();
  t["metadata"]["name"] = Str(label, a);
  Json over = ParseJson(task, "task");
  for (auto& m : over.GetObject()) {
    if (m.name == "payload") {  // merged member by member (env too)
      for (auto& pm : m.value.GetObject()) {
        if (pm.name == "env") {
          for (auto& e : pm.value.GetObject()) SetMember(t["payload"]["env"], StringOf(e.name), CopyValue(e.value, a), a);
        } else {
          SetMember(t["payload"], StringOf(pm.name), CopyValue(pm.value, a), a);
        }
      }
      continue;
    }
    SetMember(t, StringOf(m.name), CopyValue(m.value, a), a);
  }
  std::string d;
  for (const auto& [name, dep] : deps) d += (d.empty() ? "" : ",") + ("\"" + name + "\": \"" + dep + "\"");
  return "\"" + label + "\": {\"label\": \"" + label + "\", \"kind\": \"test\", \"attributes\": " + attributes +
         ", \"dependencies\": {" +
         d + "}" + (more.empty() ? "" : ", " + more) + ", \"task\": " + ToJson(t) + "}";
}

// A push: the full graph of `entries`, the label map, the action's context.
struct World {
  std::string decision = NewSlugid();
  std::string action = NewSlugid();
  std::vector<std::string> entries;
  std::map<std::string, std::string> labels;  // label -> the push's task
  std::map<std::string, IndexedTask> index;   // index-search hits
  std::string root_url = "https://tc.example.com";
  std::string proxy_url;

  Facts MakeFacts() const {
    Facts f;
    Push p;
    p.decision_task_id = decision;
    p.trust_domain = "gecko";
    p.parameters = ParseYaml(tctest::PushParameters{}.Yaml(), "parameters.yml");
    std::string g = "{";
    for (size_t i = 0; i < entries.size(); ++i) g += (i ? "," : "") + entries[i];
    p.full_graph = TaskGraph::Parse(g + "}", "full-task-graph.json");
    MergeLabels(p, decision, {labels.begin(), labels.end()});
    f.push = std::move(p);
    for (const auto& [path, t] : index) f.indexed[path] = t;
    return f;
  }
  Context Ctx() const {
    Context c;
    c.action = "add-new-jobs";
    c.task_group_id = decision;
    c.action_task_id = action;
    c.root_url = root_url;
    c.proxy_url = proxy_url;
    c.input.SetObject();
    return c;
  }
  // The plan of one create_tasks call (copy "0"); the plan invariants hold.
  Plan Make(const std::vector<std::string>& to_run) const {
    Plan p;
    Facts f = MakeFacts();
    for (const auto& path : IndexPathsFor(*f.push, to_run, "input.tasks"))
      if (!f.indexed.count(path)) f.indexed[path] = std::nullopt;
    PlanCreateTasks(p, Ctx(), f, {to_run, "0"}, kNow);
    REQUIRE(tctest::PlanViolation(p) == "");
    return p;
  }
  std::string Id(const std::string& label, const std::string& copy = "0") const { return CopyTaskId(action, label, copy); }
};

const Operation* OpOf(const Plan& p, const std::string& label) {
  for (const auto& op : p.ops)
    if (op.label == label && op.detail.empty()) return &op;
  return nullptr;
}

std::vector<std::string> Labels(const Plan& p) {
  std::vector<std::string> out;
  for (const auto& op : p.ops) out.push_back(op.label);
  return out;
}

std::vector<std::string> Deps(const Operation& op) { return StringsOf(Member(op.definition, "dependencies")); }

std::string Env(const Operation& op, const char* name) { return op.definition["payload"]["env"][name].GetString(); }

IndexedTask Hit(const std::string& state, std::optional<int64_t> expires) {
  return IndexedTask{NewSlugid(), ParseTaskState(state), expires};
}

}  // namespace

TEST_CASE("create_tasks: the requested labels and their dependencies' closure, dependencies first", "[create_tasks]") {
  World w;
  w.entries = {Entry("docker"), Entry("toolchain", {{"docker", "docker"}}),
               Entry("build", {{"toolchain", "toolchain"}, {"docker", "docker"}}),
               Entry("test-b", {{"build", "build"}}), Entry("test-a", {{"build", "build"}}), Entry("unrelated")};
  Plan p = w.Make({"test-b", "test-a"});
  // nothing of the push has a task: everything of the closure is created; dependencies first,
  // the ready ones in lexicographic order; the unrelated label is left alone
  REQUIRE(Labels(p) == std::vector<std::string>{"docker", "toolchain", "build", "test-a", "test-b"});
  for (const auto& op : p.ops) {
    REQUIRE(op.kind == OpKind::kCreate);
    REQUIRE(op.task_id == w.Id(op.label));
    REQUIRE(op.status == OpStatus::kPlanned);
  }
  REQUIRE(OpOf(p, "build")->after == std::vector<size_t>{0, 1});  // docker, toolchain: its dependencies' ops
  REQUIRE(OpOf(p, "test-a")->after == std::vector<size_t>{2});
  // to-run: the requested labels only; label-to-taskid: the whole closure
  REQUIRE(p.to_run == std::vector<std::string>{"test-a", "test-b"});
  REQUIRE(LabelToTaskIdArtifact(p).MemberCount() == 5);
  REQUIRE(p.created.size() == 5);
}

TEST_CASE("create_tasks: a dependency is replaced by the push's current task only when all its own are replaced",
          "[create_tasks]") {
  World w;
  w.entries = {Entry("toolchain"), Entry("build", {{"toolchain", "toolchain"}}), Entry("test", {{"build", "build"}}),
               Entry("lint")};
  const std::string old_build = NewSlugid(), new_build = NewSlugid(), toolchain = NewSlugid();
  SECTION("everything below the request has a task: reused, the latest one of its label") {
    w.labels = {{"toolchain", toolchain}, {"build", old_build}};
    Facts f = w.MakeFacts();
    MergeLabels(*f.push, NewSlugid(), {{"build", new_build}});  // an earlier action made a newer build
    Plan p;
    PlanCreateTasks(p, w.Ctx(), f, {{"test"}, "0"}, kNow);
    REQUIRE(Labels(p) == std::vector<std::string>{"test"});
    REQUIRE(Deps(p.ops[0]) == std::vector<std::string>{w.action, new_build, w.decision});
    REQUIRE(p.ops[0].after.empty());
    Json l2t = LabelToTaskIdArtifact(p);
    REQUIRE(std::string(l2t["build"].GetString()) == new_build);
    REQUIRE(std::string(l2t["toolchain"].GetString()) == toolchain);
    REQUIRE(p.to_run == std::vector<std::string>{"test"});
  }
  SECTION("a dependency of it is created: the build is made anew too, although the push has one") {
    w.labels = {{"build", old_build}};  // no toolchain task
    Plan p = w.Make({"test"});
    REQUIRE(Labels(p) == std::vector<std::string>{"toolchain", "build", "test"});
    REQUIRE(Deps(*OpOf(p, "build")) == std::vector<std::string>{w.action, w.Id("toolchain")});
    REQUIRE(Deps(*OpOf(p, "test")) == std::vector<std::string>{w.action, w.Id("build")});
  }
  SECTION("a requested label is always created anew, even with a task in the push (do_not_optimize)") {
    w.labels = {{"toolchain", toolchain}, {"build", old_build}, {"test", NewSlugid()}, {"lint", NewSlugid()}};
    Plan p = w.Make({"build", "lint"});
    REQUIRE(Labels(p) == std::vector<std::string>{"lint", "build"});  // lint, toolchain (reused), build
    REQUIRE(Deps(*OpOf(p, "build")) == std::vector<std::string>{w.action, toolchain, w.decision});
  }
}

TEST_CASE("create_tasks: index-search replaces a dependency with no task in the push, by its rules", "[create_tasks]") {
  World w;
  // the toolchain is cached: two index paths; the build depends on it, the test on the build
  w.entries = {Entry("toolchain", {}, "{}", R"("optimization": {"index-search": ["idx.one", "idx.two"]})"),
               Entry("build", {{"toolchain", "toolchain"}}, R"({"deadline": {"relative-datestamp": "2 days"}})"),
               Entry("test", {{"build", "build"}})};
  // the latest deadline of the toolchain's dependents in the closure: the build's, now + 2 days
  const int64_t deadline = kNow + 2 * kDay;
  REQUIRE(IndexPathsFor(*w.MakeFacts().push, {"build"}, "f") == std::vector<std::string>{"idx.one", "idx.two"});
  REQUIRE(IndexPathsFor(*w.MakeFacts().push, {"toolchain"}, "f").empty());  // requested: never replaced

  SECTION("a completed hit that outlives the dependents' deadline is used, with a note") {
    w.index["idx.one"] = Hit("completed", deadline + 1);
    Plan p = w.Make({"build"});
    REQUIRE(Labels(p) == std::vector<std::string>{"build"});
    REQUIRE(Deps(p.ops[0]) == std::vector<std::string>{w.action, w.index["idx.one"].task_id, w.decision});
    REQUIRE(p.notes == std::vector<std::string>{"toolchain: the indexed task " + w.index["idx.one"].task_id +
                                                " is used (index-search)"});
    REQUIRE(std::string(LabelToTaskIdArtifact(p)["toolchain"].GetString()) == w.index["idx.one"].task_id);
  }
  SECTION("expiring exactly at the deadline is enough; a millisecond before is not") {
    w.index["idx.one"] = Hit("completed", deadline);
    REQUIRE(Labels(w.Make({"build"})) == std::vector<std::string>{"build"});
    w.index["idx.one"] = Hit("completed", deadline - 1);
    REQUIRE(Labels(w.Make({"build"})) == std::vector<std::string>{"toolchain", "build"});
  }
  SECTION("the dependents' latest deadline counts: the test's is later than the build's") {
    // requesting the test brings the build in; the toolchain's only dependent in the closure is still the build
    w.index["idx.one"] = Hit("completed", deadline + 1);
    Plan p = w.Make({"test"});
    REQUIRE(Labels(p) == std::vector<std::string>{"build", "test"});
  }
  SECTION("failed, exception, missing or unread hits are skipped; the next path is tried") {
    for (const char* bad : {"failed", "exception", "unknown"}) {
      INFO(bad);
      w.index["idx.one"] = Hit(bad, deadline + 1);
      w.index["idx.two"] = Hit("completed", deadline + 1);
      Plan p = w.Make({"build"});
      REQUIRE(Labels(p) == std::vector<std::string>{"build"});
      REQUIRE(Deps(p.ops[0])[1] == w.index["idx.two"].task_id);
    }
    w.index["idx.one"] = IndexedTask{NewSlugid(), TaskState::kMissing, std::nullopt};  // the queue lost it
    REQUIRE(Deps(w.Make({"build"}).ops[0])[1] == w.index["idx.two"].task_id);
  }
  SECTION("a pending or running hit is used (it will complete)") {
    for (const char* live : {"pending", "running"}) {
      w.index["idx.one"] = Hit(live, deadline + kDay);
      REQUIRE(Labels(w.Make({"build"})) == std::vector<std::string>{"build"});
    }
  }
  SECTION("a hit without an expiry is not known to outlive the deadline: skipped") {
    w.index["idx.one"] = Hit("completed", std::nullopt);
    REQUIRE(Labels(w.Make({"build"})) == std::vector<std::string>{"toolchain", "build"});
  }
  SECTION("the first usable path wins") {
    w.index["idx.one"] = Hit("completed", deadline + 1);
    w.index["idx.two"] = Hit("completed", deadline + kDay);
    REQUIRE(Deps(w.Make({"build"}).ops[0])[1] == w.index["idx.one"].task_id);
  }
  SECTION("no hit: created") {
    Plan p = w.Make({"build"});
    REQUIRE(Labels(p) == std::vector<std::string>{"toolchain", "build"});
    REQUIRE(p.notes.empty());
  }
  SECTION("the push's own task wins over the index") {
    w.labels = {{"toolchain", NewSlugid()}};
    w.index["idx.one"] = Hit("completed", deadline + 1);
    REQUIRE(IndexPathsFor(*w.MakeFacts().push, {"build"}, "f").empty());  // nothing to look up
    REQUIRE(Deps(w.Make({"build"}).ops[0])[1] == w.labels["toolchain"]);
  }
  SECTION("a hit is not used for a label whose own dependency is created") {
    w.entries = {Entry("docker"),
                 Entry("toolchain", {{"docker", "docker"}}, "{}", R"("optimization": {"index-search": ["idx.one"]})"),
                 Entry("build", {{"toolchain", "toolchain"}})};
    w.index["idx.one"] = Hit("completed", kNow + 10 * kDay);
    REQUIRE(Labels(w.Make({"build"})) == std::vector<std::string>{"docker", "toolchain", "build"});
  }
}

TEST_CASE("create_tasks: task and artifact references, escapes and datestamps resolved", "[create_tasks]") {
  World w;
  const std::string build = NewSlugid(), docker = NewSlugid();
  w.labels = {{"build", build}, {"docker", docker}};
  w.entries = {
      Entry("build"), Entry("docker"),
      Entry("test", {{"build", "build"}, {"docker-image", "docker"}},
            R"({"payload": {"env": {
                "BUILD": {"task-reference": "<build>"},
                "SELF": {"task-reference": "<self>"},
                "DECISION": {"task-reference": "<decision>"},
                "TWO": {"task-reference": "<build> and <docker-image> and <<>not a reference>"},
                "ESCAPED": {"task-reference": "a <<> b"},
                "PUBLIC": {"artifact-reference": "<build/public/build/target.tar.gz>"},
                "PRIVATE": {"artifact-reference": "<build/project/secret.zip>"},
                "PARAMS": {"artifact-reference": "<decision/public/parameters.yml>"},
                "MIXED": {"artifact-reference": "fetch <build/public/a.txt> then <docker-image/public/b.txt>"},
                "KEYS": {"task-reference": {"<build>": {"task-reference": "<docker-image>"}}},
                "WHEN": {"relative-datestamp": "2 hours"},
                "LIST": [{"task-reference": "<build>"}, {"relative-datestamp": "-1 day"}],
                "PLAIN": "<build> stays as written"},
               "image": {"type": "task-image", "path": "public/image.tar.zst",
                         "taskId": {"task-reference": "<docker-image>"}}}})")};
  const std::string root = "https://tc.example.com/api/queue/v1/task/";
  Plan p = w.Make({"test"});
  REQUIRE(p.ops.size() == 1);
  const Operation& op = p.ops[0];
  const std::string self = w.Id("test");
  REQUIRE(Env(op, "BUILD") == build);
  REQUIRE(Env(op, "SELF") == self);
  REQUIRE(Env(op, "DECISION") == w.decision);
  REQUIRE(Env(op, "TWO") == build + " and " + docker + " and <not a reference>");
  REQUIRE(Env(op, "ESCAPED") == "a < b");
  REQUIRE(Env(op, "PUBLIC") == root + build + "/artifacts/public/build/target.tar.gz");
  REQUIRE(Env(op, "PRIVATE") == root + build + "/artifacts/project/secret.zip");  // no proxy: the root URL
  REQUIRE(Env(op, "PARAMS") == root + w.decision + "/artifacts/public/parameters.yml");
  REQUIRE(Env(op, "MIXED") == "fetch " + root + build + "/artifacts/public/a.txt then " + root + docker +
                                  "/artifacts/public/b.txt");
  REQUIRE(std::string(op.definition["payload"]["env"]["KEYS"][build.c_str()].GetString()) == docker);
  REQUIRE(Env(op, "WHEN") == FormatIsoMs(kNow + 2 * 3600 * 1000));
  REQUIRE(std::string(op.definition["payload"]["env"]["LIST"][0].GetString()) == build);
  REQUIRE(std::string(op.definition["payload"]["env"]["LIST"][1].GetString()) == FormatIsoMs(kNow - kDay));
  REQUIRE(Env(op, "PLAIN") == "<build> stays as written");
  REQUIRE(std::string(op.definition["payload"]["image"]["taskId"].GetString()) == docker);
  REQUIRE(std::string(op.definition["created"].GetString()) == FormatIsoMs(kNow));
  REQUIRE(std::string(op.definition["deadline"].GetString()) == FormatIsoMs(kNow + kDay));
  REQUIRE(std::string(op.definition["expires"].GetString()) == FormatIsoMs(kNow + 30 * kDay));
  const std::string text = ToJson(op.definition);
  for (const char* k : {"task-reference", "artifact-reference", "relative-datestamp"}) REQUIRE(text.find(k) == std::string::npos);

  SECTION("behind the taskcluster-proxy: non-public artifacts through the proxy, public ones on the root URL") {
    w.proxy_url = "http://taskcluster";
    Plan q = w.Make({"test"});
    REQUIRE(Env(q.ops[0], "PRIVATE") == "http://taskcluster/api/queue/v1/task/" + build + "/artifacts/project/secret.zip");
    REQUIRE(Env(q.ops[0], "PUBLIC") == root + build + "/artifacts/public/build/target.tar.gz");
  }
  SECTION("an artifact reference without a root URL is bad input naming it") {
    w.root_url = "";
    REQUIRE_THROWS_WITH(w.Make({"test"}), Catch::StartsWith("TASKCLUSTER_ROOT_URL: not set") && Catch::Contains("test"));
  }
}

TEST_CASE("create_tasks: references to what is not a dependency are bad input naming the label", "[create_tasks]") {
  for (const auto& [task, message] : std::vector<std::pair<std::string, std::string>>{
           {R"({"payload": {"env": {"X": {"task-reference": "<nope>"}}}})",
            "full-task-graph.json.test: task-reference names <nope>, which is not a dependency of the task; "
            "expected <self>, <decision> or a dependency's name"},
           {R"({"payload": {"env": {"X": {"artifact-reference": "<nope/public/x>"}}}})",
            "full-task-graph.json.test: task-reference names <nope>"},
           {R"({"payload": {"env": {"X": {"artifact-reference": "<self/public/x>"}}}})",
            "full-task-graph.json.test: an artifact-reference cannot name <self>"},
           {R"({"payload": {"env": {"X": {"relative-datestamp": "whenever"}}}})", "whenever"}}) {
    INFO(task);
    World w;
    w.labels = {{"build", NewSlugid()}};
    w.entries = {Entry("build"), Entry("test", {{"build", "build"}}, task)};
    REQUIRE_THROWS_AS(w.Make({"test"}), BadInput);
    REQUIRE_THROWS_WITH(w.Make({"test"}), Catch::Contains(message));
  }
}

TEST_CASE("create_tasks: dependencies are [action task, sorted dependencies (named, created soft), decision?]",
          "[create_tasks]") {
  World w;
  std::string b1 = NewSlugid(), b2 = NewSlugid();
  while (b1 < b2) b1 = NewSlugid();  // sorted: b2, b1 (the edge names sort the other way)
  const std::string literal = NewSlugid();
  w.labels = {{"build-1", b1}, {"build-2", b2}};
  w.entries = {Entry("build-1"), Entry("build-2"), Entry("test-1"), Entry("test-2"),
               Entry("multi", {{"first", "build-1"}, {"second", "build-2"}}),
               Entry("literal", {{"build", "build-1"}}, R"({"dependencies": [")" + literal + R"("]})"),
               Entry("summary", {}, "{}", R"("soft_dependencies": ["test-1", "test-2", "build-1"])")};
  SECTION("named dependencies by taskId, sorted; none created with it: the decision last") {
    Plan p = w.Make({"multi"});
    REQUIRE(Deps(p.ops[0]) == std::vector<std::string>{w.action, b2, b1, w.decision});
  }
  SECTION("the full graph's own dependencies stay, after the action task") {
    Plan p = w.Make({"literal"});
    REQUIRE(Deps(p.ops[0]) == std::vector<std::string>{w.action, literal, b1, w.decision});
  }
  SECTION("soft dependencies count only when created in the same graph; then no decision dependency") {
    Plan p = w.Make({"summary", "test-1"});
    std::vector<std::string> want = {w.action, w.Id("test-1")};
    REQUIRE(Deps(*OpOf(p, "summary")) == want);
    // none of its soft dependencies created: the decision
    Plan q = w.Make({"summary"});
    REQUIRE(Deps(q.ops[0]) == std::vector<std::string>{w.action, w.decision});
  }
  SECTION("a dependency created with it: no decision dependency") {
    w.labels.erase("build-2");
    Plan p = w.Make({"multi"});
    std::vector<std::string> want = {w.Id("build-2"), b1};
    std::sort(want.begin(), want.end());
    want.insert(want.begin(), w.action);
    REQUIRE(Deps(*OpOf(p, "multi")) == want);
  }
}

TEST_CASE("create_tasks: every created task: taskGroupId the decision, schedulerId, extra.parent, created now",
          "[create_tasks]") {
  World w;
  w.entries = {Entry("build"), Entry("test", {{"build", "build"}})};
  Facts f = w.MakeFacts();
  f.push->decision_task_id = NewSlugid();  // found through the index: not the context's task group
  f.push->trust_domain = "comm";
  Plan p;
  PlanCreateTasks(p, w.Ctx(), f, {{"test"}, "7"}, kNow);
  REQUIRE(p.ops.size() == 2);
  for (const auto& op : p.ops) {
    INFO(op.label);
    REQUIRE(op.task_id == CopyTaskId(w.action, op.label, "7"));
    REQUIRE(std::string(op.definition["taskGroupId"].GetString()) == f.push->decision_task_id);
    REQUIRE(std::string(op.definition["schedulerId"].GetString()) == "comm-level-3");
    REQUIRE(std::string(op.definition["extra"]["parent"].GetString()) == w.action);  // the full graph's literal replaced
    REQUIRE(std::string(op.definition["created"].GetString()) == FormatIsoMs(kNow));
    REQUIRE(std::string(op.definition["metadata"]["name"].GetString()) == op.label);
  }
  REQUIRE(Deps(p.ops[0]).back() == f.push->decision_task_id);
  // the task-graph.json entries: label, kind, attributes, dependencies name -> taskId, task_id, the task sent
  Json tg = ParseJson(TaskGraphArtifactText(p), "task-graph.json");
  REQUIRE(tg.MemberCount() == 2);
  const JsonValue& t = tg[CopyTaskId(w.action, "test", "7").c_str()];
  REQUIRE(std::string(t["label"].GetString()) == "test");
  REQUIRE(std::string(t["kind"].GetString()) == "test");
  REQUIRE(std::string(t["dependencies"]["build"].GetString()) == CopyTaskId(w.action, "build", "7"));
  REQUIRE(std::string(t["task_id"].GetString()) == CopyTaskId(w.action, "test", "7"));
  REQUIRE(t["task"] == p.ops[1].definition);
}

TEST_CASE("create_tasks: attributes.task_duplicates makes more creates of the same definition", "[create_tasks]") {
  World w;
  w.entries = {Entry("flaky", {}, "{}", "", R"({"task_duplicates": 3})"), Entry("other")};
  Plan p = w.Make({"flaky", "other"});
  REQUIRE(p.ops.size() == 4);
  const Operation* first = OpOf(p, "flaky");
  REQUIRE(first != nullptr);
  std::set<std::string> ids;
  int dups = 0;
  for (const auto& op : p.ops) {
    if (op.label != "flaky") continue;
    ids.insert(op.task_id);
    REQUIRE(op.definition == first->definition);
    REQUIRE(op.after == first->after);
    if (op.detail == "task_duplicates") ++dups;
  }
  REQUIRE(dups == 2);
  REQUIRE(ids == std::set<std::string>{w.Id("flaky"), w.Id("flaky", "0/1"), w.Id("flaky", "0/2")});
  // label-to-taskid.json names the first only; task-graph.json lists the entry once
  REQUIRE(std::string(LabelToTaskIdArtifact(p)["flaky"].GetString()) == w.Id("flaky"));
  REQUIRE(p.created.size() == 2);
}

TEST_CASE("create_tasks: labels the full graph does not have are bad input naming the field", "[create_tasks]") {
  World w;
  w.entries = {Entry("build")};
  Facts f = w.MakeFacts();
  Plan p;
  REQUIRE_THROWS_WITH(PlanCreateTasks(p, w.Ctx(), f, {{"build", "nope"}, "0"}, kNow),
                      "input.tasks[1]: label \"nope\" is not in the push's full-task-graph.json (decision task " +
                          w.decision + "); expected a label of this push");
  REQUIRE(p.ops.empty());
  REQUIRE_THROWS_WITH(IndexPathsFor(*f.push, {"nope"}, "ACTION_INPUT.tasks"),
                      Catch::StartsWith("ACTION_INPUT.tasks[0]: label \"nope\""));
}

TEST_CASE("create_tasks: a dependency naming a label the full graph does not have is bad input", "[create_tasks]") {
  // taskgraph fails on it (the closure names a task its graph lacks); a task created without
  // that dependency could start before what it needs
  World w;
  w.entries = {Entry("test", {{"build", "build-that-is-not-there"}})};
  REQUIRE_THROWS_AS(w.Make({"test"}), BadInput);
  REQUIRE_THROWS_WITH(w.Make({"test"}), Catch::Contains("build-that-is-not-there") && Catch::Contains("test"));
}

TEST_CASE("create_tasks: a definition the queue would refuse is bad input before anything is sent", "[create_tasks]") {
  World w;
  w.entries = {Entry("broken", {}, R"({"provisionerId": 3})")};
  REQUIRE_THROWS_AS(w.Make({"broken"}), BadInput);
  REQUIRE_THROWS_WITH(w.Make({"broken"}), Catch::Contains("task broken") && Catch::Contains("create-task-request"));
}

TEST_CASE("create_tasks: the same facts give the same plan; copies differ only in their ids", "[create_tasks]") {
  World w;
  w.entries = {Entry("a"), Entry("b", {{"a", "a"}}), Entry("c", {{"a", "a"}}), Entry("d", {{"b", "b"}, {"c", "c"}})};
  Facts f = w.MakeFacts();
  Plan p1, p2;
  PlanCreateTasks(p1, w.Ctx(), f, {{"d"}, "0"}, kNow);
  PlanCreateTasks(p2, w.Ctx(), f, {{"d"}, "0"}, kNow);
  REQUIRE(p1.ops.size() == 4);
  for (size_t i = 0; i < p1.ops.size(); ++i) {
    REQUIRE(p1.ops[i].task_id == p2.ops[i].task_id);
    REQUIRE(p1.ops[i].definition == p2.ops[i].definition);
  }
  // two copies in one plan: distinct ids, each copy wired to its own
  Plan two;
  PlanCreateTasks(two, w.Ctx(), f, {{"d"}, "0"}, kNow);
  PlanCreateTasks(two, w.Ctx(), f, {{"d"}, "1"}, kNow);
  REQUIRE(two.ops.size() == 8);
  std::set<std::string> ids;
  for (const auto& op : two.ops) ids.insert(op.task_id);
  REQUIRE(ids.size() == 8);
  std::vector<std::string> want = {CopyTaskId(w.action, "b", "1"), CopyTaskId(w.action, "c", "1")};
  std::sort(want.begin(), want.end());
  want.insert(want.begin(), w.action);
  REQUIRE(Deps(two.ops[7]) == want);
  REQUIRE(two.ops[7].after == std::vector<size_t>{5, 6});
}

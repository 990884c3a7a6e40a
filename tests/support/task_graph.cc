#include "task_graph.h"

#include "core/slugid.h"
#include "test_util.h"

using namespace tc;

namespace tctest {

void GraphArtifacts::Add(const std::string& id, const JsonValue& def, const std::string& kind, bool retrigger_attr) {
  auto& a = graph_.GetAllocator();
  JsonValue e(rapidjson::kObjectType);
  e.AddMember("label", CopyValue(def["metadata"]["name"], a), a);
  e.AddMember("kind", Str(kind, a), a);
  JsonValue attrs(rapidjson::kObjectType);
  if (retrigger_attr) attrs.AddMember("retrigger", true, a);
  e.AddMember("attributes", attrs, a);
  JsonValue deps(rapidjson::kObjectType);
  int k = 0;
  for (const auto& d : def["dependencies"].GetArray()) deps.AddMember(Str("d" + std::to_string(k++), a), CopyValue(d, a), a);
  e.AddMember("dependencies", deps, a);
  e.AddMember("task", CopyValue(def, a), a);
  graph_.AddMember(Str(id, a), e, a);
}

void GraphArtifacts::Publish(MemoryQueue& q, const std::string& decision, bool label_to_taskid) const {
  MemArtifact tg;
  tg.name = "public/task-graph.json";
  tg.content_type = "application/json";
  tg.content = ToJson(graph_);
  tg.gzip = true;
  q.PutArtifact(decision, -1, tg);
  if (!label_to_taskid) return;
  Json l2t(rapidjson::kObjectType);
  auto& a = l2t.GetAllocator();
  for (const auto& m : graph_.GetObject()) l2t.AddMember(CopyValue(m.value["label"], a), CopyValue(m.name, a), a);
  MemArtifact lt;
  lt.name = "public/label-to-taskid.json";
  lt.content_type = "application/json";
  lt.content = ToJson(l2t);
  q.PutArtifact(decision, -1, lt);
}

ReleaseGraph SeedReleaseGraph(MemoryQueue& q, const std::string& group, const std::string& stranger) {
  ReleaseGraph g{NewSlugid(), NewSlugid(), NewSlugid(), NewSlugid(), NewSlugid(), NewSlugid()};
  GraphArtifacts graph;
  auto add = [&](const std::string& id, const Json& def, const std::string& state, bool retrigger_attr) {
    q.SeedTask(id, def, state);
    graph.Add(id, def, "test", retrigger_attr);
  };
  const int64_t now = q.NowMs();
  add(g.X, TaskDefWithDeps(group, now, "toolchain", {}, false), "completed", false);
  add(g.B, TaskDefWithDeps(group, now, "build-linux64", {g.X}, true), "completed", true);
  Json s = TaskDefWithDeps(group, now, "build-signing-linux64", {g.B}, false);
  {
    auto& sa = s.GetAllocator();
    Json ua = ParseJson(R"([{"taskId": ")" + g.B + R"(", "paths": ["public/build/x.tar.bz2"]}])", "ua");
    s["payload"].AddMember("upstreamArtifacts", JsonValue(ua, sa), sa);
    if (!stranger.empty()) s["payload"]["env"].AddMember("FOREIGN", Str("see " + stranger, sa), sa);
  }
  add(g.S, s, "completed", false);
  Json m = TaskDefWithDeps(group, now, "beetmover-linux64", {g.S, g.B}, false);
  {
    auto& ma = m.GetAllocator();
    Json ua = ParseJson(R"([{"taskId": ")" + g.S + R"("}])", "ua");
    m["payload"].AddMember("upstreamArtifacts", JsonValue(ua, ma), ma);
    m["payload"]["env"].AddMember(
        "INSTALLER_URL",
        Str("https://tc.example.com/api/queue/v1/task/" + g.B + "/artifacts/public/build/target.tar.bz2", ma), ma);
  }
  add(g.M, m, "completed", false);
  add(g.T, TaskDefWithDeps(group, now, "test-linux64-mochitest-1", {g.B}, true), "failed", true);
  add(g.R, TaskDefWithDeps(group, now, "release-signing", {g.B}, false), "failed", false);
  q.FinishSeeding();
  graph.Publish(q, group);
  return g;
}

}  // namespace tctest

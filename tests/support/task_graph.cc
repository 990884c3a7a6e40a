#include "task_graph.h"

#include <fmt/format.h>

#include <regex>
#include <stdexcept>

#include "core/slugid.h"
#include "core/task.h"
#include "core/timestamp.h"
#include "test_util.h"

using namespace tc;

namespace tctest {

// ------------------------------------------------------------ parameters

std::string PushParameters::Yaml() const {
  // As taskgraph's decision writes it (yaml.safe_dump, sorted keys; strings
  // that would read as numbers quoted).
  return fmt::format(
      "base_repository: {}\n"
      "base_rev: '{}'\n"
      "build_date: 1700000000\n"
      "do_not_optimize: []\n"
      "existing_tasks: {{}}\n"
      "filters:\n- target_tasks_method\n"
      "head_ref: '{}'\n"
      "head_repository: {}\n"
      "head_rev: '{}'\n"
      "level: '{}'\n"
      "moz_build_date: '20231114221320'\n"
      "optimize_target_tasks: true\n"
      "owner: dev@example.com\n"
      "project: {}\n"
      "pushdate: 1700000000\n"
      "pushlog_id: '{}'\n"
      "repository_type: {}\n"
      "target_tasks_method: default\n"
      "tasks_for: {}\n",
      base_repository, std::string(40, '1'), head_rev, head_repository, head_rev, level, project, pushlog_id,
      repository_type, repository_type == "git" ? "github-push" : "hg-push");
}

std::string PushParameters::RolePrefix() const {
  static const std::regex kUrl(R"(^https://([^/]+)/(.+?)(\.git)?/?$)");
  std::smatch m;
  if (!std::regex_match(head_repository, m, kUrl)) throw std::logic_error("head_repository " + head_repository);
  return "repo:" + m[1].str() + "/" + m[2].str();
}

std::string PushParameters::DecisionIndexPath() const {
  if (repository_type == "git") return fmt::format("{}.v2.{}.revision.{}.taskgraph.decision", trust_domain, project, head_rev);
  return fmt::format("{}.v2.{}.pushlog-id.{}.decision", trust_domain, project, pushlog_id);
}

std::string PushParameters::PushlogActions() const {
  return fmt::format("{}.v2.{}.pushlog-id.{}.actions", trust_domain, project, pushlog_id);
}

std::string PushParameters::RevisionActions() const {
  return fmt::format("{}.v2.{}.revision.{}.actions", trust_domain, project, head_rev);
}

std::string PushParameters::Cron() const { return fmt::format("{}.v2.{}.revision.{}.cron", trust_domain, project, head_rev); }

// ------------------------------------------------------------ the full graph

namespace {

// A concrete definition -> the full graph's task (see DecisionGraph::Add).
struct Placeholders {
  std::map<std::string, std::string> name_of;  // dependency taskId -> edge name
  std::string decision;
  int64_t created_ms = 0;

  // The edge name of a taskId ("decision" for the decision), or "".
  std::string NameOf(const std::string& id) const {
    if (id == decision) return "decision";
    auto it = name_of.find(id);
    return it == name_of.end() ? "" : it->second;
  }

  // {"task-reference": ...}, {"artifact-reference": ...}, {"relative-datestamp": ...} or nothing.
  std::optional<std::pair<const char*, std::string>> Replace(const std::string& s) const {
    static const std::regex kArtifact(R"(^https?://[^ ]*/api/queue/v1/task/([A-Za-z0-9_-]{22})/artifacts/(.+)$)");
    static const std::regex kSlug(R"([A-Za-z0-9_-]{22})");
    if (std::string n = NameOf(s); !n.empty()) return std::make_pair("task-reference", "<" + n + ">");
    std::smatch m;
    if (std::regex_match(s, m, kArtifact) && !NameOf(m[1]).empty())
      return std::make_pair("artifact-reference", "<" + NameOf(m[1]) + "/" + m[2].str() + ">");
    bool names = false;
    std::string out;
    size_t last = 0;
    for (auto it = std::sregex_iterator(s.begin(), s.end(), kSlug); it != std::sregex_iterator(); ++it) {
      std::string n = NameOf(it->str());
      if (n.empty()) continue;
      names = true;
      out += Escape(s.substr(last, static_cast<size_t>(it->position()) - last)) + "<" + n + ">";
      last = static_cast<size_t>(it->position() + it->length());
    }
    if (names) return std::make_pair("task-reference", out + Escape(s.substr(last)));
    auto t = s.find('T') != std::string::npos ? ParseTimestamp(s) : std::nullopt;
    if (t && (t->ms - created_ms) % 1000 == 0)
      return std::make_pair("relative-datestamp", fmt::format("{} seconds", (t->ms - created_ms) / 1000));
    return std::nullopt;
  }
  static std::string Escape(const std::string& s) {
    std::string out;
    for (char c : s) out += c == '<' ? std::string("<<>") : std::string(1, c);
    return out;
  }

  void Walk(JsonValue& v, JsonAlloc& a) const {
    if (v.IsString()) {
      if (auto r = Replace(StringOf(v))) {
        JsonValue o(rapidjson::kObjectType);
        o.AddMember(JsonValue(r->first, a), Str(r->second, a), a);
        v = o;
      }
    } else if (v.IsArray()) {
      for (auto& e : v.GetArray()) Walk(e, a);
    } else if (v.IsObject()) {
      for (auto& m : v.GetObject()) Walk(m.value, a);
    }
  }
};

JsonValue Strings(const std::vector<std::string>& v, JsonAlloc& a) {
  JsonValue out(rapidjson::kArrayType);
  for (const auto& s : v) out.PushBack(Str(s, a), a);
  return out;
}

MemArtifact JsonArtifact(const std::string& name, std::string content, bool gzip) {
  MemArtifact m;
  m.name = name;
  m.content_type = "application/json";
  m.content = std::move(content);
  m.gzip = gzip;
  return m;
}

}  // namespace

DecisionGraph::DecisionGraph(std::string decision_task_id, PushParameters p)
    : decision(std::move(decision_task_id)), params(std::move(p)) {}

void DecisionGraph::Add(const std::string& task_id, const JsonValue& def, const EntryOptions& o) {
  const TaskView view(&def, nullptr);
  const std::string label = view.label();
  if (entries_.count(label)) throw std::logic_error("DecisionGraph: label " + label + " twice");
  Json entry(rapidjson::kObjectType), tg_entry(rapidjson::kObjectType);
  auto& a = entry.GetAllocator();
  auto& ta = tg_entry.GetAllocator();
  Placeholders ph;
  ph.decision = decision;
  ph.created_ms = ParseTimestamp(GetString(def, "created").value_or(""))->ms;
  JsonValue deps(rapidjson::kObjectType), tg_deps(rapidjson::kObjectType), literal(rapidjson::kArrayType);
  for (const auto& d : view.dependencies()) {
    if (d == decision) continue;
    auto it = label_of_.find(d);
    if (it == label_of_.end()) {
      literal.PushBack(Str(d, a), a);
      continue;
    }
    const std::string name = "d" + std::to_string(ph.name_of.size());
    ph.name_of[d] = name;
    deps.AddMember(Str(name, a), Str(it->second, a), a);
    tg_deps.AddMember(Str(name, ta), Str(d, ta), ta);
  }
  JsonValue task = CopyValue(def, a);
  for (const char* drop : {"taskGroupId", "schedulerId", "taskQueueId", "dependencies"}) task.RemoveMember(drop);
  JsonValue parent;
  if (task.HasMember("extra") && task["extra"].HasMember("parent")) {
    parent = CopyValue(task["extra"]["parent"], a);
    task["extra"].RemoveMember("parent");
  }
  ph.Walk(task, a);
  if (!task.HasMember("extra")) task.AddMember("extra", JsonValue(rapidjson::kObjectType), a);
  if (parent.IsNull()) parent = Str(decision, a);
  task["extra"].AddMember("parent", parent, a);
  if (!literal.Empty()) task.AddMember("dependencies", literal, a);

  JsonValue attrs(rapidjson::kObjectType);
  const JsonValue* tags = Member(def, "tags");
  const bool tag = tags && GetString(*tags, "retrigger").value_or("") == "true";
  if (!o.no_retrigger_attribute && (o.retrigger || tag)) attrs.AddMember("retrigger", o.retrigger.value_or(tag), a);
  if (o.attributes.IsObject())
    for (const auto& m : o.attributes.GetObject()) SetMember(attrs, StringOf(m.name), CopyValue(m.value, a), a);
  const std::string kind = o.kind.empty() ? view.kind() : o.kind;
  JsonValue optimization;
  if (!o.index_paths.empty()) {
    optimization.SetObject();
    optimization.AddMember("index-search", Strings(o.index_paths, a), a);
  }
  entry.AddMember("attributes", attrs, a);
  entry.AddMember("dependencies", deps, a);
  entry.AddMember("description", Str(label, a), a);
  entry.AddMember("if_dependencies", JsonValue(rapidjson::kArrayType), a);
  entry.AddMember("kind", Str(kind, a), a);
  entry.AddMember("label", Str(label, a), a);
  entry.AddMember("optimization", optimization, a);
  entry.AddMember("soft_dependencies", Strings(o.soft_dependencies, a), a);
  entry.AddMember("task", task, a);
  if (!task_id.empty()) {
    for (const auto& m : entry.GetObject()) {
      const std::string name = StringOf(m.name);
      if (name == "task" || name == "dependencies") continue;
      tg_entry.AddMember(Str(name, ta), CopyValue(m.value, ta), ta);
    }
    tg_entry.AddMember("dependencies", tg_deps, ta);
    tg_entry.AddMember("task", CopyValue(def, ta), ta);
    tg_entry.AddMember("task_id", Str(task_id, ta), ta);
    task_graph_.emplace_back(task_id, std::move(tg_entry));
    label_to_taskid_[label] = task_id;
    label_of_[task_id] = label;
  }
  order_.push_back(label);
  entries_.emplace(label, std::move(entry));
}

std::string DecisionGraph::FullTaskGraph() const {
  Json g(rapidjson::kObjectType);
  auto& a = g.GetAllocator();
  for (const auto& label : order_) g.AddMember(Str(label, a), CopyValue(entries_.at(label), a), a);
  return ToJson(g);
}

std::string DecisionGraph::TaskGraph() const {
  Json g(rapidjson::kObjectType);
  auto& a = g.GetAllocator();
  for (const auto& [id, e] : task_graph_) g.AddMember(Str(id, a), CopyValue(e, a), a);
  return ToJson(g);
}

std::string DecisionGraph::LabelToTaskId() const {
  Json g(rapidjson::kObjectType);
  auto& a = g.GetAllocator();
  for (const auto& [label, id] : label_to_taskid_) g.AddMember(Str(label, a), Str(id, a), a);
  return ToJson(g);
}

std::string DecisionGraph::TargetTasks() const {
  Json g(rapidjson::kArrayType);
  auto& a = g.GetAllocator();
  for (const auto& [label, id] : label_to_taskid_) g.PushBack(Str(label, a), a);
  return ToJson(g);
}

Json DecisionGraph::DecisionDefinition(int64_t now_ms, int64_t age_ms) const {
  Json d = TaskDef(decision, now_ms, age_ms, false, "Gecko Decision Task");
  auto& a = d.GetAllocator();
  d["tags"]["kind"] = "decision-task";
  d["schedulerId"] = Str(params.SchedulerId(), a);
  JsonValue routes(rapidjson::kArrayType);
  routes.PushBack(Str("index." + params.DecisionIndexPath(), a), a);
  if (params.repository_type != "git") {
    routes.PushBack(Str(fmt::format("index.{}.v2.{}.revision.{}.taskgraph.decision", params.trust_domain,
                                    params.project, params.head_rev),
                        a),
                    a);
  }
  routes.PushBack(Str(fmt::format("tc-treeherder.v2.{}.{}", params.project, params.head_rev), a), a);
  d["routes"] = routes;
  d["scopes"] = Strings({"assume:" + params.RolePrefix() + ":branch:default"}, a);
  return d;
}

void DecisionGraph::Publish(MemoryQueue& q, const Artifacts& which) const {
  if (which.parameters) {
    MemArtifact p;
    p.name = "public/parameters.yml";
    p.content_type = "application/x-yaml";
    p.content = params.Yaml();
    q.PutArtifact(decision, -1, p);
  }
  if (which.full_graph) q.PutArtifact(decision, -1, JsonArtifact("public/full-task-graph.json", FullTaskGraph(), true));
  if (which.task_graph) q.PutArtifact(decision, -1, JsonArtifact("public/task-graph.json", TaskGraph(), true));
  if (which.label_to_taskid)
    q.PutArtifact(decision, -1, JsonArtifact("public/label-to-taskid.json", LabelToTaskId(), false));
  q.PutArtifact(decision, -1, JsonArtifact("public/target-tasks.json", TargetTasks(), false));
}

// ------------------------------------------------------------ earlier tasks

std::string SeedEarlierTask(MemoryQueue& q, const DecisionGraph& d, int64_t age_ms,
                            const std::map<std::string, std::string>& label_to_taskid,
                            const std::vector<std::string>& namespaces, const std::string& kind) {
  const std::string id = NewSlugid();
  const bool cron = kind == "cron-task";
  Json def = TaskDef(cron ? id : d.decision, q.NowMs(), age_ms, false, cron ? "Cron: nightly" : "Action: earlier");
  auto& a = def.GetAllocator();
  def["tags"]["kind"] = Str(kind, a);
  def["schedulerId"] = Str(d.params.SchedulerId(), a);
  JsonValue routes(rapidjson::kArrayType);
  for (const auto& ns : namespaces) routes.PushBack(Str("index." + ns + "." + id, a), a);
  def["routes"] = routes;
  q.SeedTask(id, def, "completed");
  q.FinishSeeding();
  Json l2t(rapidjson::kObjectType), to_run(rapidjson::kArrayType), tg(rapidjson::kObjectType);
  for (const auto& [label, task_id] : label_to_taskid) {
    l2t.AddMember(Str(label, l2t.GetAllocator()), Str(task_id, l2t.GetAllocator()), l2t.GetAllocator());
    to_run.PushBack(Str(label, to_run.GetAllocator()), to_run.GetAllocator());
    JsonValue e(rapidjson::kObjectType);
    e.AddMember("label", Str(label, tg.GetAllocator()), tg.GetAllocator());
    e.AddMember("task_id", Str(task_id, tg.GetAllocator()), tg.GetAllocator());
    tg.AddMember(Str(task_id, tg.GetAllocator()), e, tg.GetAllocator());
  }
  q.PutArtifact(id, -1, JsonArtifact("public/label-to-taskid.json", ToJson(l2t), false));
  q.PutArtifact(id, -1, JsonArtifact("public/task-graph.json", ToJson(tg), true));
  q.PutArtifact(id, -1, JsonArtifact("public/to-run.json", ToJson(to_run), false));
  return id;
}

// ------------------------------------------------------------ the release graph

ReleaseGraph SeedReleaseGraph(MemoryQueue& q, DecisionGraph& d) {
  ReleaseGraph g{NewSlugid(), NewSlugid(), NewSlugid(), NewSlugid(), NewSlugid(), NewSlugid()};
  const std::string& group = d.decision;
  auto add = [&](const std::string& id, const Json& def, const std::string& state, const std::string& kind) {
    q.SeedTask(id, def, state);
    EntryOptions o;
    o.kind = kind;
    d.Add(id, def, o);
  };
  const int64_t now = q.NowMs();
  add(g.X, TaskDefWithDeps(group, now, "toolchain", {group}, false), "completed", "toolchain");
  add(g.B, TaskDefWithDeps(group, now, "build-linux64", {g.X}, true), "completed", "build");
  Json s = TaskDefWithDeps(group, now, "build-signing-linux64", {g.B}, false);
  {
    auto& sa = s.GetAllocator();
    Json ua = ParseJson(R"([{"taskId": ")" + g.B + R"(", "paths": ["public/build/x.tar.bz2"]}])", "ua");
    s["payload"].AddMember("upstreamArtifacts", JsonValue(ua, sa), sa);
  }
  add(g.S, s, "completed", "build-signing");
  Json m = TaskDefWithDeps(group, now, "beetmover-linux64", {g.S, g.B}, false);
  {
    auto& ma = m.GetAllocator();
    Json ua = ParseJson(R"([{"taskId": ")" + g.S + R"("}])", "ua");
    m["payload"].AddMember("upstreamArtifacts", JsonValue(ua, ma), ma);
    m["payload"]["env"].AddMember(
        "INSTALLER_URL",
        Str("https://tc.example.com/api/queue/v1/task/" + g.B + "/artifacts/public/build/target.tar.bz2", ma), ma);
  }
  add(g.M, m, "completed", "beetmover");
  add(g.T, TaskDefWithDeps(group, now, "test-linux64-mochitest-1", {g.B}, true), "failed", "test");
  add(g.R, TaskDefWithDeps(group, now, "release-signing", {g.B}, false), "failed", "release-signing");
  q.FinishSeeding();
  d.Publish(q);
  return g;
}

}  // namespace tctest

#include "facts_world.h"

#include <algorithm>

#include "actions/advise.h"
#include "actions/permission.h"
#include "core/yaml.h"
#include "core/error.h"
#include "core/schema.h"
#include "core/slugid.h"
#include "core/timestamp.h"
#include "test_util.h"

using namespace tc;

namespace tctest {

namespace {

JsonValue Run(int run_id, const std::string& state, JsonAlloc& a) {
  JsonValue r(rapidjson::kObjectType);
  r.AddMember("runId", run_id, a);
  r.AddMember("state", Str(state, a), a);
  r.AddMember("reasonCreated", Str(run_id == 0 ? "scheduled" : "retry", a), a);
  r.AddMember("scheduled", Str(FormatIsoMs(kNow - 3600 * 1000), a), a);
  if (state != "pending") r.AddMember("started", Str(FormatIsoMs(kNow - 3000 * 1000), a), a);
  if (state == "completed" || state == "failed" || state == "exception") {
    r.AddMember("reasonResolved", Str(state == "exception" ? "worker-shutdown" : state, a), a);
    r.AddMember("resolved", Str(FormatIsoMs(kNow - 60 * 1000), a), a);
  }
  return r;
}

JsonValue& LastRun(Json& status) {
  auto& runs = status["runs"];
  if (runs.Empty()) throw std::logic_error("MarkRerun/MarkCanceled: the status has no run");
  return runs[runs.Size() - 1];
}

void Set(JsonValue& obj, const char* key, const std::string& value, JsonAlloc& a) {
  if (obj.HasMember(key)) obj.RemoveMember(key);
  obj.AddMember(JsonValue(key, a), Str(value, a), a);
}

}  // namespace

Json MakeStatus(const std::string& task_id, const std::string& state, const std::string& deadline, int runs) {
  Json s(rapidjson::kObjectType);
  auto& a = s.GetAllocator();
  s.AddMember("taskId", Str(task_id, a), a);
  s.AddMember("state", Str(state, a), a);
  s.AddMember("deadline", Str(deadline, a), a);
  JsonValue rs(rapidjson::kArrayType);
  if (state != "unscheduled")
    for (int i = 0; i < runs; ++i) rs.PushBack(Run(i, i + 1 < runs ? "failed" : state, a), a);
  s.AddMember("runs", rs, a);
  return s;
}

void MarkRerun(Json& status, int64_t at_ms) {
  auto& a = status.GetAllocator();
  JsonValue& r = LastRun(status);
  Set(r, "reasonCreated", "rerun", a);
  Set(r, "scheduled", FormatIsoMs(at_ms), a);
}

void MarkCanceled(Json& status, int64_t at_ms) {
  auto& a = status.GetAllocator();
  Set(status, "state", "exception", a);
  if (status["runs"].Empty()) {  // an unscheduled task gets a run when canceled
    JsonValue r(rapidjson::kObjectType);
    r.AddMember("runId", 0, a);
    r.AddMember("reasonCreated", "exception", a);
    r.AddMember("scheduled", Str(FormatIsoMs(at_ms), a), a);
    status["runs"].PushBack(r, a);
  }
  JsonValue& r = LastRun(status);
  Set(r, "state", "exception", a);
  Set(r, "reasonResolved", "canceled", a);
  Set(r, "resolved", FormatIsoMs(at_ms), a);
}

FactsWorld::FactsWorld() : group(NewSlugid()), action_task(NewSlugid()), push(group) {}

std::string FactsWorld::Add(const std::string& state, bool retrigger, const std::string& label, int64_t age_ms,
                            int runs) {
  return AddDef(state, TaskDef(group, kNow, age_ms, retrigger, label), runs);
}

std::string FactsWorld::AddDef(const std::string& state, Json def, int runs) {
  std::string id = NewSlugid();
  Json status = MakeStatus(id, state, GetString(def, "deadline").value_or(""), runs);
  tasks[id] = Task{std::move(def), std::move(status)};
  return id;
}

void FactsWorld::DependOn(const std::string& id, const std::vector<std::string>& deps) {
  Json& d = Def(id);
  for (const auto& x : deps) d["dependencies"].PushBack(Str(x, d.GetAllocator()), d.GetAllocator());
}

void FactsWorld::Consume(const std::string& id, const std::string& upstream) {
  Json& d = Def(id);
  auto& a = d.GetAllocator();
  if (!d["payload"].HasMember("upstreamArtifacts")) d["payload"].AddMember("upstreamArtifacts", JsonValue(rapidjson::kArrayType), a);
  JsonValue u(rapidjson::kObjectType);
  u.AddMember("taskId", Str(upstream, a), a);
  JsonValue paths(rapidjson::kArrayType);
  paths.PushBack("public/build/target.tar.gz", a);
  u.AddMember("paths", paths, a);
  d["payload"]["upstreamArtifacts"].PushBack(u, a);
}

void FactsWorld::PublishGraph(const std::vector<std::string>& ids, const EntryOptions& o) {
  for (const auto& id : ids) AddToPush(id, o);
}

void FactsWorld::AddToPush(const std::string& id, const EntryOptions& o) { push.Add(id, tasks.at(id).def, o); }

void FactsWorld::AddLabel(const Json& def, const EntryOptions& o) { push.Add("", def, o); }

Push FactsWorld::ReadPush() const {
  Push p;
  p.decision_task_id = group;
  p.trust_domain = TrustDomainOf(push.DecisionDefinition(kNow));
  p.parameters = ParseYaml(push.params.Yaml(), "parameters.yml");
  p.full_graph = TaskGraph::Parse(push.FullTaskGraph(), "full-task-graph.json");
  MergeLabels(p, group, ParseLabelToTaskId(push.LabelToTaskId(), "label-to-taskid.json"));
  std::vector<Earlier> sorted = earlier;
  std::stable_sort(sorted.begin(), sorted.end(), [](const Earlier& a, const Earlier& b) {
    return a.created_ms != b.created_ms ? a.created_ms < b.created_ms : a.task_id < b.task_id;
  });
  for (const auto& e : sorted) MergeLabels(p, e.task_id, {e.labels.begin(), e.labels.end()});
  return p;
}

Context FactsWorld::Ctx(const std::string& action, const std::optional<std::string>& task_id,
                        const std::string& input) const {
  Json doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  doc.AddMember("action", Str(action, a), a);
  doc.AddMember("taskGroupId", Str(group, a), a);
  doc.AddMember("taskId", task_id ? Str(*task_id, a) : JsonValue(), a);
  doc.AddMember("input", CopyValue(ParseJson(input, "input"), a), a);
  return ContextFromJson(doc, action_task, "context");
}

void FactsWorld::Load(const FactRequest& r, Facts& facts, int64_t now_ms) const {
  const FactRequest m = r.Missing(facts);
  auto entry = [&](const std::string& id, const Task& t) {
    Json e(rapidjson::kObjectType);
    auto& a = e.GetAllocator();
    e.AddMember("status", CopyValue(t.status, a), a);
    e.AddMember("task", CopyValue(t.def, a), a);
    return e;
  };
  for (const auto& read : m.tasks) {
    auto it = tasks.find(read.task_id);
    if (it == tasks.end()) {
      if (!read.required) {
        facts.statuses[read.task_id] = Json();
        continue;
      }
      throw BadInput(read.field + ": task " + read.task_id + " does not exist in the queue");
    }
    if (read.check_group && TaskView(&it->second.def, nullptr).task_group_id() != group)
      throw BadInput(read.field + ": task " + read.task_id + " belongs to another task group");
    TaskFacts f;
    f.task_id = read.task_id;
    f.definition = CopyJson(it->second.def);
    f.status = CopyJson(it->second.status);
    facts.tasks[read.task_id] = std::move(f);
  }
  for (const auto& id : m.dependents_of) {
    TaskFacts& f = facts.tasks.at(id);
    for (const auto& [other, t] : tasks) {
      const auto deps = TaskView(&t.def, nullptr).dependencies();
      if (std::find(deps.begin(), deps.end(), id) != deps.end()) f.dependents.push_back(entry(other, t));
    }
    f.dependents_loaded = true;
  }
  for (const auto& id : m.dependency_groups_of) {
    TaskFacts& f = facts.tasks.at(id);
    for (const auto& dep : f.view().dependencies()) {
      auto it = tasks.find(dep);
      f.dependency_groups[dep] = it == tasks.end() ? "expired" : TaskView(&it->second.def, nullptr).task_group_id();
    }
    f.dependency_groups_loaded = true;
  }
  for (const auto& id : m.statuses) {
    auto it = tasks.find(id);
    facts.statuses[id] = it == tasks.end() ? Json() : CopyJson(it->second.status);
  }
  if (m.group_tasks) {
    for (const auto& [id, t] : tasks)
      if (TaskView(&t.def, nullptr).task_group_id() == group) facts.group_tasks.push_back(entry(id, t));
    facts.group_tasks_loaded = true;
  }
  LoadPush(m, facts);
  for (const auto& path : m.index_paths) {
    auto it = index.find(path);
    facts.indexed[path] = it == index.end() ? std::nullopt : std::optional<IndexedTask>(it->second);
  }
  if (m.current_scopes) {
    if (current_scopes) facts.current_scopes = current_scopes;
    else facts.scopes_unavailable = scopes_unavailable.empty() ? "auth.currentScopes answered 403" : scopes_unavailable;
  }
  if (m.action_created) facts.action_created_ms = action_created_ms.value_or(now_ms);
}

void FactsWorld::LoadPush(const FactRequest& m, Facts& facts) const {
  auto missing = [&](const char* name) {
    return "public/" + std::string(name) + " of task " + group + " does not exist (404)";
  };
  if ((m.parameters || m.push) && !facts.parameters) {
    if (published.parameters) {
      facts.parameters = ParseYaml(push.params.Yaml(), "parameters.yml of decision task " + group);
    } else if (m.push && m.push_optional && !m.parameters) {
      facts.push_note = "the decision task " + group +
                        " published no parameters.yml; without the push's graph, the task's own definition is copied";
      return;
    } else {
      throw BadInput(missing("parameters.yml") + "; the action needs the push's parameters.yml");
    }
  }
  if (!m.push) return;
  for (auto [ok, name] : {std::make_pair(published.full_graph, "full-task-graph.json"),
                          std::make_pair(published.label_to_taskid, "label-to-taskid.json")}) {
    if (ok) continue;
    if (m.push_optional) {
      facts.push_note = missing(name) + "; without the push's graph, the task's own definition is copied";
      return;
    }
    throw BadInput(missing(name) + "; the action needs the push's " + name);
  }
  facts.push = ReadPush();
}

Facts FactsWorld::Gather(const Context& ctx, int64_t now_ms, std::vector<FactRequest>* requests) const {
  const ActionSpec* spec = FindAction(ctx.action);
  if (!spec) throw std::logic_error("no action " + ctx.action);
  Facts facts;
  if (ctx.task_id) {
    FactRequest target;
    target.tasks.push_back({*ctx.task_id, "ACTION_TASK_ID"});
    Load(target, facts, now_ms);
  }
  if (std::string_view(spec->permission) != "generic") {  // as ReadFacts: the permission first
    FactRequest perm;
    perm.parameters = true;
    perm.current_scopes = true;
    if (requests) requests->push_back(perm.Missing(facts));
    Load(perm, facts, now_ms);
    CheckPermission(*spec, ctx, facts);
  }
  if (!spec->needs) return facts;
  for (int round = 0; round < 10; ++round) {
    const FactRequest r = spec->needs(ctx, facts, now_ms);
    const FactRequest missing = r.Missing(facts);
    if (missing.empty()) return facts;
    if (requests) requests->push_back(missing);
    Load(missing, facts, now_ms);
  }
  throw std::logic_error(ctx.action + ": needs did not settle in 10 rounds");
}

Plan FactsWorld::PlanAction(const Context& ctx, int64_t now_ms) const {
  Facts facts = Gather(ctx, now_ms);
  return FindAction(ctx.action)->plan(ctx, facts, now_ms);
}

Facts FactsWorld::GatherAdvice(const std::string& task_id) const {
  Facts facts;
  for (int round = 0; round < 10; ++round) {
    FactRequest r = AdviseNeeds(task_id, facts);
    if (r.Missing(facts).empty()) return facts;
    Load(r, facts);
  }
  throw std::logic_error("AdviseNeeds did not settle in 10 rounds");
}

std::string PlanViolation(const Plan& plan) {
  for (size_t i = 0; i < plan.ops.size(); ++i) {
    const Operation& op = plan.ops[i];
    const std::string where = "op " + std::to_string(i) + " (" + OpKindName(op.kind) + " " + op.task_id + ")";
    if (!IsSlugid(op.task_id)) return where + ": taskId is not a slugid";
    for (size_t a : op.after)
      if (a >= i) return where + ": after names op " + std::to_string(a) + ", not an earlier one";
    if (op.kind == OpKind::kCreate) {
      if (auto v = ValidateSchema("taskcluster/queue/v1/create-task-request.json", op.definition))
        return where + ": " + FormatViolation("definition", *v);
    }
  }
  return "";
}

}  // namespace tctest

#include "actions/create_tasks.h"

#include <fmt/format.h>

#include <algorithm>
#include <regex>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "actions/clone.h"
#include "core/error.h"
#include "core/timestamp.h"
#include "taskcluster/urls.h"

namespace tc {

namespace {

// How each label of the closure resolves.
struct Resolution {
  std::vector<std::string_view> closure;                        // dependencies first
  std::unordered_map<std::string_view, std::string> task_id;    // label -> taskId
  std::unordered_set<std::string_view> created;                 // labels created in this graph
  std::unordered_set<std::string> created_ids;                  // their taskIds
  std::unordered_map<std::string_view, size_t> op_of;           // created label -> op index
};

void CheckLabels(const Push& push, const std::vector<std::string>& to_run, const std::string& field) {
  for (size_t i = 0; i < to_run.size(); ++i) {
    if (!push.full_graph->Find(to_run[i])) {
      throw BadInput(fmt::format("{}[{}]: label \"{}\" is not in the push's full-task-graph.json (decision task {}); "
                                 "expected a label of this push",
                                 field, i, SanitizeUtf8(to_run[i]), push.decision_task_id));
    }
  }
}

// The latest deadline of the closure's tasks that depend on `label`, or
// nullopt when none does (index-search: a hit must not expire before it).
std::optional<int64_t> DependentsDeadline(const TaskGraph& g, const std::unordered_set<std::string_view>& closure,
                                          std::string_view label, int64_t now_ms) {
  std::optional<int64_t> latest;
  for (std::string_view d : g.Dependents(label)) {
    if (!closure.count(d)) continue;
    Json entry = g.Materialize(d);
    JsonValue* deadline = entry.HasMember("task") && entry["task"].IsObject() ? &entry["task"] : nullptr;
    if (!deadline || !deadline->HasMember("deadline")) continue;
    JsonValue& v = (*deadline)["deadline"];
    ResolveRelativeDatestamps(v, now_ms, entry.GetAllocator());
    auto t = v.IsString() ? ParseTimestamp(StringOf(v)) : std::nullopt;
    if (t && (!latest || t->ms > *latest)) latest = t->ms;
  }
  return latest;
}

// index-search: the first usable task at the entry's paths.
const IndexedTask* IndexHit(const TaskGraph::Entry& e, const Facts& facts, std::optional<int64_t> deadline) {
  for (const auto& path : e.index_paths) {
    auto it = facts.indexed.find(path);
    if (it == facts.indexed.end() || !it->second) continue;
    const IndexedTask& t = *it->second;
    if (t.state == TaskState::kUnknown || t.state == TaskState::kMissing || IsFailed(t.state)) continue;
    if (deadline && (!t.expires_ms || *t.expires_ms < *deadline)) continue;
    return &t;
  }
  return nullptr;
}

Resolution Resolve(const Context& ctx, const Facts& facts, const CreateRequest& req, int64_t now_ms, Plan& plan) {
  const Push& push = *facts.push;
  const TaskGraph& g = *push.full_graph;
  Resolution r;
  r.closure = g.DependencyClosure(req.to_run);
  // The closure leaves out dependencies the graph lacks: in a full graph every one must be a label
  // (taskgraph fails on it too); a task created without it could run before what it needs.
  for (std::string_view label : r.closure) {
    for (const auto& [name, dep] : g.Find(label)->dependencies) {
      if (!g.Find(dep)) {
        throw BadInput(fmt::format("full-task-graph.json.{}.dependencies.{}: \"{}\" is not a label of the full graph "
                                   "(decision task {}); expected the label of the task it depends on",
                                   SanitizeUtf8(label), SanitizeUtf8(name), SanitizeUtf8(dep), push.decision_task_id));
      }
    }
  }
  const std::unordered_set<std::string_view> closure(r.closure.begin(), r.closure.end());
  const std::unordered_set<std::string_view> requested(req.to_run.begin(), req.to_run.end());
  for (std::string_view label : r.closure) {
    const TaskGraph::Entry& e = *g.Find(label);
    bool deps_existing = true;
    for (std::string_view d : g.Dependencies(label)) deps_existing = deps_existing && !r.created.count(d);
    if (!requested.count(label) && deps_existing) {
      if (const std::string* id = push.Current(e.key)) {
        r.task_id[label] = *id;
        continue;
      }
      if (const IndexedTask* hit = IndexHit(e, facts, DependentsDeadline(g, closure, label, now_ms))) {
        r.task_id[label] = hit->task_id;
        plan.notes.push_back(fmt::format("{}: the indexed task {} is used (index-search)", e.key, hit->task_id));
        continue;
      }
    }
    r.task_id[label] = CopyTaskId(ctx.action_task_id, e.key, req.copy);
    r.created.insert(label);
    r.created_ids.insert(r.task_id[label]);
  }
  return r;
}

// The closure in the order its ops are planned: r.closure (dependencies
// first, by the graph's edges), but a soft dependency created in this graph
// comes before the task that then depends on it (taskgraph submits a task
// once every dependency it lists is done; the queue refuses a dependency on a
// task that does not exist yet). Kahn over both kinds of edges, ties broken
// by the closure's order.
std::vector<std::string_view> CreationOrder(const TaskGraph& g, const Resolution& r) {
  std::unordered_map<std::string_view, size_t> pos;
  for (size_t i = 0; i < r.closure.size(); ++i) pos[r.closure[i]] = i;
  std::vector<std::vector<size_t>> succ(r.closure.size());
  std::vector<size_t> indeg(r.closure.size(), 0);
  for (size_t i = 0; i < r.closure.size(); ++i) {
    auto edge = [&](std::string_view dep) {
      auto it = pos.find(dep);
      if (it == pos.end() || it->second == i) return;
      succ[it->second].push_back(i);
      ++indeg[i];
    };
    for (std::string_view d : g.Dependencies(r.closure[i])) edge(d);
    for (const auto& soft : g.Find(r.closure[i])->soft_dependencies)
      if (r.created.count(soft)) edge(soft);
  }
  std::set<size_t> ready;
  for (size_t i = 0; i < indeg.size(); ++i)
    if (indeg[i] == 0) ready.insert(i);
  std::vector<std::string_view> order;
  std::vector<bool> done(r.closure.size(), false);
  while (!ready.empty()) {
    const size_t i = *ready.begin();
    ready.erase(ready.begin());
    order.push_back(r.closure[i]);
    done[i] = true;
    for (size_t j : succ[i])
      if (--indeg[j] == 0) ready.insert(j);
  }
  for (size_t i = 0; i < done.size(); ++i)  // a cycle through soft edges: the rest in closure order
    if (!done[i]) order.push_back(r.closure[i]);
  return order;
}

// <name>, <self>, <decision> in {task-reference}; <dep/path> in {artifact-reference}.
struct References {
  const std::string& label;
  const std::string& self;
  const std::string& decision;
  const std::map<std::string, std::string>& deps;  // dependency name (or soft-dependency label) -> taskId
  const Context& ctx;

  std::string Task(const std::string& name) const {
    if (name == "self") return self;
    if (name == "decision") return decision;
    auto it = deps.find(name);
    if (it != deps.end()) return it->second;
    if (name == "<") return "<";
    throw BadInput(fmt::format("full-task-graph.json.{}: task-reference names <{}>, which is not a dependency of the "
                               "task; expected <self>, <decision> or a dependency's name",
                               label, name));
  }
  std::string Artifact(const std::string& dep, const std::string& path) const {
    if (dep == "self") throw BadInput("full-task-graph.json." + label + ": an artifact-reference cannot name <self>");
    const std::string id = dep == "decision" ? decision : Task(dep);
    // public/ artifacts on the root URL (anyone can read them); others through the proxy.
    const bool proxy = path.rfind("public/", 0) != 0 && !ctx.proxy_url.empty();
    const std::string& base = proxy ? ctx.proxy_url : ctx.root_url;
    if (base.empty()) throw BadInput("TASKCLUSTER_ROOT_URL: not set; the artifact URLs of " + label + " need it");
    return ApiUrl(base, "queue", "v1", "task/" + id + "/artifacts/" + path);
  }
};

std::string Substitute(const std::string& s, const std::regex& re, const std::function<std::string(const std::smatch&)>& f) {
  std::string out;
  auto begin = std::sregex_iterator(s.begin(), s.end(), re);
  size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    out.append(s, last, static_cast<size_t>(it->position()) - last);
    out += f(*it);
    last = static_cast<size_t>(it->position() + it->length());
  }
  out.append(s, last, std::string::npos);
  return out;
}

std::string ResolveString(const std::string& kind, const std::string& s, const References& refs) {
  static const std::regex kTask("<([^>]+)>");
  static const std::regex kArtifact("<([^/]+)/([^>]+)>");
  if (kind == "task-reference") return Substitute(s, kTask, [&](const std::smatch& m) { return refs.Task(m[1]); });
  return Substitute(s, kArtifact, [&](const std::smatch& m) { return refs.Artifact(m[1], m[2]); });
}

// Replaces {"task-reference": ...} and {"artifact-reference": ...} in v.
void ResolveReferences(JsonValue& v, const References& refs, JsonAlloc& a) {
  if (v.IsArray()) {
    for (auto& e : v.GetArray()) ResolveReferences(e, refs, a);
    return;
  }
  if (!v.IsObject()) return;
  if (v.MemberCount() == 1) {
    const std::string kind = StringOf(v.MemberBegin()->name);
    if (kind == "task-reference" || kind == "artifact-reference") {
      JsonValue& inner = v.MemberBegin()->value;
      if (inner.IsString()) {
        v = Str(ResolveString(kind, StringOf(inner), refs), a);
        return;
      }
      if (inner.IsObject()) {  // {"task-reference": {"<dep>": value}}: the keys are references
        JsonValue out(rapidjson::kObjectType);
        for (auto& m : inner.GetObject()) {
          ResolveReferences(m.value, refs, a);
          out.AddMember(Str(ResolveString(kind, StringOf(m.name), refs), a), m.value, a);
        }
        v = out;
        return;
      }
    }
  }
  for (auto& m : v.GetObject()) ResolveReferences(m.value, refs, a);
}

// The dependency names (and created soft dependencies, by label) -> taskIds of a created entry.
std::map<std::string, std::string> DependencyIds(const TaskGraph::Entry& e, const Resolution& r) {
  std::map<std::string, std::string> deps;
  for (const auto& [name, dep] : e.dependencies) {
    auto it = r.task_id.find(dep);
    if (it != r.task_id.end()) deps[name] = it->second;
  }
  for (const auto& soft : e.soft_dependencies)
    if (r.created.count(soft)) deps[soft] = r.task_id.at(soft);
  return deps;
}

// The definition sent for a created label (see the header).
void Finish(Json& def, const Context& ctx, const Push& push, const std::map<std::string, std::string>& deps,
            const Resolution& r, int64_t now_ms) {
  auto& a = def.GetAllocator();
  ResolveRelativeDatestamps(def, now_ms, a);
  if (!def.HasMember("extra") || !def["extra"].IsObject()) SetMember(def, "extra", JsonValue(rapidjson::kObjectType), a);
  SetMember(def["extra"], "parent", Str(ctx.action_task_id, a), a);
  std::vector<std::string> ids = StringsOf(Member(def, "dependencies"));
  if (push.decision_task_id != ctx.action_task_id && std::find(ids.begin(), ids.end(), ctx.action_task_id) == ids.end())
    ids.insert(ids.begin(), ctx.action_task_id);
  std::set<std::string> named;
  bool in_graph = false;
  for (const auto& [name, id] : deps) {
    named.insert(id);
    in_graph = in_graph || r.created_ids.count(id) > 0;
  }
  for (const auto& id : named)
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  if (!in_graph && std::find(ids.begin(), ids.end(), push.decision_task_id) == ids.end())
    ids.push_back(push.decision_task_id);
  JsonValue list(rapidjson::kArrayType);
  for (const auto& id : ids) list.PushBack(Str(id, a), a);
  SetMember(def, "dependencies", std::move(list), a);
  SetMember(def, "taskGroupId", Str(push.decision_task_id, a), a);
  SetMember(def, "schedulerId", Str(push.SchedulerId(), a), a);
}

Operation CreateOp(const Context& ctx, const Facts& facts, const Resolution& r, std::string_view label, bool requested,
                   int64_t now_ms, Plan& plan) {
  const Push& push = *facts.push;
  const TaskGraph::Entry& e = *push.full_graph->Find(label);
  Json entry = push.full_graph->Materialize(label);
  if (!entry.HasMember("task") || !entry["task"].IsObject())
    throw BadInput("full-task-graph.json." + e.key + ".task: missing; expected a task definition");
  const std::string& id = r.task_id.at(label);
  const auto deps = DependencyIds(e, r);
  Json def;
  def.CopyFrom(entry["task"], def.GetAllocator());
  const References refs{e.key, id, push.decision_task_id, deps, ctx};
  ResolveReferences(def, refs, def.GetAllocator());
  Finish(def, ctx, push, deps, r, now_ms);
  Json dep_map(rapidjson::kObjectType);
  for (const auto& [name, dep_id] : deps) dep_map.AddMember(Str(name, dep_map.GetAllocator()), Str(dep_id, dep_map.GetAllocator()), dep_map.GetAllocator());
  RecordCreated(plan, id, e.key, &entry, def, &dep_map, requested);
  Operation op = NewOp(OpKind::kCreate, id, e.key);
  // The label's task in the push before this action, when it has one: what a
  // retrigger copies (the report links it as the original).
  if (const std::string* current = push.Current(e.key)) op.of = *current;
  // Created after every dependency created in this graph, soft ones included
  // (the queue refuses dependencies on tasks that do not exist yet).
  auto after = [&](std::string_view dep_label) {
    auto it = r.op_of.find(dep_label);
    if (it != r.op_of.end() && std::find(op.after.begin(), op.after.end(), it->second) == op.after.end())
      op.after.push_back(it->second);
  };
  for (const auto& [name, dep_label] : e.dependencies) after(dep_label);
  for (const auto& soft : e.soft_dependencies) after(soft);
  op.definition = std::move(def);
  return op;
}

}  // namespace

std::vector<std::string> IndexPathsFor(const Push& push, const std::vector<std::string>& to_run,
                                       const std::string& field) {
  CheckLabels(push, to_run, field);
  const TaskGraph& g = *push.full_graph;
  const std::unordered_set<std::string_view> requested(to_run.begin(), to_run.end());
  std::vector<std::string> paths;
  for (std::string_view label : g.DependencyClosure(to_run)) {
    const TaskGraph::Entry& e = *g.Find(label);
    if (requested.count(label) || push.Current(e.key)) continue;
    for (const auto& p : e.index_paths)
      if (std::find(paths.begin(), paths.end(), p) == paths.end()) paths.push_back(p);
  }
  return paths;
}

std::vector<std::string> PlanCreateTasks(Plan& plan, const Context& ctx, const Facts& facts, const CreateRequest& req,
                                         int64_t now_ms) {
  CheckLabels(*facts.push, req.to_run, "input.tasks");
  const size_t base = plan.ops.size();
  Resolution r = Resolve(ctx, facts, req, now_ms, plan);
  const std::unordered_set<std::string_view> requested(req.to_run.begin(), req.to_run.end());
  std::vector<std::string> created;
  for (std::string_view label : CreationOrder(*facts.push->full_graph, r)) {
    if (!r.created.count(label)) {
      RecordLabel(plan, std::string(label), r.task_id.at(label));
      continue;
    }
    r.op_of[label] = plan.ops.size();
    plan.ops.push_back(CreateOp(ctx, facts, r, label, requested.count(label) > 0, now_ms, plan));
    created.emplace_back(label);
    // attributes.task_duplicates: more creates of the same definition (not in label-to-taskid.json).
    const int64_t dups = facts.push->full_graph->Find(label)->task_duplicates;
    for (int64_t k = 1; k < dups; ++k) {
      Operation dup = NewOp(OpKind::kCreate, CopyTaskId(ctx.action_task_id, std::string(label), req.copy + "/" + std::to_string(k)),
                            std::string(label));
      dup.after = plan.ops[r.op_of[label]].after;
      dup.definition.CopyFrom(plan.ops[r.op_of[label]].definition, dup.definition.GetAllocator());
      dup.detail = "task_duplicates";
      plan.ops.push_back(std::move(dup));
    }
  }
  ValidateCreates(plan, base);
  return created;
}

void ValidateCreates(const Plan& plan, size_t base) {
  const size_t n = plan.ops.size() - base;
  const size_t threads = std::max<size_t>(1, std::min<size_t>({std::thread::hardware_concurrency(), 4, n / 64}));
  std::vector<std::string> errors(threads);
  std::vector<size_t> error_at(threads, SIZE_MAX);
  auto work = [&](size_t t) {
    for (size_t i = base + t; i < plan.ops.size(); i += threads) {
      const Operation& op = plan.ops[i];
      if (op.kind != OpKind::kCreate) continue;
      try {
        ValidateCopy(op.definition, op.of.empty() ? "task " + op.label : "copy of " + op.of + " (" + op.label + ")");
      } catch (const BadInput& e) {
        errors[t] = e.what();
        error_at[t] = i;
        return;
      }
    }
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& th : pool) th.join();
  size_t best = SIZE_MAX, which = 0;
  for (size_t t = 0; t < threads; ++t)
    if (error_at[t] < best) best = error_at[t], which = t;
  if (best != SIZE_MAX) throw BadInput(errors[which]);
}

}  // namespace tc

#include "run/push_reader.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "core/error.h"
#include "core/timestamp.h"
#include "core/yaml.h"
#include "run/diagnostics.h"
#include "run/paging.h"

namespace tc {

namespace {

bool IsMissing(const TcError& e) { return e.status() == 404 || e.status() == 410 || e.status() == 424; }

const char* WhyMissing(const TcError& e) {
  return e.status() == 404 ? "does not exist" : e.status() == 410 ? "has expired" : "failed to upload";
}

// An artifact of one of the push's tasks; nullopt (and *why) when it is
// missing, expired or failed; other failures are TcError naming it.
std::optional<std::string> Artifact(Queue& q, const std::string& task_id, const std::string& name, std::string* why) {
  try {
    return q.GetLatestArtifact(task_id, name);
  } catch (const TcError& e) {
    if (!IsMissing(e)) throw TcError(e.status(), e.code(), fmt::format("{} of task {}: {}", name, task_id, e.what()));
    *why = fmt::format("{} of task {} {} ({})", name, task_id, WhyMissing(e), e.what());
    return std::nullopt;
  }
}

// A decision artifact the push cannot do without.
std::optional<std::string> Required(Queue& q, const std::string& task_id, const std::string& name, bool optional,
                                    std::string* note) {
  std::string why;
  auto bytes = Artifact(q, task_id, name, &why);
  if (bytes || optional) {
    if (!bytes) *note = why + "; without the push's graph, the task's own definition is copied";
    return bytes;
  }
  throw BadInput(why + "; the action needs the push's " + name.substr(name.find('/') + 1));
}

std::string TrustDomain(Queue& q, const Context& ctx) {
  if (!ctx.trust_domain.empty()) return ctx.trust_domain;
  std::string td = TrustDomainOf(q.Task(ctx.task_group_id));
  if (td.empty()) {
    throw BadInput(fmt::format("ACTION_TASK_GROUP_ID: decision task {} does not tell its trust domain (no schedulerId "
                               "\"<trust-domain>-level-<n>\", no index route); set TC_ACTION_TRUST_DOMAIN",
                               ctx.task_group_id));
  }
  return td;
}

std::string FindDecision(Services& s, const Context& ctx, const std::string& path) {
  if (!s.index) return ctx.task_group_id;
  try {
    return GetString(s.index->FindTask(path), "taskId").value_or(ctx.task_group_id);
  } catch (const TcError& e) {
    if (!e.is_not_found()) throw;
    return ctx.task_group_id;  // as taskgraph: the action's task group is the decision
  }
}

// The taskIds indexed under the namespaces of earlier actions and cron tasks.
std::vector<std::string> EarlierTasks(Services& s, const std::string& td, const JsonValue& params) {
  std::vector<std::string> ids;
  if (!s.index) return ids;
  std::vector<std::string> namespaces = ActionNamespaces(td, params);
  namespaces.push_back(CronNamespace(td, params));
  for (const auto& ns : namespaces) {
    for (const auto& t : ReadAllPages("index.listTasks " + ns, [&](const Page& p) { return s.index->ListTasks(ns, p); },
                                      "tasks")) {
      auto id = GetString(t, "taskId");
      if (id && std::find(ids.begin(), ids.end(), *id) == ids.end()) ids.push_back(*id);
    }
  }
  return ids;
}

struct Source {
  std::string task_id;
  int64_t created_ms = 0;
  std::unordered_map<std::string, std::string> labels;
};

// An earlier task's map; nullopt (with a note) when it published none.
std::optional<Source> ReadSource(Queue& q, const std::string& id, Push& push) {
  std::string why;
  auto bytes = Artifact(q, id, "public/label-to-taskid.json", &why);
  if (!bytes) {
    push.notes.push_back(why + "; its tasks are not part of the push's label map");
    return std::nullopt;
  }
  Source src;
  src.task_id = id;
  auto created = GetString(q.Task(id), "created");
  auto t = created ? ParseTimestamp(*created) : std::nullopt;
  src.created_ms = t ? t->ms : 0;
  src.labels = ParseLabelToTaskId(*bytes, "label-to-taskid.json of task " + id);
  return src;
}

}  // namespace

std::optional<Json> ReadParameters(Queue& q, const Context& ctx, bool optional) {
  std::string note;
  auto bytes = Required(q, ctx.task_group_id, "public/parameters.yml", optional, &note);
  if (!bytes) return std::nullopt;
  Json p = ParseYaml(*bytes, "parameters.yml of decision task " + ctx.task_group_id);
  if (!p.IsObject()) throw BadInput("parameters.yml of decision task " + ctx.task_group_id + ": expected a mapping");
  return p;
}

std::optional<Push> ReadPush(Services& s, const Context& ctx, const Json& parameters, bool optional, std::string* note) {
  Queue& q = *s.queue;
  const auto t0 = std::chrono::steady_clock::now();
  Push push;
  push.parameters.CopyFrom(parameters, push.parameters.GetAllocator());
  push.trust_domain = TrustDomain(q, ctx);
  push.decision_task_id = FindDecision(s, ctx, DecisionIndexPath(push.trust_domain, parameters));
  auto graph = Required(q, push.decision_task_id, "public/full-task-graph.json", optional, note);
  if (!graph) return std::nullopt;
  const size_t graph_bytes = graph->size();
  push.full_graph = TaskGraph::Parse(std::move(*graph), "full-task-graph.json");
  // With the full graph there, a missing label map is an error even when the
  // push is optional: planning without it would take every label for new.
  auto l2t = Required(q, push.decision_task_id, "public/label-to-taskid.json", false, note);
  std::vector<Source> sources;
  sources.push_back({push.decision_task_id, 0, ParseLabelToTaskId(*l2t, "label-to-taskid.json")});
  for (const auto& id : EarlierTasks(s, push.trust_domain, parameters)) {
    if (id == push.decision_task_id || id == ctx.action_task_id) continue;
    if (auto src = ReadSource(q, id, push)) sources.push_back(std::move(*src));
  }
  // Oldest first (the decision before everything after it); a later task's entry wins.
  std::stable_sort(sources.begin() + 1, sources.end(), [](const Source& a, const Source& b) {
    return a.created_ms != b.created_ms ? a.created_ms < b.created_ms : a.task_id < b.task_id;
  });
  for (const auto& src : sources) MergeLabels(push, src.task_id, src.labels);
  spdlog::info("push: decision {}, full graph {} tasks ({} bytes), {} label map(s) merged, in {} ms (peak RSS {} MB)",
               push.decision_task_id, push.full_graph->size(), graph_bytes, push.sources.size(),
               std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count(),
               PeakRssMb());
  return push;
}

void ReadIndexed(Services& s, const std::vector<std::string>& paths, Facts& facts) {
  for (const auto& p : paths) facts.indexed[p] = std::nullopt;
  if (!s.index || paths.empty()) return;
  std::map<std::string, std::string> at;  // path -> taskId
  for (const auto& t : ReadAllPages("index.findTasksAtIndex",
                                    [&](const Page& p) { return s.index->FindTasksAtIndex(paths, p); }, "tasks")) {
    auto ns = GetString(t, "namespace");
    auto id = GetString(t, "taskId");
    if (ns && id) at[*ns] = *id;
  }
  std::vector<std::string> ids;
  for (const auto& [path, id] : at) ids.push_back(id);
  std::map<std::string, IndexedTask> status_of;
  for (const auto& e : ReadAllPages("queue.statuses", [&](const Page& p) { return s.queue->Statuses(ids, p); },
                                    "statuses")) {
    auto id = GetString(e, "taskId");
    const JsonValue* st = Member(e, "status");
    if (!id || !st) continue;
    const TaskView v(nullptr, st);
    auto expires = GetString(*st, "expires");
    auto t = expires ? ParseTimestamp(*expires) : std::nullopt;
    status_of[*id] = IndexedTask{*id, v.state(), t ? std::optional<int64_t>(t->ms) : std::nullopt};
  }
  for (const auto& [path, id] : at) {
    auto it = status_of.find(id);
    facts.indexed[path] = it != status_of.end() ? it->second : IndexedTask{id, TaskState::kMissing, std::nullopt};
  }
}

}  // namespace tc

#include "actions/graph_copy.h"

#include <fmt/format.h>

#include <algorithm>
#include <thread>
#include <unordered_set>

#include "actions/clone.h"
#include "actions/cot.h"
#include "core/error.h"
#include "core/schema.h"
#include "core/slugid.h"
#include "core/timestamp.h"

namespace tc {

namespace {

std::string S(std::string_view v) { return std::string(v); }

// Validates the copies plan.ops[base..] against create-task-request, on a few
// threads (schema validation is most of the planning time at Firefox scale).
// The first invalid copy by plan order is the error.
void ValidateCopies(const Plan& plan, size_t base) {
  const size_t n = plan.ops.size() - base;
  const size_t threads = std::max<size_t>(1, std::min<size_t>({std::thread::hardware_concurrency(), 4, n / 64}));
  std::vector<std::string> errors(threads);
  std::vector<size_t> error_at(threads, SIZE_MAX);
  auto work = [&](size_t t) {
    for (size_t i = base + t; i < plan.ops.size(); i += threads) {
      const Operation& op = plan.ops[i];
      try {
        ValidateCopy(op.definition, "copy of " + op.of + " (" + op.label + ")");
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

}  // namespace

namespace {

// One copy of a set of graph entries: the new taskId and op index of each.
// Keys are views of the caller's task_ids strings, which outlive the set.
struct CopySet {
  std::unordered_map<std::string_view, std::string> remap;  // old taskId -> new taskId
  std::unordered_map<std::string_view, size_t> op_of;       // old taskId -> op index
  std::unordered_set<std::string_view> new_ids;
};

// The taskIds a definition may mention without a warning: the graph's own
// (its index answers), the copies', the decision's and the action task's.
bool Known(const CopySet& set, const TaskGraph& graph, const Context& ctx, std::string_view t) {
  return graph.Find(t) || set.new_ids.count(t) || t == ctx.task_group_id || t == ctx.action_task_id;
}

// The entry document becomes the definition (no copy): its root is swapped
// with its "task" member, within the same allocator.
void EntryToDefinition(Json& entry) {
  JsonValue t;
  t.Swap(entry["task"]);
  static_cast<JsonValue&>(entry).Swap(t);
}

// The create op of the copy of one graph entry (recorded in the plan's artifacts).
Operation CopyEntry(Plan& plan, const Context& ctx, const TaskGraph& graph, const CopySet& set,
                    const std::string& old_id, int64_t now_ms, std::vector<std::string>* release) {
  const TaskGraph::Entry* ge = graph.Find(old_id);
  if (!ge) throw BadInput("task-graph.json: task " + old_id + " is not in the graph");
  Json entry = graph.Materialize(old_id);
  const JsonValue* task = Member(entry, "task");
  if (!task || !task->IsObject()) throw BadInput("task-graph.json." + old_id + ".task: missing; expected a task definition");
  const std::string& label = ge->label;
  if (release && IsCotRelevant(*task)) release->push_back(old_id + " (" + label + ")");
  // task-graph.json entry: dependencies by name, remapped (recorded before
  // the entry document becomes the definition)
  const std::string& new_id = set.remap.at(old_id);
  Json deps(rapidjson::kObjectType);
  Operation op;
  for (const auto& d : ge->dependencies) {
    auto it = set.remap.find(d.second);
    deps.AddMember(Str(d.first, deps.GetAllocator()), Str(it != set.remap.end() ? it->second : d.second, deps.GetAllocator()),
                   deps.GetAllocator());
    // Dependencies inside the set wait for their copies; the others on the action task.
    auto at = set.op_of.find(d.second);
    if (at != set.op_of.end() && std::find(op.after.begin(), op.after.end(), at->second) == op.after.end())
      op.after.push_back(at->second);
  }
  RecordCreated(plan, new_id, label, &entry, *task, &deps, true);
  EntryToDefinition(entry);
  Json& def = entry;
  ResolveRelativeDatestamps(def, now_ms, def.GetAllocator());
  std::vector<std::string> unclassified;
  RemapTaskIds(def, set.remap, [&](std::string_view t) { return Known(set, graph, ctx, t); }, &unclassified,
               def.GetAllocator());
  for (const auto& u : unclassified) {
    plan.warnings.push_back(
        fmt::format("{} ({}) mentions {}, which is not a task of this graph; left unchanged", label, old_id, u));
  }
  CloneOptions opts;
  opts.task_group_id = ctx.task_group_id;
  opts.parent = ctx.action_task_id;
  opts.now_ms = now_ms;
  if (op.after.empty()) opts.extra_dependencies.push_back(ctx.action_task_id);
  // A definition with absolute timestamps is shifted like a single retrigger;
  // one with relative datestamps is already at now (delta 0).
  if (!def.HasMember("created")) SetMember(def, "created", Str(FormatIsoMs(now_ms), def.GetAllocator()), def.GetAllocator());
  CloneInPlace(def, opts);
  op.kind = OpKind::kCreate;
  op.task_id = new_id;
  op.of = old_id;
  op.label = label;
  op.definition = std::move(entry);
  return op;
}

}  // namespace

void PlanGraphCopy(Plan& plan, const Context& ctx, const TaskGraph& graph, const std::vector<std::string>& task_ids,
                   int64_t now_ms, std::vector<std::string>* release) {
  // New ids first, so every copy can be remapped in one pass.
  CopySet set;
  const size_t base = plan.ops.size();
  for (size_t k = 0; k < task_ids.size(); ++k) {
    set.remap[task_ids[k]] = DerivedSlugid(ctx.action_task_id, static_cast<uint64_t>(base + k));
    set.op_of[task_ids[k]] = base + k;
  }
  for (const auto& [o, n] : set.remap) set.new_ids.insert(n);
  for (const std::string& old_id : task_ids) plan.ops.push_back(CopyEntry(plan, ctx, graph, set, old_id, now_ms, release));
  ValidateCopies(plan, base);
}

void PlanDownstreamCopies(Plan& plan, const Context& ctx, const TaskGraph& graph, const std::string& root_task_id,
                          int64_t times, int64_t now_ms, bool allow_release) {
  if (!graph.Find(root_task_id)) {
    throw Refused(fmt::format(
        "retrigger with downstream of {} refused: the task is not in the decision task's task-graph.json (it may "
        "have been created by an action); retrigger it without downstream",
        root_task_id));
  }
  std::vector<std::string> ids;
  for (std::string_view id : graph.DownstreamClosure(root_task_id)) ids.push_back(S(id));
  // Release tasks in the set fork the release graph (Chain of Trust): the
  // first copy finds them (the plan is dropped if that refuses).
  std::vector<std::string> release;
  PlanGraphCopy(plan, ctx, graph, ids, now_ms, &release);
  if (!release.empty()) {
    std::string list;
    for (size_t i = 0; i < release.size() && i < 10; ++i) list += (i ? ", " : "") + release[i];
    if (release.size() > 10) list += fmt::format(" and {} more", release.size() - 10);
    if (!allow_release) {
      throw Refused(fmt::format(
          "{} of {} with downstream refused: it would re-create {} release (Chain-of-Trust) task(s) and fork the "
          "release graph: {}; use retrigger-disabled with downstream and force: true if that is really wanted",
          ctx.action, root_task_id, release.size(), list));
    }
    WarnList(plan, fmt::format("forking the release graph (force): {} release (Chain-of-Trust) task(s) re-created: ",
                               release.size()),
             release, "");
  }
  for (int64_t i = 1; i < times; ++i) PlanGraphCopy(plan, ctx, graph, ids, now_ms, nullptr);
  plan.notes.push_back(fmt::format("retrigger with downstream: {} task(s) re-created {} time(s) from {}", ids.size(),
                                   times, root_task_id));
}

}  // namespace tc

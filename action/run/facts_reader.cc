#include "run/facts_reader.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <stdexcept>

#include "core/error.h"
#include "core/timestamp.h"
#include "run/diagnostics.h"
#include "run/paging.h"

namespace tc {

namespace {

Json ReadStatus(Queue& q, const std::string& task_id) {
  Json st = q.Status(task_id);
  const JsonValue* inner = Member(st, "status");
  if (!inner) throw TcError(0, "", "queue.status: response has no status object");
  return CopyJson(*inner);
}

// Definition and status of one task (FactRequest::TaskRead).
void ReadTask(Queue& q, const Context& ctx, const FactRequest::TaskRead& r, Facts& facts) {
  TaskFacts f;
  f.task_id = r.task_id;
  try {
    f.definition = q.Task(r.task_id);
  } catch (const TcError& e) {
    if (!e.is_not_found()) throw;
    if (!r.required) {
      facts.statuses[r.task_id] = Json();
      return;
    }
    throw BadInput(fmt::format("{}: task {} does not exist in the queue; expected the taskId of an existing task{}",
                               r.field, r.task_id, r.check_group ? " of group " + ctx.task_group_id : ""));
  }
  if (r.check_group) {
    const std::string group = TaskView(&f.definition, nullptr).task_group_id();
    if (group != ctx.task_group_id) {
      throw BadInput(fmt::format(
          "{}: task {} belongs to task group {}, not to ACTION_TASK_GROUP_ID {}; expected a task of the action's own "
          "graph",
          r.field, r.task_id, group, ctx.task_group_id));
    }
  }
  f.status = ReadStatus(q, r.task_id);
  facts.tasks[r.task_id] = std::move(f);
}

void ReadDependencyGroups(Queue& q, TaskFacts& f) {
  for (const auto& dep : f.view().dependencies()) {
    if (f.dependency_groups.count(dep)) continue;
    std::string group;
    try {
      Json t = q.Task(dep);
      group = GetString(t, "taskGroupId").value_or("unknown");
    } catch (const TcError& e) {
      if (!e.is_not_found()) throw;
      group = "expired";
    }
    f.dependency_groups[dep] = group;
  }
  f.dependency_groups_loaded = true;
}

void ReadStatusOrMissing(Queue& q, const std::string& task_id, Facts& facts) {
  try {
    facts.statuses[task_id] = ReadStatus(q, task_id);
  } catch (const TcError& e) {
    if (!e.is_not_found()) throw;
    facts.statuses[task_id] = Json();  // the queue has no such task
  }
}

// One of the decision task's artifacts. A missing (404), expired (410) or
// failed (424) artifact refuses the graph-aware action with a clear message.
std::string DecisionArtifact(Queue& q, const Context& ctx, const std::string& name) {
  try {
    return q.GetLatestArtifact(ctx.task_group_id, name);
  } catch (const TcError& e) {
    if (e.status() != 404 && e.status() != 410 && e.status() != 424) {
      throw TcError(e.status(), e.code(), fmt::format("{} of decision task {}: {}", name, ctx.task_group_id, e.what()));
    }
    const char* why = e.status() == 404 ? "does not exist" : e.status() == 410 ? "has expired" : "failed to upload";
    throw Refused(fmt::format("{} of decision task {} {} ({}); the graph-aware action cannot run without it", name,
                              ctx.task_group_id, why, e.what()));
  }
}

std::shared_ptr<const TaskGraph> ReadTaskGraph(Queue& q, const Context& ctx) {
  const std::string name = "public/task-graph.json";
  auto t0 = std::chrono::steady_clock::now();
  std::string bytes = DecisionArtifact(q, ctx, name);
  const size_t size = bytes.size();
  std::shared_ptr<const TaskGraph> g = TaskGraph::Parse(std::move(bytes), name);
  spdlog::info("{}: {} tasks, {} bytes, fetched and parsed in {} ms (peak RSS {} MB)", name, g->size(), size,
               std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count(),
               PeakRssMb());
  return g;
}

int64_t ActionTaskCreatedMs(Queue& q, const std::string& action_task_id, int64_t fallback) {
  try {
    Json t = q.Task(action_task_id);
    if (auto c = GetString(t, "created"))
      if (auto ts = ParseTimestamp(*c)) return ts->ms;
  } catch (const TcError& e) {
    if (!e.is_not_found()) throw;
  }
  return fallback;
}

TaskFacts& Loaded(Facts& facts, const std::string& task_id) {
  auto it = facts.tasks.find(task_id);
  if (it == facts.tasks.end()) throw std::logic_error("facts: " + task_id + " must be read before its relations");
  return it->second;
}

}  // namespace

void Load(Queue& q, const Context& ctx, const FactRequest& request, int64_t now_ms, Facts& facts) {
  const FactRequest r = request.Missing(facts);
  for (const auto& t : r.tasks) ReadTask(q, ctx, t, facts);
  for (const auto& id : r.dependents_of) {
    TaskFacts& f = Loaded(facts, id);
    f.dependents = ReadAllPages("queue.listDependentTasks " + id, [&](const Page& p) { return q.ListDependentTasks(id, p); },
                                "tasks");
    f.dependents_loaded = true;
  }
  for (const auto& id : r.dependency_groups_of) ReadDependencyGroups(q, Loaded(facts, id));
  for (const auto& id : r.statuses) ReadStatusOrMissing(q, id, facts);
  if (r.group_tasks) {
    facts.group_tasks = ReadAllPages("queue.listTaskGroup " + ctx.task_group_id,
                                     [&](const Page& p) { return q.ListTaskGroup(ctx.task_group_id, p); }, "tasks");
    facts.group_tasks_loaded = true;
  }
  if (r.task_graph) facts.task_graph = ReadTaskGraph(q, ctx);
  if (r.label_to_taskid) {
    facts.label_to_taskid =
        ParseLabelToTaskId(DecisionArtifact(q, ctx, "public/label-to-taskid.json"), "label-to-taskid.json");
  }
  if (r.action_created) facts.action_created_ms = ActionTaskCreatedMs(q, ctx.action_task_id, now_ms);
}

void ReadUntilAnswered(Queue& q, const Context& ctx, int64_t now_ms, Facts& facts,
                       const std::function<FactRequest(const Facts&)>& needs) {
  // Every round loads something new, and an action's needs are finite: a
  // handful of rounds at most. The bound catches a NeedsFn that never settles.
  for (int round = 0; round < 16; ++round) {
    FactRequest r = needs(facts).Missing(facts);
    if (r.empty()) return;
    Load(q, ctx, r, now_ms, facts);
  }
  throw std::logic_error("facts: the action's needs did not settle");
}

void ReadFacts(Queue& q, const ActionSpec& spec, const Context& ctx, int64_t now_ms, Facts& facts) {
  ReadUntilAnswered(q, ctx, now_ms, facts, [&](const Facts& known) {
    FactRequest target;
    if (spec.kind == ActionKind::kTask) target.tasks.push_back({*ctx.task_id, "ACTION_TASK_ID"});
    if (!target.Missing(known).empty() || !spec.needs) return target;
    return spec.needs(ctx, known, now_ms);
  });
}

}  // namespace tc

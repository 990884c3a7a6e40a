#include "run/facts.h"

#include <fmt/format.h>

#include "core/error.h"
#include "core/timestamp.h"

namespace tc {

std::vector<Json> ReadAllTaskPages(const std::function<Json(const Page&)>& list) {
  std::vector<Json> out;
  Page page;
  for (int guard = 0; guard < 100000; ++guard) {
    Json resp = list(page);
    if (const JsonValue* tasks = Member(resp, "tasks"); tasks && tasks->IsArray()) {
      for (const auto& t : tasks->GetArray()) out.push_back(CopyJson(t));
    }
    auto token = GetString(resp, "continuationToken");
    if (!token || token->empty()) break;
    page.continuation_token = token;
  }
  return out;
}

Json ReadStatus(Queue& q, const std::string& task_id) {
  Json st = q.Status(task_id);
  const JsonValue* inner = Member(st, "status");
  if (!inner) throw TcError(0, "", "queue.status: response has no status object");
  return CopyJson(*inner);
}

TaskFacts ReadTaskFacts(Queue& q, const std::string& task_id, const std::string& field,
                        const std::string& expected_group) {
  TaskFacts f;
  f.task_id = task_id;
  try {
    f.definition = q.Task(task_id);
  } catch (const TcError& e) {
    if (e.is_not_found()) {
      throw BadInput(fmt::format("{}: task {} does not exist in the queue; expected the taskId of an existing task{}",
                                 field, task_id, expected_group.empty() ? "" : " of group " + expected_group));
    }
    throw;
  }
  if (!expected_group.empty()) {
    auto group = GetString(f.definition, "taskGroupId").value_or("");
    if (group != expected_group) {
      throw BadInput(fmt::format(
          "{}: task {} belongs to task group {}, not to ACTION_TASK_GROUP_ID {}; expected a task of the action's "
          "own graph",
          field, task_id, group, expected_group));
    }
  }
  f.status = ReadStatus(q, task_id);
  return f;
}

void LoadDependents(Queue& q, TaskFacts& f) {
  if (f.dependents_loaded) return;
  f.dependents = ReadAllTaskPages([&](const Page& p) { return q.ListDependentTasks(f.task_id, p); });
  f.dependents_loaded = true;
}

int64_t ActionTaskCreatedMs(Queue& q, const std::string& action_task_id, int64_t fallback) {
  try {
    Json t = q.Task(action_task_id);
    if (auto c = GetString(t, "created")) {
      if (auto ts = ParseTimestamp(*c)) return ts->ms;
    }
  } catch (const TcError& e) {
    if (!e.is_not_found()) throw;
  }
  return fallback;
}

void LoadDependencyGroups(Queue& q, TaskFacts& f) {
  const JsonValue* deps = Member(f.definition, "dependencies");
  if (!deps || !deps->IsArray()) return;
  for (const auto& d : deps->GetArray()) {
    if (!d.IsString() || f.dependency_groups.count(d.GetString())) continue;
    std::string group = "unknown";
    try {
      Json t = q.Task(d.GetString());
      group = GetString(t, "taskGroupId").value_or("unknown");
    } catch (const TcError& e) {
      if (!e.is_not_found()) throw;
      group = "expired";
    }
    f.dependency_groups[d.GetString()] = group;
  }
}

}  // namespace tc

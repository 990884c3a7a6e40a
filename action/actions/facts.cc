#include "actions/facts.h"

#include <stdexcept>

#include "actions/context.h"

namespace tc {

const TaskFacts& Facts::Task(const std::string& task_id) const {
  auto it = tasks.find(task_id);
  if (it == tasks.end()) throw std::logic_error("facts: task " + task_id + " was not loaded");
  return it->second;
}

const TaskFacts& Facts::Target(const Context& ctx) const {
  if (!ctx.task_id) throw std::logic_error("facts: a group action has no target task");
  return Task(*ctx.task_id);
}

TaskState Facts::StateOf(const std::string& task_id) const {
  if (auto t = tasks.find(task_id); t != tasks.end()) return t->second.view().state();
  auto s = statuses.find(task_id);
  if (s == statuses.end()) return TaskState::kUnknown;
  if (s->second.IsNull()) return TaskState::kMissing;
  return TaskView(nullptr, &s->second).state();
}

FactRequest FactRequest::Missing(const Facts& known) const {
  FactRequest m;
  for (const auto& t : tasks) {
    auto s = known.statuses.find(t.task_id);
    const bool recorded_missing = s != known.statuses.end() && s->second.IsNull();
    if (!known.tasks.count(t.task_id) && !recorded_missing) m.tasks.push_back(t);
  }
  for (const auto& id : dependents_of) {
    auto it = known.tasks.find(id);
    if (it == known.tasks.end() || !it->second.dependents_loaded) m.dependents_of.push_back(id);
  }
  for (const auto& id : dependency_groups_of) {
    auto it = known.tasks.find(id);
    if (it == known.tasks.end() || !it->second.dependency_groups_loaded) m.dependency_groups_of.push_back(id);
  }
  for (const auto& id : statuses)
    if (!known.statuses.count(id) && !known.tasks.count(id)) m.statuses.push_back(id);
  m.group_tasks = group_tasks && !known.group_tasks_loaded;
  m.action_created = action_created && !known.action_created_ms;
  m.parameters = parameters && !known.parameters;
  m.push = push && !known.push && known.push_note.empty();
  m.push_optional = push_optional;
  for (const auto& path : index_paths)
    if (!known.indexed.count(path)) m.index_paths.push_back(path);
  m.current_scopes = current_scopes && !known.current_scopes && known.scopes_unavailable.empty();
  return m;
}

bool FactRequest::empty() const {
  return tasks.empty() && dependents_of.empty() && dependency_groups_of.empty() && statuses.empty() && !group_tasks &&
         !action_created && !parameters && !push && index_paths.empty() &&
         !current_scopes;
}

}  // namespace tc

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
  m.task_graph = task_graph && !known.task_graph;
  m.label_to_taskid = label_to_taskid && !known.label_to_taskid;
  m.action_created = action_created && !known.action_created_ms;
  return m;
}

bool FactRequest::empty() const {
  return tasks.empty() && dependents_of.empty() && dependency_groups_of.empty() && statuses.empty() && !group_tasks &&
         !task_graph && !label_to_taskid && !action_created;
}

}  // namespace tc

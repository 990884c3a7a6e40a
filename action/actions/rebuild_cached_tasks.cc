// rebuild-cached-tasks (permission rebuild-cached-tasks): every task of the
// push's full graph with attributes.cached_task is created anew, wired to
// each other, without reusing what the index holds (they are all requested,
// so none is replaced; create_tasks.h).
#include <fmt/format.h>

#include "actions/actions.h"
#include "actions/create_tasks.h"

namespace tc {

namespace {
std::vector<std::string> CachedLabels(const Push& push) {
  std::vector<std::string> out;
  for (const auto& e : push.full_graph->entries())
    if (e.cached_task) out.push_back(e.key);
  return out;
}
}  // namespace

FactRequest RebuildCachedTasksNeeds(const Context&, const Facts& known, int64_t) {
  FactRequest r;
  r.push = true;
  if (r.Missing(known).empty()) r.index_paths = IndexPathsFor(*known.push, CachedLabels(*known.push), "cached tasks");
  return r;
}

Plan PlanRebuildCachedTasks(const Context& ctx, const Facts& facts, int64_t now_ms) {
  Plan plan;
  const std::vector<std::string> labels = CachedLabels(*facts.push);
  if (labels.empty()) {
    plan.notes.push_back("the push's full graph has no cached task (attributes.cached_task); nothing to rebuild");
    return plan;
  }
  PlanCreateTasks(plan, ctx, facts, {labels, "0"}, now_ms);
  plan.notes.push_back(fmt::format("rebuild-cached-tasks: {} cached task(s) rebuilt", labels.size()));
  return plan;
}

}  // namespace tc

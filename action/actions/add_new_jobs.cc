// add-new-jobs {tasks: [label...], times} (Treeherder's "Add new jobs" and
// "Add new jobs (Search)"): every label must be in the push's full graph;
// each is created `times` times, with the dependencies it needs, as
// taskgraph's create_tasks does (create_tasks.h).
#include <fmt/format.h>

#include "actions/actions.h"
#include "actions/create_tasks.h"

namespace tc {

namespace {
std::vector<std::string> Labels(const Context& ctx) { return StringsOf(Member(ctx.input, "tasks")); }
}  // namespace

FactRequest AddNewJobsNeeds(const Context& ctx, const Facts& known, int64_t) {
  FactRequest r;
  r.push = true;
  if (r.Missing(known).empty()) r.index_paths = IndexPathsFor(*known.push, Labels(ctx), "ACTION_INPUT.tasks");
  return r;
}

Plan PlanAddNewJobs(const Context& ctx, const Facts& facts, int64_t now_ms) {
  Plan plan;
  const std::vector<std::string> labels = Labels(ctx);
  const int64_t times = GetInt(ctx.input, "times").value_or(1);
  for (int64_t i = 0; i < times; ++i) PlanCreateTasks(plan, ctx, facts, {labels, std::to_string(i)}, now_ms);
  plan.notes.push_back(fmt::format("add-new-jobs: {} label(s) added {} time(s)", labels.size(), times));
  return plan;
}

}  // namespace tc

#include "actions/preflight.h"

#include <fmt/format.h>

#include "actions/scopes.h"
#include "core/error.h"

namespace tc {

namespace {

// The status the facts hold for a task: its own, a listed one, a group
// member's or a dependent's.
const JsonValue* StatusOf(const Facts& facts, const std::string& id) {
  if (auto t = facts.tasks.find(id); t != facts.tasks.end()) return &t->second.status;
  if (auto s = facts.statuses.find(id); s != facts.statuses.end() && !s->second.IsNull()) return &s->second;
  auto in = [&](const std::vector<Json>& entries) -> const JsonValue* {
    for (const auto& e : entries) {
      const JsonValue* st = Member(e, "status");
      if (st && GetString(*st, "taskId") == id) return st;
    }
    return nullptr;
  };
  if (const JsonValue* st = in(facts.group_tasks)) return st;
  for (const auto& [tid, t] : facts.tasks)
    if (const JsonValue* st = in(t.dependents)) return st;
  return nullptr;
}

}  // namespace

bool Mutates(const Plan& plan) {
  for (const auto& op : plan.ops)
    if (op.status == OpStatus::kPlanned) return true;
  return false;
}

void PreflightScopes(Plan& plan, const Facts& facts) {
  if (!Mutates(plan)) return;
  if (!facts.current_scopes) {
    plan.notes.push_back("scope preflight not done (" + facts.scopes_unavailable +
                         "); the queue checks the scopes of each call");
    return;
  }
  std::vector<ScopeNeed> needs;
  for (const auto& op : plan.ops) {
    if (op.status != OpStatus::kPlanned) continue;
    if (op.kind == OpKind::kCreate) {
      for (auto& n : CreateTaskScopes(op.task_id, op.definition)) needs.push_back(std::move(n));
    } else if (const JsonValue* st = StatusOf(facts, op.task_id)) {
      needs.push_back(RerunOrCancelScopes(op.kind, op.task_id, *st));
    }
  }
  auto missing = Unsatisfied(*facts.current_scopes, needs);
  if (missing.empty()) return;
  throw Refused(fmt::format("the action task's scopes do not allow what the plan needs ({} of {} calls' scopes "
                            "missing): {}; nothing was changed",
                            missing.size(), needs.size(), DescribeNeeds(missing)));
}

}  // namespace tc

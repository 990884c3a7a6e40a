// `tc-action advise --task ID [--json]`: the rerun-vs-retrigger guide's
// decision table, executable. From a task, its status, its dependencies and
// its dependents, which action fits, why (citing the guide's scenario), and
// the exact trigger command.
#pragma once
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "core/json.h"
#include "actions/policy.h"
#include "taskcluster/queue.h"

namespace tc {

struct DependencyInfo {
  std::string task_id, label, kind, state, task_group_id;
};

struct Advice {
  std::string action;  // rerun | retrigger | retrigger-disabled | rerun-dependents | rerun-sequence | nothing
  Json input;          // the action's input ({} when none)
  std::string scenario;
  std::string reason;
  std::string command;  // the exact `tc-action trigger ...` line ("" for nothing)
};

// Pure: the decision. facts must have its dependents loaded.
Advice Advise(const TaskFacts& facts, const std::vector<DependencyInfo>& dependencies, int64_t now_ms);
Json AdviceJson(const Advice& a);

// The command: reads the queue (TASKCLUSTER_* env), prints text or --json.
int AdviseCommand(Queue& q, const std::string& task_id, bool json, std::ostream& out, std::ostream& err);

}  // namespace tc

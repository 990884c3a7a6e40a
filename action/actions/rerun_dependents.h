// rerun-dependents ("release tasks with broken dependencies: cancel + rerun"):
// for a failed task X, each waiting (unscheduled) direct dependent whose
// other dependencies all completed and which does not consume X's artifacts
// is canceled, then rerun, so it runs without X. `advise` recommends the
// action from the same verdicts, so it never recommends what `run` refuses.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "actions/facts.h"

namespace tc {

// The verdict on one dependent of X.
struct DependentVerdict {
  std::string task_id, label;
  TaskState state = TaskState::kUnknown;
  // Canceled by an earlier run of this action task (since action_created_ms):
  // it only needs its rerun.
  bool resumed = false;
  bool waiting = false;  // unscheduled, or resumed
  std::string refusal;   // why it cannot run without X ("" when it can, or when it is not waiting)
  std::string checked;   // what was checked, for the report

  bool runnable() const { return waiting && refusal.empty(); }
};

// X's dependents (loaded) judged with the states of their other dependencies
// (facts.statuses / facts.tasks).
std::vector<DependentVerdict> JudgeDependents(const TaskFacts& x, const Facts& facts, int64_t action_created_ms);
// The other dependencies whose states JudgeDependents needs.
std::vector<std::string> OtherDependencies(const TaskFacts& x);

}  // namespace tc

// Hand-built facts for the planners and advise (actions/facts.h), with no
// queue at all: a world of task definitions and statuses in memory, and an
// answer to a FactRequest read from it as run/facts_reader reads the queue
// (definitions, statuses, dependents, dependency groups, the group's tasks,
// the decision's graph artifacts, the action task's creation time).
//
// Time is fixed: kNow. Statuses are made from a state the way the queue
// reports them (runs with scheduled/started/resolved times; the deadline is
// the definition's).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actions/context.h"
#include "actions/facts.h"
#include "actions/registry.h"
#include "core/json.h"

namespace tctest {

// 2023-11-14T22:13:20.000Z
inline constexpr int64_t kNow = 1700000000000LL;

// queue.status(taskId).status for a task in `state` with `runs` runs (all
// but the last failed; unscheduled has none), each scheduled an hour ago;
// resolved runs resolved a minute ago.
tc::Json MakeStatus(const std::string& task_id, const std::string& state, const std::string& deadline, int runs = 1);
// The latest run was created by a rerun at `at_ms`.
void MarkRerun(tc::Json& status, int64_t at_ms);
// The latest run was canceled at `at_ms` (the task is exception; an
// unscheduled task gets its first run so).
void MarkCanceled(tc::Json& status, int64_t at_ms);

class FactsWorld {
 public:
  FactsWorld();

  std::string group;        // the decision task's taskId (not itself a task of the world)
  std::string action_task;  // TASK_ID
  // when the action task was created (action_created facts); unset: now
  std::optional<int64_t> action_created_ms;

  struct Task {
    tc::Json def, status;
  };
  std::map<std::string, Task> tasks;
  std::shared_ptr<const tc::TaskGraph> graph;  // task-graph.json (null: not published)
  std::optional<tc::LabelToTaskId> label_to_taskid;

  // A task of the group (TaskDef: created age_ms before kNow, deadline a day
  // after creation) in `state`. Returns its taskId.
  std::string Add(const std::string& state, bool retrigger = true, const std::string& label = "test-linux64/opt-1",
                  int64_t age_ms = 3600 * 1000, int runs = 1);
  // A task with this definition (its deadline read from it).
  std::string AddDef(const std::string& state, tc::Json def, int runs = 1);
  tc::Json& Def(const std::string& id) { return tasks.at(id).def; }
  tc::Json& Status(const std::string& id) { return tasks.at(id).status; }
  // def.dependencies += deps.
  void DependOn(const std::string& id, const std::vector<std::string>& deps);
  // def.payload.upstreamArtifacts names `upstream` (id consumes its artifacts).
  void Consume(const std::string& id, const std::string& upstream);
  // task-graph.json and label-to-taskid.json of every task so far, in the
  // order given (retrigger attribute = tags.retrigger).
  void PublishGraph(const std::vector<std::string>& ids);

  // The context `tc-action run` would get (input validated, defaults applied).
  tc::Context Ctx(const std::string& action, const std::optional<std::string>& task_id,
                  const std::string& input = "{}") const;

  // Loads what `r` asks for into `facts` (what is known is not read again);
  // a required task the world lacks is bad input, as the reader has it.
  void Load(const tc::FactRequest& r, tc::Facts& facts, int64_t now_ms = kNow) const;
  // The target task (task actions) loaded, then the action's needs asked
  // and answered until it asks for nothing more. What each round read (the
  // part of the request not known yet) is appended to *requests. Throws
  // what needs (or the reading) throws.
  tc::Facts Gather(const tc::Context& ctx, int64_t now_ms = kNow,
                   std::vector<tc::FactRequest>* requests = nullptr) const;
  // Gather, then the action's planner.
  tc::Plan PlanAction(const tc::Context& ctx, int64_t now_ms = kNow) const;
  // AdviseNeeds answered until satisfied.
  tc::Facts GatherAdvice(const std::string& task_id) const;
};

// The plan invariants (actions/plan.h): every op's taskId is a slugid,
// `after` names only earlier ops, every create op's definition validates
// against Taskcluster's create-task-request schema. "" when they hold, else
// the first violation.
std::string PlanViolation(const tc::Plan& plan);

}  // namespace tctest

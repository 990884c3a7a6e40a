// Hand-built facts for the planners and advise (actions/facts.h), with no
// queue at all: a world of task definitions and statuses in memory, and an
// answer to a FactRequest read from it as run/facts_reader reads the queue
// (definitions, statuses, dependents, dependency groups, the group's tasks,
// the push: the decision's parameters, full graph and label map merged with
// those of earlier actions; index-search hits, the action task's scopes and
// creation time). Like ReadFacts, Gather checks an action's permission
// (actions/permission.h) before its needs.
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
#include "task_graph.h"

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

  // The push: what the decision (taskId `group`) published. Its full graph
  // holds the labels added with AddToPush/AddLabel; `published` says which
  // artifacts exist (all by default: a real decision publishes them).
  DecisionGraph push;
  DecisionGraph::Artifacts published;
  // Earlier action/cron tasks of the push, with their label-to-taskid.json
  // (merged after the decision's, oldest first, as the reader merges them).
  struct Earlier {
    std::string task_id;
    int64_t created_ms = 0;
    std::map<std::string, std::string> labels;
  };
  std::vector<Earlier> earlier;
  // index-search: the task indexed at a path (absent: nothing indexed).
  std::map<std::string, tc::IndexedTask> index;
  // auth.currentScopes of the action task; unset: unreadable (scopes_unavailable says why).
  std::optional<std::vector<std::string>> current_scopes = std::vector<std::string>{"*"};
  std::string scopes_unavailable;

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
  // The tasks' labels in the push's full graph, each scheduled as that task
  // (label-to-taskid.json), in the order given (dependencies first;
  // attributes.retrigger = tags.retrigger unless `o` says otherwise).
  void PublishGraph(const std::vector<std::string>& ids, const EntryOptions& o = {});
  void AddToPush(const std::string& id, const EntryOptions& o = {});
  // A label in the full graph with no task in the push (def: TaskDef-like;
  // its dependencies name tasks of the push).
  void AddLabel(const tc::Json& def, const EntryOptions& o = {});
  // The Push the reader would build from the published artifacts (throws as
  // the reader does when one is missing and not optional).
  tc::Push ReadPush() const;

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

 private:
  // parameters and the push of a request (what it asks and is missing).
  void LoadPush(const tc::FactRequest& m, tc::Facts& facts) const;
};

// The plan invariants (actions/plan.h): every op's taskId is a slugid,
// `after` names only earlier ops, every create op's definition validates
// against Taskcluster's create-task-request schema. "" when they hold, else
// the first violation.
std::string PlanViolation(const tc::Plan& plan);

}  // namespace tctest

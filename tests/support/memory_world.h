// An in-process world for `tc-action run` (tc::RunAction) over the
// in-memory queue: a task group (its decision task completed), a running
// action task, and a Queue that forwards to the MemoryQueue and counts the
// mutating calls. No HTTP, no subprocess.
#pragma once
#include <map>
#include <memory>
#include <string>

#include "core/json.h"
#include "emulator/queue_memory.h"
#include "taskcluster/queue.h"

namespace tctest {

// Mutating calls that reached the queue.
struct Counts {
  int mutations = 0, creates = 0, reruns = 0, cancels = 0;
};

// Forwards to a MemoryQueue and counts the mutating calls.
class CountingQueue : public tc::Queue {
 public:
  CountingQueue(tc::MemoryQueue& q, Counts& c) : q_(q), c_(c) {}
  tc::Json Task(const std::string& id) override;
  tc::Json Status(const std::string& id) override;
  tc::Json CreateTask(const std::string& id, const tc::JsonValue& d) override;
  tc::Json RerunTask(const std::string& id) override;
  tc::Json CancelTask(const std::string& id) override;
  tc::Json ListTaskGroup(const std::string& g, const tc::Page& p) override;
  tc::Json ListDependentTasks(const std::string& t, const tc::Page& p) override;
  std::string GetLatestArtifact(const std::string& t, const std::string& n) override;

 private:
  tc::MemoryQueue& q_;
  Counts& c_;
};

struct MemoryWorld {
  tc::MemoryQueue q;
  std::string group;        // the decision task's taskId
  std::string action_task;  // TASK_ID of the runs
  std::string dir;          // --artifacts (removed at the end)
  Counts counts;
  std::string out, err;     // of the last run

  MemoryWorld();
  ~MemoryWorld();

  // A task of the group (TaskDef, or `def`) in `state`.
  std::string Seed(const std::string& state, bool retrigger = true, tc::Json def = tc::Json());
  // The ACTION_* variables and TASK_ID of a run.
  std::map<std::string, std::string> Env(const std::string& action, const std::string& task_json,
                                         const std::string& input = "{}") const;
  // tc::RunAction with `env`, the queue's clock; the exit status.
  int Run(const std::map<std::string, std::string>& env, bool dry_run = false, const std::string& context_file = "");
  int RunOn(const std::string& action, const std::string& task_id, const std::string& input = "{}");
  tc::Json Report() const;
  std::string State(const std::string& id);
};

}  // namespace tctest

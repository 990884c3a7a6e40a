// An in-process world for `tc-action run` (tc::RunAction) over the
// in-memory services: a MemoryQueue (wrapped to count the mutating calls),
// the emulator's index (tasks indexed by their routes when they complete)
// and an auth service answering currentScopes with a fixed list. A push
// (task_graph.h: the decision task, completed, indexed, with its artifacts)
// and a running action task. No HTTP, no subprocess.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/json.h"
#include "emulator/index.h"
#include "emulator/queue_memory.h"
#include "task_graph.h"
#include "taskcluster/auth.h"
#include "taskcluster/index.h"
#include "taskcluster/queue.h"
#include "taskcluster/services.h"

namespace tctest {

// Mutating calls that reached the queue, and the batched reads.
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

// tc::Index over the emulator's in-memory index (findTasksAtIndex: one
// findTask per path, one page).
class MemoryIndex : public tc::Index {
 public:
  MemoryIndex(tc::emu::IndexService& index, int page_size) : index_(index), page_size_(page_size) {}
  tc::Json FindTask(const std::string& path) override;
  tc::Json ListTasks(const std::string& ns, const tc::Page& page) override;
  tc::Json FindTasksAtIndex(const std::vector<std::string>& paths, const tc::Page& page) override;

 private:
  tc::emu::IndexService& index_;
  int page_size_;
};

// tc::Auth answering currentScopes with `scopes` (expandScopes: unchanged).
class FixedAuth : public tc::Auth {
 public:
  explicit FixedAuth(std::vector<std::string> scopes) : scopes_(std::move(scopes)) {}
  tc::Json CurrentScopes() override;
  tc::Json ExpandScopes(const std::vector<std::string>& scopes) override;

 private:
  std::vector<std::string> scopes_;
};

struct MemoryWorld {
  tc::MemoryQueue q;
  tc::emu::IndexService index{[this] { return q.NowMs(); }};
  std::string group;        // the decision task's taskId
  std::string action_task;  // TASK_ID of the runs
  std::string dir;          // --artifacts (removed at the end)
  DecisionGraph push;       // what the decision published (Seed adds to it)
  Counts counts;
  std::string out, err;     // of the last run
  // The action task's scopes (auth.currentScopes); empty optional: no auth
  // service at all (the permission check refuses, the preflight is a note).
  std::optional<std::vector<std::string>> scopes = std::vector<std::string>{"*"};
  bool with_index = true;   // false: no index service (the decision is the task group)
  int index_page_size = 1000;

  MemoryWorld();
  ~MemoryWorld();

  // A task of the group (TaskDef, or `def`) in `state`; its label enters the
  // push (full graph and label-to-taskid.json) unless it is there already.
  std::string Seed(const std::string& state, bool retrigger = true, tc::Json def = tc::Json());
  // Publishes the push's artifacts again (after adding to `push` directly).
  void Publish() { push.Publish(q); }
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

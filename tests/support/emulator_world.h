// End-to-end worlds: `tc-action` run as a subprocess against an in-process
// emulator over HTTP. One world = an emulator with its clients, a push (the
// decision task, completed and indexed, with what a decision publishes:
// parameters.yml, full-task-graph.json, task-graph.json,
// label-to-taskid.json; task_graph.h) and a running action task; tests seed
// tasks into it, run actions and read the emulator's journal and queue.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/json.h"
#include "emulator/emulator.h"
#include "process_util.h"
#include "task_graph.h"
#include "tc_action.h"

namespace tctest {

// The scopes an in-tree action hook grants its action task for TaskDef's
// tasks (schedulerId gecko-level-3, proj-gecko queues).
std::vector<std::string> ActionHookScopes();

struct WorldClient {
  std::string id, token;
  std::vector<std::string> scopes;
};

struct WorldRole {
  std::string id;
  std::vector<std::string> scopes;
};

struct EmulatorWorldOptions {
  std::vector<WorldClient> clients;
  std::vector<WorldRole> roles;       // assume:<id> grants these (the auth service's rules)
  std::string run_client;             // the client `Run` uses; "" = the first client
  std::optional<int> page_size;       // the queue's page size (unset: the emulator's default)
  std::string proxy_client_id;        // non-empty: a taskcluster-proxy listener acting as this client
  std::string decision_label;         // the decision task's label ("": "Gecko Decision Task")
  std::string decision_kind;          // the decision task's tags.kind ("": decision-task)
  PushParameters params;              // the push's parameters.yml
  bool publish_push = true;           // false: the decision publishes no artifact at all
};

class EmulatorWorld {
 public:
  explicit EmulatorWorld(const EmulatorWorldOptions& o);
  virtual ~EmulatorWorld();
  EmulatorWorld(const EmulatorWorld&) = delete;
  EmulatorWorld& operator=(const EmulatorWorld&) = delete;

  std::unique_ptr<tc::Emulator> emu;
  std::string group;        // the decision task's taskId
  std::string action_task;  // TASK_ID of the runs
  std::string dir;          // --artifacts (removed at the end)
  // TASKCLUSTER_ROOT_URL, TASKCLUSTER_CLIENT_ID, TASKCLUSTER_ACCESS_TOKEN of the run client.
  std::map<std::string, std::string> creds;
  // The push; Seed adds to it; after changing it directly, Publish().
  DecisionGraph push;
  bool publish_push = true;

  tc::MemoryQueue& queue() { return emu->queue(); }
  // A task of the group (TaskDef) in `state`, created age_ms ago; its label
  // enters the push (full graph, label-to-taskid.json) unless it is there.
  std::string Seed(const std::string& state, bool retrigger = true, int64_t age_ms = 3600 * 1000,
                   const std::string& label = "test-linux64/opt-mochitest-1");
  // Seeds `def` in `state` and adds its label to the push (entry options o).
  std::string SeedInPush(const tc::Json& def, const std::string& state, const EntryOptions& o = {});
  // Publishes the push's artifacts on the decision task (which ones: `which`).
  void Publish(const DecisionGraph::Artifacts& which = {});

  // `tc-action run --artifacts dir [args]` with creds and the action's
  // variables; `extra` overrides them ("<unset>" removes one).
  ProcResult Run(const std::string& action, const std::string& task_json, const std::string& input,
                 const std::map<std::string, std::string>& extra = {}, const std::vector<std::string>& args = {});
  ProcResult RunOn(const std::string& action, const std::string& id, const std::string& input = "{}",
                   const std::map<std::string, std::string>& extra = {});

  // From the journal: committed mutating requests (all, or by method and a
  // path fragment), distinct paths among them (a replayed request counts
  // once), mutating requests whether committed or not.
  int Committed() const;
  int Committed(const std::string& method, const std::string& fragment) const;
  size_t CommittedDistinct(const std::string& method, const std::string& fragment) const;
  int Mutating() const;
  // Committed mutating calls in order, as "POST <taskId>/rerun", "PUT <taskId>".
  std::vector<std::string> Mutations() const;

  tc::Json Report() const;  // report.json of the last run
  tc::Json Status(const std::string& id) { return queue().Status(id); }
  std::string State(const std::string& id);
  size_t Runs(const std::string& id);
  size_t TaskCount() { return queue().TaskIds().size(); }
  std::set<std::string> Ids();
};

}  // namespace tctest

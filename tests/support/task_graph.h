// What a decision task publishes for its push, built from the task
// definitions a test seeds, as taskgraph writes it:
//   public/parameters.yml        the push's parameters (project, level,
//                                repositories, head_rev, pushlog_id...)
//   public/full-task-graph.json  label -> {label, kind, attributes,
//                                dependencies (name -> label),
//                                soft_dependencies, if_dependencies,
//                                optimization, task}: the task with
//                                {task-reference} / {artifact-reference} /
//                                {relative-datestamp} placeholders, no
//                                taskGroupId, schedulerId or dependencies
//   public/task-graph.json       taskId -> the same with dependencies
//                                name -> taskId and the definition sent
//   public/label-to-taskid.json  label -> taskId of what was scheduled
//   public/target-tasks.json     the scheduled labels
// and the decision task itself: schedulerId "<trust-domain>-level-<n>",
// tags.kind decision-task, indexed (route) under the push's decision path.
// Earlier action and cron tasks of the push: SeedEarlierTask.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/json.h"
#include "emulator/queue_memory.h"

namespace tctest {

// parameters.yml of the push (the defaults: an hg project at level 3).
struct PushParameters {
  std::string trust_domain = "gecko";
  std::string project = "autoland";
  std::string level = "3";
  std::string repository_type = "hg";
  std::string head_repository = "https://hg.mozilla.org/integration/autoland";
  std::string base_repository = "https://hg.mozilla.org/mozilla-central";
  std::string head_rev = "abcdef0123456789abcdef0123456789abcdef01";
  std::string pushlog_id = "12345";

  std::string Yaml() const;
  std::string SchedulerId() const { return trust_domain + "-level-" + level; }
  // "repo:hg.mozilla.org/integration/autoland" (what taskgraph derives from head_repository).
  std::string RolePrefix() const;
  // hg: <td>.v2.<project>.pushlog-id.<id>.decision; git: <td>.v2.<project>.revision.<rev>.taskgraph.decision
  std::string DecisionIndexPath() const;
  std::string PushlogActions() const;  // <td>.v2.<project>.pushlog-id.<id>.actions
  std::string RevisionActions() const;  // <td>.v2.<project>.revision.<rev>.actions
  std::string Cron() const;             // <td>.v2.<project>.revision.<rev>.cron
};

// How a definition becomes its label's full-graph entry.
struct EntryOptions {
  std::string kind;  // "": the definition's tags.kind
  // attributes.retrigger; unset: true when tags.retrigger == "true", else absent
  std::optional<bool> retrigger;
  tc::Json attributes;                         // more attributes (an object; null: none)
  std::vector<std::string> soft_dependencies;  // labels
  std::vector<std::string> index_paths;        // optimization {"index-search": [...]}
  bool no_retrigger_attribute = false;         // no attributes.retrigger at all (the tag decides)
};

class DecisionGraph {
 public:
  DecisionGraph(std::string decision_task_id, PushParameters params = {});

  std::string decision;  // the decision task's taskId (the push's task group)
  PushParameters params;

  // The label of `def` (tags.label, else metadata.name) enters the full
  // graph, made from the definition as taskgraph's full graph holds it:
  // dependencies that are tasks of the push become named edges (d0, d1...;
  // in def order) to their labels, and the strings naming them
  // {task-reference} placeholders ("<d0>"; artifact URLs
  // .../api/queue/v1/task/<id>/artifacts/<path> {artifact-reference}
  // "<d0/path>"); the decision's taskId becomes "<decision>" (extra.parent
  // stays literal, as taskgraph writes it); other dependencies stay literal
  // in task.dependencies; timestamps become relative-datestamps from
  // `created`; taskGroupId, schedulerId and taskQueueId are dropped.
  // task_id: the task the decision scheduled for it (recorded in
  // label-to-taskid.json and task-graph.json), or "" for a label that is in
  // the full graph only. Throws std::logic_error for a label already there.
  void Add(const std::string& task_id, const tc::JsonValue& def, const EntryOptions& o = {});
  // Records a task of another push (an earlier release phase) under its
  // label: later labels can depend on it by name; it is in no artifact.
  void Known(const std::string& task_id, const std::string& label) { label_of_[task_id] = label; }
  bool Has(const std::string& label) const { return entries_.count(label) > 0; }
  const tc::Json& Entry(const std::string& label) const { return entries_.at(label); }
  tc::Json& MutableEntry(const std::string& label) { return entries_.at(label); }
  // The scheduled label -> taskId pairs.
  const std::map<std::string, std::string>& labels() const { return label_to_taskid_; }

  std::string FullTaskGraph() const;
  std::string TaskGraph() const;
  std::string LabelToTaskId() const;
  std::string TargetTasks() const;

  // The decision task's definition: TaskDef's shape, created age_ms before
  // now_ms, label "Gecko Decision Task", tags.kind decision-task, schedulerId
  // <td>-level-<n>, routes index.<DecisionIndexPath> (and a treeherder route).
  tc::Json DecisionDefinition(int64_t now_ms, int64_t age_ms = 3600 * 1000) const;

  // Which artifacts Publish writes.
  struct Artifacts {
    bool parameters = true, full_graph = true, task_graph = true, label_to_taskid = true;
  };
  // Puts the artifacts on the decision task of q (which must have a run);
  // the graphs gzip-encoded, as the real decision uploads them.
  void Publish(tc::MemoryQueue& q, const Artifacts& which) const;
  void Publish(tc::MemoryQueue& q) const { Publish(q, Artifacts{}); }

 private:
  std::vector<std::string> order_;  // labels in insertion order
  std::map<std::string, tc::Json> entries_;
  std::map<std::string, std::string> label_to_taskid_;
  std::map<std::string, std::string> label_of_;  // taskId -> label, every task added
  std::vector<std::pair<std::string, tc::Json>> task_graph_;  // taskId -> entry
};

// An earlier action (or cron) task of the push: completed, created age_ms
// before now, in the decision's task group (cron: its own), indexed under
// each of `namespaces` as <namespace>.<taskId> (its routes), with
// taskgraph's artifacts: label-to-taskid.json (the pairs given),
// task-graph.json and to-run.json. Returns its taskId.
std::string SeedEarlierTask(tc::MemoryQueue& q, const DecisionGraph& d, int64_t age_ms,
                            const std::map<std::string, std::string>& label_to_taskid,
                            const std::vector<std::string>& namespaces, const std::string& kind = "action-callback");

// A small release-shaped push, seeded into q (its decision d.decision,
// already seeded), added to d and published:
//   X toolchain (completed, outside the downstream closure)
//   B build-linux64 (completed, retriggerable) <- X
//   S build-signing-linux64 (completed; upstreamArtifacts name B) <- B
//   M beetmover-linux64 (completed; upstreamArtifacts name S, env URL names B) <- S, B
//   T test-linux64-mochitest-1 (failed, retriggerable) <- B
//   R release-signing (failed, not retriggerable) <- B
struct ReleaseGraph {
  std::string X, B, S, M, T, R;
};
ReleaseGraph SeedReleaseGraph(tc::MemoryQueue& q, DecisionGraph& d);

}  // namespace tctest

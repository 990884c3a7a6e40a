// The push an action belongs to, as taskgraph's fetch_graph_and_labels reads
// it (actions/util.py): the decision task (found through the index), the
// push's parameters, its full task graph, and the label -> taskId maps of the
// decision task and of every earlier action and cron task of the push,
// merged.
//
// Where tc-action differs from taskgraph on purpose (README "Differences from
// taskgraph"): the maps are merged in a deterministic order (oldest task
// first, a later task's entry wins; taskgraph merges in the order its fetch
// threads finish), every taskId ever recorded for a label is kept (the last
// is the current one), and an earlier action or cron task that published no
// label-to-taskid.json is skipped with a note instead of failing the action.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "actions/graph.h"
#include "core/json.h"

namespace tc {

// label -> every taskId recorded for it, oldest first.
using LabelTasks = std::unordered_map<std::string, std::vector<std::string>>;

struct Push {
  std::string decision_task_id;  // found in the index, else ACTION_TASK_GROUP_ID
  std::string trust_domain;
  Json parameters;  // public/parameters.yml of ACTION_TASK_GROUP_ID (as taskgraph reads them)
  std::shared_ptr<const TaskGraph> full_graph;  // public/full-task-graph.json, keyed by label
  LabelTasks labels;
  std::vector<std::string> sources;  // taskIds whose label-to-taskid.json were merged, in merge order
  std::vector<std::string> notes;    // what was left out, and why

  // The current taskId of a label (the last recorded), or nullptr.
  const std::string* Current(const std::string& label) const;
  // "<trust-domain>-level-<level>": the schedulerId of the tasks an action creates.
  std::string SchedulerId() const;
};

// A string parameter ("" when absent and not required; numbers as text).
// Throws BadInput naming parameters.<name>.
std::string ParameterString(const JsonValue& parameters, const char* name, bool required);

// The index path of the push's decision task: hg
// <td>.v2.<project>.pushlog-id.<pushlog_id>.decision, git
// <td>.v2.<project>.revision.<head_rev>.taskgraph.decision.
std::string DecisionIndexPath(const std::string& trust_domain, const JsonValue& parameters);
// The namespaces earlier action tasks of the push are indexed under.
std::vector<std::string> ActionNamespaces(const std::string& trust_domain, const JsonValue& parameters);
// The namespace the push's cron tasks are indexed under.
std::string CronNamespace(const std::string& trust_domain, const JsonValue& parameters);
// The trust domain from the decision task's definition: its schedulerId
// "<td>-level-<n>", else an index route "index.<td>.v2....". "" when neither says.
std::string TrustDomainOf(const JsonValue& decision_definition);

// Adds a source's label -> taskId map (sources must come oldest first).
void MergeLabels(Push& push, const std::string& source_task_id,
                 const std::unordered_map<std::string, std::string>& label_to_taskid);

}  // namespace tc

// The action context: which action, on which task of which group, with what
// input, run by which action task. Built from the variables an in-tree action
// hook sets (TASK_ID, ACTION_TASK_GROUP_ID, ACTION_TASK_ID, ACTION_INPUT,
// ACTION_CALLBACK) or from a {"action","taskGroupId","taskId","input"}
// document (--context FILE; run/environment.h reads both).
//
// Invariant: a Context these functions return is valid: the action is in the
// registry, slugids are valid, the input is an object that validated against
// the action's input schema (top-level defaults applied), and task_id is set
// for task actions. ACTION_INPUT null is {} for an action whose input schema
// declares no property (taskgraph's schema-less actions: cancel, cancel-all,
// rebuild-cached-tasks, retrigger-decision; their hooks pass null). Anything else throws BadInput naming the variable or
// field.
#pragma once
#include <functional>
#include <optional>
#include <string>

#include "core/json.h"

namespace tc {

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

struct Context {
  std::string action;                  // ACTION_CALLBACK (a cb_name of the registry)
  std::string task_group_id;           // ACTION_TASK_GROUP_ID
  std::optional<std::string> task_id;  // ACTION_TASK_ID (null for group actions)
  Json input;                          // ACTION_INPUT, defaults applied
  std::string action_task_id;          // TASK_ID
  // Where the action runs (TASKCLUSTER_ROOT_URL, TASKCLUSTER_PROXY_URL): the
  // artifact URLs of {artifact-reference} placeholders are built from them.
  std::string root_url, proxy_url;
  // TC_ACTION_TRUST_DOMAIN: the push's trust domain when the decision task
  // does not tell it (its schedulerId "<td>-level-<n>" or index routes do).
  std::string trust_domain;

  bool Flag(const char* name) const;  // a boolean input field, false when absent
};

// From the ACTION_* variables (and TASK_ID).
Context ContextFromEnv(const EnvLookup& env);
// From a parsed {"action","taskGroupId","taskId","input"} document; errors
// name `source` (e.g. "context").
Context ContextFromJson(const JsonValue& doc, const std::string& action_task_id, const std::string& source);
// TASK_ID, checked (set, a slugid).
std::string ActionTaskIdFromEnv(const EnvLookup& env);
// Sets the context's root/proxy URLs and trust domain from the environment.
void AddEnvironment(Context& ctx, const EnvLookup& env);

}  // namespace tc

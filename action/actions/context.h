// The action context: which action, on which task of which group, with what
// input, run by which action task. Read from the environment an in-tree
// action hook sets (TASK_ID, ACTION_TASK_GROUP_ID, ACTION_TASK_ID,
// ACTION_INPUT, ACTION_CALLBACK) or from a --context file.
//
// Invariant: a Context that LoadContext returns is valid: slugids are valid,
// the input is an object that validated against the action's input schema,
// and task_id is set for task actions. Anything else throws BadInput naming
// the variable or field.
#pragma once
#include <functional>
#include <optional>
#include <string>

#include "core/json.h"

namespace tc {

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup ProcessEnv();

struct Context {
  std::string action;                  // ACTION_CALLBACK
  std::string task_group_id;           // ACTION_TASK_GROUP_ID
  std::optional<std::string> task_id;  // ACTION_TASK_ID (null for group actions)
  Json input;                          // ACTION_INPUT, defaults applied
  std::string action_task_id;          // TASK_ID
};

// The actions this program implements, with their kind.
struct ActionInfo {
  const char* name;
  bool needs_task;          // a task action (ACTION_TASK_ID required)
  const char* input_schema; // embedded schema name
};
const ActionInfo* FindAction(const std::string& name);
std::string KnownActionNames();  // "a, b, c" for messages

// Reads the context. context_file: the --context path, or empty for ACTION_*.
Context LoadContext(const EnvLookup& env, const std::string& context_file);
// Builds a context from a parsed {"action","taskGroupId","taskId","input"} document.
Context ContextFromJson(const JsonValue& doc, const std::string& action_task_id, const std::string& source);

}  // namespace tc

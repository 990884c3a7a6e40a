// `tc-action trigger` and `tc-action actions`: the automation side of
// actions, doing what the Taskcluster UI / Treeherder do when a user clicks an
// action: read the decision task's public/actions.json, pick the action for
// the task (by context), validate the input, render the hookPayload with
// JSON-e and call hooks.triggerHook.
//
// Rules (Taskcluster actions spec v1; treeherder's _filter_relevant_actions,
// taskcluster-ui's taskInContext):
//  * An action applies to a task when some tag-set of its `context` is a
//    subset of the task's tags; `context: []` marks a group action, offered
//    only when no task is given. A task action is never offered without a task.
//  * Actions are considered in the file's order; the first applicable entry of
//    each name wins (so `retrigger` on a task that is not retriggerable is
//    "Retrigger (disabled)").
//  * The input gets the schema's top-level defaults, then must validate; no
//    schema means input {}.
//  * Nothing is triggered unless every check passed.
#pragma once
#include <optional>
#include <ostream>
#include <string>

#include "core/json.h"
#include "taskcluster/queue.h"

namespace tc {

// Does the action's context accept a task with these tags (nullptr: no task)?
bool ActionApplies(const JsonValue& action, const JsonValue* task_tags);

// The applicable actions, first entry per name, in file order (array of
// copies of the actions.json entries).
Json RelevantActions(const JsonValue& actions_json, const JsonValue* task_tags);

// Why an action was not picked: unknown name (BadInput, exit 2) or known
// but not for this task (Refused, exit 1).
// Returns the chosen entry (a copy).
Json PickAction(const JsonValue& actions_json, const std::string& name, const JsonValue* task_tags,
                bool have_task);

// Applies the schema's top-level defaults to input and validates it; throws
// BadInput("input.<path>: ..."). No schema: input must be an object.
void PrepareInput(const JsonValue& action, Json& input);

// Renders action.hookPayload with actions_json.variables + {taskGroupId,
// taskId, input}; throws BadInput on a JSON-e error.
Json RenderHookPayload(const JsonValue& actions_json, const JsonValue& action, const std::string& task_group_id,
                       const std::optional<std::string>& task_id, const JsonValue& input);

struct TriggerOptions {
  std::string decision_task_id;
  std::optional<std::string> task_id;
  std::string action;           // the action name (as in actions.json `name`)
  std::string input_json;       // "" = {}
  bool dry_run = false;         // print the payload, trigger nothing
};

// Reads and validates public/actions.json (action-schema-v1, version 1).
Json FetchActionsJson(Queue& queue, const std::string& decision_task_id);

// `tc-action trigger`: prints the new action task's id on out; returns 0.
// Throws Refused (no such action for this task), BadInput (bad input, or a
// 4xx from Taskcluster) or TcError; the CLI maps them (core/error.h).
int TriggerCommand(const TriggerOptions& opts, Queue& queue, Hooks& hooks, std::ostream& out, std::ostream& err);

// `tc-action actions`: lists the applicable actions (title, name, kind,
// context, order, hook) as a table, or JSON with json = true.
// `tc-action actions` without --decision-task: the actions tc-action
// implements (the registry), as a table or as declarations JSON.
int RegistryCommand(bool json, std::ostream& out);

int ActionsCommand(const std::string& decision_task_id, const std::optional<std::string>& task_id, bool json,
                   Queue& queue, std::ostream& out, std::ostream& err);

}  // namespace tc

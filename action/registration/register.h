// `tc-action register`: the decision-task side of actions. Renders
// `public/actions.json` (version 1) from the action registry
// (actions/registry.h; or a declarations file given with --actions), the decision parameters and the project's
// .taskcluster.yml exactly as Firefox CI's decision tasks do (taskgraph
// actions/registry.py render_actions_json), and optionally the in-tree action
// hook definitions that go with it (fxci-config in_tree_actions.py make_hook).
//
// Invariants:
//  * The output validates against schemas/action-schema-v1.json (checked
//    before anything is written); keys are sorted (json.dump sort_keys).
//  * Actions are sorted by `order` (stable: the declaration order breaks ties).
//  * hookId = in-tree-action-<level>-<permission>/<first 10 hex of sha256 of
//    the .taskcluster.yml bytes>; hookGroupId = project-<trust domain>.
//  * Every declaration names an action this program implements (cb_name is a
//    known callback of `tc-action run`); bad declarations throw BadInput
//    naming the field.
#pragma once
#include <ostream>
#include <string>

#include "core/json.h"
#include "core/yaml.h"

namespace tc {

// Reads a file ("-" = stdin); throws BadInput naming the file.
std::string ReadFileOrStdin(const std::string& path);

// "bb2dee27f9": the first 10 hex digits of sha256(bytes).
std::string TaskclusterYmlHash(const std::string& tcyml_bytes);

// Checks the declarations document ({"actions": [...]}) and returns it with
// schema references ("inputs/retrigger.json") replaced by the schemas.
Json LoadDeclarations(const JsonValue& doc, const std::string& source);
// The registry's actions as declarations (checked like a file's).
Json RegistryDeclarations();

// actions.json version 1.
Json RenderActionsJson(const JsonValue& parameters, const JsonValue& declarations, const std::string& tcyml_bytes,
                       const std::string& trust_domain, const std::string& decision_task_id);

// The in-tree action hooks an actions.json needs: [{hookGroupId, hookId,
// hook}], one per distinct hook, where hook is the hook template (a hooks
// create-hook-request body, taskcluster/hooks/in-tree-action.json) with
// @ACTION_PERM@, @LEVEL@, @TRUST_DOMAIN@ and "@TASKCLUSTER_YML_TASKS_0@" (the
// first of the .taskcluster.yml's tasks) filled in: ready for
// hooks.createHook(hookGroupId, hookId, hook).
Json BuildActionHooks(const JsonValue& actions_json, const JsonValue& hook_template, const std::string& tcyml_bytes);

// Finds a file of the installed taskcluster/ directory
// ("hooks/in-tree-action.json"): $TC_ACTION_TASKCLUSTER_DIR, ./taskcluster,
// <binary dir>/../taskcluster, <binary dir>/../share/tc-action/taskcluster.
// Returns "" when not found.
std::string FindTaskclusterFile(const std::string& relative);

struct RegisterOptions {
  std::string parameters;       // parameters.yml (or .json)
  std::string taskcluster_yml;  // the project's .taskcluster.yml
  std::string trust_domain = "gecko";
  std::string actions;          // a declarations file; "" = the action registry
  std::string output = "actions.json";
  std::string decision_task_id;  // "" = $TASK_ID
  std::string hooks_output;      // optional: write the hook definitions here
  std::string hook_template;     // "" = installed taskcluster/hooks/in-tree-action.json
};

// Writes actions.json (and the hooks); returns 0. Throws BadInput.
int RegisterCommand(const RegisterOptions& opts, std::ostream& out);

// `tc-action render TEMPLATE [CONTEXT]`: prints the rendered JSON (2-space);
// a JSON-e error prints "<kind>: <message>" (one line) on err and returns 2;
// unreadable files throw BadInput.
int RenderCommand(const std::string& template_path, const std::string& context_path, std::ostream& out,
                  std::ostream& err);

}  // namespace tc

// The action permission check, as taskgraph's trigger_action_callback makes
// it (actions/registry.py): an action whose permission is not "generic" runs
// only when the action task's scopes (auth.currentScopes) hold
// assume:<head_repository's role prefix>:action:<permission>, or
// assume:<base_repository's role prefix>:pr-action:<permission>.
//
// Stricter and safer than taskgraph, on purpose (README "Differences from
// taskgraph"): the scopes are compared with Taskcluster's satisfaction rules
// (assume:repo:...:action:* grants every permission, as the queue would);
// taskgraph compares the strings literally. Generic actions are not checked:
// the hook's role already decides who may trigger them, and the scope
// preflight checks every call they make (taskgraph checks them too, against
// its docstring).
#pragma once
#include "actions/context.h"
#include "actions/facts.h"
#include "actions/registry.h"

namespace tc {

// Throws Refused (nothing changed) when the facts' current scopes do not
// grant spec.permission, or cannot be read. facts: parameters and current
// scopes (or scopes_unavailable).
void CheckPermission(const ActionSpec& spec, const Context& ctx, const Facts& facts);

}  // namespace tc

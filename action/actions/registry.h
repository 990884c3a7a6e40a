// The action registry: one table, one entry per action tc-action implements.
// Everything that knows about actions reads it: `tc-action run` (dispatch,
// input validation, facts, plan), `register` (actions.json entries),
// `actions`, `advise` and the permission check.
//
// Adding an action = one new file actions/<cb_name>.cc defining its
// needs and planner (declared in actions/actions.h), and one entry in the
// table in registry.cc.
//
// Invariants (checked by the unit tests): cb_names are unique; a task action
// has a non-empty context and a group action the context "[]"; every
// input_schema is an embedded schema; every entry has a planner.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "actions/context.h"
#include "actions/facts.h"
#include "actions/plan.h"

namespace tc {

enum class ActionKind { kTask, kGroup };

// What more the action needs to know, given what is known so far (for a task
// action the target task is always loaded first). Pure. It may throw Refused
// or BadInput to refuse before anything more is read (a retrigger of a task
// that is not retriggerable is refused before the graph is fetched). The
// reader asks again after each load, until the request is answered.
using NeedsFn = FactRequest (*)(const Context& ctx, const Facts& known, int64_t now_ms);
// The plan: facts in, plan out (no I/O). Throws Refused or BadInput.
using PlanFn = Plan (*)(const Context& ctx, const Facts& facts, int64_t now_ms);

struct ActionSpec {
  const char* name;          // actions.json `name`: UIs group entries by it (several may share one)
  const char* cb_name;       // ACTION_CALLBACK: what `tc-action run` dispatches on (unique)
  const char* title;
  const char* symbol;        // treeherder symbol, 1-25 characters
  const char* description;   // markdown
  int order;                 // menu order, lower first
  const char* permission;    // "generic", or the action permission the action task's scopes must hold
  ActionKind kind;
  const char* context;       // JSON list of tag-sets the task's tags must match; "[]" for group actions
  const char* input_schema;  // embedded schema (schemas/inputs/<cb_name>.json)
  NeedsFn needs;             // nullptr: nothing beyond the target task
  PlanFn plan;
};

// Every action, in declaration order (register sorts them by order, stably).
const std::vector<const ActionSpec*>& Registry();
// The entry for a callback name, or nullptr.
const ActionSpec* FindAction(std::string_view cb_name);
// "a, b, c": every cb_name, for messages.
std::string KnownActionNames();

}  // namespace tc

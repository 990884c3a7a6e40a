// The scope preflight (beyond taskgraph, which fails part-way and leaves half
// a graph): before any mutation, the action task's current scopes must
// satisfy what every planned call needs (actions/scopes.h), with
// Taskcluster's satisfaction rules. Pure: plan and facts in.
#pragma once
#include "actions/facts.h"
#include "actions/plan.h"

namespace tc {

// Throws Refused naming the missing scopes (nothing is sent then). When the
// scopes could not be read (facts.scopes_unavailable), adds a note that the
// preflight was not done and leaves the queue to check each call.
void PreflightScopes(Plan& plan, const Facts& facts);

// Whether the plan will send anything (a planned create, rerun or cancel).
bool Mutates(const Plan& plan);

}  // namespace tc

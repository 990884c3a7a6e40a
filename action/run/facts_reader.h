// The facts reader: loads from Taskcluster what an action asks for
// (actions/facts.h), with read-only calls only. The I/O side of planning:
// planners take Facts, this fills them.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "actions/facts.h"
#include "actions/registry.h"
#include "taskcluster/queue.h"

namespace tc {

// Loads what `request` asks for (the part `facts` does not have yet) into
// facts. Errors: a required task the queue does not have, or one of another
// group (check_group), is BadInput naming its field; a missing or expired
// decision artifact refuses the graph-aware action; anything else the queue
// answers with an error is a TcError.
void Load(Queue& q, const Context& ctx, const FactRequest& request, int64_t now_ms, Facts& facts);

// Everything `spec` needs for ctx: the target task of a task action first,
// then what spec.needs asks for, until it asks for nothing new. `facts` may
// already hold some (they are not read again).
void ReadFacts(Queue& q, const ActionSpec& spec, const Context& ctx, int64_t now_ms, Facts& facts);

// Answers `needs` (called with what is known so far) until it asks for
// nothing new.
void ReadUntilAnswered(Queue& q, const Context& ctx, int64_t now_ms, Facts& facts,
                       const std::function<FactRequest(const Facts&)>& needs);

}  // namespace tc

// `tc-action advise`: the rerun-vs-retrigger guide's decision table,
// executable. From a task, its status, its dependencies and its dependents:
// which action fits, why (citing the guide's scenario), and the exact trigger
// command. Pure: facts in, advice out; run/advise_command.h reads the facts
// and checks the advice by planning the recommended action (registry.h) with
// the same facts, so advise never recommends what `run` refuses.
#pragma once
#include <cstdint>
#include <string>

#include "actions/context.h"
#include "actions/facts.h"

namespace tc {

struct Advice {
  std::string action;  // a cb_name of the registry, or "nothing"
  Json input;          // the action's input ({} when none)
  std::string scenario;
  std::string reason;
  std::string command;  // the exact `tc-action trigger ...` line ("" for nothing)
  std::string subject;  // "taskId (label), state": the task advised on
};

// What advise needs to know about task_id, given what is known so far: the
// task (any group), its dependents, its dependencies (absent ones are
// "missing"), and the states of its dependents' other dependencies.
FactRequest AdviseNeeds(const std::string& task_id, const Facts& known);
// The decision table (facts as AdviseNeeds asked for them).
Advice Advise(const std::string& task_id, const Facts& facts, int64_t now_ms);
// The context `run` would get for this advice (validated, defaults applied);
// action_task_id stands in for the action task that would run it.
Context AdviceContext(const Advice& a, const std::string& task_id, const std::string& task_group_id,
                      const std::string& action_task_id);
// "nothing", with the reason the recommended action was refused when planned.
Advice Nothing(const std::string& reason);
Json AdviceJson(const Advice& a);

}  // namespace tc

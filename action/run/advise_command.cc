#include "run/advise_command.h"

#include <fmt/format.h>

#include "actions/registry.h"
#include "core/error.h"
#include "core/slugid.h"
#include "run/facts_reader.h"

namespace tc {

namespace {

// Plans the recommended action as `run` would; its refusal, or "".
std::string RefusalOf(Services& s, const Advice& a, const std::string& task_id, int64_t now_ms, Facts& facts) {
  const std::string group = facts.Task(task_id).view().task_group_id();
  // A stand-in for the action task that would run it (ids of planned copies derive from it).
  const Context ctx = AdviceContext(a, task_id, group, DerivedSlugid(task_id, 0));
  const ActionSpec* spec = FindAction(a.action);
  if (!spec) throw std::logic_error("advise recommends an action the registry does not have: " + a.action);
  try {
    ReadFacts(s, *spec, ctx, now_ms, facts);
    spec->plan(ctx, facts, now_ms);
  } catch (const Refused& e) {
    return e.what();
  }
  return "";
}

}  // namespace

Advice AdviseTask(Services& s, const std::string& task_id, int64_t now_ms) {
  if (!IsSlugid(task_id)) throw BadInput("--task: \"" + SanitizeUtf8(task_id.substr(0, 40)) + "\" is not a valid taskId");
  Context reader;  // reads for advice check no group
  Facts facts;
  ReadUntilAnswered(s, reader, now_ms, facts, [&](const Facts& known) { return AdviseNeeds(task_id, known); });
  Advice a = Advise(task_id, facts, now_ms);
  if (a.action == "nothing") return a;
  const std::string refusal = RefusalOf(s, a, task_id, now_ms, facts);
  if (refusal.empty()) return a;
  Advice n = Nothing(fmt::format("{} was considered, but `run` would refuse it: {}", a.action, refusal));
  n.subject = a.subject;
  return n;
}

void PrintAdvice(const Advice& a, bool json, std::ostream& out) {
  if (json) {
    out << ToPrettyJson(AdviceJson(a)) << "\n";
    return;
  }
  out << "task:     " << a.subject << "\n";
  out << "advice:   " << a.action << (a.input.ObjectEmpty() ? "" : " " + ToJson(a.input)) << "\n";
  out << "scenario: " << a.scenario << "\n";
  out << "why:      " << a.reason << "\n";
  if (!a.command.empty()) out << "command:  " << a.command << "\n";
}

}  // namespace tc

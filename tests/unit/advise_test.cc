// actions/advise.h: the rerun-vs-retrigger guide's decision table as a pure
// function, on hand-built facts (tests/support/facts_world.h). Every advice
// that recommends an action is also planned with the same facts, as
// `tc-action advise` checks it: advise never recommends what `run` refuses.
#include <catch2/catch.hpp>

#include "actions/advise.h"
#include "actions/registry.h"
#include "core/error.h"
#include "core/slugid.h"
#include "facts_world.h"
#include "test_util.h"

using namespace tc;
using tctest::FactsWorld;
using tctest::kNow;

namespace {

const int64_t kHour = 3600 * 1000LL;

Advice AdviseOn(const FactsWorld& w, const std::string& id) {
  Facts facts = w.GatherAdvice(id);
  return Advise(id, facts, kNow);
}

// The advice, checked as advise_command checks it: the recommended action,
// planned with the same world, is not refused.
Advice Checked(const FactsWorld& w, const std::string& id) {
  Advice a = AdviseOn(w, id);
  INFO("advice for " << id << ": " << ToJson(AdviceJson(a)));
  if (a.action != "nothing") {
    Context ctx = AdviceContext(a, id, w.group, w.action_task);
    REQUIRE(ctx.action == a.action);
    try {
      Plan p = w.PlanAction(ctx);
      REQUIRE_FALSE(p.ops.empty());
      REQUIRE(tctest::PlanViolation(p) == "");
    } catch (const Refused& e) {
      FAIL("advise recommends " << a.action << ", which run refuses: " << e.what());
    }
    REQUIRE_THAT(a.command, Catch::StartsWith("tc-action trigger --decision-task " + w.group));
  } else {
    REQUIRE(a.command.empty());
    REQUIRE(a.input.IsObject());
    REQUIRE(a.input.MemberCount() == 0);
  }
  return a;
}

}  // namespace

TEST_CASE("advise: what it reads, in rounds: the task, its dependents and dependencies, their other dependencies",
          "[advise]") {
  FactsWorld w;
  std::string dep = w.Add("completed", true, "build-linux64/opt");
  std::string x = w.Add("failed", false, "release-signing-linux64");
  std::string gone = NewSlugid();  // a dependency the queue no longer has
  w.DependOn(x, {dep, gone});
  std::string other = w.Add("pending", true, "build-win64/opt");
  std::string d = w.Add("unscheduled", false, "release-beetmover-linux64");
  w.DependOn(d, {x, other});

  Facts known;
  FactRequest r1 = AdviseNeeds(x, known);
  REQUIRE(r1.tasks.size() == 1);
  REQUIRE(r1.tasks[0].task_id == x);
  REQUIRE(r1.tasks[0].field == "--task");
  REQUIRE_FALSE(r1.tasks[0].check_group);  // any group
  REQUIRE(r1.tasks[0].required);
  REQUIRE(r1.dependents_of.empty());
  w.Load(r1, known);
  FactRequest r2 = AdviseNeeds(x, known).Missing(known);
  REQUIRE(r2.dependents_of == std::vector<std::string>{x});
  REQUIRE(r2.tasks.size() == 2);  // its dependencies, not required
  for (const auto& t : r2.tasks) {
    REQUIRE_FALSE(t.required);
    REQUIRE_FALSE(t.check_group);
  }
  REQUIRE(r2.statuses.empty());
  w.Load(r2, known);
  REQUIRE(known.StateOf(gone) == TaskState::kMissing);
  FactRequest r3 = AdviseNeeds(x, known).Missing(known);
  REQUIRE(r3.statuses == std::vector<std::string>{other});
  w.Load(r3, known);
  REQUIRE(AdviseNeeds(x, known).Missing(known).empty());
  // a task the queue does not have is bad input naming --task
  REQUIRE_THROWS_AS(w.GatherAdvice(NewSlugid()), BadInput);
}

TEST_CASE("advise: pending and running resolve on their own", "[advise]") {
  FactsWorld w;
  for (const char* state : {"pending", "running"}) {
    std::string id = w.Add(state);
    Advice a = Checked(w, id);
    REQUIRE(a.action == "nothing");
    REQUIRE(a.scenario == "none");
    REQUIRE(a.reason == std::string("the task is ") + state + ": it will resolve on its own; wait for it");
    REQUIRE(a.subject == id + " (test-linux64/opt-1), " + state);
  }
}

TEST_CASE("advise: an unscheduled task waits; failed dependencies are named, with what to do about them", "[advise]") {
  FactsWorld w;
  std::string ok = w.Add("completed", true, "build-linux64/opt");
  std::string waiting = w.Add("unscheduled");
  w.DependOn(waiting, {ok, NewSlugid()});  // a dependency the queue does not have is not "failed"
  Advice a = Checked(w, waiting);
  REQUIRE(a.action == "nothing");
  REQUIRE(a.reason == "the task waits for its dependencies; nothing to do");

  std::string broken = w.Add("exception", false, "build-win64/opt");
  w.DependOn(waiting, {broken});
  a = Checked(w, waiting);
  REQUIRE(a.action == "nothing");
  REQUIRE_THAT(a.reason, Catch::StartsWith("the task waits for failed dependencies: " + broken +
                                           " (build-win64/opt, exception); act on those") &&
                             Catch::Contains("rerun-dependents to let this task run without them") &&
                             !Catch::Contains(ok));
}

TEST_CASE("advise: completed tasks: nothing to do; for a release task, how to test a scriptworker pool", "[advise]") {
  FactsWorld w;
  std::string test = w.Add("completed");
  Advice a = Checked(w, test);
  REQUIRE(a.action == "nothing");
  REQUIRE(a.scenario == "none");
  REQUIRE(a.reason == "the task completed; nothing to do");
  std::string signing = w.Add("completed", false, "build-signing-linux64/opt");
  a = Checked(w, signing);
  REQUIRE(a.action == "nothing");
  REQUIRE(a.scenario == "Testing scriptworker pools outside of the release: retrigger (force)");
  REQUIRE_THAT(a.reason, Catch::Contains("retrigger-disabled with force") &&
                             Catch::Contains("would break the consumers' verification"));
}

TEST_CASE("advise: a failed test: retrigger x3 (intermittent?); in a pull request, rerun", "[advise]") {
  FactsWorld w;
  std::string id = w.Add("failed", true, "test-linux64/opt-mochitest-1");
  Advice a = Checked(w, id);
  REQUIRE(a.action == "retrigger");
  REQUIRE(a.input == ParseJson(R"({"times": 3})", "x"));
  REQUIRE(a.scenario == "Intermittent tests in treeherder: retrigger");
  REQUIRE(a.command == "tc-action trigger --decision-task " + w.group + " --task " + id +
                           " retrigger --input '{\"times\":3}'");
  REQUIRE(a.subject == id + " (test-linux64/opt-mochitest-1), failed");

  // a pull-request graph, as its tags, extra or metadata.source say
  for (const char* where : {"tags", "extra", "source"}) {
    INFO(where);
    Json def = tctest::TaskDef(w.group, kNow);
    auto& al = def.GetAllocator();
    if (std::string(where) == "source") {
      def["metadata"]["source"] = Str("https://github.com/mozilla-mobile/fenix/pull/123/files", al);
    } else {
      def[where].AddMember("tasks_for", "github-pull-request", al);
    }
    std::string pr = w.AddDef("failed", std::move(def));
    a = Checked(w, pr);
    REQUIRE(a.action == "rerun");
    REQUIRE(a.scenario == "Broken Pull Request tasks: rerun");
    REQUIRE_THAT(a.reason, Catch::Contains("required check green"));
  }
}

TEST_CASE("advise: a failed task that is not retriggerable: rerun", "[advise]") {
  FactsWorld w;
  std::string plain = w.Add("failed", false, "toolchain-linux64-clang");
  Advice a = Checked(w, plain);
  REQUIRE(a.action == "rerun");
  REQUIRE(a.scenario == "Broken release tasks: rerun");
  REQUIRE(a.reason == "the task is not retriggerable; a rerun gives it a new run under the same taskId");
  REQUIRE(a.command == "tc-action trigger --decision-task " + w.group + " --task " + plain + " rerun --input '{}'");
  // a release task failed once: rerun, citing why it is a release task
  std::string signing = w.Add("exception", false, "build-signing-linux64/opt");
  a = Checked(w, signing);
  REQUIRE(a.action == "rerun");
  REQUIRE(a.scenario == "Broken release tasks: rerun");
  REQUIRE_THAT(a.reason, Catch::Contains("label build-signing-linux64/opt matches 'signing'") &&
                             Catch::Contains("unblock the graph"));
}

TEST_CASE("advise: a release task that failed repeatedly with dependents that can run without it: rerun-dependents",
          "[advise]") {
  FactsWorld w;
  std::string done = w.Add("completed", true, "build-win64/opt");
  std::string x = w.Add("failed", false, "release-signing-win64", kHour, 2);
  std::string notify = w.Add("unscheduled", false, "release-notify-ship");
  w.DependOn(notify, {x, done});
  std::string consumer = w.Add("unscheduled", false, "release-beetmover-win64");
  w.DependOn(consumer, {x});
  w.Consume(consumer, x);
  Advice a = Checked(w, x);
  REQUIRE(a.action == "rerun-dependents");
  REQUIRE(a.input.MemberCount() == 0);
  REQUIRE(a.scenario == "Release tasks with broken dependencies: cancel + rerun");
  REQUIRE_THAT(a.reason, Catch::Contains("failed 2 times") && Catch::Contains("1 waiting dependent(s)") &&
                             Catch::Contains(notify) && !Catch::Contains(consumer));

  // the same verdicts as the planner: with the notify task blocked by a pending
  // dependency, nothing can run without x, and advise says rerun instead
  std::string pending = w.Add("pending", true, "build-win32/opt");
  w.DependOn(notify, {pending});
  a = Checked(w, x);
  REQUIRE(a.action == "rerun");
  REQUIRE(a.scenario == "Broken release tasks: rerun");
}

TEST_CASE("advise: a failed release task with a runnable dependent, failed once: rerun", "[advise]") {
  FactsWorld w;
  std::string x = w.Add("failed", false, "release-signing-win64");
  std::string notify = w.Add("unscheduled", false, "release-notify-ship");
  w.DependOn(notify, {x});
  REQUIRE(Checked(w, x).action == "rerun");
}

TEST_CASE("advise: a notarization poller that timed out after part-1 completed: rerun-sequence (force)", "[advise]") {
  FactsWorld w;
  std::string part1 = w.Add("completed", false, "notarization-part-1-macosx64-shippable/opt");
  std::string poller = w.Add("failed", false, "notarization-poller-macosx64-shippable/opt");
  w.DependOn(poller, {part1});
  w.Consume(poller, part1);
  Advice a = Checked(w, poller);
  REQUIRE(a.action == "rerun-sequence");
  REQUIRE(a.input == ParseJson("{\"tasks\": [\"" + part1 + "\", \"" + poller + "\"], \"force\": true}", "x"));
  REQUIRE(a.scenario == "Notarization poller timeouts: rerun (force)");
  REQUIRE_THAT(a.reason, Catch::Contains(part1 + " (notarization-part-1-macosx64-shippable/opt) completed"));
  // a group action: no --task
  REQUIRE(a.command == "tc-action trigger --decision-task " + w.group + " rerun-sequence --input '" + ToJson(a.input) + "'");
  Context ctx = AdviceContext(a, poller, w.group, w.action_task);
  REQUIRE_FALSE(ctx.task_id);
  REQUIRE(ctx.action_task_id == w.action_task);
  REQUIRE(ctx.Flag("force"));
  REQUIRE(GetBool(ctx.input, "acknowledge_cot_break") == false);  // the schema's default applied

  // part-1 failed too: no sequence; the poller is a release task
  w.Status(part1)["state"] = "failed";
  a = Checked(w, poller);
  REQUIRE(a.action == "rerun");
}

TEST_CASE("advise: past the deadline nothing is rerun: a copy where it can be made, else nothing", "[advise]") {
  FactsWorld w;
  const int64_t old = 3 * 24 * kHour;
  std::string test = w.Add("failed", true, "test-linux64/opt-1", old);
  Advice a = Checked(w, test);
  REQUIRE(a.action == "retrigger");
  REQUIRE(a.input == ParseJson(R"({"times": 1})", "x"));
  REQUIRE(a.scenario == "Intermittent tests in treeherder: retrigger");
  REQUIRE_THAT(a.reason, Catch::StartsWith("the task passed its deadline " +
                                           std::string(w.Status(test)["deadline"].GetString())));

  std::string tool = w.Add("exception", false, "toolchain-linux64", old);
  a = Checked(w, tool);
  REQUIRE(a.action == "retrigger-disabled");
  REQUIRE(a.input == ParseJson(R"({"force": true})", "x"));
  // trigger picks actions by name: retrigger-disabled is the "retrigger" entry
  REQUIRE(a.command == "tc-action trigger --decision-task " + w.group + " --task " + tool +
                           " retrigger --input '{\"force\":true}'");

  std::string leaf = w.Add("failed", false, "release-mark-as-shipped", old);
  w.Def(leaf)["tags"]["kind"] = "release-mark-as-shipped";
  a = Checked(w, leaf);
  REQUIRE(a.action == "retrigger-disabled");
  REQUIRE(a.scenario == "Deadline-exceeded leaf node release tasks");
  REQUIRE_THAT(a.reason, Catch::Contains("it is a leaf"));

  std::string signing = w.Add("failed", false, "release-signing-linux64", old);
  std::string beetmover = w.Add("unscheduled", false, "release-beetmover-linux64", old);
  w.DependOn(beetmover, {signing});
  w.Consume(beetmover, signing);
  a = Checked(w, signing);
  REQUIRE(a.action == "nothing");
  REQUIRE(a.scenario == "Deadline-exceeded leaf node release tasks");
  REQUIRE_THAT(a.reason, Catch::Contains("is not a leaf") && Catch::Contains(beetmover) &&
                             Catch::Contains("build 2 or advanced relpro"));
}

TEST_CASE("advise: AdviceContext, Nothing and AdviceJson", "[advise]") {
  FactsWorld w;
  std::string id = w.Add("failed", true);
  Advice a = AdviseOn(w, id);
  Context ctx = AdviceContext(a, id, w.group, w.action_task);
  REQUIRE(ctx.action == "retrigger");
  REQUIRE(ctx.task_id == id);
  REQUIRE(ctx.task_group_id == w.group);
  REQUIRE(GetInt(ctx.input, "times") == 3);
  REQUIRE(GetBool(ctx.input, "downstream") == false);  // default applied
  Json j = AdviceJson(a);
  for (const char* k : {"action", "input", "scenario", "reason", "command"}) REQUIRE(j.HasMember(k));
  REQUIRE(j["action"] == "retrigger");
  REQUIRE(j["input"] == a.input);
  REQUIRE(std::string(j["command"].GetString()) == a.command);

  Advice n = Nothing("rerun of x refused: because");
  REQUIRE(n.action == "nothing");
  REQUIRE(n.scenario == "none");
  REQUIRE(n.reason == "rerun of x refused: because");
  REQUIRE(n.input.IsObject());
  REQUIRE(n.command.empty());
}

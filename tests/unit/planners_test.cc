// Every planner of the registry as a pure function: facts built by hand
// (tests/support/facts_world.h: no HTTP, no subprocess, no emulator), the
// action's `needs` asked until it is answered, then its `plan`. Each rule of
// the action files' header comments (actions/<cb_name>.cc) has a case here:
// the ops, their statuses and details, warnings, notes, refusals with their
// messages, and what each action asks to read, in which order.
#include <catch2/catch.hpp>

#include <set>

#include "actions/registry.h"
#include "core/error.h"
#include "core/slugid.h"
#include "core/timestamp.h"
#include "facts_world.h"
#include "test_util.h"

using namespace tc;
using tctest::FactsWorld;
using tctest::kNow;

namespace {

const ActionSpec& Spec(const std::string& cb) {
  const ActionSpec* s = FindAction(cb);
  REQUIRE(s != nullptr);
  return *s;
}

// The plan of ctx in w; the plan invariants (actions/plan.h) hold.
Plan MustPlan(const FactsWorld& w, const Context& ctx, int64_t now_ms = kNow) {
  Plan p = w.PlanAction(ctx, now_ms);
  REQUIRE(tctest::PlanViolation(p) == "");
  return p;
}

// The Refused message of planning ctx in w (gathering included); fails when it is not refused.
std::string Refusal(const FactsWorld& w, const Context& ctx, int64_t now_ms = kNow) {
  try {
    w.PlanAction(ctx, now_ms);
  } catch (const Refused& e) {
    return e.what();
  }
  FAIL(ctx.action << " was not refused");
  return "";
}

// The requests the action makes, in order (the target task of a task action is loaded first).
std::vector<FactRequest> Requests(const FactsWorld& w, const Context& ctx, int64_t now_ms = kNow) {
  std::vector<FactRequest> r;
  w.Gather(ctx, now_ms, &r);
  return r;
}

// Only dependents_of (and dependency_groups_of) of these tasks; nothing else.
bool OnlyDependents(const FactRequest& r, const std::vector<std::string>& of,
                    const std::vector<std::string>& groups_of = {}) {
  return r.dependents_of == of && r.dependency_groups_of == groups_of && r.tasks.empty() && r.statuses.empty() &&
         !r.group_tasks && !r.push && !r.parameters && r.index_paths.empty() && !r.current_scopes && !r.action_created;
}

std::string Joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + "\n";
  return out;
}

// A task whose definition a release (Chain-of-Trust) task family would have: by its label.
const char* kSigning = "build-signing-linux64/opt";

const int64_t kHour = 3600 * 1000LL;
const int64_t kPastDeadline = 25 * kHour;  // created 25 h ago, deadline 1 day after creation

}  // namespace

// ============================================================== rerun

TEST_CASE("rerun: failed and exception tasks get one rerun; nothing is read beyond the task", "[planners][rerun]") {
  FactsWorld w;
  for (const char* state : {"failed", "exception"}) {
    INFO(state);
    std::string id = w.Add(state);
    Context ctx = w.Ctx("rerun", id);
    REQUIRE(Requests(w, ctx).empty());
    Plan p = MustPlan(w, ctx);
    REQUIRE(p.ops.size() == 1);
    const Operation& op = p.ops[0];
    REQUIRE(op.kind == OpKind::kRerun);
    REQUIRE(op.task_id == id);
    REQUIRE(op.label == "test-linux64/opt-1");
    REQUIRE(op.status == OpStatus::kPlanned);
    REQUIRE(op.detail.empty());
    REQUIRE(op.after.empty());
    REQUIRE_FALSE(op.await_completion);
    REQUIRE_FALSE(op.resume_since_ms);
    REQUIRE(p.warnings.empty());
    REQUIRE(p.notes.empty());
    REQUIRE(p.created.empty());  // creates nothing
    REQUIRE(p.label_to_taskid.empty());
  }
}

TEST_CASE("rerun: pending and running are nothing to do (skipped), even past the deadline", "[planners][rerun]") {
  FactsWorld w;
  for (const char* state : {"pending", "running"}) {
    for (int64_t age : {kHour, kPastDeadline}) {
      INFO(state << " created " << age / kHour << " h ago");
      std::string id = w.Add(state, true, "test-linux64/opt-1", age);
      Plan p = MustPlan(w, w.Ctx("rerun", id));
      REQUIRE(p.ops.size() == 1);
      REQUIRE(p.ops[0].kind == OpKind::kRerun);
      REQUIRE(p.ops[0].status == OpStatus::kSkipped);
      REQUIRE(p.ops[0].detail == std::string("task is ") + state + "; nothing to do");
      REQUIRE(p.notes.size() == 1);
      REQUIRE_THAT(p.notes[0], Catch::Contains(id + " (test-linux64/opt-1) is " + state) &&
                                   Catch::Contains("it will run without a rerun; nothing to do"));
      REQUIRE(p.warnings.empty());
    }
  }
}

TEST_CASE("rerun: a completed task is refused without force, before anything more is read", "[planners][rerun]") {
  FactsWorld w;
  std::string id = w.Add("completed");
  Context ctx = w.Ctx("rerun", id);
  REQUIRE(Requests(w, ctx).empty());  // without force, its consumers do not matter
  std::string why = Refusal(w, ctx);
  REQUIRE_THAT(why, Catch::StartsWith("rerun of " + id + " (test-linux64/opt-1) refused: the task completed successfully"));
  REQUIRE_THAT(why, Catch::Contains("breaks Chain of Trust") && Catch::Contains("set force: true") &&
                        Catch::Contains("retrigger it instead"));
}

TEST_CASE("rerun --force of a completed task reads its dependents, then warns", "[planners][rerun]") {
  FactsWorld w;
  std::string id = w.Add("completed");
  Context ctx = w.Ctx("rerun", id, R"({"force": true})");
  auto reqs = Requests(w, ctx);
  REQUIRE(reqs.size() == 1);
  REQUIRE(OnlyDependents(reqs[0], {id}));

  SECTION("no consumer") {
    Plan p = MustPlan(w, ctx);
    REQUIRE(p.ops.size() == 1);
    REQUIRE(p.ops[0].status == OpStatus::kPlanned);
    REQUIRE(p.warnings == std::vector<std::string>{"rerun with force of completed task " + id +
                                                   " (test-linux64/opt-1): its artifacts will be replaced; no "
                                                   "downstream task consumes them"});
  }
  SECTION("consumers that verify nothing yet, or are no release tasks: a warning naming them") {
    std::string waiting = w.Add("unscheduled", false, kSigning);  // CoT-relevant, has not run
    w.DependOn(waiting, {id});
    w.Consume(waiting, id);
    std::string test = w.Add("completed", true, "test-linux64/opt-2");  // ran, but no release task
    w.DependOn(test, {id});
    w.Consume(test, id);
    std::string waiter = w.Add("completed", true, "test-linux64/opt-3");  // depends, consumes nothing
    w.DependOn(waiter, {id});
    Plan p = MustPlan(w, ctx);
    REQUIRE(p.ops.size() == 1);
    REQUIRE(p.warnings.size() == 1);
    REQUIRE_THAT(p.warnings[0], Catch::StartsWith("Chain of Trust: rerun with force of completed task " + id));
    REQUIRE_THAT(p.warnings[0], Catch::Contains(waiting + " (" + kSigning + ")") &&
                                    Catch::Contains(test + " (test-linux64/opt-2)") && !Catch::Contains(waiter));
  }
  SECTION("a release consumer that already ran: refused unless acknowledge_cot_break") {
    std::string signing = w.Add("completed", false, kSigning);
    w.DependOn(signing, {id});
    w.Consume(signing, id);
    std::string waiter = w.Add("completed", true, "test-linux64/opt-3");
    w.DependOn(waiter, {id});
    std::string why = Refusal(w, ctx);
    REQUIRE_THAT(why, Catch::StartsWith("rerun with force of completed task " + id + " (test-linux64/opt-1) refused"));
    REQUIRE_THAT(why, Catch::Contains("already verified") && Catch::Contains(signing + " (" + kSigning + ")") &&
                          Catch::Contains("acknowledge_cot_break: true") &&
                          Catch::Contains("retrigger-disabled with force: true") && !Catch::Contains(waiter));
    Plan p = MustPlan(w, w.Ctx("rerun", id, R"({"force": true, "acknowledge_cot_break": true})"));
    REQUIRE(p.ops.size() == 1);
    REQUIRE(p.ops[0].status == OpStatus::kPlanned);
    REQUIRE(p.warnings.size() == 1);
    REQUIRE_THAT(p.warnings[0], Catch::StartsWith("Chain of Trust:") && Catch::Contains(signing) &&
                                    !Catch::Contains(waiter));
  }
}

TEST_CASE("rerun: an unscheduled task needs force, and then starts without its dependencies", "[planners][rerun]") {
  FactsWorld w;
  std::string id = w.Add("unscheduled");
  REQUIRE(Requests(w, w.Ctx("rerun", id, R"({"force": true})")).empty());  // force reads no consumers here
  std::string why = Refusal(w, w.Ctx("rerun", id));
  REQUIRE_THAT(why, Catch::StartsWith("rerun of " + id + " (test-linux64/opt-1) refused: the task is unscheduled") &&
                        Catch::Contains("set force: true to start it anyway"));
  Plan p = MustPlan(w, w.Ctx("rerun", id, R"({"force": true})"));
  REQUIRE(p.ops.size() == 1);
  REQUIRE(p.ops[0].status == OpStatus::kPlanned);
  REQUIRE(p.warnings == std::vector<std::string>{"rerun with force of unscheduled task " + id +
                                                 " (test-linux64/opt-1): it starts now, without waiting for its "
                                                 "dependencies"});
}

TEST_CASE("rerun: past its deadline is refused, with advice, whatever the state and force", "[planners][rerun]") {
  FactsWorld w;
  for (const char* state : {"failed", "exception", "completed", "unscheduled"}) {
    INFO(state);
    std::string id = w.Add(state, true, "test-linux64/opt-1", kPastDeadline);
    const std::string deadline = w.Status(id)["deadline"].GetString();
    std::string why = Refusal(w, w.Ctx("rerun", id, R"({"force": true, "acknowledge_cot_break": true})"));
    REQUIRE(why == "rerun of " + id + " (test-linux64/opt-1) refused: its deadline " + deadline +
                       " has passed and the queue no longer reruns it; for a leaf task, use retrigger-disabled with "
                       "force: true to create a fresh copy");
  }
}

TEST_CASE("rerun: a state the queue does not report is refused", "[planners][rerun]") {
  FactsWorld w;
  std::string id = w.Add("failed");
  w.Status(id)["state"] = "bogus";
  REQUIRE_THAT(Refusal(w, w.Ctx("rerun", id)), Catch::EndsWith("refused: unexpected task state \"unknown\""));
}

// ============================================================== retrigger

namespace {

// The request a retrigger makes first: the push (optional without downstream).
bool OnlyPush(const FactRequest& r, bool optional) {
  return r.push && r.push_optional == optional && r.tasks.empty() && r.statuses.empty() && r.dependents_of.empty() &&
         r.dependency_groups_of.empty() && r.index_paths.empty() && !r.group_tasks && !r.current_scopes;
}

std::vector<std::string> Deps(const JsonValue& def) { return StringsOf(Member(def, "dependencies")); }

}  // namespace

TEST_CASE("retrigger of a label of the push's full graph: `times` copies made from its entry, as create_tasks does",
          "[planners][retrigger]") {
  FactsWorld w;
  std::string build = w.Add("completed", true, "build-linux64/opt");
  std::string id = w.Add("failed", true, "test-linux64/opt-mochitest-1");
  w.DependOn(id, {build});
  w.PublishGraph({build, id});
  const Json& orig = w.Def(id);
  Context ctx = w.Ctx("retrigger", id, R"({"times": 3})");
  auto reqs = Requests(w, ctx);
  REQUIRE(reqs.size() == 1);  // the push; the build has a task in it: no index lookup
  REQUIRE(OnlyPush(reqs[0], true));
  Plan p = MustPlan(w, ctx);
  REQUIRE(p.ops.size() == 3);
  std::set<std::string> ids;
  const int64_t shift = kNow - ParseTimestamp(orig["created"].GetString())->ms;
  for (size_t i = 0; i < 3; ++i) {
    const Operation& op = p.ops[i];
    REQUIRE(op.kind == OpKind::kCreate);
    REQUIRE(op.task_id == CopyTaskId(w.action_task, "test-linux64/opt-mochitest-1", std::to_string(i)));
    REQUIRE(op.label == "test-linux64/opt-mochitest-1");
    REQUIRE(op.status == OpStatus::kPlanned);
    REQUIRE(op.after.empty());  // the build is reused, not created: no dependency among the ops
    ids.insert(op.task_id);
    const Json& d = op.definition;
    REQUIRE(std::string(d["taskGroupId"].GetString()) == w.group);
    REQUIRE(std::string(d["schedulerId"].GetString()) == "gecko-level-3");
    REQUIRE(std::string(d["extra"]["parent"].GetString()) == w.action_task);
    // [the action task, the push's build, the decision (no dependency created with it)]
    REQUIRE(Deps(d) == std::vector<std::string>{w.action_task, build, w.group});
    REQUIRE(std::string(d["created"].GetString()) == FormatIsoMs(kNow));
    REQUIRE(ParseTimestamp(d["deadline"].GetString())->ms - ParseTimestamp(orig["deadline"].GetString())->ms == shift);
    REQUIRE(ParseTimestamp(d["expires"].GetString())->ms - ParseTimestamp(orig["expires"].GetString())->ms == shift);
    REQUIRE(d["payload"]["env"] == orig["payload"]["env"]);
    REQUIRE(d["tags"] == orig["tags"]);
    REQUIRE(d["routes"] == orig["routes"]);
    REQUIRE(d["scopes"] == orig["scopes"]);
  }
  REQUIRE(ids.size() == 3);
  REQUIRE(p.warnings.empty());
  REQUIRE(p.notes.empty());
  // taskgraph's artifacts: every copy in task-graph.json, the label once in to-run.json,
  // label-to-taskid.json: the last copy, and the build the copies depend on
  REQUIRE(p.created.size() == 3);
  REQUIRE(p.to_run == std::vector<std::string>{"test-linux64/opt-mochitest-1"});
  Json l2t = LabelToTaskIdArtifact(p);
  REQUIRE(l2t.MemberCount() == 2);
  REQUIRE(std::string(l2t["test-linux64/opt-mochitest-1"].GetString()) ==
          CopyTaskId(w.action_task, "test-linux64/opt-mochitest-1", "2"));
  REQUIRE(std::string(l2t["build-linux64/opt"].GetString()) == build);
}

TEST_CASE("retrigger of a task whose label is not in the full graph: copies of its definition, shifted to now",
          "[planners][retrigger]") {
  FactsWorld w;
  std::string id = w.Add("failed", true, "test-linux64/opt-mochitest-1");
  const Json& orig = w.Def(id);
  for (bool published : {true, false}) {
    INFO("push published: " << published);
    w.published.parameters = published;
    Context ctx = w.Ctx("retrigger", id, R"({"times": 3})");
    auto reqs = Requests(w, ctx);
    REQUIRE(reqs.size() == 1);
    REQUIRE(OnlyPush(reqs[0], true));
    Plan p = MustPlan(w, ctx);
    REQUIRE(p.ops.size() == 3);
    const int64_t shift = kNow - ParseTimestamp(orig["created"].GetString())->ms;
    for (size_t i = 0; i < 3; ++i) {
      const Operation& op = p.ops[i];
      REQUIRE(op.kind == OpKind::kCreate);
      REQUIRE(op.task_id == CopyTaskId(w.action_task, "test-linux64/opt-mochitest-1", std::to_string(i)));
      REQUIRE(op.of == id);
      REQUIRE(op.after.empty());
      const Json& d = op.definition;
      REQUIRE(std::string(d["taskGroupId"].GetString()) == w.group);
      REQUIRE(std::string(d["extra"]["parent"].GetString()) == w.action_task);
      REQUIRE(Deps(d) == std::vector<std::string>{w.action_task});
      REQUIRE(std::string(d["created"].GetString()) == FormatIsoMs(kNow));
      REQUIRE(ParseTimestamp(d["deadline"].GetString())->ms - ParseTimestamp(orig["deadline"].GetString())->ms == shift);
      REQUIRE(d["payload"]["env"] == orig["payload"]["env"]);
      REQUIRE(d["tags"] == orig["tags"]);
    }
    REQUIRE(p.warnings.empty());
    if (published) {
      REQUIRE(p.notes.empty());
    } else {
      REQUIRE(p.notes == std::vector<std::string>{"the decision task " + w.group +
                                                  " published no parameters.yml; without the push's graph, the "
                                                  "task's own definition is copied"});
    }
    REQUIRE(p.created.size() == 3);
    REQUIRE(p.to_run == std::vector<std::string>{"test-linux64/opt-mochitest-1"});
  }
}

TEST_CASE("retrigger: times defaults to 1; a deadline-exceeded task gets fresh timestamps and a note", "[planners][retrigger]") {
  FactsWorld w;
  std::string id = w.Add("failed", true, "test-linux64/opt-1", 3 * 24 * kHour);
  Plan p = MustPlan(w, w.Ctx("retrigger", id));
  REQUIRE(p.ops.size() == 1);
  REQUIRE(ParseTimestamp(p.ops[0].definition["deadline"].GetString())->ms > kNow);
  REQUIRE(p.notes.size() == 1);
  REQUIRE_THAT(p.notes[0], Catch::Contains("passed its deadline " + std::string(w.Status(id)["deadline"].GetString())) &&
                               Catch::Contains("the original stays in its state"));
  REQUIRE(p.warnings.empty());
  // the same task in the full graph: made anew from its entry, fresh timestamps
  w.PublishGraph({id});
  Plan q = MustPlan(w, w.Ctx("retrigger", id));
  REQUIRE(q.ops.size() == 1);
  REQUIRE(std::string(q.ops[0].definition["created"].GetString()) == FormatIsoMs(kNow));
  REQUIRE(ParseTimestamp(q.ops[0].definition["deadline"].GetString())->ms == kNow + 24 * kHour);
}

TEST_CASE("retrigger and retrigger-disabled refuse a task that is not retriggerable, without force; only the push is read",
          "[planners][retrigger][retrigger-disabled]") {
  struct Case {
    const char* cb;
    std::string why;  // after "<cb> of <taskId> (<label>) refused: the task is not retriggerable "
  };
  for (const Case& c : {Case{"retrigger", "(neither attributes.retrigger of its label in the push's full graph nor "
                                          "tags.retrigger is true), as release tasks are not; use retrigger-disabled "
                                          "with force: true to copy it anyway"},
                        Case{"retrigger-disabled", "(a release task); set force: true to create a copy anyway (this "
                                                   "leaves the original task as it is)"}}) {
    for (bool in_graph : {false, true}) {
      INFO(c.cb << (in_graph ? ", label in the full graph" : ""));
      FactsWorld w;
      std::string id = w.Add("failed", false, "release-signing-linux64");
      if (in_graph) w.PublishGraph({id});
      Context ctx = w.Ctx(c.cb, id);
      std::vector<FactRequest> reqs;  // refused in needs, once the push tells whether it is retriggerable
      REQUIRE_THROWS_AS(w.Gather(ctx, kNow, &reqs), Refused);
      REQUIRE(reqs.size() == 1);
      REQUIRE(OnlyPush(reqs[0], true));
      REQUIRE(Refusal(w, ctx) == std::string(c.cb) + " of " + id +
                                     " (release-signing-linux64) refused: the task is not retriggerable " + c.why);
    }
  }
}

TEST_CASE("retrigger: retriggerable is attributes.retrigger of the label in the full graph, or tags.retrigger",
          "[planners][retrigger]") {
  struct Case {
    bool tag;                             // the task's tags.retrigger == "true"
    std::optional<std::string> attribute;  // attributes.retrigger in the full graph, as JSON (nullopt: absent)
    bool retriggerable;
  };
  const std::vector<Case> cases = {
      {false, "true", true},  // taskgraph projects: the attribute alone
      {false, "1", true},     // truthy, as Python reads it
      {false, R"("yes")", true},
      {false, R"(["x"])", true},
      {false, R"({"a": 0})", true},
      {false, "false", false},
      {false, "0", false},
      {false, "0.0", false},
      {false, R"("")", false},
      {false, "[]", false},
      {false, "{}", false},
      {false, "null", false},
      {false, std::nullopt, false},
      {true, std::nullopt, true},  // Gecko: the tag
      {true, "false", true},       // either says so
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    INFO("case " << i << ": tag " << c.tag << ", attribute " << c.attribute.value_or("absent"));
    FactsWorld w;
    std::string id = w.Add("failed", c.tag, "test-linux64/opt-1");
    tctest::EntryOptions o;
    o.no_retrigger_attribute = true;
    if (c.attribute) {
      o.attributes = ParseJson("{\"retrigger\": " + *c.attribute + "}", "attributes");
    }
    w.PublishGraph({id}, o);
    Context ctx = w.Ctx("retrigger", id);
    if (c.retriggerable) {
      Plan p = MustPlan(w, ctx);
      REQUIRE(p.ops.size() == 1);
      REQUIRE(p.ops[0].kind == OpKind::kCreate);
    } else {
      REQUIRE_THAT(Refusal(w, ctx), Catch::Contains("the task is not retriggerable"));
    }
  }
}

TEST_CASE("retrigger --downstream of a task that is not retriggerable is refused once the push is read, before any "
          "other read",
          "[planners][retrigger]") {
  FactsWorld w;
  std::string build = w.Add("completed", false, "release-signing-linux64");
  std::string dep = w.Add("failed", true, "test-linux64/opt-1");
  w.DependOn(dep, {build});
  w.PublishGraph({build, dep});
  Context ctx = w.Ctx("retrigger", build, R"({"downstream": true})");
  std::vector<FactRequest> reqs;
  REQUIRE_THROWS_WITH(w.Gather(ctx, kNow, &reqs), Catch::Contains("retrigger of " + build) &&
                                                      Catch::Contains("not retriggerable"));
  REQUIRE(reqs.size() == 1);
  REQUIRE(OnlyPush(reqs[0], false));  // with downstream, the push is required
}

namespace {

// build <- test, build <- signing (consumes build); the push holds them.
struct DownstreamWorld : FactsWorld {
  std::string build = Add("completed", true, "build-linux64/opt");
  std::string test = Add("failed", true, "test-linux64/opt-1");
  std::string signing = Add("completed", false, kSigning);
  DownstreamWorld() {
    DependOn(test, {build});
    DependOn(signing, {build});
    Consume(signing, build);
    PublishGraph({build, test, signing});
  }
};

}  // namespace

TEST_CASE("retrigger --downstream: the push is required; release tasks in the closure fork the release graph",
          "[planners][retrigger]") {
  DownstreamWorld w;
  Context ctx = w.Ctx("retrigger", w.build, R"({"downstream": true, "times": 2})");
  auto reqs = Requests(w, ctx);
  REQUIRE(reqs.size() == 1);
  REQUIRE(OnlyPush(reqs[0], false));
  // planned without the push: a bug in needs, not a user error
  Facts no_push;
  FactRequest t;
  t.tasks.push_back({w.build, "ACTION_TASK_ID"});
  w.Load(t, no_push);
  REQUIRE_THROWS_AS(Spec("retrigger").plan(ctx, no_push, kNow), std::logic_error);

  std::string why = Refusal(w, ctx);
  REQUIRE_THAT(why, Catch::StartsWith("retrigger of " + w.build +
                                      " (build-linux64/opt) with downstream refused: it would re-create 1 release"));
  REQUIRE_THAT(why, Catch::Contains(kSigning) && Catch::Contains("fork the release graph") &&
                        Catch::Contains("retrigger-disabled with downstream and force: true"));

  // only the test below the build: no release task, the closure made twice
  Plan p = MustPlan(w, w.Ctx("retrigger", w.test, R"({"downstream": true, "times": 2})"));
  REQUIRE(p.ops.size() == 2);
  REQUIRE(p.ops[0].label == "test-linux64/opt-1");
  REQUIRE(p.ops[1].label == "test-linux64/opt-1");
  REQUIRE(p.ops[0].task_id != p.ops[1].task_id);
  REQUIRE(p.notes ==
          std::vector<std::string>{"retrigger with downstream: 1 task(s) re-created 2 time(s) from test-linux64/opt-1"});
}

TEST_CASE("retrigger --downstream: the label's dependents in the full graph that have a task in the push, on the copy",
          "[planners][retrigger]") {
  DownstreamWorld w;
  // in the full graph, no task in the push: not re-created
  Json only_graph = tctest::TaskDefWithDeps(w.group, kNow, "test-linux64/opt-2", {w.build}, true);
  w.AddLabel(only_graph);
  // in the full graph, its task made by an earlier action (the merged label map): re-created
  Json later_def = tctest::TaskDefWithDeps(w.group, kNow, "test-linux64/opt-3", {w.build}, true);
  w.AddLabel(later_def);
  std::string later = w.AddDef("failed", std::move(later_def));
  w.earlier.push_back({NewSlugid(), kNow - kHour, {{"test-linux64/opt-3", later}}});
  Plan p = MustPlan(w, w.Ctx("retrigger-disabled", w.build, R"({"downstream": true, "force": true})"));
  std::vector<std::string> labels;
  for (const auto& op : p.ops) labels.push_back(op.label);
  // dependencies first, then lexicographic among the ready
  REQUIRE(labels == std::vector<std::string>{"build-linux64/opt", kSigning, "test-linux64/opt-1", "test-linux64/opt-3"});
  const std::string copy = p.ops[0].task_id;
  REQUIRE(Deps(p.ops[0].definition) == std::vector<std::string>{w.action_task, w.group});
  for (size_t i = 1; i < p.ops.size(); ++i) {
    INFO(p.ops[i].label);
    REQUIRE(p.ops[i].after == std::vector<size_t>{0});
    // on the copy (created in the same graph: no decision dependency)
    REQUIRE(Deps(p.ops[i].definition) == std::vector<std::string>{w.action_task, copy});
  }
  // the signing copy's upstreamArtifacts name the build's copy
  REQUIRE(std::string(p.ops[1].definition["payload"]["upstreamArtifacts"][0]["taskId"].GetString()) == copy);
  REQUIRE(p.to_run.size() == 4);
  REQUIRE_THAT(Joined(p.warnings), Catch::Contains("forking the release graph (force): 1 release"));
}

TEST_CASE("retrigger --downstream of a task the full graph does not have is refused", "[planners][retrigger]") {
  DownstreamWorld w;
  std::string extra = w.Add("failed", true, "test-created-by-an-action");
  REQUIRE(Refusal(w, w.Ctx("retrigger", extra, R"({"downstream": true})")) ==
          "retrigger with downstream of " + extra +
              " (test-created-by-an-action) refused: its label is not in the push's full-task-graph.json (decision "
              "task " + w.group + "); retrigger it without downstream");
}

TEST_CASE("retrigger --downstream needs the push's artifacts: missing ones are bad input naming them",
          "[planners][retrigger]") {
  for (int missing = 0; missing < 3; ++missing) {
    DownstreamWorld w;
    const char* name = missing == 0 ? "parameters.yml" : missing == 1 ? "full-task-graph.json" : "label-to-taskid.json";
    INFO(name);
    (missing == 0 ? w.published.parameters : missing == 1 ? w.published.full_graph : w.published.label_to_taskid) = false;
    REQUIRE_THROWS_AS(w.PlanAction(w.Ctx("retrigger", w.test, R"({"downstream": true})")), BadInput);
    REQUIRE_THROWS_WITH(w.PlanAction(w.Ctx("retrigger", w.test, R"({"downstream": true})")), Catch::Contains(name));
    // without downstream: a copy of the definition, and a note why
    Plan p = MustPlan(w, w.Ctx("retrigger", w.test));
    REQUIRE(p.ops.size() == 1);
    REQUIRE(p.ops[0].of == w.test);
    REQUIRE(p.notes.size() == 1);
    REQUIRE_THAT(p.notes[0], Catch::Contains(name) && Catch::Contains("the task's own definition is copied"));
  }
}

// ============================================================== retrigger-disabled

TEST_CASE("retrigger-disabled --force: its dependents are read; consumers keep waiting on the original",
          "[planners][retrigger-disabled]") {
  FactsWorld w;
  std::string id = w.Add("completed", false, kSigning);
  Context ctx = w.Ctx("retrigger-disabled", id, R"({"force": true, "times": 2})");
  auto reqs = Requests(w, ctx);
  REQUIRE(reqs.size() == 2);
  REQUIRE(OnlyPush(reqs[0], true));
  REQUIRE(OnlyDependents(reqs[1], {id}));  // within its deadline: no dependency groups

  SECTION("a leaf") {
    Plan p = MustPlan(w, ctx);
    REQUIRE(p.ops.size() == 2);
    for (const auto& op : p.ops) REQUIRE(op.kind == OpKind::kCreate);
    REQUIRE(p.warnings.size() == 1);
    REQUIRE_THAT(p.warnings[0], Catch::StartsWith(id + " (" + kSigning + ") is not marked retriggerable") &&
                                    Catch::Contains("creating a copy because force is true") &&
                                    Catch::Contains("Chain-of-Trust verifiable"));
  }
  SECTION("with a consumer") {
    std::string beetmover = w.Add("unscheduled", false, "beetmover-linux64/opt");
    w.DependOn(beetmover, {id});
    w.Consume(beetmover, id);
    Plan p = MustPlan(w, ctx);
    REQUIRE(p.ops.size() == 2);
    REQUIRE(p.warnings.size() == 2);
    REQUIRE_THAT(p.warnings[1], Catch::StartsWith(id + " (" + kSigning + ") has consumers that keep waiting on the original") &&
                                    Catch::Contains(beetmover + " (beetmover-linux64/opt)") &&
                                    Catch::Contains("rerun the original instead"));
  }
}

TEST_CASE("retrigger-disabled --force: the consumers warning lists every consumer, and only where it applies",
          "[planners][retrigger-disabled]") {
  // a build that is not retriggerable, with 30 tests that consume its artifacts (issue 12)
  FactsWorld w;
  std::string build = w.Add("completed", false, "build-linux64/opt");
  std::vector<std::string> tests, all = {build};
  for (int i = 0; i < 30; ++i) {
    std::string t = w.Add("completed", true, "test-linux64/opt-" + std::to_string(i));
    w.DependOn(t, {build});
    w.Consume(t, build);
    tests.push_back(t);
    all.push_back(t);
  }
  w.PublishGraph(all);
  SECTION("a copy without downstream: the consumers keep waiting on the original; all 30 listed") {
    Plan p = MustPlan(w, w.Ctx("retrigger-disabled", build, R"({"force": true})"));
    REQUIRE(p.listed_warnings.size() == 1);
    const ListedWarning& lw = p.listed_warnings[0];
    REQUIRE(lw.items.size() == 30);
    REQUIRE_THAT(p.warnings[lw.index], Catch::Contains("has consumers that keep waiting on the original"));
    for (const auto& t : tests) REQUIRE_THAT(p.warnings[lw.index], Catch::Contains(t));
    // the log's form: a count, the first five, "and 25 more"
    const std::string shown = ShortWarning(lw);
    REQUIRE_THAT(shown, Catch::Contains("30 tasks: " + lw.items[0] + ", ") && Catch::Contains(" and 25 more") &&
                            Catch::EndsWith("rerun the original instead"));
    REQUIRE_THAT(shown, !Catch::Contains(lw.items[5]));
  }
  SECTION("a downstream copy re-creates its consumers: no such warning") {
    Plan p = MustPlan(w, w.Ctx("retrigger-disabled", build, R"({"force": true, "downstream": true})"));
    REQUIRE(p.ops.size() == 31);
    REQUIRE_THAT(Joined(p.warnings), !Catch::Contains("keep waiting on the original"));
  }
}

TEST_CASE("retrigger-disabled of a retriggerable task needs no force and reads nothing more than the push",
          "[planners][retrigger-disabled]") {
  FactsWorld w;
  std::string id = w.Add("failed", true);
  Context ctx = w.Ctx("retrigger-disabled", id);
  auto reqs = Requests(w, ctx);
  REQUIRE(reqs.size() == 1);
  REQUIRE(OnlyPush(reqs[0], true));
  Plan p = MustPlan(w, ctx);
  REQUIRE(p.ops.size() == 1);
  REQUIRE(p.ops[0].kind == OpKind::kCreate);
  REQUIRE(p.warnings.empty());
}

TEST_CASE("retrigger-disabled --force past the deadline: a leaf only; dependencies of an earlier phase are named",
          "[planners][retrigger-disabled]") {
  FactsWorld w;
  // a dependency in another task group (an earlier release phase), and one the queue no longer has
  std::string other_group = NewSlugid();
  std::string prev = w.AddDef("completed", tctest::TaskDef(other_group, kNow, kHour, false, "build-linux64/opt"));
  std::string gone = NewSlugid();
  std::string leaf = w.Add("failed", false, "release-mark-as-shipped", 3 * 24 * kHour);
  w.DependOn(leaf, {prev, gone});
  Context ctx = w.Ctx("retrigger-disabled", leaf, R"({"force": true})");
  auto reqs = Requests(w, ctx);
  REQUIRE(reqs.size() == 2);
  REQUIRE(OnlyPush(reqs[0], true));
  REQUIRE(OnlyDependents(reqs[1], {leaf}, {leaf}));

  Plan p = MustPlan(w, ctx);
  REQUIRE(p.ops.size() == 1);
  REQUIRE(ParseTimestamp(p.ops[0].definition["deadline"].GetString())->ms > kNow);
  // not in the full graph: the definition's dependencies are kept
  REQUIRE(Deps(p.ops[0].definition) == std::vector<std::string>{prev, gone, w.action_task});
  const std::string warnings = Joined(p.warnings);
  REQUIRE_THAT(warnings, Catch::Contains("is not marked retriggerable"));
  REQUIRE_THAT(warnings, Catch::Contains("depends on tasks outside its task group (an earlier release phase)") &&
                             Catch::Contains(prev + " (group " + other_group + ")") &&
                             Catch::Contains(gone + " (group expired)"));
  REQUIRE_THAT(warnings, Catch::Contains("the deadline-exceeded original " + leaf +
                                         " (release-mark-as-shipped) stays failed"));
  REQUIRE(p.notes.size() == 1);
  REQUIRE_THAT(p.notes[0], Catch::Contains("passed its deadline"));

  // in the full graph, its earlier-phase dependency known to the push by label: the copy
  // depends on that same task (replaced, not created) and the one the push does not know
  w.push.Known(prev, "build-linux64/opt");
  w.AddLabel(tctest::TaskDef(other_group, kNow, kHour, false, "build-linux64/opt"));
  w.earlier.push_back({NewSlugid(), kNow - kHour, {{"build-linux64/opt", prev}}});
  w.AddToPush(leaf);
  Plan g = MustPlan(w, ctx);
  REQUIRE(g.ops.size() == 1);
  REQUIRE(g.ops[0].label == "release-mark-as-shipped");
  REQUIRE(Deps(g.ops[0].definition) == std::vector<std::string>{w.action_task, gone, prev, w.group});
  REQUIRE_THAT(Joined(g.warnings), Catch::Contains(prev + " (group " + other_group + ")"));

  // not a leaf: refused, naming the consumer
  std::string consumer = w.Add("unscheduled", false, "release-beetmover-linux64", 3 * 24 * kHour);
  w.DependOn(consumer, {leaf});
  w.Consume(consumer, leaf);
  std::string why = Refusal(w, ctx);
  REQUIRE_THAT(why, Catch::StartsWith("retrigger-disabled of deadline-exceeded task " + leaf +
                                      " (release-mark-as-shipped) refused: it is not a leaf") &&
                        Catch::Contains(consumer + " (release-beetmover-linux64)") &&
                        Catch::Contains("a build 2 or advanced relpro"));
}

TEST_CASE("retrigger-disabled --force --downstream: the push, then the dependents; the index only once they allow it",
          "[planners][retrigger-disabled]") {
  DownstreamWorld w;
  // the signing task is a release task: force copies it, downstream re-creates its closure (itself)
  Context ctx = w.Ctx("retrigger-disabled", w.signing, R"({"force": true, "downstream": true})");
  auto reqs = Requests(w, ctx);
  REQUIRE(reqs.size() == 2);
  REQUIRE(OnlyPush(reqs[0], false));
  REQUIRE(OnlyDependents(reqs[1], {w.signing}));
  Plan p = MustPlan(w, ctx);
  REQUIRE(p.ops.size() == 1);
  REQUIRE(p.ops[0].label == kSigning);
  REQUIRE_THAT(Joined(p.warnings), Catch::Contains("forking the release graph (force): 1 release") &&
                                       Catch::Contains("is not marked retriggerable"));

  // past its deadline and not a leaf: refused in needs, before anything more
  FactsWorld old;
  std::string s = old.Add("failed", false, kSigning, 3 * 24 * kHour);
  std::string b = old.Add("unscheduled", false, "beetmover-linux64/opt", 3 * 24 * kHour);
  old.DependOn(b, {s});
  old.Consume(b, s);
  old.PublishGraph({s, b});
  Context octx = old.Ctx("retrigger-disabled", s, R"({"force": true, "downstream": true})");
  std::vector<FactRequest> oreqs;
  REQUIRE_THROWS_WITH(old.Gather(octx, kNow, &oreqs), Catch::Contains("not a leaf"));
  REQUIRE(oreqs.size() == 2);
  REQUIRE(OnlyPush(oreqs[0], false));
  REQUIRE(OnlyDependents(oreqs[1], {s}, {s}));
}

// ============================================================== retrigger-decision

TEST_CASE("retrigger-decision: one copy of a decision, cron or action task in its own group", "[planners][retrigger-decision]") {
  REQUIRE(Spec("retrigger-decision").needs == nullptr);  // the task alone
  for (const char* kind : {"decision-task", "cron-task", "action-callback"}) {
    INFO(kind);
    FactsWorld w;
    Json def = tctest::TaskDef(w.group, kNow, 2 * kHour, false, "Gecko Decision Task");
    def["tags"]["kind"] = Str(kind, def.GetAllocator());
    std::string id = w.AddDef("completed", std::move(def));
    Plan p = MustPlan(w, w.Ctx("retrigger-decision", id));
    REQUIRE(p.ops.size() == 1);
    const Operation& op = p.ops[0];
    REQUIRE(op.kind == OpKind::kCreate);
    REQUIRE(op.task_id == DerivedSlugid(w.action_task, 0));
    REQUIRE(op.of == id);
    REQUIRE(std::string(op.definition["taskGroupId"].GetString()) == w.group);
    REQUIRE(std::string(op.definition["extra"]["parent"].GetString()) == w.action_task);
    REQUIRE(op.definition["dependencies"].Empty());  // one task: no dependency on the action task
    REQUIRE(std::string(op.definition["created"].GetString()) == FormatIsoMs(kNow));
    REQUIRE(p.warnings == std::vector<std::string>{"retrigger-decision: the copy of " + id +
                                                   " (Gecko Decision Task) runs with the original's scopes; its own "
                                                   "actions and tasks appear in task group " + w.group});
    REQUIRE(p.to_run == std::vector<std::string>{"Gecko Decision Task"});
  }
}

TEST_CASE("retrigger-decision of another kind of task is refused", "[planners][retrigger-decision]") {
  FactsWorld w;
  std::string id = w.Add("failed");
  REQUIRE_THAT(Refusal(w, w.Ctx("retrigger-decision", id)),
               Catch::StartsWith("retrigger-decision of " + id + " (test-linux64/opt-1) refused: only decision, cron "
                                 "and action tasks") &&
                   Catch::EndsWith("got kind \"test\"; use retrigger"));
}

// ============================================================== cancel

TEST_CASE("cancel: live tasks are canceled; resolved or deadline-passed ones skipped", "[planners][cancel]") {
  REQUIRE(Spec("cancel").needs == nullptr);
  FactsWorld w;
  for (const char* state : {"unscheduled", "pending", "running"}) {
    INFO(state);
    std::string id = w.Add(state);
    Plan p = MustPlan(w, w.Ctx("cancel", id));
    REQUIRE(p.ops.size() == 1);
    REQUIRE(p.ops[0].kind == OpKind::kCancel);
    REQUIRE(p.ops[0].task_id == id);
    REQUIRE(p.ops[0].label == "test-linux64/opt-1");
    REQUIRE(p.ops[0].status == OpStatus::kPlanned);
    REQUIRE(p.ops[0].detail.empty());
  }
  for (const char* state : {"completed", "failed", "exception"}) {
    INFO(state);
    std::string id = w.Add(state);
    Plan p = MustPlan(w, w.Ctx("cancel", id));
    REQUIRE(p.ops.size() == 1);
    REQUIRE(p.ops[0].status == OpStatus::kSkipped);
    REQUIRE(p.ops[0].detail == std::string("already resolved (") + state + "); nothing to do");
  }
  std::string old = w.Add("pending", true, "test-linux64/opt-1", kPastDeadline);
  Plan p = MustPlan(w, w.Ctx("cancel", old));
  REQUIRE(p.ops[0].status == OpStatus::kSkipped);
  REQUIRE(p.ops[0].detail == "past its deadline " + std::string(w.Status(old)["deadline"].GetString()) +
                                 "; the queue resolves it as deadline-exceeded");
  REQUIRE(p.warnings.empty());
}

// ============================================================== cancel-all

TEST_CASE("cancel-all: reads the group; cancels every live task but the action task", "[planners][cancel-all]") {
  FactsWorld w;
  std::string action = w.AddDef("running", tctest::TaskDef(w.group, kNow, 60 * 1000, false, "action"));
  w.action_task = action;
  std::vector<std::string> live = {w.Add("unscheduled"), w.Add("pending"), w.Add("running")};
  std::string old = w.Add("running", true, "test-linux64/opt-1", kPastDeadline);
  for (const char* state : {"completed", "failed", "exception"}) w.Add(state);
  std::string foreign = w.AddDef("pending", tctest::TaskDef(NewSlugid(), kNow));  // another group: not listed
  Context ctx = w.Ctx("cancel-all", std::nullopt);
  auto reqs = Requests(w, ctx);
  REQUIRE(reqs.size() == 1);
  REQUIRE(reqs[0].group_tasks);
  REQUIRE(reqs[0].tasks.empty());
  REQUIRE_FALSE(reqs[0].push);

  Plan p = MustPlan(w, ctx);
  std::set<std::string> planned, skipped;
  for (const auto& op : p.ops) {
    REQUIRE(op.kind == OpKind::kCancel);
    REQUIRE(op.task_id != action);
    REQUIRE(op.task_id != foreign);
    (op.status == OpStatus::kPlanned ? planned : skipped).insert(op.task_id);
    if (op.task_id == old) {
      REQUIRE(op.status == OpStatus::kSkipped);
      REQUIRE_THAT(op.detail, Catch::StartsWith("past its deadline") && Catch::EndsWith("deadline-exceeded"));
    }
  }
  REQUIRE(planned == std::set<std::string>(live.begin(), live.end()));
  REQUIRE(skipped == std::set<std::string>{old});
  REQUIRE(p.notes.empty());
}

TEST_CASE("cancel-all with nothing live: no op, a note; a taskId is ignored", "[planners][cancel-all]") {
  FactsWorld w;
  std::string done = w.Add("completed");
  Plan p = MustPlan(w, w.Ctx("cancel-all", std::nullopt));
  REQUIRE(p.ops.empty());
  REQUIRE(p.notes == std::vector<std::string>{"no unscheduled, pending or running task in the group; nothing to do"});
  // as taskgraph does, a non-null taskId does not narrow cancel-all
  std::string live = w.Add("pending");
  Plan q = MustPlan(w, w.Ctx("cancel-all", done));
  REQUIRE(q.ops.size() == 1);
  REQUIRE(q.ops[0].task_id == live);
}

// ============================================================== retrigger-multiple

namespace {

// Labels of a graph: two retriggerable tests (one depends on the other),
// release tasks failed / completed / past their deadline.
struct MultipleWorld : FactsWorld {
  std::string t1 = Add("failed", true, "test-1");
  std::string t2 = Add("completed", true, "test-2");
  std::string failed_release = Add("failed", false, "release-signing");
  std::string done_release = Add("completed", false, "build-signing");
  std::string old_release = Add("exception", false, "release-old", kPastDeadline);
  MultipleWorld() {
    DependOn(t2, {t1});
    PublishGraph({t1, t2, failed_release, done_release, old_release});
  }
};

}  // namespace

TEST_CASE("retrigger-multiple: the push first, then the statuses of labels to rerun", "[planners][retrigger-multiple]") {
  MultipleWorld w;
  Context ctx = w.Ctx("retrigger-multiple", std::nullopt,
                      R"({"requests": [{"tasks": ["test-1", "release-signing", "build-signing"], "times": 2}]})");
  auto reqs = Requests(w, ctx);
  REQUIRE(reqs.size() == 2);
  REQUIRE(reqs[0].push);
  REQUIRE_FALSE(reqs[0].push_optional);
  REQUIRE(reqs[0].statuses.empty());
  REQUIRE(reqs[1].statuses == std::vector<std::string>{w.failed_release, w.done_release});
  REQUIRE(reqs[1].index_paths.empty());  // test-1's closure has a task in the push
  REQUIRE_FALSE(reqs[1].push);
}

TEST_CASE("retrigger-multiple: retriggerable labels made `times` times from the full graph, the others rerun when failed",
          "[planners][retrigger-multiple]") {
  MultipleWorld w;
  Plan p = MustPlan(w, w.Ctx("retrigger-multiple", std::nullopt,
                             R"({"requests": [{"tasks": ["test-1", "test-2", "release-signing", "build-signing",
                                                         "release-old"], "times": 2},
                                              {"tasks": ["release-signing"]}]})"));
  std::vector<std::string> reruns;
  int creates = 0;
  for (const auto& op : p.ops) {
    if (op.kind == OpKind::kRerun) reruns.push_back(op.task_id);
    if (op.kind == OpKind::kCreate) ++creates;
  }
  // release-signing is named twice: rerun once
  REQUIRE(reruns == std::vector<std::string>{w.failed_release, w.done_release, w.old_release});
  REQUIRE(p.ops[0].status == OpStatus::kPlanned);
  REQUIRE(p.ops[0].detail == "not retriggerable: rerun instead");
  REQUIRE(p.ops[1].status == OpStatus::kSkipped);
  REQUIRE(p.ops[1].detail == "not retriggerable, and no need to rerun: state is completed");
  REQUIRE(p.ops[2].status == OpStatus::kSkipped);
  REQUIRE_THAT(p.ops[2].detail, Catch::StartsWith("not retriggerable, and past its deadline") &&
                                    Catch::EndsWith("the queue no longer reruns it"));
  // test-1 and test-2, twice; within a copy test-2 depends on the copy of test-1 (and, as every
  // created task, on the action task first)
  REQUIRE(creates == 4);
  std::set<std::string> ids;
  for (size_t i = 3; i < p.ops.size(); ++i) {
    const Operation& op = p.ops[i];
    REQUIRE(op.kind == OpKind::kCreate);
    ids.insert(op.task_id);
    if (op.label == "test-2") {
      REQUIRE(op.after == std::vector<size_t>{i - 1});
      REQUIRE(p.ops[i - 1].label == "test-1");
      REQUIRE(Deps(op.definition) == std::vector<std::string>{w.action_task, p.ops[i - 1].task_id});
    } else {
      REQUIRE(Deps(op.definition) == std::vector<std::string>{w.action_task, w.group});
    }
  }
  REQUIRE(ids == std::set<std::string>{CopyTaskId(w.action_task, "test-1", "0-0"), CopyTaskId(w.action_task, "test-2", "0-0"),
                                       CopyTaskId(w.action_task, "test-1", "0-1"),
                                       CopyTaskId(w.action_task, "test-2", "0-1")});
  REQUIRE(p.per_label == std::vector<std::string>{
                             "release-signing: rerun (state failed)",
                             "build-signing: rerun (not retriggerable, and no need to rerun: state is completed)",
                             "release-old: rerun (" + p.ops[2].detail + ")", "test-1: retriggered x2",
                             "test-2: retriggered x2"});
  REQUIRE(p.notes == p.per_label);
}

TEST_CASE("retrigger-multiple: labels of earlier actions are known through the merged label map",
          "[planners][retrigger-multiple]") {
  MultipleWorld w;
  // an earlier action reran nothing but created a new task for release-signing, then another
  // (later) one: the latest is the label's current task
  std::string first = w.AddDef("completed", tctest::TaskDef(w.group, kNow, kHour, false, "release-signing"));
  std::string latest = w.AddDef("failed", tctest::TaskDef(w.group, kNow, kHour, false, "release-signing"));
  w.earlier.push_back({NewSlugid(), kNow - kHour, {{"release-signing", latest}}});
  w.earlier.push_back({NewSlugid(), kNow - 2 * kHour, {{"release-signing", first}}});
  // a label only an earlier action has (Treeherder sends it when retriggering that job)
  Json added = tctest::TaskDef(w.group, kNow, kHour, false, "test-added");
  w.AddLabel(added);
  std::string added_id = w.AddDef("failed", std::move(added));
  w.earlier.push_back({NewSlugid(), kNow - kHour / 2, {{"test-added", added_id}}});
  // a retriggerable label with no task yet: created, as taskgraph does
  tctest::EntryOptions retrigger;
  retrigger.retrigger = true;
  w.AddLabel(tctest::TaskDef(w.group, kNow, kHour, false, "test-never-run"), retrigger);

  Plan p = MustPlan(w, w.Ctx("retrigger-multiple", std::nullopt,
                             R"({"requests": [{"tasks": ["release-signing", "test-added", "test-never-run"]}]})"));
  REQUIRE(p.ops.size() == 3);
  REQUIRE(p.ops[0].kind == OpKind::kRerun);
  REQUIRE(p.ops[0].task_id == latest);  // the newer earlier action's task wins
  REQUIRE(p.ops[1].kind == OpKind::kRerun);
  REQUIRE(p.ops[1].task_id == added_id);
  REQUIRE(p.ops[2].kind == OpKind::kCreate);
  REQUIRE(p.ops[2].label == "test-never-run");
  REQUIRE(p.ops[2].task_id == CopyTaskId(w.action_task, "test-never-run", "0-0"));
}

TEST_CASE("retrigger-multiple: a label the push does not have is bad input naming it", "[planners][retrigger-multiple]") {
  MultipleWorld w;
  Context ctx = w.Ctx("retrigger-multiple", std::nullopt, R"({"requests": [{"tasks": ["test-1", "no-such-label"]}]})");
  REQUIRE_THROWS_AS(w.PlanAction(ctx), BadInput);
  REQUIRE_THROWS_WITH(w.PlanAction(ctx), "ACTION_INPUT.requests[0].tasks[1]: label \"no-such-label\" has no task in "
                                         "the push (decision " + w.group + " and its earlier actions) and is not a "
                                         "retriggerable label of its full graph; expected a label of this push");
  // in the full graph but not retriggerable and with no task: the same
  w.AddLabel(tctest::TaskDef(w.group, kNow, kHour, false, "release-never-run"));
  REQUIRE_THROWS_WITH(w.PlanAction(w.Ctx("retrigger-multiple", std::nullopt,
                                         R"({"requests": [{"tasks": ["release-never-run"]}]})")),
                      Catch::StartsWith("ACTION_INPUT.requests[0].tasks[0]: label \"release-never-run\" has no task"));
}

TEST_CASE("retrigger-multiple: a label whose task the queue no longer has is skipped", "[planners][retrigger-multiple]") {
  MultipleWorld w;
  w.tasks.erase(w.failed_release);  // in the push, not in the queue
  Plan p = MustPlan(w, w.Ctx("retrigger-multiple", std::nullopt, R"({"requests": [{"tasks": ["release-signing"]}]})"));
  REQUIRE(p.ops.size() == 1);
  REQUIRE(p.ops[0].status == OpStatus::kSkipped);
  REQUIRE(p.ops[0].detail == "not retriggerable, and no need to rerun: state is missing");
}

// ============================================================== rerun-dependents

namespace {

// X failed; its direct dependents:
//   ok       unscheduled, other dependency completed, consumes nothing of X -> cancel + rerun
//   consumer unscheduled, consumes X's artifacts                             -> refused
//   blocked  unscheduled, another dependency still pending                   -> refused
//   gone     unscheduled, another dependency the queue no longer has         -> refused
//   running  running (not waiting)                                           -> skipped
struct DependentsWorld : FactsWorld {
  std::string done = Add("completed", true, "build-win64/opt");
  std::string pending = Add("pending", true, "build-win32/opt");
  std::string missing = NewSlugid();
  std::string x = Add("failed", false, "release-update-verify-win64", kHour, 2);
  std::string ok = Add("unscheduled", false, "release-notify-ship");
  std::string consumer = Add("unscheduled", false, "release-beetmover-win64");
  std::string blocked = Add("unscheduled", false, "release-mark-as-shipped");
  std::string gone = Add("unscheduled", false, "release-bouncer");
  std::string running = Add("running", false, "release-notify-started");
  DependentsWorld() {
    DependOn(x, {done});
    DependOn(ok, {x, done});
    DependOn(consumer, {x});
    Consume(consumer, x);
    DependOn(blocked, {x, pending});
    DependOn(gone, {x, missing});
    DependOn(running, {x});
  }
  const Operation* Op(const Plan& p, const std::string& id, OpKind kind) const {
    for (const auto& op : p.ops)
      if (op.task_id == id && op.kind == kind) return &op;
    return nullptr;
  }
};

}  // namespace

TEST_CASE("rerun-dependents: dependents and the action's creation first, then the other dependencies' states",
          "[planners][rerun-dependents]") {
  DependentsWorld w;
  auto reqs = Requests(w, w.Ctx("rerun-dependents", w.x));
  REQUIRE(reqs.size() == 2);
  REQUIRE(reqs[0].dependents_of == std::vector<std::string>{w.x});
  REQUIRE(reqs[0].action_created);
  REQUIRE(reqs[0].statuses.empty());
  std::set<std::string> others(reqs[1].statuses.begin(), reqs[1].statuses.end());
  REQUIRE(others == std::set<std::string>{w.done, w.pending, w.missing});
  REQUIRE(reqs[1].statuses.size() == others.size());  // each once
}

TEST_CASE("rerun-dependents: each waiting dependent that can run without X is canceled, then rerun",
          "[planners][rerun-dependents]") {
  DependentsWorld w;
  Plan p = MustPlan(w, w.Ctx("rerun-dependents", w.x));
  // ok: cancel, then its rerun after it
  const Operation* cancel = w.Op(p, w.ok, OpKind::kCancel);
  const Operation* rerun = w.Op(p, w.ok, OpKind::kRerun);
  REQUIRE(cancel);
  REQUIRE(rerun);
  REQUIRE(cancel->status == OpStatus::kPlanned);
  REQUIRE(cancel->label == "release-notify-ship");
  REQUIRE(cancel->detail == "checked: 1 other dependency completed; does not consume " + w.x + "'s artifacts");
  REQUIRE(rerun->status == OpStatus::kPlanned);
  REQUIRE(rerun->detail == "runs without " + w.x);
  REQUIRE(rerun->after == std::vector<size_t>{static_cast<size_t>(cancel - p.ops.data())});
  // the others: a skipped cancel each, no rerun
  for (const auto& id : {w.consumer, w.blocked, w.gone, w.running}) {
    INFO(id);
    REQUIRE(w.Op(p, id, OpKind::kRerun) == nullptr);
    REQUIRE(w.Op(p, id, OpKind::kCancel)->status == OpStatus::kSkipped);
  }
  REQUIRE(w.Op(p, w.consumer, OpKind::kCancel)->detail ==
          "refused: it consumes " + w.x + "'s artifacts (its payload names it); it cannot run without them");
  REQUIRE(w.Op(p, w.blocked, OpKind::kCancel)->detail ==
          "refused: other dependencies not completed: " + w.pending + " pending");
  REQUIRE(w.Op(p, w.gone, OpKind::kCancel)->detail == "refused: other dependencies not completed: " + w.missing + " missing");
  REQUIRE(w.Op(p, w.running, OpKind::kCancel)->detail == "not waiting: the task is running");
  REQUIRE(p.ops.size() == 6);
  REQUIRE(p.warnings == std::vector<std::string>{
                            w.x + " (release-update-verify-win64) stays failed; the dependents above run without it "
                                  "(check that the failure is expected and that nothing downstream needs its output)"});
}

TEST_CASE("rerun-dependents: refused when X is not failed, or when no waiting dependent can run without it",
          "[planners][rerun-dependents]") {
  DependentsWorld w;
  for (const char* state : {"completed", "pending", "unscheduled"}) {
    w.Status(w.x)["state"] = Str(state, w.Status(w.x).GetAllocator());
    REQUIRE(Refusal(w, w.Ctx("rerun-dependents", w.x)) ==
            "rerun-dependents of " + w.x + " (release-update-verify-win64) refused: the task is " + state +
                ", not failed or exception; its dependents run (or wait) on their own");
  }
  w.Status(w.x)["state"] = "exception";
  w.tasks.erase(w.ok);
  std::string why = Refusal(w, w.Ctx("rerun-dependents", w.x));
  REQUIRE_THAT(why, Catch::StartsWith("rerun-dependents of " + w.x +
                                      " (release-update-verify-win64) refused: no waiting dependent can run without it: "));
  REQUIRE_THAT(why, Catch::Contains(w.consumer + " (release-beetmover-win64): it consumes") &&
                        Catch::Contains(w.blocked + " (release-mark-as-shipped): other dependencies not completed") &&
                        !Catch::Contains(w.running));
  // no dependents at all
  FactsWorld lone;
  std::string x = lone.Add("failed");
  REQUIRE(Refusal(lone, lone.Ctx("rerun-dependents", x)) ==
          "rerun-dependents of " + x + " (test-linux64/opt-1) refused: no waiting dependent can run without it");
}

TEST_CASE("rerun-dependents: a dependent this action task already canceled only needs its rerun",
          "[planners][rerun-dependents]") {
  DependentsWorld w;
  w.action_created_ms = kNow - 10 * 60 * 1000;
  // an earlier run of this action task canceled `ok` 5 minutes ago
  tctest::MarkCanceled(w.Status(w.ok), kNow - 5 * 60 * 1000);
  Plan p = MustPlan(w, w.Ctx("rerun-dependents", w.x));
  const Operation* cancel = w.Op(p, w.ok, OpKind::kCancel);
  REQUIRE(cancel->status == OpStatus::kDone);
  REQUIRE_THAT(cancel->detail, Catch::EndsWith("; already canceled by an earlier run of this action task"));
  REQUIRE(w.Op(p, w.ok, OpKind::kRerun)->status == OpStatus::kPlanned);
  // canceled before this action task was created: someone else's cancel, not waiting
  // (then nothing waiting can run without X)
  w.action_created_ms = kNow - 1000;
  std::string why = Refusal(w, w.Ctx("rerun-dependents", w.x));
  REQUIRE_THAT(why, Catch::Contains("no waiting dependent can run without it") && !Catch::Contains(w.ok));
}

// ============================================================== rerun-sequence

namespace {

// part-1 (completed) then its poller (failed), as notarization has them.
struct SequenceWorld : FactsWorld {
  std::string part1 = Add("completed", false, "notarization-part-1-macosx64");
  std::string poller = Add("failed", false, "notarization-poller-macosx64");
  SequenceWorld() {
    DependOn(poller, {part1});
    Consume(poller, part1);
    action_created_ms = kNow - 60 * 1000;
  }
  std::string Input(const std::vector<std::string>& ids, const std::string& flags = "") const {
    std::string s = "{\"tasks\": [";
    for (size_t i = 0; i < ids.size(); ++i) s += (i ? ", \"" : "\"") + ids[i] + "\"";
    return s + "]" + (flags.empty() ? "" : ", " + flags) + "}";
  }
};

}  // namespace

TEST_CASE("rerun-sequence: the tasks and the action's creation, then the consumers of completed ones (force)",
          "[planners][rerun-sequence]") {
  SequenceWorld w;
  auto reqs = Requests(w, w.Ctx("rerun-sequence", std::nullopt, w.Input({w.part1, w.poller}, R"("force": true)")));
  REQUIRE(reqs.size() == 2);
  REQUIRE(reqs[0].tasks.size() == 2);
  REQUIRE(reqs[0].tasks[0].task_id == w.part1);
  REQUIRE(reqs[0].tasks[0].field == "ACTION_INPUT.tasks[0]");
  REQUIRE(reqs[0].tasks[0].check_group);
  REQUIRE(reqs[0].tasks[0].required);
  REQUIRE(reqs[0].tasks[1].field == "ACTION_INPUT.tasks[1]");
  REQUIRE(reqs[0].action_created);
  REQUIRE(reqs[0].dependents_of.empty());
  REQUIRE(OnlyDependents(reqs[1], {w.part1}));  // the poller failed: no artifacts verified
  // without force, the consumers do not matter
  REQUIRE(Requests(w, w.Ctx("rerun-sequence", std::nullopt, w.Input({w.poller}))).size() == 1);
  // a task of another group, or one the queue does not have, is bad input naming its place
  std::string foreign = w.AddDef("failed", tctest::TaskDef(NewSlugid(), kNow));
  REQUIRE_THROWS_WITH(w.Gather(w.Ctx("rerun-sequence", std::nullopt, w.Input({w.poller, foreign}))),
                      Catch::StartsWith("ACTION_INPUT.tasks[1]: task " + foreign));
  REQUIRE_THROWS_AS(w.Gather(w.Ctx("rerun-sequence", std::nullopt, w.Input({NewSlugid()}))), BadInput);
}

TEST_CASE("rerun-sequence: a chain of reruns, each awaited but the last", "[planners][rerun-sequence]") {
  SequenceWorld w;
  std::string third = w.Add("exception", false, "notarization-poller-2");
  Plan p = MustPlan(w, w.Ctx("rerun-sequence", std::nullopt, w.Input({w.part1, w.poller, third}, R"("force": true)")));
  REQUIRE(p.ops.size() == 3);
  const std::vector<std::string> ids = {w.part1, w.poller, third};
  for (size_t i = 0; i < 3; ++i) {
    INFO(i);
    REQUIRE(p.ops[i].kind == OpKind::kRerun);
    REQUIRE(p.ops[i].task_id == ids[i]);
    REQUIRE(p.ops[i].status == OpStatus::kPlanned);
    REQUIRE(p.ops[i].await_completion == (i < 2));
    REQUIRE(p.ops[i].resume_since_ms == w.action_created_ms);
    REQUIRE(p.ops[i].after == (i == 0 ? std::vector<size_t>{} : std::vector<size_t>{i - 1}));
  }
  REQUIRE(p.ops[0].label == "notarization-part-1-macosx64");
  // the poller consumes part-1 but is rerun after it in the sequence: no Chain-of-Trust break
  REQUIRE(p.warnings.empty());
}

TEST_CASE("rerun-sequence: completed or unscheduled tasks need force; everything is checked before the first rerun",
          "[planners][rerun-sequence]") {
  SequenceWorld w;
  REQUIRE(Refusal(w, w.Ctx("rerun-sequence", std::nullopt, w.Input({w.part1, w.poller}))) ==
          "rerun-sequence refused: " + w.part1 + " (notarization-part-1-macosx64) is completed; set force: true to "
          "rerun it");
  std::string waiting = w.Add("unscheduled", false, "notarization-poller-2");
  // the first task is fine; the refusal of the second stops the whole sequence
  REQUIRE_THAT(Refusal(w, w.Ctx("rerun-sequence", std::nullopt, w.Input({w.poller, waiting}))),
               Catch::Contains(waiting) && Catch::EndsWith("is unscheduled; set force: true to rerun it"));
  std::string old = w.Add("failed", false, "notarization-poller-3", kPastDeadline);
  REQUIRE(Refusal(w, w.Ctx("rerun-sequence", std::nullopt, w.Input({w.poller, old}, R"("force": true)"))) ==
          "rerun-sequence refused: " + old + " (notarization-poller-3) passed its deadline " +
              w.Status(old)["deadline"].GetString() + "; the queue no longer reruns it");
}

TEST_CASE("rerun-sequence: release consumers outside the sequence that verified a completed task refuse it",
          "[planners][rerun-sequence]") {
  SequenceWorld w;
  std::string signing = w.Add("completed", false, kSigning);  // consumes part-1, ran, not in the sequence
  w.DependOn(signing, {w.part1});
  w.Consume(signing, w.part1);
  const std::string input = w.Input({w.part1, w.poller}, R"("force": true)");
  std::string why = Refusal(w, w.Ctx("rerun-sequence", std::nullopt, input));
  REQUIRE_THAT(why, Catch::StartsWith("rerun-sequence refused: rerunning completed " + w.part1) &&
                        Catch::Contains("outside the sequence already verified: " + signing + " (" + kSigning + ")") &&
                        Catch::Contains("acknowledge_cot_break: true") && !Catch::Contains(w.poller));
  Plan p = MustPlan(w, w.Ctx("rerun-sequence", std::nullopt,
                             w.Input({w.part1, w.poller}, R"("force": true, "acknowledge_cot_break": true)")));
  REQUIRE(p.ops.size() == 2);
  REQUIRE(p.warnings == std::vector<std::string>{"Chain of Trust: rerunning " + w.part1 +
                                                 " (notarization-part-1-macosx64) breaks verification for " + signing +
                                                 " (" + kSigning + ")"});
  // consumers rerun afterwards in the same sequence re-verify: allowed; rerun before it, they count
  REQUIRE(MustPlan(w, w.Ctx("rerun-sequence", std::nullopt, w.Input({w.part1, w.poller, signing}, R"("force": true)")))
              .ops.size() == 3);
  REQUIRE_THAT(Refusal(w, w.Ctx("rerun-sequence", std::nullopt, w.Input({signing, w.part1, w.poller}, R"("force": true)"))),
               Catch::Contains("rerunning completed " + w.part1) && Catch::Contains(signing));
}

TEST_CASE("rerun-sequence: a task this action task already reran is resumed, not checked again",
          "[planners][rerun-sequence]") {
  SequenceWorld w;
  // an earlier run of this action task reran part-1 (it is pending again), then was retried
  tctest::MarkRerun(w.Status(w.part1), kNow - 30 * 1000);
  w.Status(w.part1)["state"] = "pending";
  std::string signing = w.Add("completed", false, kSigning);
  w.DependOn(signing, {w.part1});
  w.Consume(signing, w.part1);
  Context ctx = w.Ctx("rerun-sequence", std::nullopt, w.Input({w.part1, w.poller}, R"("force": true)"));
  auto reqs = Requests(w, ctx);
  REQUIRE(reqs.size() == 1);  // no consumers read for it
  Plan p = MustPlan(w, ctx);
  REQUIRE(p.ops.size() == 2);
  REQUIRE(p.ops[0].resume_since_ms == w.action_created_ms);
  REQUIRE(p.warnings.empty());
  // without force too: the rerun is ours
  REQUIRE(MustPlan(w, w.Ctx("rerun-sequence", std::nullopt, w.Input({w.part1, w.poller}))).ops.size() == 2);
}

// ============================================================== every planner

TEST_CASE("every planner is pure: the same facts give the same plan", "[planners]") {
  DependentsWorld w;
  std::string retriggerable = w.Add("failed", true, "test-linux64/opt-1");
  w.PublishGraph({w.done, w.pending, w.x, retriggerable});
  tctest::EntryOptions cached;
  cached.attributes = ParseJson(R"({"cached_task": {"type": "toolchains.v3", "name": "gcc", "digest": "abc"}})", "a");
  w.AddLabel(tctest::TaskDef(w.group, kNow, kHour, false, "toolchain-linux64-gcc"), cached);
  struct Case {
    std::string cb;
    std::optional<std::string> task;
    std::string input;
  };
  const std::vector<Case> cases = {
      {"rerun", w.x, "{}"},
      {"retrigger", retriggerable, R"({"times": 2})"},
      {"retrigger-disabled", w.x, R"({"force": true})"},
      {"cancel", w.pending, "{}"},
      {"cancel-all", std::nullopt, "{}"},
      {"retrigger-multiple", std::nullopt, R"({"requests": [{"tasks": ["test-linux64/opt-1"]}]})"},
      {"rerun-dependents", w.x, "{}"},
      {"rerun-sequence", std::nullopt, "{\"tasks\": [\"" + w.x + "\"]}"},
      {"add-new-jobs", std::nullopt, R"({"tasks": ["test-linux64/opt-1", "build-win64/opt"], "times": 2})"},
      {"rebuild-cached-tasks", std::nullopt, "{}"},
  };
  std::set<std::string> covered = {"retrigger-decision"};  // its own test above: it needs a decision task
  for (const auto& c : cases) {
    const std::string& cb = c.cb;
    INFO(cb);
    covered.insert(cb);
    const Context ctx = w.Ctx(cb, c.task, c.input);
    Facts facts = w.Gather(ctx);
    const ActionSpec& spec = Spec(cb);
    Plan a = spec.plan(ctx, facts, kNow), b = spec.plan(ctx, facts, kNow);
    REQUIRE(tctest::PlanViolation(a) == "");
    REQUIRE_FALSE(a.ops.empty());
    REQUIRE(a.ops.size() == b.ops.size());
    for (size_t i = 0; i < a.ops.size(); ++i) {
      REQUIRE(a.ops[i].kind == b.ops[i].kind);
      REQUIRE(a.ops[i].task_id == b.ops[i].task_id);
      REQUIRE(a.ops[i].status == b.ops[i].status);
      REQUIRE(a.ops[i].detail == b.ops[i].detail);
      REQUIRE(a.ops[i].definition == b.ops[i].definition);
    }
    REQUIRE(a.warnings == b.warnings);
    REQUIRE(a.notes == b.notes);
  }
  for (const ActionSpec* s : Registry()) REQUIRE(covered.count(s->cb_name));
}

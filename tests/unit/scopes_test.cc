// Taskcluster scopes as the actions need them (actions/scopes.h) and the scope
// preflight (actions/preflight.h), as pure functions: satisfaction, what a
// createTask / rerunTask / cancelTask needs (the queue's api.js rules), the
// messages, and the preflight over whole plans (what it checks, what it
// skips, when it cannot check).
#include <catch2/catch.hpp>

#include "actions/preflight.h"
#include "actions/scopes.h"
#include "core/error.h"
#include "core/slugid.h"

using namespace tc;

namespace {

std::vector<std::vector<std::string>> AnyOf(const std::vector<ScopeNeed>& needs) {
  std::vector<std::vector<std::string>> out;
  for (const auto& n : needs) out.push_back(n.any_of);
  return out;
}

Json Def() {
  return ParseJson(R"({"taskQueueId": "proj-gecko/t-linux", "schedulerId": "gecko-level-3", "projectId": "releng",
                       "priority": "high", "routes": ["tc-treeherder.v2.autoland.abc", "index.gecko.v2.x"],
                       "scopes": ["secrets:get:project/x", "docker-worker:cache:y"]})",
                   "def");
}

Operation Create(const std::string& id, const Json& def) {
  Operation op = NewOp(OpKind::kCreate, id, "label");
  op.definition = CopyJson(def);
  return op;
}

Json Status(const std::string& id, const std::string& group) {
  return ParseJson(R"({"taskId": ")" + id + R"(", "schedulerId": "gecko-level-3", "taskGroupId": ")" + group +
                       R"(", "projectId": "none", "state": "failed", "runs": []})",
                   "status");
}

}  // namespace

TEST_CASE("scopes: satisfaction, as Taskcluster has it", "[scopes]") {
  REQUIRE(ScopeSatisfies("queue:rerun-task:a/b/c", "queue:rerun-task:a/b/c"));
  REQUIRE(ScopeSatisfies("queue:rerun-task:a/*", "queue:rerun-task:a/b/c"));
  REQUIRE(ScopeSatisfies("queue:rerun-task:a/*", "queue:rerun-task:a/"));
  REQUIRE(ScopeSatisfies("*", "anything:at:all"));
  REQUIRE(ScopeSatisfies("*", ""));
  REQUIRE(ScopeSatisfies("queue:*", "queue:*"));          // a star scope is also satisfied literally
  REQUIRE_FALSE(ScopeSatisfies("queue:rerun-task:a", "queue:rerun-task:a/b"));  // no star: exact only
  REQUIRE_FALSE(ScopeSatisfies("queue:*-task:a", "queue:rerun-task:a"));        // * only at the end
  REQUIRE_FALSE(ScopeSatisfies("queue:rerun-task:a/b/c", "queue:rerun-task:a/*"));
  REQUIRE_FALSE(ScopeSatisfies("", "queue:x"));
  REQUIRE_FALSE(ScopeSatisfies("Queue:*", "queue:x"));  // case-sensitive
  REQUIRE(ScopesSatisfy({"a", "queue:*"}, "queue:x"));
  REQUIRE_FALSE(ScopesSatisfy({}, "queue:x"));
}

TEST_CASE("scopes: what createTask needs", "[scopes]") {
  const std::string id = NewSlugid();
  auto needs = CreateTaskScopes(id, Def());
  REQUIRE(AnyOf(needs) == std::vector<std::vector<std::string>>{
                              {"secrets:get:project/x"},
                              {"docker-worker:cache:y"},
                              {"queue:route:tc-treeherder.v2.autoland.abc"},
                              {"queue:route:index.gecko.v2.x"},
                              {"queue:create-task:project:releng"},
                              {"queue:scheduler-id:gecko-level-3"},
                              // the task's priority or a higher one
                              {"queue:create-task:highest:proj-gecko/t-linux", "queue:create-task:very-high:proj-gecko/t-linux",
                               "queue:create-task:high:proj-gecko/t-linux"}});
  for (const auto& n : needs) REQUIRE_THAT(n.why, Catch::StartsWith("createTask " + id));
  REQUIRE(needs[0].why == "createTask " + id + " (task.scopes)");
  // defaults: no projectId: none; no priority: lowest (every level); provisionerId/workerType without taskQueueId
  Json old = ParseJson(R"({"provisionerId": "aws", "workerType": "b-linux", "schedulerId": "s"})", "d");
  auto o = CreateTaskScopes(id, old);
  REQUIRE(AnyOf(o)[0] == std::vector<std::string>{"queue:create-task:project:none"});
  REQUIRE(AnyOf(o)[1] == std::vector<std::string>{"queue:scheduler-id:s"});
  REQUIRE(AnyOf(o)[2].size() == 7);
  REQUIRE(AnyOf(o)[2].back() == "queue:create-task:lowest:aws/b-linux");
  Json highest = Def();
  highest["priority"] = "highest";
  REQUIRE(AnyOf(CreateTaskScopes(id, highest)).back() ==
          std::vector<std::string>{"queue:create-task:highest:proj-gecko/t-linux"});
}

TEST_CASE("scopes: what rerunTask and cancelTask need: the task's scheduler/group/id, or its project", "[scopes]") {
  const std::string id = NewSlugid(), group = NewSlugid();
  ScopeNeed r = RerunOrCancelScopes(OpKind::kRerun, id, Status(id, group));
  REQUIRE(r.any_of == std::vector<std::string>{"queue:rerun-task:gecko-level-3/" + group + "/" + id,
                                               "queue:rerun-task-in-project:none"});
  REQUIRE(r.why == "rerunTask " + id);
  ScopeNeed c = RerunOrCancelScopes(OpKind::kCancel, id, Status(id, group));
  REQUIRE(c.any_of == std::vector<std::string>{"queue:cancel-task:gecko-level-3/" + group + "/" + id,
                                               "queue:cancel-task-in-project:none"});
  REQUIRE(Unsatisfied({"queue:rerun-task:gecko-level-3/*"}, {r, c}).size() == 1);
  REQUIRE(Unsatisfied({"queue:rerun-task-in-project:none", "queue:cancel-task:*"}, {r, c}).empty());
}

TEST_CASE("scopes: the message names every alternative and why, at most max_items needs", "[scopes]") {
  std::vector<ScopeNeed> needs = {{{"a"}, "createTask X (task.scopes)"}, {{"b", "c"}, "rerunTask Y"}};
  REQUIRE(DescribeNeeds(needs) == "a (createTask X (task.scopes)), b or c (rerunTask Y)");
  for (int i = 0; i < 12; ++i) needs.push_back({{"s" + std::to_string(i)}, "w"});
  REQUIRE_THAT(DescribeNeeds(needs, 3), Catch::EndsWith("b or c (rerunTask Y), s0 (w) and 11 more"));
}

TEST_CASE("preflight: every planned call's scopes, before anything is sent", "[scopes][preflight]") {
  const std::string group = NewSlugid();
  const std::string rerun_id = NewSlugid(), cancel_id = NewSlugid(), create_id = NewSlugid(), done_id = NewSlugid();
  Plan plan;
  plan.ops.push_back(Create(create_id, Def()));
  plan.ops.push_back(NewOp(OpKind::kRerun, rerun_id, "r"));
  plan.ops.push_back(NewOp(OpKind::kCancel, cancel_id, "c"));
  Operation skipped = NewOp(OpKind::kRerun, done_id, "done");  // not sent: no scope needed
  skipped.status = OpStatus::kSkipped;
  plan.ops.push_back(std::move(skipped));
  Facts facts;
  // statuses from where the actions read them: a loaded task, a status, the group's listing
  TaskFacts t;
  t.task_id = rerun_id;
  t.status = Status(rerun_id, group);
  facts.tasks[rerun_id] = std::move(t);
  Json entry(rapidjson::kObjectType);
  entry.AddMember("status", JsonValue(Status(cancel_id, group), entry.GetAllocator()), entry.GetAllocator());
  facts.group_tasks.push_back(std::move(entry));
  facts.statuses[done_id] = Status(done_id, group);  // known, but its op is not sent
  const std::vector<std::string> enough = {"secrets:get:project/*",
                                           "docker-worker:cache:y",
                                           "queue:route:tc-treeherder.*",
                                           "queue:route:index.gecko.v2.*",
                                           "queue:create-task:project:releng",
                                           "queue:scheduler-id:gecko-level-3",
                                           "queue:create-task:high:proj-gecko/*",
                                           "queue:rerun-task:gecko-level-3/*",
                                           "queue:cancel-task-in-project:none"};
  SECTION("all granted: nothing to say") {
    facts.current_scopes = enough;
    PreflightScopes(plan, facts);
    REQUIRE(plan.notes.empty());
  }
  SECTION("a scope missing: refused, naming only what is missing, of how many") {
    for (size_t drop = 0; drop < enough.size(); ++drop) {
      INFO("without " << enough[drop]);
      std::vector<std::string> scopes = enough;
      scopes.erase(scopes.begin() + static_cast<long>(drop));
      facts.current_scopes = scopes;
      try {
        PreflightScopes(plan, facts);
        FAIL("not refused");
      } catch (const Refused& e) {
        const std::string msg = e.what();
        REQUIRE_THAT(msg, Catch::StartsWith("the action task's scopes do not allow what the plan needs (1 of 9 calls' "
                                            "scopes missing): ") &&
                              Catch::EndsWith("; nothing was changed"));
        // the missing need, and none of the satisfied ones
        if (drop == 7) REQUIRE_THAT(msg, Catch::Contains("queue:rerun-task:gecko-level-3/" + group + "/" + rerun_id));
        if (drop == 8) REQUIRE_THAT(msg, Catch::Contains("queue:cancel-task-in-project:none (cancelTask " + cancel_id + ")"));
        if (drop == 6) REQUIRE_THAT(msg, Catch::Contains("queue:create-task:highest:proj-gecko/t-linux or"));
        REQUIRE_THAT(msg, !Catch::Contains(done_id));
      }
    }
  }
  SECTION("a higher priority than the task's satisfies it; a lower one does not") {
    std::vector<std::string> scopes = enough;
    scopes[6] = "queue:create-task:highest:proj-gecko/t-linux";
    facts.current_scopes = scopes;
    REQUIRE_NOTHROW(PreflightScopes(plan, facts));
    scopes[6] = "queue:create-task:medium:proj-gecko/t-linux";
    facts.current_scopes = scopes;
    REQUIRE_THROWS_AS(PreflightScopes(plan, facts), Refused);
  }
  SECTION("scopes that cannot be read: a note, and the queue checks each call") {
    facts.scopes_unavailable = "auth.currentScopes answered 404 (no auth service)";
    REQUIRE_NOTHROW(PreflightScopes(plan, facts));
    REQUIRE(plan.notes == std::vector<std::string>{"scope preflight not done (auth.currentScopes answered 404 (no auth "
                                                   "service)); the queue checks the scopes of each call"});
  }
  SECTION("a plan that sends nothing needs no scope, and no scopes") {
    Plan idle;
    Operation s = NewOp(OpKind::kCancel, cancel_id, "c");
    s.status = OpStatus::kSkipped;
    idle.ops.push_back(std::move(s));
    REQUIRE_FALSE(Mutates(idle));
    REQUIRE_NOTHROW(PreflightScopes(idle, facts));
    REQUIRE(idle.notes.empty());
    REQUIRE(Mutates(plan));
  }
}

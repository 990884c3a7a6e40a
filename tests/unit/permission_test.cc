// The action permission check (actions/permission.h) as a pure function: the
// parameters and the action task's current scopes in, a refusal or nothing
// out; the repository role prefixes it derives; and the check in the facts
// reading of a non-generic action (tests/support/facts_world.h mirrors the
// reader: the permission before anything else).
#include <catch2/catch.hpp>

#include "actions/permission.h"
#include "actions/registry.h"
#include "actions/scopes.h"
#include "core/error.h"
#include "core/yaml.h"
#include "facts_world.h"
#include "test_util.h"

using namespace tc;

namespace {

const ActionSpec& Rebuild() { return *FindAction("rebuild-cached-tasks"); }

Context Ctx(const std::string& action = "rebuild-cached-tasks") {
  Context c;
  c.action = action;
  return c;
}

Facts With(const std::string& params, std::optional<std::vector<std::string>> scopes, std::string why = "") {
  Facts f;
  f.parameters = ParseYaml(params, "parameters.yml");
  f.current_scopes = std::move(scopes);
  f.scopes_unavailable = std::move(why);
  return f;
}

const char* kHg = "head_repository: https://hg.mozilla.org/integration/autoland\n"
                  "base_repository: https://hg.mozilla.org/mozilla-central\n";

// "" when allowed, else the refusal.
std::string Check(const std::string& params, const std::vector<std::string>& scopes) {
  try {
    CheckPermission(Rebuild(), Ctx(), With(params, scopes));
  } catch (const Refused& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("permission: the action scope of head_repository, with Taskcluster's satisfaction rules", "[permission]") {
  const std::string need = "assume:repo:hg.mozilla.org/integration/autoland:action:rebuild-cached-tasks";
  for (const std::string& granted : {need, std::string("assume:repo:hg.mozilla.org/integration/autoland:action:*"),
                                     std::string("assume:repo:hg.mozilla.org/integration/autoland:*"),
                                     std::string("assume:repo:hg.mozilla.org/*"), std::string("assume:*"),
                                     std::string("*")}) {
    INFO(granted);
    REQUIRE(Check(kHg, {"queue:create-task:*", granted}).empty());
  }
  for (const std::string& not_granted :
       {std::string("assume:repo:hg.mozilla.org/integration/autoland:action:generic"),
        std::string("assume:repo:hg.mozilla.org/integration/autoland:action:rebuild-cached"),  // a prefix, no star
        std::string("assume:repo:hg.mozilla.org/integration/autoland:action:rebuild-cached-tasks-x"),
        std::string("assume:repo:hg.mozilla.org/integration/autoland:action:rebuild-*-tasks"),  // * only at the end
        std::string("assume:repo:hg.mozilla.org/mozilla-central:action:rebuild-cached-tasks"),  // the base's action
        std::string("assume:repo:hg.mozilla.org/integration/autoland:pr-action:rebuild-cached-tasks"),  // head's pr
        std::string("repo:hg.mozilla.org/integration/autoland:action:rebuild-cached-tasks")}) {  // no assume:
    INFO(not_granted);
    REQUIRE_THAT(Check(kHg, {not_granted}),
                 Catch::Equals("rebuild-cached-tasks refused: it needs the permission rebuild-cached-tasks: the action "
                               "task's scopes hold neither " + need +
                               " nor assume:repo:hg.mozilla.org/mozilla-central:pr-action:rebuild-cached-tasks; the "
                               "action's hook (in-tree-action-<level>-rebuild-cached-tasks) must run with that role"));
  }
  REQUIRE_FALSE(Check(kHg, {}).empty());
}

TEST_CASE("permission: the pr-action scope of base_repository (head_repository when there is none)", "[permission]") {
  REQUIRE(Check(kHg, {"assume:repo:hg.mozilla.org/mozilla-central:pr-action:rebuild-cached-tasks"}).empty());
  REQUIRE(Check(kHg, {"assume:repo:hg.mozilla.org/mozilla-central:pr-action:*"}).empty());
  const char* no_base = "head_repository: https://github.com/org/repo\n";
  REQUIRE(Check(no_base, {"assume:repo:github.com/org/repo:pr-action:rebuild-cached-tasks"}).empty());
  REQUIRE_THAT(Check(no_base, {}), Catch::Contains("assume:repo:github.com/org/repo:action:rebuild-cached-tasks nor "
                                                   "assume:repo:github.com/org/repo:pr-action:rebuild-cached-tasks"));
}

TEST_CASE("permission: unreadable scopes refuse, saying why", "[permission]") {
  try {
    CheckPermission(Rebuild(), Ctx(), With(kHg, std::nullopt, "auth.currentScopes answered 403 (InsufficientScopes)"));
    FAIL("not refused");
  } catch (const Refused& e) {
    REQUIRE_THAT(e.what(), Catch::StartsWith("rebuild-cached-tasks refused: it needs the permission rebuild-cached-tasks") &&
                               Catch::Contains("cannot be read: auth.currentScopes answered 403 (InsufficientScopes)"));
  }
}

TEST_CASE("permission: parameters without a readable head_repository are bad input naming it", "[permission]") {
  REQUIRE_THROWS_WITH(CheckPermission(Rebuild(), Ctx(), With("project: x\n", std::vector<std::string>{"*"})),
                      "parameters.head_repository: missing; the decision parameters must set it");
  REQUIRE_THROWS_WITH(
      CheckPermission(Rebuild(), Ctx(), With("head_repository: /local/path\n", std::vector<std::string>{"*"})),
      Catch::StartsWith("parameters.head_repository: \"/local/path\" is not a repository URL"));
  REQUIRE_THROWS_WITH(CheckPermission(Rebuild(), Ctx(),
                                      With("head_repository: https://github.com/o/r\nbase_repository: nope\n",
                                           std::vector<std::string>{"*"})),
                      Catch::StartsWith("parameters.base_repository:"));
}

TEST_CASE("permission: repository role prefixes, as Taskcluster's repo roles name them", "[permission]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"https://hg.mozilla.org/mozilla-central", "repo:hg.mozilla.org/mozilla-central"},
      {"https://hg.mozilla.org/integration/autoland/", "repo:hg.mozilla.org/integration/autoland"},
      {"ssh://hg.mozilla.org/projects/tcproj", "repo:hg.mozilla.org/projects/tcproj"},
      {"https://github.com/tc-action/tcproj", "repo:github.com/tc-action/tcproj"},
      {"https://github.com/tc-action/tcproj.git", "repo:github.com/tc-action/tcproj"},
      {"https://github.com/tc-action/tcproj/", "repo:github.com/tc-action/tcproj"},
      {"git@github.com:tc-action/tcproj.git", "repo:github.com/tc-action/tcproj"},
      {"ssh://git@github.com/tc-action/tcproj", "repo:github.com/tc-action/tcproj"},
      {"https://github.com:443/org/repo", "repo:github.com/org/repo"},
  };
  for (const auto& [url, prefix] : cases) {
    INFO(url);
    REQUIRE(RepoRolePrefix(url, "f") == prefix);
  }
  for (const char* bad : {"", "github.com/org/repo", "https://github.com/", "file:///x"}) {
    INFO(bad);
    REQUIRE_THROWS_AS(RepoRolePrefix(bad, "parameters.head_repository"), BadInput);
  }
}

TEST_CASE("permission: a non-generic action is checked before anything else is read; generic ones are not",
          "[permission]") {
  tctest::FactsWorld w;
  std::string dec = w.AddDef("completed", [&] {
    Json d = tctest::TaskDef(w.group, tctest::kNow, 3600 * 1000, false, "Gecko Decision Task");
    d["tags"]["kind"] = "decision-task";
    return d;
  }());
  std::string test = w.Add("failed", true, "test-linux64/opt-1");
  w.current_scopes = std::vector<std::string>{"assume:repo:hg.mozilla.org/integration/autoland:action:generic"};
  for (const auto& [cb, task] : std::vector<std::pair<std::string, std::optional<std::string>>>{
           {"retrigger-decision", dec}, {"rebuild-cached-tasks", std::nullopt}}) {
    INFO(cb);
    std::vector<FactRequest> reqs;
    REQUIRE_THROWS_AS(w.Gather(w.Ctx(cb, task), tctest::kNow, &reqs), Refused);
    REQUIRE(reqs.size() == 1);  // the parameters and the scopes, then the refusal
    REQUIRE(reqs[0].parameters);
    REQUIRE(reqs[0].current_scopes);
    REQUIRE_FALSE(reqs[0].push);
  }
  // generic actions run with no action permission at all (the hook decides; the preflight checks each call)
  w.current_scopes = std::vector<std::string>{};
  REQUIRE(w.PlanAction(w.Ctx("rerun", test)).ops.size() == 1);
  REQUIRE(w.PlanAction(w.Ctx("retrigger", test)).ops.size() == 1);
  // the permission granted: planned
  w.current_scopes = std::vector<std::string>{"assume:repo:hg.mozilla.org/integration/autoland:action:retrigger-decision"};
  REQUIRE(w.PlanAction(w.Ctx("retrigger-decision", dec)).ops.size() == 1);
}

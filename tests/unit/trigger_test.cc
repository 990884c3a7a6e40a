// Picking an action for a task, as the Taskcluster UI / Treeherder do, and
// rendering its hookPayload: checked against treeherder's own expected output
// and fxci-config's asserted values (tests/data/actions/).
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "core/error.h"
#include "registration/trigger.h"

using namespace tc;

namespace {

Json Load(const std::string& name) {
  std::string p = std::string(TC_SOURCE_DIR) + "/tests/data/actions/" + name;
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ParseJson(ss.str(), p);
}

std::vector<std::string> Names(const JsonValue& list) {
  std::vector<std::string> out;
  for (auto& a : list.GetArray()) out.push_back(a["name"].GetString());
  return out;
}

}  // namespace

TEST_CASE("trigger: relevant actions for the raptor task equal treeherder's expected output", "[trigger]") {
  Json actions = Load("gecko-autoland-2020.actions.json");
  Json task = Load("gecko-autoland-2020.test-raptor-generic-worker.json");
  Json expected = Load("gecko-autoland-2020.relevant-actions-for-raptor-task.json");
  Json got = RelevantActions(actions, &task["tags"]);
  REQUIRE(Names(got) == Names(expected));
  REQUIRE(got == expected);  // the very entries, in the file's order
}

TEST_CASE("trigger: fenix actions for the group and for a cron task (fxci-config's asserted values)", "[trigger]") {
  Json actions = Load("fenix-2022.actions.json");
  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  REQUIRE(sorted(Names(RelevantActions(actions, nullptr))) ==
          std::vector<std::string>{"add-new-jobs", "cancel-all", "release-promotion", "retrigger-multiple"});
  Json tags = ParseJson(R"({"kind": "cron-task"})", "tags");
  REQUIRE(sorted(Names(RelevantActions(actions, &tags))) == std::vector<std::string>{"cancel", "rerun", "retrigger"});
  // retrigger of a cron task is retrigger-decision (first matching entry)
  Json pick = PickAction(actions, "retrigger", &tags, true);
  REQUIRE(std::string(pick["hookPayload"]["decision"]["action"]["cb_name"].GetString()) == "retrigger-decision");
}

TEST_CASE("trigger: retrigger falls through to the disabled variant; wrong context and names are refused", "[trigger]") {
  Json actions = Load("gecko-autoland-2020.actions.json");
  Json retriggerable = ParseJson(R"({"kind": "test", "retrigger": "true"})", "t");
  Json release = ParseJson(R"({"kind": "beetmover"})", "t");
  Json empty = ParseJson("{}", "t");
  auto cb = [](const Json& a) { return std::string(a["hookPayload"]["decision"]["action"]["cb_name"].GetString()); };
  REQUIRE(cb(PickAction(actions, "retrigger", &retriggerable, true)) == "retrigger");
  REQUIRE(cb(PickAction(actions, "retrigger", &release, true)) == "retrigger-disabled");
  REQUIRE(cb(PickAction(actions, "retrigger", &empty, true)) == "retrigger-disabled");
  REQUIRE(std::string(PickAction(actions, "retrigger", &release, true)["title"].GetString()) == "Retrigger (disabled)");
  REQUIRE(cb(PickAction(actions, "cancel-all", nullptr, false)) == "cancel-all");
  REQUIRE_THROWS_AS(PickAction(actions, "no-such-action", &release, true), BadInput);
  REQUIRE_THROWS_WITH(PickAction(actions, "cancel-all", &release, true), Catch::Contains("whole task group"));
  REQUIRE_THROWS_AS(PickAction(actions, "cancel-all", &release, true), Refused);
  REQUIRE_THROWS_WITH(PickAction(actions, "rerun", nullptr, false), Catch::Contains("--task"));
  // context mismatch: geckoprofile is only for talos/raptor tasks
  REQUIRE_THROWS_WITH(PickAction(actions, "geckoprofile", &release, true), Catch::Contains("match none"));
}

TEST_CASE("trigger: input gets the schema's defaults and must validate", "[trigger]") {
  Json actions = Load("gecko-autoland-2020.actions.json");
  Json tags = ParseJson(R"({"retrigger": "true"})", "t");
  Json action = PickAction(actions, "retrigger", &tags, true);
  Json input = ParseJson("{}", "i");
  PrepareInput(action, input);
  REQUIRE(input == ParseJson(R"({"downstream": false, "times": 1})", "x"));
  Json bad = ParseJson(R"({"times": 0})", "i");
  REQUIRE_THROWS_WITH(PrepareInput(action, bad), Catch::Contains("input.times"));
  Json bad2 = ParseJson(R"({"times": "3"})", "i");
  REQUIRE_THROWS_AS(PrepareInput(action, bad2), BadInput);
  // no schema (cancel): {} passes
  Json cancel = PickAction(actions, "cancel", &tags, true);
  Json none = ParseJson("{}", "i");
  REQUIRE_NOTHROW(PrepareInput(cancel, none));
}

TEST_CASE("trigger: hookPayload renders to the real triggerHook payload (gecko try 2018 retrigger)", "[trigger]") {
  Json actions = Load("gecko-try-2018.actions.json");
  Json ctx = Load("in-tree-action.retrigger.jsone-context.json");
  Json tags = ParseJson("{}", "t");  // 2018: plain retrigger had context [{}]
  Json action = PickAction(actions, "retrigger", &tags, true);
  REQUIRE(std::string(action["hookPayload"]["decision"]["action"]["cb_name"].GetString()) == "retrigger");
  Json input = ParseJson("{}", "i");
  PrepareInput(action, input);
  Json payload = RenderHookPayload(actions, action, "LpCJV9wUQHSAm5SHyW4Olw", std::string("KkDeSaLFSq-OFo1QGc-hGQ"), input);
  REQUIRE(payload == ctx["payload"]);
}

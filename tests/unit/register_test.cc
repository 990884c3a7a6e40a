// `tc-action register`: actions.json version 1 as Firefox CI's decision tasks
// render it, checked against a real one (tests/data/actions/gecko-try-2018.*:
// same parameters + .taskcluster.yml in, same hookIds, variables and
// hookPayloads out) and against action-schema-v1.
#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <sstream>

#include "core/error.h"
#include "registration/register.h"
#include "core/schema.h"

using namespace tc;

namespace {

std::string Data(const std::string& name) { return std::string(TC_SOURCE_DIR) + "/tests/data/actions/" + name; }
std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
const char* kDecision = "LpCJV9wUQHSAm5SHyW4Olw";

Json Decls() { return RegistryDeclarations(); }

Json Render() {
  Json params = ParseYaml(Slurp(Data("gecko-try-2018.parameters.yml")), "parameters");
  return RenderActionsJson(params, Decls(), Slurp(Data("gecko-try-2018.taskcluster.yml")), "gecko", kDecision);
}

const JsonValue* Find(const JsonValue& doc, const std::string& name, const std::string& cb) {
  for (auto& a : doc["actions"].GetArray())
    if (a["name"].GetString() == name && a["hookPayload"]["decision"]["action"]["cb_name"].GetString() == cb) return &a;
  return nullptr;
}

std::set<std::string> Keys(const JsonValue& o) {
  std::set<std::string> k;
  for (auto& m : o.GetObject()) k.insert(m.name.GetString());
  return k;
}

}  // namespace

TEST_CASE("register: .taskcluster.yml hash names the hooks (as the 2018 try decision did)", "[register]") {
  REQUIRE(TaskclusterYmlHash(Slurp(Data("gecko-try-2018.taskcluster.yml"))) == "bb2dee27f9");
}

TEST_CASE("register: output validates and matches the real gecko-try-2018 actions.json", "[register]") {
  Json doc = Render();
  REQUIRE_FALSE(ValidateSchema("action-schema-v1.json", doc));
  Json real = ParseJson(Slurp(Data("gecko-try-2018.actions.json")), "real");
  REQUIRE(doc["version"] == real["version"]);
  REQUIRE(doc["variables"] == real["variables"]);  // {"parameters": ...}
  // sorted by order: retrigger-decision 11, retrigger 19, retrigger-disabled 20, add-new-jobs 100, rerun 300,
  // rerun-dependents 310, cancel 350, cancel-all 400, rerun-sequence 410, rebuild-cached-tasks 1000,
  // retrigger-multiple 10000
  std::vector<std::string> cbs;
  for (auto& a : doc["actions"].GetArray()) cbs.push_back(a["hookPayload"]["decision"]["action"]["cb_name"].GetString());
  REQUIRE(cbs == std::vector<std::string>{"retrigger-decision", "retrigger", "retrigger-disabled", "add-new-jobs", "rerun",
                                          "rerun-dependents", "cancel", "cancel-all", "rerun-sequence",
                                          "rebuild-cached-tasks", "retrigger-multiple"});
  for (const char* name : {"rerun", "cancel", "cancel-all"}) {
    INFO(name);
    const JsonValue* mine = Find(doc, name, name);
    const JsonValue* theirs = Find(real, name, name);
    REQUIRE(mine);
    REQUIRE(theirs);
    for (const char* k : {"hookPayload", "hookGroupId", "hookId", "context", "title", "description", "kind", "name"})
      CHECK((*mine)[k] == (*theirs)[k]);
  }
  // every entry: hook kind, level-1 hooks of project-gecko, extra.actionPerm
  for (auto& a : doc["actions"].GetArray()) {
    std::string perm = a["extra"]["actionPerm"].GetString();
    REQUIRE(std::string(a["hookGroupId"].GetString()) == "project-gecko");
    REQUIRE(std::string(a["hookId"].GetString()) == "in-tree-action-1-" + perm + "/bb2dee27f9");
    REQUIRE(a.HasMember("schema"));
  }
  REQUIRE(std::string((*Find(doc, "retrigger", "retrigger-decision"))["extra"]["actionPerm"].GetString()) ==
          "retrigger-decision");
  REQUIRE(std::string((*Find(doc, "rebuild-cached-tasks", "rebuild-cached-tasks"))["extra"]["actionPerm"].GetString()) ==
          "rebuild-cached-tasks");
  REQUIRE(std::string((*Find(doc, "add-new-jobs", "add-new-jobs"))["extra"]["actionPerm"].GetString()) == "generic");
}

TEST_CASE("register: entries have the structure of the 2020 autoland actions.json", "[register]") {
  Json doc = Render();
  Json real = ParseJson(Slurp(Data("gecko-autoland-2020.actions.json")), "real");
  for (auto& [name, cb] : std::vector<std::pair<std::string, std::string>>{
           {"retrigger", "retrigger-decision"}, {"retrigger", "retrigger"}, {"retrigger", "retrigger-disabled"},
           {"rerun", "rerun"}, {"cancel", "cancel"}, {"cancel-all", "cancel-all"},
           {"retrigger-multiple", "retrigger-multiple"}}) {
    INFO(cb);
    const JsonValue* mine = Find(doc, name, cb);
    const JsonValue* theirs = Find(real, name, cb);
    REQUIRE(mine);
    REQUIRE(theirs);
    std::set<std::string> mk = Keys(*mine), tk = Keys(*theirs);
    mk.erase("schema");
    tk.erase("schema");
    CHECK(mk == tk);
    CHECK((*mine)["context"] == (*theirs)["context"]);
    CHECK((*mine)["title"] == (*theirs)["title"]);
    CHECK((*mine)["description"] == (*theirs)["description"]);
    CHECK((*mine)["hookPayload"]["decision"]["action"]["symbol"] == (*theirs)["hookPayload"]["decision"]["action"]["symbol"]);
    CHECK(Keys((*mine)["hookPayload"]["decision"]["action"]) == Keys((*theirs)["hookPayload"]["decision"]["action"]));
    CHECK((*mine)["hookPayload"]["user"] == (*theirs)["hookPayload"]["user"]);
  }
}

TEST_CASE("register: the hook definition embeds tasks[0] of .taskcluster.yml with the fxci $let", "[register]") {
  Json doc = Render();
  std::string tpl_path = std::string(TC_SOURCE_DIR) + "/taskcluster/hooks/in-tree-action.json";
  Json tpl = ParseJson(Slurp(tpl_path), tpl_path);
  Json hooks = BuildActionHooks(doc, tpl, Slurp(Data("gecko-try-2018.taskcluster.yml")));
  REQUIRE(hooks.Size() == 3);  // generic, retrigger-decision, rebuild-cached-tasks
  Json real = ParseJson(Slurp(Data("in-tree-action.retrigger.hook-task-template.json")), "real");
  const JsonValue* generic = nullptr;
  for (auto& h : hooks.GetArray())
    if (std::string(h["hookId"].GetString()) == "in-tree-action-1-generic/bb2dee27f9") generic = &h;
  REQUIRE(generic);
  REQUIRE(std::string((*generic)["hookGroupId"].GetString()) == "project-gecko");
  // a hooks create-hook-request body: the task template, with the trust domain bound in its $let (the
  // real 2018 template predates it: everything else is the same)
  const JsonValue& hook = (*generic)["hook"];
  for (const char* k : {"metadata", "schedule", "bindings", "task", "triggerSchema"}) REQUIRE(hook.HasMember(k));
  Json let = CopyJson(hook["task"]["$let"]);
  REQUIRE(std::string(let["trust_domain"].GetString()) == "gecko");
  let.RemoveMember("trust_domain");
  REQUIRE(let == real["$let"]);
  REQUIRE(hook["task"]["in"] == real["in"]["tasks"][0]);
  REQUIRE(hook["triggerSchema"].IsObject());
}

TEST_CASE("register: the installed taskcluster/.taskcluster.yml is a list of tasks", "[register]") {
  Json doc = Render();
  std::string tpl_path = std::string(TC_SOURCE_DIR) + "/taskcluster/hooks/in-tree-action.json";
  Json hooks = BuildActionHooks(doc, ParseJson(Slurp(tpl_path), tpl_path),
                                Slurp(std::string(TC_SOURCE_DIR) + "/taskcluster/.taskcluster.yml"));
  REQUIRE(hooks.Size() == 3);
  std::string text = ToJson(hooks[0]["hook"]["task"]);
  REQUIRE(text.find("ACTION_CALLBACK") != std::string::npos);
  REQUIRE(text.find("@ACTION_PERM@") == std::string::npos);
}

TEST_CASE("register: bad declarations and parameters are refused, naming the field", "[register]") {
  auto load = [](const std::string& yml) { return LoadDeclarations(ParseYaml(yml, "t"), "t"); };
  REQUIRE_THROWS_WITH(load("actions: [{name: x, title: X, symbol: x, description: d, context: [{}]}]"),
                      Catch::Contains("cb_name") && Catch::Contains("not an action tc-action implements"));
  REQUIRE_THROWS_WITH(load("actions: [{name: cancel-all, title: X, symbol: x, description: d, kind: group, context: [{}]}]"),
                      Catch::Contains(".kind"));
  REQUIRE_THROWS_WITH(load("actions: [{name: rerun, title: X, symbol: x, description: d, context: [{}], permission: a/b}]"),
                      Catch::Contains("permission"));
  REQUIRE_THROWS_WITH(load("actions: [{name: rerun, title: X, symbol: x, description: d, context: [{}], schema: inputs/nope.json}]"),
                      Catch::Contains(".schema"));
  REQUIRE_THROWS_AS(load("actions: [{name: rerun, title: X, symbol: x, description: d, context: [{}]}, "
                         "{name: rerun, title: X, symbol: x, description: d, context: [{}]}]"),
                    BadInput);
  Json params = ParseYaml("project: try\nhead_rev: abc\nhead_repository: https://hg.mozilla.org/try\n", "p");
  REQUIRE_THROWS_WITH(RenderActionsJson(params, Decls(), "x", "gecko", kDecision), Catch::Contains("parameters.level"));
  params = ParseYaml("level: 3\nproject: try\nhead_rev: abc\nhead_repository: https://hg.mozilla.org/try\n", "p");
  REQUIRE_THROWS_WITH(RenderActionsJson(params, Decls(), "x", "gecko", "nope"), Catch::Contains("not a valid taskId"));
  // numeric level is rendered as the string Firefox CI uses
  Json doc = RenderActionsJson(params, Decls(), "x", "gecko", kDecision);
  REQUIRE(std::string(doc["actions"][0]["hookPayload"]["decision"]["repository"]["level"].GetString()) == "3");
}

TEST_CASE("register: YAML scalars are typed as js-yaml / PyYAML type them", "[register]") {
  Json d = ParseYaml("a: '1'\nb: 1\nc: true\nd: ~\ne: 1.5\nf: x\n", "t");
  REQUIRE(d["a"].IsString());
  REQUIRE(d["b"].IsInt64());
  REQUIRE(d["c"].IsBool());
  REQUIRE(d["d"].IsNull());
  REQUIRE(d["e"].IsDouble());
  REQUIRE(d["f"].IsString());
  REQUIRE_THROWS_AS(ParseYaml("a: [", "t"), BadInput);
}

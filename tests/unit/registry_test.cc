// The action registry (actions/registry.h): the invariants its header
// states, checked over every entry, and the lookups.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <set>

#include "actions/registry.h"
#include "core/json.h"
#include "core/schema.h"

using namespace tc;

namespace {

// One file per action (actions/<cb_name>.cc), each registered once.
const std::vector<std::string> kActionFiles = {"add-new-jobs",       "cancel",           "cancel-all",
                                               "rebuild-cached-tasks", "rerun",          "rerun-dependents",
                                               "rerun-sequence",     "retrigger",        "retrigger-decision",
                                               "retrigger-disabled", "retrigger-multiple"};

std::vector<std::string> CbNames() {
  std::vector<std::string> out;
  for (const ActionSpec* a : Registry()) out.push_back(a->cb_name);
  return out;
}

size_t IndexOf(const std::string& cb) {
  const auto names = CbNames();
  return static_cast<size_t>(std::find(names.begin(), names.end(), cb) - names.begin());
}

}  // namespace

TEST_CASE("registry: one entry per action file, cb_names unique", "[registry]") {
  const auto names = CbNames();
  REQUIRE(names.size() == kActionFiles.size());
  REQUIRE(std::set<std::string>(names.begin(), names.end()) ==
          std::set<std::string>(kActionFiles.begin(), kActionFiles.end()));
}

TEST_CASE("registry: every entry is complete and consistent", "[registry]") {
  for (const ActionSpec* a : Registry()) {
    INFO(a->cb_name);
    REQUIRE(a->name != nullptr);
    REQUIRE(std::strlen(a->name) > 0);
    REQUIRE(std::strlen(a->title) > 0);
    REQUIRE(std::strlen(a->description) > 0);
    // treeherder symbol: 1-25 characters
    REQUIRE(std::strlen(a->symbol) >= 1);
    REQUIRE(std::strlen(a->symbol) <= 25);
    REQUIRE(std::strlen(a->permission) > 0);
    // every entry has a planner
    REQUIRE(a->plan != nullptr);
    // the input schema is embedded, named after the cb_name, and a schema (an object)
    REQUIRE(std::string(a->input_schema) == "inputs/" + std::string(a->cb_name) + ".json");
    const std::string* schema = EmbeddedSchemaText(a->input_schema);
    REQUIRE(schema != nullptr);
    REQUIRE(ParseJson(*schema, a->input_schema).IsObject());
    // the context is a JSON list of tag-sets (objects of strings)
    Json context = ParseJson(a->context, "context");
    REQUIRE(context.IsArray());
    for (const auto& tags : context.GetArray()) {
      REQUIRE(tags.IsObject());
      for (const auto& m : tags.GetObject()) REQUIRE(m.value.IsString());
    }
    if (a->kind == ActionKind::kTask) {
      // a task action applies to some task: a non-empty context
      REQUIRE_FALSE(context.Empty());
    } else {
      REQUIRE(std::string(a->context) == "[]");
    }
  }
}

TEST_CASE("registry: task and group actions are the ones taskgraph has", "[registry]") {
  std::set<std::string> group;
  for (const ActionSpec* a : Registry())
    if (a->kind == ActionKind::kGroup) group.insert(a->cb_name);
  REQUIRE(group == std::set<std::string>{"add-new-jobs", "cancel-all", "rebuild-cached-tasks", "retrigger-multiple",
                                         "rerun-sequence"});
}

TEST_CASE("registry: every action file exists, named after its cb_name", "[registry]") {
  for (const ActionSpec* a : Registry()) {
    std::string file = a->cb_name;
    std::replace(file.begin(), file.end(), '-', '_');
    INFO(file);
    REQUIRE(std::ifstream(std::string(TC_SOURCE_DIR) + "/action/actions/" + file + ".cc").good());
  }
}

TEST_CASE("registry: the retrigger entries share a name; the most specific context comes first", "[registry]") {
  // For a task the first entry of a name whose context matches wins.
  for (const char* cb : {"retrigger", "retrigger-decision", "retrigger-disabled"})
    REQUIRE(std::string(FindAction(cb)->name) == "retrigger");
  REQUIRE(std::string(FindAction("retrigger-multiple")->name) == "retrigger-multiple");
  REQUIRE(IndexOf("retrigger-decision") < IndexOf("retrigger"));
  REQUIRE(IndexOf("retrigger") < IndexOf("retrigger-disabled"));
  REQUIRE(std::string(FindAction("retrigger")->context) == R"([{"retrigger": "true"}])");
  REQUIRE(std::string(FindAction("retrigger-disabled")->context) == "[{}]");
  // menu order: retrigger-decision, then retrigger, then its fallback
  REQUIRE(FindAction("retrigger-decision")->order < FindAction("retrigger")->order);
  REQUIRE(FindAction("retrigger")->order < FindAction("retrigger-disabled")->order);
  // only retrigger-decision and rebuild-cached-tasks need their own permission, named after them (as taskgraph's)
  for (const ActionSpec* a : Registry()) {
    INFO(a->cb_name);
    const std::string cb = a->cb_name;
    REQUIRE(std::string(a->permission) ==
            (cb == "retrigger-decision" || cb == "rebuild-cached-tasks" ? cb : std::string("generic")));
  }
}

namespace {

// The input schema of an action, as a document.
Json InputSchema(const char* cb) { return ParseJson(*EmbeddedSchemaText(FindAction(cb)->input_schema), cb); }

bool Valid(const JsonValue& schema, const std::string& input) {
  return ValidateAgainst(schema, ParseJson(input, "input")).empty();
}

}  // namespace

TEST_CASE("registry: add-new-jobs as taskgraph declares it: a group action, labels and times 1..100", "[registry]") {
  const ActionSpec* a = FindAction("add-new-jobs");
  REQUIRE(a != nullptr);
  REQUIRE(std::string(a->name) == "add-new-jobs");
  REQUIRE(std::string(a->title) == "Add new jobs");
  REQUIRE(std::string(a->symbol) == "add-new");
  REQUIRE(std::string(a->description) == "Add new jobs using task labels.");
  REQUIRE(a->order == 100);
  REQUIRE(std::string(a->permission) == "generic");
  REQUIRE(a->kind == ActionKind::kGroup);
  REQUIRE(a->needs != nullptr);  // the push
  Json schema = InputSchema("add-new-jobs");
  REQUIRE(Valid(schema, R"({"tasks": ["test-linux64/opt-1"]})"));
  REQUIRE(Valid(schema, R"({"tasks": ["a", "b"], "times": 100})"));
  REQUIRE_FALSE(Valid(schema, R"({"tasks": ["a"], "times": 101})"));
  REQUIRE_FALSE(Valid(schema, R"({"tasks": ["a"], "times": 0})"));
  REQUIRE_FALSE(Valid(schema, R"({"tasks": []})"));
  REQUIRE_FALSE(Valid(schema, R"({"tasks": [""]})"));
  REQUIRE_FALSE(Valid(schema, R"({"tasks": [3]})"));
  REQUIRE_FALSE(Valid(schema, R"({"times": 2})"));
  REQUIRE_FALSE(Valid(schema, R"({"tasks": ["a"], "extra": 1})"));
  REQUIRE(schema["properties"]["times"]["default"] == 1);
}

TEST_CASE("registry: rebuild-cached-tasks as taskgraph declares it: a group action with its own permission", "[registry]") {
  const ActionSpec* a = FindAction("rebuild-cached-tasks");
  REQUIRE(a != nullptr);
  REQUIRE(std::string(a->name) == "rebuild-cached-tasks");
  REQUIRE(std::string(a->title) == "Rebuild Cached Tasks");
  REQUIRE(std::string(a->symbol) == "rebuild-cached");
  REQUIRE(std::string(a->description) == "Rebuild cached tasks.");
  REQUIRE(a->order == 1000);
  REQUIRE(std::string(a->permission) == "rebuild-cached-tasks");
  REQUIRE(a->kind == ActionKind::kGroup);
  REQUIRE(a->needs != nullptr);
  Json schema = InputSchema("rebuild-cached-tasks");
  REQUIRE(Valid(schema, "{}"));
  REQUIRE_FALSE(Valid(schema, R"({"force": true})"));
}

TEST_CASE("registry: every action that reads the push asks for it in needs; permissions are hook-safe", "[registry]") {
  for (const ActionSpec* a : Registry()) {
    INFO(a->cb_name);
    // a permission names a hook (in-tree-action-<level>-<permission>): no "/" (taskgraph refuses it)
    REQUIRE(std::string(a->permission).find('/') == std::string::npos);
    REQUIRE_FALSE(std::string(a->permission).empty());
  }
}

TEST_CASE("registry: FindAction and KnownActionNames", "[registry]") {
  for (const ActionSpec* a : Registry()) REQUIRE(FindAction(a->cb_name) == a);
  REQUIRE(FindAction("") == nullptr);
  REQUIRE(FindAction("Rerun") == nullptr);  // exact, case-sensitive
  REQUIRE(FindAction("rerun ") == nullptr);
  REQUIRE(FindAction("retrigger-everything") == nullptr);
  std::string all;
  for (const auto& n : CbNames()) all += (all.empty() ? "" : ", ") + n;
  REQUIRE(KnownActionNames() == all);
}

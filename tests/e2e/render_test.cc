// `tc-action render TEMPLATE [CONTEXT]`: the real in-tree action hook task
// template rendered with the real JSON-e context the hooks service used gives
// the real action task; JSON-e errors are one line on stderr with exit 2.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/json.h"
#include "tc_action.h"
#include "core/slugid.h"

using namespace tc;

namespace {

std::string Bin() { return tctest::TcActionPath(); }
std::string Data(const std::string& name) { return std::string(TC_SOURCE_DIR) + "/tests/data/actions/" + name; }

struct TempFile {
  std::string path = (std::filesystem::temp_directory_path() / ("tc-render-" + NewSlugid())).string();
  explicit TempFile(const std::string& text) { std::ofstream(path) << text; }
  ~TempFile() { std::filesystem::remove(path); }
};

}  // namespace

TEST_CASE("render: the hook task template with its context gives the real action task") {
  auto r = tctest::RunProcess({Bin(), "render", Data("in-tree-action.retrigger.hook-task-template.json"),
                               Data("in-tree-action.retrigger.jsone-context.json")},
                              {});
  INFO(r.err);
  REQUIRE(r.status == 0);
  Json out = ParseJson(r.out, "stdout");
  REQUIRE(r.out.find("\n  \"tasks\": [") != std::string::npos);  // pretty, 2-space
  std::ifstream in(Data("gecko-try-2018.action-retrigger.json"));
  std::ostringstream ss;
  ss << in.rdbuf();
  Json expected = ParseJson(ss.str(), "expected");
  JsonValue& task = out["tasks"][0];
  // the one difference: the index route names the action task's own taskId,
  // which the upstream test context replaced (NdzxKw8bS5Sw5DRhoiM14w vs E93EolXNSRuV2gOy7yMZEA)
  std::string route = "index.gecko.v2.try.pushlog-id.323126.actions.";
  bool seen = false;
  for (auto& rt : task["routes"].GetArray()) {
    std::string s = rt.GetString();
    if (s.rfind(route, 0) == 0) {
      REQUIRE(s == route + "NdzxKw8bS5Sw5DRhoiM14w");
      rt = Str(route + "E93EolXNSRuV2gOy7yMZEA", out.GetAllocator());
      seen = true;
    }
  }
  REQUIRE(seen);
  REQUIRE(task == expected);
}

TEST_CASE("render: YAML input, stdin, default context {}") {
  TempFile tmpl("a: {$eval: '1 + 2'}\nb: ${'x' + 'y'}\n");
  auto r = tctest::RunProcess({Bin(), "render", tmpl.path}, {});
  REQUIRE(r.status == 0);
  REQUIRE(ParseJson(r.out, "o") == ParseJson(R"({"a": 3, "b": "xy"})", "e"));
  TempFile ctx(R"({"x": [1, 2]})");
  TempFile t2(R"J({"$map": {"$eval": "x"}, "each(v)": {"$eval": "v * 10"}})J");
  r = tctest::RunProcess({Bin(), "render", t2.path, ctx.path}, {});
  REQUIRE(r.status == 0);
  REQUIRE(ParseJson(r.out, "o") == ParseJson("[10, 20]", "e"));
}

TEST_CASE("render: JSON-e errors: kind and message on one line, exit 2") {
  TempFile tmpl(R"({"a": {"$eval": "nope + 1"}})");
  auto r = tctest::RunProcess({Bin(), "render", tmpl.path}, {});
  REQUIRE(r.status == 2);
  REQUIRE(r.out.empty());
  REQUIRE(r.err == "InterpreterError at template.a: unknown context value nope\n");
  TempFile bad(R"({"$if": "true", "then": 1, "els": 2})");
  r = tctest::RunProcess({Bin(), "render", bad.path}, {});
  REQUIRE(r.status == 2);
  REQUIRE_THAT(r.err, Catch::StartsWith("TemplateError"));
  REQUIRE(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  // unreadable files, a non-object context
  r = tctest::RunProcess({Bin(), "render", "/nonexistent/x.json"}, {});
  REQUIRE(r.status == 2);
  TempFile arr("[1]");
  r = tctest::RunProcess({Bin(), "render", tmpl.path, arr.path}, {});
  REQUIRE(r.status == 2);
  REQUIRE_THAT(r.err, Catch::Contains("context must be an object"));
}

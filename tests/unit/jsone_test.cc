// Unit tests for the JSON-e engine (action/jsone.h). The full language is
// covered by the conformance suite (jsone_spec_test.cc); these tests pin the
// API contract, JS number formatting, limits and robustness.
#include "jsone/jsone.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <catch2/catch.hpp>
#include <string>

namespace {

const char* kNow = "2017-01-19T16:27:20.974Z";

rapidjson::Document Parse(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str(), text.size());
  REQUIRE_FALSE(d.HasParseError());
  return d;
}

std::string ToText(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return buf.GetString();
}

// Renders JSON text; returns compact JSON text of the result.
std::string Render(const std::string& tmpl, const std::string& context = "{}") {
  auto t = Parse(tmpl);
  auto c = Parse(context);
  return ToText(tc::JsoneRender(t, c, std::string(kNow)));
}

// Renders and returns the error message ("" if no error).
std::string RenderError(const std::string& tmpl, const std::string& context = "{}") {
  try {
    Render(tmpl, context);
  } catch (const tc::JsoneError& e) {
    return e.what();
  }
  return "";
}

std::string Eval(const std::string& expr, const std::string& context = "{}") {
  rapidjson::Document t;
  t.SetObject();
  t.AddMember("$eval", rapidjson::Value(expr.c_str(), t.GetAllocator()), t.GetAllocator());
  auto c = Parse(context);
  return ToText(tc::JsoneRender(t, c, std::string(kNow)));
}

}  // namespace

TEST_CASE("JsoneRender: basic rendering and interpolation", "[jsone]") {
  CHECK(Render(R"j({"a": "${x} and ${y}", "k-${x}": [1, {"$eval": "x + 1"}]})j", R"j({"x": 1, "y": "b"})j") ==
        R"j({"a":"1 and b","k-1":[1,2]})j");
  CHECK(Render(R"j("$${x}")j") == R"j("${x}")j");
  CHECK(Render(R"j({"$$eval": 1})j") == R"j({"$eval":1})j");
  CHECK(Render(R"j({"$if": "false", "then": 1})j") == "null");  // delete marker at top level
  CHECK(Render(R"j([1, {"$if": "false", "then": 1}, 3])j") == "[1,3]");
  CHECK(Render(R"j({"a": {"$if": "false", "then": 1}, "b": 2})j") == R"j({"b":2})j");
}

TEST_CASE("JsoneError carries kind, location and the reference message", "[jsone]") {
  try {
    Render(R"j({"a": [0, {"b c": {"$eval": "nope"}}]})j");
    FAIL("no error");
  } catch (const tc::JsoneError& e) {
    CHECK(e.kind == "InterpreterError");
    CHECK(e.detail == "unknown context value nope");
    CHECK(e.location == R"j(.a[1]["b c"])j");
    CHECK(e.message == R"j(InterpreterError at template.a[1]["b c"]: unknown context value nope)j");
    CHECK(std::string(e.what()) == e.message);
  }
  CHECK(RenderError(R"j({"$eval": "1 +"})j") == "SyntaxError: Unexpected end of input");
  CHECK(RenderError(R"j({"$eval": "len(1)"})j") == "BuiltinError: invalid arguments to builtin: len");
  CHECK(RenderError(R"j({"$foo": 1})j") == "TemplateError: $<identifier> is reserved; use $$<identifier>");
  CHECK(RenderError(R"j({"$eval": "1", "$if": "true"})j") == "TemplateError: only one operator allowed");
}

TEST_CASE("context validation", "[jsone]") {
  auto t = Parse("1");
  CHECK_THROWS_WITH(tc::JsoneRender(t, Parse("[]")), "TemplateError: context must be an object");
  CHECK_THROWS_WITH(tc::JsoneRender(t, Parse(R"j({"a-b": 1})j")),
                    "TemplateError: top level keys of context must follow /[a-zA-Z_][a-zA-Z0-9_]*/");
}

TEST_CASE("the clock: now parameter, context now, default", "[jsone]") {
  CHECK(Render(R"j({"$fromNow": "1 day"})j") == R"j("2017-01-20T16:27:20.974Z")j");
  CHECK(Eval("now") == R"j("2017-01-19T16:27:20.974Z")j");
  CHECK(Render(R"j({"$fromNow": "1 hour"})j", R"j({"now": "2020-02-28T23:30:00.000Z"})j") ==
        R"j("2020-02-29T00:30:00.000Z")j");
  CHECK(Eval("fromNow('-1 day', '2000-03-01T00:00:00.000Z')") == R"j("2000-02-29T00:00:00.000Z")j");
  CHECK(Eval("fromNow('2 years', '1970-01-01')") == R"j("1972-01-01T00:00:00.000Z")j");  // 730 days
  // default clock: the current time
  auto t = Parse(R"j({"$eval": "now"})j");
  auto doc = tc::JsoneRender(t, Parse("{}"));
  REQUIRE(doc.IsString());
  CHECK(std::string(doc.GetString()).size() == 24);
  CHECK(RenderError(R"j({"$fromNow": "soon"})j") == "TemplateError: String: 'soon' isn't a time expression");
  CHECK(RenderError(R"j({"$fromNow": "1 day", "from": "yesterday"})j") ==
        "TemplateError: invalid date: 'yesterday'");
}

TEST_CASE("numbers format as in JavaScript", "[jsone]") {
  CHECK(Eval("str(1.0)") == R"j("1")j");
  CHECK(Eval("str(0.1 + 0.2)") == R"j("0.30000000000000004")j");
  CHECK(Eval("str(1 / 3)") == R"j("0.3333333333333333")j");
  CHECK(Eval("str(10 ** 21)") == R"j("1e+21")j");
  CHECK(Eval("str(10 ** 20)") == R"j("100000000000000000000")j");
  CHECK(Eval("str(1 / 10 ** 7)") == R"j("1e-7")j");
  CHECK(Eval("str(1 / 10 ** 6)") == R"j("0.000001")j");
  CHECK(Eval("str(-2.5)") == R"j("-2.5")j");
  CHECK(Eval("str(-0)") == R"j("0")j");
  CHECK(Eval("1 + 2") == "3");
  CHECK(Eval("7 / 2") == "3.5");
  CHECK(Render(R"j({"$json": [1.5, 2, 1e21, "x\n"]})j") == R"j("[1.5,2,1e+21,\"x\\n\"]")j");
  CHECK(Eval("2 ** 3 ** 2") == "512");  // right-associative
  CHECK(Eval("-2 ** 2") == "4");         // unary binds tighter, as in the reference
}

TEST_CASE("strings are code points in len and slices", "[jsone]") {
  CHECK(Eval("len(s)", R"j({"s": "h\u00e9\ud83d\ude01"})j") == "3");
  CHECK(Eval("s[1:]", R"j({"s": "h\u00e9\ud83d\ude01"})j") == "\"\xC3\xA9\xF0\x9F\x98\x81\"");
  CHECK(Eval("s[-1]", R"j({"s": "h\u00e9\ud83d\ude01"})j") == "\"\xF0\x9F\x98\x81\"");
  CHECK(Eval("uppercase('stra\u00dfe')") == "\"STRASSE\"");
  CHECK(Eval("lowercase('\u00c9T\u00c9')") == "\"\xC3\xA9t\xC3\xA9\"");
  CHECK(Eval("strip('\u00a0 x \t')") == R"j("x")j");
  CHECK(Eval("'a\\tb'") == R"j("a\\tb")j");  // no escape sequences in expression strings
}

TEST_CASE("builtins edge cases", "[jsone]") {
  CHECK(Eval("range(0, 5, 2)") == "[0,2,4]");
  CHECK(Eval("range(3, 3, 0)") == "[]");
  CHECK_THROWS_AS(Eval("range(0, 5, 0)"), tc::JsoneError);
  CHECK_THROWS_WITH(Eval("range(0, 1000000000)"), Catch::Contains("too many elements"));
  CHECK(Eval("number('  0x1f ')") == "31");
  CHECK(Eval("number('1e3')") == "1000");
  CHECK(Eval("number('abc')") == "null");  // NaN serialises as null
  CHECK(Eval("split('a,b,,c', ',')") == R"j(["a","b","","c"])j");
  CHECK(Eval("join([1, null, 'x'], '-')") == R"j("1--x")j");
  CHECK(Eval("typeof(min)") == R"j("function")j");
  CHECK(Eval("defined('min') && defined('now') && !(defined('zz'))") == "true");
  // As in the reference parsers, a unary operator applies to the unit only:
  // `!f(x)` is `(!f)(x)`.
  CHECK_THROWS_WITH(Eval("!defined('zz')"), "InterpreterError: false is not callable");
  CHECK_THROWS_WITH(Eval("min"), "TemplateError: evaluated template contained uncalled functions");
}

TEST_CASE("operators", "[jsone]") {
  CHECK(Render(R"j({"$map": {"a": 1, "b": 2}, "each(v,k)": {"${k}x": {"$eval": "v * 10"}}})j") ==
        R"j({"ax":10,"bx":20})j");
  CHECK(Render(R"j({"$reduce": [1, 2, 3], "each(acc, x, i)": {"$eval": "acc + x * i"}, "initial": 0})j") == "8");
  CHECK(Render(R"j({"$find": [1, 5, 7], "each(x)": "x > 4"})j") == "5");
  CHECK(Render(R"j({"$sort": [3, 1, 2]})j") == "[1,2,3]");
  CHECK(Render(R"j({"$sort": [{"n": "b"}, {"n": "a"}], "by(x)": "x.n"})j") == R"j([{"n":"a"},{"n":"b"}])j");
  CHECK(Render(R"j({"$mergeDeep": [{"a": [1], "b": {"c": 1}}, {"a": [2], "b": {"d": 2}}]})j") ==
        R"j({"a":[1,2],"b":{"c":1,"d":2}})j");
  CHECK(Render(R"j({"$switch": {"x == 1": "one", "$default": "other"}})j", R"j({"x": 2})j") == R"j("other")j");
  CHECK(Render(R"j({"$match": {"x > 0": "pos", "x > 1": "big"}})j", R"j({"x": 2})j") == R"j(["pos","big"])j");
  CHECK(Render(R"j({"$flattenDeep": [1, [2, [3, [4]]]]})j") == "[1,2,3,4]");
  CHECK(Render(R"j({"$let": {"a": 1}, "in": {"$let": {"b": {"$eval": "a + 1"}}, "in": "${a}${b}"}})j") ==
        R"j("12")j");
}

TEST_CASE("depth limits: deep input gives an error, not a crash", "[jsone][limits]") {
  SECTION("deeply nested template") {
    rapidjson::Document t;
    auto& a = t.GetAllocator();
    rapidjson::Value v(1);
    for (int i = 0; i < 5000; ++i) {
      rapidjson::Value arr(rapidjson::kArrayType);
      arr.PushBack(v, a);
      v = arr;
    }
    t.CopyFrom(v, a);
    CHECK_THROWS_WITH(tc::JsoneRender(t, Parse("{}"), std::string(kNow)), Catch::Contains("nested too deeply"));
  }
  SECTION("templates just below the limit render") {
    std::string tmpl;
    for (int i = 0; i < tc::kJsoneMaxDepth - 1; ++i) tmpl += "[";
    tmpl += "1";
    for (int i = 0; i < tc::kJsoneMaxDepth - 1; ++i) tmpl += "]";
    CHECK(Render(tmpl).size() == tmpl.size());
  }
  SECTION("deeply nested expressions") {
    std::string expr(20000, '(');
    CHECK_THROWS_WITH(Eval(expr + "1" + std::string(20000, ')')), Catch::Contains("nested too deeply"));
    CHECK_THROWS_WITH(Eval(std::string(20000, '-') + "1"), Catch::Contains("nested too deeply"));
    CHECK_THROWS_WITH(Eval(std::string(20000, '[') + "1"), Catch::Contains("nested too deeply"));
    std::string chain = "1";
    for (int i = 0; i < 20000; ++i) chain += "+1";
    CHECK_THROWS_WITH(Eval(chain), Catch::Contains("nested too deeply"));
    std::string pow = "1";
    for (int i = 0; i < 20000; ++i) pow += "**1";
    CHECK_THROWS_WITH(Eval(pow), Catch::Contains("nested too deeply"));
  }
  SECTION("values built deeper than the limit") {
    CHECK_THROWS_WITH(Render(R"j({"$reduce": {"$eval": "range(0, 10000)"}, "each(acc, x)": [{"$eval": "acc"}],
                                 "initial": 0})j"),
                      Catch::Contains("nested too deeply"));
  }
}

// Renders with small limits (the defaults behave the same, only slower to hit).
std::string RenderLimited(const std::string& tmpl) {
  tc::JsoneLimits limits;
  limits.work_budget = 200000;
  limits.max_value_weight = 100000;
  limits.max_string_bytes = 100000;
  auto t = Parse(tmpl);
  return ToText(tc::JsoneRender(t, Parse("{}"), std::string(kNow), limits));
}

TEST_CASE("runaway templates hit resource limits", "[jsone][limits]") {
  CHECK(tc::JsoneLimits().work_budget == 20'000'000);
  SECTION("doubling a string stops at the string length limit") {
    CHECK_THROWS_WITH(Render(R"j({"$reduce": {"$eval": "range(0, 100)"}, "each(acc, x)": {"$eval": "acc + acc"},
                                 "initial": "xxxxxxxx"})j"),
                      "InterpreterError: string too long (limit 67108864 bytes)");
    CHECK_THROWS_WITH(RenderLimited(R"j({"$reduce": {"$eval": "range(0, 100)"}, "each(acc, x)": "${acc}${acc}",
                                        "initial": "xxxxxxxx"})j"),
                      "TemplateError: string too long (limit 100000 bytes)");
  }
  SECTION("doubling a shared structure stops at the value size limit") {
    CHECK_THROWS_WITH(Render(R"j({"$reduce": {"$eval": "range(0, 100)"},
                                 "each(acc, x)": [{"$eval": "acc"}, {"$eval": "acc"}], "initial": 1})j"),
                      Catch::Contains("value too large (limit 16000000 units)"));
  }
  SECTION("doubling an array stops at the value size limit") {
    CHECK_THROWS_WITH(RenderLimited(R"j({"$reduce": {"$eval": "range(0, 100)"},
                                        "each(acc, x)": {"$flatten": [{"$eval": "acc"}, {"$eval": "acc"}]},
                                        "initial": [1]})j"),
                      Catch::Contains("value too large (limit 100000 units)"));
  }
  SECTION("quadratic work stops at the work budget") {
    CHECK_THROWS_WITH(
        RenderLimited(R"j({"$map": {"$eval": "range(0, 1000)"}, "each(x)": {"$eval": "range(0, 1000)"}})j"),
        Catch::Contains("rendering exceeds the work limit (200000 steps)"));
  }
  SECTION("the limits are per render") {
    CHECK_THROWS(RenderLimited(R"j({"$eval": "range(0, 300000)"})j"));
    CHECK(Render(R"j({"$eval": "len(range(0, 300000))"})j") == "300000");
  }
}

TEST_CASE("malformed input does not crash", "[jsone][limits]") {
  // invalid UTF-8 in strings and expressions
  rapidjson::Document t;
  t.SetObject();
  std::string bad = "\xff\xfe${'\xc3'}\xe2\x82";
  t.AddMember("a", rapidjson::Value(bad.c_str(), static_cast<rapidjson::SizeType>(bad.size()), t.GetAllocator()),
              t.GetAllocator());
  CHECK_NOTHROW(tc::JsoneRender(t, Parse("{}"), std::string(kNow)));
  for (const char* e : {"", "(", ")", "[", "]", "{", "}", "a[", "a.", "f(", "1 +", "!", "[1,,]", "{a:}",
                        "'unterminated", "a[1:2:3]", "x in", "@", "1..2", "a.b.", "[1 2]"}) {
    INFO(e);
    CHECK_THROWS_AS(Eval(e), tc::JsoneError);
  }
  CHECK(Eval("{'a': 1,}") == R"j({"a":1})j");  // trailing comma accepted, as in the reference
  CHECK_THROWS_AS(Render(R"j("${")j"), tc::JsoneError);
  CHECK_THROWS_AS(Render(R"j("${1")j"), tc::JsoneError);
  CHECK_THROWS_AS(Render(R"j({"$fromNow": "99999999999999999999 years"})j"), tc::JsoneError);
}

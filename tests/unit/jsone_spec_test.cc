// Runs the official JSON-e conformance suite (tests/data/jsone/specification.yml,
// json-e v4.8.4) against tc::JsoneRender. Every case must pass; a failing
// case is a failed CHECK naming its section, title and position.
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>

#include "core/yaml.h"
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <regex>
#include <sstream>

#include "jsone/jsone.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace {

const char* kFrozenNow = "2017-01-19T16:27:20.974Z";

// YAML (core schema, as js-yaml loads the suite) -> RapidJSON: the product's converter.
void YamlToJson(const YAML::Node& n, rapidjson::Value& out, rapidjson::Document::AllocatorType& a) {
  tc::YamlNodeToJson(n, out, a);
}

std::string ToText(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return buf.GetString();
}

// Deep equality; numbers compare as doubles (1 == 1.0), key order ignored.
bool JsonEqual(const rapidjson::Value& x, const rapidjson::Value& y) {
  if (x.IsNumber() && y.IsNumber()) return x.GetDouble() == y.GetDouble();
  if (x.GetType() != y.GetType()) return false;
  switch (x.GetType()) {
    case rapidjson::kStringType:
      return x.GetStringLength() == y.GetStringLength() &&
             std::string(x.GetString(), x.GetStringLength()) == std::string(y.GetString(), y.GetStringLength());
    case rapidjson::kArrayType:
      if (x.Size() != y.Size()) return false;
      for (rapidjson::SizeType i = 0; i < x.Size(); ++i)
        if (!JsonEqual(x[i], y[i])) return false;
      return true;
    case rapidjson::kObjectType:
      if (x.MemberCount() != y.MemberCount()) return false;
      for (const auto& m : x.GetObject()) {
        auto it = y.FindMember(m.name);
        if (it == y.MemberEnd() || !JsonEqual(m.value, it->value)) return false;
      }
      return true;
    default:
      return true;  // null, true, false: same type
  }
}

// Runs one case; returns "" if it passed, else what went wrong.
std::string RunCase(const YAML::Node& c) {
  rapidjson::Document in;
  auto& a = in.GetAllocator();
  rapidjson::Value tmpl, context;
  YamlToJson(c["template"], tmpl, a);
  if (c["context"])
    YamlToJson(c["context"], context, a);
  else
    context.SetObject();

  const YAML::Node err = c["error"];
  if (err) {
    try {
      auto got = tc::JsoneRender(tmpl, context, std::string(kFrozenNow));
      return "expected an error, got result " + ToText(got);
    } catch (const tc::JsoneError& e) {
      if (err.Tag() == "?" && (err.Scalar() == "true" || err.Scalar() == "True")) return "";
      if (e.message == err.Scalar() && std::string(e.what()) == err.Scalar()) return "";
      return "expected error [" + err.Scalar() + "], got [" + e.message + "]";
    } catch (const std::exception& e) {
      return std::string("expected a JsoneError, got another exception: ") + e.what();
    }
  }
  rapidjson::Value expected;
  YamlToJson(c["result"], expected, a);
  try {
    auto got = tc::JsoneRender(tmpl, context, std::string(kFrozenNow));
    if (JsonEqual(got, expected)) return "";
    return "expected " + ToText(expected) + ", got " + ToText(got);
  } catch (const tc::JsoneError& e) {
    return "expected " + ToText(expected) + ", got error [" + e.message + "]";
  } catch (const std::exception& e) {
    return std::string("expected a result, got exception: ") + e.what();
  }
}

}  // namespace

TEST_CASE("json-e conformance suite (json-e v4.8.4 specification.yml)", "[jsone][spec]") {
  const std::string path = std::string(TC_SOURCE_DIR) + "/tests/data/jsone/specification.yml";
  auto start = std::chrono::steady_clock::now();
  std::vector<YAML::Node> docs;
  REQUIRE_NOTHROW(docs = YAML::LoadAllFromFile(path));

  std::string section;
  int index = 0, passed = 0, failed = 0;
  for (const auto& doc : docs) {
    if (!doc.IsMap()) continue;
    if (doc["section"]) {
      section = doc["section"].as<std::string>();
      continue;
    }
    ++index;
    const std::string title = doc["title"] ? doc["title"].as<std::string>() : "(untitled)";
    std::string failure;
    try {
      failure = RunCase(doc);
    } catch (const std::exception& e) {
      failure = std::string("harness error: ") + e.what();
    }
    if (failure.empty()) {
      ++passed;
    } else {
      ++failed;
    }
    INFO("case #" << index << " [" << section << "] " << title);
    CHECK(failure == "");
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "json-e conformance: " << passed << " passed, " << failed << " failed (" << index << " cases, "
            << secs << " s)" << std::endl;
  CHECK(index == 1175);
}

#include "core/yaml.h"

#include <algorithm>

#include <cerrno>
#include <cstdlib>
#include <regex>

#include "core/error.h"

namespace tc {

namespace {

void Convert(const YAML::Node& n, JsonValue& out, JsonAlloc& a, int depth, int max_depth) {
  if (depth > max_depth) throw BadInput("YAML nested too deeply");
  switch (n.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      out.SetNull();
      return;
    case YAML::NodeType::Sequence:
      out.SetArray();
      for (const auto& e : n) {
        JsonValue v;
        Convert(e, v, a, depth + 1, max_depth);
        out.PushBack(v, a);
      }
      return;
    case YAML::NodeType::Map:
      out.SetObject();
      for (const auto& kv : n) {
        JsonValue v;
        Convert(kv.second, v, a, depth + 1, max_depth);
        SetMember(out, kv.first.Scalar(), std::move(v), a);
      }
      return;
    case YAML::NodeType::Scalar:
      break;
  }
  const std::string& s = n.Scalar();
  if (n.Tag() != "?") {  // quoted or explicitly tagged: a string
    out = Str(s, a);
    return;
  }
  static const std::regex kNull("~|null|Null|NULL|");
  static const std::regex kTrue("true|True|TRUE");
  static const std::regex kFalse("false|False|FALSE");
  static const std::regex kInt("[-+]?[0-9]+");
  static const std::regex kHex("0x[0-9a-fA-F]+");
  static const std::regex kOct("0o[0-7]+");
  static const std::regex kFloat("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  static const std::regex kInfNan("[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)");
  if (std::regex_match(s, kNull)) {
    out.SetNull();
  } else if (std::regex_match(s, kTrue)) {
    out.SetBool(true);
  } else if (std::regex_match(s, kFalse)) {
    out.SetBool(false);
  } else if (std::regex_match(s, kInt)) {
    errno = 0;
    long long v = std::strtoll(s.c_str(), nullptr, 10);
    if (errno == ERANGE) {
      out.SetDouble(std::strtod(s.c_str(), nullptr));
    } else {
      out.SetInt64(v);
    }
  } else if (std::regex_match(s, kHex)) {
    out.SetInt64(std::strtoll(s.c_str() + 2, nullptr, 16));
  } else if (std::regex_match(s, kOct)) {
    out.SetInt64(std::strtoll(s.c_str() + 2, nullptr, 8));
  } else if (std::regex_match(s, kFloat)) {
    out.SetDouble(std::strtod(s.c_str(), nullptr));
  } else if (std::regex_match(s, kInfNan)) {
    throw BadInput("YAML scalar " + s + " has no JSON value");
  } else {
    out = Str(s, a);
  }
}

}  // namespace

void YamlNodeToJson(const YAML::Node& n, JsonValue& out, JsonAlloc& a, int max_depth) {
  Convert(n, out, a, 0, max_depth);
}

Json ParseYaml(const std::string& text, const std::string& what) {
  YAML::Node node;
  try {
    node = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    std::string m = e.what();
    std::replace(m.begin(), m.end(), '\n', ' ');
    throw BadInput(what + ": invalid YAML: " + m);
  }
  Json d;
  YamlNodeToJson(node, d, d.GetAllocator(), 500);
  return d;
}

Json ParseJsonOrYaml(const std::string& text, const std::string& what) {
  if (auto j = TryParseJson(text)) return std::move(*j);
  return ParseYaml(text, what);
}

}  // namespace tc

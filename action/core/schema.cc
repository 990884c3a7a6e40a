#include "core/schema.h"

#include <valijson/adapters/rapidjson_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace tc {

const std::map<std::string, std::string>& EmbeddedSchemas();  // generated

namespace {

// Maps a $ref URI (without fragment) to an embedded schema name.
std::string UriToName(std::string uri) {
  auto hash = uri.find('#');
  if (hash != std::string::npos) uri.erase(hash);
  const std::string tc_prefix = "/schemas/";
  auto p = uri.find(tc_prefix);
  if (p != std::string::npos) return "taskcluster/" + uri.substr(p + tc_prefix.size());
  return uri;
}

// valijson compiles a std::regex for every "format": "date-time" check, which
// costs milliseconds per document. The same check as a "pattern" is compiled
// once and cached by the validator, so schemas are rewritten on load.
constexpr const char* kDateTimePattern =
    "^[0-9]{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)"
    "(\\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$";

void RewriteDateTimeFormats(rapidjson::Value& v, rapidjson::Document::AllocatorType& a) {
  if (v.IsObject()) {
    auto f = v.FindMember("format");
    if (f != v.MemberEnd() && f->value.IsString() && std::string(f->value.GetString()) == "date-time" &&
        !v.HasMember("pattern")) {
      v.RemoveMember("format");
      v.AddMember("pattern", rapidjson::StringRef(kDateTimePattern), a);
    }
    for (auto& m : v.GetObject()) RewriteDateTimeFormats(m.value, a);
  } else if (v.IsArray()) {
    for (auto& e : v.GetArray()) RewriteDateTimeFormats(e, a);
  }
}

struct Compiled {
  valijson::Schema schema;
};

const rapidjson::Document* FetchEmbedded(const std::string& uri) {
  const std::string* t = EmbeddedSchemaText(UriToName(uri));
  if (!t) {
    // relative refs may arrive unresolved ("task.json"); try the queue/hooks dirs
    for (const char* dir : {"taskcluster/queue/v1/", "taskcluster/hooks/v1/"}) {
      t = EmbeddedSchemaText(dir + UriToName(uri));
      if (t) break;
    }
  }
  if (!t) return nullptr;
  auto* d = new rapidjson::Document();
  d->Parse(t->c_str());
  RewriteDateTimeFormats(*d, d->GetAllocator());
  return d;
}

void FreeFetched(const rapidjson::Document* d) { delete d; }

std::vector<SchemaViolation> Collect(const valijson::Schema& schema, const JsonValue& doc);

std::mutex g_mu;
std::map<std::string, std::unique_ptr<Compiled>> g_cache;

const Compiled& Compile(const std::string& name) {
  std::lock_guard<std::mutex> lock(g_mu);
  auto it = g_cache.find(name);
  if (it != g_cache.end()) return *it->second;
  const std::string* text = EmbeddedSchemaText(name);
  if (!text) throw std::logic_error("unknown schema " + name);
  Json doc = ParseJson(*text, "schema " + name);
  RewriteDateTimeFormats(doc, doc.GetAllocator());
  auto c = std::make_unique<Compiled>();
  valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
  valijson::adapters::RapidJsonAdapter adapter(doc);
  parser.populateSchema(adapter, c->schema, FetchEmbedded, FreeFetched);
  auto& ref = *c;
  g_cache[name] = std::move(c);
  return ref;
}

// "<root> [input] [times]" context → "input.times"
std::string ContextPath(const std::vector<std::string>& ctx) {
  std::string out;
  for (const auto& part : ctx) {
    if (part == "<root>") continue;
    std::string p = part;
    if (p.size() >= 2 && p.front() == '[' && p.back() == ']') p = p.substr(1, p.size() - 2);
    bool index = !p.empty() && std::all_of(p.begin(), p.end(), ::isdigit);
    if (index) {
      out += "[" + p + "]";
    } else {
      if (!out.empty()) out += ".";
      out += p;
    }
  }
  return out;
}

// valijson reports every enclosing subschema failure too ("Failed to validate
// against schema associated with property name ..."); those add nothing.
bool IsWrapper(const std::string& d) {
  return d.rfind("Failed to validate against schema associated with property", 0) == 0 ||
         d.rfind("Failed to validate item #", 0) == 0 ||
         d.rfind("Failed to validate against child schema", 0) == 0;
}

}  // namespace

const std::string* EmbeddedSchemaText(const std::string& name) {
  const auto& m = EmbeddedSchemas();
  auto it = m.find(name);
  return it == m.end() ? nullptr : &it->second;
}

std::vector<std::string> EmbeddedSchemaNames() {
  std::vector<std::string> out;
  for (const auto& kv : EmbeddedSchemas()) out.push_back(kv.first);
  return out;
}

std::vector<SchemaViolation> SchemaViolations(const std::string& schema_name, const JsonValue& doc) {
  return Collect(Compile(schema_name).schema, doc);
}

std::vector<SchemaViolation> ValidateAgainst(const JsonValue& schema, const JsonValue& doc) {
  if (!schema.IsObject() && !schema.IsBool()) throw std::invalid_argument("a JSON schema must be an object or a boolean");
  if (schema.IsBool()) {
    if (schema.GetBool()) return {};
    return {SchemaViolation{"", "no value is allowed (schema false)"}};
  }
  valijson::Schema compiled;
  valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
  valijson::adapters::RapidJsonAdapter adapter(schema);
  try {
    parser.populateSchema(adapter, compiled, FetchEmbedded, FreeFetched);
  } catch (const std::exception& e) {
    throw std::invalid_argument(std::string("invalid JSON schema: ") + e.what());
  }
  return Collect(compiled, doc);
}

namespace {
std::vector<SchemaViolation> Collect(const valijson::Schema& schema, const JsonValue& doc) {
  // One validator per thread: it caches the compiled regexes of "pattern"s.
  thread_local valijson::Validator validator(valijson::Validator::kStrongTypes);
  valijson::ValidationResults results;
  valijson::adapters::RapidJsonAdapter adapter(doc);
  std::vector<SchemaViolation> out;
  if (validator.validate(schema, adapter, &results)) return out;
  std::vector<std::pair<size_t, SchemaViolation>> all;
  valijson::ValidationResults::Error e;
  while (results.popError(e)) {
    if (IsWrapper(e.description)) continue;
    all.push_back({e.context.size(), SchemaViolation{ContextPath(e.context), e.description}});
  }
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (auto& p : all) out.push_back(std::move(p.second));
  if (out.empty()) out.push_back(SchemaViolation{"", "does not match the schema"});
  return out;
}
}  // namespace

std::optional<SchemaViolation> ValidateSchema(const std::string& schema_name, const JsonValue& doc) {
  auto v = SchemaViolations(schema_name, doc);
  if (v.empty()) return std::nullopt;
  return v.front();
}

std::string FormatViolation(const std::string& prefix, const SchemaViolation& v) {
  std::string field = prefix;
  if (!v.path.empty()) {
    if (!field.empty() && v.path[0] != '[') field += ".";
    field += v.path;
  }
  std::string msg = v.message;
  for (auto& ch : msg)
    if (ch == '\n') ch = ' ';
  return (field.empty() ? std::string("document") : field) + ": " + msg;
}

}  // namespace tc

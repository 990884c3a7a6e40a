// ajv-style validation reports: see ajv.h.
#include "emulator/ajv.h"

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>

#include "core/error.h"
#include "core/schema.h"
#include "emulator/formats.h"

namespace tc::emu {

namespace {

// ajv walks `properties` in the order of the service's YAML schema; the
// embedded JSON is key-sorted. services/queue/schemas/v1/*.yml (v106):
const std::map<std::string, std::vector<std::string>>& YamlPropertyOrder() {
  static const std::map<std::string, std::vector<std::string>> k = {
      {"taskcluster/queue/v1/create-task-request.json",
       {"provisionerId", "workerType", "taskQueueId", "schedulerId", "projectId", "taskGroupId", "dependencies",
        "requires", "routes", "priority", "retries", "expires", "created", "deadline", "scopes", "payload",
        "metadata", "tags", "extra"}},
      {"taskcluster/queue/v1/task-metadata.json", {"name", "description", "owner", "source"}},
      {"taskcluster/queue/v1/claim-work-request.json", {"workerGroup", "workerId", "tasks"}},
  };
  return k;
}

// ---------------------------------------------------------------- schema documents
const JsonValue* EmbeddedDocShared(const std::string& name) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<Json>> cache;
  std::lock_guard<std::mutex> l(mu);
  auto it = cache.find(name);
  if (it != cache.end()) return it->second.get();
  const std::string* text = EmbeddedSchemaText(name);
  if (!text) return nullptr;
  auto doc = std::make_unique<Json>(ParseJson(*text, "schema " + name));
  return (cache[name] = std::move(doc)).get();
}

// The parsed documents never go away: a per-thread index avoids the mutex.
const JsonValue* EmbeddedDoc(const std::string& name) {
  thread_local std::map<std::string, const JsonValue*> local;
  auto it = local.find(name);
  if (it != local.end()) return it->second;
  return local[name] = EmbeddedDocShared(name);
}

// A schema node and the embedded file its relative $refs resolve against
// ("" for an in-memory schema).
struct Node {
  const JsonValue* v = nullptr;
  std::string file;
  bool root = false;  // the top of `file`
};

std::string ResolveRefFile(const std::string& from, const std::string& ref_file) {
  if (ref_file.rfind("/schemas/", 0) == 0) return "taskcluster/" + ref_file.substr(9);
  if (!from.empty()) return from.substr(0, from.rfind('/') + 1) + ref_file;
  for (const char* dir : {"taskcluster/queue/v1/", "taskcluster/hooks/v1/"})
    if (EmbeddedSchemaText(dir + ref_file)) return dir + ref_file;
  return ref_file;
}

const JsonValue* AtPointer(const JsonValue* v, const std::string& pointer) {
  size_t i = pointer.empty() || pointer[0] != '/' ? std::string::npos : 1;
  while (v && i != std::string::npos && i <= pointer.size()) {
    size_t e = pointer.find('/', i);
    std::string key = pointer.substr(i, e == std::string::npos ? std::string::npos : e - i);
    for (size_t p; (p = key.find("~1")) != std::string::npos;) key.replace(p, 2, "/");
    for (size_t p; (p = key.find("~0")) != std::string::npos;) key.replace(p, 2, "~");
    v = v->IsObject() ? Member(*v, key.c_str()) : nullptr;
    i = e == std::string::npos ? e : e + 1;
  }
  return v;
}

// Follows $ref (a bounded number of hops).
Node Resolve(Node n) {
  for (int hops = 0; hops < 16 && n.v && n.v->IsObject(); ++hops) {
    auto ref = GetString(*n.v, "$ref");
    if (!ref) break;
    auto hash = ref->find('#');
    std::string file_part = ref->substr(0, hash), pointer = hash == std::string::npos ? "" : ref->substr(hash + 1);
    if (!file_part.empty()) {
      n.file = ResolveRefFile(n.file, file_part);
      n.v = EmbeddedDoc(n.file);
      n.root = true;
    } else if (n.file.empty()) {
      break;  // a local ref in an in-memory schema: not followed
    } else {
      n.v = EmbeddedDoc(n.file);
      n.root = true;
    }
    if (!pointer.empty()) {
      n.v = AtPointer(n.v, pointer);
      n.root = false;
    }
  }
  return n;
}

const std::vector<std::string>* YamlOrder(const Node& n) {
  if (!n.root) return nullptr;
  auto it = YamlPropertyOrder().find(n.file);
  return it == YamlPropertyOrder().end() ? nullptr : &it->second;
}

// Property names of a schema node in ajv's order.
std::vector<std::string> PropertyOrder(const Node& n) {
  if (auto* yaml = YamlOrder(n)) return *yaml;
  std::vector<std::string> out;
  if (const JsonValue* props = Member(*n.v, "properties"); props && props->IsObject())
    for (auto& m : props->GetObject()) out.emplace_back(m.name.GetString(), m.name.GetStringLength());
  return out;
}

int PropertyIndex(const Node& n, const JsonValue& props, const std::string& name) {
  int i = 0;
  if (auto* yaml = YamlOrder(n)) {
    for (const auto& p : *yaml) {
      if (p == name) return i;
      ++i;
    }
    return i;
  }
  for (auto& m : props.GetObject()) {
    if (name == m.name.GetString()) return i;
    ++i;
  }
  return i;
}

// ---------------------------------------------------------------- ordering
// ajv's keyword order for one schema node (ajv 8: compile/rules.js groups,
// vocabularies in the order draft7.js adds them, `items` placed before
// `uniqueItems`): the type error when the type has no keywords of its own,
// then the untyped keywords, then the number, string, array and object
// keywords. Children sort at the rank of the keyword that reaches them.
enum Rank { kType, kConst, kEnum, kNot, kAnyOf, kOneOf,
            kMaximum, kMinimum, kMultipleOf,
            kMaxLength, kMinLength, kPattern, kFormat,
            kMaxItems, kMinItems, kItems, kUniqueItems,
            kMaxProps, kMinProps, kRequired, kAdditional, kProperties,
            kOther };

// A type error sorts with its type's keywords when the schema has some
// (ajv reports it in that group), else first.
int TypeErrorRank(const JsonValue& s) {
  static const std::vector<std::pair<std::string, std::vector<const char*>>> kGroups = {
      {"number", {"maximum", "minimum", "exclusiveMaximum", "exclusiveMinimum", "multipleOf", "format"}},
      {"integer", {"maximum", "minimum", "exclusiveMaximum", "exclusiveMinimum", "multipleOf", "format"}},
      {"string", {"maxLength", "minLength", "pattern", "format"}},
      {"array", {"maxItems", "minItems", "items", "additionalItems", "contains", "uniqueItems"}},
      {"object", {"maxProperties", "minProperties", "required", "propertyNames", "additionalProperties",
                  "dependencies", "properties", "patternProperties"}}};
  static const std::map<std::string, int> kStart = {
      {"number", kMaximum}, {"integer", kMaximum}, {"string", kMaxLength}, {"array", kMaxItems}, {"object", kMaxProps}};
  auto type = GetString(s, "type");
  if (!type) return kType;
  for (const auto& [t, keywords] : kGroups)
    if (t == *type)
      for (const char* k : keywords)
        if (s.HasMember(k)) return kStart.at(t);
  return kType;
}

// The position of data child `seg` below schema node n.
std::pair<int, int> ChildRank(const Node& n, const JsonValue* data, const std::string& seg) {
  if (const JsonValue* props = Member(*n.v, "properties"); props && props->IsObject() && Member(*props, seg.c_str()))
    return {kProperties, PropertyIndex(n, *props, seg)};
  if (data && data->IsArray()) return {kItems, std::atoi(seg.c_str())};
  int index = 0;
  if (data && data->IsObject())
    for (auto& m : data->GetObject()) {
      if (seg == m.name.GetString()) break;
      ++index;
    }
  return {kAdditional, index};
}

Node ChildNode(const Node& n, const JsonValue* data, const std::string& seg) {
  Node c{nullptr, n.file, false};
  if (const JsonValue* props = Member(*n.v, "properties"); props && props->IsObject())
    if (const JsonValue* p = Member(*props, seg.c_str())) c.v = p;
  if (!c.v && data && data->IsArray()) c.v = Member(*n.v, "items");
  if (!c.v) c.v = Member(*n.v, "additionalProperties");
  if (c.v && !c.v->IsObject()) c.v = nullptr;
  return Resolve(c);
}

const JsonValue* ChildData(const JsonValue* data, const std::string& seg) {
  if (!data) return nullptr;
  if (data->IsArray()) {
    size_t i = std::strtoul(seg.c_str(), nullptr, 10);
    return i < data->Size() ? &(*data)[static_cast<rapidjson::SizeType>(i)] : nullptr;
  }
  return data->IsObject() ? Member(*data, seg.c_str()) : nullptr;
}

// core's dotted path ("metadata.name", "routes[3]") -> segments.
std::vector<std::string> Segments(const std::string& path) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : path) {
    if (c == '.' || c == '[' || c == ']') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

struct Located {
  Node node;
  const JsonValue* data = nullptr;
  std::vector<int> key;  // sort key of the node
  std::string path;      // ajv instancePath
};

Located Locate(const Node& root, const JsonValue& doc, const std::vector<std::string>& segs) {
  Located l{Resolve(root), &doc, {}, ""};
  for (const auto& s : segs) {
    if (!l.node.v) break;
    auto [rank, index] = ChildRank(l.node, l.data, s);
    l.key.push_back(rank);
    l.key.push_back(index);
    l.node = ChildNode(l.node, l.data, s);
    l.data = ChildData(l.data, s);
    l.path += "/" + s;
  }
  return l;
}

// ---------------------------------------------------------------- messages
struct Keyed {
  std::vector<int> key;
  AjvError error;
};

std::string Num(const JsonValue* v) { return v ? ToJson(*v) : "?"; }
std::string Quoted(const std::string& d) {  // the text between the first pair of single quotes
  auto a = d.find('\''), b = d.find('\'', a + 1);
  return a == std::string::npos || b == std::string::npos ? d : d.substr(a + 1, b - a - 1);
}
bool Starts(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

std::string TypeName(const JsonValue* t) {
  if (!t) return "?";
  if (t->IsString()) return t->GetString();
  std::string out;
  if (t->IsArray())
    for (auto& x : t->GetArray()) out += (out.empty() ? "" : ",") + std::string(x.IsString() ? x.GetString() : "?");
  return out;
}

// ajv's uniqueItems error (vocabularies/validation/uniqueItems.ts). With
// scalar item types (loopN) items are visited from the end and the first
// value seen again names (its later index, this index); otherwise (loopN2)
// each item from the end is compared with those before it: (earlier, later).
std::string UniqueItemsMessage(const Node& n, const JsonValue& arr) {
  Node items = ChildNode(n, &arr, "0");
  std::string types = items.v ? TypeName(Member(*items.v, "type")) : "";
  bool scalar = !types.empty() && types.find("object") == std::string::npos && types.find("array") == std::string::npos;
  int size = static_cast<int>(arr.Size());
  auto text = [](int a, int b) {
    return "must NOT have duplicate items (items ## " + std::to_string(a) + " and " + std::to_string(b) +
           " are identical)";
  };
  if (scalar) {
    std::map<std::string, int> seen;
    for (int i = size - 1; i >= 0; --i) {
      auto [it, fresh] = seen.emplace(ToJson(arr[i]), i);
      if (!fresh) return text(it->second, i);
    }
  } else {
    for (int i = size - 1; i >= 0; --i)
      for (int j = i - 1; j >= 0; --j)
        if (arr[i] == arr[j]) return text(j, i);
  }
  return "must NOT have duplicate items";
}

void AddAdditional(const Located& l, std::vector<Keyed>& out) {
  if (!l.data || !l.data->IsObject()) return;
  const JsonValue* props = Member(*l.node.v, "properties");
  int index = 0;
  for (auto& m : l.data->GetObject()) {
    std::string k(m.name.GetString(), m.name.GetStringLength());
    if (!props || !props->IsObject() || !Member(*props, k.c_str())) {
      auto key = l.key;
      key.insert(key.end(), {kAdditional, index});
      out.push_back({key, {l.path, "must NOT have additional properties", k}});
    }
    ++index;
  }
}

// One valijson description at a located node -> ajv errors (none for wrappers).
void Translate(const std::string& d, const Located& l, std::vector<Keyed>& out) {
  const JsonValue& s = *l.node.v;
  auto add = [&](int rank, std::string msg, int sub = 0) {
    auto key = l.key;
    key.insert(key.end(), {rank, sub});
    out.push_back({key, {l.path, std::move(msg), ""}});
  };
  if (Starts(d, "Value type not permitted")) return add(TypeErrorRank(s), "must be " + TypeName(Member(s, "type")));
  if (Starts(d, "Failed to match against any enum")) return add(kEnum, "must be equal to one of the allowed values");
  if (Starts(d, "Failed to match expected value set by 'const'")) return add(kConst, "must be equal to constant");
  if (Starts(d, "Failed to match regex")) {
    if (GetString(s, "format").value_or("") == "date-time") return add(kFormat, "must match format \"date-time\"");
    return add(kPattern, "must match pattern \"" + GetString(s, "pattern").value_or("") + "\"");
  }
  if (Starts(d, "String should be a valid date-time")) return add(kFormat, "must match format \"date-time\"");
  if (Starts(d, "String should be a valid date")) return add(kFormat, "must match format \"date\"");
  if (Starts(d, "String should be a valid time")) return add(kFormat, "must match format \"time\"");
  if (Starts(d, "String should be no more than"))
    return add(kMaxLength, "must NOT have more than " + Num(Member(s, "maxLength")) + " characters");
  if (Starts(d, "String should be no fewer than"))
    return add(kMinLength, "must NOT have fewer than " + Num(Member(s, "minLength")) + " characters");
  if (Starts(d, "Array should contain no more than"))
    return add(kMaxItems, "must NOT have more than " + Num(Member(s, "maxItems")) + " items");
  if (Starts(d, "Array should contain no fewer than"))
    return add(kMinItems, "must NOT have fewer than " + Num(Member(s, "minItems")) + " items");
  if (Starts(d, "Object should have no more than"))
    return add(kMaxProps, "must NOT have more than " + Num(Member(s, "maxProperties")) + " properties");
  if (Starts(d, "Object should have no fewer than"))
    return add(kMinProps, "must NOT have fewer than " + Num(Member(s, "minProperties")) + " properties");
  if (Starts(d, "Expected number less than or equal to")) return add(kMaximum, "must be <= " + Num(Member(s, "maximum")));
  if (Starts(d, "Expected number less than")) return add(kMaximum, "must be < " + Num(Member(s, "exclusiveMaximum")));
  if (Starts(d, "Expected number greater than or equal to"))
    return add(kMinimum, "must be >= " + Num(Member(s, "minimum")));
  if (Starts(d, "Expected number greater than")) return add(kMinimum, "must be > " + Num(Member(s, "exclusiveMinimum")));
  if (Starts(d, "Value should be a multiple of"))
    return add(kMultipleOf, "must be multiple of " + Num(Member(s, "multipleOf")));
  if (Starts(d, "Elements at indexes")) return add(kUniqueItems, UniqueItemsMessage(l.node, *l.data));
  if (Starts(d, "Missing required property")) {
    std::string name = Quoted(d);
    int sub = 0;
    for (auto& r : StringsOf(Member(s, "required"))) {
      if (r == name) break;
      ++sub;
    }
    return add(kRequired, "must have required property '" + name + "'", sub);
  }
  if (Starts(d, "Object contains a property")) return AddAdditional(l, out);
  if (Starts(d, "Failed to validate against any schemas allowed by anyOf"))
    return add(kAnyOf, "must match a schema in anyOf");
  if (Starts(d, "Failed to validate against exactly one")) return add(kOneOf, "must match exactly one schema in oneOf");
  if (Starts(d, "Target should not validate")) return add(kNot, "must NOT be valid");
  if (Starts(d, "Failed to validate") || Starts(d, "Cannot validate")) return;  // wrappers of child errors
  add(kOther, d);
}

// Visits every (schema node, data) pair reachable through properties, items
// and additionalProperties, with the node's sort key and ajv path (kept as
// stacks: createTask bodies are walked on every call).
using Visitor = std::function<void(const Node&, const JsonValue&, const std::vector<int>&, const std::string&)>;
void Walk(const Node& n, const JsonValue* data, std::vector<int>& key, std::string& path, const Visitor& f) {
  if (!n.v || !n.v->IsObject() || !data) return;
  f(n, *data, key, path);
  auto child = [&](const std::string& seg, const JsonValue& value) {
    Node c = ChildNode(n, data, seg);
    if (!c.v) return;
    auto [rank, index] = ChildRank(n, data, seg);
    size_t path_size = path.size();
    key.insert(key.end(), {rank, index});
    path += "/" + seg;
    Walk(c, &value, key, path, f);
    key.resize(key.size() - 2);
    path.resize(path_size);
  };
  if (data->IsObject())
    for (auto& m : data->GetObject()) child(std::string(m.name.GetString(), m.name.GetStringLength()), m.value);
  if (data->IsArray())
    for (rapidjson::SizeType i = 0; i < data->Size(); ++i) child(std::to_string(i), (*data)[i]);
}

// An array that must be unique but is not. valijson reports every duplicate
// pair (quadratic: 10000 equal items are 50 million errors), so such arrays
// are validated with their distinct items and the errors mapped back.
struct DupArray {
  std::string path;
  std::vector<int> key;
  Node node;
  const JsonValue* array = nullptr;
  std::vector<std::vector<int>> originals;  // distinct index -> original indexes
};

std::optional<DupArray> FindDuplicates(const Node& n, const JsonValue& data, const std::vector<int>& key,
                                       const std::string& path) {
  const JsonValue* unique = Member(*n.v, "uniqueItems");
  if (!unique || !unique->IsBool() || !unique->GetBool() || !data.IsArray()) return std::nullopt;
  DupArray d{path, key, n, &data, {}};
  std::map<std::string, int> distinct;
  for (rapidjson::SizeType i = 0; i < data.Size(); ++i) {
    auto [it, fresh] = distinct.emplace(ToJson(data[i]), static_cast<int>(d.originals.size()));
    if (fresh) d.originals.emplace_back();
    d.originals[it->second].push_back(static_cast<int>(i));
  }
  if (d.originals.size() == data.Size()) return std::nullopt;
  return d;
}

// The document with each duplicated array reduced to its distinct items.
Json Reduced(const JsonValue& doc, const std::vector<DupArray>& dups) {
  Json out = CopyJson(doc);
  for (const auto& d : dups) {
    JsonValue* v = &out;
    for (size_t b = 1, e; v && b <= d.path.size(); b = e + 1) {  // ajv path: "/a/0/b"
      e = d.path.find('/', b);
      if (e == std::string::npos) e = d.path.size();
      std::string seg = d.path.substr(b, e - b);
      if (v->IsArray()) {
        v = &(*v)[static_cast<rapidjson::SizeType>(std::stoul(seg))];
      } else {
        auto it = v->FindMember(seg.c_str());
        v = it == v->MemberEnd() ? nullptr : &it->value;
      }
    }
    if (!v) continue;
    JsonValue arr(rapidjson::kArrayType);
    for (const auto& o : d.originals) arr.PushBack(CopyValue((*d.array)[o.front()], out.GetAllocator()), out.GetAllocator());
    *v = std::move(arr);
  }
  return out;
}

// Errors found in the reduced array, for every original item; its size and
// uniqueness errors from the original array.
void MapBack(const DupArray& d, std::vector<Keyed>& all) {
  std::vector<Keyed> out;
  const std::string prefix = d.path + "/";
  for (auto& k : all) {
    bool size = k.error.path == d.path && k.key.size() == d.key.size() + 2 &&
                (k.key[d.key.size()] == kMaxItems || k.key[d.key.size()] == kMinItems);
    if (size) continue;
    if (k.error.path.rfind(prefix, 0) != 0) {
      out.push_back(std::move(k));
      continue;
    }
    std::string rest = k.error.path.substr(prefix.size());
    size_t slash = rest.find('/');
    int distinct = std::atoi(rest.substr(0, slash).c_str());
    for (int o : d.originals[distinct]) {
      Keyed copy = k;
      copy.error.path = prefix + std::to_string(o) + (slash == std::string::npos ? "" : rest.substr(slash));
      copy.key[d.key.size() + 1] = o;
      out.push_back(std::move(copy));
    }
  }
  auto add = [&](int rank, std::string msg) {
    auto key = d.key;
    key.insert(key.end(), {rank, 0});
    out.push_back({key, {d.path, std::move(msg), ""}});
  };
  const JsonValue& s = *d.node.v;
  auto n = static_cast<int64_t>(d.array->Size());
  if (const JsonValue* mx = Member(s, "maxItems"); mx && mx->IsNumber() && n > mx->GetInt64())
    add(kMaxItems, "must NOT have more than " + Num(mx) + " items");
  if (const JsonValue* mn = Member(s, "minItems"); mn && mn->IsNumber() && n < mn->GetInt64())
    add(kMinItems, "must NOT have fewer than " + Num(mn) + " items");
  add(kUniqueItems, UniqueItemsMessage(d.node, *d.array));
  all = std::move(out);
}

// What core's validation does not see as ajv does: "date-time" strings whose
// date does not exist (they pass core's pattern), and duplicated arrays.
void ExtraChecks(const Node& root, const JsonValue& doc, std::vector<Keyed>& dates, std::vector<DupArray>& dups) {
  std::vector<int> key;
  std::string path;
  Walk(root, &doc, key, path, [&](const Node& n, const JsonValue& data, const std::vector<int>& key, const std::string& path) {
    if (data.IsString() && GetString(*n.v, "format").value_or("") == "date-time" && !memq::ParseIso(data.GetString())) {
      auto k = key;
      k.insert(k.end(), {kFormat, 0});
      dates.push_back({k, {path, "must match format \"date-time\"", ""}});
    }
    if (auto d = FindDuplicates(n, data, key, path)) {
      for (const auto& outer : dups)
        if (path.rfind(outer.path + "/", 0) == 0) return;  // inside a reduced array already
      dups.push_back(std::move(*d));
    }
  });
}

template <typename Validate>
std::vector<AjvError> Report(const Node& root, const JsonValue& doc, Validate validate) {
  std::vector<Keyed> all;
  std::vector<DupArray> dups;
  ExtraChecks(Resolve(root), doc, all, dups);
  Json reduced;
  const JsonValue* target = &doc;
  if (!dups.empty()) {
    reduced = Reduced(doc, dups);
    target = &reduced;
  }
  std::vector<SchemaViolation> vs = validate(*target);
  if (vs.empty() && all.empty() && dups.empty()) return {};
  std::vector<Keyed> found;
  std::set<std::pair<std::string, std::string>> seen;  // (path, what) reported once per node
  for (const auto& v : vs) {
    Located l = Locate(root, *target, Segments(v.path));
    if (!l.node.v) continue;
    bool node_level = Starts(v.message, "Object contains a property") || Starts(v.message, "Elements at indexes");
    if (node_level && !seen.insert({l.path, v.message.substr(0, 12)}).second) continue;
    Translate(v.message, l, found);
  }
  for (const auto& d : dups) MapBack(d, found);
  all.insert(all.end(), found.begin(), found.end());
  std::stable_sort(all.begin(), all.end(), [](const Keyed& a, const Keyed& b) { return a.key < b.key; });
  std::vector<AjvError> out;
  std::set<std::pair<std::string, std::string>> dedup;
  for (auto& k : all)
    if (dedup.insert({k.error.path, k.error.message + k.error.additional_property}).second) out.push_back(k.error);
  return out;
}

}  // namespace

std::vector<AjvError> AjvValidate(const std::string& schema_name, const JsonValue& doc) {
  Node root{EmbeddedDoc(schema_name), schema_name, true};
  if (!root.v) throw std::logic_error("unknown schema " + schema_name);
  return Report(root, doc, [&](const JsonValue& d) { return SchemaViolations(schema_name, d); });
}

std::vector<AjvError> AjvValidate(const JsonValue& schema, const JsonValue& doc) {
  if (!schema.IsObject()) {
    std::vector<AjvError> out;
    for (auto& v : ValidateAgainst(schema, doc)) out.push_back({"", v.message, ""});
    return out;
  }
  return Report(Node{&schema, "", true}, doc, [&](const JsonValue& d) { return ValidateAgainst(schema, d); });
}

std::string AjvErrorsText(const std::vector<AjvError>& errors, const std::string& separator, bool lib_validate) {
  std::string out;
  for (size_t i = 0; i < errors.size(); ++i) {
    const auto& e = errors[i];
    out += (i ? separator : "") + "data" + e.path + " " + e.message;
    if (lib_validate && !e.additional_property.empty()) {
      Json s(rapidjson::kStringType);
      s.SetString(e.additional_property.c_str(), static_cast<rapidjson::SizeType>(e.additional_property.size()),
                  s.GetAllocator());
      out += ": " + ToJson(s);
    }
  }
  return out;
}

namespace {
void ThrowInvalid(const std::string& path, const std::vector<AjvError>& errors) {
  throw TcError(400, "InputValidationError", "\nSchema Validation Failed!\nRejecting Schema: /schemas/" + path +
                                                 "#\nErrors:\n  * " + AjvErrorsText(errors, "\n  * ", true));
}
}  // namespace

void RequireValid(const std::string& schema_name, const JsonValue& doc) {
  auto errors = AjvValidate(schema_name, doc);
  if (!errors.empty())
    ThrowInvalid(schema_name.rfind("taskcluster/", 0) == 0 ? schema_name.substr(12) : schema_name, errors);
}

void RequireValid(const JsonValue& schema, const std::string& schema_path, const JsonValue& doc) {
  auto errors = AjvValidate(schema, doc);
  if (!errors.empty()) ThrowInvalid(schema_path, errors);
}

void AjvApplyDefaults(const std::string& schema_name, JsonValue& doc, JsonAlloc& a) {
  Node root{EmbeddedDoc(schema_name), schema_name, true};
  if (!root.v || !doc.IsObject()) return;
  const JsonValue* props = Member(*root.v, "properties");
  if (!props || !props->IsObject()) return;
  for (const auto& name : PropertyOrder(root)) {
    const JsonValue* p = Member(*props, name.c_str());
    const JsonValue* def = p && p->IsObject() ? Member(*p, "default") : nullptr;
    if (!def || doc.HasMember(name.c_str())) continue;
    doc.AddMember(Str(name, a), CopyValue(*def, a), a);
  }
}

}  // namespace tc::emu

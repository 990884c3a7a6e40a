#include "actions/graph.h"

#include <rapidjson/error/en.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <deque>
#include <optional>
#include <rapidjson/reader.h>
#include <set>

#include "core/error.h"
#include "core/timestamp.h"

namespace tc {

namespace {

std::string_view View(const JsonValue& v) { return std::string_view(v.GetString(), v.GetStringLength()); }

const std::vector<std::string_view> kNoDependents;

// SAX handler: records, per top-level entry, its byte range and the fields
// the index keeps. stack_[i].key is the current key of container level i
// (level 0: the root, whose keys are the entries' keys; level 1: an entry).
class IndexHandler : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, IndexHandler> {
 public:
  IndexHandler(rapidjson::StringStream& ss, std::vector<TaskGraph::Entry>& out) : ss_(ss), out_(out) {}

  bool Key(const char* s, rapidjson::SizeType n, bool) {
    stack_.back().key.assign(s, n);
    return true;
  }
  bool StartObject() {
    if (stack_.size() == 1) BeginEntry();
    if (stack_.size() == 2 && stack_[1].key == "task") has_task_ = true;
    if (stack_.size() >= static_cast<size_t>(kMaxJsonDepth)) return TooDeep();
    stack_.push_back(Frame{true, {}});
    return true;
  }
  bool EndObject(rapidjson::SizeType members) {
    stack_.pop_back();
    if (stack_.size() == 1) return EndEntry();
    Truthy(members > 0);
    return true;
  }
  bool StartArray() {
    if (stack_.size() <= 1) return Fail("got array");
    if (stack_.size() >= static_cast<size_t>(kMaxJsonDepth)) return TooDeep();
    stack_.push_back(Frame{false, {}});
    return true;
  }
  bool EndArray(rapidjson::SizeType elements) {
    stack_.pop_back();
    Truthy(elements > 0);
    return true;
  }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    if (stack_.size() <= 1) return Fail("got string");
    const std::string_view v(s, n);
    if (stack_.size() == 2) {
      if (Field() == "label") cur_.label = v;
      else if (Field() == "kind") cur_.kind = v;
    } else if (At("dependencies", true)) {
      cur_.dependencies.emplace_back(stack_[2].key, std::string(v));
    } else if (At("soft_dependencies", false)) {
      cur_.soft_dependencies.emplace_back(v);
    } else if (stack_.size() == 4 && Field() == "optimization" && stack_[2].key == "index-search" && !stack_[3].is_object) {
      cur_.index_paths.emplace_back(v);
    } else if (stack_.size() == 4 && Field() == "task" && stack_[2].key == "tags" && stack_[3].key == "retrigger") {
      tag_ = v == "true";
    }
    Truthy(!v.empty());
    return true;
  }
  bool Bool(bool b) { return Scalar("boolean", b); }
  bool Null() { return Scalar("null", false); }
  bool Int(int i) { return Number(i); }
  bool Uint(unsigned u) { return Number(u); }
  bool Int64(int64_t i) { return Number(i); }
  bool Uint64(uint64_t u) { return Number(static_cast<int64_t>(std::min<uint64_t>(u, INT64_MAX))); }
  bool Double(double d) { return Scalar("number", d != 0); }

  const std::string& error() const { return error_; }

 private:
  struct Frame {
    bool is_object;
    std::string key;
  };
  const std::string& Field() const { return stack_[1].key; }
  // Directly inside the entry's `field` (an object, or an array).
  bool At(const char* field, bool object) const {
    return stack_.size() == 3 && Field() == field && stack_[2].is_object == object;
  }
  void BeginEntry() {
    cur_ = TaskGraph::Entry();
    cur_.key = stack_[0].key;
    cur_.begin = ObjectStart();
    attr_.reset();
    tag_ = false;
    has_task_ = false;
  }
  bool EndEntry() {
    if (!has_task_) {  // taskgraph's TaskGraph.from_json fails on it too (KeyError 'task')
      error_ = "." + cur_.key + ".task: missing; expected the task definition (an object)";
      return false;
    }
    cur_.end = ObjectEnd();
    cur_.retrigger = attr_ ? *attr_ : tag_;  // attributes.retrigger wins; the tag is the fallback
    out_.push_back(std::move(cur_));
    return true;
  }
  // A value of attributes.<name> ended: record the attributes the index keeps.
  void Truthy(bool truthy) {
    if (!At("attributes", true)) return;
    if (stack_[2].key == "retrigger") attr_ = truthy;
    else if (stack_[2].key == "cached_task") cur_.cached_task = truthy;
  }
  bool Number(int64_t i) {
    if (At("attributes", true) && stack_[2].key == "task_duplicates") cur_.task_duplicates = i;
    return Scalar("number", i != 0);
  }
  bool Scalar(const char* type, bool truthy) {
    if (stack_.size() <= 1) return Fail(std::string("got ") + type);
    Truthy(truthy);
    return true;
  }
  // The same limit as every other reader of outside JSON (core/json.h).
  bool TooDeep() {
    error_ = (stack_.size() <= 1 ? std::string(": ") : "." + stack_[0].key + ": ") + "nested deeper than " +
             std::to_string(kMaxJsonDepth) + " levels";
    return false;
  }
  bool Fail(const std::string& got) {
    const char* expected = stack_.empty() ? "expected an object of key -> task entry, " : "expected an object, ";
    error_ = (stack_.size() == 1 ? "." + stack_[0].key + ": " : std::string(": ")) + expected + got;
    return false;
  }
  // The reader has consumed the '{' (or, in iterative mode, may be on it).
  size_t ObjectStart() const {
    const char* base = ss_.head_;
    size_t p = ss_.Tell();
    if (base[p] == '{') return p;
    while (p > 0 && base[p - 1] != '{') --p;
    return p > 0 ? p - 1 : 0;
  }
  size_t ObjectEnd() const {
    const char* base = ss_.head_;
    size_t p = ss_.Tell();
    if (base[p] == '}') return p + 1;
    while (p > 0 && base[p - 1] != '}') --p;
    return p;
  }

  rapidjson::StringStream& ss_;
  std::vector<TaskGraph::Entry>& out_;
  std::vector<Frame> stack_;
  TaskGraph::Entry cur_;
  std::optional<bool> attr_;  // attributes.retrigger of the current entry
  bool tag_ = false;          // task.tags.retrigger == "true" of the current entry
  bool has_task_ = false;     // the current entry has a `task` object
  std::string error_;
};

}  // namespace

std::unique_ptr<TaskGraph> TaskGraph::Parse(std::string bytes, const std::string& what) {
  std::unique_ptr<TaskGraph> g(new TaskGraph());
  g->what_ = what;
  g->buffer_ = std::move(bytes);
  rapidjson::StringStream ss(g->buffer_.c_str());
  IndexHandler handler(ss, g->entries_);
  rapidjson::Reader reader;
  auto ok = reader.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag>(ss, handler);
  if (!handler.error().empty()) throw BadInput(what + handler.error());
  if (!ok) {
    throw BadInput(what + ": invalid JSON at offset " + std::to_string(ok.Offset()) + ": " +
                   rapidjson::GetParseError_En(ok.Code()));
  }
  // Anything but whitespace after the root is an error too (Reader stops at its end).
  for (size_t i = ss.Tell(); i < g->buffer_.size(); ++i) {
    char c = g->buffer_[i];
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
      throw BadInput(what + ": invalid JSON at offset " + std::to_string(i) +
                     ": The document root must not be followed by other values.");
    }
  }
  // A task that depends on itself can never run, and neither could its copy.
  for (const auto& e : g->entries_) {
    for (const auto& [name, dep] : e.dependencies) {
      if (dep == e.key) {
        throw BadInput(what + "." + e.key + ".dependencies." + name +
                       ": the task depends on itself; expected a graph without cycles");
      }
    }
  }
  g->index_.reserve(g->entries_.size());
  for (size_t i = 0; i < g->entries_.size(); ++i) {
    if (!g->index_.emplace(g->entries_[i].key, i).second) throw BadInput(what + ": key " + g->entries_[i].key + " twice");
  }
  for (const auto& e : g->entries_) {
    for (const auto& d : e.dependencies) g->dependents_[d.second].push_back(e.key);
  }
  // Deterministic order regardless of hash iteration.
  for (auto& [id, v] : g->dependents_) std::sort(v.begin(), v.end());
  return g;
}

const TaskGraph::Entry* TaskGraph::Find(std::string_view key) const {
  auto it = index_.find(key);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

Json TaskGraph::Materialize(std::string_view key) const {
  const Entry* e = Find(key);
  if (!e) throw BadInput(what_ + ": " + std::string(key) + " is not in the graph");
  return ParseJson(std::string_view(buffer_).substr(e->begin, e->end - e->begin), what_ + "." + e->key);
}

std::vector<std::string_view> TaskGraph::Dependencies(std::string_view key) const {
  std::vector<std::string_view> out;
  const Entry* e = Find(key);
  if (!e) return out;
  for (const auto& d : e->dependencies) out.push_back(d.second);
  return out;
}

const std::vector<std::string_view>& TaskGraph::Dependents(std::string_view key) const {
  auto it = dependents_.find(key);
  return it == dependents_.end() ? kNoDependents : it->second;
}

std::vector<std::string_view> TaskGraph::TopologicalOrder(const std::unordered_set<std::string_view>& set,
                                                          std::string_view what) const {
  std::unordered_map<std::string_view, size_t> indegree;
  indegree.reserve(set.size());
  for (std::string_view t : set) {
    size_t k = 0;
    for (std::string_view d : Dependencies(t)) k += set.count(d) && d != t;
    indegree[t] = k;
  }
  // Ready entries in lexicographic order: the same graph always gives the
  // same order, so a retried action task plans the same way.
  std::vector<std::string_view> order;
  order.reserve(set.size());
  std::set<std::string_view> ready;
  for (auto& [t, k] : indegree)
    if (k == 0) ready.insert(t);
  while (!ready.empty()) {
    std::string_view t = *ready.begin();
    ready.erase(ready.begin());
    order.push_back(t);
    for (std::string_view d : Dependents(t)) {
      auto it = indegree.find(d);
      if (it != indegree.end() && it->second > 0 && --it->second == 0) ready.insert(d);
    }
  }
  if (order.size() != set.size()) throw BadInput(what_ + ": dependency cycle around " + std::string(what));
  return order;
}

std::vector<std::string_view> TaskGraph::DownstreamClosure(std::string_view root) const {
  std::unordered_set<std::string_view> in_set{root};
  std::deque<std::string_view> todo{root};
  while (!todo.empty()) {
    std::string_view t = todo.front();
    todo.pop_front();
    for (std::string_view d : Dependents(t))
      if (in_set.insert(d).second) todo.push_back(d);
  }
  return TopologicalOrder(in_set, root);
}

std::vector<std::string_view> TaskGraph::DependencyClosure(const std::vector<std::string>& keys) const {
  std::unordered_set<std::string_view> in_set;
  std::deque<std::string_view> todo;
  for (const auto& k : keys) {
    const Entry* e = Find(k);
    if (e && in_set.insert(e->key).second) todo.push_back(e->key);
  }
  while (!todo.empty()) {
    std::string_view t = todo.front();
    todo.pop_front();
    for (std::string_view d : Dependencies(t)) {
      const Entry* e = Find(d);
      if (e && in_set.insert(e->key).second) todo.push_back(e->key);
    }
  }
  return TopologicalOrder(in_set, keys.empty() ? "" : keys.front());
}

std::unordered_map<std::string, std::string> ParseLabelToTaskId(const std::string& bytes, const std::string& what) {
  Json d = ParseJson(bytes, what);
  if (!d.IsObject()) throw BadInput(what + ": expected an object of label -> taskId, got " + JsonTypeName(d));
  std::unordered_map<std::string, std::string> out;
  out.reserve(d.MemberCount());
  for (const auto& m : d.GetObject()) {
    if (!m.value.IsString()) {
      throw BadInput(what + "." + std::string(View(m.name)) + ": expected a taskId string, got " +
                     JsonTypeName(m.value));
    }
    out.emplace(std::string(View(m.name)), std::string(View(m.value)));
  }
  return out;
}

std::optional<int64_t> ParseRelativeDuration(std::string_view s) {
  size_t i = 0;
  auto skip_ws = [&] {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  };
  skip_ws();
  int sign = 1;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) {
    sign = s[i] == '-' ? -1 : 1;
    ++i;
    skip_ws();
  }
  int64_t total = 0;
  int terms = 0;
  while (i < s.size()) {
    size_t start = i;
    int64_t value = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      value = value * 10 + (s[i] - '0');
      if (value > 1000000000LL) return std::nullopt;
      ++i;
    }
    if (i == start) return std::nullopt;
    skip_ws();
    size_t ustart = i;
    while (i < s.size() && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))) ++i;
    std::string unit(s.substr(ustart, i - ustart));
    std::transform(unit.begin(), unit.end(), unit.begin(), ::tolower);
    int64_t ms;
    if (unit == "s" || unit == "sec" || unit == "second" || unit == "seconds") ms = 1000;
    else if (unit == "min" || unit == "minute" || unit == "minutes") ms = 60000;
    else if (unit == "h" || unit == "hour" || unit == "hours") ms = 3600000;
    else if (unit == "d" || unit == "day" || unit == "days") ms = 86400000;
    else if (unit == "w" || unit == "week" || unit == "weeks") ms = 7 * 86400000LL;
    else if (unit == "mo" || unit == "month" || unit == "months") ms = 30 * 86400000LL;
    else if (unit == "y" || unit == "year" || unit == "years") ms = 365 * 86400000LL;
    else return std::nullopt;
    total += value * ms;
    ++terms;
    skip_ws();
  }
  if (terms == 0) return std::nullopt;
  return sign * total;
}

size_t ResolveRelativeDatestamps(JsonValue& v, int64_t now_ms, JsonAlloc& a) {
  size_t n = 0;
  if (v.IsObject()) {
    if (v.MemberCount() == 1) {
      auto it = v.FindMember("relative-datestamp");
      if (it != v.MemberEnd()) {
        if (!it->value.IsString()) throw BadInput("relative-datestamp: expected a string duration");
        auto d = ParseRelativeDuration(View(it->value));
        if (!d) throw BadInput("relative-datestamp: \"" + std::string(View(it->value)) + "\" is not a duration");
        std::string ts = FormatIsoMs(now_ms + *d);
        v.SetString(ts.data(), static_cast<rapidjson::SizeType>(ts.size()), a);
        return 1;
      }
    }
    for (auto& m : v.GetObject()) n += ResolveRelativeDatestamps(m.value, now_ms, a);
  } else if (v.IsArray()) {
    for (auto& e : v.GetArray()) n += ResolveRelativeDatestamps(e, now_ms, a);
  }
  return n;
}

}  // namespace tc

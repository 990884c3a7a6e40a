#include "actions/graph.h"

#include <rapidjson/error/en.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <optional>
#include <rapidjson/reader.h>
#include <set>

#include "core/error.h"
#include "core/slugid.h"
#include "core/timestamp.h"

namespace tc {

namespace {

std::string_view View(const JsonValue& v) { return std::string_view(v.GetString(), v.GetStringLength()); }

bool SlugChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// Cheap pre-check of the fixed positions of a v4 slugid before IsSlugid.
bool MaybeSlugidAt(std::string_view s, size_t i) {
  if (i + 22 > s.size()) return false;
  char c8 = s[i + 8];
  if (c8 < 'Q' || c8 > 'T') return false;
  char c21 = s[i + 21];
  if (c21 != 'A' && c21 != 'Q' && c21 != 'g' && c21 != 'w') return false;
  return IsSlugid(s.substr(i, 22));
}

const std::vector<std::string_view> kNoDependents;

}  // namespace

namespace {

// SAX handler: records, per top-level entry, its byte range and the few
// fields the index keeps. stack_[i].key is the current key of object level i
// (level 0: the root, whose keys are taskIds; level 1: an entry).
class IndexHandler : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, IndexHandler> {
 public:
  IndexHandler(rapidjson::StringStream& ss, std::vector<TaskGraph::Entry>& out) : ss_(ss), out_(out) {}

  bool Key(const char* s, rapidjson::SizeType n, bool) {
    stack_.back().key.assign(s, n);
    return true;
  }
  bool StartObject() {
    if (stack_.size() == 1) {
      cur_ = TaskGraph::Entry();
      cur_.task_id = stack_[0].key;
      cur_.begin = ObjectStart();
      attr_.reset();
      tag_ = false;
    }
    if (stack_.size() >= static_cast<size_t>(kMaxJsonDepth)) return TooDeep();
    stack_.push_back(Frame{true, {}});
    return true;
  }
  bool EndObject(rapidjson::SizeType) {
    stack_.pop_back();
    if (stack_.size() == 1) {
      cur_.end = ObjectEnd();
      // attributes.retrigger wins; task.tags.retrigger is the fallback
      cur_.retrigger = attr_ ? *attr_ : tag_;
      out_.push_back(std::move(cur_));
    }
    return true;
  }
  bool StartArray() {
    if (stack_.size() <= 1) return Fail(stack_.empty() ? "expected an object of taskId -> task, got array"
                                                       : "expected an object, got array");
    if (stack_.size() >= static_cast<size_t>(kMaxJsonDepth)) return TooDeep();
    stack_.push_back(Frame{false, {}});
    return true;
  }
  bool EndArray(rapidjson::SizeType) {
    stack_.pop_back();
    return true;
  }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    if (stack_.size() <= 1) return Fail(stack_.empty() ? "expected an object of taskId -> task, got string"
                                                       : "expected an object, got string");
    const std::string& field = stack_[1].key;
    if (stack_.size() == 2) {
      if (field == "label") cur_.label.assign(s, n);
      else if (field == "kind") cur_.kind.assign(s, n);
    } else if (stack_.size() == 3 && stack_[2].is_object) {
      if (field == "dependencies") cur_.dependencies.emplace_back(stack_[2].key, std::string(s, n));
      else if (field == "attributes" && stack_[2].key == "retrigger") attr_ = std::string_view(s, n) == "true";
    } else if (stack_.size() == 4 && field == "task" && stack_[2].key == "tags" && stack_[3].key == "retrigger" &&
               stack_[3].is_object) {
      tag_ = std::string_view(s, n) == "true";
    }
    return true;
  }
  bool Bool(bool b) {
    if (stack_.size() <= 1) return Fail("expected an object, got boolean");
    if (stack_.size() == 3 && stack_[1].key == "attributes" && stack_[2].key == "retrigger") attr_ = b;
    return true;
  }
  bool Null() { return Scalar("null"); }
  bool Int(int) { return Scalar("number"); }
  bool Uint(unsigned) { return Scalar("number"); }
  bool Int64(int64_t) { return Scalar("number"); }
  bool Uint64(uint64_t) { return Scalar("number"); }
  bool Double(double) { return Scalar("number"); }

  const std::string& error() const { return error_; }

 private:
  struct Frame {
    bool is_object;
    std::string key;
  };
  bool Scalar(const char* type) {
    if (stack_.size() <= 1) return Fail(std::string(stack_.empty() ? "expected an object of taskId -> task, got "
                                                                   : "expected an object, got ") + type);
    return true;
  }
  // The same limit as every other reader of outside JSON (core/json.h).
  bool TooDeep() { return Fail("nested deeper than " + std::to_string(kMaxJsonDepth) + " levels"); }
  bool Fail(const std::string& msg) {
    error_ = (stack_.size() == 1 ? "." + stack_[0].key + ": " : std::string(": ")) + msg;
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
      throw BadInput(what + ": invalid JSON at offset " + std::to_string(i) + ": The document root must not be followed by other values.");
    }
  }
  // A task that depends on itself can never run, and neither could its copy.
  for (const auto& e : g->entries_) {
    for (const auto& [name, dep] : e.dependencies) {
      if (dep == e.task_id) {
        throw BadInput(what + "." + e.task_id + ".dependencies." + name +
                       ": the task depends on itself; expected a graph without cycles");
      }
    }
  }
  g->index_.reserve(g->entries_.size());
  for (size_t i = 0; i < g->entries_.size(); ++i) g->index_.emplace(g->entries_[i].task_id, i);
  for (const auto& e : g->entries_) {
    for (const auto& d : e.dependencies) g->dependents_[d.second].push_back(e.task_id);
  }
  // Deterministic order regardless of hash iteration.
  for (auto& [id, v] : g->dependents_) std::sort(v.begin(), v.end());
  return g;
}

const TaskGraph::Entry* TaskGraph::Find(std::string_view task_id) const {
  auto it = index_.find(task_id);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

Json TaskGraph::Materialize(std::string_view task_id) const {
  const Entry* e = Find(task_id);
  if (!e) throw BadInput(what_ + ": task " + std::string(task_id) + " is not in the graph");
  return ParseJson(std::string_view(buffer_).substr(e->begin, e->end - e->begin), what_ + "." + e->task_id);
}

std::vector<std::string_view> TaskGraph::Dependencies(std::string_view task_id) const {
  std::vector<std::string_view> out;
  const Entry* e = Find(task_id);
  if (!e) return out;
  for (const auto& d : e->dependencies) out.push_back(d.second);
  return out;
}

const std::vector<std::string_view>& TaskGraph::Dependents(std::string_view task_id) const {
  auto it = dependents_.find(task_id);
  return it == dependents_.end() ? kNoDependents : it->second;
}

std::vector<std::string_view> TaskGraph::DownstreamClosure(std::string_view root) const {
  // Collect the set (BFS), then order it with Kahn's algorithm restricted to the set.
  std::unordered_set<std::string_view> in_set;
  std::deque<std::string_view> todo{root};
  in_set.insert(root);
  while (!todo.empty()) {
    std::string_view t = todo.front();
    todo.pop_front();
    for (std::string_view d : Dependents(t)) {
      if (in_set.insert(d).second) todo.push_back(d);
    }
  }
  std::unordered_map<std::string_view, size_t> indegree;
  for (std::string_view t : in_set) {
    size_t k = 0;
    for (std::string_view d : Dependencies(t))
      if (in_set.count(d) && d != t) ++k;
    indegree[t] = k;
  }
  // Ready tasks in lexicographic order: the same graph always gives the same
  // order, so the derived taskIds of a retried action task are the same.
  std::vector<std::string_view> order;
  order.reserve(in_set.size());
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
  if (order.size() != in_set.size()) throw BadInput("task-graph.json: dependency cycle below " + std::string(root));
  return order;
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

size_t RemapTaskIds(JsonValue& v, const std::unordered_map<std::string_view, std::string>& remap,
                    const std::function<bool(std::string_view)>& known, std::vector<std::string>* unclassified,
                    JsonAlloc& a) {
  size_t n = 0;
  if (v.IsString()) {
    std::string_view s = View(v);
    if (s.size() < 22) return 0;
    std::string out;
    bool changed = false;
    size_t copied = 0;
    for (size_t i = 0; i + 22 <= s.size();) {
      if (!MaybeSlugidAt(s, i)) {
        ++i;
        continue;
      }
      std::string_view token = s.substr(i, 22);
      auto it = remap.find(token);
      if (it != remap.end()) {
        out.append(s.substr(copied, i - copied));
        out += it->second;
        i += 22;
        copied = i;
        changed = true;
        ++n;
        continue;
      }
      bool boundary = (i == 0 || !SlugChar(s[i - 1])) && (i + 22 == s.size() || !SlugChar(s[i + 22]));
      if (boundary) {
        if (unclassified && !known(token) &&
            std::find(unclassified->begin(), unclassified->end(), token) == unclassified->end()) {
          unclassified->push_back(std::string(token));
        }
        i += 22;
        continue;
      }
      ++i;
    }
    if (changed) {
      out.append(s.substr(copied));
      v.SetString(out.data(), static_cast<rapidjson::SizeType>(out.size()), a);
    }
  } else if (v.IsArray()) {
    for (auto& e : v.GetArray()) n += RemapTaskIds(e, remap, known, unclassified, a);
  } else if (v.IsObject()) {
    for (auto& m : v.GetObject()) n += RemapTaskIds(m.value, remap, known, unclassified, a);
  }
  return n;
}

}  // namespace tc

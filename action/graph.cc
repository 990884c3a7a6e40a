#include "graph.h"

#include <rapidjson/error/en.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <set>

#include "error.h"
#include "slugid.h"
#include "timestamp.h"

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

std::unique_ptr<TaskGraph> TaskGraph::Parse(std::string bytes, const std::string& what) {
  std::unique_ptr<TaskGraph> g(new TaskGraph());
  // One owned, NUL-terminated buffer; ParseInsitu decodes strings in place.
  const size_t n = bytes.size();
  g->buffer_.reset(new char[n + 1]);
  std::memcpy(g->buffer_.get(), bytes.data(), n);
  g->buffer_[n] = '\0';
  std::string().swap(bytes);  // release the caller's copy before building the DOM
  g->doc_.ParseInsitu<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag>(g->buffer_.get());
  if (g->doc_.HasParseError()) {
    throw BadInput(what + ": invalid JSON at offset " + std::to_string(g->doc_.GetErrorOffset()) + ": " +
                   rapidjson::GetParseError_En(g->doc_.GetParseError()));
  }
  if (!g->doc_.IsObject()) throw BadInput(what + ": expected an object of taskId -> task, got " + JsonTypeName(g->doc_));
  g->entries_.reserve(g->doc_.MemberCount());
  for (const auto& m : g->doc_.GetObject()) {
    if (!m.value.IsObject()) {
      throw BadInput(what + "." + std::string(View(m.name)) + ": expected an object, got " + JsonTypeName(m.value));
    }
    g->entries_.emplace(View(m.name), &m.value);
  }
  for (const auto& [id, entry] : g->entries_) {
    const JsonValue* deps = Member(*entry, "dependencies");
    if (!deps || !deps->IsObject()) continue;
    for (const auto& d : deps->GetObject()) {
      if (d.value.IsString()) g->dependents_[View(d.value)].push_back(id);
    }
  }
  // Deterministic order regardless of hash iteration.
  for (auto& [id, v] : g->dependents_) std::sort(v.begin(), v.end());
  return g;
}

const JsonValue* TaskGraph::Find(std::string_view task_id) const {
  auto it = entries_.find(task_id);
  return it == entries_.end() ? nullptr : it->second;
}

std::vector<std::string_view> TaskGraph::Dependencies(std::string_view task_id) const {
  std::vector<std::string_view> out;
  const JsonValue* e = Find(task_id);
  if (!e) return out;
  const JsonValue* deps = Member(*e, "dependencies");
  if (!deps || !deps->IsObject()) return out;
  for (const auto& d : deps->GetObject())
    if (d.value.IsString()) out.push_back(View(d.value));
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

std::string_view TaskGraph::Label(const JsonValue& entry) {
  const JsonValue* l = Member(entry, "label");
  return l && l->IsString() ? View(*l) : std::string_view();
}

bool TaskGraph::Retriggerable(const JsonValue& entry) {
  if (const JsonValue* attrs = Member(entry, "attributes")) {
    if (const JsonValue* r = Member(*attrs, "retrigger")) {
      if (r->IsBool()) return r->GetBool();
      if (r->IsString()) return View(*r) == "true";
    }
  }
  if (const JsonValue* task = Member(entry, "task")) {
    if (const JsonValue* tags = Member(*task, "tags")) return GetString(*tags, "retrigger") == std::string("true");
  }
  return false;
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

size_t RemapTaskIds(JsonValue& v, const std::unordered_map<std::string, std::string>& remap,
                    const std::unordered_set<std::string>& known, std::vector<std::string>* unclassified,
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
      std::string token(s.substr(i, 22));
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
        if (unclassified && !known.count(token) &&
            std::find(unclassified->begin(), unclassified->end(), token) == unclassified->end()) {
          unclassified->push_back(token);
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

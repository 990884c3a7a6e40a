// The Index service: see index.h.
#include "emulator/index.h"

#include <cmath>
#include <optional>
#include <regex>
#include <vector>

#include "core/error.h"
#include "emulator/formats.h"
#include "emulator/paging.h"

namespace tc::emu {

namespace {

constexpr int64_t kDayMs = 24LL * 3600 * 1000;

// helpers.js splitNamespace: the last component is the name.
std::pair<std::string, std::string> Split(const std::string& path) {
  auto dot = path.rfind('.');
  if (dot == std::string::npos) return {"", path};
  return {path.substr(0, dot), path.substr(dot + 1)};
}

std::vector<std::string> Parts(const std::string& ns) {
  std::vector<std::string> out;
  if (ns.empty()) return out;
  size_t b = 0;
  for (size_t e; (e = ns.find('.', b)) != std::string::npos; b = e + 1) out.push_back(ns.substr(b, e - b));
  out.push_back(ns.substr(b));
  return out;
}

std::string Join(const std::string& ns, const std::string& name) {
  return ns.empty() || name.empty() ? ns + name : ns + "." + name;
}

// new Date(y, m, d + 1): the midnight after (UTC).
int64_t NextMidnight(int64_t ms) { return (static_cast<int64_t>(std::floor(static_cast<double>(ms) / kDayMs)) + 1) * kDayMs; }

// extra.index as the completed() handler reads it; false when the handler
// would fail (nothing is indexed then).
bool IndexOptions(const JsonValue& def, int64_t* rank, Json* data, int64_t* expires) {
  const JsonValue* extra = Member(def, "extra");
  const JsonValue* ix = extra && extra->IsObject() ? Member(*extra, "index") : nullptr;
  if (ix && !ix->IsObject()) ix = nullptr;  // `task.extra?.index || {}`
  const JsonValue* r = ix ? Member(*ix, "rank") : nullptr;
  const JsonValue* d = ix ? Member(*ix, "data") : nullptr;
  const JsonValue* e = ix ? Member(*ix, "expires") : nullptr;
  if (r && !r->IsNumber()) return false;  // "Expected number from task.extra.index.rank"
  double rv = r ? r->GetDouble() : 0;
  if (std::floor(rv) != rv || std::fabs(rv) > 2147483647.0) return false;  // an integer column
  *rank = static_cast<int64_t>(rv);
  if (d && !d->IsObject() && !d->IsArray()) return false;  // typeof 'object', then `instanceof Object`
  data->SetObject();
  if (d) data->CopyFrom(*d, data->GetAllocator());
  std::optional<int64_t> ms;
  if (!e) ms = memq::ParseIso(GetString(def, "expires").value_or(""));
  else if (e->IsString()) ms = memq::ParseIso(e->GetString());
  else if (e->IsNumber()) ms = static_cast<int64_t>(e->GetDouble());
  if (!ms) return false;  // new Date(...) is invalid
  *expires = *ms;
  return true;
}

}  // namespace

bool IsIndexNamespace(const std::string& s) { return std::regex_match(s, memq::CachedRegex(kNamespaceRe)); }

IndexService::IndexService(std::function<int64_t()> now_ms) : now_(std::move(now_ms)) {}

Json IndexService::Serialize(const Key& k, const Entry& e) const {
  Json d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  d.AddMember("namespace", Str(Join(k.first, k.second), a), a);
  d.AddMember("taskId", Str(e.task_id, a), a);
  d.AddMember("rank", e.rank, a);
  d.AddMember("data", CopyValue(e.data, a), a);
  d.AddMember("expires", Str(memq::IsoMs(e.expires), a), a);
  return d;
}

// helpers.js ensureNamespace: creates the parents first, rounds the expiry
// up at each level, and only ever extends it.
void IndexService::EnsureNamespace(std::vector<std::string> parts, int64_t expires) {
  if (parts.empty()) return;
  expires = NextMidnight(expires);
  std::string name = parts.back();
  parts.pop_back();
  std::string parent;
  for (size_t i = 0; i < parts.size(); ++i) parent += (i ? "." : "") + parts[i];
  auto it = namespaces_.find({parent, name});
  if (it != namespaces_.end()) {
    if (it->second < expires) {
      EnsureNamespace(parts, expires);
      it->second = expires;
    }
    return;
  }
  EnsureNamespace(parts, expires);
  namespaces_[{parent, name}] = expires;
}

Json IndexService::InsertTask(const std::string& index_path, const std::string& task_id, int64_t rank,
                              const JsonValue& data, int64_t expires) {
  Key k = Split(index_path);
  std::lock_guard<std::mutex> l(mu_);
  auto it = tasks_.find(k);
  if (it != tasks_.end() && it->second.rank > rank) return Serialize(k, it->second);
  bool created = it == tasks_.end();
  Entry e{rank, task_id, CopyJson(data), expires};
  Json reply = created ? Serialize(k, e) : Json();  // create_indexed_task returns the input
  memq::JsonbOrder(e.data, e.data.GetAllocator());
  tasks_[k] = std::move(e);
  EnsureNamespace(Parts(k.first), expires);
  return created ? std::move(reply) : Serialize(k, tasks_[k]);
}

Json IndexService::FindTask(const std::string& index_path) const {
  Key k = Split(index_path);
  std::lock_guard<std::mutex> l(mu_);
  auto it = tasks_.find(k);
  if (it == tasks_.end() || it->second.expires <= now_())
    throw TcError(404, "ResourceNotFound", "Indexed task not found");
  return Serialize(k, it->second);
}

Json IndexService::ListTasks(const std::string& ns, const Page& page, int default_page_size) const {
  std::lock_guard<std::mutex> l(mu_);
  int64_t now = now_();
  std::vector<std::pair<const Key*, const Entry*>> rows;
  for (auto it = tasks_.lower_bound({ns, ""}); it != tasks_.end() && it->first.first == ns; ++it)
    if (it->second.expires > now) rows.emplace_back(&it->first, &it->second);
  PageWindow w = WindowOf(page, default_page_size, static_cast<int64_t>(rows.size()));
  Json d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  JsonValue arr(rapidjson::kArrayType);
  for (int64_t i = w.offset; i < w.end; ++i) {
    Json t = Serialize(*rows[i].first, *rows[i].second);
    arr.PushBack(CopyValue(t, a), a);
  }
  d.AddMember("tasks", arr, a);
  if (!w.next_token.empty()) d.AddMember("continuationToken", Str(w.next_token, a), a);
  return d;
}

Json IndexService::FindTasksAtIndexes(const std::vector<std::string>& paths, const Page& page,
                                      int default_page_size) const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<std::pair<Key, const Entry*>> rows;
  for (const auto& p : paths) {
    // regexp_matches(index, '(.+)\.[^.]+') / '.+\.([^.]+)': no dot, no row
    auto dot = p.rfind('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == p.size()) continue;
    Key k{p.substr(0, dot), p.substr(dot + 1)};
    auto it = tasks_.find(k);
    if (it != tasks_.end()) rows.emplace_back(k, &it->second);
  }
  PageWindow w = WindowOf(page, default_page_size, static_cast<int64_t>(rows.size()));
  Json d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  JsonValue arr(rapidjson::kArrayType);
  for (int64_t i = w.offset; i < w.end; ++i) {
    Json t = Serialize(rows[i].first, *rows[i].second);
    arr.PushBack(CopyValue(t, a), a);
  }
  d.AddMember("tasks", arr, a);
  if (!w.next_token.empty()) d.AddMember("continuationToken", Str(w.next_token, a), a);
  return d;
}

Json IndexService::ListNamespaces(const std::string& ns, const Page& page, int default_page_size) const {
  std::lock_guard<std::mutex> l(mu_);
  int64_t now = now_();
  std::vector<std::pair<const Key*, int64_t>> rows;
  for (auto it = namespaces_.lower_bound({ns, ""}); it != namespaces_.end() && it->first.first == ns; ++it)
    if (it->second > now) rows.emplace_back(&it->first, it->second);
  PageWindow w = WindowOf(page, default_page_size, static_cast<int64_t>(rows.size()));
  Json d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  JsonValue arr(rapidjson::kArrayType);
  for (int64_t i = w.offset; i < w.end; ++i) {
    JsonValue o(rapidjson::kObjectType);
    o.AddMember("namespace", Str(Join(rows[i].first->first, rows[i].first->second), a), a);
    o.AddMember("name", Str(rows[i].first->second, a), a);
    o.AddMember("expires", Str(memq::IsoMs(rows[i].second), a), a);
    arr.PushBack(o, a);
  }
  d.AddMember("namespaces", arr, a);
  if (!w.next_token.empty()) d.AddMember("continuationToken", Str(w.next_token, a), a);
  return d;
}

void IndexService::TaskCompleted(const std::string& task_id, const JsonValue& def) {
  std::vector<std::string> namespaces;
  for (const auto& route : StringsOf(Member(def, "routes")))
    if (route.rfind("index.", 0) == 0 && IsIndexNamespace(route.substr(6))) namespaces.push_back(route.substr(6));
  if (namespaces.empty()) return;
  int64_t rank = 0, expires = 0;
  Json data;
  if (!IndexOptions(def, &rank, &data, &expires)) return;
  for (const auto& ns : namespaces) InsertTask(ns, task_id, rank, data, expires);
}

Json IndexService::Dump() const {
  Json d(rapidjson::kArrayType);
  std::lock_guard<std::mutex> l(mu_);
  for (const auto& [k, e] : tasks_) {
    Json t = Serialize(k, e);
    d.PushBack(CopyValue(t, d.GetAllocator()), d.GetAllocator());
  }
  return d;
}

}  // namespace tc::emu

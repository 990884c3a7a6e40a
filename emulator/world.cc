// The world file: see world.h.
#include "emulator/world.h"

#include <regex>

#include "core/error.h"
#include "emulator/auth.h"
#include "emulator/emulator_hooks.h"
#include "emulator/faults.h"
#include "emulator/index.h"
#include "emulator/routes.h"

namespace tc {

void ExpandNowStrings(JsonValue& v, int64_t now_ms, JsonAlloc& a) {
  static const std::regex re(R"(^\$now(?:([+-])(\d+)(ms|s|m|h|d))?$)");
  if (v.IsString()) {
    std::string s(v.GetString(), v.GetStringLength());
    std::smatch m;
    if (s.rfind("$now", 0) == 0 && std::regex_match(s, m, re)) {
      int64_t delta = 0;
      if (m[1].matched) {
        int64_t n = std::stoll(m[2]);
        std::string u = m[3];
        int64_t mult = u == "ms" ? 1 : u == "s" ? 1000 : u == "m" ? 60000 : u == "h" ? 3600000 : 86400000;
        delta = n * mult * (m[1] == "-" ? -1 : 1);
      }
      v = Str(memq::IsoMs(now_ms + delta), a);
    }
  } else if (v.IsArray()) {
    for (auto& x : v.GetArray()) ExpandNowStrings(x, now_ms, a);
  } else if (v.IsObject()) {
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) ExpandNowStrings(it->value, now_ms, a);
  }
}

namespace emu {

namespace {

void ReplaceAll(std::string& s, const std::string& from, const std::string& to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) s.replace(pos, from.size(), to);
}

// "$rootUrl" / "$proxyUrl" anywhere in strings (values, not keys).
void ExpandUrls(JsonValue& v, const std::string& root, const std::string& proxy, JsonAlloc& a) {
  if (v.IsString()) {
    std::string s(v.GetString(), v.GetStringLength());
    if (s.find("$rootUrl") == std::string::npos && s.find("$proxyUrl") == std::string::npos) return;
    ReplaceAll(s, "$rootUrl", root);
    ReplaceAll(s, "$proxyUrl", proxy);
    v = Str(s, a);
  } else if (v.IsArray()) {
    for (auto& x : v.GetArray()) ExpandUrls(x, root, proxy, a);
  } else if (v.IsObject()) {
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) ExpandUrls(it->value, root, proxy, a);
  }
}

}  // namespace

Json ReadWorld(const EmulatorOptions& o, int64_t now_ms, const std::string& root_url, const std::string& proxy_url) {
  Json w;
  if (!o.world_path.empty()) w = ParseJson(ReadInputFile(o.world_path, o.world_path, kMaxWorldFileBytes), o.world_path);
  else if (!o.world_json.empty()) w = ParseJson(o.world_json, "world");
  else return w;
  if (!w.IsObject()) throw BadInput("world: expected a JSON object");
  ExpandNowStrings(w, now_ms, w.GetAllocator());
  ExpandUrls(w, root_url, proxy_url, w.GetAllocator());
  return w;
}

void LoadWorld(const JsonValue& w, WorldTargets& t) {
  if (!w.IsObject()) return;
  if (const JsonValue* cs = Member(w, "clients")) {
    if (!cs->IsArray()) throw BadInput("world.clients: expected an array");
    for (auto& c : cs->GetArray())
      t.auth.AddClient(RequireString(c, "clientId", "world.clients[].clientId"),
                       RequireString(c, "accessToken", "world.clients[].accessToken"), StringsOf(Member(c, "scopes")));
  }
  if (const JsonValue* rs = Member(w, "roles")) {
    if (!rs->IsArray()) throw BadInput("world.roles: expected an array");
    for (auto& r : rs->GetArray())
      t.auth.AddRole(RequireString(r, "roleId", "world.roles[].roleId"), StringsOf(Member(r, "scopes")));
  }
  if (const JsonValue* an = Member(w, "anonymousScopes")) t.auth.SetAnonymousScopes(StringsOf(an));
  if (auto ps = GetInt(w, "pageSize")) t.queue.SetPageSize(static_cast<int>(*ps));
  if (const JsonValue* ts = Member(w, "tasks")) SeedWorldTasks(t.queue, *ts);
  if (const JsonValue* ix = Member(w, "index")) SeedIndex(t.index, t.queue, *ix);
  if (const JsonValue* fs = Member(w, "faults")) t.faults.Add(ParseFaults(*fs));
  if (const JsonValue* hs = Member(w, "hooks")) t.hooks.AddHooks(*hs);
  if (const JsonValue* wk = Member(w, "worker")) t.hooks.SetWorker(*wk);
}

void SeedWorldTasks(MemoryQueue& queue, const JsonValue& tasks) {
  if (!tasks.IsArray()) throw BadInput("world.tasks: expected an array");
  std::vector<std::pair<std::string, const JsonValue*>> arts;
  for (rapidjson::SizeType i = 0; i < tasks.Size(); i++) {
    const JsonValue& t = tasks[i];
    std::string where = "world.tasks[" + std::to_string(i) + "]";
    if (!t.IsObject()) throw BadInput(where + ": expected an object");
    std::string id = RequireString(t, "taskId", where + ".taskId");
    if (!memq::IsSlugid(id)) throw BadInput(where + ".taskId: `" + id + "` is not a slugid");
    const JsonValue* def = Member(t, "task");
    if (!def) throw BadInput(where + ".task: missing");
    queue.SeedTask(id, *def, GetString(t, "state").value_or(""), Member(t, "runs"), GetString(t, "reason").value_or(""));
    if (const JsonValue* a = Member(t, "artifacts")) arts.emplace_back(id, a);
  }
  queue.FinishSeeding();
  for (auto& [id, a] : arts) {
    if (!a->IsObject()) throw BadInput("world task " + id + ": artifacts must be an object");
    for (auto it = a->MemberBegin(); it != a->MemberEnd(); ++it) {
      std::string name = it->name.GetString();
      MemArtifact art = ParseArtifact(name, it->value, "world task " + id + " artifact " + name);
      int run = static_cast<int>(GetInt(it->value, "runId").value_or(-1));
      try {
        queue.PutArtifact(id, run, art);
      } catch (const TcError& e) {
        throw BadInput("world task " + id + " artifact " + name + ": " + e.what());
      }
    }
  }
}

void SeedIndex(IndexService& index, MemoryQueue& queue, const JsonValue& entries) {
  if (!entries.IsArray()) throw BadInput("world.index: expected an array");
  for (rapidjson::SizeType i = 0; i < entries.Size(); i++) {
    const JsonValue& e = entries[i];
    std::string where = "world.index[" + std::to_string(i) + "]";
    if (!e.IsObject()) throw BadInput(where + ": expected an object");
    std::string ns = RequireString(e, "namespace", where + ".namespace");
    if (!IsIndexNamespace(ns)) throw BadInput(where + ".namespace: `" + ns + "` is not an index path");
    std::string id = RequireString(e, "taskId", where + ".taskId");
    if (!memq::IsSlugid(id)) throw BadInput(where + ".taskId: `" + id + "` is not a slugid");
    const JsonValue* rank = Member(e, "rank");
    if (rank && !rank->IsInt()) throw BadInput(where + ".rank: expected an integer");
    Json data(rapidjson::kObjectType);
    if (const JsonValue* d = Member(e, "data")) {
      if (!d->IsObject()) throw BadInput(where + ".data: expected an object");
      data.CopyFrom(*d, data.GetAllocator());
    }
    std::optional<int64_t> expires;
    if (auto s = GetString(e, "expires")) {
      expires = memq::ParseIso(*s);
      if (!expires) throw BadInput(where + ".expires: not an ISO-8601 time");
    } else if (queue.HasTask(id)) {
      expires = memq::ParseIso(queue.Task(id)["expires"].GetString());
    } else {
      throw BadInput(where + ".expires: required when taskId is not a world task");
    }
    index.InsertTask(ns, id, rank ? rank->GetInt() : 0, data, *expires);
  }
}

}  // namespace emu
}  // namespace tc

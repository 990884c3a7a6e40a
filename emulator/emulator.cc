// The local Taskcluster emulator: see emulator.h.
//
// Behaviour sources (Taskcluster v106 monorepo): libraries/api/src/api.js
// (middleware order: parse body -> authenticate when the scope template only
// needs URL params -> URL params -> query -> input schema -> handler),
// middleware/express-error.js (error body and message footer),
// middleware/auth.js (401/403 messages), services/auth/src/signaturevalidator.js
// (Hawk, certificates, authorizedScopes), services/queue/src/api.js and
// artifacts.js (routes, scope expressions, replies), docker/tc-admin/tc-admin.py
// (the anonymous role).
#include "emulator/emulator.h"

#include <Poco/DeflatingStream.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/StreamCopier.h>
#include <Poco/ThreadPool.h>
#include <Poco/URI.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <regex>
#include <unordered_map>
#include <sstream>
#include <thread>

#include "emulator/emulator_hooks.h"
#include "taskcluster/hawk.h"
#include "core/slugid.h"

namespace tc {
namespace {
// Compiled once per thread: std::regex construction dominates request time otherwise.
const std::regex& EmuRegex(const std::string& re) {
  thread_local std::unordered_map<std::string, std::regex> cache;
  auto it = cache.find(re);
  if (it == cache.end()) it = cache.emplace(re, std::regex(re)).first;
  return it->second;
}
}  // namespace


namespace {

using memq::IsoMs;
using memq::ParseIso;

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// docker/tc-admin/tc-admin.py `anonymous` role (as bootstrap.js installs it).
const std::vector<std::string>& DefaultAnonymousScopes() {
  static const std::vector<std::string> k = {
      "auth:current-scopes", "auth:expand-scopes", "auth:get-client:*", "auth:get-role:*", "auth:list-clients",
      "auth:list-roles", "github:get-badge:*", "github:get-repository:*", "github:latest-status:*",
      "github:list-builds", "hooks:get:*", "hooks:list-hooks:*", "hooks:list-last-fires:*", "hooks:status:*",
      "index:find-task:*", "index:list-namespaces:*", "index:list-tasks:*", "purge-cache:all-purge-requests",
      "purge-cache:purge-requests:*", "queue:get-artifact:public/*", "queue:get-provisioner:*",
      "queue:get-task:*", "queue:get-worker-type:*", "queue:get-worker:*", "queue:list-artifacts:*",
      "queue:list-dependent-tasks:*", "queue:list-provisioners", "queue:list-task-group:*",
      "queue:list-worker-types:*", "queue:list-workers:*", "queue:pending-count:*", "queue:status:*",
      "secrets:list-secrets", "worker-manager:get-worker-pool:*", "worker-manager:get-worker:*",
      "worker-manager:list-providers", "worker-manager:list-worker-pool-errors:*",
      "worker-manager:list-worker-pools", "worker-manager:list-workers:*"};
  return k;
}

// ---------------------------------------------------------------- scope expressions
struct Expr {
  enum Kind { kScope, kAll, kAny } kind = kScope;
  std::string scope;
  std::vector<Expr> kids;
  static Expr S(std::string s) { Expr e; e.scope = std::move(s); return e; }
  static Expr All(std::vector<Expr> k) { Expr e; e.kind = kAll; e.kids = std::move(k); return e; }
  static Expr Any(std::vector<Expr> k) { Expr e; e.kind = kAny; e.kids = std::move(k); return e; }
};

bool Satisfied(const std::vector<std::string>& have, const Expr& e) {
  switch (e.kind) {
    case Expr::kScope: return memq::ScopesSatisfy(have, e.scope);
    case Expr::kAll:
      for (auto& k : e.kids) if (!Satisfied(have, k)) return false;
      return true;
    case Expr::kAny:
      for (auto& k : e.kids) if (Satisfied(have, k)) return true;
      return false;
  }
  return false;
}

// taskcluster-lib-scopes removeGivenScopes
std::optional<Expr> Unsatisfied(const std::vector<std::string>& have, const Expr& e) {
  if (e.kind == Expr::kScope) return memq::ScopesSatisfy(have, e.scope) ? std::nullopt : std::optional<Expr>(e);
  std::vector<Expr> out;
  for (auto& k : e.kids) {
    auto u = Unsatisfied(have, k);
    if (e.kind == Expr::kAny && !u) return std::nullopt;
    if (u) out.push_back(*u);
  }
  if (out.empty()) return std::nullopt;
  if (out.size() == 1) return out[0];
  return e.kind == Expr::kAll ? Expr::All(out) : Expr::Any(out);
}

JsonValue ExprJson(const Expr& e, JsonAlloc& a) {
  if (e.kind == Expr::kScope) return Str(e.scope, a);
  JsonValue arr(rapidjson::kArrayType);
  for (auto& k : e.kids) arr.PushBack(ExprJson(k, a), a);
  JsonValue o(rapidjson::kObjectType);
  o.AddMember(e.kind == Expr::kAll ? "AllOf" : "AnyOf", arr, a);
  return o;
}

// lib-api message templating: strings as-is, others JSON.stringify(v, null, 2)
std::string ExprText(const Expr& e) {
  if (e.kind == Expr::kScope) return e.scope;
  Json d;
  JsonValue v = ExprJson(e, d.GetAllocator());
  return ToPrettyJson(v);
}

// ---------------------------------------------------------------- errors
int StatusOf(const std::string& code) {
  static const std::map<std::string, int> k = {
      {"MalformedPayload", 400}, {"InvalidRequestArguments", 400}, {"InputValidationError", 400},
      {"InputError", 400}, {"AuthenticationFailed", 401}, {"InsufficientScopes", 403},
      {"ResourceNotFound", 404}, {"RequestConflict", 409}, {"ResourceExpired", 410},
      {"InputTooLarge", 413}, {"InternalServerError", 500}};
  auto it = k.find(code);
  return it == k.end() ? 500 : it->second;
}

struct ApiError {
  std::string code, message;
  std::map<std::string, std::string> headers;
};

struct UnknownRoute {};

struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json; charset=utf-8";
  std::map<std::string, std::string> headers;
  bool committed = false;
};

// ---------------------------------------------------------------- helpers
std::vector<std::string> Strings(const JsonValue* v) { return StringsOf(v); }

std::vector<std::string> Merge(std::vector<std::string> a, const std::vector<std::string>& b) {
  for (auto& s : b)
    if (std::find(a.begin(), a.end(), s) == a.end()) a.push_back(s);
  return a;
}

bool ValidScope(const std::string& s) {
  for (unsigned char c : s)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

std::string Base64Url(const std::string& raw) {
  std::string s = Base64Encode(raw);
  for (auto& c : s) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

std::string Gzip(const std::string& in) {
  std::ostringstream out;
  {
    Poco::DeflatingOutputStream z(out, Poco::DeflatingStreamBuf::STREAM_GZIP);
    z << in;
    z.close();
  }
  return out.str();
}

std::string PctEncodePath(const std::string& s) {
  std::string out;
  Poco::URI::encode(s, "?#%", out);
  return out;
}

struct Client {
  std::string access_token;
  std::vector<std::string> scopes;
};

struct AuthResult {
  std::string status;  // auth-success | no-auth | auth-failed
  std::string message;
  std::string client_id;
  std::vector<std::string> scopes;
};

struct Ctx {
  std::string method, uri, path;
  std::vector<std::pair<std::string, std::string>> query;
  std::string body, content_type, authorization, host_header, fwd_port, fwd_proto;
  bool proxy = false;
  int local_port = 0;
  // per-request state
  std::string api_name = "unknown";
  Json params{rapidjson::kObjectType};
  Json payload{rapidjson::kObjectType};
  std::optional<AuthResult> auth;
};

MemArtifact ParseArtifact(const std::string& name, const JsonValue& v, const std::string& where) {
  if (!v.IsObject()) throw BadInput(where + ": artifact must be an object");
  MemArtifact a;
  a.name = name;
  a.storage_type = GetString(v, "storageType").value_or("s3");
  static const std::set<std::string> types = {"s3", "reference", "error", "link"};
  if (!types.count(a.storage_type)) throw BadInput(where + ": storageType must be s3, reference, error or link");
  a.content_type = GetString(v, "contentType").value_or(a.content_type);
  if (const JsonValue* c = Member(v, "content")) {
    a.content = c->IsString() ? std::string(c->GetString(), c->GetStringLength()) : ToJson(*c);
    if (!c->IsString() && !GetString(v, "contentType")) a.content_type = "application/json";
  }
  a.gzip = GetBool(v, "gzip").value_or(false);
  a.url = GetString(v, "url").value_or("");
  a.reason = GetString(v, "reason").value_or("");
  a.message = GetString(v, "message").value_or("");
  a.link = GetString(v, "artifact").value_or("");
  if (auto e = GetString(v, "expires")) {
    auto ms = ParseIso(*e);
    if (!ms) throw BadInput(where + ": expires is not an ISO-8601 time");
    a.expires_ms = *ms;
  }
  if (a.storage_type == "reference" && a.url.empty()) throw BadInput(where + ": a reference artifact needs url");
  if (a.storage_type == "link" && a.link.empty()) throw BadInput(where + ": a link artifact needs artifact");
  return a;
}

}  // namespace

// ====================================================================
// public helpers
// ====================================================================
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
      v = Str(IsoMs(now_ms + delta), a);
    }
  } else if (v.IsArray()) {
    for (auto& x : v.GetArray()) ExpandNowStrings(x, now_ms, a);
  } else if (v.IsObject()) {
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) ExpandNowStrings(it->value, now_ms, a);
  }
}

std::vector<EmulatorFault> ParseFaults(const JsonValue& v) {
  if (!v.IsArray()) throw BadInput("faults: expected a JSON array");
  std::vector<EmulatorFault> out;
  for (rapidjson::SizeType i = 0; i < v.Size(); i++) {
    const JsonValue& f = v[i];
    std::string where = "faults[" + std::to_string(i) + "]";
    if (!f.IsObject()) throw BadInput(where + ": expected an object");
    EmulatorFault x;
    x.method = GetString(f, "method").value_or("*");
    x.path = GetString(f, "path").value_or("");
    if (const JsonValue* k = Member(f, "kind")) x.kind = k->IsString() ? k->GetString() : ToJson(*k);
    static const std::set<std::string> kinds = {"500", "503", "reset", "reset-after-commit", "latency"};
    if (!kinds.count(x.kind))
      throw BadInput(where + ".kind: expected 500, 503, reset, reset-after-commit or latency");
    try {
      std::regex test(x.path);
    } catch (const std::regex_error&) {
      throw BadInput(where + ".path: invalid regular expression");
    }
    x.latency_ms = static_cast<int>(GetInt(f, "latencyMs").value_or(0));
    x.times = static_cast<int>(GetInt(f, "times").value_or(1));
    x.skip = static_cast<int>(GetInt(f, "skip").value_or(0));
    out.push_back(x);
  }
  return out;
}

// ====================================================================
// Impl
// ====================================================================
struct Emulator::Impl {
  EmulatorOptions opts;
  MemoryQueue queue;
  mutable std::mutex mu;  // clients, roles, journal, faults
  std::map<std::string, Client> clients;
  std::vector<std::pair<std::string, std::vector<std::string>>> roles;
  std::vector<std::string> anonymous = DefaultAnonymousScopes();
  std::vector<JournalEntry> journal;
  int64_t seq = 0;
  struct ActiveFault {
    EmulatorFault f;
    std::regex re;
    int seen = 0;
    int fired = 0;
  };
  std::vector<ActiveFault> faults;
  std::string issuer_id = "static/taskcluster/queue";
  std::unique_ptr<Poco::Net::HTTPServer> server, proxy_server;
  int port = -1, proxy_port = -1;
  int64_t started_ms = WallMs();

  std::unique_ptr<EmulatorHooks> hooks;  // the hooks service + action-task worker (emulator_hooks.h)

  explicit Impl(EmulatorOptions o) : opts(std::move(o)), queue(opts.clock) {
    clients[issuer_id] = Client{NewSlugid() + NewSlugid(), {"*"}};
    HooksHost host;
    host.expand = [this](const std::vector<std::string>& s) {
      std::lock_guard<std::mutex> l(mu);
      return Expand(s);
    };
    host.access_token = [this](const std::string& id) -> std::optional<std::string> {
      std::lock_guard<std::mutex> l(mu);
      auto it = clients.find(id);
      if (it == clients.end()) return std::nullopt;
      return it->second.access_token;
    };
    host.root_url = [this] { return Root(); };
    host.proxy_url = [this] { return proxy_port < 0 ? std::string() : "http://127.0.0.1:" + std::to_string(proxy_port); };
    host.record = [this](const std::string& method, const std::string& path, int status, const std::string& client,
                         bool committed) {
      JournalEntry e;
      e.method = method;
      e.path = path;
      e.status = status;
      e.client_id = client;
      e.mutating = true;
      e.committed = committed;
      std::lock_guard<std::mutex> l(mu);
      e.seq = ++seq;
      journal.push_back(e);
    };
    hooks = std::make_unique<EmulatorHooks>(queue, std::move(host));
  }

  std::string Root() const { return "http://127.0.0.1:" + std::to_string(port); }

  // ---------------------------------------------------------- world
  void LoadWorld() {
    Json w;
    if (!opts.world_path.empty()) w = ParseJsonFile(opts.world_path);
    else if (!opts.world_json.empty()) w = ParseJson(opts.world_json, "world");
    else return;
    if (!w.IsObject()) throw BadInput("world: expected a JSON object");
    ExpandNowStrings(w, queue.NowMs(), w.GetAllocator());
    if (const JsonValue* cs = Member(w, "clients")) {
      if (!cs->IsArray()) throw BadInput("world.clients: expected an array");
      for (auto& c : cs->GetArray()) {
        std::string id = RequireString(c, "clientId", "world.clients[].clientId");
        std::string tok = RequireString(c, "accessToken", "world.clients[].accessToken");
        std::lock_guard<std::mutex> l(mu);
        clients[id] = Client{tok, Strings(Member(c, "scopes"))};
      }
    }
    if (const JsonValue* rs = Member(w, "roles")) {
      for (auto& r : rs->GetArray())
        roles.emplace_back(RequireString(r, "roleId", "world.roles[].roleId"), Strings(Member(r, "scopes")));
    }
    if (const JsonValue* an = Member(w, "anonymousScopes")) anonymous = Strings(an);
    if (auto ps = GetInt(w, "pageSize")) queue.SetPageSize(static_cast<int>(*ps));
    if (const JsonValue* ts = Member(w, "tasks")) SeedTasks(*ts);
    if (const JsonValue* fs = Member(w, "faults")) AddFaults(ParseFaults(*fs));
    if (const JsonValue* hs = Member(w, "hooks")) hooks->AddHooks(*hs);
    if (const JsonValue* wk = Member(w, "worker")) hooks->SetWorker(*wk);
  }

  void SeedTasks(const JsonValue& tasks) {
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
      queue.SeedTask(id, *def, GetString(t, "state").value_or(""), Member(t, "runs"),
                     GetString(t, "reason").value_or(""));
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

  void AddFaults(const std::vector<EmulatorFault>& fs) {
    std::lock_guard<std::mutex> l(mu);
    for (auto& f : fs) faults.push_back(ActiveFault{f, std::regex(f.path), 0, 0});
  }

  std::optional<EmulatorFault> MatchFault(const std::string& method, const std::string& path) {
    std::lock_guard<std::mutex> l(mu);
    for (auto& af : faults) {
      if (af.fired >= af.f.times) continue;
      if (af.f.method != "*" && af.f.method != method) continue;
      if (!std::regex_search(path, af.re)) continue;
      if (af.seen++ < af.f.skip) continue;
      af.fired++;
      return af.f;
    }
    return std::nullopt;
  }

  // ---------------------------------------------------------- auth
  std::vector<std::string> Expand(std::vector<std::string> scopes) const {
    std::vector<std::pair<std::string, std::vector<std::string>>> all = roles;
    all.emplace_back("anonymous", anonymous);
    for (bool changed = true; changed;) {
      changed = false;
      for (auto& [role, rs] : all) {
        std::string need = "assume:" + role;
        bool match = memq::ScopesSatisfy(scopes, need);
        if (!match && !role.empty() && role.back() == '*')
          for (auto& s : scopes)
            if (memq::ScopeSatisfies(need, s)) match = true;
        if (!match) continue;
        for (auto& s : rs)
          if (std::find(scopes.begin(), scopes.end(), s) == scopes.end()) {
            scopes.push_back(s);
            changed = true;
          }
      }
    }
    return scopes;
  }

  struct Creds {
    std::string key, client_id;
    std::vector<std::string> scopes;
  };

  // signaturevalidator.js limitClientWithExt
  void LimitWithExt(const std::string& credential_name, const std::string& issuing_id, Creds& c,
                    const JsonValue& ext) {
    const std::vector<std::string> issuing_scopes = c.scopes;
    if (const JsonValue* cert = Member(ext, "certificate")) {
      if (!cert->IsObject()) throw std::runtime_error("ext.certificate must be a JSON object");
      const JsonValue* ver = Member(*cert, "version");
      if (!ver || !ver->IsNumber() || ver->GetDouble() != 1) throw std::runtime_error("ext.certificate.version must be 1");
      const JsonValue* seed = Member(*cert, "seed");
      if (!seed || !seed->IsString()) throw std::runtime_error("ext.certificate.seed must be a string");
      if (seed->GetStringLength() != 44) throw std::runtime_error("ext.certificate.seed must be 44 characters");
      const JsonValue* start = Member(*cert, "start");
      if (!start || !start->IsNumber()) throw std::runtime_error("ext.certificate.start must be a number");
      const JsonValue* expiry = Member(*cert, "expiry");
      if (!expiry || !expiry->IsNumber()) throw std::runtime_error("ext.certificate.expiry must be a number");
      const JsonValue* cs = Member(*cert, "scopes");
      if (!cs || !cs->IsArray()) throw std::runtime_error("ext.certificate.scopes must be an array");
      for (auto& s : cs->GetArray())
        if (!s.IsString() || !ValidScope(s.GetString()))
          throw std::runtime_error("ext.certificate.scopes must be an array of valid scopes");
      int64_t now = WallMs();
      int64_t st = static_cast<int64_t>(start->GetDouble()), ex = static_cast<int64_t>(expiry->GetDouble());
      if (st > now + 5 * 60 * 1000) throw std::runtime_error("ext.certificate.start > now");
      if (ex < now - 5 * 60 * 1000) throw std::runtime_error("ext.certificate.expiry < now");
      if (ex - st > 31LL * 24 * 60 * 60 * 1000)
        throw std::runtime_error("ext.certificate cannot last longer than 31 days!");
      if (issuing_id != credential_name) {
        std::string create = "auth:create-client:" + credential_name;
        if (!memq::ScopesSatisfy(issuing_scopes, create))
          throw std::runtime_error("ext.certificate issuer `" + issuing_id + "` doesn't have `" + create +
                                   "` for supplied clientId.");
      } else if (cert->HasMember("clientId")) {
        throw std::runtime_error("ext.certificate.clientId must only be used with ext.certificate.issuer");
      }
      std::vector<std::string> cert_scopes = Strings(cs);
      for (auto& s : cert_scopes)
        if (!memq::ScopesSatisfy(issuing_scopes, s)) {
          std::string joined;
          for (size_t i = 0; i < cert_scopes.size(); i++) joined += (i ? ", " : "") + cert_scopes[i];
          throw std::runtime_error("ext.certificate issuer `" + issuing_id +
                                   "` doesn't satisfy all certificate scopes " + joined +
                                   ".  The temporary credentials were not generated correctly.");
        }
      // JS number formatting of start/expiry: integers print without a fraction
      auto num = [](const JsonValue& v) {
        if (v.IsInt64()) return std::to_string(v.GetInt64());
        if (v.IsUint64()) return std::to_string(v.GetUint64());
        double d = v.GetDouble();
        if (d == static_cast<double>(static_cast<int64_t>(d))) return std::to_string(static_cast<int64_t>(d));
        std::ostringstream o;
        o.precision(17);
        o << d;
        return o.str();
      };
      std::string content = "version:1\n";
      auto issuer = GetString(*cert, "issuer");
      if (issuer && !issuer->empty()) {
        content += "clientId:" + credential_name + "\n";
        content += "issuer:" + *issuer + "\n";
      }
      content += "seed:" + std::string(seed->GetString()) + "\n";
      content += "start:" + num(*start) + "\n";
      content += "expiry:" + num(*expiry) + "\n";
      content += "scopes:";
      for (auto& s : cert_scopes) content += "\n" + s;
      std::string sig = Base64Encode(HmacSha256(c.key, content));
      auto given = GetString(*cert, "signature");
      if (!given || !ConstantTimeEquals(*given, sig)) {
        if (issuer && !issuer->empty())
          throw std::runtime_error("ext.certificate.signature is not valid, or wrong clientId provided");
        throw std::runtime_error("ext.certificate.signature is not valid");
      }
      c.key = Base64Url(HmacSha256(c.key, seed->GetString()));
      c.scopes = cert_scopes;
    }
    if (const JsonValue* az = Member(ext, "authorizedScopes")) {
      if (!az->IsArray()) throw std::runtime_error("ext.authorizedScopes must be an array");
      for (auto& s : az->GetArray())
        if (!s.IsString() || !ValidScope(s.GetString()))
          throw std::runtime_error("ext.authorizedScopes must be an array of valid scopes");
      std::vector<std::string> have = Expand(Merge(c.scopes, {"assume:anonymous"}));
      std::vector<std::string> want = Strings(az);
      for (auto& s : want)
        if (!memq::ScopesSatisfy(have, s)) {
          std::string h, w;
          for (auto& x : have) h += (h.empty() ? "" : "\n") + x;
          for (auto& x : want) w += (w.empty() ? "" : "\n") + x;
          throw std::runtime_error(
              "Supplied credentials do not satisfy authorizedScopes; credentials have scopes:\n\n```\n" + h +
              "\n```\n\nauthorizedScopes are:\n\n```\n" + w + "\n```");
        }
      c.scopes = want;
    }
  }

  AuthResult Authenticate(const Ctx& ctx) {
    AuthResult r;
    if (ctx.proxy) {
      std::lock_guard<std::mutex> l(mu);
      auto it = clients.find(opts.proxy_client_id);
      r.status = "auth-success";
      r.client_id = opts.proxy_client_id;
      r.scopes = Expand(Merge(it == clients.end() ? std::vector<std::string>{} : it->second.scopes,
                              {"assume:anonymous"}));
      return r;
    }
    if (ctx.authorization.empty()) {
      r.status = "no-auth";
      std::lock_guard<std::mutex> l(mu);
      r.scopes = Expand({"assume:anonymous"});
      return r;
    }
    r.status = "auth-failed";
    std::string err;
    auto h = ParseHawkHeader(ctx.authorization, &err);
    if (!h) {
      r.message = err == "not a Hawk authorization scheme" ? "Unauthorized"
                  : err == "missing attributes"              ? "Bad Request: Missing attributes"
                                                             : "Bad Request: Invalid header syntax";
      return r;
    }
    if (h->id.empty() || h->ts.empty() || h->nonce.empty() || h->mac.empty()) {
      r.message = "Bad Request: Missing attributes";
      return r;
    }
    Creds c;
    try {
      std::string credential_name = h->id, issuing_id = h->id;
      Json ext;
      bool has_ext = !h->ext.empty();
      if (has_ext) {
        std::string raw;
        try {
          raw = Base64Decode(h->ext);
        } catch (...) {
          throw std::runtime_error("Failed to parse ext");
        }
        auto parsed = TryParseJson(raw);
        if (!parsed || !parsed->IsObject()) throw std::runtime_error("Failed to parse ext");
        ext = std::move(*parsed);
        if (const JsonValue* cert = Member(ext, "certificate"))
          if (cert->IsObject())
            if (const JsonValue* iss = Member(*cert, "issuer")) {
              if (!iss->IsString()) throw std::runtime_error("ext.certificate.issuer must be a string");
              issuing_id = iss->GetString();
              if (issuing_id == credential_name)
                throw std::runtime_error("ext.certificate.issuer must differ from the supplied clientId");
            }
      }
      {
        std::lock_guard<std::mutex> l(mu);
        auto it = clients.find(issuing_id);
        if (it == clients.end()) throw std::runtime_error("Client with clientId '" + issuing_id + "' not found");
        c.key = it->second.access_token;
        c.scopes = Expand(it->second.scopes);
      }
      if (has_ext) {
        std::lock_guard<std::mutex> l(mu);
        LimitWithExt(credential_name, issuing_id, c, ext);
      }
      {
        std::lock_guard<std::mutex> l(mu);
        c.scopes = Expand(Merge(c.scopes, {"assume:anonymous"}));
      }
      c.client_id = credential_name;
    } catch (const std::exception& e) {
      r.message = e.what();
      return r;
    }
    // Hawk MAC over method/resource/host/port (hawk.utils.parseHost + x-forwarded-port)
    HawkRequest hr;
    hr.method = ctx.method;
    hr.resource = ctx.uri;
    std::string host = ctx.host_header;
    int port = 80;
    if (!host.empty() && host[0] == '[') {
      auto close = host.find(']');
      if (close != std::string::npos && close + 1 < host.size() && host[close + 1] == ':')
        port = std::atoi(host.c_str() + close + 2);
      host = host.substr(0, close == std::string::npos ? host.size() : close + 1);
    } else if (auto colon = host.rfind(':'); colon != std::string::npos) {
      port = std::atoi(host.c_str() + colon + 1);
      host = host.substr(0, colon);
    }
    if (!ctx.fwd_port.empty()) port = std::atoi(ctx.fwd_port.c_str());
    else if (!ctx.fwd_proto.empty() && ctx.fwd_proto == "https") port = 443;
    hr.host = host;
    hr.port = port;
    hr.ext = h->ext;
    if (!h->hash.empty()) hr.hash = h->hash;
    char* end = nullptr;
    long long ts = std::strtoll(h->ts.c_str(), &end, 10);
    hr.ts = ts;
    hr.nonce = h->nonce;
    // the MAC covers ts as sent
    std::string mac = HawkMac(c.key, hr);
    if (end == h->ts.c_str() || *end != 0 || std::to_string(ts) != h->ts) mac = "";
    if (!ConstantTimeEquals(mac, h->mac)) {
      r.message = "Unauthorized: Bad mac";
      return r;
    }
    if (std::llabs(ts * 1000 - WallMs()) > 15 * 60 * 1000) {
      r.message = "Unauthorized: Stale timestamp";
      return r;
    }
    if (!h->hash.empty()) {
      std::string computed = HawkPayloadHash(ctx.content_type, ctx.body);
      if (!ConstantTimeEquals(computed, h->hash)) {
        r.message = "Invalid payload hash: " + h->hash + "\nComputed payload hash: " + computed +
                    "\nThis happens when your request carries a signed hash of the payload and the hash "
                    "doesn't match the hash we've computed on the server-side.";
        return r;
      }
    }
    r.status = "auth-success";
    r.client_id = c.client_id;
    r.scopes = c.scopes;
    return r;
  }

  const AuthResult& Auth(Ctx& ctx) {
    if (!ctx.auth) ctx.auth = Authenticate(ctx);
    return *ctx.auth;
  }

  // lib-api req.authorize
  void Authorize(Ctx& ctx, const Expr& required) {
    const AuthResult& a = Auth(ctx);
    if (a.status == "auth-failed") throw ApiError{"AuthenticationFailed", a.message, {{"www-authenticate", "hawk"}}};
    if (Satisfied(a.scopes, required)) return;
    std::string msg;
    if (a.status == "auth-success") {
      auto un = Unsatisfied(a.scopes, required);
      msg = "Client ID " + a.client_id +
            " does not have sufficient scopes and is missing the following scopes:\n\n```\n" +
            (un ? ExprText(*un) : "") +
            "\n```\n\nThis request requires the client to satisfy the following scope expression:\n\n```\n" +
            ExprText(required) + "\n```";
    } else {
      msg = "This request requires Taskcluster credentials that satisfy the following scope expression:\n\n```\n" +
            ExprText(required) + "\n```";
    }
    throw ApiError{"InsufficientScopes", msg, {}};
  }

  // ---------------------------------------------------------- temp credentials (task-creds.js)
  Json TaskCredentials(const std::string& task_id, int run_id, const std::string& wg, const std::string& wi,
                       int64_t taken_until, const std::vector<std::string>& task_scopes, JsonAlloc& out_alloc,
                       JsonValue& out) {
    std::string issuer_token;
    {
      std::lock_guard<std::mutex> l(mu);
      issuer_token = clients[issuer_id].access_token;
    }
    std::string tu = std::to_string(taken_until / 1000);
    if (taken_until % 1000) {
      std::ostringstream o;
      o << static_cast<double>(taken_until) / 1000.0;
      tu = o.str();
    }
    std::string client_id = "task-client/" + task_id + "/" + std::to_string(run_id) + "/on/" + wg + "/" + wi +
                            "/until/" + tu;
    std::vector<std::string> scopes = {"queue:reclaim-task:" + task_id + "/" + std::to_string(run_id),
                                       "queue:resolve-task:" + task_id + "/" + std::to_string(run_id),
                                       "queue:create-artifact:" + task_id + "/" + std::to_string(run_id)};
    for (auto& s : task_scopes) scopes.push_back(s);
    int64_t start = WallMs() - 5 * 60 * 1000;  // createTemporaryCredentials backdates start by 5 minutes
    int64_t expiry = std::max(taken_until, WallMs() + 60 * 1000);
    std::string seed = NewSlugid() + NewSlugid();
    std::string content = "version:1\nclientId:" + client_id + "\nissuer:" + issuer_id + "\nseed:" + seed +
                          "\nstart:" + std::to_string(start) + "\nexpiry:" + std::to_string(expiry) + "\nscopes:";
    for (auto& s : scopes) content += "\n" + s;
    Json cert(rapidjson::kObjectType);
    auto& ca = cert.GetAllocator();
    cert.AddMember("version", 1, ca);
    JsonValue sc(rapidjson::kArrayType);
    for (auto& s : scopes) sc.PushBack(Str(s, ca), ca);
    cert.AddMember("scopes", sc, ca);
    cert.AddMember("start", start, ca);
    cert.AddMember("expiry", expiry, ca);
    cert.AddMember("seed", Str(seed, ca), ca);
    cert.AddMember("signature", Str(Base64Encode(HmacSha256(issuer_token, content)), ca), ca);
    cert.AddMember("issuer", Str(issuer_id, ca), ca);
    out.SetObject();
    out.AddMember("clientId", Str(client_id, out_alloc), out_alloc);
    out.AddMember("accessToken", Str(Base64Url(HmacSha256(issuer_token, seed)), out_alloc), out_alloc);
    out.AddMember("certificate", Str(ToJson(cert), out_alloc), out_alloc);
    return cert;
  }

  // ---------------------------------------------------------- replies
  Reply ErrorReply(const Ctx& ctx, const std::string& code, const std::string& message,
                   const std::map<std::string, std::string>& headers = {}) {
    int status = StatusOf(code);
    std::string time = IsoMs(WallMs());
    std::string msg = message + "\n\n---\n\n* method:     " + ctx.api_name + "\n* errorCode:  " + code +
                      "\n* statusCode: " + std::to_string(status) + "\n* time:       " + time;
    Json d(rapidjson::kObjectType);
    auto& a = d.GetAllocator();
    d.AddMember("code", Str(code, a), a);
    d.AddMember("message", Str(msg, a), a);
    JsonValue ri(rapidjson::kObjectType);
    ri.AddMember("method", Str(ctx.api_name, a), a);
    ri.AddMember("params", CopyValue(ctx.params, a), a);
    ri.AddMember("payload", CopyValue(ctx.payload, a), a);
    ri.AddMember("time", Str(time, a), a);
    d.AddMember("requestInfo", ri, a);
    Reply r;
    r.status = status;
    r.body = ToPrettyJson(d);
    r.headers = headers;
    return r;
  }

  static Reply JsonReply(const JsonValue& v, int status = 200) {
    Reply r;
    r.status = status;
    r.body = ToPrettyJson(v);
    return r;
  }

  // ---------------------------------------------------------- queue API
  void SetParam(Ctx& ctx, const char* k, const std::string& v) {
    SetMember(ctx.params, k, Str(v, ctx.params.GetAllocator()), ctx.params.GetAllocator());
  }

  void CheckParam(const char* name, const std::string& v, const char* re_text) {
    if (!std::regex_search(v, EmuRegex(re_text))) {
      throw ApiError{"InvalidRequestArguments",
                     std::string("Invalid URL patterns:\nURL parameter '") + name + "' given as '" + v +
                         "' must match regular expression: '/" + re_text + "/'",
                     {}};
    }
  }

  void CheckQuery(const Ctx& ctx, bool paged) {
    std::vector<std::string> errors;
    for (auto& [k, v] : ctx.query) {
      if (paged && k == "continuationToken") continue;
      if (paged && k == "limit") {
        if (!std::regex_match(v, EmuRegex("[0-9]+")))
          errors.push_back("Query-string parameter: limit=\"" + v + "\" does not match expression: /^[0-9]+$/");
        continue;
      }
      if (k == "bewit") continue;
      errors.push_back("Query-string parameter: " + k + " is not supported!");
    }
    if (!errors.empty()) {
      std::string m;
      for (size_t i = 0; i < errors.size(); i++) m += (i ? "\n" : "") + errors[i];
      throw ApiError{"InvalidRequestArguments", m, {}};
    }
  }

  Page PageOf(const Ctx& ctx) {
    Page p;
    for (auto& [k, v] : ctx.query) {
      if (k == "continuationToken") p.continuation_token = v;
      if (k == "limit") p.limit = static_cast<int>(std::min<long long>(std::stoll(v), 1000000));
    }
    return p;
  }

  void RequireJsonBody(const Ctx& ctx) {
    std::string ct = ctx.content_type.substr(0, ctx.content_type.find(';'));
    while (!ct.empty() && ct.back() == ' ') ct.pop_back();
    std::transform(ct.begin(), ct.end(), ct.begin(), ::tolower);
    if (ct != "application/json")
      throw ApiError{"MalformedPayload",
                     "Payload must be JSON with content-type: application/json got content-type: " +
                         (ctx.content_type.empty() ? std::string("null") : ctx.content_type),
                     {}};
  }

  static constexpr const char* kSlugRe = "^[A-Za-z0-9_-]{8}[Q-T][A-Za-z0-9_-][CGKOSWaeimquy26-][A-Za-z0-9_-]{10}[AQgw]$";
  static constexpr const char* kRunRe = "^[1-9]*[0-9]+$";
  static constexpr const char* kTqRe = "^[a-zA-Z0-9-_]{1,38}\\/[a-z]([-a-z0-9]{0,36}[a-z0-9])?$";
  static constexpr const char* kNameRe = "^[\\x20-\\x7e]+$";

  Reply QueueApi(Ctx& ctx, const std::string& rest) {
    auto seg = [&](const std::string& s) {
      std::vector<std::string> out;
      size_t b = 0;
      while (true) {
        size_t e = s.find('/', b);
        out.push_back(s.substr(b, e == std::string::npos ? std::string::npos : e - b));
        if (e == std::string::npos) break;
        b = e + 1;
      }
      return out;
    };
    std::vector<std::string> p = seg(rest);
    const std::string& M = ctx.method;
    auto join_from = [&](size_t i) {
      std::string s;
      for (size_t k = i; k < p.size(); k++) s += (k > i ? "/" : "") + p[k];
      return s;
    };

    if (M == "GET" && rest == "ping") {
      ctx.api_name = "ping";
      Json d(rapidjson::kObjectType);
      d.AddMember("alive", true, d.GetAllocator());
      d.AddMember("uptime", static_cast<double>(WallMs() - started_ms) / 1000.0, d.GetAllocator());
      return JsonReply(d);
    }

    // task/<taskId>[/...]
    if (p.size() >= 2 && p[0] == "task") {
      const std::string id = p[1];
      if (p.size() == 2 && M == "GET") {
        ctx.api_name = "task";
        SetParam(ctx, "taskId", id);
        Authorize(ctx, Expr::S("queue:get-task:" + id));
        CheckParam("taskId", id, kSlugRe);
        CheckQuery(ctx, false);
        return JsonReply(queue.Task(id));
      }
      if (p.size() == 3 && p[2] == "status" && M == "GET") {
        ctx.api_name = "status";
        SetParam(ctx, "taskId", id);
        Authorize(ctx, Expr::S("queue:status:" + id));
        CheckParam("taskId", id, kSlugRe);
        CheckQuery(ctx, false);
        return JsonReply(queue.Status(id));
      }
      if (p.size() == 3 && p[2] == "dependents" && M == "GET") {
        ctx.api_name = "listDependentTasks";
        SetParam(ctx, "taskId", id);
        Authorize(ctx, Expr::S("queue:list-dependent-tasks:" + id));
        CheckParam("taskId", id, kSlugRe);
        CheckQuery(ctx, true);
        return JsonReply(queue.ListDependentTasks(id, PageOf(ctx)));
      }
      if (p.size() == 2 && M == "PUT") return CreateTask(ctx, id);
      if (p.size() == 3 && M == "POST" && (p[2] == "rerun" || p[2] == "cancel" || p[2] == "schedule"))
        return TaskAction(ctx, id, p[2]);
      if (p.size() >= 4 && p[2] == "artifacts" && M == "GET") return Artifact(ctx, id, std::nullopt, join_from(3));
      if (p.size() >= 6 && p[2] == "runs" && p[4] == "artifacts" && M == "GET")
        return Artifact(ctx, id, p[3], join_from(5));
      if (p.size() == 5 && p[2] == "runs" && M == "POST") {
        if (p[4] == "completed" || p[4] == "failed" || p[4] == "exception") return Resolve(ctx, id, p[3], p[4]);
        if (p[4] == "claim") return ClaimTask(ctx, id, p[3]);
      }
    }
    if (p.size() >= 2 && p[0] == "task-group" && M == "GET") {
      const std::string id = p[1];
      if (p.size() == 3 && p[2] == "list") {
        ctx.api_name = "listTaskGroup";
        SetParam(ctx, "taskGroupId", id);
        Authorize(ctx, Expr::S("queue:list-task-group:" + id));
        CheckParam("taskGroupId", id, kSlugRe);
        CheckQuery(ctx, true);
        return JsonReply(queue.ListTaskGroup(id, PageOf(ctx)));
      }
      if (p.size() == 2) {
        ctx.api_name = "getTaskGroup";
        SetParam(ctx, "taskGroupId", id);
        Authorize(ctx, Expr::S("queue:list-task-group:" + id));
        CheckParam("taskGroupId", id, kSlugRe);
        CheckQuery(ctx, false);
        return JsonReply(queue.GetTaskGroup(id));
      }
    }
    if (p.size() >= 3 && p[0] == "claim-work" && M == "POST") return ClaimWork(ctx, join_from(1));
    throw UnknownRoute{};
  }

  Reply CreateTask(Ctx& ctx, const std::string& id) {
    ctx.api_name = "createTask";
    SetParam(ctx, "taskId", id);
    CheckParam("taskId", id, kSlugRe);
    CheckQuery(ctx, false);
    RequireJsonBody(ctx);
    memq::ApplyCreateTaskDefaults(ctx.payload, ctx.payload.GetAllocator());
    Json def;
    try {
      def = queue.NormalizeDefinition(id, ctx.payload);
    } catch (const TcError& e) {
      std::string m = e.what();
      auto pos = m.find("Rejecting Schema: /schemas/");
      if (pos != std::string::npos) m.replace(pos, 18, "Rejecting Schema: " + Root());
      throw ApiError{e.code(), m, {}};
    }
    // api.js completes the request body itself before anything else can fail
    // (so later error bodies echo it in requestInfo.payload): taskQueueId from
    // provisionerId/workerType, or those two split from taskQueueId.
    {
      auto& a = ctx.payload.GetAllocator();
      for (const char* k : {"provisionerId", "workerType", "taskQueueId"})
        if (!ctx.payload.HasMember(k) && def.HasMember(k))
          ctx.payload.AddMember(rapidjson::StringRef(k), CopyValue(def[k], a), a);
    }
    // api.js authorizeTaskCreation
    std::vector<Expr> all;
    for (auto& s : Strings(Member(def, "scopes"))) all.push_back(Expr::S(s));
    for (auto& r : Strings(Member(def, "routes"))) all.push_back(Expr::S("queue:route:" + r));
    all.push_back(Expr::S(std::string("queue:create-task:project:") + def["projectId"].GetString()));
    all.push_back(Expr::S(std::string("queue:scheduler-id:") + def["schedulerId"].GetString()));
    std::vector<Expr> any;
    std::string prio = def["priority"].GetString();
    std::string q = std::string(def["provisionerId"].GetString()) + "/" + def["workerType"].GetString();
    for (auto& level : memq::PriorityLevels()) {
      any.push_back(Expr::S("queue:create-task:" + level + ":" + q));
      if (level == prio) break;
    }
    all.push_back(Expr::Any(any));
    Authorize(ctx, Expr::All(all));
    Reply r = JsonReply(queue.CreateTask(id, ctx.payload));
    r.committed = true;
    return r;
  }

  Reply TaskAction(Ctx& ctx, const std::string& id, const std::string& action) {
    ctx.api_name = action == "rerun" ? "rerunTask" : action == "cancel" ? "cancelTask" : "scheduleTask";
    SetParam(ctx, "taskId", id);
    CheckParam("taskId", id, kSlugRe);
    CheckQuery(ctx, false);
    Json st;
    try {
      st = queue.Status(id);
    } catch (const TcError& e) {
      if (e.status() != 404) throw;
      // each endpoint's own 404 message
      if (action == "rerun") return Call([&] { return queue.RerunTask(id); });
      if (action == "cancel") return Call([&] { return queue.CancelTask(id); });
      return Call([&] { return queue.ScheduleTask(id); });
    }
    const JsonValue& s = st["status"];
    std::string sched = s["schedulerId"].GetString(), group = s["taskGroupId"].GetString(),
                project = s["projectId"].GetString();
    std::string verb = action == "rerun" ? "rerun-task" : action == "cancel" ? "cancel-task" : "schedule-task";
    Authorize(ctx, Expr::Any({Expr::S("queue:" + verb + ":" + sched + "/" + group + "/" + id),
                              Expr::S("queue:" + verb + "-in-project:" + project),
                              Expr::All({Expr::S("queue:" + verb), Expr::S("assume:scheduler-id:" + sched + "/" + group)})}));
    Reply r = Call([&] {
      if (action == "rerun") return queue.RerunTask(id);
      if (action == "cancel") return queue.CancelTask(id);
      return queue.ScheduleTask(id);
    });
    r.committed = true;
    return r;
  }

  template <typename F>
  Reply Call(F f) {
    return JsonReply(f());
  }

  Reply Artifact(Ctx& ctx, const std::string& id, std::optional<std::string> run, const std::string& name) {
    ctx.api_name = run ? "getArtifact" : "getLatestArtifact";
    SetParam(ctx, "taskId", id);
    if (run) SetParam(ctx, "runId", *run);
    SetParam(ctx, "name", name);
    CheckParam("taskId", id, kSlugRe);
    if (run) CheckParam("runId", *run, kRunRe);
    CheckParam("name", name, kNameRe);
    CheckQuery(ctx, false);
    Authorize(ctx, Expr::All({Expr::S("queue:get-artifact:" + name)}));
    std::optional<int> run_id;
    if (run) run_id = std::atoi(run->c_str());
    ArtifactLookup l = queue.LookupArtifact(id, run_id, name);
    if (l.names.size() > 1) {
      std::vector<Expr> all;
      for (auto& n : l.names) all.push_back(Expr::S("queue:get-artifact:" + n));
      Authorize(ctx, Expr::All(all));
    }
    const MemArtifact& a = l.artifact;
    Reply r;
    r.headers["x-taskcluster-artifact-storage-type"] = a.storage_type;
    if (a.storage_type == "error") {
      Json d(rapidjson::kObjectType);
      d.AddMember("reason", Str(a.reason, d.GetAllocator()), d.GetAllocator());
      d.AddMember("message", Str(a.message, d.GetAllocator()), d.GetAllocator());
      r.status = 424;
      r.body = ToPrettyJson(d);
      return r;
    }
    std::string url = a.storage_type == "reference"
                          ? a.url
                          : Root() + "/__s3/" + id + "/" + std::to_string(l.run_id) + "/" + PctEncodePath(a.name);
    Json d(rapidjson::kObjectType);
    d.AddMember("storageType", Str(a.storage_type, d.GetAllocator()), d.GetAllocator());
    d.AddMember("url", Str(url, d.GetAllocator()), d.GetAllocator());
    r.status = 303;
    r.body = ToPrettyJson(d);
    r.headers["Location"] = url;
    return r;
  }

  Reply Resolve(Ctx& ctx, const std::string& id, const std::string& run, const std::string& what) {
    ctx.api_name = what == "completed" ? "reportCompleted" : what == "failed" ? "reportFailed" : "reportException";
    SetParam(ctx, "taskId", id);
    SetParam(ctx, "runId", run);
    Authorize(ctx, Expr::S("queue:resolve-task:" + id + "/" + run));
    CheckParam("taskId", id, kSlugRe);
    CheckParam("runId", run, kRunRe);
    CheckQuery(ctx, false);
    int run_id = std::atoi(run.c_str());
    Reply r;
    if (what == "exception") {
      RequireJsonBody(ctx);
      std::string reason = GetString(ctx.payload, "reason").value_or("");
      if (!ctx.payload.IsObject() || !ctx.payload.HasMember("reason")) {
        throw ApiError{"InputValidationError",
                       "\nSchema Validation Failed!\nRejecting Schema: " + Root() +
                           "/schemas/queue/v1/task-exception-request.json#\nErrors:\n  * data must have required "
                           "property 'reason'",
                       {}};
      }
      r = JsonReply(queue.ReportException(id, run_id, reason));
    } else if (what == "completed") {
      r = JsonReply(queue.ReportCompleted(id, run_id));
    } else {
      r = JsonReply(queue.ReportFailed(id, run_id));
    }
    r.committed = true;
    return r;
  }

  void ValidateWorkerBody(Ctx& ctx, const char* schema, bool tasks) {
    RequireJsonBody(ctx);
    std::vector<std::string> errs;
    const JsonValue& b = ctx.payload;
    if (!b.IsObject()) {
      errs.push_back("data must be object");
    } else {
      for (const char* k : {"workerGroup", "workerId"}) {
        const JsonValue* v = Member(b, k);
        if (!v) errs.push_back(std::string("data must have required property '") + k + "'");
        else if (!v->IsString() || !std::regex_match(v->GetString(), EmuRegex("[a-zA-Z0-9-_]{1,38}")))
          errs.push_back(std::string("data/") + k + " must match pattern \"^([a-zA-Z0-9-_]*)$\"");
      }
      if (tasks) {
        const JsonValue* v = Member(b, "tasks");
        if (!v) errs.push_back("data must have required property 'tasks'");
        else if (!v->IsInt()) errs.push_back("data/tasks must be integer");
        else if (v->GetInt() < 1) errs.push_back("data/tasks must be >= 1");
        else if (v->GetInt() > 32) errs.push_back("data/tasks must be <= 32");
      }
    }
    if (!errs.empty()) {
      std::string m = "\nSchema Validation Failed!\nRejecting Schema: " + Root() + "/schemas/queue/v1/" + schema +
                      "#\nErrors:\n  * ";
      for (size_t i = 0; i < errs.size(); i++) m += (i ? "\n  * " : "") + errs[i];
      throw ApiError{"InputValidationError", m, {}};
    }
  }

  void AddCredentials(JsonValue& claim, JsonAlloc& a) {
    std::string task_id = claim["status"]["taskId"].GetString();
    int run_id = claim["runId"].GetInt();
    auto taken = ParseIso(claim["takenUntil"].GetString()).value_or(WallMs());
    JsonValue creds;
    TaskCredentials(task_id, run_id, claim["workerGroup"].GetString(), claim["workerId"].GetString(), taken,
                    Strings(Member(claim["task"], "scopes")), a, creds);
    claim.AddMember("credentials", creds, a);
  }

  Reply ClaimWork(Ctx& ctx, const std::string& tq) {
    ctx.api_name = "claimWork";
    SetParam(ctx, "taskQueueId", tq);
    CheckParam("taskQueueId", tq, kTqRe);
    CheckQuery(ctx, false);
    ValidateWorkerBody(ctx, "claim-work-request.json", true);
    std::string wg = ctx.payload["workerGroup"].GetString(), wi = ctx.payload["workerId"].GetString();
    Authorize(ctx, Expr::All({Expr::S("queue:claim-work:" + tq), Expr::S("queue:worker-id:" + wg + "/" + wi)}));
    Json d = queue.ClaimWork(tq, wg, wi, ctx.payload["tasks"].GetInt());
    for (auto& c : d["tasks"].GetArray()) AddCredentials(c, d.GetAllocator());
    Reply r = JsonReply(d);
    r.committed = true;
    return r;
  }

  Reply ClaimTask(Ctx& ctx, const std::string& id, const std::string& run) {
    ctx.api_name = "claimTask";
    SetParam(ctx, "taskId", id);
    SetParam(ctx, "runId", run);
    CheckParam("taskId", id, kSlugRe);
    CheckParam("runId", run, kRunRe);
    CheckQuery(ctx, false);
    ValidateWorkerBody(ctx, "task-claim-request.json", false);
    std::string wg = ctx.payload["workerGroup"].GetString(), wi = ctx.payload["workerId"].GetString();
    Json st;
    try {
      st = queue.Status(id);
    } catch (const TcError& e) {
      if (e.status() == 404) throw ApiError{"ResourceNotFound", "Task `" + id + "` not found. Are you sure it was created?", {}};
      throw;
    }
    Authorize(ctx, Expr::All({Expr::S(std::string("queue:claim-task:") + st["status"]["provisionerId"].GetString() +
                                      "/" + st["status"]["workerType"].GetString()),
                              Expr::S("queue:worker-id:" + wg + "/" + wi)}));
    Json d = queue.ClaimTask(id, std::atoi(run.c_str()), wg, wi);
    AddCredentials(d, d.GetAllocator());
    Reply r = JsonReply(d);
    r.committed = true;
    return r;
  }

  // ---------------------------------------------------------- hooks API (emulator_hooks.h)
  Reply HooksApi(Ctx& ctx, const std::string& rest) {
    // POST hooks/<hookGroupId>/<hookId>/trigger (the hookId may contain '/')
    const std::string pre = "hooks/", suf = "/trigger";
    if (ctx.method != "POST" || rest.rfind(pre, 0) != 0 || rest.size() <= pre.size() + suf.size() ||
        rest.compare(rest.size() - suf.size(), suf.size(), suf) != 0)
      throw UnknownRoute{};
    std::string ids = rest.substr(pre.size(), rest.size() - pre.size() - suf.size());
    auto slash = ids.find('/');
    if (slash == std::string::npos) throw UnknownRoute{};
    std::string group = ids.substr(0, slash), id = ids.substr(slash + 1);
    ctx.api_name = "triggerHook";
    SetParam(ctx, "hookGroupId", group);
    SetParam(ctx, "hookId", id);
    Authorize(ctx, Expr::S("hooks:trigger-hook:" + group + "/" + id));
    CheckParam("hookGroupId", group, "^[a-zA-Z0-9-_]{1,1000}$");
    CheckParam("hookId", id, "^[a-zA-Z0-9-_\\/]{1,1000}$");
    RequireJsonBody(ctx);
    if (!ctx.payload.IsObject())
      throw ApiError{"InputValidationError",
                     "\nSchema Validation Failed!\nRejecting Schema: " + Root() +
                         "/schemas/hooks/v1/trigger-hook.json#\nErrors:\n  * data must be object",
                     {}};
    std::optional<std::string> client;
    if (Auth(ctx).status == "auth-success") client = Auth(ctx).client_id;
    EmulatorHooks::Result res = hooks->Trigger(group, id, ctx.payload, client);
    Reply r = JsonReply(res.body);
    r.committed = res.committed;
    return r;
  }

  // ---------------------------------------------------------- dispatch
  Reply Dispatch(Ctx& ctx) {
    // body-parser: JSON parsed only for application/json
    std::string ct = ctx.content_type.substr(0, ctx.content_type.find(';'));
    std::transform(ct.begin(), ct.end(), ct.begin(), ::tolower);
    while (!ct.empty() && ct.back() == ' ') ct.pop_back();
    try {
      const std::string prefix = "/api/queue/v1/", hooks_prefix = "/api/hooks/v1/";
      const bool is_hooks = ctx.path.rfind(hooks_prefix, 0) == 0;
      if (!is_hooks && ctx.path.rfind(prefix, 0) != 0) {
        ctx.api_name = "unknown";
        throw ApiError{"ResourceNotFound", "No such API: " + ctx.method + " " + ctx.path, {}};
      }
      if (ct == "application/json" && !ctx.body.empty()) {
        std::string err;
        auto parsed = TryParseJson(ctx.body, &err);
        if (!parsed || !(parsed->IsObject() || parsed->IsArray())) {
          ctx.api_name = "unknown";
          throw ApiError{"MalformedPayload",
                         "Failed to parse JSON: " + (parsed ? std::string("Must be an object or array") : err), {}};
        }
        ctx.payload = std::move(*parsed);
      }
      if (is_hooks) return HooksApi(ctx, ctx.path.substr(hooks_prefix.size()));
      return QueueApi(ctx, ctx.path.substr(prefix.size()));
    } catch (const UnknownRoute&) {
      // upstream (express) answers {"error": "Not found"}; "code" added for Taskcluster-style clients
      Json d(rapidjson::kObjectType);
      auto& a = d.GetAllocator();
      d.AddMember("code", "ResourceNotFound", a);
      d.AddMember("message", Str("No such API method: " + ctx.method + " " + ctx.path, a), a);
      d.AddMember("error", "Not found", a);
      Reply r = JsonReply(d, 404);
      return r;
    } catch (const ApiError& e) {
      return ErrorReply(ctx, e.code, e.message, e.headers);
    } catch (const TcError& e) {
      return ErrorReply(ctx, e.code().empty() ? "InternalServerError" : e.code(), e.what());
    } catch (const std::exception& e) {
      return ErrorReply(ctx, "InternalServerError",
                        "Internal Server Error, incidentId " + NewSlugid() + ". Error (not shown in production):\n```\n" +
                            e.what() + "\n```");
    }
  }

  static void Send(Poco::Net::HTTPServerResponse& res, const Reply& r) {
    res.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(r.status));
    res.setContentType(r.content_type);
    res.set("Cache-Control", "no-store no-cache must-revalidate");
    for (auto& [k, v] : r.headers) res.set(k, v);
    res.setContentLength(static_cast<std::streamsize>(r.body.size()));
    res.sendBuffer(r.body.data(), r.body.size());
  }

  static void Reset(Poco::Net::HTTPServerRequest& req) {
    try {
      auto& impl = static_cast<Poco::Net::HTTPServerRequestImpl&>(req);
      Poco::Net::StreamSocket s = impl.detachSocket();
      s.setLinger(true, 0);
      s.close();
    } catch (...) {
    }
  }

  void Record(const Ctx& ctx, int status, bool committed, const std::optional<std::string>& fault) {
    JournalEntry e;
    e.method = ctx.method;
    e.path = ctx.uri;
    e.status = status;
    if (ctx.auth && ctx.auth->status == "auth-success") e.client_id = ctx.auth->client_id;
    e.mutating = ctx.method != "GET" && ctx.method != "HEAD";
    e.committed = e.mutating && committed;
    e.fault = fault;
    std::lock_guard<std::mutex> l(mu);
    e.seq = ++seq;
    journal.push_back(e);
  }

  void Handle(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& res, bool proxy) {
    Ctx ctx;
    ctx.proxy = proxy;
    ctx.method = req.getMethod();
    ctx.uri = req.getURI();
    Poco::URI u;
    try {
      u = Poco::URI(ctx.uri);
      ctx.path = u.getPath();
      ctx.query = u.getQueryParameters();
    } catch (...) {
      ctx.path = ctx.uri;
    }
    if (ctx.path.rfind("/__emulator/", 0) == 0) return Control(req, res, ctx);

    std::optional<EmulatorFault> fault = MatchFault(ctx.method, ctx.path);
    std::optional<std::string> fault_kind;
    if (fault) fault_kind = fault->kind;
    bool journaled = ctx.path.rfind("/__s3/", 0) != 0;
    if (fault && fault->kind == "reset") {
      if (journaled) Record(ctx, 0, false, fault_kind);
      return Reset(req);
    }
    if (fault && fault->kind == "latency") std::this_thread::sleep_for(std::chrono::milliseconds(fault->latency_ms));

    ctx.content_type = req.get("Content-Type", "");
    ctx.authorization = proxy ? "" : req.get("Authorization", "");
    ctx.host_header = req.get("Host", "");
    ctx.fwd_port = req.get("X-Forwarded-Port", "");
    ctx.fwd_proto = req.get("X-Forwarded-Proto", "");
    {
      std::ostringstream body;
      Poco::StreamCopier::copyStream(req.stream(), body);
      ctx.body = body.str();
    }

    if (fault && (fault->kind == "500" || fault->kind == "503")) {
      Reply r;
      if (fault->kind == "500") {
        r = ErrorReply(ctx, "InternalServerError",
                       "Internal Server Error, incidentId " + NewSlugid() + " (injected fault).");
      } else {
        r.status = 503;
        r.content_type = "text/plain";
        r.body = "503 Service Unavailable (injected fault)";
      }
      if (journaled) Record(ctx, r.status, false, fault_kind);
      return Send(res, r);
    }

    Reply r;
    if (!journaled) {
      r = ServeS3(ctx);
    } else {
      r = Dispatch(ctx);
      if (!ctx.auth && !ctx.authorization.empty()) ctx.auth = Authenticate(ctx);
      if (proxy && !ctx.auth) ctx.auth = Authenticate(ctx);
    }
    if (fault && fault->kind == "reset-after-commit") {
      if (journaled) Record(ctx, 0, r.status < 300 && r.committed, fault_kind);
      return Reset(req);
    }
    if (journaled) Record(ctx, r.status, r.status < 300 && r.committed, fault_kind);
    Send(res, r);
  }

  Reply ServeS3(Ctx& ctx) {
    // /__s3/<taskId>/<runId>/<name>
    std::string rest = ctx.path.substr(6);
    auto a = rest.find('/');
    auto b = a == std::string::npos ? a : rest.find('/', a + 1);
    Reply r;
    if (b == std::string::npos) {
      r.status = 404;
      r.content_type = "application/xml";
      r.body = "<Error><Code>NoSuchKey</Code></Error>";
      return r;
    }
    try {
      ArtifactLookup l = queue.LookupArtifact(rest.substr(0, a), std::atoi(rest.substr(a + 1, b - a - 1).c_str()),
                                              rest.substr(b + 1));
      r.content_type = l.artifact.content_type;
      if (l.artifact.gzip) {
        r.body = Gzip(l.artifact.content);
        r.headers["Content-Encoding"] = "gzip";
      } else {
        r.body = l.artifact.content;
      }
    } catch (const TcError&) {
      r.status = 404;
      r.content_type = "application/xml";
      r.body = "<Error><Code>NoSuchKey</Code></Error>";
    }
    return r;
  }

  // ---------------------------------------------------------- control endpoints
  Json FaultsJson() const {
    Json d(rapidjson::kArrayType);
    auto& a = d.GetAllocator();
    std::lock_guard<std::mutex> l(mu);
    for (auto& af : faults) {
      JsonValue o(rapidjson::kObjectType);
      o.AddMember("method", Str(af.f.method, a), a);
      o.AddMember("path", Str(af.f.path, a), a);
      o.AddMember("kind", Str(af.f.kind, a), a);
      o.AddMember("latencyMs", af.f.latency_ms, a);
      o.AddMember("times", af.f.times, a);
      o.AddMember("skip", af.f.skip, a);
      o.AddMember("fired", af.fired, a);
      d.PushBack(o, a);
    }
    return d;
  }

  Json JournalToJson() const {
    Json d(rapidjson::kArrayType);
    auto& a = d.GetAllocator();
    std::lock_guard<std::mutex> l(mu);
    for (auto& e : journal) {
      JsonValue o(rapidjson::kObjectType);
      o.AddMember("seq", e.seq, a);
      o.AddMember("method", Str(e.method, a), a);
      o.AddMember("path", Str(e.path, a), a);
      o.AddMember("status", e.status, a);
      if (e.client_id) o.AddMember("clientId", Str(*e.client_id, a), a);
      else o.AddMember("clientId", JsonValue(), a);
      o.AddMember("mutating", e.mutating, a);
      o.AddMember("committed", e.committed, a);
      if (e.fault) o.AddMember("fault", Str(*e.fault, a), a);
      else o.AddMember("fault", JsonValue(), a);
      d.PushBack(o, a);
    }
    return d;
  }

  void Control(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& res, Ctx& ctx) {
    std::ostringstream bs;
    Poco::StreamCopier::copyStream(req.stream(), bs);
    std::string body = bs.str();
    std::string what = ctx.path.substr(std::string("/__emulator/").size());
    const std::string& M = ctx.method;
    Reply r;
    auto ok = [&] {
      Json d(rapidjson::kObjectType);
      d.AddMember("ok", true, d.GetAllocator());
      return JsonReply(d);
    };
    try {
      auto parse = [&] {
        Json j = ParseJson(body.empty() ? "null" : body, "request body");
        ExpandNowStrings(j, queue.NowMs(), j.GetAllocator());
        return j;
      };
      if (what == "journal" && M == "GET") {
        r = JsonReply(JournalToJson());
      } else if (what == "journal" && M == "DELETE") {
        std::lock_guard<std::mutex> l(mu);
        journal.clear();
        r = ok();
      } else if (what == "tasks" && M == "GET") {
        r = JsonReply(queue.DumpTasks());
      } else if (what == "tasks" && M == "POST") {
        Json j = parse();
        SeedTasks(j);
        r = ok();
      } else if (what == "faults" && M == "GET") {
        r = JsonReply(FaultsJson());
      } else if (what == "faults" && M == "POST") {
        Json j = parse();
        AddFaults(ParseFaults(j));
        r = ok();
      } else if (what == "faults" && M == "DELETE") {
        std::lock_guard<std::mutex> l(mu);
        faults.clear();
        r = ok();
      } else if (what == "clock" && M == "POST") {
        Json j = parse();
        const JsonValue* adv = j.IsObject() ? Member(j, "advanceSeconds") : nullptr;
        if (!adv || !adv->IsNumber()) throw BadInput("advanceSeconds: expected a number");
        queue.AdvanceClock(std::chrono::milliseconds(static_cast<int64_t>(adv->GetDouble() * 1000)));
        Json d(rapidjson::kObjectType);
        d.AddMember("now", Str(IsoMs(queue.NowMs()), d.GetAllocator()), d.GetAllocator());
        r = JsonReply(d);
      } else if (what == "resolve" && M == "POST") {
        Json j = parse();
        if (!j.IsObject()) throw BadInput("expected {taskId, state, reason?}");
        r = JsonReply(queue.Drive(RequireString(j, "taskId", "taskId"), RequireString(j, "state", "state"),
                                  GetString(j, "reason").value_or("")));
      } else if (what == "hooks" && M == "GET") {
        r = JsonReply(hooks->HooksJson());
      } else if (what == "hooks" && M == "POST") {
        Json j = parse();
        hooks->AddHooks(j);
        r = ok();
      } else if (what == "worker" && M == "GET") {
        r = JsonReply(hooks->WorkerJson());
      } else if (what == "worker" && M == "POST") {
        Json j = parse();
        hooks->SetWorker(j);
        r = ok();
      } else if (what == "artifacts" && M == "POST") {
        Json j = parse();
        if (!j.IsObject()) throw BadInput("expected {taskId, name, ...}");
        std::string name = RequireString(j, "name", "name");
        queue.PutArtifact(RequireString(j, "taskId", "taskId"), static_cast<int>(GetInt(j, "runId").value_or(-1)),
                          ParseArtifact(name, j, "artifact"));
        r = ok();
      } else {
        r.status = 404;
        r.body = R"({"code":"ResourceNotFound","message":"unknown emulator control endpoint"})";
      }
    } catch (const TcError& e) {
      ctx.api_name = "emulator";
      r = ErrorReply(ctx, e.code().empty() ? "InternalServerError" : e.code(), e.what());
    } catch (const std::exception& e) {
      ctx.api_name = "emulator";
      r = ErrorReply(ctx, "InputError", e.what());
    }
    Send(res, r);
  }
};

namespace {

class Handler : public Poco::Net::HTTPRequestHandler {
 public:
  Handler(Emulator::Impl* impl, bool proxy) : impl_(impl), proxy_(proxy) {}
  void handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& res) override;

 private:
  Emulator::Impl* impl_;
  bool proxy_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Factory(Emulator::Impl* impl, bool proxy) : impl_(impl), proxy_(proxy) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new Handler(impl_, proxy_);
  }

 private:
  Emulator::Impl* impl_;
  bool proxy_;
};

}  // namespace

void Handler::handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& res) {
  impl_->Handle(req, res, proxy_);
}

// ====================================================================
// Emulator
// ====================================================================
Emulator::Emulator(EmulatorOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  const std::string& h = impl_->opts.host;
  if (h != "127.0.0.1" && h != "localhost" && h != "::1")
    throw BadInput("emulator host must be a loopback address (127.0.0.1), not `" + h + "`");
  impl_->LoadWorld();
}

Emulator::~Emulator() { Stop(); }

namespace {
std::unique_ptr<Poco::Net::HTTPServer> Listen(Emulator::Impl* impl, bool proxy, int want, int threads, int* got) {
  Poco::Net::ServerSocket sock;
  sock.bind(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(want)), true);
  sock.listen(128);
  *got = sock.address().port();
  auto* params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(threads);
  params->setMaxQueued(256);
  params->setKeepAlive(true);
  params->setTimeout(Poco::Timespan(30, 0));
  auto srv = std::make_unique<Poco::Net::HTTPServer>(new Factory(impl, proxy), sock, params);
  srv->start();
  return srv;
}
}  // namespace

void Emulator::Start() {
  if (impl_->server) return;
  impl_->server = Listen(impl_.get(), false, impl_->opts.port, impl_->opts.threads, &impl_->port);
  if (impl_->opts.proxy_port >= 0) {
    impl_->proxy_server = Listen(impl_.get(), true, impl_->opts.proxy_port, impl_->opts.threads, &impl_->proxy_port);
  }
}

void Emulator::Stop() {
  impl_->hooks->Shutdown();  // action-task worker runs: killed and joined
  if (impl_->proxy_server) {
    impl_->proxy_server->stopAll(true);
    impl_->proxy_server.reset();
  }
  if (impl_->server) {
    impl_->server->stopAll(true);
    impl_->server.reset();
  }
}

int Emulator::port() const { return impl_->port; }
int Emulator::proxy_port() const { return impl_->proxy_port; }
std::string Emulator::root_url() const { return impl_->Root(); }
std::string Emulator::proxy_url() const { return "http://127.0.0.1:" + std::to_string(impl_->proxy_port); }
MemoryQueue& Emulator::queue() { return impl_->queue; }
EmulatorHooks& Emulator::hooks() { return *impl_->hooks; }

void Emulator::AddClient(const std::string& client_id, const std::string& access_token,
                         const std::vector<std::string>& scopes) {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->clients[client_id] = Client{access_token, scopes};
}

std::vector<std::string> Emulator::ClientIds() const {
  std::lock_guard<std::mutex> l(impl_->mu);
  std::vector<std::string> out;
  for (auto& [id, c] : impl_->clients)
    if (id != impl_->issuer_id) out.push_back(id);
  return out;
}

std::vector<JournalEntry> Emulator::Journal() const {
  std::lock_guard<std::mutex> l(impl_->mu);
  return impl_->journal;
}
Json Emulator::JournalJson() const { return impl_->JournalToJson(); }
void Emulator::ClearJournal() {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->journal.clear();
}
void Emulator::AddFaults(const std::vector<EmulatorFault>& faults) { impl_->AddFaults(faults); }
void Emulator::ClearFaults() {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->faults.clear();
}
std::vector<EmulatorFault> Emulator::Faults() const {
  std::lock_guard<std::mutex> l(impl_->mu);
  std::vector<EmulatorFault> out;
  for (auto& f : impl_->faults) out.push_back(f.f);
  return out;
}
void Emulator::SeedTasks(const JsonValue& tasks) { impl_->SeedTasks(tasks); }

}  // namespace tc

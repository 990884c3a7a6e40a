// The emulator's auth: see auth.h.
#include "emulator/auth.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "core/base64.h"
#include "core/error.h"
#include "core/timestamp.h"
#include "core/slugid.h"
#include "taskcluster/hawk.h"

namespace tc::emu {

namespace {


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

std::vector<std::string> Merge(std::vector<std::string> a, const std::vector<std::string>& b) {
  for (auto& s : b)
    if (std::find(a.begin(), a.end(), s) == a.end()) a.push_back(s);
  return a;
}

std::string Base64Url(const std::string& raw) {
  std::string s = Base64Encode(raw);
  for (auto& c : s) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

// JS number formatting of certificate start/expiry: integers print without a fraction.
std::string JsNumber(const JsonValue& v) {
  if (v.IsInt64()) return std::to_string(v.GetInt64());
  if (v.IsUint64()) return std::to_string(v.GetUint64());
  double d = v.GetDouble();
  if (d == static_cast<double>(static_cast<int64_t>(d))) return std::to_string(static_cast<int64_t>(d));
  std::ostringstream o;
  o.precision(17);
  o << d;
  return o.str();
}

[[noreturn]] void Deny(const std::string& msg) { throw std::runtime_error(msg); }

// The certificate's fields, checked as limitClientWithExt checks them.
void CheckCertificateShape(const JsonValue& cert) {
  if (!cert.IsObject()) Deny("ext.certificate must be a JSON object");
  const JsonValue* ver = Member(cert, "version");
  if (!ver || !ver->IsNumber() || ver->GetDouble() != 1) Deny("ext.certificate.version must be 1");
  const JsonValue* seed = Member(cert, "seed");
  if (!seed || !seed->IsString()) Deny("ext.certificate.seed must be a string");
  if (seed->GetStringLength() != 44) Deny("ext.certificate.seed must be 44 characters");
  const JsonValue* start = Member(cert, "start");
  if (!start || !start->IsNumber()) Deny("ext.certificate.start must be a number");
  const JsonValue* expiry = Member(cert, "expiry");
  if (!expiry || !expiry->IsNumber()) Deny("ext.certificate.expiry must be a number");
  const JsonValue* cs = Member(cert, "scopes");
  if (!cs || !cs->IsArray()) Deny("ext.certificate.scopes must be an array");
  for (auto& s : cs->GetArray())
    if (!s.IsString() || !ValidScope(s.GetString())) Deny("ext.certificate.scopes must be an array of valid scopes");
  int64_t now = NowMs();
  int64_t st = static_cast<int64_t>(start->GetDouble()), ex = static_cast<int64_t>(expiry->GetDouble());
  if (st > now + 5 * 60 * 1000) Deny("ext.certificate.start > now");
  if (ex < now - 5 * 60 * 1000) Deny("ext.certificate.expiry < now");
  if (ex - st > 31LL * 24 * 60 * 60 * 1000) Deny("ext.certificate cannot last longer than 31 days!");
}

// The text a certificate's signature covers.
std::string CertificateContent(const std::string& credential_name, const JsonValue& cert,
                               const std::vector<std::string>& scopes) {
  std::string content = "version:1\n";
  auto issuer = GetString(cert, "issuer");
  if (issuer && !issuer->empty()) {
    content += "clientId:" + credential_name + "\n";
    content += "issuer:" + *issuer + "\n";
  }
  content += "seed:" + std::string(cert["seed"].GetString()) + "\n";
  content += "start:" + JsNumber(cert["start"]) + "\n";
  content += "expiry:" + JsNumber(cert["expiry"]) + "\n";
  content += "scopes:";
  for (auto& s : scopes) content += "\n" + s;
  return content;
}

std::string HawkHeaderError(const std::string& parse_error) {
  if (parse_error == "not a Hawk authorization scheme") return "Unauthorized";
  if (parse_error == "missing attributes") return "Bad Request: Missing attributes";
  return "Bad Request: Invalid header syntax";
}

}  // namespace

AuthService::AuthService(std::string proxy_client_id) : proxy_client_id_(std::move(proxy_client_id)) {
  clients_[issuer_id_] = Client{NewSlugid() + NewSlugid(), {"*"}};
  roles_.Put(Role{"anonymous", DefaultAnonymousScopes()});
}

void AuthService::AddClient(const std::string& client_id, const std::string& access_token,
                            const std::vector<std::string>& scopes) {
  std::lock_guard<std::mutex> l(mu_);
  clients_[client_id] = Client{access_token, scopes};
}

void AuthService::AddRole(const std::string& role_id, const std::vector<std::string>& scopes) {
  std::lock_guard<std::mutex> l(mu_);
  roles_.Put(Role{role_id, scopes});
}

void AuthService::SetAnonymousScopes(const std::vector<std::string>& scopes) {
  std::lock_guard<std::mutex> l(mu_);
  roles_.Put(Role{"anonymous", scopes});
}

std::vector<std::string> AuthService::ClientIds() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<std::string> out;
  for (auto& [id, c] : clients_)
    if (id != issuer_id_) out.push_back(id);
  return out;
}

std::optional<std::string> AuthService::AccessToken(const std::string& client_id) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = clients_.find(client_id);
  if (it == clients_.end()) return std::nullopt;
  return it->second.access_token;
}

std::vector<std::string> AuthService::Expand(const std::vector<std::string>& scopes) const {
  std::lock_guard<std::mutex> l(mu_);
  return ExpandLocked(scopes);
}

std::vector<std::string> AuthService::ExpandLocked(std::vector<std::string> scopes) const {
  return roles_.Expand(std::move(scopes));
}

// limitClientWithExt, certificate part: the issuer must hold the
// certificate's scopes (and auth:create-client for a named credential); the
// key becomes HMAC(issuer key, seed) and the scopes the certificate's.
void AuthService::CheckCertificate(const std::string& credential_name, const std::string& issuing_id, Creds& c,
                                   const JsonValue& cert) const {
  CheckCertificateShape(cert);
  if (issuing_id != credential_name) {
    std::string create = "auth:create-client:" + credential_name;
    if (!ScopesSatisfy(c.scopes, create))
      Deny("ext.certificate issuer `" + issuing_id + "` doesn't have `" + create + "` for supplied clientId.");
  } else if (cert.HasMember("clientId")) {
    Deny("ext.certificate.clientId must only be used with ext.certificate.issuer");
  }
  std::vector<std::string> cert_scopes = StringsOf(Member(cert, "scopes"));
  for (auto& s : cert_scopes)
    if (!ScopesSatisfy(c.scopes, s)) {
      std::string joined;
      for (size_t i = 0; i < cert_scopes.size(); i++) joined += (i ? ", " : "") + cert_scopes[i];
      Deny("ext.certificate issuer `" + issuing_id + "` doesn't satisfy all certificate scopes " + joined +
           ".  The temporary credentials were not generated correctly.");
    }
  std::string sig = Base64Encode(HmacSha256(c.key, CertificateContent(credential_name, cert, cert_scopes)));
  auto given = GetString(cert, "signature");
  if (!given || !ConstantTimeEquals(*given, sig)) {
    auto issuer = GetString(cert, "issuer");
    if (issuer && !issuer->empty()) Deny("ext.certificate.signature is not valid, or wrong clientId provided");
    Deny("ext.certificate.signature is not valid");
  }
  c.key = Base64Url(HmacSha256(c.key, cert["seed"].GetString()));
  c.scopes = cert_scopes;
}

// limitClientWithExt, authorizedScopes part: the credentials (plus the
// anonymous role) must satisfy them; they become the scopes.
void AuthService::ApplyAuthorizedScopes(Creds& c, const JsonValue& az) const {
  if (!az.IsArray()) Deny("ext.authorizedScopes must be an array");
  for (auto& s : az.GetArray())
    if (!s.IsString() || !ValidScope(s.GetString())) Deny("ext.authorizedScopes must be an array of valid scopes");
  std::vector<std::string> have = Expand(Merge(c.scopes, {"assume:anonymous"}));
  std::vector<std::string> want = StringsOf(&az);
  for (auto& s : want)
    if (!ScopesSatisfy(have, s)) {
      std::string h, w;
      for (auto& x : have) h += (h.empty() ? "" : "\n") + x;
      for (auto& x : want) w += (w.empty() ? "" : "\n") + x;
      Deny("Supplied credentials do not satisfy authorizedScopes; credentials have scopes:\n\n```\n" + h +
           "\n```\n\nauthorizedScopes are:\n\n```\n" + w + "\n```");
    }
  c.scopes = want;
}

// signaturevalidator.js loadCredentials: the issuing client's key and
// scopes, limited by ext, plus the anonymous role. Throws with the message
// the request fails with.
AuthService::Creds AuthService::LoadCredentials(const std::string& client_id, const std::string& ext_b64) const {
  std::string credential_name = client_id, issuing_id = client_id;
  Json ext;
  if (!ext_b64.empty()) {
    std::string raw;
    try {
      raw = Base64Decode(ext_b64);
    } catch (...) {
      Deny("Failed to parse ext");
    }
    auto parsed = TryParseJson(raw);
    if (!parsed || !parsed->IsObject()) Deny("Failed to parse ext");
    ext = std::move(*parsed);
    const JsonValue* cert = Member(ext, "certificate");
    if (const JsonValue* iss = cert && cert->IsObject() ? Member(*cert, "issuer") : nullptr) {
      if (!iss->IsString()) Deny("ext.certificate.issuer must be a string");
      issuing_id = iss->GetString();
      if (issuing_id == credential_name) Deny("ext.certificate.issuer must differ from the supplied clientId");
    }
  }
  Creds c;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = clients_.find(issuing_id);
    if (it == clients_.end()) Deny("Client with clientId '" + issuing_id + "' not found");
    c.key = it->second.access_token;
    c.scopes = ExpandLocked(it->second.scopes);
  }
  if (!ext_b64.empty()) {
    if (const JsonValue* cert = Member(ext, "certificate")) CheckCertificate(credential_name, issuing_id, c, *cert);
    if (const JsonValue* az = Member(ext, "authorizedScopes")) ApplyAuthorizedScopes(c, *az);
  }
  c.scopes = Expand(Merge(c.scopes, {"assume:anonymous"}));
  c.client_id = credential_name;
  return c;
}

// hawk.server.authenticate: the MAC over method/resource/host/port
// (hawk.utils.parseHost + x-forwarded-port), the timestamp (15 min skew) and,
// when signed, the payload hash. nullopt when valid, else the failure message.
std::optional<std::string> AuthService::VerifyHawk(const Request& req, const HawkHeader* h, const Creds& c) const {
  HawkRequest hr;
  hr.method = req.method;
  hr.resource = req.uri;
  std::string host = req.host_header;
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
  if (!req.fwd_port.empty()) port = std::atoi(req.fwd_port.c_str());
  else if (req.fwd_proto == "https") port = 443;
  hr.host = host;
  hr.port = port;
  hr.ext = h->ext;
  if (!h->hash.empty()) hr.hash = h->hash;
  char* end = nullptr;
  long long ts = std::strtoll(h->ts.c_str(), &end, 10);
  hr.ts = ts;
  hr.nonce = h->nonce;
  std::string mac = HawkMac(c.key, hr);  // the MAC covers ts as sent
  if (end == h->ts.c_str() || *end != 0 || std::to_string(ts) != h->ts) mac = "";
  if (!ConstantTimeEquals(mac, h->mac)) return "Unauthorized: Bad mac";
  if (std::llabs(ts * 1000 - NowMs()) > 15 * 60 * 1000) return "Unauthorized: Stale timestamp";
  if (!h->hash.empty()) {
    std::string computed = HawkPayloadHash(req.content_type, req.body);
    if (!ConstantTimeEquals(computed, h->hash))
      return "Invalid payload hash: " + h->hash + "\nComputed payload hash: " + computed +
             "\nThis happens when your request carries a signed hash of the payload and the hash "
             "doesn't match the hash we've computed on the server-side.";
  }
  return std::nullopt;
}

AuthResult AuthService::Authenticate(const Request& req) const {
  AuthResult r;
  if (req.proxy) {  // taskcluster-proxy signs every request as its client
    std::vector<std::string> scopes;
    {
      std::lock_guard<std::mutex> l(mu_);
      auto it = clients_.find(proxy_client_id_);
      if (it != clients_.end()) scopes = it->second.scopes;
    }
    r.status = "auth-success";
    r.client_id = proxy_client_id_;
    r.scopes = Expand(Merge(scopes, {"assume:anonymous"}));
    return r;
  }
  if (req.authorization.empty()) {
    r.status = "no-auth";
    r.scopes = Expand({"assume:anonymous"});
    return r;
  }
  r.status = "auth-failed";
  std::string err;
  auto h = ParseHawkHeader(req.authorization, &err);
  if (!h) {
    r.message = HawkHeaderError(err);
    return r;
  }
  if (h->id.empty() || h->ts.empty() || h->nonce.empty() || h->mac.empty()) {
    r.message = "Bad Request: Missing attributes";
    return r;
  }
  Creds c;
  try {
    c = LoadCredentials(h->id, h->ext);
  } catch (const std::exception& e) {
    r.message = e.what();
    return r;
  }
  if (auto failure = VerifyHawk(req, &*h, c)) {
    r.message = *failure;
    return r;
  }
  r.status = "auth-success";
  r.client_id = c.client_id;
  r.scopes = c.scopes;
  return r;
}

void AuthService::TaskCredentials(const std::string& task_id, int run_id, const std::string& wg,
                                  const std::string& wi, int64_t taken_until,
                                  const std::vector<std::string>& task_scopes, JsonValue& out, JsonAlloc& a) const {
  std::string issuer_token = *AccessToken(issuer_id_);
  std::string tu = std::to_string(taken_until / 1000);
  if (taken_until % 1000) {
    std::ostringstream o;
    o << static_cast<double>(taken_until) / 1000.0;
    tu = o.str();
  }
  std::string run = std::to_string(run_id);
  std::string client_id = "task-client/" + task_id + "/" + run + "/on/" + wg + "/" + wi + "/until/" + tu;
  std::vector<std::string> scopes = {"queue:reclaim-task:" + task_id + "/" + run,
                                     "queue:resolve-task:" + task_id + "/" + run,
                                     "queue:create-artifact:" + task_id + "/" + run};
  scopes.insert(scopes.end(), task_scopes.begin(), task_scopes.end());
  int64_t start = NowMs() - 5 * 60 * 1000;  // createTemporaryCredentials backdates start by 5 minutes
  int64_t expiry = std::max(taken_until, NowMs() + 60 * 1000);
  std::string seed = NewSlugid() + NewSlugid();
  std::string content = "version:1\nclientId:" + client_id + "\nissuer:" + issuer_id_ + "\nseed:" + seed +
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
  cert.AddMember("issuer", Str(issuer_id_, ca), ca);
  out.SetObject();
  out.AddMember("clientId", Str(client_id, a), a);
  out.AddMember("accessToken", Str(Base64Url(HmacSha256(issuer_token, seed)), a), a);
  out.AddMember("certificate", Str(ToJson(cert), a), a);
}

const AuthResult& Auth(Request& req, const AuthService& auth) {
  if (!req.auth) req.auth = auth.Authenticate(req);
  return *req.auth;
}

void Authorize(Request& req, const AuthService& auth, const ScopeExpr& required) {
  const AuthResult& a = Auth(req, auth);
  if (a.status == "auth-failed") throw ApiError{"AuthenticationFailed", a.message, {{"www-authenticate", "hawk"}}};
  if (Satisfied(a.scopes, required)) return;
  std::optional<std::string> client;
  if (a.status == "auth-success") client = a.client_id;
  throw TcError(403, "InsufficientScopes", InsufficientScopesMessage(client, a.scopes, required));
}

}  // namespace tc::emu

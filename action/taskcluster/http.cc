#include "taskcluster/http.h"

#include "core/timestamp.h"

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Timespan.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <random>
#include <thread>

#include "taskcluster/urls.h"

namespace tc {

namespace {

// A failure without an HTTP response (connection refused/reset, timeout,
// truncated or undecodable body): retriable.
class NetworkError : public std::runtime_error {
 public:
  explicit NetworkError(const std::string& m) : std::runtime_error(m) {}
};

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

std::string FirstLine(const std::string& s, size_t max_len = 500) {
  std::string t = Trim(s);
  size_t nl = t.find_first_of("\r\n");
  if (nl != std::string::npos) t = Trim(t.substr(0, nl));
  if (t.size() > max_len) t = t.substr(0, max_len) + "...";
  return t;
}

// Removes secrets from a message that is about to leave this layer.
std::string Scrub(std::string msg, const std::optional<HttpAuth>& auth) {
  if (!auth) return msg;
  for (const std::string* secret : {&auth->creds.key, &auth->ext}) {
    if (secret->empty()) continue;
    size_t pos;
    while ((pos = msg.find(*secret)) != std::string::npos) {
      msg.replace(pos, secret->size(), "<redacted>");
    }
  }
  return msg;
}

bool IsRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

Poco::Timespan Ms(std::chrono::milliseconds ms) {
  return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(ms.count()) * 1000);
}

double Jitter(double rf) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_real_distribution<double> d(1.0 - rf, 1.0 + rf);
  return d(rng);
}

// Client TLS contexts, one per CA location (shared process-wide): the CA
// file or directory of hashed certificates (e.g. /etc/ssl/certs) plus
// OpenSSL's defaults, TLS >= 1.2, peer and host name verification on, and
// invalid certificates rejected (never prompted). VERIFY_STRICT: with
// VERIFY_RELAXED Poco skips the host name check for "localhost".
Poco::Net::Context::Ptr SslContext(const std::string& ca_location) {
  static std::mutex mu;
  static std::map<std::string, Poco::Net::Context::Ptr> contexts;
  std::lock_guard<std::mutex> lock(mu);
  if (contexts.empty()) {
    Poco::Net::initializeSSL();
    Poco::Net::SSLManager::InvalidCertificateHandlerPtr reject(new Poco::Net::RejectCertificateHandler(false));
    Poco::Net::SSLManager::instance().initializeClient(nullptr, reject, nullptr);
  }
  auto it = contexts.find(ca_location);
  if (it != contexts.end()) return it->second;
  struct stat st;
  bool exists = !ca_location.empty() && ::stat(ca_location.c_str(), &st) == 0;
  Poco::Net::Context::Ptr ctx = new Poco::Net::Context(
      Poco::Net::Context::TLS_CLIENT_USE, exists ? ca_location : "", Poco::Net::Context::VERIFY_STRICT, 9,
      /*loadDefaultCAs=*/true);
  ctx->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
  contexts.emplace(ca_location, ctx);
  return ctx;
}

std::string ToJsonText(const JsonValue& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace

std::string HttpResponse::Header(const std::string& lowercase_name) const {
  auto it = headers.find(lowercase_name);
  return it == headers.end() ? std::string() : it->second;
}

std::string GunzipBody(const std::string& data, size_t max_out) {
  z_stream zs{};
  // 32 + MAX_WBITS: detect gzip or zlib headers automatically.
  if (inflateInit2(&zs, 32 + MAX_WBITS) != Z_OK) throw std::runtime_error("gzip: inflateInit2 failed");
  std::string out;
  char buf[64 * 1024];
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  int rc = Z_OK;
  try {
    while (true) {
      zs.next_out = reinterpret_cast<Bytef*>(buf);
      zs.avail_out = sizeof buf;
      rc = inflate(&zs, Z_NO_FLUSH);
      if (rc != Z_OK && rc != Z_STREAM_END) {
        throw std::runtime_error(std::string("gzip: corrupt data (") + (zs.msg ? zs.msg : "inflate error") + ")");
      }
      out.append(buf, sizeof buf - zs.avail_out);
      if (out.size() > max_out) throw std::runtime_error("gzip: decoded body too large");
      if (rc == Z_STREAM_END) {
        if (zs.avail_in == 0) break;
        // Concatenated gzip members.
        if (inflateReset(&zs) != Z_OK) throw std::runtime_error("gzip: inflateReset failed");
        continue;
      }
      if (zs.avail_in == 0 && zs.avail_out != 0) {
        throw std::runtime_error("gzip: truncated data");
      }
    }
  } catch (...) {
    inflateEnd(&zs);
    throw;
  }
  inflateEnd(&zs);
  return out;
}

// The useful part of a Taskcluster error message on one line: its first
// line, plus the "* ..." detail lines before the "---" footer (schema
// violations, missing scopes), joined with "; " and capped.
static std::string Summary(const std::string& msg) {
  std::string out = FirstLine(msg);
  size_t pos = msg.find('\n');
  std::string details;
  while (pos != std::string::npos && details.size() < 600) {
    size_t end = msg.find('\n', pos + 1);
    std::string line = msg.substr(pos + 1, end == std::string::npos ? std::string::npos : end - pos - 1);
    pos = end;
    if (line.rfind("---", 0) == 0) break;
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos) continue;
    line = line.substr(start);
    if (line.rfind("* ", 0) == 0 || line.rfind("- ", 0) == 0 || line.rfind("data", 0) == 0 ||
        line.rfind("queue:", 0) == 0 || line.rfind("hooks:", 0) == 0 || line.rfind("assume:", 0) == 0) {
      details += (details.empty() ? "" : "; ") + line;
    }
  }
  if (!details.empty()) out += " (" + FirstLine(details, 600) + ")";
  return out;
}

TcError ResponseError(const std::string& what, int status, const std::string& reason,
                      const std::string& body) {
  std::string code, message;
  rapidjson::Document d;
  d.Parse(body.data(), body.size());
  if (!d.HasParseError() && d.IsObject()) {
    auto c = d.FindMember("code");
    if (c != d.MemberEnd() && c->value.IsString()) code = c->value.GetString();
    auto m = d.FindMember("message");
    if (m != d.MemberEnd() && m->value.IsString()) message = Summary(m->value.GetString());
  }
  if (code.empty()) code = "UnknownError";
  if (message.empty()) {
    if (status == 401) {
      message = "Authentication Error";
    } else if (status >= 300 && status < 400) {
      message = "Unexpected Redirect";
    } else if (!reason.empty()) {
      message = FirstLine(reason, 200);
    } else {
      message = "Unknown Server Error";
    }
  }
  return TcError(status, code, what + ": " + std::to_string(status) + " " + code + ": " + message);
}

// ---------------------------------------------------------------------------

namespace {

using Session = std::unique_ptr<Poco::Net::HTTPClientSession>;

// The request line and headers of one hop; signed with Hawk when auth is given.
void PrepareRequest(Poco::Net::HTTPRequest& pr, const HttpRequest& req, const ParsedUrl& u,
                    const std::optional<std::string>& body, const HttpAuth* auth) {
  pr.setHost(u.host, static_cast<Poco::UInt16>(u.port));
  pr.setKeepAlive(true);
  bool has_accept = false;
  for (const auto& [k, v] : req.headers) {
    if (Lower(k) == "accept") has_accept = true;
    pr.set(k, v);
  }
  if (!has_accept) pr.set("Accept", "application/json");
  pr.set("Accept-Encoding", "gzip");
  pr.set("User-Agent", "tc-action");
  if (body) {
    pr.setContentType(req.content_type);
    pr.setContentLength(static_cast<std::streamsize>(body->size()));
  } else if (pr.getMethod() == "POST" || pr.getMethod() == "PUT") {
    pr.setContentLength(0);
  }
  if (auth) {
    HawkRequest hr;
    hr.method = pr.getMethod();
    hr.resource = u.target;
    hr.host = u.host;
    hr.port = u.port;
    hr.ext = auth->ext;
    hr.ts = static_cast<int64_t>(std::time(nullptr));
    hr.nonce = HawkNonce();
    pr.set("Authorization", HawkAuthorizationHeader(auth->creds, hr));
  }
}

// The raw body: sized once when the length is known (a 100 MB artifact then
// costs 100 MB, not the 2x of a doubling string), capped at max_bytes, and
// whole (a body shorter than its Content-Length is a network error).
std::string ReadBody(std::istream& is, const Poco::Net::HTTPResponse& presp, const std::string& method,
                     size_t max_bytes) {
  std::string raw;
  const bool known = presp.hasContentLength() && presp.getContentLength64() >= 0;
  if (known && presp.getContentLength64() > 0 && static_cast<uint64_t>(presp.getContentLength64()) <= max_bytes) {
    raw.reserve(static_cast<size_t>(presp.getContentLength64()));
  }
  char buf[64 * 1024];
  while (is) {
    is.read(buf, sizeof buf);
    raw.append(buf, static_cast<size_t>(is.gcount()));
    if (raw.size() > max_bytes) throw NetworkError("response body too large");
  }
  if (is.bad()) throw NetworkError("error reading the response body");
  if (known && method != "HEAD" && static_cast<Poco::Int64>(raw.size()) < presp.getContentLength64()) {
    throw NetworkError("connection closed before the whole response body arrived");
  }
  return raw;
}

// Undoes the Content-Encoding (gzip/deflate or none).
void DecodeBody(HttpResponse& resp, std::string raw, const std::string& what, size_t max_bytes) {
  const std::string enc = Lower(Trim(resp.Header("content-encoding")));
  if (enc == "gzip" || enc == "x-gzip" || enc == "deflate") {
    try {
      resp.body = GunzipBody(raw, max_bytes);
    } catch (const std::exception& e) {
      throw NetworkError(e.what());
    }
  } else if (enc.empty() || enc == "identity") {
    resp.body = std::move(raw);
  } else {
    throw TcError(resp.status, "UnsupportedEncoding", what + ": unsupported Content-Encoding: " + FirstLine(enc, 40));
  }
}

}  // namespace

// Idle keep-alive sessions per origin (thread-safe).
class HttpClient::Pool {
 public:
  explicit Pool(const HttpOptions& opts) : opts_(opts) {}

  // A pooled session to u's origin (*reused), or a new one.
  Session Acquire(const ParsedUrl& u, bool* reused) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto& v = idle_[u.Origin()];
      if (!v.empty()) {
        Session s = std::move(v.back());
        v.pop_back();
        *reused = true;
        return s;
      }
    }
    *reused = false;
    Session s;
    if (u.scheme == "https") {
      s = std::make_unique<Poco::Net::HTTPSClientSession>(u.host, static_cast<Poco::UInt16>(u.port),
                                                          SslContext(opts_.ca_location));
    } else {
      s = std::make_unique<Poco::Net::HTTPClientSession>(u.host, static_cast<Poco::UInt16>(u.port));
    }
    s->setKeepAlive(true);
    s->setTimeout(Ms(opts_.connect_timeout), Ms(opts_.receive_timeout), Ms(opts_.receive_timeout));
    return s;
  }

  void Release(const ParsedUrl& u, Session s) {
    std::lock_guard<std::mutex> lock(mu_);
    auto& v = idle_[u.Origin()];
    if (v.size() < opts_.max_idle_sessions_per_origin) v.push_back(std::move(s));
  }

  void Clear() {
    std::lock_guard<std::mutex> lock(mu_);
    idle_.clear();
  }

 private:
  const HttpOptions& opts_;
  std::mutex mu_;
  std::map<std::string, std::vector<Session>> idle_;
};

HttpClient::HttpClient(HttpOptions opts) : opts_(std::move(opts)), pool_(std::make_unique<Pool>(opts_)) {}
HttpClient::~HttpClient() = default;

void HttpClient::CloseIdle() { pool_->Clear(); }

HttpResponse HttpClient::Hop(const HttpRequest& req, const ParsedUrl& u, const std::string& method,
                             const std::optional<std::string>& body, const HttpAuth* auth) {
  for (int stale_retry = 0;; ++stale_retry) {
    bool reused = false;
    Session session = pool_->Acquire(u, &reused);
    bool got_response = false;
    try {
      Poco::Net::HTTPRequest pr(method, u.target, Poco::Net::HTTPMessage::HTTP_1_1);
      PrepareRequest(pr, req, u, body, auth);
      std::ostream& os = session->sendRequest(pr);
      if (body) os.write(body->data(), static_cast<std::streamsize>(body->size()));
      Poco::Net::HTTPResponse presp;
      std::istream& is = session->receiveResponse(presp);
      got_response = true;
      HttpResponse resp;
      resp.status = static_cast<int>(presp.getStatus());
      resp.reason = presp.getReason();
      resp.url = u.ToString();
      for (const auto& [k, v] : presp) resp.headers[Lower(k)] = v;
      DecodeBody(resp, ReadBody(is, presp, method, opts_.max_body_bytes), req.what, opts_.max_body_bytes);
      if (presp.getKeepAlive() && session->connected()) pool_->Release(u, std::move(session));
      return resp;
    } catch (const NetworkError&) {
      throw;
    } catch (const TcError&) {
      throw;
    } catch (const Poco::Exception& e) {
      // A pooled keep-alive connection the server has since closed: try
      // once more on a fresh connection before counting it as a failure.
      if (reused && !got_response && stale_retry == 0) continue;
      throw NetworkError(e.displayText());
    } catch (const std::ios_base::failure& e) {
      if (reused && !got_response && stale_retry == 0) continue;
      throw NetworkError(e.what());
    }
  }
}

HttpResponse HttpClient::SendChain(const HttpRequest& req, const std::optional<HttpAuth>& auth) {
  auto parsed = ParseUrl(req.url);
  if (!parsed) throw TcError(0, "BadUrl", req.what + ": not an http(s) URL: " + UrlForLog(req.url));
  const std::string origin = parsed->Origin();
  ParsedUrl cur = *parsed;
  std::string method = req.method;
  std::optional<std::string> body = req.body;
  for (int hops = 0;; ++hops) {
    // Hawk only to the request's own origin, never to a redirect target elsewhere.
    const HttpAuth* sign = auth && cur.Origin() == origin ? &*auth : nullptr;
    HttpResponse resp = Hop(req, cur, method, body, sign);
    std::string location = resp.Header("location");
    if (!IsRedirect(resp.status) || location.empty()) return resp;
    if (hops >= opts_.max_redirects) {
      throw TcError(resp.status, "TooManyRedirects",
                    req.what + ": " + std::to_string(resp.status) + " TooManyRedirects: more than " +
                        std::to_string(opts_.max_redirects) + " redirects");
    }
    auto next = ResolveUrl(cur, location);
    if (!next) {
      throw TcError(resp.status, "BadRedirect",
                    req.what + ": " + std::to_string(resp.status) + " BadRedirect: redirect to a non-http(s) URL");
    }
    spdlog::debug("{} {} -> {} redirect to {}", method, UrlForLog(cur.ToString()), resp.status,
                  UrlForLog(next->ToString()));
    if (resp.status == 303 || ((resp.status == 301 || resp.status == 302) && method == "POST")) {
      if (method != "HEAD") method = "GET";
      body.reset();
    }
    cur = *next;
  }
}

HttpResponse HttpClient::Send(const HttpRequest& req, const std::optional<HttpAuth>& auth) {
  const std::string what = req.what.empty() ? req.method + " " + UrlForLog(req.url) : req.what;
  HttpRequest r = req;
  r.what = what;
  for (int attempt = 1;; ++attempt) {
    std::optional<TcError> failure;
    try {
      HttpResponse resp = SendChain(r, auth);
      spdlog::debug("{} {} -> {} (attempt {})", r.method, UrlForLog(r.url), resp.status, attempt);
      resp.attempts = attempt;
      if (resp.status >= 200 && resp.status < 300) return resp;
      TcError err = ResponseError(what, resp.status, resp.reason, resp.body);
      TcError scrubbed(err.status(), err.code(), Scrub(err.what(), auth));
      if (resp.status < 500 || resp.status >= 600) throw scrubbed;
      failure.emplace(scrubbed);
    } catch (const NetworkError& e) {
      spdlog::debug("{} {} -> network error (attempt {}): {}", r.method, UrlForLog(r.url), attempt,
                    Scrub(e.what(), auth));
      failure.emplace(0, "NetworkError",
                      Scrub(what + ": network error: " + e.what() + " (after " + std::to_string(attempt) +
                                (attempt == 1 ? " attempt)" : " attempts)"),
                            auth));
    }
    if (attempt > opts_.max_retries) throw *failure;
    double delay = static_cast<double>(opts_.backoff_base.count()) * std::pow(2.0, std::min(attempt, 40)) *
                   Jitter(opts_.randomization_factor);
    delay = std::min(delay, static_cast<double>(opts_.max_delay.count()));
    std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(delay * 1000)));
  }
}

// ---------------------------------------------------------------------------

namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

}  // namespace

ClientConfig ClientConfigFromEnv() {
  ClientConfig cfg;
  std::string proxy = Env("TASKCLUSTER_PROXY_URL");
  std::string root = Env("TASKCLUSTER_ROOT_URL");
  if (!proxy.empty()) {
    if (!ParseUrl(proxy)) throw BadInput("TASKCLUSTER_PROXY_URL: not an http(s) URL: " + UrlForLog(proxy));
    cfg.proxy_url = proxy;
    cfg.root_url = root;
    return cfg;  // the proxy adds credentials; none are read
  }
  if (root.empty()) throw BadInput("neither TASKCLUSTER_ROOT_URL nor TASKCLUSTER_PROXY_URL is set");
  if (!ParseUrl(root)) throw BadInput("TASKCLUSTER_ROOT_URL: not an http(s) URL: " + UrlForLog(root));
  cfg.root_url = root;
  std::string id = Env("TASKCLUSTER_CLIENT_ID");
  std::string token = Env("TASKCLUSTER_ACCESS_TOKEN");
  if (!id.empty() && token.empty()) {
    throw BadInput("TASKCLUSTER_CLIENT_ID is set but TASKCLUSTER_ACCESS_TOKEN is not");
  }
  if (id.empty() && !token.empty()) {
    throw BadInput("TASKCLUSTER_ACCESS_TOKEN is set but TASKCLUSTER_CLIENT_ID is not");
  }
  if (!id.empty()) cfg.creds = HawkCredentials{id, token};
  std::string cert = Env("TASKCLUSTER_CERTIFICATE");
  if (!cert.empty()) {
    TaskclusterExt(cert, {});  // throws BadInput without echoing the value
    // Expired or not-yet-valid temporary credentials would only earn a 401
    // from the service: say so up front (times only, never the secret parts).
    if (auto doc = TryParseJson(cert); doc && doc->IsObject()) {
      const int64_t now = NowMs();
      auto expiry = GetInt(*doc, "expiry");
      auto start = GetInt(*doc, "start");
      if (expiry && *expiry < now) {
        throw BadInput("TASKCLUSTER_CERTIFICATE: the temporary credentials expired at " + FormatIsoMs(*expiry) +
                       "; expected credentials valid now");
      }
      if (start && *start > now + 5 * 60 * 1000) {
        throw BadInput("TASKCLUSTER_CERTIFICATE: the temporary credentials are not valid before " +
                       FormatIsoMs(*start) + "; expected credentials valid now");
      }
    }
    cfg.certificate = cert;
  }
  // Optional: the receive timeout in seconds (large artifacts, slow proxies).
  std::string timeout = Env("TASKCLUSTER_RECEIVE_TIMEOUT");
  if (!timeout.empty()) {
    char* end = nullptr;
    double secs = std::strtod(timeout.c_str(), &end);
    if (!end || *end != '\0' || !(secs > 0) || secs > 3600) {
      throw BadInput("TASKCLUSTER_RECEIVE_TIMEOUT: expected seconds between 0 and 3600, got \"" +
                     timeout.substr(0, 20) + "\"");
    }
    cfg.receive_timeout = std::chrono::milliseconds(static_cast<int64_t>(secs * 1000));
  }
  return cfg;
}

HttpOptions HttpOptionsFor(const ClientConfig& cfg) {
  HttpOptions o;
  o.max_retries = cfg.max_retries;
  o.backoff_base = cfg.backoff_base;
  o.max_delay = cfg.max_delay;
  o.connect_timeout = cfg.connect_timeout;
  o.receive_timeout = cfg.receive_timeout;
  return o;
}

TcServiceClient::TcServiceClient(const ClientConfig& cfg, std::string service, std::string version,
                                 std::shared_ptr<HttpClient> http)
    : service_(std::move(service)), version_(std::move(version)), http_(std::move(http)) {
  if (!http_) http_ = std::make_shared<HttpClient>(HttpOptionsFor(cfg));
  if (!cfg.proxy_url.empty()) {
    base_ = cfg.proxy_url;  // $PROXY/api/<service>/<version>/<path>, unsigned
  } else {
    if (cfg.root_url.empty()) throw BadInput("no Taskcluster root URL configured");
    base_ = cfg.root_url;
    if (cfg.creds && !cfg.creds->id.empty() && !cfg.creds->key.empty()) {
      auth_ = HttpAuth{*cfg.creds, TaskclusterExt(cfg.certificate, cfg.authorized_scopes)};
    }
  }
}

std::string TcServiceClient::Url(const std::string& path) const {
  return ApiUrl(base_, service_, version_, path);
}

HttpResponse TcServiceClient::Fetch(const std::string& method, const std::string& path,
                                    const std::string& what) {
  HttpRequest req;
  req.method = method;
  req.url = Url(path);
  req.what = service_ + "." + what;
  req.headers.emplace_back("Accept", "*/*");
  return http_->Send(req, auth_);
}

Json TcServiceClient::Call(const std::string& method, const std::string& path, const JsonValue* body,
                           const std::string& what) {
  HttpRequest req;
  req.method = method;
  req.url = Url(path);
  req.what = service_ + "." + what;
  if (body) req.body = ToJsonText(*body);
  HttpResponse resp = http_->Send(req, auth_);
  Json doc;
  if (Trim(resp.body).empty()) {
    doc.SetObject();
    return doc;
  }
  doc.Parse(resp.body.data(), resp.body.size());
  if (doc.HasParseError()) {
    throw TcError(resp.status, "InvalidResponse", req.what + ": " + std::to_string(resp.status) +
                                                      " InvalidResponse: response is not valid JSON");
  }
  return doc;
}

}  // namespace tc

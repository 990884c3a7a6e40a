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

#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <mutex>
#include <random>
#include <thread>

#include "core/redact.h"
#include "core/run_control.h"
#include "taskcluster/http_body.h"
#include "taskcluster/urls.h"

namespace tc {

namespace {

using Clock = std::chrono::steady_clock;

// A failure without an HTTP response (connection refused/reset, timeout,
// truncated or undecodable body): retriable.
class NetworkError : public std::runtime_error {
 public:
  explicit NetworkError(const std::string& m) : std::runtime_error(m) {}
};

// The whole-response deadline of one try and what to say when it passes.
struct TryDeadline {
  Clock::time_point at;
  std::chrono::milliseconds request_timeout;
  // The error for a try cut at `at`: the run's stop or budget, else this try's timeout.
  [[noreturn]] void Fail(const std::string& what) const {
    run_control::CheckContinue(what + " (request in flight)");
    throw NetworkError("no complete response within the request deadline of " +
                       std::to_string((request_timeout.count() + 999) / 1000) + " s (TASKCLUSTER_REQUEST_TIMEOUT)");
  }
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

// Removes secrets from a message that is about to leave this layer: the
// credentials in use by value, and everything core's Redact() knows.
std::string Scrub(std::string msg, const std::optional<HttpAuth>& auth) {
  if (auth) {
    for (const std::string* secret : {&auth->creds.key, &auth->ext}) {
      if (secret->empty()) continue;
      for (size_t pos; (pos = msg.find(*secret)) != std::string::npos;) msg.replace(pos, secret->size(), "<redacted>");
    }
  }
  return Redact(msg);
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
  // core's reader (depth-limited, UTF-8 validated): an error body is as hostile as any
  if (auto d = TryParseJson(body); d && d->IsObject()) {
    code = FirstLine(GetString(*d, "code").value_or(""), 100);
    message = Summary(GetString(*d, "message").value_or(""));
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

constexpr size_t kReadChunk = 1 << 20;

// HTTPSession::read, which is protected: the session's buffered bytes first,
// then one recv straight into the caller's buffer (any size; Poco's body
// streams read 4 KiB at a time).
struct SessionAccess : Poco::Net::HTTPSession {
  static int Read(Poco::Net::HTTPSession& s, char* p, size_t n) {
    return (s.*(&SessionAccess::read))(p, static_cast<std::streamsize>(std::min<size_t>(n, 1 << 30)));
  }
};

// Where a body's bytes come from: the session's buffered bytes first, then
// straight from the socket into the caller's buffer (SessionAccess::Read), in
// reads as large as the caller has room for. Lines (chunked framing) go
// through a small buffer of their own.
class BodySource {
 public:
  explicit BodySource(Poco::Net::HTTPSession& s) : s_(s) {}

  // Up to n bytes into dst; 0 at the end of the connection.
  size_t Data(char* dst, size_t n) {
    if (pos_ < end_) {
      const size_t k = std::min(n, end_ - pos_);
      std::memcpy(dst, buf_ + pos_, k);
      pos_ += k;
      return k;
    }
    const int r = SessionAccess::Read(s_, dst, n);
    return r > 0 ? static_cast<size_t>(r) : 0;
  }

  // One line, without its CRLF (chunk sizes, trailers: at most 4 KiB).
  std::string Line() {
    std::string line;
    for (;;) {
      if (pos_ == end_) Fill();
      const char* nl = static_cast<const char*>(std::memchr(buf_ + pos_, '\n', end_ - pos_));
      const size_t take = nl ? static_cast<size_t>(nl - (buf_ + pos_)) : end_ - pos_;
      line.append(buf_ + pos_, take);
      pos_ += take + (nl ? 1 : 0);
      if (line.size() > 4096) throw NetworkError("malformed chunked body: a line longer than 4 KiB");
      if (nl) break;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
  }

  // Nothing read past the end of the body (else the connection is not reused).
  bool Drained() const { return pos_ == end_; }

 private:
  void Fill() {
    const int n = SessionAccess::Read(s_, buf_, sizeof buf_);
    if (n <= 0) throw NetworkError("connection closed before the whole response body arrived");
    pos_ = 0;
    end_ = static_cast<size_t>(n);
  }

  Poco::Net::HTTPSession& s_;
  char buf_[16 * 1024];
  size_t pos_ = 0, end_ = 0;
};

// The size of one chunk from its line ("1a2b;ext=..."), or a NetworkError.
uint64_t ChunkSize(const std::string& line) {
  const std::string hex = Trim(line.substr(0, line.find(';')));
  if (hex.empty() || hex.size() > 15 || hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
    throw NetworkError("malformed chunked body: bad chunk size line");
  }
  return std::stoull(hex, nullptr, 16);
}

// n bytes of body from src (n: the rest of a chunk or Content-Length).
void ReadExactly(BodySource& src, BodyDecoder& body, uint64_t n, const std::function<void()>& check) {
  while (n > 0) {
    check();
    size_t room = 0;
    char* p = body.Space(static_cast<size_t>(std::min<uint64_t>(n, SIZE_MAX)), &room);
    const size_t got = src.Data(p, static_cast<size_t>(std::min<uint64_t>(room, n)));
    if (got == 0) throw NetworkError("connection closed before the whole response body arrived");
    body.Commit(got);
    n -= got;
  }
}

void ReadChunked(BodySource& src, BodyDecoder& body, const std::function<void()>& check) {
  for (;;) {
    check();
    const uint64_t size = ChunkSize(src.Line());
    if (size == 0) break;
    ReadExactly(src, body, size, check);
    if (!src.Line().empty()) throw NetworkError("malformed chunked body: no CRLF after a chunk");
  }
  for (int trailers = 0; !src.Line().empty(); ++trailers) {
    if (trailers > 100) throw NetworkError("malformed chunked body: too many trailer lines");
  }
}

// The body, decoded and capped (BodyDecoder), read straight from the session
// (Poco's body streams would copy it 4 KiB at a time): Content-Length bytes,
// chunked, or until the connection closes. A body cut short is a network
// error; `check` runs between reads (the try's deadline, the run's stop).
// *reusable: the connection is positioned at the next response.
std::string ReadBody(Poco::Net::HTTPClientSession& session, const Poco::Net::HTTPResponse& presp,
                     const std::string& encoding, size_t max_bytes, const std::function<void()>& check,
                     bool* reusable) {
  const bool chunked = presp.getChunkedTransferEncoding();
  const int64_t length = !chunked && presp.hasContentLength() ? presp.getContentLength64() : -1;
  BodyDecoder body(encoding, max_bytes, length);
  BodySource src(session);
  if (chunked) {
    ReadChunked(src, body, check);
  } else if (length >= 0) {
    ReadExactly(src, body, static_cast<uint64_t>(length), check);
  } else {
    for (;;) {  // until the server closes the connection
      check();
      size_t room = 0;
      char* p = body.Space(kReadChunk, &room);
      const size_t got = src.Data(p, room);
      if (got == 0) break;
      body.Commit(got);
    }
    *reusable = false;
  }
  *reusable = *reusable && src.Drained();
  return body.Finish();
}

// Cuts connections whose try has run past its deadline, or all of them when
// the run is stopping (a signal, the budget): shutdown() wakes the thread
// blocked on the socket at once, whatever Poco call it is in. One thread for
// the process, armed per try; disarming under the same lock means a socket
// is never touched after its owner let go of it.
class Watchdog {
 public:
  static Watchdog& Get() {
    static Watchdog* w = new Watchdog();  // never destroyed: its thread runs until exit
    return *w;
  }

  uint64_t Arm(int fd, Clock::time_point deadline) {
    std::lock_guard<std::mutex> lock(mu_);
    const uint64_t id = next_++;
    armed_[id] = Entry{fd, deadline, false};
    cv_.notify_one();
    return id;
  }

  // True when the watchdog cut the connection.
  bool Disarm(uint64_t id) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = armed_.find(id);
    if (it == armed_.end()) return false;
    const bool fired = it->second.fired;
    armed_.erase(it);
    return fired;
  }

 private:
  struct Entry {
    int fd;
    Clock::time_point deadline;
    bool fired;
  };

  Watchdog() { std::thread([this] { Loop(); }).detach(); }

  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      if (armed_.empty()) {
        cv_.wait(lock);
      } else {
        cv_.wait_for(lock, std::chrono::milliseconds(run_control::kStopPollMs));
      }
      const auto now = Clock::now();
      const bool stopping = run_control::Stopping();
      for (auto& [id, e] : armed_) {
        if (!e.fired && (stopping || now >= e.deadline)) {
          ::shutdown(e.fd, SHUT_RDWR);
          e.fired = true;
        }
      }
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::map<uint64_t, Entry> armed_;
  uint64_t next_ = 1;
};

// Arms the watchdog for a session's socket for the life of this object.
class Armed {
 public:
  Armed(Poco::Net::HTTPClientSession& s, Clock::time_point deadline)
      : id_(Watchdog::Get().Arm(s.socket().impl()->sockfd(), deadline)) {}
  ~Armed() { Disarm(); }
  // True when the watchdog cut the connection (idempotent).
  bool Disarm() {
    if (id_) fired_ = Watchdog::Get().Disarm(id_);
    id_ = 0;
    return fired_;
  }

 private:
  uint64_t id_;
  bool fired_ = false;
};

}  // namespace

// Idle keep-alive sessions per origin (thread-safe).
class HttpClient::Pool {
 public:
  explicit Pool(const HttpOptions& opts) : opts_(opts) {}

  // A pooled session to u's origin (*reused), or a new one (always when fresh).
  Session Acquire(const ParsedUrl& u, bool* reused, bool fresh = false) {
    if (!fresh) {
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

namespace {

// Remaining time to `at`, at least 1 ms (Poco reads 0 as "no timeout").
std::chrono::milliseconds Remaining(Clock::time_point at) {
  return std::max(std::chrono::milliseconds(1),
                  std::chrono::duration_cast<std::chrono::milliseconds>(at - Clock::now()));
}

// The response line, headers and decoded body of one exchange on a session
// whose request was sent; the watchdog cuts it at the deadline.
HttpResponse ReceiveResponse(Poco::Net::HTTPClientSession& session, const ParsedUrl& u, const std::string& method,
                             const HttpOptions& opts, const std::string& what, const TryDeadline& deadline,
                             bool* got_response, bool* keep_alive) {
  Poco::Net::HTTPResponse presp;
  session.receiveResponse(presp);  // the body is read below, straight from the session
  *got_response = true;
  HttpResponse resp;
  resp.status = static_cast<int>(presp.getStatus());
  resp.reason = presp.getReason();
  resp.url = u.ToString();
  for (const auto& [k, v] : presp) resp.headers[Lower(k)] = v;
  *keep_alive = presp.getKeepAlive();
  if (method == "HEAD" || resp.status == 204 || resp.status == 304) return resp;
  const std::string enc = Lower(Trim(resp.Header("content-encoding")));
  auto check = [&] {
    if (Clock::now() >= deadline.at || run_control::Stopping()) deadline.Fail(what);
  };
  try {
    resp.body = ReadBody(session, presp, enc, opts.max_body_bytes, check, keep_alive);
  } catch (const std::invalid_argument&) {
    throw TcError(resp.status, "UnsupportedEncoding", what + ": unsupported Content-Encoding: " + FirstLine(enc, 40));
  } catch (const BodyTooLarge&) {
    throw;
  } catch (const NetworkError&) {
    throw;
  } catch (const std::runtime_error& e) {  // corrupt or truncated gzip (Stopped is a TcError: not caught here)
    if (dynamic_cast<const TcError*>(&e)) throw;
    throw NetworkError(e.what());
  }
  return resp;
}

}  // namespace

HttpResponse HttpClient::Hop(const HttpRequest& req, const ParsedUrl& u, const std::string& method,
                             const std::optional<std::string>& body, const HttpAuth* auth,
                             std::chrono::steady_clock::time_point until) {
  const TryDeadline deadline{until, opts_.request_timeout};
  for (int stale_retry = 0;; ++stale_retry) {
    if (Clock::now() >= deadline.at) deadline.Fail(req.what);
    bool reused = false;
    Session session = pool_->Acquire(u, &reused, /*fresh=*/stale_retry > 0);
    const auto left = Remaining(deadline.at);
    session->setTimeout(Ms(std::min(opts_.connect_timeout, left)), Ms(std::min(opts_.receive_timeout, left)),
                        Ms(std::min(opts_.receive_timeout, left)));
    bool got_response = false, keep_alive = false;
    std::optional<Armed> armed;
    try {
      Poco::Net::HTTPRequest pr(method, u.target, Poco::Net::HTTPMessage::HTTP_1_1);
      PrepareRequest(pr, req, u, body, auth);
      std::ostream& os = session->sendRequest(pr);
      armed.emplace(*session, deadline.at);
      if (body) os.write(body->data(), static_cast<std::streamsize>(body->size()));
      HttpResponse resp =
          ReceiveResponse(*session, u, method, opts_, req.what, deadline, &got_response, &keep_alive);
      if (armed->Disarm()) deadline.Fail(req.what);  // cut at the very end: the connection is gone
      if (keep_alive && session->connected()) pool_->Release(u, std::move(session));
      return resp;
    } catch (const BodyTooLarge&) {
      if (armed && armed->Disarm()) deadline.Fail(req.what);
      throw;
    } catch (const TcError&) {
      throw;
    } catch (const NetworkError&) {
      if (armed && armed->Disarm()) deadline.Fail(req.what);
      throw;
    } catch (const Poco::Exception& e) {
      if (armed && armed->Disarm()) deadline.Fail(req.what);
      if (Clock::now() >= deadline.at) deadline.Fail(req.what);
      // A pooled keep-alive connection the server has since closed: try
      // once more on a fresh connection before counting it as a failure.
      if (reused && !got_response && stale_retry == 0) continue;
      throw NetworkError(e.displayText());
    } catch (const std::ios_base::failure& e) {
      if (armed && armed->Disarm()) deadline.Fail(req.what);
      if (reused && !got_response && stale_retry == 0) continue;
      throw NetworkError(e.what());
    }
  }
}

HttpResponse HttpClient::SendChain(const HttpRequest& req, const std::optional<HttpAuth>& auth,
                                   std::chrono::steady_clock::time_point until) {
  auto parsed = ParseUrl(req.url);
  if (!parsed) throw TcError(0, "BadUrl", req.what + ": not an http(s) URL: " + UrlForLog(req.url));
  const std::string origin = parsed->Origin();
  ParsedUrl cur = *parsed;
  std::string method = req.method;
  std::optional<std::string> body = req.body;
  for (int hops = 0;; ++hops) {
    // Hawk only to the request's own origin, never to a redirect target elsewhere.
    const HttpAuth* sign = auth && cur.Origin() == origin ? &*auth : nullptr;
    HttpResponse resp = Hop(req, cur, method, body, sign, until);
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

namespace {

// This try's deadline: request_timeout from now, never past the run's budget.
Clock::time_point TryUntil(std::chrono::milliseconds request_timeout) {
  Clock::time_point at = Clock::now() + request_timeout;
  if (auto run_end = run_control::Deadline()) at = std::min(at, *run_end);
  return at;
}

// The backoff before retry `attempt` + 1 (taskcluster-client's policy), in ms.
double BackoffMs(const HttpOptions& o, int attempt) {
  const double delay = static_cast<double>(o.backoff_base.count()) * std::pow(2.0, std::min(attempt, 40)) *
                       Jitter(o.randomization_factor);
  return std::min(delay, static_cast<double>(o.max_delay.count()));
}

}  // namespace

// One request to the end: tries until a response that is not a 5xx, a
// failure that is not retriable, max_retries retries, or the run's end (a
// stop, or a budget that would end before the next try could start).
HttpResponse HttpClient::Send(const HttpRequest& req, const std::optional<HttpAuth>& auth) {
  const std::string what = req.what.empty() ? req.method + " " + UrlForLog(req.url) : req.what;
  HttpRequest r = req;
  r.what = what;
  for (int attempt = 1;; ++attempt) {
    run_control::CheckContinue(what);
    std::optional<TcError> failure;
    try {
      HttpResponse resp = SendChain(r, auth, TryUntil(opts_.request_timeout));
      spdlog::debug("{} {} -> {} (attempt {})", r.method, UrlForLog(r.url), resp.status, attempt);
      resp.attempts = attempt;
      if (resp.status >= 200 && resp.status < 300) return resp;
      TcError err = ResponseError(what, resp.status, resp.reason, resp.body);
      TcError scrubbed(err.status(), err.code(), Scrub(err.what(), auth));
      if (resp.status < 500 || resp.status >= 600) throw scrubbed;
      failure.emplace(scrubbed);
    } catch (const BodyTooLarge& e) {
      // The same body again would be as large: never retried.
      throw TcError(0, "ResponseTooLarge", Scrub(what + ": " + e.what() + "; not retried", auth));
    } catch (const NetworkError& e) {
      spdlog::debug("{} {} -> network error (attempt {}): {}", r.method, UrlForLog(r.url), attempt,
                    Scrub(e.what(), auth));
      failure.emplace(0, "NetworkError",
                      Scrub(what + ": network error: " + e.what() + " (after " + std::to_string(attempt) +
                                (attempt == 1 ? " attempt)" : " attempts)"),
                            auth));
    }
    if (attempt > opts_.max_retries) throw *failure;
    const double delay = BackoffMs(opts_, attempt);
    const auto run_end = run_control::Deadline();
    if (run_end && Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(delay) + 100) >= *run_end) {
      throw Stopped("RunBudgetExceeded", std::string(failure->what()) + "; not retried: " +
                                             "the run budget of " + std::to_string(run_control::Budget().count() / 1000) +
                                             " s (--budget / TC_ACTION_RUN_BUDGET) ends before another try");
    }
    run_control::Sleep(std::chrono::milliseconds(std::max<int64_t>(1, static_cast<int64_t>(delay))),
                       what + " (waiting to retry)");
  }
}

// ---------------------------------------------------------------------------

namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

// The userinfo of a URL (user:password@) is a secret wherever it shows up.
void AddUrlPasswordSecret(const std::string& url) {
  const size_t start = url.find("://");
  if (start == std::string::npos) return;
  const size_t end = url.find_first_of("/?#", start + 3);
  const size_t at = url.rfind('@', end == std::string::npos ? std::string::npos : end);
  if (at == std::string::npos || at < start + 3) return;
  const std::string userinfo = url.substr(start + 3, at - start - 3);
  AddSecret(userinfo);
  if (size_t colon = userinfo.find(':'); colon != std::string::npos) AddSecret(userinfo.substr(colon + 1));
}

// The certificate, and its seed and signature, are secrets wherever they show up.
void AddCertificateSecrets(const std::string& cert) {
  AddSecret(cert, SecretPieces::kWholeOnly);
  if (auto doc = TryParseJson(cert); doc && doc->IsObject()) {
    for (const char* k : {"seed", "signature"})
      if (auto v = GetString(*doc, k)) AddSecret(*v);
  }
}

}  // namespace

ClientConfig ClientConfigFromEnv() {
  ClientConfig cfg;
  std::string proxy = Env("TASKCLUSTER_PROXY_URL");
  std::string root = Env("TASKCLUSTER_ROOT_URL");
  if (!proxy.empty()) {
    AddUrlPasswordSecret(proxy);
    if (!ParseUrl(proxy)) throw BadInput("TASKCLUSTER_PROXY_URL: not an http(s) URL: " + UrlForLog(proxy));
    cfg.proxy_url = proxy;
    cfg.root_url = root;
    return cfg;  // the proxy adds credentials; none are read
  }
  if (root.empty()) throw BadInput("neither TASKCLUSTER_ROOT_URL nor TASKCLUSTER_PROXY_URL is set");
  AddUrlPasswordSecret(root);
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
  AddSecret(token);
  std::string cert = Env("TASKCLUSTER_CERTIFICATE");
  if (!cert.empty()) {
    AddCertificateSecrets(cert);
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
  // Optional: the deadline of one whole request (connect + the whole response).
  if (std::string t = Env("TASKCLUSTER_REQUEST_TIMEOUT"); !t.empty()) {
    char* end = nullptr;
    double secs = std::strtod(t.c_str(), &end);
    if (!end || *end != '\0' || !(secs > 0) || secs > 3600) {
      throw BadInput("TASKCLUSTER_REQUEST_TIMEOUT: expected seconds between 0 and 3600, got \"" + t.substr(0, 20) + "\"");
    }
    cfg.request_timeout = std::chrono::milliseconds(static_cast<int64_t>(secs * 1000));
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
  o.request_timeout = cfg.request_timeout;
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
      AddSecret(auth_->creds.key);
      AddSecret(auth_->ext);
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
  return ParseJsonResponse(resp.body, resp.status, req.what);
}

}  // namespace tc

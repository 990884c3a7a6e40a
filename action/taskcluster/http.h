// A small HTTP client for the Taskcluster APIs (Poco::Net), and the
// Taskcluster service client built on it.
//
// HttpClient: GET/PUT/POST with bodies, keep-alive sessions pooled per origin
// (thread-safe), timeouts, redirects (301/302/303/307/308, up to
// max_redirects, to other hosts too), Content-Encoding gzip decoding and
// taskcluster-client's retry policy: retry on 5xx and network errors, never
// on 4xx; after try n (1-based) sleep
//     min(max_delay, backoff_base * 2^n * uniform[1-rf, 1+rf])
// (clients/client/src/retry.js). Every try is signed afresh (new ts/nonce).
// Hawk is only sent to the origin (scheme, host, port) of the request URL,
// never to a redirect target elsewhere.
//
// Failures are TcError: status 0 for network errors, else the HTTP status,
// with a message "<what>: <status> <code>: <first line of message>".
// Messages and logs never contain the access token, ext/certificate or the
// Authorization header.
#pragma once
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/json.h"
#include "taskcluster/hawk.h"
#include "taskcluster/http_body.h"

namespace tc {

struct ParsedUrl;  // urls.h

struct HttpOptions {
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds receive_timeout{30000};  // idle: one read or write
  // One whole try: connect + send + the whole response (a watchdog cuts the
  // connection at it, however the server trickles). Each retry gets a fresh
  // one; none runs past the run's budget (core/run_control.h).
  std::chrono::milliseconds request_timeout{300000};
  int max_retries = 5;                               // retries after the first try
  std::chrono::milliseconds backoff_base{100};       // taskcluster-client's delayFactor
  std::chrono::milliseconds max_delay{30000};
  double randomization_factor = 0.25;
  int max_redirects = 10;
  // Decoded body cap: a larger Content-Length is refused before reading,
  // decoded gzip is counted as it inflates; "too large" is never retried.
  size_t max_body_bytes = size_t{1} << 30;
  std::string ca_location = "/etc/ssl/certs";
  size_t max_idle_sessions_per_origin = 64;  // >= the executor's default concurrency (50)
};

// Hawk signing for the request's origin.
struct HttpAuth {
  HawkCredentials creds;
  std::string ext;  // Taskcluster ext (TaskclusterExt()), may be empty
};

struct HttpRequest {
  std::string method;  // "GET", "PUT", "POST", "DELETE"
  std::string url;     // absolute http(s) URL, path/query already encoded
  std::optional<std::string> body;
  std::string content_type = "application/json";
  std::string what;  // names the call in errors, e.g. "queue.createTask"
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

struct HttpResponse {
  int status = 0;
  std::string reason;
  std::string body;  // Content-Encoding undone
  std::string url;   // final URL, after redirects
  std::map<std::string, std::string> headers;  // names lowercased (last value wins)
  int attempts = 0;                            // tries it took (1 = no retry)

  std::string Header(const std::string& lowercase_name) const;
};

class HttpClient {
 public:
  explicit HttpClient(HttpOptions opts = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends with retries and redirects; returns a 2xx response, throws TcError
  // for anything else (see above). Thread-safe.
  HttpResponse Send(const HttpRequest& req, const std::optional<HttpAuth>& auth = std::nullopt);

  const HttpOptions& options() const { return opts_; }
  // Drops all pooled idle connections.
  void CloseIdle();

 private:
  class Pool;
  // One try: the request and its redirects (Hawk only to the request's
  // origin), all by `until`.
  HttpResponse SendChain(const HttpRequest& req, const std::optional<HttpAuth>& auth,
                         std::chrono::steady_clock::time_point until);
  // One request/response on one connection (a stale pooled connection is
  // retried once on a fresh one). Throws NetworkError, BodyTooLarge, TcError
  // or Stopped.
  HttpResponse Hop(const HttpRequest& req, const ParsedUrl& u, const std::string& method,
                   const std::optional<std::string>& body, const HttpAuth* auth,
                   std::chrono::steady_clock::time_point until);
  HttpOptions opts_;
  std::unique_ptr<Pool> pool_;
};

// The error a non-2xx Taskcluster response maps to:
// TcError(status, code, "<what>: <status> <code>: <first line of message>").
TcError ResponseError(const std::string& what, int status, const std::string& reason,
                      const std::string& body);

// ---------------------------------------------------------------------------
// Taskcluster service clients

struct ClientConfig {
  std::string root_url;   // TASKCLUSTER_ROOT_URL
  std::string proxy_url;  // TASKCLUSTER_PROXY_URL: wins; requests go there unsigned
  std::optional<HawkCredentials> creds;  // clientId / accessToken
  std::string certificate;               // temporary credentials' certificate (JSON text)
  std::vector<std::string> authorized_scopes;  // empty: not restricted
  int max_retries = 5;
  std::chrono::milliseconds backoff_base{100};
  std::chrono::milliseconds max_delay{30000};
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds receive_timeout{30000};
  std::chrono::milliseconds request_timeout{300000};
};

// Reads TASKCLUSTER_PROXY_URL, TASKCLUSTER_ROOT_URL, TASKCLUSTER_CLIENT_ID,
// TASKCLUSTER_ACCESS_TOKEN, TASKCLUSTER_CERTIFICATE, and the optional
// TASKCLUSTER_RECEIVE_TIMEOUT (idle, per read) and TASKCLUSTER_REQUEST_TIMEOUT
// (one whole request), in seconds (empty = unset). Registers the secrets
// among them (token, certificate, its seed and signature, URL userinfo) with
// core's Redact(). Throws
// BadInput (one line, never echoing a secret) if neither URL is set, a URL is
// not http(s), only one of clientId/accessToken is set, or the certificate
// is not a JSON object. With a proxy URL, credentials are not read.
ClientConfig ClientConfigFromEnv();

// HttpOptions for a config (timeouts, retry policy).
HttpOptions HttpOptionsFor(const ClientConfig& cfg);

// One Taskcluster service ("queue", "hooks", ...): URL building
// (taskcluster-lib-urls, or the proxy), Hawk signing, JSON calls.
class TcServiceClient {
 public:
  // http may be shared between clients (one connection pool); null = own one.
  TcServiceClient(const ClientConfig& cfg, std::string service, std::string version = "v1",
                  std::shared_ptr<HttpClient> http = nullptr);

  // Absolute URL of an API path (already percent-encoded, may carry ?query).
  std::string Url(const std::string& path) const;
  // Calls method on path; body is serialised as JSON when given. Returns the
  // JSON object of the response (ParseJsonResponse: anything else is a
  // TcError "InvalidResponse"). what: e.g. "createTask".
  Json Call(const std::string& method, const std::string& path, const JsonValue* body,
            const std::string& what);
  // Like Call, but returns the raw response (redirects followed, decoded).
  HttpResponse Fetch(const std::string& method, const std::string& path, const std::string& what);

  bool signs() const { return auth_.has_value(); }
  const std::string& service() const { return service_; }

 private:
  std::string base_;  // root or proxy URL
  bool legacy_ = false;
  std::string service_, version_;
  std::optional<HttpAuth> auth_;
  std::shared_ptr<HttpClient> http_;
};

}  // namespace tc

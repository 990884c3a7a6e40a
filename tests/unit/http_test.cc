// HttpClient / TcServiceClient against an in-process Poco HTTP server.
#include <Poco/Net/Context.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/TemporaryFile.h>
#include <rapidjson/document.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "core/base64.h"
#include "core/error.h"
#include "gzip.h"
#include "hawk_verify.h"
#include "taskcluster/hawk.h"
#include "taskcluster/http.h"
#include "test_http_server.h"

using namespace tc;

namespace {

using namespace tctest;  // the scripted server, Hawk verification, gzip (tests/support)

HttpOptions FastOptions(int retries = 5) {
  HttpOptions o;
  o.max_retries = retries;
  o.backoff_base = std::chrono::milliseconds(1);
  o.max_delay = std::chrono::milliseconds(20);
  return o;
}

HttpAuth Auth(const std::string& ext = "") { return HttpAuth{{kTestClientId, kTestAccessToken}, ext}; }

HttpRequest Get(const std::string& url, const std::string& what = "queue.task") {
  HttpRequest r;
  r.method = "GET";
  r.url = url;
  r.what = what;
  return r;
}

}  // namespace

TEST_CASE("GET is Hawk-signed and verifiable server-side", "[http]") {
  TestServer srv([](auto&, auto& resp, const Seen&, int) { Reply(resp, 200, "{\"ok\":true}"); });
  HttpClient http(FastOptions());
  std::string cert = R"({"version":1,"scopes":["queue:*"],"start":1,"expiry":2,"seed":"s","signature":"sig"})";
  std::string ext = TaskclusterExt(cert, {"queue:rerun-task:*"});
  auto resp = http.Send(Get(srv.url() + "/api/queue/v1/task/a%2Fb?x=1"), Auth(ext));
  CHECK(resp.status == 200);
  CHECK(resp.body == "{\"ok\":true}");
  CHECK(resp.attempts == 1);
  auto seen = srv.seen();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].uri == "/api/queue/v1/task/a%2Fb?x=1");  // not re-encoded
  HawkHeader h;
  CHECK(VerifyHawk(seen[0], kTestAccessToken, &h) == "");
  CHECK(VerifyHawk(seen[0], "other-key") == "bad mac");
  CHECK(Base64Decode(h.ext) == "{\"certificate\":" + cert + ",\"authorizedScopes\":[\"queue:rerun-task:*\"]}");
}

TEST_CASE("PUT and POST send JSON bodies", "[http]") {
  TestServer srv([](auto&, auto& resp, const Seen& s, int) { Reply(resp, 200, s.body.empty() ? "{}" : s.body); });
  HttpClient http(FastOptions());
  HttpRequest put;
  put.method = "PUT";
  put.url = srv.url() + "/api/queue/v1/task/abc";
  put.body = "{\"a\":1}";
  put.what = "queue.createTask";
  auto r = http.Send(put, Auth());
  CHECK(r.body == "{\"a\":1}");
  HttpRequest post;
  post.method = "POST";
  post.url = srv.url() + "/api/queue/v1/task/abc/rerun";
  post.what = "queue.rerunTask";
  CHECK(http.Send(post, Auth()).body == "{}");
  auto seen = srv.seen();
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].method == "PUT");
  CHECK(seen[0].content_type == "application/json");
  CHECK(seen[0].body == "{\"a\":1}");
  CHECK(VerifyHawk(seen[0], kTestAccessToken) == "");
  CHECK(seen[1].method == "POST");
  CHECK(VerifyHawk(seen[1], kTestAccessToken) == "");
}

TEST_CASE("retries 5xx with fresh Hawk signatures, then succeeds", "[http]") {
  TestServer srv([](auto&, auto& resp, const Seen&, int i) {
    if (i == 0) return Reply(resp, 500, "{\"code\":\"InternalServerError\",\"message\":\"boom\"}");
    if (i == 1) return Reply(resp, 503, "unavailable", "text/plain");
    Reply(resp, 200, "{}");
  });
  HttpClient http(FastOptions());
  auto resp = http.Send(Get(srv.url() + "/api/queue/v1/task/x"), Auth());
  CHECK(resp.attempts == 3);
  auto seen = srv.seen();
  REQUIRE(seen.size() == 3);
  std::set<std::string> nonces;
  for (const auto& s : seen) {
    HawkHeader h;
    CHECK(VerifyHawk(s, kTestAccessToken, &h) == "");
    nonces.insert(h.nonce);
  }
  CHECK(nonces.size() == 3);
}

TEST_CASE("gives up after max_retries on 5xx with the server's code and message", "[http]") {
  TestServer srv([](auto&, auto& resp, const Seen&, int) {
    Reply(resp, 503, "{\"code\":\"ServiceUnavailable\",\"message\":\"try later\\nmore details\"}");
  });
  HttpClient http(FastOptions(2));
  try {
    http.Send(Get(srv.url() + "/x"), Auth());
    FAIL("expected TcError");
  } catch (const TcError& e) {
    CHECK(e.status() == 503);
    CHECK(e.code() == "ServiceUnavailable");
    CHECK(std::string(e.what()) == "queue.task: 503 ServiceUnavailable: try later");
  }
  CHECK(srv.count() == 3);
}

TEST_CASE("4xx is not retried; message carries code and first line", "[http]") {
  TestServer srv([](auto&, auto& resp, const Seen& s, int) {
    if (s.uri.find("missing") != std::string::npos) {
      return Reply(resp, 404, "{\"code\":\"ResourceNotFound\",\"message\":\"Task x not found\\n---\\nrequest details\"}");
    }
    Reply(resp, 409,
          "{\"code\":\"RequestConflict\",\"message\":\"taskId abc already used by another task\\n\\n---\\n* method: createTask\"}");
  });
  HttpClient http(FastOptions());
  HttpRequest put;
  put.method = "PUT";
  put.url = srv.url() + "/api/queue/v1/task/abc";
  put.body = "{}";
  put.what = "queue.createTask";
  try {
    http.Send(put, Auth());
    FAIL("expected TcError");
  } catch (const TcError& e) {
    CHECK(e.is_conflict());
    CHECK(e.code() == "RequestConflict");
    CHECK(std::string(e.what()) == "queue.createTask: 409 RequestConflict: taskId abc already used by another task");
  }
  CHECK(srv.count() == 1);
  try {
    http.Send(Get(srv.url() + "/api/queue/v1/task/missing"), Auth());
    FAIL("expected TcError");
  } catch (const TcError& e) {
    CHECK(e.is_not_found());
    CHECK(std::string(e.what()) == "queue.task: 404 ResourceNotFound: Task x not found");
  }
  CHECK(srv.count() == 2);
}

TEST_CASE("non-JSON error bodies", "[http]") {
  TestServer srv([](auto&, auto& resp, const Seen&, int) { Reply(resp, 401, "<html>nope</html>", "text/html"); });
  HttpClient http(FastOptions());
  try {
    http.Send(Get(srv.url() + "/x"));
    FAIL("expected TcError");
  } catch (const TcError& e) {
    CHECK(e.status() == 401);
    CHECK(e.code() == "UnknownError");
    CHECK(std::string(e.what()) == "queue.task: 401 UnknownError: Authentication Error");
  }
}

TEST_CASE("retries when the server drops the connection", "[http]") {
  TestServer srv([](auto& req, auto& resp, const Seen&, int i) {
    if (i < 2) return Hangup(req);
    Reply(resp, 200, "{\"ok\":1}");
  });
  HttpClient http(FastOptions());
  auto resp = http.Send(Get(srv.url() + "/x"), Auth());
  CHECK(resp.body == "{\"ok\":1}");
  CHECK(srv.count() == 3);
}

TEST_CASE("network errors end as status 0 without secrets", "[http]") {
  int port;
  {
    TestServer tmp([](auto&, auto& resp, const Seen&, int) { Reply(resp, 200, "{}"); });
    port = tmp.port();
  }
  HttpClient http(FastOptions(2));
  auto t0 = std::chrono::steady_clock::now();
  try {
    http.Send(Get("http://127.0.0.1:" + std::to_string(port) + "/x"), Auth("ZXh0LXNlY3JldA=="));
    FAIL("expected TcError");
  } catch (const TcError& e) {
    CHECK(e.status() == 0);
    CHECK(e.code() == "NetworkError");
    std::string m = e.what();
    CHECK(m.find("queue.task: network error") == 0);
    CHECK(m.find("after 3 attempts") != std::string::npos);
    CHECK(m.find(kTestAccessToken) == std::string::npos);
    CHECK(m.find("ZXh0LXNlY3JldA==") == std::string::npos);
  }
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
}

TEST_CASE("https to a plain-HTTP server fails as a network error", "[http]") {
  TestServer srv([](auto&, auto& resp, const Seen&, int) { Reply(resp, 200, "{}"); });
  HttpClient http(FastOptions(1));
  try {
    http.Send(Get("https://127.0.0.1:" + std::to_string(srv.port()) + "/x"), Auth());
    FAIL("expected TcError");
  } catch (const TcError& e) {
    CHECK(e.status() == 0);
    CHECK(std::string(e.what()).find(kTestAccessToken) == std::string::npos);
  }
}

TEST_CASE("receive timeout is a retriable network error", "[http]") {
  TestServer srv([](auto&, auto& resp, const Seen&, int i) {
    if (i == 0) std::this_thread::sleep_for(std::chrono::milliseconds(600));
    Reply(resp, 200, "{}");
  });
  HttpOptions o = FastOptions();
  o.receive_timeout = std::chrono::milliseconds(200);
  HttpClient http(o);
  auto resp = http.Send(Get(srv.url() + "/slow"), Auth());
  CHECK(resp.attempts == 2);
}

TEST_CASE("the token never appears in error messages, even if the server echoes it", "[http]") {
  TestServer srv([](auto&, auto& resp, const Seen& s, int) {
    std::string echoed;
    for (char c : s.authorization) {
      if (c == '"') echoed += '\\';
      echoed += c;
    }
    Reply(resp, 403, "{\"code\":\"InsufficientScopes\",\"message\":\"you sent " + echoed + " / " + kTestAccessToken + "\"}");
  });
  HttpClient http(FastOptions());
  std::string ext = TaskclusterExt(R"({"version":1,"signature":"CERT-SIG"})", {});
  try {
    http.Send(Get(srv.url() + "/x"), Auth(ext));
    FAIL("expected TcError");
  } catch (const TcError& e) {
    std::string m = e.what();
    CHECK(m.find(kTestAccessToken) == std::string::npos);
    CHECK(m.find(ext) == std::string::npos);
    CHECK(m.find("<redacted>") != std::string::npos);
    CHECK(m.find("queue.task: 403 InsufficientScopes: you sent Hawk id=") == 0);
  }
}

TEST_CASE("redirects: same origin re-signed, other origin unsigned", "[http]") {
  TestServer other([](auto&, auto& resp, const Seen&, int) {
    resp.set("Content-Encoding", "gzip");
    Reply(resp, 200, Gzip("artifact bytes"), "application/octet-stream");
  });
  std::string other_url = other.url();
  TestServer srv([&](auto&, auto& resp, const Seen& s, int) {
    if (s.uri == "/start") return Redirect(resp, 302, "/second?x=1");
    if (s.uri == "/second?x=1") return Redirect(resp, 303, other_url + "/blob/key?X-Amz-Signature=zzz");
    Reply(resp, 404, "{}");
  });
  HttpClient http(FastOptions());
  auto resp = http.Send(Get(srv.url() + "/start", "queue.getLatestArtifact"), Auth());
  CHECK(resp.body == "artifact bytes");
  CHECK(resp.url == other_url + "/blob/key?X-Amz-Signature=zzz");
  auto seen = srv.seen();
  REQUIRE(seen.size() == 2);
  CHECK(VerifyHawk(seen[0], kTestAccessToken) == "");
  CHECK(VerifyHawk(seen[1], kTestAccessToken) == "");  // signed for the new resource
  auto oseen = other.seen();
  REQUIRE(oseen.size() == 1);
  CHECK(oseen[0].authorization.empty());
  CHECK(oseen[0].uri == "/blob/key?X-Amz-Signature=zzz");
}

TEST_CASE("303 after POST becomes GET; 307 keeps method and body", "[http]") {
  TestServer srv([](auto&, auto& resp, const Seen& s, int) {
    if (s.uri == "/post303") return Redirect(resp, 303, "/done");
    if (s.uri == "/post307") return Redirect(resp, 307, "/done");
    Reply(resp, 200, "{\"method\":\"" + s.method + "\",\"body\":" + (s.body.empty() ? "null" : s.body) + "}");
  });
  HttpClient http(FastOptions());
  HttpRequest r;
  r.method = "POST";
  r.body = "{\"k\":2}";
  r.url = srv.url() + "/post303";
  CHECK(http.Send(r, Auth()).body == "{\"method\":\"GET\",\"body\":null}");
  r.url = srv.url() + "/post307";
  CHECK(http.Send(r, Auth()).body == "{\"method\":\"POST\",\"body\":{\"k\":2}}");
  for (const auto& s : srv.seen()) CHECK(VerifyHawk(s, kTestAccessToken) == "");
}

TEST_CASE("redirect loops stop", "[http]") {
  TestServer srv([](auto&, auto& resp, const Seen&, int) { Redirect(resp, 302, "/again"); });
  HttpClient http(FastOptions());
  try {
    http.Send(Get(srv.url() + "/again"));
    FAIL("expected TcError");
  } catch (const TcError& e) {
    CHECK(e.code() == "TooManyRedirects");
  }
  CHECK(srv.count() == 11);
}

TEST_CASE("gzip content-encoding is decoded; other bodies untouched", "[http]") {
  std::string big(200000, 'x');
  for (size_t i = 0; i < big.size(); i += 7) big[i] = static_cast<char>('a' + i % 26);
  TestServer srv([&](auto&, auto& resp, const Seen& s, int) {
    if (s.uri == "/gz") {
      resp.set("Content-Encoding", "gzip");
      return Reply(resp, 200, Gzip(big), "application/json");
    }
    if (s.uri == "/bad") {
      resp.set("Content-Encoding", "gzip");
      return Reply(resp, 200, "not gzip at all", "application/json");
    }
    // a .gz artifact without content-encoding stays compressed
    Reply(resp, 200, Gzip("raw"), "application/gzip");
  });
  HttpClient http(FastOptions(1));
  CHECK(http.Send(Get(srv.url() + "/gz")).body == big);
  CHECK(http.Send(Get(srv.url() + "/file.gz")).body == Gzip("raw"));
  CHECK_THROWS_AS(http.Send(Get(srv.url() + "/bad")), TcError);
  CHECK(GunzipBody(Gzip("a") + Gzip("b"), 100) == "ab");
  CHECK_THROWS(GunzipBody(Gzip(big), 1000));
  CHECK_THROWS(GunzipBody(Gzip(big).substr(0, 100), 1 << 20));
}

TEST_CASE("concurrent requests share keep-alive sessions safely", "[http]") {
  TestServer srv([](auto&, auto& resp, const Seen& s, int) { Reply(resp, 200, "{\"uri\":\"" + s.uri + "\"}"); });
  HttpClient http(FastOptions());
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        std::string uri = "/t" + std::to_string(t) + "/" + std::to_string(i);
        auto r = http.Send(Get(srv.url() + uri), Auth());
        if (r.body == "{\"uri\":\"" + uri + "\"}") ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(ok == 150);
  for (const auto& s : srv.seen()) REQUIRE(VerifyHawk(s, kTestAccessToken) == "");
}

TEST_CASE("stale pooled connection is replaced transparently", "[http]") {
  // The server answers, then closes every kept-alive connection on the next request.
  TestServer srv([](auto& req, auto& resp, const Seen&, int i) {
    if (i == 1) return Hangup(req);
    Reply(resp, 200, "{}");
  });
  HttpClient http(FastOptions(0));  // no retries: only the stale-connection path may help
  CHECK(http.Send(Get(srv.url() + "/a")).status == 200);
  CHECK(http.Send(Get(srv.url() + "/b")).status == 200);
  CHECK(srv.count() == 3);
}

TEST_CASE("TcServiceClient: root URL, signing, proxy mode", "[http]") {
  TestServer srv([](auto&, auto& resp, const Seen& s, int) {
    Reply(resp, 200, "{\"uri\":\"" + s.uri + "\",\"auth\":" + (s.authorization.empty() ? "false" : "true") + "}");
  });
  ClientConfig cfg;
  cfg.root_url = srv.url() + "/";
  cfg.creds = HawkCredentials{kTestClientId, kTestAccessToken};
  cfg.backoff_base = std::chrono::milliseconds(1);
  TcServiceClient queue(cfg, "queue");
  CHECK(queue.Url("task/x") == srv.url() + "/api/queue/v1/task/x");
  CHECK(queue.signs());
  Json j = queue.Call("GET", "task/x", nullptr, "task");
  CHECK(std::string(j["uri"].GetString()) == "/api/queue/v1/task/x");
  CHECK(j["auth"].GetBool());
  CHECK(VerifyHawk(srv.seen().back(), kTestAccessToken) == "");

  ClientConfig proxy = cfg;
  proxy.proxy_url = srv.url();
  proxy.root_url = "https://tc.example.com";
  TcServiceClient pq(proxy, "queue");
  CHECK_FALSE(pq.signs());
  j = pq.Call("POST", "task/y/rerun", nullptr, "rerunTask");
  CHECK(std::string(j["uri"].GetString()) == "/api/queue/v1/task/y/rerun");
  CHECK_FALSE(j["auth"].GetBool());
  CHECK(srv.seen().back().authorization.empty());

  ClientConfig anon;
  anon.root_url = srv.url();
  TcServiceClient aq(anon, "queue");
  CHECK_FALSE(aq.signs());
  aq.Call("GET", "task/z", nullptr, "task");
  CHECK(srv.seen().back().authorization.empty());
}

TEST_CASE("TcServiceClient: a response that is not a JSON object is InvalidResponse", "[http]") {
  // issue 13: an empty or array body where the API answers an object is the
  // service misbehaving (exit 3), never an empty object read as bad input.
  TestServer srv([](auto&, auto& resp, const Seen& s, int) {
    if (s.uri.find("empty") != std::string::npos) return Reply(resp, 200, "");
    if (s.uri.find("nocontent") != std::string::npos) return Reply(resp, 204, "");
    if (s.uri.find("array") != std::string::npos) return Reply(resp, 200, "[1, 2]");
    if (s.uri.find("deep") != std::string::npos) return Reply(resp, 200, std::string(100000, '[') + std::string(100000, ']'));
    if (s.uri.find("latin1") != std::string::npos) return Reply(resp, 200, "{\"label\": \"caf\xe9\"}");
    Reply(resp, 200, "{not json");
  });
  ClientConfig cfg;
  cfg.root_url = srv.url();
  TcServiceClient q(cfg, "queue");
  CHECK(q.Call("GET", "nocontent", nullptr, "x").IsObject());
  for (const char* path : {"empty", "array", "bad", "deep", "latin1"}) {
    INFO(path);
    try {
      q.Call("GET", path, nullptr, "task");
      FAIL("expected TcError");
    } catch (const TcError& e) {
      CHECK(e.code() == "InvalidResponse");
      CHECK(e.status() == 200);
      CHECK(std::string(e.what()).find("queue.task: 200 InvalidResponse: ") == 0);
    }
  }
}

namespace {
bool MakeCert(const std::string& dir, const std::string& name, const std::string& cn) {
  std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -keyout " + dir + "/" + name +
                    ".key -out " + dir + "/" + name + ".pem -subj /CN=" + cn +
                    " -addext subjectAltName=DNS:" + cn + " >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

Poco::Net::ServerSocket TlsSocket(const std::string& dir, const std::string& name) {
  Poco::Net::Context::Ptr ctx = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, dir + "/" + name + ".key",
                                                       dir + "/" + name + ".pem", "", Poco::Net::Context::VERIFY_NONE);
  return Poco::Net::SecureServerSocket(Poco::Net::SocketAddress("127.0.0.1", 0), 64, ctx);
}
}  // namespace

TEST_CASE("https: verifies the chain and the host name", "[http]") {
  Poco::TemporaryFile tmp;
  tmp.createDirectories();
  std::string dir = tmp.path();
  // scripts/install-deps.sh installs the openssl CLI: a missing one fails the test, never skips it.
  REQUIRE(MakeCert(dir, "good", "localhost"));
  REQUIRE(MakeCert(dir, "wrong", "other.example"));
  auto handler = [](auto&, auto& resp, const Seen&, int) { Reply(resp, 200, "{\"tls\":true}"); };
  TestServer good(handler, TlsSocket(dir, "good"));
  TestServer wrong(handler, TlsSocket(dir, "wrong"));
  std::string good_url = "https://localhost:" + std::to_string(good.port());

  HttpOptions trusting = FastOptions(0);
  trusting.ca_location = dir + "/good.pem";
  HttpClient ok(trusting);
  auto resp = ok.Send(Get(good_url + "/x"), Auth());
  CHECK(resp.body == "{\"tls\":true}");
  REQUIRE(good.count() == 1);
  CHECK(good.seen()[0].host == "localhost:" + std::to_string(good.port()));
  CHECK(VerifyHawk(good.seen()[0], kTestAccessToken) == "");

  // Untrusted self-signed certificate: the system store does not know it.
  HttpClient system_store(FastOptions(0));
  try {
    system_store.Send(Get(good_url + "/x"), Auth());
    FAIL("expected TcError");
  } catch (const TcError& e) {
    CHECK(e.status() == 0);
  }
  // Trusted certificate, wrong host name.
  HttpOptions trusting_wrong = FastOptions(0);
  trusting_wrong.ca_location = dir + "/wrong.pem";
  HttpClient mismatch(trusting_wrong);
  try {
    mismatch.Send(Get("https://localhost:" + std::to_string(wrong.port()) + "/x"), Auth());
    FAIL("expected TcError");
  } catch (const TcError& e) {
    CHECK(e.status() == 0);
  }
  CHECK(good.count() == 1);
  CHECK(wrong.count() == 0);
}

// HttpQueue / HttpHooks / ClientConfigFromEnv against an in-process Poco HTTP server.
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <functional>
#include <mutex>
#include <sstream>

#include "core/base64.h"
#include "core/error.h"
#include "gzip.h"
#include "hawk_verify.h"
#include "taskcluster/hawk.h"
#include "taskcluster/hooks_http.h"
#include "taskcluster/queue_http.h"
#include "test_http_server.h"

using namespace tc;

namespace {

using namespace tctest;  // the scripted server, Hawk verification, gzip (tests/support)

ClientConfig Config(const std::string& root) {
  ClientConfig cfg;
  cfg.root_url = root;
  cfg.creds = HawkCredentials{kTestClientId, kTestAccessToken};
  cfg.backoff_base = std::chrono::milliseconds(1);
  cfg.max_delay = std::chrono::milliseconds(10);
  return cfg;
}

// Echoes method and URI as JSON in the queue's response shapes.
void Echo(HTTPServerResponse& resp, const Seen& s) {
  Reply(resp, 200, "{\"method\":\"" + s.method + "\",\"uri\":\"" + s.uri + "\",\"body\":" +
                       (s.body.empty() ? "null" : s.body) + "}");
}

std::string JStr(const JsonValue& j, const char* k) { return j[k].GetString(); }

struct EnvGuard {
  EnvGuard() {
    for (const char* n : kVars) {
      const char* v = getenv(n);
      saved.emplace_back(n, v ? std::optional<std::string>(v) : std::nullopt);
      unsetenv(n);
    }
  }
  ~EnvGuard() {
    for (auto& [n, v] : saved) {
      if (v) {
        setenv(n, v->c_str(), 1);
      } else {
        unsetenv(n);
      }
    }
  }
  static constexpr const char* kVars[] = {"TASKCLUSTER_PROXY_URL", "TASKCLUSTER_ROOT_URL", "TASKCLUSTER_CLIENT_ID",
                                          "TASKCLUSTER_ACCESS_TOKEN", "TASKCLUSTER_CERTIFICATE"};
  std::vector<std::pair<const char*, std::optional<std::string>>> saved;
};

}  // namespace

TEST_CASE("queue endpoints: methods, paths, signing", "[queue_http]") {
  TestServer srv([](auto&, auto& resp, const Seen& s, int) { Echo(resp, s); });
  HttpQueue q(Config(srv.url()));
  CHECK(JStr(q.Task("fQ1-AbcdTz2rTmsAOXB0kA"), "uri") == "/api/queue/v1/task/fQ1-AbcdTz2rTmsAOXB0kA");
  CHECK(JStr(q.Status("T1"), "uri") == "/api/queue/v1/task/T1/status");
  Json def(rapidjson::kObjectType);
  def.AddMember("provisionerId", "p", def.GetAllocator());
  Json r = q.CreateTask("T2", def);
  CHECK(JStr(r, "method") == "PUT");
  CHECK(JStr(r, "uri") == "/api/queue/v1/task/T2");
  CHECK(JStr(r["body"], "provisionerId") == "p");
  r = q.RerunTask("T3");
  CHECK(JStr(r, "method") == "POST");
  CHECK(JStr(r, "uri") == "/api/queue/v1/task/T3/rerun");
  r = q.CancelTask("T4");
  CHECK(JStr(r, "method") == "POST");
  CHECK(JStr(r, "uri") == "/api/queue/v1/task/T4/cancel");
  CHECK(JStr(q.ListTaskGroup("G1", {}), "uri") == "/api/queue/v1/task-group/G1/list");
  Page page;
  page.continuation_token = "abc/def==";
  page.limit = 50;
  CHECK(JStr(q.ListTaskGroup("G1", page), "uri") ==
        "/api/queue/v1/task-group/G1/list?continuationToken=abc%2Fdef%3D%3D&limit=50");
  page.continuation_token.reset();
  CHECK(JStr(q.ListDependentTasks("T5", page), "uri") == "/api/queue/v1/task/T5/dependents?limit=50");
  for (const auto& s : srv.seen()) CHECK(VerifyHawk(s, kTestAccessToken) == "");
  CHECK(q.Url("task/x") == srv.url() + "/api/queue/v1/task/x");
}

TEST_CASE("queue errors carry the call name", "[queue_http]") {
  TestServer srv([](auto&, auto& resp, const Seen&, int) {
    Reply(resp, 409, "{\"code\":\"RequestConflict\",\"message\":\"Task T is resolved\\nmore\"}");
  });
  HttpQueue q(Config(srv.url()));
  try {
    q.RerunTask("T");
    FAIL("expected TcError");
  } catch (const TcError& e) {
    CHECK(std::string(e.what()) == "queue.rerunTask: 409 RequestConflict: Task T is resolved");
  }
  CHECK(srv.count() == 1);
}

TEST_CASE("artifacts: name encoded, 303 followed to storage without auth, gzip decoded", "[queue_http]") {
  TestServer storage([](auto&, auto& resp, const Seen& s, int) {
    if (s.uri == "/bucket/actions.json?sig=1") {
      resp.set("Content-Encoding", "gzip");
      return Reply(resp, 200, Gzip("{\"actions\":[]}"), "application/json");
    }
    Reply(resp, 404, "<Error/>", "application/xml");
  });
  std::string storage_url = storage.url();
  TestServer srv([&](auto&, auto& resp, const Seen& s, int) {
    if (s.uri == "/api/queue/v1/task/T/artifacts/public%2Factions.json") {
      return Redirect(resp, 303, storage_url + "/bucket/actions.json?sig=1");
    }
    Reply(resp, 404, "{\"code\":\"ResourceNotFound\",\"message\":\"no such artifact\"}");
  });
  HttpQueue q(Config(srv.url()));
  CHECK(q.GetLatestArtifact("T", "public/actions.json") == "{\"actions\":[]}");
  REQUIRE(srv.count() == 1);
  CHECK(VerifyHawk(srv.seen()[0], kTestAccessToken) == "");
  REQUIRE(storage.count() == 1);
  CHECK(storage.seen()[0].authorization.empty());
  try {
    q.GetLatestArtifact("T", "public/missing.json");
    FAIL("expected TcError");
  } catch (const TcError& e) {
    CHECK(e.is_not_found());
    CHECK(std::string(e.what()) == "queue.getLatestArtifact: 404 ResourceNotFound: no such artifact");
  }
}

TEST_CASE("hooks trigger", "[queue_http]") {
  TestServer srv([](auto&, auto& resp, const Seen& s, int) { Echo(resp, s); });
  HttpHooks hooks(Config(srv.url()));
  Json payload(rapidjson::kObjectType);
  payload.AddMember("x", 1, payload.GetAllocator());
  Json r = hooks.TriggerHook("project-foo", "in-tree-action-1-generic/abc", payload);
  CHECK(JStr(r, "method") == "POST");
  CHECK(JStr(r, "uri") == "/api/hooks/v1/hooks/project-foo/in-tree-action-1-generic%2Fabc/trigger");
  CHECK(r["body"]["x"].GetInt() == 1);
  CHECK(VerifyHawk(srv.seen()[0], kTestAccessToken) == "");
}

TEST_CASE("proxy mode: no Authorization header", "[queue_http]") {
  TestServer srv([](auto&, auto& resp, const Seen& s, int) { Echo(resp, s); });
  ClientConfig cfg = Config("https://tc.example.com");
  cfg.proxy_url = srv.url();
  HttpQueue q(cfg);
  HttpHooks h(cfg);
  CHECK(JStr(q.Status("T"), "uri") == "/api/queue/v1/task/T/status");
  Json payload(rapidjson::kObjectType);
  CHECK(JStr(h.TriggerHook("g", "i", payload), "uri") == "/api/hooks/v1/hooks/g/i/trigger");
  for (const auto& s : srv.seen()) CHECK(s.authorization.empty());
}

TEST_CASE("temporary credentials: certificate and authorizedScopes in ext", "[queue_http]") {
  TestServer srv([](auto&, auto& resp, const Seen& s, int) { Echo(resp, s); });
  ClientConfig cfg = Config(srv.url());
  cfg.creds = HawkCredentials{kTestClientId, "temp-token"};
  cfg.certificate = R"({"version":1,"scopes":["*"],"start":1,"expiry":2,"seed":"s","signature":"x"})";
  cfg.authorized_scopes = {"queue:cancel-task:*"};
  HttpQueue q(cfg);
  q.CancelTask("T");
  HawkHeader h;
  REQUIRE(VerifyHawk(srv.seen()[0], "temp-token", &h) == "");
  CHECK(Base64Decode(h.ext) == "{\"certificate\":" + cfg.certificate +
                                   ",\"authorizedScopes\":[\"queue:cancel-task:*\"]}");
}

TEST_CASE("ClientConfigFromEnv", "[queue_http]") {
  EnvGuard guard;
  CHECK_THROWS_AS(ClientConfigFromEnv(), BadInput);

  setenv("TASKCLUSTER_ROOT_URL", "https://tc.example.com", 1);
  ClientConfig c = ClientConfigFromEnv();
  CHECK(c.root_url == "https://tc.example.com");
  CHECK_FALSE(c.creds);

  setenv("TASKCLUSTER_CLIENT_ID", "me", 1);
  CHECK_THROWS_AS(ClientConfigFromEnv(), BadInput);  // token missing
  setenv("TASKCLUSTER_ACCESS_TOKEN", kTestAccessToken, 1);
  c = ClientConfigFromEnv();
  REQUIRE(c.creds);
  CHECK(c.creds->id == "me");
  CHECK(c.creds->key == kTestAccessToken);

  setenv("TASKCLUSTER_CERTIFICATE", "{\"signature\": \"SIG-SECRET\", broken", 1);
  try {
    ClientConfigFromEnv();
    FAIL("expected BadInput");
  } catch (const BadInput& e) {
    std::string m = e.what();
    CHECK(m.find("SIG-SECRET") == std::string::npos);
    CHECK(m.find(kTestAccessToken) == std::string::npos);
    CHECK(m.find('\n') == std::string::npos);
  }
  setenv("TASKCLUSTER_CERTIFICATE", "{\"version\":1}", 1);
  c = ClientConfigFromEnv();
  CHECK(c.certificate == "{\"version\":1}");

  setenv("TASKCLUSTER_PROXY_URL", "http://taskcluster", 1);
  c = ClientConfigFromEnv();
  CHECK(c.proxy_url == "http://taskcluster");
  CHECK_FALSE(c.creds);
  CHECK(HttpQueue(c).Url("task/x") == "http://taskcluster/api/queue/v1/task/x");

  setenv("TASKCLUSTER_PROXY_URL", "not a url", 1);
  CHECK_THROWS_AS(ClientConfigFromEnv(), BadInput);
  unsetenv("TASKCLUSTER_PROXY_URL");
  setenv("TASKCLUSTER_ROOT_URL", "tc.example.com", 1);
  CHECK_THROWS_AS(ClientConfigFromEnv(), BadInput);
  setenv("TASKCLUSTER_ROOT_URL", "https://taskcluster.net", 1);
  CHECK(HttpQueue(ClientConfigFromEnv()).Url("task/x") == "https://queue.taskcluster.net/v1/task/x");
}

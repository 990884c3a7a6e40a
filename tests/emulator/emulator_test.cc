// The emulator over HTTP: routes, error bodies, auth (Hawk, temporary
// credentials, authorizedScopes, anonymous), paging, artifacts, faults,
// journal, proxy listener and control endpoints.
#include <Poco/InflatingStream.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <sstream>

#include "core/base64.h"
#include "emulator/emulator.h"
#include "taskcluster/hawk.h"

using namespace tc;

namespace {

const std::string A = "aaaaaaaaQaaaaaaaaaaaaA";
const std::string B = "bbbbbbbbQbabbbbbbbbbbA";
const std::string C = "ccccccccQcaccccccccccA";
const std::string G = "ggggggggQgaggggggggggA";
const std::string N = "nnnnnnnnQnannnnnnnnnnA";

struct Resp {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;
  Json json() const { return ParseJson(body, "response"); }
};

struct Creds {
  std::string id, token, certificate;
  std::vector<std::string> authorized;
};

Resp Do(int port, const std::string& method, const std::string& path, const std::string& body = "",
        const Creds* creds = nullptr, const std::string& content_type = "application/json",
        bool sign_payload = true) {
  Poco::Net::HTTPClientSession s("127.0.0.1", static_cast<Poco::UInt16>(port));
  s.setTimeout(Poco::Timespan(10, 0));
  Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  if (!body.empty() || method == "PUT" || method == "POST") {
    req.setContentType(content_type);
    req.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  if (creds) {
    HawkRequest hr;
    hr.method = method;
    hr.resource = path;
    hr.host = "127.0.0.1";
    hr.port = port;
    hr.ts = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
    hr.nonce = HawkNonce();
    hr.ext = TaskclusterExt(creds->certificate, creds->authorized);
    if (sign_payload && (method == "PUT" || method == "POST")) hr.hash = HawkPayloadHash(content_type, body);
    req.set("Authorization", HawkAuthorizationHeader({creds->id, creds->token}, hr));
  }
  std::ostream& os = s.sendRequest(req);
  os << body;
  Poco::Net::HTTPResponse res;
  std::istream& is = s.receiveResponse(res);
  Resp r;
  r.status = res.getStatus();
  std::ostringstream out;
  Poco::StreamCopier::copyStream(is, out);
  r.body = out.str();
  for (auto& [k, v] : res) r.headers[Poco::toLower(k)] = v;
  return r;
}

std::string Iso(int64_t ms) { return memq::IsoMs(ms); }
int64_t Now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string TaskDef(const std::string& extra = "") {
  return R"({"taskQueueId": "proj/linux", "schedulerId": "demo", "created": ")" + Iso(Now()) +
         R"(", "deadline": ")" + Iso(Now() + 3600 * 1000) +
         R"(", "payload": {}, "metadata": {"name": "n", "description": "d", "owner": "o@example.com", "source": "https://example.com/"})" +
         extra + "}";
}

const char* kWorld = R"({
  "clients": [
    {"clientId": "root", "accessToken": "root-token", "scopes": ["*"]},
    {"clientId": "limited", "accessToken": "limited-token",
     "scopes": ["queue:create-task:project:none", "queue:scheduler-id:demo"]},
    {"clientId": "creator", "accessToken": "creator-token",
     "scopes": ["queue:create-task:project:none", "queue:scheduler-id:demo", "queue:create-task:high:proj/linux",
                "queue:rerun-task:demo/*", "queue:cancel-task:demo/*", "auth:create-client:temp/*"]},
    {"clientId": "worker", "accessToken": "worker-token",
     "scopes": ["queue:claim-work:proj/linux", "queue:worker-id:wg/*"]}
  ],
  "pageSize": 2,
  "tasks": [
    {"taskId": "aaaaaaaaQaaaaaaaaaaaaA", "state": "completed",
     "task": {"taskQueueId": "proj/linux", "schedulerId": "demo", "taskGroupId": "ggggggggQgaggggggggggA",
              "created": "$now-1h", "deadline": "$now+1h", "payload": {},
              "metadata": {"name": "n", "description": "d", "owner": "o@example.com", "source": "https://example.com/"}},
     "artifacts": {
       "public/a.json": {"content": {"x": 1}, "gzip": true},
       "public/err": {"storageType": "error", "reason": "file-missing-on-worker", "message": "gone"},
       "public/ref": {"storageType": "reference", "url": "https://example.com/r"},
       "private/secret": {"content": "s"}
     }},
    {"taskId": "bbbbbbbbQbabbbbbbbbbbA", "state": "pending",
     "task": {"taskQueueId": "proj/linux", "schedulerId": "demo", "taskGroupId": "ggggggggQgaggggggggggA",
              "created": "$now-1h", "deadline": "$now+1h", "payload": {},
              "metadata": {"name": "n", "description": "d", "owner": "o@example.com", "source": "https://example.com/"}}},
    {"taskId": "ccccccccQcaccccccccccA", "state": "failed",
     "task": {"taskQueueId": "proj/linux", "schedulerId": "demo", "taskGroupId": "ggggggggQgaggggggggggA",
              "created": "$now-1h", "deadline": "$now+10m", "payload": {},
              "metadata": {"name": "n", "description": "d", "owner": "o@example.com", "source": "https://example.com/"}}}
  ]
})";

struct Fixture {
  Emulator emu{[] {
    EmulatorOptions o;
    o.world_json = kWorld;
    o.proxy_port = 0;
    o.proxy_client_id = "creator";
    return o;
  }()};
  int port;
  Creds root{"root", "root-token", "", {}};
  Creds limited{"limited", "limited-token", "", {}};
  Creds creator{"creator", "creator-token", "", {}};
  Creds worker{"worker", "worker-token", "", {}};
  Fixture() {
    emu.Start();
    port = emu.port();
  }
  Resp Get(const std::string& p, const Creds* c = nullptr) { return Do(port, "GET", p, "", c); }
  std::string Q(const std::string& p) { return "/api/queue/v1/" + p; }
};

std::string S(const JsonValue& v) { return v.IsString() ? v.GetString() : ToJson(v); }

// temporary credentials exactly as taskcluster-client createTemporaryCredentials makes them
Creds TempCreds(const Creds& issuer, const std::vector<std::string>& scopes, const std::string& client_id = "",
                int64_t expiry_offset_ms = 3600 * 1000, bool corrupt = false) {
  std::string seed = std::string(44, 'x');
  int64_t start = Now() - 5 * 60 * 1000, expiry = Now() + expiry_offset_ms;
  std::string content = "version:1\n";
  if (!client_id.empty()) content += "clientId:" + client_id + "\nissuer:" + issuer.id + "\n";
  content += "seed:" + seed + "\nstart:" + std::to_string(start) + "\nexpiry:" + std::to_string(expiry) + "\nscopes:";
  for (auto& s : scopes) content += "\n" + s;
  std::string sig = Base64Encode(HmacSha256(issuer.token + (corrupt ? "x" : ""), content));
  std::string cert = R"({"version":1,"scopes":[)";
  for (size_t i = 0; i < scopes.size(); i++) cert += (i ? ",\"" : "\"") + scopes[i] + "\"";
  cert += "],\"start\":" + std::to_string(start) + ",\"expiry\":" + std::to_string(expiry) + ",\"seed\":\"" + seed +
          "\",\"signature\":\"" + sig + "\"";
  if (!client_id.empty()) cert += ",\"issuer\":\"" + issuer.id + "\"";
  cert += "}";
  std::string tok = Base64Encode(HmacSha256(issuer.token, seed));
  for (auto& ch : tok) ch = ch == '+' ? '-' : ch == '/' ? '_' : ch;
  while (!tok.empty() && tok.back() == '=') tok.pop_back();
  return Creds{client_id.empty() ? issuer.id : client_id, tok, cert, {}};
}

}  // namespace

TEST_CASE_METHOD(Fixture, "ping, unknown routes and the error body shape") {
  Resp p = Get(Q("ping"));
  CHECK(p.status == 200);
  CHECK(p.json()["alive"].GetBool());
  Resp u = Get("/api/nothing/v1/x");
  CHECK(u.status == 404);
  CHECK(S(u.json()["code"]) == "ResourceNotFound");
  Resp nf = Get(Q("task/" + N + "/status"));
  CHECK(nf.status == 404);
  Json j = nf.json();
  CHECK(S(j["code"]) == "ResourceNotFound");
  std::string msg = S(j["message"]);
  CHECK(msg.find("`" + N + "` does not correspond to a task that exists.") == 0);
  CHECK(msg.find("\n\n---\n\n* method:     status\n* errorCode:  ResourceNotFound\n* statusCode: 404\n* time:") !=
        std::string::npos);
  CHECK(S(j["requestInfo"]["method"]) == "status");
  CHECK(S(j["requestInfo"]["params"]["taskId"]) == N);
  CHECK(j["requestInfo"]["payload"].IsObject());
  Resp bad = Get(Q("task/nope/status"));
  CHECK(bad.status == 400);
  CHECK(S(bad.json()["code"]) == "InvalidRequestArguments");
}

TEST_CASE_METHOD(Fixture, "anonymous reads work, anonymous writes get 403") {
  Resp t = Get(Q("task/" + A));
  CHECK(t.status == 200);
  CHECK(S(t.json()["taskQueueId"]) == "proj/linux");
  CHECK(S(t.json()["provisionerId"]) == "proj");
  Resp s = Get(Q("task/" + B + "/status"));
  CHECK(S(s.json()["status"]["state"]) == "pending");
  Resp put = Do(port, "PUT", Q("task/" + N), TaskDef());
  CHECK(put.status == 403);
  CHECK(S(put.json()["code"]) == "InsufficientScopes");
  CHECK(S(put.json()["message"]).find("This request requires Taskcluster credentials that satisfy the following "
                                      "scope expression:") == 0);
  Resp rerun = Do(port, "POST", Q("task/" + C + "/rerun"));
  CHECK(rerun.status == 403);
}

TEST_CASE_METHOD(Fixture, "createTask: scopes, schema, idempotency") {
  Resp r = Do(port, "PUT", Q("task/" + N), TaskDef(), &limited);
  CHECK(r.status == 403);
  std::string m = S(r.json()["message"]);
  CHECK(m.find("Client ID limited does not have sufficient scopes and is missing the following scopes:") == 0);
  CHECK(m.find("queue:create-task:lowest:proj/linux") != std::string::npos);
  CHECK(m.find("\"AnyOf\"") != std::string::npos);
  // priority high is satisfied by queue:create-task:high (or higher)
  std::string def = TaskDef(R"(, "priority": "high")");
  Resp ok = Do(port, "PUT", Q("task/" + N), def, &creator);
  REQUIRE(ok.status == 200);
  CHECK(S(ok.json()["status"]["state"]) == "pending");
  CHECK(Do(port, "PUT", Q("task/" + N), def, &creator).status == 200);
  Resp conflict = Do(port, "PUT", Q("task/" + N), TaskDef(R"(, "priority": "high", "retries": 1)"), &creator);
  CHECK(conflict.status == 409);
  CHECK(S(conflict.json()["code"]) == "RequestConflict");
  // a priority above the client's scopes
  Resp high = Do(port, "PUT", Q("task/" + G), TaskDef(R"(, "priority": "highest")"), &creator);
  CHECK(high.status == 403);
  // schema errors come before scope checks
  Resp schema = Do(port, "PUT", Q("task/" + G), R"({"payload": {}})", &limited);
  CHECK(schema.status == 400);
  CHECK(S(schema.json()["code"]) == "InputValidationError");
  CHECK(S(schema.json()["message"]).find("data must have required property 'created'") != std::string::npos);
  // malformed JSON
  Resp mal = Do(port, "PUT", Q("task/" + G), "{not json", &root);
  CHECK(mal.status == 400);
  CHECK(S(mal.json()["code"]) == "MalformedPayload");
  // wrong content type
  Resp ct = Do(port, "PUT", Q("task/" + G), TaskDef(), &root, "text/plain");
  CHECK(ct.status == 400);
  CHECK(S(ct.json()["code"]) == "MalformedPayload");
  // created too far in the past
  std::string old = R"({"taskQueueId": "proj/linux", "created": ")" + Iso(Now() - 3600 * 1000) + R"(", "deadline": ")" +
                    Iso(Now() + 3600 * 1000) +
                    R"(", "payload": {}, "metadata": {"name": "n", "description": "d", "owner": "o", "source": "https://x/"}})";
  Resp past = Do(port, "PUT", Q("task/" + G), old, &root);
  CHECK(past.status == 400);
  CHECK(S(past.json()["code"]) == "InputError");
}

// requestInfo.payload is the body as api.js left it when the error was found:
// ajv's defaults in the order of the service's YAML schema, then (after the
// scope check) taskQueueId split, taskGroupId and expires filled in. The key
// lists are the genuine queue's answers (v106) to the same bodies.
TEST_CASE_METHOD(Fixture, "createTask: error bodies echo the body as the real queue completes it") {
  auto keys = [](const Resp& r) {
    std::string out;
    const Json body = r.json();  // outlives the loop (a temporary's members would dangle)
    for (auto& m : body["requestInfo"]["payload"].GetObject()) out += std::string(out.empty() ? "" : ",") + m.name.GetString();
    return out;
  };
  Resp schema = Do(port, "PUT", Q("task/" + N), TaskDef(R"(, "priority": "urgent")"), &root);
  CHECK(schema.status == 400);
  CHECK(keys(schema) ==
        "taskQueueId,schedulerId,created,deadline,payload,metadata,priority,projectId,dependencies,requires,routes,"
        "retries,scopes,tags,extra");
  Resp stars = Do(port, "PUT", Q("task/" + N), TaskDef(R"(, "scopes": ["queue:**"])"), &root);
  CHECK(stars.status == 400);
  CHECK(S(stars.json()["message"]).rfind("scopes must not end with `**`", 0) == 0);
  CHECK(keys(stars) ==
        "taskQueueId,schedulerId,created,deadline,payload,metadata,scopes,projectId,dependencies,requires,routes,"
        "priority,retries,tags,extra,provisionerId,workerType,taskGroupId,expires");
}

TEST_CASE_METHOD(Fixture, "Hawk failures") {
  Creds wrong{"root", "not-the-token", "", {}};
  Resp r = Get(Q("task/" + A), &wrong);
  CHECK(r.status == 401);
  CHECK(S(r.json()["code"]) == "AuthenticationFailed");
  CHECK(S(r.json()["message"]).find("Unauthorized: Bad mac") == 0);
  CHECK(r.headers["www-authenticate"] == "hawk");
  Creds nobody{"nobody", "x", "", {}};
  Resp n = Get(Q("task/" + A), &nobody);
  CHECK(n.status == 401);
  CHECK(S(n.json()["message"]).find("Client with clientId 'nobody' not found") == 0);
  // payload hash mismatch: sign one body, send another
  {
    Poco::Net::HTTPClientSession s("127.0.0.1", static_cast<Poco::UInt16>(port));
    std::string path = Q("task/" + N), body = TaskDef();
    HawkRequest hr;
    hr.method = "PUT";
    hr.resource = path;
    hr.host = "127.0.0.1";
    hr.port = port;
    hr.ts = Now() / 1000;
    hr.nonce = "abc";
    hr.hash = HawkPayloadHash("application/json", "{}");
    Poco::Net::HTTPRequest req("PUT", path, Poco::Net::HTTPMessage::HTTP_1_1);
    req.setContentType("application/json");
    req.setContentLength(static_cast<std::streamsize>(body.size()));
    req.set("Authorization", HawkAuthorizationHeader({"root", "root-token"}, hr));
    s.sendRequest(req) << body;
    Poco::Net::HTTPResponse res;
    std::ostringstream out;
    Poco::StreamCopier::copyStream(s.receiveResponse(res), out);
    CHECK(res.getStatus() == 401);
    CHECK(out.str().find("Invalid payload hash") != std::string::npos);
  }
  // stale timestamp
  {
    Poco::Net::HTTPClientSession s("127.0.0.1", static_cast<Poco::UInt16>(port));
    std::string path = Q("task/" + A);
    HawkRequest hr;
    hr.method = "GET";
    hr.resource = path;
    hr.host = "127.0.0.1";
    hr.port = port;
    hr.ts = Now() / 1000 - 16 * 60;
    hr.nonce = "abc";
    Poco::Net::HTTPRequest req("GET", path, Poco::Net::HTTPMessage::HTTP_1_1);
    req.set("Authorization", HawkAuthorizationHeader({"root", "root-token"}, hr));
    s.sendRequest(req);
    Poco::Net::HTTPResponse res;
    std::ostringstream out;
    Poco::StreamCopier::copyStream(s.receiveResponse(res), out);
    CHECK(res.getStatus() == 401);
    CHECK(out.str().find("Stale timestamp") != std::string::npos);
  }
}

TEST_CASE_METHOD(Fixture, "temporary credentials and authorizedScopes") {
  Creds temp = TempCreds(creator, {"queue:create-task:project:none", "queue:scheduler-id:demo",
                                   "queue:create-task:high:proj/linux"});
  Resp ok = Do(port, "PUT", Q("task/" + N), TaskDef(), &temp);
  CHECK(ok.status == 200);
  // named temporary credentials (issuer)
  Creds named = TempCreds(creator, {"queue:rerun-task:demo/*"}, "temp/x");
  CHECK(Do(port, "POST", Q("task/" + C + "/rerun"), "", &named).status == 200);
  // issuer lacking auth:create-client
  Creds bad_name = TempCreds(creator, {"queue:rerun-task:demo/*"}, "other/x");
  Resp bn = Do(port, "POST", Q("task/" + C + "/rerun"), "", &bad_name);
  CHECK(bn.status == 401);
  CHECK(S(bn.json()["message"]).find("doesn't have `auth:create-client:other/x`") != std::string::npos);
  // bad signature
  Creds forged = TempCreds(creator, {"queue:rerun-task:demo/*"}, "", 3600 * 1000, true);
  Resp f = Do(port, "POST", Q("task/" + C + "/rerun"), "", &forged);
  CHECK(f.status == 401);
  CHECK(S(f.json()["message"]).find("ext.certificate.signature is not valid") == 0);
  // expired
  Creds expired = TempCreds(creator, {"queue:rerun-task:demo/*"}, "", -10 * 60 * 1000);
  Resp e = Do(port, "POST", Q("task/" + C + "/rerun"), "", &expired);
  CHECK(e.status == 401);
  CHECK(S(e.json()["message"]).find("ext.certificate.expiry < now") == 0);
  // scopes beyond the issuer's
  Creds greedy = TempCreds(creator, {"queue:*"});
  CHECK(Do(port, "GET", Q("task/" + A), "", &greedy).status == 401);
  // authorizedScopes restrict
  Creds restricted = root;
  restricted.authorized = {"queue:get-task:*"};
  Resp rr = Do(port, "POST", Q("task/" + C + "/cancel"), "", &restricted);
  CHECK(rr.status == 403);
  CHECK(Do(port, "GET", Q("task/" + A), "", &restricted).status == 200);
  Creds over = limited;
  over.authorized = {"queue:*"};
  CHECK(Do(port, "GET", Q("task/" + A), "", &over).status == 401);
}

TEST_CASE_METHOD(Fixture, "rerun and cancel over HTTP") {
  Resp r = Do(port, "POST", Q("task/" + C + "/rerun"), "", &creator);
  REQUIRE(r.status == 200);
  CHECK(r.json()["status"]["runs"].Size() == 2);
  CHECK(S(r.json()["status"]["runs"][1]["reasonCreated"]) == "rerun");
  Resp c = Do(port, "POST", Q("task/" + C + "/cancel"), "", &creator);
  CHECK(S(c.json()["status"]["runs"][1]["reasonResolved"]) == "canceled");
  Resp nf = Do(port, "POST", Q("task/" + N + "/rerun"), "", &creator);
  CHECK(nf.status == 404);
  CHECK(S(nf.json()["requestInfo"]["method"]) == "rerunTask");
  // past the deadline (10 minutes): 409
  Do(port, "POST", "/__emulator/clock", R"({"advanceSeconds": 660})");
  Resp late = Do(port, "POST", Q("task/" + C + "/rerun"), "", &creator);
  CHECK(late.status == 409);
  CHECK(S(late.json()["code"]) == "RequestConflict");
}

TEST_CASE_METHOD(Fixture, "listTaskGroup paging over HTTP") {
  std::vector<std::string> ids;
  std::string tok;
  int pages = 0;
  while (true) {
    Resp r = Get(Q("task-group/" + G + "/list" + (tok.empty() ? "" : "?continuationToken=" + tok)));
    REQUIRE(r.status == 200);
    Json j = r.json();
    CHECK(S(j["schedulerId"]) == "demo");
    for (auto& t : j["tasks"].GetArray()) ids.push_back(S(t["status"]["taskId"]));
    pages++;
    if (!j.HasMember("continuationToken")) break;
    tok = S(j["continuationToken"]);
  }
  CHECK(pages == 2);
  CHECK(ids == std::vector<std::string>{A, B, C});
  CHECK(Get(Q("task-group/" + G + "/list?limit=3")).json()["tasks"].Size() == 3);
  Resp bad = Get(Q("task-group/" + G + "/list?limit=x"));
  CHECK(bad.status == 400);
  CHECK(S(bad.json()["code"]) == "InvalidRequestArguments");
  Resp unk = Get(Q("task-group/" + G + "/list?foo=1"));
  CHECK(unk.status == 400);
  Resp nf = Get(Q("task-group/" + N + "/list"));
  CHECK(nf.status == 404);
  Resp deps = Get(Q("task/" + A + "/dependents"));
  CHECK(deps.status == 200);
  CHECK(deps.json()["tasks"].Size() == 0);
}

TEST_CASE_METHOD(Fixture, "artifacts: s3 redirect with gzip, error 424, reference, scopes") {
  Resp r = Get(Q("task/" + A + "/artifacts/public/a.json"));
  REQUIRE(r.status == 303);
  CHECK(r.headers["x-taskcluster-artifact-storage-type"] == "s3");
  std::string loc = r.headers["location"];
  REQUIRE(loc.rfind(emu.root_url() + "/__s3/", 0) == 0);
  Resp s3 = Get(loc.substr(emu.root_url().size()));
  CHECK(s3.status == 200);
  CHECK(s3.headers["content-encoding"] == "gzip");
  std::istringstream in(s3.body);
  Poco::InflatingInputStream z(in, Poco::InflatingStreamBuf::STREAM_GZIP);
  std::ostringstream plain;
  Poco::StreamCopier::copyStream(z, plain);
  CHECK(plain.str() == "{\"x\":1}");
  Resp err = Get(Q("task/" + A + "/artifacts/public/err"));
  CHECK(err.status == 424);
  CHECK(S(err.json()["reason"]) == "file-missing-on-worker");
  Resp ref = Get(Q("task/" + A + "/artifacts/public/ref"));
  CHECK(ref.status == 303);
  CHECK(ref.headers["location"] == "https://example.com/r");
  Resp miss = Get(Q("task/" + A + "/artifacts/public/none"));
  CHECK(miss.status == 404);
  CHECK(S(miss.json()["message"]).find("Artifact not found") == 0);
  // private artifacts need a scope, checked before the task lookup
  CHECK(Get(Q("task/" + A + "/artifacts/private/secret")).status == 403);
  CHECK(Get(Q("task/" + N + "/artifacts/private/secret")).status == 403);
  CHECK(Get(Q("task/" + A + "/artifacts/private/secret"), &root).status == 303);
  CHECK(Get(Q("task/" + A + "/runs/0/artifacts/public/a.json")).status == 303);
  // B has a pending run but no artifacts; N does not exist
  CHECK(Get(Q("task/" + N + "/artifacts/public/x")).status == 404);
}

TEST_CASE_METHOD(Fixture, "worker API: claimWork credentials resolve the task") {
  Resp c = Do(port, "POST", Q("claim-work/proj/linux"), R"({"workerGroup": "wg", "workerId": "w1", "tasks": 4})",
              &worker);
  REQUIRE(c.status == 200);
  Json j = c.json();
  REQUIRE(j["tasks"].Size() == 1);
  const JsonValue& claim = j["tasks"][0];
  CHECK(S(claim["status"]["taskId"]) == B);
  Creds task{S(claim["credentials"]["clientId"]), S(claim["credentials"]["accessToken"]),
             S(claim["credentials"]["certificate"]), {}};
  CHECK(task.id.rfind("task-client/" + B + "/0/on/wg/w1/until/", 0) == 0);
  // the worker's own credentials lack queue:resolve-task
  CHECK(Do(port, "POST", Q("task/" + B + "/runs/0/completed"), "", &worker).status == 403);
  Resp done = Do(port, "POST", Q("task/" + B + "/runs/0/completed"), "", &task);
  CHECK(done.status == 200);
  CHECK(S(done.json()["status"]["state"]) == "completed");
  Resp wrongworker = Do(port, "POST", Q("claim-work/proj/linux"), R"({"workerGroup": "other", "workerId": "w1", "tasks": 1})",
                        &worker);
  CHECK(wrongworker.status == 403);
  Resp badbody = Do(port, "POST", Q("claim-work/proj/linux"), R"({"workerGroup": "wg"})", &worker);
  CHECK(badbody.status == 400);
  CHECK(S(badbody.json()["code"]) == "InputValidationError");
  // the schema's default: one task (as the real queue answers)
  Resp one = Do(port, "POST", Q("claim-work/proj/linux"), R"({"workerGroup": "wg", "workerId": "w1"})", &worker);
  CHECK(one.status == 200);
  // reportException's reasons are the schema's (no "superseded" in v106)
  Resp superseded = Do(port, "POST", Q("task/" + B + "/runs/0/exception"), R"({"reason": "superseded"})", &task);
  CHECK(superseded.status == 400);
  CHECK(S(superseded.json()["message"]).find("data/reason must be equal to one of the allowed values") !=
        std::string::npos);
}

TEST_CASE_METHOD(Fixture, "faults: 500, reset, reset-after-commit, latency, skip") {
  Do(port, "POST", "/__emulator/faults", R"([{"method": "PUT", "path": "/task/", "kind": "500"}])");
  Resp f = Do(port, "PUT", Q("task/" + N), TaskDef(), &root);
  CHECK(f.status == 500);
  CHECK(S(f.json()["code"]) == "InternalServerError");
  CHECK_FALSE(emu.queue().HasTask(N));
  CHECK(Do(port, "PUT", Q("task/" + N), TaskDef(), &root).status == 200);  // times: 1

  Do(port, "POST", "/__emulator/faults", R"([{"method": "*", "path": "/rerun$", "kind": "reset"}])");
  CHECK_THROWS(Do(port, "POST", Q("task/" + C + "/rerun"), "", &root));
  CHECK(emu.queue().Status(C)["status"]["runs"].Size() == 1);

  Do(port, "POST", "/__emulator/faults", R"([{"method": "POST", "path": "/rerun$", "kind": "reset-after-commit"}])");
  CHECK_THROWS(Do(port, "POST", Q("task/" + C + "/rerun"), "", &root));
  CHECK(emu.queue().Status(C)["status"]["runs"].Size() == 2);

  Do(port, "POST", "/__emulator/faults",
     R"([{"path": "/status$", "kind": "latency", "latencyMs": 300, "skip": 1, "times": 1}])");
  auto t0 = std::chrono::steady_clock::now();
  Get(Q("task/" + A + "/status"));
  auto t1 = std::chrono::steady_clock::now();
  Get(Q("task/" + A + "/status"));
  auto t2 = std::chrono::steady_clock::now();
  CHECK(t1 - t0 < std::chrono::milliseconds(250));
  CHECK(t2 - t1 >= std::chrono::milliseconds(300));

  Json journal = Get("/__emulator/journal").json();
  int resets = 0, commits = 0;
  for (auto& e : journal.GetArray()) {
    if (e["fault"].IsString() && S(e["fault"]) == "reset") {
      resets++;
      CHECK_FALSE(e["committed"].GetBool());
      CHECK(e["status"] == 0);
    }
    if (e["fault"].IsString() && S(e["fault"]) == "reset-after-commit") {
      commits++;
      CHECK(e["committed"].GetBool());
      CHECK(S(e["clientId"]) == "root");
    }
  }
  CHECK(resets == 1);
  CHECK(commits == 1);
  CHECK(Do(port, "DELETE", "/__emulator/faults").status == 200);
  CHECK(Get("/__emulator/faults").json().Size() == 0);
}

TEST_CASE_METHOD(Fixture, "journal records API requests") {
  CHECK(Do(port, "DELETE", "/__emulator/journal").status == 200);
  Get(Q("task/" + A));
  Do(port, "PUT", Q("task/" + N), TaskDef(), &root);
  Do(port, "POST", Q("task/" + N + "/cancel"));  // anonymous: 403
  Json j = Get("/__emulator/journal").json();
  REQUIRE(j.Size() == 3);
  CHECK(S(j[0]["method"]) == "GET");
  CHECK_FALSE(j[0]["mutating"].GetBool());
  CHECK(j[0]["clientId"].IsNull());
  CHECK(j[1]["status"] == 200);
  CHECK(j[1]["mutating"].GetBool());
  CHECK(j[1]["committed"].GetBool());
  CHECK(S(j[1]["clientId"]) == "root");
  CHECK(j[2]["status"] == 403);
  CHECK_FALSE(j[2]["committed"].GetBool());
  CHECK(j[2]["fault"].IsNull());
  CHECK(emu.Journal().size() == 3);
}

TEST_CASE_METHOD(Fixture, "proxy listener acts as its client without Authorization") {
  Resp r = Do(emu.proxy_port(), "POST", Q("task/" + C + "/rerun"));
  CHECK(r.status == 200);
  Resp no = Do(emu.proxy_port(), "POST", Q("task/" + C + "/cancel"));
  CHECK(no.status == 200);
  Json j = Get("/__emulator/journal").json();
  CHECK(S(j[j.Size() - 1]["clientId"]) == "creator");
}

TEST_CASE_METHOD(Fixture, "control endpoints: tasks, resolve, clock, artifacts") {
  Json all = Get("/__emulator/tasks").json();
  CHECK(all.Size() == 3);
  Resp res = Do(port, "POST", "/__emulator/resolve", R"({"taskId": ")" + B + R"(", "state": "failed"})");
  CHECK(res.status == 200);
  CHECK(S(emu.queue().Status(B)["status"]["state"]) == "failed");
  Resp art = Do(port, "POST", "/__emulator/artifacts",
                R"({"taskId": ")" + B + R"(", "name": "public/x.txt", "content": "hi", "contentType": "text/plain"})");
  CHECK(art.status == 200);
  CHECK(emu.queue().GetLatestArtifact(B, "public/x.txt") == "hi");
  // contentFile: a local file's bytes, as they are (the benchmark's 100 MB graph artifacts)
  const std::string file = std::string(TC_SOURCE_DIR) + "/tests/data/worlds/basic.json";
  Resp from_file = Do(port, "POST", "/__emulator/artifacts",
                      R"({"taskId": ")" + B + R"(", "name": "public/f.json", "contentFile": ")" + file + R"("})");
  CHECK(from_file.status == 200);
  CHECK(emu.queue().GetLatestArtifact(B, "public/f.json") == ReadInputFile(file, "basic.json"));
  Resp missing = Do(port, "POST", "/__emulator/artifacts",
                    R"({"taskId": ")" + B + R"(", "name": "public/g.json", "contentFile": "/nonexistent/x"})");
  CHECK(missing.status == 400);
  Resp clock = Do(port, "POST", "/__emulator/clock", R"({"advanceSeconds": 7200})");
  CHECK(clock.status == 200);
  // B was resolved before the deadline; the pending-free world stays; a new
  // pending task past deadline + 60 s is resolved deadline-exceeded
  Resp seed = Do(port, "POST", "/__emulator/tasks", R"([{"taskId": ")" + N + R"(", "state": "pending",
     "task": {"taskQueueId": "proj/linux", "created": "$now-1h", "deadline": "$now-2m", "payload": {},
              "metadata": {"name": "n", "description": "d", "owner": "o", "source": "https://x/"}}}])");
  CHECK(seed.status == 200);
  Json st = Get(Q("task/" + N + "/status")).json();
  CHECK(S(st["status"]["state"]) == "exception");
  CHECK(S(st["status"]["runs"][0]["reasonResolved"]) == "deadline-exceeded");
  Resp bad = Do(port, "POST", "/__emulator/faults", R"([{"kind": "explode"}])");
  CHECK(bad.status == 400);
}

TEST_CASE("world file: the example world loads and $now is expanded") {
  EmulatorOptions o;
  o.world_path = std::string(TC_SOURCE_DIR) + "/tests/data/worlds/basic.json";
  Emulator emu(o);
  emu.Start();
  Json s = emu.queue().Status("bbbbbbbbQbabbbbbbbbbbA");
  CHECK(s["status"]["runs"].Size() == 2);
  CHECK(emu.queue().PageSize() == 2);
  CHECK(emu.ClientIds().size() == 3);
  Resp r = Do(emu.port(), "GET", "/api/queue/v1/task/aaaaaaaaQaaaaaaaaaaaaA/artifacts/public/log.txt");
  CHECK(r.status == 303);
  emu.Stop();
}

TEST_CASE("ExpandNowStrings") {
  Json d = ParseJson(R"({"a": "$now", "b": ["$now+90s", "$now-3h", "$now+2d", "$now+30m", "$nowish"]})", "t");
  ExpandNowStrings(d, 0, d.GetAllocator());
  CHECK(S(d["a"]) == "1970-01-01T00:00:00.000Z");
  CHECK(S(d["b"][0]) == "1970-01-01T00:01:30.000Z");
  CHECK(S(d["b"][1]) == "1969-12-31T21:00:00.000Z");
  CHECK(S(d["b"][2]) == "1970-01-03T00:00:00.000Z");
  CHECK(S(d["b"][3]) == "1970-01-01T00:30:00.000Z");
  CHECK(S(d["b"][4]) == "$nowish");
}

TEST_CASE("emulator refuses non-loopback hosts") {
  EmulatorOptions o;
  o.host = "0.0.0.0";
  CHECK_THROWS_AS(Emulator(o), BadInput);
}

// ---------------------------------------------------------------- index and auth scopes
namespace {

const char* kServicesWorld = R"({
  "clients": [
    {"clientId": "root", "accessToken": "root-token", "scopes": ["*"]},
    {"clientId": "indexer", "accessToken": "indexer-token", "scopes": ["index:insert-task:proj.*"]},
    {"clientId": "p-client", "accessToken": "p-token", "scopes": ["assume:p-afoo", "other:scope"]}
  ],
  "roles": [
    {"roleId": "p-a*", "scopes": ["secrets:get:p/<..>", "assume:p-b:<..>", "queue:route:x.<..>.y"]},
    {"roleId": "p-b:*", "scopes": ["hooks:trigger-hook:p/<..>"]},
    {"roleId": "p-exact", "scopes": ["scope:exact", "literal:<..>"]},
    {"roleId": "p-nest", "scopes": ["assume:p-exact"]}
  ],
  "anonymousScopes": ["auth:current-scopes", "auth:expand-scopes", "index:find-task:*", "index:list-tasks:*",
                      "index:list-namespaces:*"],
  "pageSize": 2,
  "tasks": [
    {"taskId": "aaaaaaaaQaaaaaaaaaaaaA", "state": "running",
     "task": {"taskQueueId": "proj/linux", "created": "$now-1h", "deadline": "$now+1h", "expires": "$now+2d",
              "routes": ["index.proj.latest", "index.proj.rev.abc", "index.not..valid", "tc-treeherder.v2.x"],
              "extra": {"index": {"rank": 3, "data": {"zz": 1, "a": 2}}},
              "payload": {}, "metadata": {"name": "n", "description": "d", "owner": "o", "source": "https://x/"}}},
    {"taskId": "bbbbbbbbQbabbbbbbbbbbA", "state": "running",
     "task": {"taskQueueId": "proj/linux", "created": "$now-1h", "deadline": "$now+1h",
              "routes": ["index.proj.latest"], "extra": {"index": {"rank": 1}},
              "payload": {}, "metadata": {"name": "n", "description": "d", "owner": "o", "source": "https://x/"}}},
    {"taskId": "ccccccccQcaccccccccccA", "state": "completed",
     "task": {"taskQueueId": "proj/linux", "created": "$now-1h", "deadline": "$now+1h",
              "routes": ["index.proj.old"], "extra": {"index": {"rank": "high"}},
              "payload": {}, "metadata": {"name": "n", "description": "d", "owner": "o", "source": "https://x/"}}}
  ],
  "index": [
    {"namespace": "proj.branches.a", "taskId": "ccccccccQcaccccccccccA", "expires": "$now+1h"},
    {"namespace": "proj.branches.b", "taskId": "ccccccccQcaccccccccccA", "expires": "$now+3h"},
    {"namespace": "proj.branches.c", "taskId": "ccccccccQcaccccccccccA", "expires": "$now+3h", "rank": 7,
     "data": {"k": "v"}}
  ]
})";

struct Services {
  Emulator emu{[] {
    EmulatorOptions o;
    o.world_json = kServicesWorld;
    return o;
  }()};
  int port;
  Creds root{"root", "root-token", "", {}};
  Creds indexer{"indexer", "indexer-token", "", {}};
  Creds client{"p-client", "p-token", "", {}};
  Services() {
    emu.Start();
    port = emu.port();
  }
  Resp Index(const std::string& method, const std::string& p, const std::string& body = "", const Creds* c = nullptr) {
    return Do(port, method, "/api/index/v1/" + p, body, c);
  }
  Resp Auth(const std::string& method, const std::string& p, const std::string& body = "", const Creds* c = nullptr) {
    return Do(port, method, "/api/auth/v1/" + p, body, c);
  }
  std::vector<std::string> Scopes(const Resp& r) { return StringsOf(&r.json()["scopes"]); }
  std::vector<std::string> Expand(const std::vector<std::string>& scopes) {
    std::string body = R"({"scopes": [)";
    for (size_t i = 0; i < scopes.size(); ++i) body += (i ? ",\"" : "\"") + scopes[i] + "\"";
    Resp r = Auth("POST", "scopes/expand", body + "]}", &root);
    REQUIRE(r.status == 200);
    return Scopes(r);
  }
};

using V = std::vector<std::string>;

}  // namespace

TEST_CASE_METHOD(Services, "index: a task's index routes are indexed when it completes, by rank") {
  Resp before = Index("GET", "task/proj.latest");
  CHECK(before.status == 404);
  CHECK(S(before.json()["code"]) == "ResourceNotFound");
  CHECK(S(before.json()["message"]).rfind("Indexed task not found\n", 0) == 0);
  // a task seeded completed was indexed as it completed; rank "high" is no number: not indexed
  CHECK(Index("GET", "task/proj.old").status == 404);
  REQUIRE(Do(port, "POST", "/__emulator/resolve", R"({"taskId": ")" + A + R"(", "state": "completed"})").status == 200);
  Resp found = Index("GET", "task/proj.latest");  // anonymous: index:find-task:*
  REQUIRE(found.status == 200);
  Json f = found.json();
  CHECK(S(f["namespace"]) == "proj.latest");
  CHECK(S(f["taskId"]) == A);
  CHECK(f["rank"].GetInt() == 3);
  CHECK(ToJson(f["data"]) == R"({"a":2,"zz":1})");  // jsonb key order
  CHECK(S(f["expires"]) == S(emu.queue().Task(A)["expires"]));
  CHECK(S(Index("GET", "task/proj.rev.abc").json()["taskId"]) == A);
  // a lower rank does not replace the entry
  REQUIRE(Do(port, "POST", "/__emulator/resolve", R"({"taskId": ")" + B + R"(", "state": "completed"})").status == 200);
  CHECK(S(Index("GET", "task/proj.latest").json()["taskId"]) == A);
  // a route that is no valid namespace is skipped: the root holds proj only
  Json root_ns = Index("GET", "namespaces").json();
  REQUIRE(root_ns["namespaces"].Size() == 1);
  CHECK(S(root_ns["namespaces"][0]["namespace"]) == "proj");
  CHECK(Index("GET", "task/not..valid").status == 400);  // namespaceFormat
  // namespaces below proj
  Json ns = Index("GET", "namespaces/proj").json();
  REQUIRE(ns["namespaces"].Size() == 2);
  CHECK(S(ns["namespaces"][0]["namespace"]) == "proj.branches");
  CHECK(S(ns["namespaces"][1]["name"]) == "rev");
}

TEST_CASE_METHOD(Services, "index: listTasks pages by limit and continuationToken; expired entries disappear") {
  Json page1 = Index("GET", "tasks/proj.branches").json();  // world pageSize 2
  REQUIRE(page1["tasks"].Size() == 2);
  CHECK(S(page1["tasks"][0]["namespace"]) == "proj.branches.a");
  CHECK(S(page1["tasks"][1]["namespace"]) == "proj.branches.b");
  REQUIRE(page1.HasMember("continuationToken"));
  Json page2 = Index("GET", "tasks/proj.branches?continuationToken=" + S(page1["continuationToken"])).json();
  REQUIRE(page2["tasks"].Size() == 1);
  CHECK(S(page2["tasks"][0]["namespace"]) == "proj.branches.c");
  CHECK(page2["tasks"][0]["rank"].GetInt() == 7);
  CHECK(S(page2["tasks"][0]["data"]["k"]) == "v");
  CHECK_FALSE(page2.HasMember("continuationToken"));
  CHECK(Index("GET", "tasks/proj.branches?limit=1").json()["tasks"].Size() == 1);
  CHECK(Index("GET", "tasks/proj.branches?limit=x").status == 400);
  CHECK(Index("GET", "tasks/proj.branches?continuationToken=a!b").status == 400);
  // after 2 hours proj.branches.a has expired: not found, not listed
  emu.queue().AdvanceClock(std::chrono::hours(2));
  CHECK(Index("GET", "task/proj.branches.a").status == 404);
  Json after = Index("GET", "tasks/proj.branches").json();
  REQUIRE(after["tasks"].Size() == 2);
  CHECK(S(after["tasks"][0]["namespace"]) == "proj.branches.b");
  CHECK_FALSE(after.HasMember("continuationToken"));
}

TEST_CASE_METHOD(Services, "index: insertTask needs index:insert-task:<namespace> and a valid body") {
  std::string body = R"({"taskId": ")" + B + R"(", "rank": 0, "data": {}, "expires": ")" + Iso(Now() + 3600000) + "\"}";
  Resp anon = Index("PUT", "task/proj.manual", body);
  CHECK(anon.status == 403);
  CHECK(S(anon.json()["message"]).find("index:insert-task:proj.manual") != std::string::npos);
  CHECK(Index("PUT", "task/other.manual", body, &indexer).status == 403);
  Resp ok = Index("PUT", "task/proj.manual", body, &indexer);
  REQUIRE(ok.status == 200);
  CHECK(S(ok.json()["namespace"]) == "proj.manual");
  CHECK(S(Index("GET", "task/proj.manual").json()["taskId"]) == B);
  Resp bad = Index("PUT", "task/proj.manual", R"({"taskId": "nope", "rank": 0, "data": {}})", &indexer);
  CHECK(bad.status == 400);
  CHECK(S(bad.json()["code"]) == "InputValidationError");
  CHECK(S(bad.json()["message"]).find("Rejecting Schema: " + emu.root_url() +
                                      "/schemas/index/v1/insert-task-request.json#\nErrors:\n"
                                      "  * data must have required property 'expires'\n"
                                      "  * data/taskId must match pattern") != std::string::npos);
  CHECK(Index("PUT", "task/proj..x", body, &indexer).status == 400);  // namespaceFormat
  // the journal names the service; faults match index paths too
  auto journal = emu.Journal();
  CHECK(journal.back().service == "index");
  CHECK(journal.back().path == "/api/index/v1/task/proj..x");
  emu.AddFaults({EmulatorFault{"GET", "^/api/index/", "500", 0, 1, 0}});
  CHECK(Index("GET", "task/proj.manual").status == 500);
  CHECK(Index("GET", "task/proj.manual").status == 200);
}

// Expected lists: what the genuine auth service (v106) answered for the same
// roles, clients and credentials (probed with taskcluster-client).
TEST_CASE_METHOD(Services, "auth: expandScopes follows the real role rules") {
  CHECK(Expand({"assume:p-afoo"}) ==
        V{"assume:p-afoo", "assume:p-b:foo", "hooks:trigger-hook:p/foo", "queue:route:x.foo.y", "secrets:get:p/foo"});
  CHECK(Expand({"assume:p-a*"}) ==
        V{"assume:p-a*", "assume:p-b:*", "hooks:trigger-hook:p/*", "queue:route:x.*", "secrets:get:p/*"});
  CHECK(Expand({"assume:p-*"}) == V{"assume:p-*", "hooks:trigger-hook:p/*", "literal:<..>", "queue:route:x.*",
                                    "scope:exact", "secrets:get:p/*"});
  CHECK(Expand({"assume:p-nest"}) == V{"assume:p-exact", "assume:p-nest", "literal:<..>", "scope:exact"});
  CHECK(Expand({"assume:p-ex*"}) == V{"assume:p-ex*", "literal:<..>", "scope:exact"});
  CHECK(Expand({"assume:p-afoo*"}) ==
        V{"assume:p-afoo*", "assume:p-b:foo*", "hooks:trigger-hook:p/foo*", "queue:route:x.foo*", "secrets:get:p/foo*"});
  CHECK(Expand({"assume:p-b:"}) == V{"assume:p-b:", "hooks:trigger-hook:p/"});
  CHECK(Expand({"assume:p-afoo", "secrets:get:p/*"}) ==
        V{"assume:p-afoo", "assume:p-b:foo", "hooks:trigger-hook:p/foo", "queue:route:x.foo.y", "secrets:get:p/*"});
  Resp dup = Auth("POST", "scopes/expand", R"({"scopes": ["a", "a"]})", &root);
  CHECK(dup.status == 400);
  CHECK(S(dup.json()["message"]).find("data/scopes must NOT have duplicate items (items ## 1 and 0 are identical)") !=
        std::string::npos);
}

TEST_CASE_METHOD(Services, "auth: currentScopes after roles, temporary credentials and authorizedScopes") {
  const V anon = {"assume:anonymous", "auth:current-scopes", "auth:expand-scopes", "index:find-task:*",
                  "index:list-namespaces:*", "index:list-tasks:*"};
  CHECK(Scopes(Auth("GET", "scopes/current")) == anon);
  V mine = {"assume:anonymous", "assume:p-afoo", "assume:p-b:foo", "auth:current-scopes", "auth:expand-scopes",
            "hooks:trigger-hook:p/foo", "index:find-task:*", "index:list-namespaces:*", "index:list-tasks:*",
            "other:scope", "queue:route:x.foo.y", "secrets:get:p/foo"};
  CHECK(Scopes(Auth("GET", "scopes/current", "", &client)) == mine);
  Creds restricted = client;
  restricted.authorized = {"secrets:get:p/foo", "assume:p-b:foo"};
  CHECK(Scopes(Auth("GET", "scopes/current", "", &restricted)) ==
        V{"assume:anonymous", "assume:p-b:foo", "auth:current-scopes", "auth:expand-scopes", "hooks:trigger-hook:p/foo",
          "index:find-task:*", "index:list-namespaces:*", "index:list-tasks:*", "secrets:get:p/foo"});
  restricted.authorized = {"secrets:get:p/bar"};
  Resp denied = Auth("GET", "scopes/current", "", &restricted);
  CHECK(denied.status == 401);
  CHECK(S(denied.json()["message"]).rfind("Supplied credentials do not satisfy authorizedScopes", 0) == 0);
  Creds temp = TempCreds(client, {"assume:p-b:foo", "other:scope"});
  CHECK(Scopes(Auth("GET", "scopes/current", "", &temp)) ==
        V{"assume:anonymous", "assume:p-b:foo", "auth:current-scopes", "auth:expand-scopes", "hooks:trigger-hook:p/foo",
          "index:find-task:*", "index:list-namespaces:*", "index:list-tasks:*", "other:scope"});
  temp.authorized = {"other:scope"};
  CHECK(Scopes(Auth("GET", "scopes/current", "", &temp)) ==
        V{"assume:anonymous", "auth:current-scopes", "auth:expand-scopes", "index:find-task:*",
          "index:list-namespaces:*", "index:list-tasks:*", "other:scope"});
  Creds greedy = TempCreds(client, {"assume:p-b:zz"});  // more than the issuer has
  Resp refused = Auth("GET", "scopes/current", "", &greedy);
  CHECK(refused.status == 401);
  CHECK(S(refused.json()["message"]).rfind("ext.certificate issuer `p-client` doesn't satisfy all certificate scopes", 0) ==
        0);
}

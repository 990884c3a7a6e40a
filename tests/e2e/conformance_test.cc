// Conformance tier: the same scenarios against the GENUINE Taskcluster
// services (auth + queue v106, /work/shared/taskcluster-services) and against
// our emulator. The real services are the judge: every scenario runs on both
// backends through one abstraction, with the same assertions.
//
// Backends:
//   emulator  an in-process tc::Emulator whose world has a root-like client
//             (tests tagged [emulator]; they always run in ctest).
//   real      the services at TC_CONFORMANCE_ROOT_URL, signed with
//             TC_CONFORMANCE_CLIENT_ID / TC_CONFORMANCE_ACCESS_TOKEN (a client
//             with scope `*`). Tests tagged [.real]: hidden, so a plain run
//             never passes them silently; scripts/test-conformance.sh runs
//             "[real]" when the services are up. Run without the variables,
//             they FAIL (they never skip quietly).
//
// Seeding is only through the public API over HTTP (TcServiceClient /
// HttpQueue): createTask (decision task = task group, action task, targets),
// then the worker API (claimWork, reportCompleted/Failed/Exception with the
// claim's temporary credentials). Each test uses fresh task queue ids
// (tc-conf/q<random>t<n>: one per task, so a claim always gets that task) and
// a fresh task group. Then `tc-action run` runs as a subprocess with the env an
// action hook sets, and the queue state is asserted through the API.
//
// Exceptions to "same on both": the emulator has no auth service (limited
// clients are world clients there) and no createArtifact (s3 artifacts are
// seeded into its queue); deadline rules (rerun/cancel past the deadline) need
// the emulator's clock and are not testable on the real queue without waiting
// a deadline out, so they run on the emulator only.
#include <Poco/URI.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <random>
#include <iterator>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "emulator/emulator.h"
#include "taskcluster/hawk.h"
#include "taskcluster/http.h"
#include "gzip.h"
#include "signed_client.h"
#include "tc_action.h"
#include "taskcluster/queue_http.h"
#include "core/slugid.h"
#include "test_creds.h"
#include "core/timestamp.h"

using namespace tc;

namespace {

std::string RandLower(int n) {
  static std::mt19937_64 rng{std::random_device{}()};
  static const char* k = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s;
  for (int i = 0; i < n; ++i) s += k[i == 0 ? rng() % 26 : rng() % 36];
  return s;
}

std::string Env(const char* k) {
  const char* v = std::getenv(k);
  return v ? v : "";
}

struct Creds {
  std::string id, token, cert;
};

// The scopes an in-tree action hook grants its action task, for this test's schedulerId.
const char* kScheduler = "tc-conf-level-1";
std::vector<std::string> ActionHookScopes() {
  return {"queue:create-task:project:none",
          std::string("queue:scheduler-id:") + kScheduler,
          "queue:create-task:highest:tc-conf/*",
          "queue:route:tc-treeherder.*",
          std::string("queue:rerun-task:") + kScheduler + "/*",
          std::string("queue:cancel-task:") + kScheduler + "/*",
          std::string("queue:schedule-task:") + kScheduler + "/*",
          "secrets:get:project/x"};
}

// A raw HTTP response (status + body), for error-body comparisons.
using tctest::Resp;

// ------------------------------------------------------------------ backends

struct Backend {
  bool real = false;
  std::string root_url;
  Creds root;
  std::unique_ptr<Emulator> emu;
  std::vector<std::string> made_clients;  // real: deleted at the end

  std::string name() const { return real ? "real" : "emulator"; }

  ClientConfig Cfg(const Creds& c) const {
    ClientConfig cfg;
    cfg.root_url = root_url;
    cfg.creds = HawkCredentials{c.id, c.token};
    cfg.certificate = c.cert;
    cfg.max_retries = 2;
    cfg.backoff_base = std::chrono::milliseconds(50);
    return cfg;
  }
  TcServiceClient Service(const std::string& svc, const Creds& c) const { return TcServiceClient(Cfg(c), svc); }
  TcServiceClient Queue() const { return Service("queue", root); }
  HttpQueue HQueue(const Creds& c) const { return HttpQueue(Cfg(c)); }

  // A permanent client holding exactly `scopes` (real: auth.createClient).
  Creds CreateClient(const std::string& prefix, const std::vector<std::string>& scopes) {
    std::string id = "tc-conf/" + prefix + "-" + RandLower(10);
    if (!real) {
      std::string token = NewSlugid() + NewSlugid();
      emu->AddClient(id, token, scopes);
      return {id, token, ""};
    }
    Json body(rapidjson::kObjectType);
    auto& a = body.GetAllocator();
    body.AddMember("expires", Str(FormatIsoMs(NowMs() + 3600 * 1000), a), a);
    body.AddMember("description", "tc-action conformance test client", a);
    JsonValue sc(rapidjson::kArrayType);
    for (const auto& s : scopes) sc.PushBack(Str(s, a), a);
    body.AddMember("scopes", sc, a);
    body.AddMember("deleteOnExpiration", true, a);
    auto auth = Service("auth", root);
    Json r = auth.Call("PUT", "clients/" + EncodeId(id), &body, "createClient");
    made_clients.push_back(id);
    return {id, r["accessToken"].GetString(), ""};
  }

  // An s3 artifact on a run. real: createArtifact (storageType s3) with the
  // run's credentials, then PUT of the bytes (gzip-encoded when asked) to the
  // returned URL (s3rver). emulator: seeded into its queue (it has no createArtifact).
  void PutS3Artifact(const std::string& task_id, int run_id, const std::string& name, const std::string& content,
                     const std::string& content_type, bool gzip, const Creds& run_creds) {
    if (!real) {
      MemArtifact art;
      art.name = name;
      art.storage_type = "s3";
      art.content_type = content_type;
      art.content = content;
      art.gzip = gzip;
      emu->queue().PutArtifact(task_id, run_id, art);
      return;
    }
    Json body(rapidjson::kObjectType);
    auto& a = body.GetAllocator();
    body.AddMember("storageType", "s3", a);
    body.AddMember("expires", Str(FormatIsoMs(NowMs() + 24 * 3600 * 1000), a), a);
    body.AddMember("contentType", Str(content_type, a), a);
    auto q = Service("queue", run_creds);
    Json r = q.Call("POST",
                    "task/" + task_id + "/runs/" + std::to_string(run_id) + "/artifacts/" + EncodeId(name), &body,
                    "createArtifact");
    std::string bytes = content;
    HttpRequest put;
    put.method = "PUT";
    put.url = r["putUrl"].GetString();
    put.content_type = content_type;
    put.what = "s3 PUT";
    if (gzip) {
      bytes = tctest::Gzip(content);
      put.headers.emplace_back("Content-Encoding", "gzip");
    }
    put.body = bytes;
    HttpClient http;
    http.Send(put);
  }

  static std::string EncodeId(const std::string& s) {
    std::string out;
    Poco::URI::encode(s, "/?#[]@!$&'()*+,;=:% ", out);
    return out;
  }

  // A raw signed (or anonymous) request to <root>/api/<service>/v1/<path>.
  Resp Raw(const std::string& method, const std::string& service, const std::string& path,
           const std::string& body = "", const Creds* creds = nullptr) const {
    Poco::URI root(root_url);
    tctest::RawRequest r;
    r.host = root.getHost();
    r.port = root.getPort();
    r.method = method;
    r.resource = "/api/" + service + "/v1/" + path;
    r.body = body;
    tctest::SignWith sign;
    if (creds) {
      sign = {creds->id, creds->token, creds->cert, {}};
      r.creds = &sign;
    }
    return tctest::Send(r);
  }

  ~Backend() {
    for (const auto& id : made_clients) {
      try {
        Service("auth", root).Call("DELETE", "clients/" + EncodeId(id), nullptr, "deleteClient");
      } catch (...) {
      }
    }
    if (emu) emu->Stop();
  }
};

std::unique_ptr<Backend> MakeEmulatorBackend() {
  auto b = std::make_unique<Backend>();
  b->root = {"static/taskcluster/root", NewSlugid() + NewSlugid() + "x", ""};
  EmulatorOptions o;
  o.world_json = R"({"clients": [{"clientId": ")" + b->root.id + R"(", "accessToken": ")" + b->root.token +
                 R"(", "scopes": ["*"]}]})";
  b->emu = std::make_unique<Emulator>(o);
  b->emu->Start();
  b->root_url = b->emu->root_url();
  return b;
}

std::unique_ptr<Backend> MakeRealBackend() {
  auto b = std::make_unique<Backend>();
  b->real = true;
  b->root_url = Env("TC_CONFORMANCE_ROOT_URL");
  b->root = {Env("TC_CONFORMANCE_CLIENT_ID"), Env("TC_CONFORMANCE_ACCESS_TOKEN"), ""};
  if (b->root_url.empty() || b->root.id.empty() || b->root.token.empty())
    FAIL("the [real] conformance tests need TC_CONFORMANCE_ROOT_URL, TC_CONFORMANCE_CLIENT_ID and "
         "TC_CONFORMANCE_ACCESS_TOKEN (the genuine services; see scripts/test-conformance.sh)");
  while (!b->root_url.empty() && b->root_url.back() == '/') b->root_url.pop_back();
  return b;
}

// ------------------------------------------------------------------ a scenario world

struct Claim {
  std::string task_id;
  int run_id = 0;
  Creds creds;
};

struct World {
  Backend& b;
  std::string tq_base = "tc-conf/q" + RandLower(10);
  int tq_n = 0;
  std::string group = NewSlugid();  // the decision task's taskId
  std::string action_task = NewSlugid();
  Creds hook;  // a limited client holding only the action hook's scopes
  Claim action_claim;  // the running action task's claim
  std::string dir = (std::filesystem::temp_directory_path() / ("tc-conf-" + NewSlugid())).string();
  TcServiceClient q;

  explicit World(Backend& backend) : b(backend), q(backend.Queue()) {
    hook = b.CreateClient("action-hook", ActionHookScopes());
    Create(group, Def("decision", false));
    Drive(group, "completed");
    Create(action_task, Def("action", false));
    action_claim = ClaimIt(action_task);
  }
  ~World() { std::filesystem::remove_all(dir); }

  std::string NextQueue() { return tq_base + "t" + std::to_string(tq_n++); }

  Json Def(const std::string& label, bool retrigger = true, const std::vector<std::string>& deps = {},
           std::string tq = "") {
    if (tq.empty()) tq = NextQueue();
    int64_t now = NowMs();
    std::string created = FormatIsoMs(now - 60 * 1000);
    std::string deadline = FormatIsoMs(now + 24 * 3600 * 1000);
    std::string expires = FormatIsoMs(now + 30LL * 24 * 3600 * 1000);
    std::string d = "[";
    for (size_t i = 0; i < deps.size(); ++i) d += (i ? ",\"" : "\"") + deps[i] + "\"";
    d += "]";
    std::string text = R"({
      "taskQueueId": ")" + tq + R"(", "schedulerId": ")" + kScheduler + R"(", "taskGroupId": ")" + group + R"(",
      "dependencies": )" + d + R"(, "requires": "all-completed", "routes": ["tc-treeherder.v2.conf.abc"],
      "priority": "low", "retries": 5, "created": ")" + created + R"(", "deadline": ")" + deadline + R"(",
      "expires": ")" + expires + R"(", "scopes": ["secrets:get:project/x"],
      "payload": {"image": "x", "maxRunTime": 3600, "env": {"MOZ_X": "1"}},
      "metadata": {"name": ")" + label + R"(", "description": "conformance", "owner": "a@example.com",
                   "source": "https://example.com/x"},
      "tags": {"kind": "test", "label": ")" + label + R"(")" + (retrigger ? R"(, "retrigger": "true")" : "") + R"(},
      "extra": {"treeherder": {"symbol": "C1"}}})";
    return ParseJson(text, "taskdef");
  }

  Json Create(const std::string& id, const Json& def) { return q.Call("PUT", "task/" + id, &def, "createTask"); }

  // Claims task `id` (pending) from its own task queue.
  Claim ClaimIt(const std::string& id) {
    Json t = q.Call("GET", "task/" + id, nullptr, "task");
    std::string tq = t["taskQueueId"].GetString();
    Json body = ParseJson(R"({"workerGroup": "tc-conf", "workerId": "w1", "tasks": 1})", "claim");
    for (int attempt = 0; attempt < 10; ++attempt) {
      Json r = q.Call("POST", "claim-work/" + Backend::EncodeId(tq), &body, "claimWork");
      for (auto& c : r["tasks"].GetArray()) {
        std::string got = c["status"]["taskId"].GetString();
        if (got != id) FAIL("claimWork on " << tq << " returned " << got << ", not " << id);
        const auto& cr = c["credentials"];
        Claim cl{id, c["runId"].GetInt(),
                 {cr["clientId"].GetString(), cr["accessToken"].GetString(),
                  Member(cr, "certificate") ? cr["certificate"].GetString() : ""}};
        return cl;
      }
    }
    FAIL("could not claim " << id);
    return {};
  }

  void Resolve(const Claim& c, const std::string& state) {
    auto tq = b.Service("queue", c.creds);  // the claim's temporary credentials
    std::string path = "task/" + c.task_id + "/runs/" + std::to_string(c.run_id) + "/";
    if (state == "completed") tq.Call("POST", path + "completed", nullptr, "reportCompleted");
    else if (state == "failed") tq.Call("POST", path + "failed", nullptr, "reportFailed");
    else {
      Json body = ParseJson(R"({"reason": "malformed-payload"})", "exc");
      tq.Call("POST", path + "exception", &body, "reportException");
    }
  }

  // Drives a freshly created pending task to `state` through the worker API.
  void Drive(const std::string& id, const std::string& state) {
    if (state == "pending") return;
    Claim c = ClaimIt(id);
    if (state == "running") return;
    Resolve(c, state);
  }

  // A task of this group in `state` (unscheduled: depends on the running action task).
  std::string Make(const std::string& state, bool retrigger = true, const std::string& label = "test-conf-1") {
    std::string id = NewSlugid();
    if (state == "unscheduled") {
      Create(id, Def(label, retrigger, {action_task}));
      return id;
    }
    Create(id, Def(label, retrigger));
    Drive(id, state);
    return id;
  }

  Json Status(const std::string& id) { return q.Call("GET", "task/" + id + "/status", nullptr, "status"); }
  std::string State(const std::string& id) { return Status(id)["status"]["state"].GetString(); }
  size_t Runs(const std::string& id) { return Status(id)["status"]["runs"].Size(); }

  // Every task of the group, through listTaskGroup's pages.
  std::vector<Json> GroupTasks(std::optional<int> limit = std::nullopt, int* pages = nullptr) {
    std::vector<Json> out;
    HttpQueue hq = b.HQueue(b.root);
    Page p;
    p.limit = limit;
    int n = 0;
    while (true) {
      Json r = hq.ListTaskGroup(group, p);
      ++n;
      for (auto& t : r["tasks"].GetArray()) out.push_back(CopyJson(t));
      auto tok = GetString(r, "continuationToken");
      if (!tok) break;
      p.continuation_token = *tok;
      if (n > 100) FAIL("listTaskGroup does not end");
    }
    if (pages) *pages = n;
    return out;
  }

  tctest::ProcResult Run(const std::string& action, const std::string& task_json, const std::string& input,
                         const Creds* creds = nullptr) {
    const Creds& c = creds ? *creds : hook;
    auto env = tctest::ActionEnv(action_task, group, action, task_json, input);
    env["TASKCLUSTER_ROOT_URL"] = b.root_url;
    env["TASKCLUSTER_CLIENT_ID"] = c.id;
    env["TASKCLUSTER_ACCESS_TOKEN"] = c.token;
    if (!c.cert.empty()) env["TASKCLUSTER_CERTIFICATE"] = c.cert;
    return tctest::RunTcAction({"run", "--artifacts", dir}, env);
  }
  tctest::ProcResult RunOn(const std::string& action, const std::string& id, const std::string& input = "{}",
                           const Creds* creds = nullptr) {
    return Run(action, "\"" + id + "\"", input, creds);
  }
  Json Report() { return ParseJsonFile(dir + "/report.json"); }

  // Polls until `pred` holds (the real dependency-resolver is asynchronous: 2-5 s).
  bool WaitFor(const std::function<bool()>& pred, int seconds = 20) {
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (true) {
      if (pred()) return true;
      if (std::chrono::steady_clock::now() > end) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  }
};

using tctest::Describe;

std::set<std::string> Keys(const JsonValue& v) {
  std::set<std::string> k;
  if (v.IsObject())
    for (auto& m : v.GetObject()) k.insert(m.name.GetString());
  return k;
}

std::string Join(const std::set<std::string>& s) {
  std::string o;
  for (auto& x : s) o += (o.empty() ? "" : ",") + x;
  return o;
}

}  // namespace

// Each scenario body runs once per backend: "[emulator]" always, "[.real]" (hidden; run with "[real]").
#define CONF_SCENARIO(fn, title)                                                                 \
  static void fn(Backend& b);                                                                    \
  TEST_CASE("conformance/emulator: " title, "[emulator][conformance]") { fn(*MakeEmulatorBackend()); } \
  TEST_CASE("conformance/real: " title, "[.real][conformance]") { fn(*MakeRealBackend()); }      \
  static void fn(Backend& b)

// ------------------------------------------------------------------ tc-action scenarios

CONF_SCENARIO(RerunFailedAndException, "rerun: failed and exception get a new run") {
  World w(b);
  for (const char* st : {"failed", "exception"}) {
    std::string id = w.Make(st);
    auto r = w.RunOn("rerun", id);
    INFO(b.name() << " " << st << "\n" << Describe(r));
    REQUIRE(r.status == 0);
    Json s = w.Status(id);
    REQUIRE(std::string(s["status"]["state"].GetString()) == "pending");
    const auto& runs = s["status"]["runs"];
    REQUIRE(runs.Size() == 2);
    REQUIRE(std::string(runs[0]["state"].GetString()) == st);
    REQUIRE(std::string(runs[1]["state"].GetString()) == "pending");
    REQUIRE(std::string(runs[1]["reasonCreated"].GetString()) == "rerun");
    // the action task retried: the task is pending now, nothing more to do
    r = w.RunOn("rerun", id);
    REQUIRE(r.status == 0);
    REQUIRE(w.Runs(id) == 2);
  }
}

CONF_SCENARIO(RerunCompleted, "rerun: completed is refused (exit 1); with force a new run") {
  World w(b);
  std::string id = w.Make("completed");
  auto r = w.RunOn("rerun", id);
  INFO(b.name() << "\n" << Describe(r));
  REQUIRE(r.status == 1);
  REQUIRE(w.State(id) == "completed");
  REQUIRE(w.Runs(id) == 1);
  r = w.RunOn("rerun", id, R"({"force": true})");
  INFO(Describe(r));
  REQUIRE(r.status == 0);
  Json s = w.Status(id);
  REQUIRE(std::string(s["status"]["state"].GetString()) == "pending");
  REQUIRE(s["status"]["runs"].Size() == 2);
  REQUIRE(std::string(s["status"]["runs"][0]["state"].GetString()) == "completed");
  REQUIRE(std::string(s["status"]["runs"][1]["reasonCreated"].GetString()) == "rerun");
}

CONF_SCENARIO(RerunPendingRunning, "rerun: pending and running are a no-op (exit 0)") {
  World w(b);
  std::string running = w.Make("running");
  std::string pending = w.Make("pending");
  for (const auto& id : {pending, running}) {
    std::string before = w.State(id);
    auto r = w.RunOn("rerun", id);
    INFO(b.name() << " " << before << "\n" << Describe(r));
    REQUIRE(r.status == 0);
    REQUIRE(w.State(id) == before);
    REQUIRE(w.Runs(id) == 1);
  }
}

CONF_SCENARIO(RerunUnscheduled, "rerun: unscheduled is refused; with force it is scheduled") {
  World w(b);
  std::string id = w.Make("unscheduled");
  REQUIRE(w.State(id) == "unscheduled");
  auto r = w.RunOn("rerun", id);
  INFO(b.name() << "\n" << Describe(r));
  REQUIRE(r.status == 1);
  REQUIRE(w.State(id) == "unscheduled");
  r = w.RunOn("rerun", id, R"({"force": true})");
  INFO(Describe(r));
  REQUIRE(r.status == 0);
  Json s = w.Status(id);
  REQUIRE(std::string(s["status"]["state"].GetString()) == "pending");
  REQUIRE(s["status"]["runs"].Size() == 1);
}

CONF_SCENARIO(RetriggerTimes3, "retrigger x3: 3 copies (extra.parent, dependency on the action task); idempotent") {
  World w(b);
  std::string id = w.Make("failed");
  size_t before = w.GroupTasks().size();
  auto r = w.RunOn("retrigger", id, R"({"times": 3})");
  INFO(b.name() << "\n" << Describe(r));
  REQUIRE(r.status == 0);
  auto tasks = w.GroupTasks();
  REQUIRE(tasks.size() == before + 3);
  Json rep = w.Report();
  std::set<std::string> created;
  for (const auto& op : rep["operations"].GetArray()) created.insert(op["taskId"].GetString());
  REQUIRE(created.size() == 3);
  for (const auto& cid : created) {
    Json t = w.q.Call("GET", "task/" + cid, nullptr, "task");
    REQUIRE(std::string(t["extra"]["parent"].GetString()) == w.action_task);
    REQUIRE(std::string(t["taskGroupId"].GetString()) == w.group);
    bool dep = false;
    for (auto& d : t["dependencies"].GetArray()) dep |= d.GetString() == w.action_task;
    REQUIRE(dep);
    // the action task is still running: the copies wait for it
    REQUIRE(w.State(cid) == "unscheduled");
  }
  // the same action task again: nothing new
  r = w.RunOn("retrigger", id, R"({"times": 3})");
  INFO(Describe(r));
  REQUIRE(r.status == 0);
  REQUIRE(w.GroupTasks().size() == before + 3);
  REQUIRE(w.State(id) == "failed");
  // the action task completes: the copies are scheduled (the real dependency-resolver takes 2-5 s)
  w.Resolve(w.action_claim, "completed");
  for (const auto& cid : created) {
    INFO("copy " << cid);
    REQUIRE(w.WaitFor([&] { return w.State(cid) == "pending"; }, 30));
  }
}

CONF_SCENARIO(RetriggerDisabled, "retrigger-disabled: refused without force, copies with force; retrigger refused") {
  World w(b);
  std::string id = w.Make("completed", /*retrigger=*/false, "release-signing");
  size_t before = w.GroupTasks().size();
  auto r = w.RunOn("retrigger", id);
  INFO(b.name() << "\n" << Describe(r));
  REQUIRE(r.status == 1);
  r = w.RunOn("retrigger-disabled", id);
  INFO(Describe(r));
  REQUIRE(r.status == 1);
  REQUIRE(w.GroupTasks().size() == before);
  r = w.RunOn("retrigger-disabled", id, R"({"force": true})");
  INFO(Describe(r));
  REQUIRE(r.status == 0);
  REQUIRE(w.GroupTasks().size() == before + 1);
}

CONF_SCENARIO(Cancel, "cancel: pending -> exception/canceled; completed -> no-op") {
  World w(b);
  std::string pending = w.Make("pending");
  std::string done = w.Make("completed");
  auto r = w.RunOn("cancel", pending);
  INFO(b.name() << "\n" << Describe(r));
  REQUIRE(r.status == 0);
  Json s = w.Status(pending);
  REQUIRE(std::string(s["status"]["state"].GetString()) == "exception");
  REQUIRE(s["status"]["runs"].Size() == 1);
  REQUIRE(std::string(s["status"]["runs"][0]["reasonResolved"].GetString()) == "canceled");
  r = w.RunOn("cancel", done);
  INFO(Describe(r));
  REQUIRE(r.status == 0);
  REQUIRE(w.State(done) == "completed");
  REQUIRE(w.Runs(done) == 1);
}

CONF_SCENARIO(CancelAll, "cancel-all: every live task of the group (paged), not the action task") {
  World w(b);
  if (!b.real) b.emu->queue().SetPageSize(2);  // the real queue pages at 1000; see the listTaskGroup test
  std::vector<std::string> live = {w.Make("pending"), w.Make("running"), w.Make("pending"), w.Make("unscheduled"),
                                   w.Make("pending")};
  std::string done = w.Make("completed");
  int pages = 0;
  REQUIRE(w.GroupTasks(2, &pages).size() == 8);
  REQUIRE(pages == 4);
  auto r = w.Run("cancel-all", "null", "{}");
  INFO(b.name() << "\n" << Describe(r));
  REQUIRE(r.status == 0);
  for (const auto& id : live) {
    Json s = w.Status(id);
    REQUIRE(std::string(s["status"]["state"].GetString()) == "exception");
    REQUIRE(std::string(s["status"]["runs"][s["status"]["runs"].Size() - 1]["reasonResolved"].GetString()) ==
            "canceled");
  }
  REQUIRE(w.State(done) == "completed");
  REQUIRE(w.State(w.action_task) == "running");
  REQUIRE(w.State(w.group) == "completed");
}

CONF_SCENARIO(Credentials, "hawk: permanent and temporary credentials (root issuer); a client without scopes") {
  World w(b);
  // permanent root credentials
  std::string a = w.Make("failed");
  auto r = w.RunOn("rerun", a, "{}", &b.root);
  INFO(b.name() << "\n" << Describe(r));
  REQUIRE(r.status == 0);
  REQUIRE(w.State(a) == "pending");
  // temporary credentials issued by the root client, holding only the hook's scopes
  int64_t now = NowMs();
  auto tmp = tctest::MakeTempCreds(b.root.id, b.root.token, ActionHookScopes(), now - 60000, now + 3600000);
  Creds tcreds{tmp.client_id, tmp.access_token, tmp.certificate};
  std::string c = w.Make("failed");
  size_t before = w.GroupTasks().size();
  r = w.RunOn("retrigger", c, R"({"times": 2})", &tcreds);
  INFO(Describe(r));
  REQUIRE(r.status == 0);
  REQUIRE(w.GroupTasks().size() == before + 2);
  std::string d = w.Make("exception");
  r = w.RunOn("rerun", d, "{}", &tcreds);
  INFO(Describe(r));
  REQUIRE(r.status == 0);
  REQUIRE(w.Runs(d) == 2);
  // temporary credentials without the rerun scope: the scope preflight (auth.currentScopes)
  // refuses, naming the scope, before the call (it used to be sent and fail InsufficientScopes: exit 3)
  auto weak = tctest::MakeTempCreds(b.root.id, b.root.token, {"queue:get-task:*"}, now - 60000, now + 3600000);
  Creds wcreds{weak.client_id, weak.access_token, weak.certificate};
  std::string e = w.Make("failed");
  const std::string rerun_scope = std::string("queue:rerun-task:") + kScheduler + "/" + w.group + "/" + e;
  r = w.RunOn("rerun", e, "{}", &wcreds);
  INFO(Describe(r));
  REQUIRE(r.status == 1);
  REQUIRE_THAT(r.err, Catch::Contains(rerun_scope) && Catch::Contains("nothing was changed"));
  REQUIRE(w.State(e) == "failed");
  REQUIRE(w.Runs(e) == 1);
  // a permanent client holding no scopes: the same
  Creds none = b.CreateClient("noscopes", {});
  r = w.RunOn("rerun", e, "{}", &none);
  INFO(Describe(r));
  REQUIRE(r.status == 1);
  REQUIRE_THAT(r.err, Catch::Contains(rerun_scope));
  REQUIRE(w.State(e) == "failed");
  REQUIRE(w.Runs(e) == 1);
  // a wrong token
  Creds wrong{w.hook.id, "wrong-token-wrong-token-wrong-token-0000000", ""};
  r = w.RunOn("rerun", e, "{}", &wrong);
  REQUIRE(r.status != 0);
  REQUIRE(w.State(e) == "failed");
}

CONF_SCENARIO(Artifacts, "artifacts: s3 through the redirect, plain and gzip-encoded") {
  World w(b);
  std::string id = NewSlugid();
  w.Create(id, w.Def("build-linux"));
  Claim c = w.ClaimIt(id);
  std::string big(20000, 'x');
  for (size_t i = 0; i < big.size(); i += 7) big[i] = static_cast<char>('a' + i % 26);
  b.PutS3Artifact(id, c.run_id, "public/plain.txt", "hello conformance\n", "text/plain", false, c.creds);
  b.PutS3Artifact(id, c.run_id, "public/big.json.txt", big, "text/plain", true, c.creds);
  b.PutS3Artifact(id, c.run_id, "private/secret.txt", "private bytes", "text/plain", false, c.creds);
  w.Resolve(c, "completed");
  HttpQueue root = b.HQueue(b.root);
  REQUIRE(root.GetLatestArtifact(id, "public/plain.txt") == "hello conformance\n");
  REQUIRE(root.GetLatestArtifact(id, "public/big.json.txt") == big);
  REQUIRE(root.GetLatestArtifact(id, "private/secret.txt") == "private bytes");
  // anonymous: public yes, private no (403)
  ClientConfig anon;
  anon.root_url = b.root_url;
  anon.max_retries = 0;
  HttpQueue aq(anon);
  REQUIRE(aq.GetLatestArtifact(id, "public/plain.txt") == "hello conformance\n");
  try {
    aq.GetLatestArtifact(id, "private/secret.txt");
    FAIL("anonymous read of a private artifact succeeded");
  } catch (const TcError& e) {
    REQUIRE(e.status() == 403);
    REQUIRE(e.code() == "InsufficientScopes");
  }
  // the redirect itself: 303 with the storage type header
  Resp r = b.Raw("GET", "queue", "task/" + id + "/artifacts/public%2Fplain.txt");
  INFO(r.Describe());
  REQUIRE(r.status == 303);
  REQUIRE(r.headers["x-taskcluster-artifact-storage-type"] == "s3");
  REQUIRE_FALSE(r.headers["location"].empty());
  // missing artifact: 404
  try {
    root.GetLatestArtifact(id, "public/missing.txt");
    FAIL("missing artifact was found");
  } catch (const TcError& e) {
    REQUIRE(e.status() == 404);
    REQUIRE(e.code() == "ResourceNotFound");
  }
}

// ------------------------------------------------------------------ direct API comparisons

namespace {

// Runs the direct-API probes on one backend and returns "name: status code | first line" lines,
// with backend-specific values (root URL, ids) replaced by placeholders.
struct Probe {
  std::string name;
  Resp r;
};

std::vector<Probe> DirectProbes(Backend& b, World& w) {
  std::vector<Probe> out;
  auto put = [&](const std::string& id, const Json& def) {
    return b.Raw("PUT", "queue", "task/" + id, ToJson(def), &b.root);
  };
  auto set = [](Json& d, const char* k, const std::string& v) {
    d[k].SetString(v.c_str(), static_cast<rapidjson::SizeType>(v.size()), d.GetAllocator());
  };
  int64_t now = NowMs();
  {
    Json d = w.Def("x");
    set(d, "created", FormatIsoMs(now - 20 * 60 * 1000));
    out.push_back({"createTask created 20 min ago", put(NewSlugid(), d)});
  }
  {
    Json d = w.Def("x");
    set(d, "deadline", FormatIsoMs(now + 6LL * 24 * 3600 * 1000));
    out.push_back({"createTask deadline in 6 days", put(NewSlugid(), d)});
  }
  {
    Json d = w.Def("x");
    set(d, "deadline", FormatIsoMs(now - 60 * 1000));
    out.push_back({"createTask deadline in the past", put(NewSlugid(), d)});
  }
  {
    Json d = w.Def("x");
    set(d, "expires", FormatIsoMs(now + 3600 * 1000));
    out.push_back({"createTask expires before deadline", put(NewSlugid(), d)});
  }
  {
    std::string missing = NewSlugid();
    Json d = w.Def("x", true, {missing});
    out.push_back({"createTask missing dependency", put(NewSlugid(), d)});
  }
  {
    Json d = w.Def("x");
    set(d, "priority", "urgent");
    out.push_back({"createTask schema violation (priority)", put(NewSlugid(), d)});
  }
  {
    Json d = w.Def("x");
    d.RemoveMember("metadata");
    out.push_back({"createTask schema violation (no metadata)", put(NewSlugid(), d)});
  }
  {
    std::string id = NewSlugid();
    Json d = w.Def("x");
    Resp first = put(id, d);
    out.push_back({"createTask first", first});
    out.push_back({"createTask same definition again", put(id, d)});
    set(d, "priority", "high");
    out.push_back({"createTask different definition", put(id, d)});
  }
  std::string unknown = NewSlugid();
  out.push_back({"task unknown", b.Raw("GET", "queue", "task/" + unknown, "", &b.root)});
  out.push_back({"status unknown", b.Raw("GET", "queue", "task/" + unknown + "/status", "", &b.root)});
  out.push_back({"rerun unknown", b.Raw("POST", "queue", "task/" + unknown + "/rerun", "", &b.root)});
  out.push_back({"cancel unknown", b.Raw("POST", "queue", "task/" + unknown + "/cancel", "", &b.root)});
  out.push_back({"schedule unknown", b.Raw("POST", "queue", "task/" + unknown + "/schedule", "", &b.root)});
  out.push_back({"status bad taskId", b.Raw("GET", "queue", "task/not-a-slug/status", "", &b.root)});
  out.push_back({"listTaskGroup unknown", b.Raw("GET", "queue", "task-group/" + unknown + "/list", "", &b.root)});
  // InsufficientScopes
  Creds none = b.CreateClient("probe-noscopes", {});
  std::string failed = w.Make("failed");
  out.push_back({"rerun without scopes", b.Raw("POST", "queue", "task/" + failed + "/rerun", "", &none)});
  out.push_back({"cancel without scopes", b.Raw("POST", "queue", "task/" + failed + "/cancel", "", &none)});
  out.push_back({"createTask without scopes", b.Raw("PUT", "queue", "task/" + NewSlugid(), ToJson(w.Def("x")), &none)});
  {
    Json d = w.Def("x");
    d["routes"].PushBack(Str("index.foo", d.GetAllocator()), d.GetAllocator());
    out.push_back({"createTask hook client, route not granted",
                   b.Raw("PUT", "queue", "task/" + NewSlugid(), ToJson(d), &w.hook)});
  }
  out.push_back({"status anonymous", b.Raw("GET", "queue", "task/" + failed + "/status")});
  out.push_back({"rerun anonymous", b.Raw("POST", "queue", "task/" + failed + "/rerun")});
  // state transitions
  out.push_back({"rerun failed", b.Raw("POST", "queue", "task/" + failed + "/rerun", "", &w.hook)});
  out.push_back({"rerun failed again (pending now)", b.Raw("POST", "queue", "task/" + failed + "/rerun", "", &w.hook)});
  std::string running = w.Make("running");
  out.push_back({"rerun running", b.Raw("POST", "queue", "task/" + running + "/rerun", "", &w.hook)});
  out.push_back({"cancel running", b.Raw("POST", "queue", "task/" + running + "/cancel", "", &w.hook)});
  out.push_back({"cancel canceled again", b.Raw("POST", "queue", "task/" + running + "/cancel", "", &w.hook)});
  out.push_back({"rerun canceled", b.Raw("POST", "queue", "task/" + running + "/rerun", "", &w.hook)});
  std::string unsched = w.Make("unscheduled");
  out.push_back({"rerun unscheduled", b.Raw("POST", "queue", "task/" + unsched + "/rerun", "", &w.hook)});
  std::string unsched2 = w.Make("unscheduled");
  out.push_back({"cancel unscheduled", b.Raw("POST", "queue", "task/" + unsched2 + "/cancel", "", &w.hook)});
  std::string unsched3 = w.Make("unscheduled");
  out.push_back({"schedule unscheduled", b.Raw("POST", "queue", "task/" + unsched3 + "/schedule", "", &w.hook)});
  std::string completed = w.Make("completed");
  out.push_back({"cancel completed", b.Raw("POST", "queue", "task/" + completed + "/cancel", "", &w.hook)});
  out.push_back({"rerun completed", b.Raw("POST", "queue", "task/" + completed + "/rerun", "", &w.hook)});
  std::string exc = w.Make("exception");
  out.push_back({"rerun exception", b.Raw("POST", "queue", "task/" + exc + "/rerun", "", &w.hook)});
  std::string pending = w.Make("pending");
  out.push_back({"cancel pending", b.Raw("POST", "queue", "task/" + pending + "/cancel", "", &w.hook)});
  out.push_back({"schedule pending->canceled", b.Raw("POST", "queue", "task/" + pending + "/schedule", "", &w.hook)});
  // paging shape
  out.push_back({"listTaskGroup limit=2", b.Raw("GET", "queue", "task-group/" + w.group + "/list?limit=2", "", &b.root)});
  out.push_back({"listTaskGroup limit=0", b.Raw("GET", "queue", "task-group/" + w.group + "/list?limit=0", "", &b.root)});
  out.push_back({"listTaskGroup limit=abc", b.Raw("GET", "queue", "task-group/" + w.group + "/list?limit=abc", "", &b.root)});
  out.push_back({"listTaskGroup bad token", b.Raw("GET", "queue", "task-group/" + w.group + "/list?continuationToken=zzz", "", &b.root)});
  out.push_back({"listTaskGroup token with a bad character", b.Raw("GET", "queue", "task-group/" + w.group + "/list?continuationToken=a-b", "", &b.root)});
  out.push_back({"getTaskGroup", b.Raw("GET", "queue", "task-group/" + w.group, "", &b.root)});
  out.push_back({"listDependentTasks action", b.Raw("GET", "queue", "task/" + w.action_task + "/dependents?limit=1", "", &b.root)});
  return out;
}

// The state of a status body: "<state> [<run state>/<reasonCreated>/<reasonResolved>, ...]";
// for lists: "<n> tasks, token" / "<n> tasks".
std::string Summary(const Resp& r) {
  auto j = TryParseJson(r.body);
  if (!j || !j->IsObject()) return "";
  if (j->HasMember("status") && (*j)["status"].IsObject()) {
    const auto& st = (*j)["status"];
    std::string s = std::string(st["state"].GetString()) + " [";
    for (auto& run : st["runs"].GetArray())
      s += std::string(run["state"].GetString()) + "/" + GetString(run, "reasonCreated").value_or("") + "/" +
           GetString(run, "reasonResolved").value_or("") + ",";
    return s + "]";
  }
  if (j->HasMember("tasks") && (*j)["tasks"].IsArray())
    return std::to_string((*j)["tasks"].Size()) + " tasks" + (j->HasMember("continuationToken") ? ", token" : "");
  return "";
}

// The shape of a body: key sets of objects, recursively (first array element only), values dropped.
std::string Shape(const JsonValue& v) {
  if (v.IsObject()) {
    std::string s = "{";
    bool first = true;
    for (auto& m : v.GetObject()) {
      s += (first ? "" : ",") + std::string(m.name.GetString()) + ":" + Shape(m.value);
      first = false;
    }
    return s + "}";
  }
  if (v.IsArray()) return v.Empty() ? "[]" : "[" + Shape(v[0]) + "]";
  if (v.IsString()) return "s";
  if (v.IsNumber()) return "n";
  if (v.IsBool()) return "b";
  return "null";
}

}  // namespace

// A body with everything that differs between runs replaced: timestamps, slugids (numbered by
// first appearance; the group and action task named), the root URL, test client ids and queues.
std::string Normalize(const std::string& body, const Backend& b, const World& w) {
  std::string s = body;
  auto replace_all = [&](const std::string& from, const std::string& to) {
    size_t p = 0;
    while ((p = s.find(from, p)) != std::string::npos) {
      s.replace(p, from.size(), to);
      p += to.size();
    }
  };
  replace_all(b.root_url, "<root>");
  replace_all(w.group, "<group>");
  replace_all(w.action_task, "<action>");
  replace_all(w.tq_base, "<tq>");
  s = std::regex_replace(s, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z)"), "<time>");
  s = std::regex_replace(s, std::regex(R"(tc-conf/[a-z-]+-[a-z0-9]{10})"), "<client>");
  s = std::regex_replace(s, std::regex(R"(q[a-z0-9]{10}t(\d+))"), "<wt>t$1");
  s = std::regex_replace(s, std::regex(R"("continuationToken": "[A-Za-z0-9]+")"), R"("continuationToken": "<token>")");
  // slugids: runs of exactly 22 URL-safe base64 characters
  auto is_b64 = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; };
  std::map<std::string, std::string> ids;
  std::string out;
  for (size_t i = 0; i < s.size();) {
    if (!is_b64(s[i])) {
      out += s[i++];
      continue;
    }
    size_t j = i;
    while (j < s.size() && is_b64(s[j])) ++j;
    std::string run = s.substr(i, j - i);
    if (run.size() == 22 && IsSlugid(run)) {
      auto& n = ids[run];
      if (n.empty()) n = "<id" + std::to_string(ids.size()) + ">";
      out += n;
    } else {
      out += run;
    }
    i = j;
  }
  return out;
}

// Lists come in taskId order, and taskIds are random: sort list entries by their task's
// metadata.name + taskQueueId so both backends' lists line up.
std::string Canonical(const std::string& body) {
  auto j = TryParseJson(body);
  if (!j || !j->IsObject() || !j->HasMember("tasks") || !(*j)["tasks"].IsArray()) return body;
  auto& tasks = (*j)["tasks"];
  std::vector<std::pair<std::string, JsonValue>> v;
  for (auto& t : tasks.GetArray()) {
    std::string key = ToJson(t["task"]["metadata"]) + ToJson(t["task"]["taskQueueId"]);
    key = std::regex_replace(key, std::regex(R"(q[a-z0-9]{10}t)"), "");
    v.emplace_back(key, std::move(t));
  }
  std::stable_sort(v.begin(), v.end(), [](auto& x, auto& y) { return x.first < y.first; });
  tasks.SetArray();
  for (auto& [k, t] : v) tasks.PushBack(std::move(t), j->GetAllocator());
  return ToPrettyJson(*j);
}

TEST_CASE("conformance/probe: print direct API results of both backends side by side", "[.probe]") {
  auto e = MakeEmulatorBackend();
  auto r = MakeRealBackend();
  World we(*e), wr(*r);
  auto pe = DirectProbes(*e, we);
  auto pr = DirectProbes(*r, wr);
  int diffs = 0;
  for (size_t i = 0; i < pe.size(); ++i) {
    auto line = [&](const Probe& p, const Backend& b, const World& w) {
      return std::to_string(p.r.status) + " " + Normalize(Canonical(p.r.body), b, w);
    };
    std::string le = line(pe[i], *e, we), lr = line(pr[i], *r, wr);
    if (le == lr) continue;
    ++diffs;
    std::cout << "DIFF " << pe[i].name << "\n  real " << lr << "\n  emu  " << le << "\n";
  }
  std::cout << diffs << " differences in " << pe.size() << " probes\n";
}

// Direct API calls, pinned to what the genuine queue v106 answers (status, code, first line of
// message; for 2xx the state and runs [state/reasonCreated/reasonResolved]). Taken from the
// real services by the probe above; both backends must answer so.
CONF_SCENARIO(DirectApi, "direct API: status codes, error bodies, state transitions, paging") {
  World w(b);
  auto probes = DirectProbes(b, w);
  struct Exp {
    const char* name;
    int status;
    const char* code;
    const char* text;
  };
  static const Exp kExpected[] = {
      {"createTask created 20 min ago", 400, "InputError", R"(`created` cannot be in the past (max 15min drift))"},
      {"createTask deadline in 6 days", 400, "InputError", R"(`deadline` cannot be more than 5 days into the future)"},
      {"createTask deadline in the past", 400, "InputError", R"(`deadline` cannot be later than `created`)"},
      {"createTask expires before deadline", 400, "InputError", R"(`expires` cannot be before `deadline`)"},
      {"createTask missing dependency", 400, "InputError", R"(`task.dependencies` references non-existing tasks: )"},
      {"createTask schema violation (priority)", 400, "InputValidationError", R"(Schema Validation Failed!)"},
      {"createTask schema violation (no metadata)", 400, "InputValidationError", R"(Schema Validation Failed!)"},
      {"createTask first", 200, "", R"(pending [pending/scheduled/,])"},
      {"createTask same definition again", 200, "", R"(pending [pending/scheduled/,])"},
      {"createTask different definition", 409, "RequestConflict", R"(taskId `<id1>` already used by another task.)"},
      {"task unknown", 404, "ResourceNotFound", R"(`<id1>` does not correspond to a task that exists.)"},
      {"status unknown", 404, "ResourceNotFound", R"(`<id1>` does not correspond to a task that exists.)"},
      {"rerun unknown", 404, "ResourceNotFound", R"(`<id1>` does not correspond to a task that exists.)"},
      {"cancel unknown", 404, "ResourceNotFound", R"(Task `<id1>` not found. Are you sure it was created?)"},
      {"schedule unknown", 404, "ResourceNotFound", R"(taskId `<id1>` not found. Are you sure it exists?)"},
      {"status bad taskId", 400, "InvalidRequestArguments", R"(Invalid URL patterns:)"},
      {"listTaskGroup unknown", 404, "ResourceNotFound", R"(No task-group with taskGroupId: `<id1>`)"},
      {"rerun without scopes", 403, "InsufficientScopes",
       R"(Client ID <client> does not have sufficient scopes and is missing the following scopes:)"},
      {"cancel without scopes", 403, "InsufficientScopes",
       R"(Client ID <client> does not have sufficient scopes and is missing the following scopes:)"},
      {"createTask without scopes", 403, "InsufficientScopes",
       R"(Client ID <client> does not have sufficient scopes and is missing the following scopes:)"},
      {"createTask hook client, route not granted", 403, "InsufficientScopes",
       R"(Client ID <client> does not have sufficient scopes and is missing the following scopes:)"},
      {"status anonymous", 200, "", R"(failed [failed/scheduled/failed,])"},
      {"rerun anonymous", 403, "InsufficientScopes",
       R"(This request requires Taskcluster credentials that satisfy the following scope expression:)"},
      {"rerun failed", 200, "", R"(pending [failed/scheduled/failed,pending/rerun/,])"},
      {"rerun failed again (pending now)", 200, "", R"(pending [failed/scheduled/failed,pending/rerun/,])"},
      {"rerun running", 200, "", R"(running [running/scheduled/,])"},
      {"cancel running", 200, "", R"(exception [exception/scheduled/canceled,])"},
      {"cancel canceled again", 200, "", R"(exception [exception/scheduled/canceled,])"},
      {"rerun canceled", 200, "", R"(pending [exception/scheduled/canceled,pending/rerun/,])"},
      {"rerun unscheduled", 200, "", R"(pending [pending/rerun/,])"},
      {"cancel unscheduled", 200, "", R"(exception [exception/exception/canceled,])"},
      {"schedule unscheduled", 200, "", R"(pending [pending/scheduled/,])"},
      {"cancel completed", 200, "", R"(completed [completed/scheduled/completed,])"},
      {"rerun completed", 200, "", R"(pending [completed/scheduled/completed,pending/rerun/,])"},
      {"rerun exception", 200, "", R"(pending [exception/scheduled/malformed-payload,pending/rerun/,])"},
      {"cancel pending", 200, "", R"(exception [exception/scheduled/canceled,])"},
      {"schedule pending->canceled", 200, "", R"(exception [exception/scheduled/canceled,])"},
      {"listTaskGroup limit=2", 200, "", R"(2 tasks, token)"},
      {"listTaskGroup limit=0", 200, "", R"(0 tasks)"},
      {"listTaskGroup limit=abc", 400, "InvalidRequestArguments",
       R"(Query-string parameter: limit="abc" does not match expression: /^[0-9]+$/)"},
      // lib-api's hashids tokens: an undecodable alphanumeric token starts from the beginning
      {"listTaskGroup bad token", 200, "", R"(11 tasks)"},
      {"listTaskGroup token with a bad character", 400, "InputError", R"(Invalid continuation token)"},
      {"getTaskGroup", 200, "", R"()"},
      {"listDependentTasks action", 200, "", R"(1 tasks, token)"},
  };
  REQUIRE(probes.size() == std::size(kExpected));
  for (size_t i = 0; i < probes.size(); ++i) {
    const auto& p = probes[i];
    const auto& e = kExpected[i];
    INFO(b.name() << ": " << p.name << "\n" << p.r.Describe());
    REQUIRE(p.name == e.name);
    CHECK(p.r.status == e.status);
    CHECK(p.r.code() == e.code);
    CHECK((p.r.status < 300 ? Summary(p.r) : Normalize(p.r.first_line(), b, w)) == e.text);
    // lib-api error bodies: {code, message, requestInfo: {method, params, payload, time}}
    if (p.r.status >= 400) {
      Json j = p.r.json();
      CHECK(Join(Keys(j)) == "code,message,requestInfo");
      CHECK(Join(Keys(j["requestInfo"])) == "method,params,payload,time");
      // createTask completes the body (provisionerId/workerType from taskQueueId) before any
      // check after schema validation; the error body echoes it
      if (p.name.rfind("createTask", 0) == 0) {
        const auto& pl = j["requestInfo"]["payload"];
        bool schema = e.code == std::string("InputValidationError");
        CHECK(pl.HasMember("projectId"));
        CHECK(pl.HasMember("provisionerId") == !schema);
        CHECK(pl.HasMember("workerType") == !schema);
      }
    }
  }
  // getTaskGroup's body
  Json g = w.q.Call("GET", "task-group/" + w.group, nullptr, "getTaskGroup");
  CHECK(Join(Keys(g)) == "expires,schedulerId,taskGroupId");
  // listTaskGroup paging: limit 2 walks every task exactly once, the last page has no token
  int pages = 0;
  auto all = w.GroupTasks(2, &pages);
  std::set<std::string> ids;
  for (auto& t : all) ids.insert(t["status"]["taskId"].GetString());
  CHECK(ids.size() == all.size());
  CHECK(pages == static_cast<int>((all.size() + 1) / 2));
  CHECK(all.size() == w.GroupTasks().size());
  // the stored definition's jsonb columns come back with keys ordered as Postgres orders them
  Json t = w.q.Call("GET", "task/" + w.group, nullptr, "task");
  CHECK(ToJson(t["payload"]) == R"({"env":{"MOZ_X":"1"},"image":"x","maxRunTime":3600})");
  CHECK(ToJson(t["metadata"]) ==
        R"({"name":"decision","owner":"a@example.com","source":"https://example.com/x","description":"conformance"})");
}

// Rerun/cancel past the deadline: the real queue can only be brought there by waiting a
// deadline out (at least minutes), so this runs on the emulator only, with its clock.
TEST_CASE("conformance/emulator: rerun and cancel past the deadline (emulator only)", "[emulator][conformance]") {
  auto b = MakeEmulatorBackend();
  World w(*b);
  std::string failed = w.Make("failed");
  std::string pending = w.Make("pending");
  b->emu->queue().AdvanceClock(std::chrono::hours(24) + std::chrono::seconds(10));
  Resp r = b->Raw("POST", "queue", "task/" + failed + "/rerun", "", &w.hook);
  INFO(r.Describe());
  CHECK(r.status == 409);
  CHECK(r.code() == "RequestConflict");
  CHECK_THAT(r.first_line(), Catch::StartsWith("Task `" + failed + "` can't be rescheduled past its deadline of "));
  r = b->Raw("POST", "queue", "task/" + pending + "/cancel", "", &w.hook);
  INFO(r.Describe());
  CHECK(r.status == 409);
  CHECK(r.code() == "RequestConflict");
  CHECK_THAT(r.first_line(), Catch::StartsWith("Task `" + pending + "` can't be canceled past its deadline of "));
  // after the deadline resolver's delay: exception/deadline-exceeded
  b->emu->queue().AdvanceClock(std::chrono::minutes(2));
  CHECK(w.State(pending) == "exception");
  CHECK(std::string(w.Status(pending)["status"]["runs"][0]["reasonResolved"].GetString()) == "deadline-exceeded");
}

// Both backends side by side: every probe's whole body, normalized (timestamps, ids, root URL),
// must be identical. Page contents depend on the random taskIds, so paged probes compare summaries.
TEST_CASE("conformance/real: emulator and real services answer the direct probes identically", "[.real][conformance]") {
  auto r = MakeRealBackend();
  auto e = MakeEmulatorBackend();
  World we(*e), wr(*r);
  auto pe = DirectProbes(*e, we);
  auto pr = DirectProbes(*r, wr);
  REQUIRE(pe.size() == pr.size());
  for (size_t i = 0; i < pe.size(); ++i) {
    bool paged = pe[i].name == "listTaskGroup limit=2" || pe[i].name == "listDependentTasks action";
    auto text = [&](const Probe& p, const Backend& b, const World& w) {
      return std::to_string(p.r.status) + " " + (paged ? Summary(p.r) : Normalize(Canonical(p.r.body), b, w));
    };
    INFO(pe[i].name);
    CHECK(text(pr[i], *r, wr) == text(pe[i], *e, we));
  }
}

// MemoryQueue: the real queue's rules (services/queue/src/api.js et al.).
#include <catch2/catch.hpp>

#include <chrono>

#include "emulator/queue_memory.h"
#include "emulator/scopes.h"

using namespace tc;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

const int64_t kT0 = 1700000000000;  // 2023-11-14T22:13:20.000Z

std::string Iso(int64_t ms) { return memq::IsoMs(ms); }
std::string S(const JsonValue& v) { return v.IsString() ? v.GetString() : ToJson(v); }

struct Fixture {
  MemoryQueue q{[] { return std::chrono::system_clock::time_point(milliseconds(kT0)); }};
  int64_t now() { return q.NowMs(); }

  Json Def(const std::string& extra_json = "{}", int64_t deadline_in_ms = 3600 * 1000) {
    Json d = ParseJson(R"({
      "taskQueueId": "proj/linux",
      "schedulerId": "test-sched",
      "payload": {},
      "metadata": {"name": "t", "description": "d", "owner": "me@example.com", "source": "https://example.com/"}
    })", "def");
    auto& a = d.GetAllocator();
    SetMember(d, "created", Str(Iso(now()), a), a);
    SetMember(d, "deadline", Str(Iso(now() + deadline_in_ms), a), a);
    Json extra = ParseJson(extra_json, "extra");
    for (auto it = extra.MemberBegin(); it != extra.MemberEnd(); ++it)
      SetMember(d, it->name.GetString(), CopyValue(it->value, a), a);
    return d;
  }
  std::string State(const std::string& id) {
    Json s = q.Status(id);
    return s["status"]["state"].GetString();
  }
  int Runs(const std::string& id) {
    Json s = q.Status(id);
    return static_cast<int>(s["status"]["runs"].Size());
  }
};

const std::string A = "aaaaaaaaQaaaaaaaaaaaaA";
const std::string B = "bbbbbbbbQbabbbbbbbbbbA";
const std::string C = "ccccccccQcaccccccccccA";
const std::string G = "ggggggggQgaggggggggggA";

template <typename F>
TcError Throws(F f) {
  try {
    f();
  } catch (const TcError& e) {
    return e;
  }
  FAIL("expected TcError");
  return TcError(0, "", "");
}

}  // namespace

TEST_CASE("helpers: timestamps, slugids, scopes") {
  CHECK(memq::IsoMs(0) == "1970-01-01T00:00:00.000Z");
  CHECK(memq::IsoMs(kT0) == "2023-11-14T22:13:20.000Z");
  CHECK(*memq::ParseIso("2023-11-14T22:13:20.000Z") == kT0);
  CHECK(*memq::ParseIso("2023-11-14T23:13:20+01:00") == kT0);
  CHECK(*memq::ParseIso("2023-11-14T22:13:20.0001234Z") == kT0);
  CHECK_FALSE(memq::ParseIso("2023-11-14T22:13:20"));
  CHECK_FALSE(memq::ParseIso("2023-02-30T00:00:00Z"));
  CHECK(memq::IsSlugid(A));
  CHECK_FALSE(memq::IsSlugid("abc"));
  CHECK(emu::ScopeSatisfies("queue:*", "queue:create-task:x"));
  CHECK(emu::ScopeSatisfies("*", "anything"));
  CHECK_FALSE(emu::ScopeSatisfies("queue:create*:x", "queue:create-task:x"));
  CHECK_FALSE(emu::ScopeSatisfies("queue:a", "queue:ab"));
}

TEST_CASE_METHOD(Fixture, "createTask fills defaults as the real queue returns them") {
  Json r = q.CreateTask(A, Def());
  CHECK(r["status"]["state"] == "pending");
  CHECK(r["status"]["runs"][0]["reasonCreated"] == "scheduled");
  CHECK(r["status"]["retriesLeft"] == 5);
  CHECK(r["status"]["provisionerId"] == "proj");
  CHECK(r["status"]["workerType"] == "linux");
  CHECK(r["status"]["priority"] == "lowest");
  Json t = q.Task(A);
  CHECK(t["provisionerId"] == "proj");
  CHECK(t["workerType"] == "linux");
  CHECK(t["taskQueueId"] == "proj/linux");
  CHECK(t["priority"] == "lowest");
  CHECK(t["retries"] == 5);
  CHECK(t["requires"] == "all-completed");
  CHECK(t["projectId"] == "none");
  CHECK(S(t["taskGroupId"]) == A);
  CHECK(t["routes"].IsArray());
  CHECK(t["scopes"].IsArray());
  CHECK(t["tags"].IsObject());
  CHECK(t["extra"].IsObject());
  CHECK(t["dependencies"].IsArray());
  CHECK_FALSE(t.HasMember("taskId"));
  // expires defaults to deadline + 1 year
  CHECK(std::string(t["expires"].GetString()) == "2024-11-14T23:13:20.000Z");
}

TEST_CASE_METHOD(Fixture, "createTask: provisionerId/workerType and taskQueueId") {
  Json d = Def();
  d.RemoveMember("taskQueueId");
  auto& a = d.GetAllocator();
  SetMember(d, "provisionerId", Str("p", a), a);
  SetMember(d, "workerType", Str("w", a), a);
  q.CreateTask(A, d);
  CHECK(q.Task(A)["taskQueueId"] == "p/w");
  SetMember(d, "taskQueueId", Str("p/x", a), a);
  auto e = Throws([&] { q.CreateTask(B, d); });
  CHECK(e.status() == 400);
  CHECK(e.code() == "InputError");
  d.RemoveMember("taskQueueId");
  d.RemoveMember("workerType");
  e = Throws([&] { q.CreateTask(B, d); });
  CHECK(e.code() == "InputError");
}

TEST_CASE_METHOD(Fixture, "createTask: schema validation") {
  Json d = Def(R"({"priority": "urgent", "bogus": 1})");
  d.RemoveMember("metadata");
  auto e = Throws([&] { q.CreateTask(A, d); });
  CHECK(e.status() == 400);
  CHECK(e.code() == "InputValidationError");
  std::string m = e.what();
  CHECK(m.find("data must have required property 'metadata'") != std::string::npos);
  CHECK(m.find("data/priority must be equal to one of the allowed values") != std::string::npos);
  CHECK(m.find("must NOT have additional properties: \"bogus\"") != std::string::npos);
  e = Throws([&] { q.CreateTask("not-a-slug", Def()); });
  CHECK(e.code() == "InvalidRequestArguments");
  e = Throws([&] { q.CreateTask(A, Def(R"({"retries": 50})")); });
  CHECK(e.code() == "InputValidationError");
  e = Throws([&] { q.CreateTask(A, Def(R"({"created": "yesterday"})")); });
  CHECK(std::string(e.what()).find("data/created must match format \"date-time\"") != std::string::npos);
}

// The texts below are what the genuine queue (v106, ajv allErrors) answered for
// the same bodies: its error order follows the service's YAML schema, its
// duplicate pair is ajv's, and a date that does not exist fails the format.
TEST_CASE_METHOD(Fixture, "createTask: schema errors worded and ordered as the real queue's") {
  auto text = [&](const std::string& extra, std::initializer_list<const char*> remove = {}) {
    Json d = Def(extra);
    for (const char* k : remove) d.EraseMember(d.FindMember(k));  // keeps the order, as JavaScript's delete
    std::string m = Throws([&] { q.CreateTask(A, d); }).what();
    return m.substr(m.find("Errors:\n") + 8);
  };
  CHECK(text(R"({"priority": "urgent", "bogus": 1, "retries": 100, "routes": ["a", "a"], "tags": {"a": 1},
                 "created": "x"})",
             {"metadata"}) ==
        "  * data must have required property 'metadata'\n"
        "  * data must NOT have additional properties: \"bogus\"\n"
        "  * data/routes must NOT have duplicate items (items ## 1 and 0 are identical)\n"
        "  * data/priority must be equal to one of the allowed values\n"
        "  * data/retries must be <= 49\n"
        "  * data/created must match format \"date-time\"\n"
        "  * data/tags/a must be string");
  CHECK(text(R"({"metadata": {"name": 5}, "zzz": 1, "aaa": 2})", {"deadline"}) ==
        "  * data must have required property 'deadline'\n"
        "  * data must NOT have additional properties: \"zzz\"\n"
        "  * data must NOT have additional properties: \"aaa\"\n"
        "  * data/metadata must have required property 'description'\n"
        "  * data/metadata must have required property 'owner'\n"
        "  * data/metadata must have required property 'source'\n"
        "  * data/metadata/name must be string");
  CHECK(text(R"({"routes": ["a", "b", "a", "b"]})") ==
        "  * data/routes must NOT have duplicate items (items ## 3 and 1 are identical)");
  CHECK(text(R"({"created": "2024-02-30T00:00:00.000Z"})") == "  * data/created must match format \"date-time\"");
  // ajv checks array items before uniqueness, and a wrong type before the enum
  const std::string slug_pattern =
      "must match pattern \"^[A-Za-z0-9_-]{8}[Q-T][A-Za-z0-9_-][CGKOSWaeimquy26-][A-Za-z0-9_-]{10}[AQgw]$\"";
  CHECK(text(R"({"dependencies": ["nope", "nope"]})") ==
        "  * data/dependencies/0 " + slug_pattern + "\n  * data/dependencies/1 " + slug_pattern +
            "\n  * data/dependencies must NOT have duplicate items (items ## 1 and 0 are identical)");
  CHECK(text(R"({"priority": 5})") ==
        "  * data/priority must be string\n  * data/priority must be equal to one of the allowed values");
  CHECK(text(R"({"payload": []})") == "  * data/payload must be object");
  CHECK(text("{}", {"payload"}) == "  * data/payload must be object");  // the default [] is no object
}

TEST_CASE_METHOD(Fixture, "createTask: created/deadline/expires rules") {
  auto with = [&](int64_t created, int64_t deadline, std::optional<int64_t> expires = std::nullopt) {
    Json d = Def();
    auto& a = d.GetAllocator();
    SetMember(d, "created", Str(Iso(created), a), a);
    SetMember(d, "deadline", Str(Iso(deadline), a), a);
    if (expires) SetMember(d, "expires", Str(Iso(*expires), a), a);
    return d;
  };
  const int64_t m = 60 * 1000, day = 24 * 60 * m;
  auto msg = [&](const Json& d) { return std::string(Throws([&] { q.CreateTask(A, d); }).what()); };
  CHECK(msg(with(now() + 16 * m, now() + 60 * m)) == "`created` cannot be in the future (max 15min drift)");
  CHECK(msg(with(now() - 16 * m, now() + 60 * m)) == "`created` cannot be in the past (max 15min drift)");
  CHECK(msg(with(now(), now() - 1)) == "`deadline` cannot be later than `created`");
  CHECK(msg(with(now() - 10 * m, now() - 5 * m)) == "`deadline` cannot be in the past");
  CHECK(msg(with(now(), now() + 5 * day + 16 * m)) == "`deadline` cannot be more than 5 days into the future");
  CHECK(msg(with(now(), now() + 60 * m, now() + 30 * m)) == "`expires` cannot be before `deadline`");
  // within the drift: accepted
  q.CreateTask(A, with(now() + 14 * m, now() + 5 * day + 14 * m));
  CHECK(State(A) == "pending");
}

TEST_CASE_METHOD(Fixture, "createTask: idempotent when identical, 409 when different") {
  Json d = Def();
  q.CreateTask(A, d);
  Json again = q.CreateTask(A, d);
  CHECK(again["status"]["runs"].Size() == 1);
  // different timestamp spelling of the same instant is still identical
  Json d2 = Def();
  auto& a = d2.GetAllocator();
  SetMember(d2, "created", Str(memq::IsoMs(now()).substr(0, 19) + "+00:00", a), a);
  q.CreateTask(A, d2);
  auto e = Throws([&] { q.CreateTask(A, Def(R"({"priority": "high"})")); });
  CHECK(e.status() == 409);
  CHECK(e.code() == "RequestConflict");
  CHECK(std::string(e.what()).find("already used by another task") != std::string::npos);
}

TEST_CASE_METHOD(Fixture, "createTask: task group schedulerId must match") {
  q.CreateTask(A, Def(R"({"taskGroupId": ")" + G + "\"}"));
  auto e = Throws([&] { q.CreateTask(B, Def(R"({"taskGroupId": ")" + G + R"(", "schedulerId": "other"})")); });
  CHECK(e.status() == 409);
  CHECK(std::string(e.what()).find("contains tasks with a schedulerId other") != std::string::npos);
  Json g = q.GetTaskGroup(G);
  CHECK(g["schedulerId"] == "test-sched");
}

TEST_CASE_METHOD(Fixture, "createTask: dependencies must exist and not expire before the deadline") {
  auto e = Throws([&] { q.CreateTask(B, Def(R"({"dependencies": [")" + A + "\"]}")); });
  CHECK(e.status() == 400);
  CHECK(e.code() == "InputError");
  CHECK(std::string(e.what()).find("references non-existing tasks") != std::string::npos);
  CHECK_FALSE(q.HasTask(B));
  // a dependency expiring before this task's deadline
  Json d = Def();
  SetMember(d, "expires", Str(Iso(now() + 2 * 3600 * 1000), d.GetAllocator()), d.GetAllocator());
  q.CreateTask(A, d);
  e = Throws([&] {
    q.CreateTask(B, Def(R"({"dependencies": [")" + A + "\"]}", 3 * 3600 * 1000));
  });
  CHECK(std::string(e.what()).find("references tasks that expires") != std::string::npos);
  // too many dependencies: schema maxItems 10000
  std::string many = "[";
  for (int i = 0; i < 10001; i++) many += std::string(i ? "," : "") + "\"" + A + "\"";
  many += "]";
  e = Throws([&] { q.CreateTask(C, Def(R"({"dependencies": )" + many + "}")); });
  CHECK(e.code() == "InputValidationError");
  // as the real queue words it (and without a quadratic list of duplicate pairs)
  std::string m = e.what();
  CHECK(m.substr(m.find("Errors:\n") + 8) ==
        "  * data/dependencies must NOT have more than 10000 items\n"
        "  * data/dependencies must NOT have duplicate items (items ## 10000 and 9999 are identical)");
}

TEST_CASE_METHOD(Fixture, "dependencies: unscheduled until completed; all-resolved semantics") {
  q.CreateTask(A, Def());
  q.CreateTask(B, Def(R"({"dependencies": [")" + A + "\"]}"));
  q.CreateTask(C, Def(R"({"dependencies": [")" + A + R"("], "requires": "all-resolved"})"));
  CHECK(State(B) == "unscheduled");
  CHECK(State(C) == "unscheduled");
  Json deps = q.ListDependentTasks(A, {});
  REQUIRE(deps["tasks"].Size() == 2);
  CHECK(S(deps["tasks"][0]["status"]["taskId"]) == B);
  q.Drive(A, "failed");
  CHECK(State(B) == "unscheduled");  // all-completed: a failure does not satisfy
  CHECK(State(C) == "pending");      // all-resolved: it does
  // rerun A and complete it: B becomes pending
  q.RerunTask(A);
  q.Drive(A, "completed");
  CHECK(State(B) == "pending");
}

TEST_CASE_METHOD(Fixture, "dependencies: a completed dependency schedules at creation") {
  q.CreateTask(A, Def());
  q.Drive(A, "completed");
  Json r = q.CreateTask(B, Def(R"({"dependencies": [")" + A + "\"]}"));
  CHECK(r["status"]["state"] == "pending");
}

TEST_CASE_METHOD(Fixture, "rerunTask") {
  q.CreateTask(A, Def());
  // pending: no-op
  CHECK(q.RerunTask(A)["status"]["runs"].Size() == 1);
  q.Drive(A, "running");
  CHECK(q.RerunTask(A)["status"]["runs"].Size() == 1);
  q.Drive(A, "failed");
  Json r = q.RerunTask(A);
  CHECK(r["status"]["state"] == "pending");
  CHECK(r["status"]["runs"].Size() == 2);
  CHECK(r["status"]["runs"][1]["reasonCreated"] == "rerun");
  // unscheduled: schedules with reasonCreated 'rerun'
  q.CreateTask(B, Def(R"({"dependencies": [")" + C.substr(0, 0) + A + "\"]}"));
  CHECK(State(B) == "unscheduled");
  Json rb = q.RerunTask(B);
  CHECK(rb["status"]["state"] == "pending");
  CHECK(rb["status"]["runs"][0]["reasonCreated"] == "rerun");
  // 404
  auto e = Throws([&] { q.RerunTask(C); });
  CHECK(e.status() == 404);
  CHECK(std::string(e.what()) == "`" + C +
                                     "` does not correspond to a task that exists.\nAre you sure this task has been "
                                     "submitted before?");
}

TEST_CASE_METHOD(Fixture, "rerunTask: at most 50 runs") {
  q.CreateTask(A, Def());
  for (int i = 0; i < 49; i++) {
    q.Drive(A, "failed");
    q.RerunTask(A);
  }
  CHECK(Runs(A) == 50);
  q.Drive(A, "failed");
  auto e = Throws([&] { q.RerunTask(A); });
  CHECK(e.status() == 409);
  CHECK(std::string(e.what()) == "Maximum number of runs reached (50).");
}

TEST_CASE_METHOD(Fixture, "deadline: 409 after the deadline, resolved deadline-exceeded a minute later") {
  q.CreateTask(A, Def("{}", 10 * 60 * 1000));
  q.CreateTask(B, Def(R"({"dependencies": [")" + A + R"("], "requires": "all-resolved"})", 20 * 60 * 1000));
  q.AdvanceClock(seconds(10 * 60 + 1));
  CHECK(State(A) == "pending");  // not yet resolved by the deadline resolver
  auto e = Throws([&] { q.RerunTask(A); });
  CHECK(e.status() == 409);
  CHECK(std::string(e.what()).find("can't be rescheduled past its deadline of") != std::string::npos);
  e = Throws([&] { q.CancelTask(A); });
  CHECK(e.status() == 409);
  CHECK(std::string(e.what()).find("can't be canceled past its deadline of") != std::string::npos);
  q.AdvanceClock(seconds(60));
  Json s = q.Status(A);
  CHECK(s["status"]["state"] == "exception");
  CHECK(s["status"]["runs"][0]["reasonResolved"] == "deadline-exceeded");
  CHECK(State(B) == "pending");  // all-resolved dependent is scheduled
  // an unscheduled task past its deadline gets a run created by 'exception'
  q.CreateTask(C, Def(R"({"dependencies": [")" + C + "\"]}", 5 * 60 * 1000));
  q.AdvanceClock(seconds(6 * 60 + 1));
  Json sc = q.Status(C);
  CHECK(sc["status"]["runs"][0]["reasonCreated"] == "exception");
  CHECK(sc["status"]["runs"][0]["reasonResolved"] == "deadline-exceeded");
}

TEST_CASE_METHOD(Fixture, "cancelTask") {
  q.CreateTask(A, Def());
  Json r = q.CancelTask(A);
  CHECK(r["status"]["state"] == "exception");
  CHECK(r["status"]["runs"][0]["reasonResolved"] == "canceled");
  // resolved: no-op
  CHECK(q.CancelTask(A)["status"]["runs"].Size() == 1);
  // unscheduled: a run is created
  q.CreateTask(B, Def(R"({"dependencies": [")" + B + "\"]}"));
  Json rb = q.CancelTask(B);
  CHECK(rb["status"]["runs"][0]["reasonCreated"] == "exception");
  CHECK(rb["status"]["runs"][0]["reasonResolved"] == "canceled");
  // running
  q.CreateTask(C, Def());
  q.Drive(C, "running");
  CHECK(q.CancelTask(C)["status"]["runs"][0]["state"] == "exception");
  auto e = Throws([&] { q.CancelTask(G); });
  CHECK(e.status() == 404);
  CHECK(std::string(e.what()) == "Task `" + G + "` not found. Are you sure it was created?");
  // cancel -> rerun works
  CHECK(q.RerunTask(A)["status"]["state"] == "pending");
}

TEST_CASE_METHOD(Fixture, "listTaskGroup paging, ordering and 404") {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; i++) {
    std::string id = std::string(1, static_cast<char>('e' - i)) + "aaaaaaaQaaaaaaaaaaaaA";
    ids.push_back(id);
    q.CreateTask(id, Def(R"({"taskGroupId": ")" + G + "\"}"));
  }
  std::sort(ids.begin(), ids.end());
  q.SetPageSize(2);
  std::vector<std::string> seen;
  Page p;
  int pages = 0;
  while (true) {
    Json r = q.ListTaskGroup(G, p);
    CHECK(S(r["taskGroupId"]) == G);
    CHECK(r["schedulerId"] == "test-sched");
    CHECK(r.HasMember("expires"));
    for (auto& t : r["tasks"].GetArray()) seen.push_back(t["status"]["taskId"].GetString());
    pages++;
    if (!r.HasMember("continuationToken")) break;
    p.continuation_token = r["continuationToken"].GetString();
  }
  CHECK(pages == 3);
  CHECK(seen == ids);
  Page lim;
  lim.limit = 4;
  CHECK(q.ListTaskGroup(G, lim)["tasks"].Size() == 4);
  auto e = Throws([&] { q.ListTaskGroup(C, {}); });
  CHECK(e.status() == 404);
  CHECK(std::string(e.what()) == "No task-group with taskGroupId: `" + C + "`");
  Page bad;
  bad.continuation_token = "!!";
  CHECK(Throws([&] { q.ListTaskGroup(G, bad); }).code() == "InputError");
}

TEST_CASE_METHOD(Fixture, "status/task 404 messages") {
  auto e = Throws([&] { q.Status(A); });
  CHECK(e.status() == 404);
  CHECK(e.code() == "ResourceNotFound");
  CHECK(std::string(e.what()) == "`" + A + "` does not correspond to a task that exists.\nAre you sure this task exists?");
  e = Throws([&] { q.Task(A); });
  CHECK(std::string(e.what()).find("has already been submitted?") != std::string::npos);
  e = Throws([&] { q.ListDependentTasks(A, {}); });
  CHECK(std::string(e.what()) == "Task with taskId: `" + A + "` was not found");
}

TEST_CASE_METHOD(Fixture, "worker side: claimWork, report*, retries") {
  q.CreateTask(A, Def(R"({"priority": "low"})"));
  q.CreateTask(B, Def(R"({"priority": "high"})"));
  Json c = q.ClaimWork("proj/linux", "wg", "wi", 1);
  REQUIRE(c["tasks"].Size() == 1);
  CHECK(S(c["tasks"][0]["status"]["taskId"]) == B);  // higher priority first
  CHECK(c["tasks"][0]["runId"] == 0);
  CHECK(c["tasks"][0]["status"]["runs"][0]["state"] == "running");
  CHECK(c["tasks"][0]["status"]["runs"][0]["workerGroup"] == "wg");
  CHECK(c["tasks"][0]["task"]["priority"] == "high");
  // completing a pending run: 409
  auto e = Throws([&] { q.ReportCompleted(A, 0); });
  CHECK(e.status() == 409);
  CHECK(std::string(e.what()) == "Run 0 of task `" + A + "` is not running or completed.");
  CHECK(Throws([&] { q.ReportCompleted(B, 1); }).status() == 404);
  CHECK(q.ReportCompleted(B, 0)["status"]["state"] == "completed");
  CHECK(q.ReportCompleted(B, 0)["status"]["state"] == "completed");  // idempotent
  CHECK(Throws([&] { q.ReportFailed(B, 0); }).status() == 409);
  // worker-shutdown retries
  q.ClaimWork("proj/linux", "wg", "wi", 5);
  Json r = q.ReportException(A, 0, "worker-shutdown");
  CHECK(r["status"]["state"] == "pending");
  CHECK(r["status"]["retriesLeft"] == 4);
  CHECK(r["status"]["runs"][1]["reasonCreated"] == "retry");
  CHECK(q.ClaimWork("proj/linux", "wg", "wi", 5)["tasks"].Size() == 1);
  CHECK(q.ReportException(A, 1, "malformed-payload")["status"]["state"] == "exception");
  CHECK(Throws([&] { q.ReportException(A, 1, "bogus"); }).code() == "InputValidationError");
  CHECK(q.ClaimWork("proj/linux", "wg", "wi", 5)["tasks"].Size() == 0);
}

TEST_CASE_METHOD(Fixture, "claims expire: claim-expired with a retry") {
  q.SetClaimTimeoutSeconds(60);
  q.CreateTask(A, Def(R"({"retries": 0})"));
  q.CreateTask(B, Def());
  q.ClaimWork("proj/linux", "wg", "wi", 2);
  q.AdvanceClock(seconds(61));
  Json a = q.Status(A);
  CHECK(a["status"]["state"] == "exception");
  CHECK(a["status"]["runs"][0]["reasonResolved"] == "claim-expired");
  Json b = q.Status(B);
  CHECK(b["status"]["state"] == "pending");
  CHECK(b["status"]["runs"][1]["reasonCreated"] == "retry");
}

TEST_CASE_METHOD(Fixture, "artifacts") {
  q.CreateTask(A, Def());
  CHECK(Throws([&] { q.GetLatestArtifact(B, "public/x"); }).status() == 404);
  q.Drive(A, "completed");
  MemArtifact s3;
  s3.name = "public/a.json";
  s3.content = "{\"a\":1}";
  s3.gzip = true;
  q.PutArtifact(A, -1, s3);
  CHECK(q.GetLatestArtifact(A, "public/a.json") == "{\"a\":1}");
  auto e = Throws([&] { q.GetLatestArtifact(A, "public/missing"); });
  CHECK(e.status() == 404);
  CHECK(std::string(e.what()) == "Artifact not found");
  MemArtifact err;
  err.name = "public/err";
  err.storage_type = "error";
  err.reason = "file-missing-on-worker";
  err.message = "no such file";
  q.PutArtifact(A, -1, err);
  CHECK(Throws([&] { q.GetLatestArtifact(A, "public/err"); }).status() == 424);
  MemArtifact old = s3;
  old.name = "public/old";
  old.expires_ms = now() - 1;
  q.PutArtifact(A, -1, old);
  e = Throws([&] { q.GetLatestArtifact(A, "public/old"); });
  CHECK(e.status() == 410);
  CHECK(e.code() == "ResourceExpired");
  MemArtifact link;
  link.name = "public/link";
  link.storage_type = "link";
  link.link = "public/a.json";
  q.PutArtifact(A, -1, link);
  CHECK(q.GetLatestArtifact(A, "public/link") == "{\"a\":1}");
  // the latest run has no artifacts after a rerun
  q.RerunTask(A);
  CHECK(Throws([&] { q.GetLatestArtifact(A, "public/a.json"); }).status() == 404);
  CHECK(q.LookupArtifact(A, 0, "public/a.json").artifact.gzip);
}

TEST_CASE_METHOD(Fixture, "seeding bypasses the created window but checks the rest") {
  Json d = Def();
  auto& a = d.GetAllocator();
  SetMember(d, "created", Str(Iso(now() - 3 * 3600 * 1000), a), a);
  SetMember(d, "deadline", Str(Iso(now() - 3600 * 1000), a), a);
  q.SeedTask(A, d, "completed");
  Json runs = ParseJson(R"([{"state": "failed"}, {"state": "running", "workerGroup": "g", "workerId": "w"}])", "r");
  Json d2 = Def(R"({"dependencies": [")" + A + "\"]}");
  q.SeedTask(B, d2, "", &runs);
  q.FinishSeeding();
  CHECK(State(A) == "completed");
  Json sb = q.Status(B);
  CHECK(sb["status"]["runs"].Size() == 2);
  CHECK(sb["status"]["runs"][1]["reasonCreated"] == "rerun");
  CHECK(sb["status"]["runs"][1]["workerId"] == "w");
  // invalid definitions are refused
  Json bad = Def();
  bad.RemoveMember("metadata");
  CHECK_THROWS_AS(q.SeedTask(C, bad, "pending"), BadInput);
  Json d3 = Def(R"({"dependencies": [")" + G + "\"]}");
  q.SeedTask(C, d3, "unscheduled");
  CHECK_THROWS_AS(q.FinishSeeding(), BadInput);
}

TEST_CASE_METHOD(Fixture, "DumpTasks lists every task with its status") {
  q.CreateTask(B, Def());
  q.CreateTask(A, Def());
  Json all = q.DumpTasks();
  REQUIRE(all.Size() == 2);
  CHECK(S(all[0]["taskId"]) == A);
  CHECK(all[0]["status"]["state"] == "pending");
  CHECK(all[0]["task"]["taskQueueId"] == "proj/linux");
}

// MemoryQueue: see queue_memory.h. Source references are to the Taskcluster
// monorepo (v106): services/queue/src/api.js (A), dependencytracker.js (D),
// deadlineresolver.js, data.js, db/versions/0124.yml and 0028.yml (DB).
#include "emulator/queue_memory.h"

#include "core/slugid.h"
#include "core/timestamp.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cctype>
#include <cstring>
#include <regex>
#include <unordered_map>
#include <sstream>

namespace tc {

// ====================================================================
// helpers
// ====================================================================
namespace memq {

namespace {
int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
unsigned DaysInMonth(int64_t y, unsigned m) {
  static const unsigned k[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : k[m - 1];
}
}  // namespace

std::string IsoMs(int64_t ms) { return FormatIsoMs(ms); }

std::optional<int64_t> ParseIso(const std::string& s) {
  static const std::regex re(
      R"(^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|([+-])(\d{2}):(\d{2}))$)");
  std::smatch mt;
  if (!std::regex_match(s, mt, re)) return std::nullopt;
  int64_t y = std::stoll(mt[1]);
  unsigned mo = std::stoul(mt[2]), d = std::stoul(mt[3]);
  int h = std::stoi(mt[4]), mi = std::stoi(mt[5]), se = std::stoi(mt[6]);
  if (mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, mo)) return std::nullopt;
  if (h > 23 || mi > 59 || se > 60) return std::nullopt;
  int ms = 0;
  if (mt[7].matched) {
    std::string f = mt[7].str().substr(1);
    f = (f + "000").substr(0, 3);
    ms = std::stoi(f);
  }
  int64_t off_min = 0;
  if (mt[9].matched) {
    int oh = std::stoi(mt[10]), om = std::stoi(mt[11]);
    if (oh > 23 || om > 59) return std::nullopt;
    off_min = (oh * 60 + om) * (mt[9].str() == "-" ? -1 : 1);
  }
  if (se == 60) se = 59;  // leap second: JS Date rejects; treat leniently as :59
  int64_t t = DaysFromCivil(y, mo, d) * 86400000 + (h * 3600 + mi * 60 + se) * 1000LL + ms;
  return t - off_min * 60000;
}

// JavaScript: d.setFullYear(d.getFullYear() + 1) in UTC (Feb 29 -> Mar 1).
int64_t AddOneYear(int64_t ms) {
  int64_t days = FloorDiv(ms, 86400000);
  int64_t rem = ms - days * 86400000;
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  return (DaysFromCivil(y + 1, m, 1) + (d - 1)) * 86400000 + rem;
}

bool IsSlugid(const std::string& s) { return tc::IsSlugid(s); }
bool IsTaskQueueId(const std::string& s) {
  static const std::regex re("^[a-zA-Z0-9-_]{1,38}/[a-z]([-a-z0-9]{0,36}[a-z0-9])?$");
  return std::regex_match(s, re);
}
bool ScopeSatisfies(const std::string& have, const std::string& need) {
  if (have == need) return true;
  if (!have.empty() && have.back() == '*') {
    return need.compare(0, have.size() - 1, have, 0, have.size() - 1) == 0 && need.size() >= have.size() - 1;
  }
  return false;
}
bool ScopesSatisfy(const std::vector<std::string>& have, const std::string& need) {
  for (const auto& h : have)
    if (ScopeSatisfies(h, need)) return true;
  return false;
}
const std::vector<std::string>& PriorityLevels() {
  static const std::vector<std::string> k = {"highest", "very-high", "high", "medium", "low", "very-low", "lowest"};
  return k;
}

}  // namespace memq

namespace {

using memq::IsoMs;
using memq::ParseIso;

constexpr int64_t kMinute = 60 * 1000;
constexpr int64_t kDay = 24 * 60 * kMinute;
constexpr int kMaxRunsAllowed = 50;        // api.js MAX_RUNS_ALLOWED, DB rerun_task
constexpr int64_t kDeadlineDelayMs = 60000;  // queue config deadlineDelay
constexpr int kMaxPage = 1000;              // lib-api paginateResults maxLimit

const char* kSlugRe = "/^[A-Za-z0-9_-]{8}[Q-T][A-Za-z0-9_-][CGKOSWaeimquy26-][A-Za-z0-9_-]{10}[AQgw]$/";

[[noreturn]] void Fail(int status, const char* code, const std::string& msg) { throw TcError(status, code, msg); }
[[noreturn]] void NotFound(const std::string& msg) { Fail(404, "ResourceNotFound", msg); }
[[noreturn]] void Conflict(const std::string& msg) { Fail(409, "RequestConflict", msg); }
[[noreturn]] void InputError(const std::string& msg) { Fail(400, "InputError", msg); }

// lib-api parameterValidator (InvalidRequestArguments) for :taskId / :taskGroupId.
void CheckSlugParam(const char* param, const std::string& v) {
  if (!memq::IsSlugid(v)) {
    Fail(400, "InvalidRequestArguments",
         std::string("Invalid URL patterns:\nURL parameter '") + param + "' given as '" + v +
             "' must match regular expression: '" + kSlugRe + "'");
  }
}

bool IsResolved(const std::string& state) {
  return state == "completed" || state == "failed" || state == "exception";
}

// ---- continuation tokens (opaque; offset-based like lib-api's paginateResults) ----
std::string EncodeToken(int64_t offset) {
  if (offset <= 0) return "";
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : "offset:" + std::to_string(offset)) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}
// lib-api decodes tokens with hashids: a token with a character outside
// [a-zA-Z0-9] is a 400 "Invalid continuation token"; any other token that does
// not decode starts from the beginning (offset 0). Ours: hex of "offset:<n>".
int64_t DecodeToken(const std::string& tok) {
  if (tok.empty()) return 0;
  for (char c : tok)
    if (!std::isalnum(static_cast<unsigned char>(c))) InputError("Invalid continuation token");
  if (tok.size() % 2) return 0;
  std::string out;
  for (size_t i = 0; i < tok.size(); i += 2) {
    auto hex = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1; };
    int hi = hex(tok[i]), lo = hex(tok[i + 1]);
    if (hi < 0 || lo < 0) return 0;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  if (out.rfind("offset:", 0) != 0 || out.size() == 7) return 0;
  for (size_t i = 7; i < out.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(out[i]))) return 0;
  if (out.size() > 7 + 15) return 0;
  return std::stoll(out.substr(7));
}

// create-task-request.json defaults (ajv useDefaults), in schema order.
void ApplyDefaultsImpl(JsonValue& d, JsonAlloc& a) {
  if (!d.IsObject()) return;
  static const std::pair<const char*, const char*> k[] = {
      {"dependencies", "[]"}, {"extra", "{}"},         {"payload", "[]"}, {"priority", "\"lowest\""},
      {"projectId", "\"none\""}, {"requires", "\"all-completed\""}, {"retries", "5"}, {"routes", "[]"},
      {"schedulerId", "\"-\""}, {"scopes", "[]"}, {"tags", "{}"}};
  for (auto& [name, json] : k) {
    if (d.HasMember(name)) continue;
    Json v;
    v.Parse(json);
    d.AddMember(JsonValue(name, a), CopyValue(v, a), a);
  }
}

// ---- ajv-like validation of create-task-request.json ----
class SchemaErrors {
 public:
  void Add(const std::string& path, const std::string& msg) { errs_.push_back("data" + path + " " + msg); }
  bool empty() const { return errs_.empty(); }
  std::string Text() const {
    std::string s =
        "\nSchema Validation Failed!\nRejecting Schema: "
        "/schemas/queue/v1/create-task-request.json#\nErrors:\n  * ";
    for (size_t i = 0; i < errs_.size(); i++) s += (i ? "\n  * " : "") + errs_[i];
    return s;
  }

 private:
  std::vector<std::string> errs_;
};

// std::regex construction costs far more than matching: compile each pattern
// once per thread.
const std::regex& CachedRegex(const std::string& re) {
  thread_local std::unordered_map<std::string, std::regex> cache;
  auto it = cache.find(re);
  if (it == cache.end()) it = cache.emplace(re, std::regex(re)).first;
  return it->second;
}
bool ReMatch(const std::string& s, const char* re) { return std::regex_search(s, CachedRegex(re)); }

void CheckString(const JsonValue& v, const std::string& path, SchemaErrors& e, const char* pattern = nullptr,
                 int min_len = -1, int max_len = -1, bool date_time = false) {
  if (!v.IsString()) return e.Add(path, "must be string");
  std::string s(v.GetString(), v.GetStringLength());
  // ajv counts unicode code points
  size_t len = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) len++;
  if (max_len >= 0 && len > static_cast<size_t>(max_len))
    e.Add(path, "must NOT have more than " + std::to_string(max_len) + " characters");
  if (min_len >= 0 && len < static_cast<size_t>(min_len))
    e.Add(path, "must NOT have fewer than " + std::to_string(min_len) + " characters");
  if (pattern && !ReMatch(s, pattern)) e.Add(path, std::string("must match pattern \"") + pattern + "\"");
  if (date_time && !ParseIso(s)) e.Add(path, "must match format \"date-time\"");
}

void CheckUnique(const JsonValue& arr, const std::string& path, SchemaErrors& e) {
  for (rapidjson::SizeType i = 1; i < arr.Size(); i++)
    for (rapidjson::SizeType j = 0; j < i; j++)
      if (arr[i] == arr[j]) {
        e.Add(path, "must NOT have duplicate items (items ## " + std::to_string(j) + " and " + std::to_string(i) +
                        " are identical)");
        return;
      }
}

void ValidateCreateTaskRequest(const JsonValue& d, SchemaErrors& e) {
  if (!d.IsObject()) return e.Add("", "must be object");
  static const std::set<std::string> known = {
      "created", "deadline", "dependencies", "expires", "extra", "metadata", "payload", "priority",
      "projectId", "provisionerId", "requires", "retries", "routes", "schedulerId", "scopes", "tags",
      "taskGroupId", "taskQueueId", "workerType"};
  for (const char* req : {"created", "deadline", "payload", "metadata"})
    if (!d.HasMember(req)) e.Add("", std::string("must have required property '") + req + "'");
  for (auto it = d.MemberBegin(); it != d.MemberEnd(); ++it) {
    std::string k(it->name.GetString(), it->name.GetStringLength());
    if (!known.count(k)) e.Add("", "must NOT have additional properties: \"" + k + "\"");
  }
  const char* slug = "^[A-Za-z0-9_-]{8}[Q-T][A-Za-z0-9_-][CGKOSWaeimquy26-][A-Za-z0-9_-]{10}[AQgw]$";
  const JsonValue* v;
  if ((v = Member(d, "created"))) CheckString(*v, "/created", e, nullptr, -1, -1, true);
  if ((v = Member(d, "deadline"))) CheckString(*v, "/deadline", e, nullptr, -1, -1, true);
  if ((v = Member(d, "expires"))) CheckString(*v, "/expires", e, nullptr, -1, -1, true);
  if ((v = Member(d, "dependencies"))) {
    if (!v->IsArray()) {
      e.Add("/dependencies", "must be array");
    } else {
      if (v->Size() > 10000) e.Add("/dependencies", "must NOT have more than 10000 items");
      for (rapidjson::SizeType i = 0; i < v->Size(); i++)
        CheckString((*v)[i], "/dependencies/" + std::to_string(i), e, slug);
      CheckUnique(*v, "/dependencies", e);
    }
  }
  if ((v = Member(d, "extra")) && !v->IsObject()) e.Add("/extra", "must be object");
  if ((v = Member(d, "payload")) && !v->IsObject()) e.Add("/payload", "must be object");
  if ((v = Member(d, "metadata"))) {
    if (!v->IsObject()) {
      e.Add("/metadata", "must be object");
    } else {
      for (const char* req : {"name", "description", "owner", "source"})
        if (!v->HasMember(req)) e.Add("/metadata", std::string("must have required property '") + req + "'");
      for (auto it = v->MemberBegin(); it != v->MemberEnd(); ++it) {
        std::string k(it->name.GetString(), it->name.GetStringLength());
        if (k == "description") CheckString(it->value, "/metadata/description", e, nullptr, -1, 32768);
        else if (k == "name" || k == "owner") CheckString(it->value, "/metadata/" + k, e, nullptr, -1, 255);
        else if (k == "source") CheckString(it->value, "/metadata/source", e, "^(https?://|ssh://|git@)", -1, 4096);
        else e.Add("/metadata", "must NOT have additional properties: \"" + k + "\"");
      }
    }
  }
  if ((v = Member(d, "priority"))) {
    if (!v->IsString()) e.Add("/priority", "must be string");
    else if (std::find(memq::PriorityLevels().begin(), memq::PriorityLevels().end(), v->GetString()) ==
             memq::PriorityLevels().end())
      e.Add("/priority", "must be equal to one of the allowed values");
  }
  if ((v = Member(d, "projectId"))) CheckString(*v, "/projectId", e, "^([a-zA-Z0-9._/-]*)$", 1, 500);
  if ((v = Member(d, "provisionerId"))) CheckString(*v, "/provisionerId", e, "^[a-zA-Z0-9-_]{1,38}$");
  if ((v = Member(d, "workerType"))) CheckString(*v, "/workerType", e, "^[a-z]([-a-z0-9]{0,36}[a-z0-9])?$");
  if ((v = Member(d, "taskQueueId")))
    CheckString(*v, "/taskQueueId", e, "^[a-zA-Z0-9-_]{1,38}/[a-z]([-a-z0-9]{0,36}[a-z0-9])?$");
  if ((v = Member(d, "taskGroupId"))) CheckString(*v, "/taskGroupId", e, slug);
  if ((v = Member(d, "requires"))) {
    if (!v->IsString()) e.Add("/requires", "must be string");
    else if (std::string(v->GetString()) != "all-completed" && std::string(v->GetString()) != "all-resolved")
      e.Add("/requires", "must be equal to one of the allowed values");
  }
  if ((v = Member(d, "retries"))) {
    if (!v->IsNumber() || (v->IsDouble() && std::floor(v->GetDouble()) != v->GetDouble())) {
      e.Add("/retries", "must be integer");
    } else {
      double r = v->GetDouble();
      if (r > 49) e.Add("/retries", "must be <= 49");
      if (r < 0) e.Add("/retries", "must be >= 0");
    }
  }
  if ((v = Member(d, "routes"))) {
    if (!v->IsArray()) {
      e.Add("/routes", "must be array");
    } else {
      if (v->Size() > 64) e.Add("/routes", "must NOT have more than 64 items");
      for (rapidjson::SizeType i = 0; i < v->Size(); i++)
        CheckString((*v)[i], "/routes/" + std::to_string(i), e, nullptr, 1, 249);
      CheckUnique(*v, "/routes", e);
    }
  }
  if ((v = Member(d, "schedulerId"))) CheckString(*v, "/schedulerId", e, "^([a-zA-Z0-9-_]*)$", 1, 38);
  if ((v = Member(d, "scopes"))) {
    if (!v->IsArray()) {
      e.Add("/scopes", "must be array");
    } else {
      for (rapidjson::SizeType i = 0; i < v->Size(); i++)
        CheckString((*v)[i], "/scopes/" + std::to_string(i), e, "^[ -~]*$");
    }
  }
  if ((v = Member(d, "tags"))) {
    if (!v->IsObject()) {
      e.Add("/tags", "must be object");
    } else {
      for (auto it = v->MemberBegin(); it != v->MemberEnd(); ++it)
        CheckString(it->value, std::string("/tags/") + it->name.GetString(), e, nullptr, -1, 4096);
    }
  }
}

std::vector<std::string> StringArray(const JsonValue& v) {
  std::vector<std::string> out;
  if (v.IsArray())
    for (auto& x : v.GetArray())
      if (x.IsString()) out.emplace_back(x.GetString(), x.GetStringLength());
  return out;
}

struct Run {
  std::string state, reason_created, reason_resolved, worker_group, worker_id;
  int64_t scheduled = 0, started = 0, resolved = 0, taken_until = 0;
};

struct TaskRec {
  std::string task_id;
  Json def;  // normalized definition in api.js definition() key order
  std::string task_queue_id, scheduler_id, project_id, task_group_id, requires, priority;
  std::vector<std::string> deps;
  int retries = 5, retries_left = 5;
  int64_t created = 0, deadline = 0, expires = 0;
  std::vector<Run> runs;
  int64_t taken_until = 0;
  std::map<std::string, bool> dep_satisfied;
  std::map<std::pair<int, std::string>, MemArtifact> artifacts;
  uint64_t pending_seq = 0;

  std::string State() const { return runs.empty() ? "unscheduled" : runs.back().state; }
};

struct Group {
  std::string scheduler_id;
  int64_t expires = 0;
};

}  // namespace

void memq::ApplyCreateTaskDefaults(JsonValue& def, JsonAlloc& a) { ApplyDefaultsImpl(def, a); }

// ====================================================================
// Impl
// ====================================================================
struct MemoryQueue::Impl {
  mutable std::mutex mu;
  QueueClock clock;
  int64_t offset_ms = 0;
  int page_size = kMaxPage;
  int max_days = 5;
  int claim_timeout_s = 1200;
  std::map<std::string, TaskRec> tasks;
  std::map<std::string, Group> groups;
  std::map<std::string, std::set<std::string>> dependents;  // required -> dependents
  uint64_t seq = 0;
  std::vector<std::string> unfinished_seed;

  int64_t Now() const {
    auto tp = clock ? clock() : std::chrono::system_clock::now();
    return std::chrono::duration_cast<std::chrono::milliseconds>(tp.time_since_epoch()).count() + offset_ms;
  }

  TaskRec* Find(const std::string& id) {
    auto it = tasks.find(id);
    return it == tasks.end() ? nullptr : &it->second;
  }

  // ---- JSON views ----
  Json StatusJson(const TaskRec& t) const {
    Json d(rapidjson::kObjectType);
    auto& a = d.GetAllocator();
    auto put = [&](const char* k, const std::string& v) { d.AddMember(rapidjson::StringRef(k), Str(v, a), a); };
    put("taskId", t.task_id);
    auto slash = t.task_queue_id.find('/');
    put("provisionerId", t.task_queue_id.substr(0, slash));
    put("workerType", t.task_queue_id.substr(slash + 1));
    put("taskQueueId", t.task_queue_id);
    put("schedulerId", t.scheduler_id);
    put("projectId", t.project_id);
    put("taskGroupId", t.task_group_id);
    put("priority", t.priority);
    put("deadline", IsoMs(t.deadline));
    put("expires", IsoMs(t.expires));
    d.AddMember("retriesLeft", t.retries_left, a);
    put("state", t.State());
    JsonValue runs(rapidjson::kArrayType);
    for (size_t i = 0; i < t.runs.size(); i++) {
      const Run& r = t.runs[i];
      JsonValue o(rapidjson::kObjectType);
      o.AddMember("runId", static_cast<int>(i), a);
      o.AddMember("state", Str(r.state, a), a);
      o.AddMember("reasonCreated", Str(r.reason_created, a), a);
      if (!r.reason_resolved.empty()) o.AddMember("reasonResolved", Str(r.reason_resolved, a), a);
      if (!r.worker_group.empty()) o.AddMember("workerGroup", Str(r.worker_group, a), a);
      if (!r.worker_id.empty()) o.AddMember("workerId", Str(r.worker_id, a), a);
      if (r.taken_until) o.AddMember("takenUntil", Str(IsoMs(r.taken_until), a), a);
      o.AddMember("scheduled", Str(IsoMs(r.scheduled), a), a);
      if (r.started) o.AddMember("started", Str(IsoMs(r.started), a), a);
      if (r.resolved) o.AddMember("resolved", Str(IsoMs(r.resolved), a), a);
      runs.PushBack(o, a);
    }
    d.AddMember("runs", runs, a);
    return d;
  }

  Json StatusResponse(const TaskRec& t) const {
    Json d(rapidjson::kObjectType);
    Json s = StatusJson(t);
    d.AddMember("status", CopyValue(s, d.GetAllocator()), d.GetAllocator());
    return d;
  }

  JsonValue DefAndStatus(const TaskRec& t, JsonAlloc& a) const {
    JsonValue o(rapidjson::kObjectType);
    Json s = StatusJson(t);
    o.AddMember("status", CopyValue(s, a), a);
    o.AddMember("task", CopyValue(t.def, a), a);
    return o;
  }

  // ---- state transitions (DB functions) ----
  bool Blocked(const TaskRec& t) const {
    for (auto& [dep, sat] : t.dep_satisfied)
      if (!sat) return true;
    return false;
  }

  void AddPendingRun(TaskRec& t, const std::string& reason, int64_t now) {
    Run r;
    r.state = "pending";
    r.reason_created = reason;
    r.scheduled = now;
    t.runs.push_back(r);
    t.taken_until = 0;
    t.pending_seq = ++seq;
  }

  // DB schedule_task: only when there is no run yet. (D scheduleTask also
  // refuses past the deadline.)
  bool Schedule(TaskRec& t, int64_t now) {
    if (!t.runs.empty()) return false;
    AddPendingRun(t, "scheduled", now);
    return true;
  }

  // D resolveTask: satisfy dependents and schedule the unblocked ones.
  void ResolveDependents(const std::string& task_id, const std::string& resolution, int64_t now) {
    auto it = dependents.find(task_id);
    if (it == dependents.end()) return;
    for (const auto& dep_id : it->second) {
      TaskRec* d = Find(dep_id);
      if (!d) continue;
      if (d->expires <= now) continue;  // get_dependent_tasks: expires > now()
      if (resolution != "completed" && d->requires != "all-resolved") continue;
      d->dep_satisfied[task_id] = true;
      if (!Blocked(*d) && d->deadline >= now) Schedule(*d, now);
    }
  }

  // DB cancel_task(reason)
  bool CancelRuns(TaskRec& t, const std::string& reason, int64_t when) {
    if (!t.runs.empty()) {
      Run& r = t.runs.back();
      if (r.state != "pending" && r.state != "running") return false;
      r.state = "exception";
      r.reason_resolved = reason;
      r.resolved = when;
    } else {
      Run r;
      r.state = "exception";
      r.reason_created = "exception";
      r.reason_resolved = reason;
      r.scheduled = when;
      r.resolved = when;
      t.runs.push_back(r);
    }
    t.taken_until = 0;
    return true;
  }

  // DB resolve_task
  bool ResolveRun(TaskRec& t, int run_id, const std::string& state, const std::string& reason,
                  const std::string& retry_reason, int64_t now) {
    if (static_cast<int>(t.runs.size()) != run_id + 1) return false;
    Run& r = t.runs[run_id];
    if (r.state != "running") return false;
    r.state = state;
    r.reason_resolved = reason;
    r.resolved = now;
    bool retried = false;
    if (!retry_reason.empty() && t.retries_left > 0) {
      t.retries_left--;
      AddPendingRun(t, retry_reason, now);
      retried = true;
    }
    t.taken_until = 0;
    (void)retried;
    return true;
  }

  // Lazy deadline resolver and claim resolver.
  // Sweep bookkeeping: nothing (deadline + delay, claim expiry) can be due
  // before next_event_ms unless something changed since the last full sweep
  // (then next_event_ms is kUnknownEvent). createTask only lowers it.
  static constexpr int64_t kUnknownEvent = INT64_MIN;
  int64_t next_event_ms = kUnknownEvent;
  void Touched() { next_event_ms = kUnknownEvent; }

  void Sweep() {
    int64_t now = Now();
    if (next_event_ms != kUnknownEvent && now < next_event_ms) return;
    SweepAll(now);
    int64_t next = INT64_MAX;
    for (auto& [id, t] : tasks) {
      if (!t.runs.empty() && t.runs.back().state == "running" && t.runs.back().taken_until)
        next = std::min(next, t.runs.back().taken_until + 1);
      if (!IsResolved(t.State())) next = std::min(next, t.deadline + kDeadlineDelayMs);
    }
    next_event_ms = next;
  }

  void SweepAll(int64_t now) {
    // Process in order of event time so dependents see causes first.
    for (bool changed = true; changed;) {
      changed = false;
      for (auto& [id, t] : tasks) {
        if (t.runs.empty() ? false : t.runs.back().state == "running") {
          Run& r = t.runs.back();
          if (r.taken_until && r.taken_until < now && r.taken_until < t.deadline + kDeadlineDelayMs) {
            // claimresolver / DB check_task_claim
            int64_t when = r.taken_until;
            r.state = "exception";
            r.reason_resolved = "claim-expired";
            r.resolved = when;
            t.taken_until = 0;
            if (t.retries_left > 0) {
              t.retries_left--;
              AddPendingRun(t, "retry", when);
            } else {
              ResolveDependents(id, "exception", when);
            }
            changed = true;
          }
        }
        std::string st = t.State();
        if (!IsResolved(st) && t.deadline + kDeadlineDelayMs <= now) {
          int64_t when = t.deadline + kDeadlineDelayMs;
          if (CancelRuns(t, "deadline-exceeded", when)) {
            ResolveDependents(id, "exception", when);
            changed = true;
          }
        }
      }
    }
  }

  // ---- createTask pieces ----
  Json Normalize(const std::string& task_id, const JsonValue& in) const {
    CheckSlugParam("taskId", task_id);
    // ajv useDefaults: schema defaults are filled in before validation (so a
    // missing payload becomes [] and fails "must be object", as upstream)
    Json withdef = CopyJson(in);
    ApplyDefaultsImpl(withdef, withdef.GetAllocator());
    const JsonValue& in_ = withdef;
    SchemaErrors errs;
    ValidateCreateTaskRequest(in_, errs);
    if (!errs.empty()) Fail(400, "InputValidationError", errs.Text());

    auto gs = [&](const char* k) -> std::string {
      const JsonValue* v = Member(in_, k);
      return v && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : std::string();
    };
    std::string prov = gs("provisionerId"), wt = gs("workerType"), tq = gs("taskQueueId");
    if (!prov.empty() && !wt.empty() && !tq.empty()) {
      if (prov + "/" + wt != tq) InputError("taskQueueId must match \"provisionerId/workerType\"");
    } else if (!prov.empty() && !wt.empty()) {
      tq = prov + "/" + wt;
    } else if (!tq.empty()) {
      auto slash = tq.find('/');
      prov = tq.substr(0, slash);
      wt = tq.substr(slash + 1);
    } else {
      InputError("at least a provisionerId and a workerType or a taskQueueId must be provided\"");
    }

    Json d(rapidjson::kObjectType);
    auto& a = d.GetAllocator();
    auto put = [&](const char* k, const std::string& v) { d.AddMember(rapidjson::StringRef(k), Str(v, a), a); };
    auto copy_or = [&](const char* k, const char* deflt_json) {
      const JsonValue* v = Member(in_, k);
      if (v) {
        d.AddMember(rapidjson::StringRef(k), CopyValue(*v, a), a);
      } else {
        Json def;
        def.Parse(deflt_json);
        d.AddMember(rapidjson::StringRef(k), CopyValue(def, a), a);
      }
    };
    put("provisionerId", prov);
    put("workerType", wt);
    put("taskQueueId", tq);
    put("schedulerId", Member(in_, "schedulerId") ? gs("schedulerId") : "-");
    std::string project = gs("projectId");
    put("projectId", project.empty() ? "none" : project);
    std::string group = gs("taskGroupId");
    put("taskGroupId", group.empty() ? task_id : group);
    copy_or("dependencies", "[]");
    put("requires", Member(in_, "requires") ? gs("requires") : "all-completed");
    copy_or("routes", "[]");
    put("priority", Member(in_, "priority") ? gs("priority") : "lowest");
    int retries = 5;
    if (const JsonValue* r = Member(in_, "retries")) retries = static_cast<int>(r->GetDouble());
    d.AddMember("retries", retries, a);
    int64_t created = *ParseIso(gs("created")), deadline = *ParseIso(gs("deadline"));
    int64_t expires = Member(in_, "expires") ? *ParseIso(gs("expires")) : memq::AddOneYear(deadline);
    put("created", IsoMs(created));
    put("deadline", IsoMs(deadline));
    put("expires", IsoMs(expires));
    copy_or("scopes", "[]");
    copy_or("payload", "{}");
    copy_or("metadata", "{}");
    copy_or("tags", "{}");
    copy_or("extra", "{}");
    return d;
  }

  // Fills the typed fields of a record from its normalized definition.
  static void Fill(TaskRec& t, const std::string& task_id, Json def) {
    t.task_id = task_id;
    auto gs = [&](const char* k) { return std::string(def[k].GetString(), def[k].GetStringLength()); };
    t.task_queue_id = gs("taskQueueId");
    t.scheduler_id = gs("schedulerId");
    t.project_id = gs("projectId");
    t.task_group_id = gs("taskGroupId");
    t.requires = gs("requires");
    t.priority = gs("priority");
    t.deps = StringArray(def["dependencies"]);
    t.retries = t.retries_left = def["retries"].GetInt();
    t.created = *ParseIso(gs("created"));
    t.deadline = *ParseIso(gs("deadline"));
    t.expires = *ParseIso(gs("expires"));
    // payload, metadata, tags and extra are jsonb columns: Postgres returns
    // their objects with keys ordered by length, then bytes (checked against
    // the genuine queue by tests/conformance_test.cc).
    for (const char* k : {"payload", "metadata", "tags", "extra"})
      if (def.HasMember(k)) JsonbOrder(def[k], def.GetAllocator());
    t.def = std::move(def);
  }

  // Reorders object keys recursively as Postgres jsonb stores them (shorter
  // keys first, then bytewise); a duplicate key keeps its last value.
  static void JsonbOrder(JsonValue& v, JsonAlloc& a) {
    if (v.IsArray()) {
      for (auto& e : v.GetArray()) JsonbOrder(e, a);
      return;
    }
    if (!v.IsObject()) return;
    std::vector<std::pair<std::string, JsonValue>> members;
    for (auto& m : v.GetObject()) {
      std::string name(m.name.GetString(), m.name.GetStringLength());
      JsonbOrder(m.value, a);
      bool dup = false;
      for (auto& [n, val] : members)
        if (n == name) {
          val = std::move(m.value);
          dup = true;
        }
      if (!dup) members.emplace_back(std::move(name), std::move(m.value));
    }
    std::stable_sort(members.begin(), members.end(), [](const auto& x, const auto& y) {
      if (x.first.size() != y.first.size()) return x.first.size() < y.first.size();
      return x.first < y.first;
    });
    JsonValue out(rapidjson::kObjectType);
    for (auto& [n, val] : members) out.AddMember(Str(n, a), std::move(val), a);
    v = std::move(out);
  }

  // DB ensure_task_group; returns false on schedulerId conflict.
  void EnsureGroup(const std::string& group_id, const std::string& scheduler_id, int64_t expires) {
    auto it = groups.find(group_id);
    if (it == groups.end()) {
      groups[group_id] = Group{scheduler_id, expires + 3600 * 1000};
      return;
    }
    if (it->second.scheduler_id != scheduler_id) {
      Conflict("Task group `" + group_id + "` contains tasks with a schedulerId other\nthan `" + scheduler_id +
               "`. All tasks in the same task-group must have\nthe same schedulerId.");
    }
    if (expires > it->second.expires) it->second.expires = expires + 3600 * 1000;
  }

  void Link(const TaskRec& t) {
    for (const auto& dep : t.deps) dependents[dep].insert(t.task_id);
  }
  void Unlink(const TaskRec& t) {
    for (const auto& dep : t.deps) {
      auto it = dependents.find(dep);
      if (it != dependents.end()) it->second.erase(t.task_id);
    }
  }

  Json Paged(const std::vector<const TaskRec*>& all, const Page& page, const char* id_key, const std::string& id,
             const Group* group) {
    int64_t offset = DecodeToken(page.continuation_token.value_or(""));
    int size = std::min(page.limit ? *page.limit : page_size, kMaxPage);
    if (size < 0) size = 0;
    Json d(rapidjson::kObjectType);
    auto& a = d.GetAllocator();
    d.AddMember(rapidjson::StringRef(id_key), Str(id, a), a);
    if (group) {
      d.AddMember("schedulerId", Str(group->scheduler_id, a), a);
      d.AddMember("expires", Str(IsoMs(group->expires), a), a);
    }
    JsonValue arr(rapidjson::kArrayType);
    int64_t end = std::min<int64_t>(offset + size, static_cast<int64_t>(all.size()));
    for (int64_t i = offset; i < end; i++) arr.PushBack(DefAndStatus(*all[i], a), a);
    d.AddMember("tasks", arr, a);
    if (static_cast<int64_t>(all.size()) > offset + size) {
      std::string tok = EncodeToken(offset + size);
      if (!tok.empty()) d.AddMember("continuationToken", Str(tok, a), a);
    }
    return d;
  }

  Json ClaimStructure(TaskRec& t, int run_id) {
    Json d(rapidjson::kObjectType);
    auto& a = d.GetAllocator();
    Json s = StatusJson(t);
    const Run& r = t.runs[run_id];
    d.AddMember("status", CopyValue(s, a), a);
    d.AddMember("runId", run_id, a);
    d.AddMember("workerGroup", Str(r.worker_group, a), a);
    d.AddMember("workerId", Str(r.worker_id, a), a);
    d.AddMember("takenUntil", Str(IsoMs(r.taken_until), a), a);
    d.AddMember("task", CopyValue(t.def, a), a);
    return d;
  }

  void DoClaim(TaskRec& t, int run_id, const std::string& wg, const std::string& wi, int64_t now) {
    Run& r = t.runs[run_id];
    r.state = "running";
    r.worker_group = wg;
    r.worker_id = wi;
    r.started = now;
    r.taken_until = now + claim_timeout_s * 1000LL;
    t.taken_until = r.taken_until;
  }

  // api.js resolveTask (reportCompleted / reportFailed)
  Json ReportResolved(const std::string& task_id, int run_id, const std::string& target) {
    Sweep();
    int64_t now = Now();
    TaskRec* t = Find(task_id);
    if (!t) NotFound("Task `" + task_id + "` not found. Are you sure it was created?");
    if (run_id < 0 || run_id >= static_cast<int>(t->runs.size()))
      NotFound("Run " + std::to_string(run_id) + " not found on task `" + task_id + "`.");
    Run& r0 = t->runs[run_id];
    if (r0.state != "running" && r0.state != target)
      Conflict("Run " + std::to_string(run_id) + " of task `" + task_id + "` is not running or " + target + ".");
    bool changed = ResolveRun(*t, run_id, target, target, "", now);
    const Run& r = t->runs[run_id];
    if (static_cast<int>(t->runs.size()) - 1 != run_id || r.state != target || r.reason_resolved != target)
      Conflict("Run " + std::to_string(run_id) + " on task `" + task_id + "` is resolved or not running.");
    if (changed) ResolveDependents(task_id, target, now);
    return StatusResponse(*t);
  }

  Json ReportExc(const std::string& task_id, int run_id, const std::string& reason) {
    Sweep();
    int64_t now = Now();
    static const std::set<std::string> reasons = {"worker-shutdown", "malformed-payload", "resource-unavailable",
                                                  "internal-error", "superseded", "intermittent-task"};
    if (!reasons.count(reason)) {
      Fail(400, "InputValidationError",
           "\nSchema Validation Failed!\nRejecting Schema: /schemas/queue/v1/task-exception-request.json#"
           "\nErrors:\n  * data/reason must be equal to one of the allowed values");
    }
    TaskRec* t = Find(task_id);
    if (!t) NotFound("Task `" + task_id + "` not found. Are you sure it exists?");
    if (run_id < 0 || run_id >= static_cast<int>(t->runs.size()))
      NotFound("Run " + std::to_string(run_id) + " not found on task `" + task_id + "`.");
    std::string retry;
    if (reason == "worker-shutdown") retry = "retry";
    else if (reason == "intermittent-task") retry = "task-retry";
    bool changed = ResolveRun(*t, run_id, "exception", reason, retry, now);
    const Run& r = t->runs[run_id];
    if (static_cast<int>(t->runs.size()) - 1 > run_id + 1 || r.state != "exception" || r.reason_resolved != reason)
      Conflict("Run " + std::to_string(run_id) + " on task `" + task_id + "` is resolved or not running.");
    bool retried = static_cast<int>(t->runs.size()) - 1 == run_id + 1 && t->runs.back().state == "pending";
    if (changed && !retried) ResolveDependents(task_id, "exception", now);
    return StatusResponse(*t);
  }
};


// ====================================================================
// public API
// ====================================================================
MemoryQueue::MemoryQueue(QueueClock clock) : impl_(std::make_unique<Impl>()) { impl_->clock = std::move(clock); }
MemoryQueue::~MemoryQueue() = default;

int64_t MemoryQueue::NowMs() const {
  std::lock_guard<std::mutex> l(impl_->mu);
  return impl_->Now();
}
void MemoryQueue::AdvanceClock(std::chrono::milliseconds by) {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->Touched();
  impl_->offset_ms += by.count();
}
void MemoryQueue::SetClock(QueueClock clock) {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->Touched();
  impl_->clock = std::move(clock);
}
void MemoryQueue::SetPageSize(int n) {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->page_size = std::max(1, std::min(n, kMaxPage));
}
int MemoryQueue::PageSize() const {
  std::lock_guard<std::mutex> l(impl_->mu);
  return impl_->page_size;
}
void MemoryQueue::SetMaxDeadlineDays(int days) {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->max_days = days;
}
void MemoryQueue::SetClaimTimeoutSeconds(int s) {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->claim_timeout_s = s;
}

Json MemoryQueue::Task(const std::string& task_id) {
  std::lock_guard<std::mutex> l(impl_->mu);
  CheckSlugParam("taskId", task_id);
  impl_->Sweep();
  TaskRec* t = impl_->Find(task_id);
  if (!t)
    NotFound("`" + task_id +
             "` does not correspond to a task that exists.\nAre you sure this task has already been submitted?");
  return CopyJson(t->def);
}

Json MemoryQueue::Status(const std::string& task_id) {
  std::lock_guard<std::mutex> l(impl_->mu);
  CheckSlugParam("taskId", task_id);
  impl_->Sweep();
  TaskRec* t = impl_->Find(task_id);
  if (!t) NotFound("`" + task_id + "` does not correspond to a task that exists.\nAre you sure this task exists?");
  return impl_->StatusResponse(*t);
}

Json MemoryQueue::NormalizeDefinition(const std::string& task_id, const JsonValue& definition) const {
  std::lock_guard<std::mutex> l(impl_->mu);
  return impl_->Normalize(task_id, definition);
}

Json MemoryQueue::CreateTask(const std::string& task_id, const JsonValue& definition) {
  // Validation and defaults read no shared state: outside the lock, so
  // concurrent createTask calls only serialise on the store itself.
  Json def = impl_->Normalize(task_id, definition);
  std::lock_guard<std::mutex> l(impl_->mu);
  Impl& I = *impl_;
  I.Sweep();
  const int64_t now = I.Now();

  // A patchAndValidateTaskDef
  int64_t created = *ParseIso(def["created"].GetString());
  int64_t deadline = *ParseIso(def["deadline"].GetString());
  int64_t expires = *ParseIso(def["expires"].GetString());
  if (created < now - 15 * kMinute) InputError("`created` cannot be in the past (max 15min drift)");
  if (created > now + 15 * kMinute) InputError("`created` cannot be in the future (max 15min drift)");
  if (created > deadline) InputError("`deadline` cannot be later than `created`");
  if (deadline < now) InputError("`deadline` cannot be in the past");
  if (deadline - now > I.max_days * kDay + 15 * kMinute)
    InputError("`deadline` cannot be more than " + std::to_string(I.max_days) + " days into the future");
  if (deadline > expires) InputError("`expires` cannot be before `deadline`");
  for (const auto& s : StringArray(def["scopes"]))
    if (s.size() >= 2 && s.compare(s.size() - 2, 2, "**") == 0) InputError("scopes must not end with `**`");

  // A ensureTaskGroup
  I.EnsureGroup(def["taskGroupId"].GetString(), def["schedulerId"].GetString(), expires);

  // data.js Task.create: idempotent when every field is equal
  if (TaskRec* existing = I.Find(task_id)) {
    if (!(existing->def == def)) {
      Conflict("taskId `" + task_id +
               "` already used by another task.\nThis could be the result of faulty idempotency!");
    }
    // D trackDependencies again: satisfy completed deps, schedule if unblocked
    if (existing->runs.empty()) {
      for (auto& [dep, sat] : existing->dep_satisfied) {
        TaskRec* r = I.Find(dep);
        if (!r) continue;
        std::string st = r->State();
        if (st == "completed" || (existing->requires == "all-resolved" && (st == "exception" || st == "failed")))
          sat = true;
      }
      if (!I.Blocked(*existing)) I.Schedule(*existing, now);
    }
    return I.StatusResponse(*existing);
  }

  TaskRec t;
  Impl::Fill(t, task_id, std::move(def));
  // D trackDependencies: every dependency must exist (the task itself counts,
  // as it is inserted first) and must not expire before this task's deadline.
  std::vector<std::string> missing, expiring;
  bool any_satisfied = false;
  for (const auto& dep : t.deps) {
    const TaskRec* r = dep == task_id ? &t : I.Find(dep);
    if (!r) {
      missing.push_back(dep);
      continue;
    }
    bool sat = false;
    if (t.deadline > r->expires) {
      expiring.push_back(dep);
    } else {
      std::string st = r->State();
      sat = st == "completed" || (t.requires == "all-resolved" && (st == "exception" || st == "failed"));
    }
    t.dep_satisfied[dep] = sat;
    any_satisfied = any_satisfied || sat;
  }
  if (!missing.empty() && !expiring.empty()) expiring.clear();  // D: expiring is only computed when none missing
  if (!missing.empty() || !expiring.empty()) {
    std::string msg;
    if (!missing.empty()) {
      msg += "`task.dependencies` references non-existing tasks: \n";
      for (size_t i = 0; i < missing.size(); i++) msg += (i ? "\n" : "") + std::string(" * ") + missing[i];
      msg += "\nAll taskIds in `task.dependencies` **must** exist\nbefore the task is created.\n";
    }
    if (!expiring.empty()) {
      msg += "`task.dependencies` references tasks that expires\nbefore `task.deadline` this is not allowed, see tasks: \n";
      for (size_t i = 0; i < expiring.size(); i++) msg += (i ? "\n" : "") + std::string(" * ") + expiring[i] + ",";
      msg += "\nAll taskIds in `task.dependencies` **must** have\n`task.expires` greater than the `deadline` for this task.\n";
    }
    InputError(msg);
  }
  auto& rec = I.tasks[task_id] = std::move(t);
  if (I.next_event_ms != Impl::kUnknownEvent)
    I.next_event_ms = std::min(I.next_event_ms, rec.deadline + kDeadlineDelayMs);
  I.Link(rec);
  if (rec.deps.empty() || (any_satisfied && !I.Blocked(rec))) I.Schedule(rec, now);
  return I.StatusResponse(rec);
}

Json MemoryQueue::ScheduleTask(const std::string& task_id) {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->Touched();
  CheckSlugParam("taskId", task_id);
  impl_->Sweep();
  TaskRec* t = impl_->Find(task_id);
  if (!t) NotFound("taskId `" + task_id + "` not found. Are you sure it exists?");
  int64_t now = impl_->Now();
  if (t->deadline < now)
    Conflict("Task `" + task_id + "` can't be scheduled past its deadline at " + IsoMs(t->deadline) + ".");
  impl_->Schedule(*t, now);
  return impl_->StatusResponse(*t);
}

Json MemoryQueue::RerunTask(const std::string& task_id) {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->Touched();
  CheckSlugParam("taskId", task_id);
  impl_->Sweep();
  TaskRec* t = impl_->Find(task_id);
  if (!t)
    NotFound("`" + task_id +
             "` does not correspond to a task that exists.\nAre you sure this task has been submitted before?");
  int64_t now = impl_->Now();
  if (t->deadline < now)
    Conflict("Task `" + task_id + "` can't be rescheduled past its deadline of " + IsoMs(t->deadline) + ".");
  // DB rerun_task
  std::string st = t->State();
  if (st != "pending" && st != "running") {
    int n = static_cast<int>(t->runs.size());
    if (n >= kMaxRunsAllowed) Conflict("Maximum number of runs reached (50).");
    t->retries_left = std::min(t->retries, kMaxRunsAllowed - (n - 1) - 2);
    impl_->AddPendingRun(*t, "rerun", now);
  }
  return impl_->StatusResponse(*t);
}

Json MemoryQueue::CancelTask(const std::string& task_id) {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->Touched();
  CheckSlugParam("taskId", task_id);
  impl_->Sweep();
  TaskRec* t = impl_->Find(task_id);
  if (!t) NotFound("Task `" + task_id + "` not found. Are you sure it was created?");
  int64_t now = impl_->Now();
  if (t->deadline < now)
    Conflict("Task `" + task_id + "` can't be canceled past its deadline of " + IsoMs(t->deadline) + ".");
  impl_->CancelRuns(*t, "canceled", now);
  const Run& r = t->runs.back();
  // A cancelSingleTask: the resolved message is sent whenever the last run is exception/canceled
  if (r.state == "exception" && r.reason_resolved == "canceled") impl_->ResolveDependents(task_id, "exception", now);
  return impl_->StatusResponse(*t);
}

Json MemoryQueue::ListTaskGroup(const std::string& task_group_id, const Page& page) {
  std::lock_guard<std::mutex> l(impl_->mu);
  CheckSlugParam("taskGroupId", task_group_id);
  impl_->Sweep();
  auto g = impl_->groups.find(task_group_id);
  // Token errors come first (paginateResults runs in parallel with the group lookup)
  DecodeToken(page.continuation_token.value_or(""));
  if (g == impl_->groups.end()) NotFound("No task-group with taskGroupId: `" + task_group_id + "`");
  std::vector<const TaskRec*> all;
  for (auto& [id, t] : impl_->tasks)
    if (t.task_group_id == task_group_id) all.push_back(&t);  // ordered by task_id
  return impl_->Paged(all, page, "taskGroupId", task_group_id, &g->second);
}

Json MemoryQueue::GetTaskGroup(const std::string& task_group_id) {
  std::lock_guard<std::mutex> l(impl_->mu);
  CheckSlugParam("taskGroupId", task_group_id);
  auto g = impl_->groups.find(task_group_id);
  if (g == impl_->groups.end()) NotFound("No task-group with taskGroupId: `" + task_group_id + "`");
  Json d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  d.AddMember("taskGroupId", Str(task_group_id, a), a);
  d.AddMember("schedulerId", Str(g->second.scheduler_id, a), a);
  d.AddMember("expires", Str(IsoMs(g->second.expires), a), a);
  return d;
}

Json MemoryQueue::ListDependentTasks(const std::string& task_id, const Page& page) {
  std::lock_guard<std::mutex> l(impl_->mu);
  CheckSlugParam("taskId", task_id);
  impl_->Sweep();
  DecodeToken(page.continuation_token.value_or(""));
  if (!impl_->Find(task_id)) NotFound("Task with taskId: `" + task_id + "` was not found");
  int64_t now = impl_->Now();
  std::vector<const TaskRec*> all;
  auto it = impl_->dependents.find(task_id);
  if (it != impl_->dependents.end())
    for (const auto& id : it->second)  // ordered by dependent_task_id
      if (const TaskRec* d = impl_->Find(id))
        if (d->expires > now) all.push_back(d);
  return impl_->Paged(all, page, "taskId", task_id, nullptr);
}

ArtifactLookup MemoryQueue::LookupArtifact(const std::string& task_id, std::optional<int> run_id,
                                           const std::string& name) {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->Sweep();
  TaskRec* t = impl_->Find(task_id);
  int run = 0;
  if (!run_id) {
    // artifacts.js getLatestRunId
    if (!t) NotFound("Task not found");
    if (t->runs.empty()) NotFound("Task doesn't have any runs");
    run = static_cast<int>(t->runs.size()) - 1;
  } else {
    run = *run_id;
  }
  ArtifactLookup out;
  out.task_id = task_id;
  out.run_id = run;
  std::string cur = name;
  int64_t now = impl_->Now();
  while (true) {
    out.names.push_back(cur);
    if (!t) NotFound("Artifact not found");
    auto it = t->artifacts.find({run, cur});
    if (it == t->artifacts.end()) NotFound("Artifact not found");
    const MemArtifact& a = it->second;
    int64_t exp = a.expires_ms ? a.expires_ms : t->expires;
    if (exp < now) Fail(410, "ResourceExpired", "Artifact expired");
    if (a.storage_type != "link") {
      out.artifact = a;
      return out;
    }
    if (std::find(out.names.begin(), out.names.end(), a.link) != out.names.end())
      InputError("Artifact leads to a link cycle");
    cur = a.link;
  }
}

std::string MemoryQueue::GetLatestArtifact(const std::string& task_id, const std::string& name) {
  ArtifactLookup l = LookupArtifact(task_id, std::nullopt, name);
  const MemArtifact& a = l.artifact;
  if (a.storage_type == "error") {
    throw TcError(424, "", a.message.empty() ? a.reason : a.reason + ": " + a.message);
  }
  if (a.storage_type == "reference" && a.content.empty()) {
    throw TcError(502, "", "reference artifact `" + name + "` redirects to " + a.url +
                               " (not reachable from the in-memory queue)");
  }
  return a.content;
}

void MemoryQueue::PutArtifact(const std::string& task_id, int run_id, const MemArtifact& a) {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->Touched();
  TaskRec* t = impl_->Find(task_id);
  if (!t) NotFound("Task not found");
  if (run_id < 0) {
    if (t->runs.empty()) InputError("Task `" + task_id + "` has no run to attach artifact `" + a.name + "` to");
    run_id = static_cast<int>(t->runs.size()) - 1;
  }
  if (run_id >= static_cast<int>(t->runs.size())) InputError("Run not found");
  t->artifacts[{run_id, a.name}] = a;
}

Json MemoryQueue::ClaimWork(const std::string& task_queue_id, const std::string& worker_group,
                            const std::string& worker_id, int count) {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->Touched();
  Impl& I = *impl_;
  I.Sweep();
  int64_t now = I.Now();
  std::vector<TaskRec*> cand;
  for (auto& [id, t] : I.tasks)
    if (t.task_queue_id == task_queue_id && t.State() == "pending" && t.deadline >= now) cand.push_back(&t);
  auto prio = [](const std::string& p) {
    auto& L = memq::PriorityLevels();
    return std::find(L.begin(), L.end(), p) - L.begin();
  };
  std::sort(cand.begin(), cand.end(), [&](TaskRec* a, TaskRec* b) {
    auto pa = prio(a->priority), pb = prio(b->priority);
    return pa != pb ? pa < pb : a->pending_seq < b->pending_seq;
  });
  Json d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  JsonValue arr(rapidjson::kArrayType);
  for (int i = 0; i < count && i < static_cast<int>(cand.size()); i++) {
    TaskRec& t = *cand[i];
    int run_id = static_cast<int>(t.runs.size()) - 1;
    I.DoClaim(t, run_id, worker_group, worker_id, now);
    Json c = I.ClaimStructure(t, run_id);
    arr.PushBack(CopyValue(c, a), a);
  }
  d.AddMember("tasks", arr, a);
  return d;
}

Json MemoryQueue::ClaimTask(const std::string& task_id, int run_id, const std::string& worker_group,
                            const std::string& worker_id) {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->Touched();
  Impl& I = *impl_;
  I.Sweep();
  int64_t now = I.Now();
  TaskRec* t = I.Find(task_id);
  if (!t) NotFound("Task `" + task_id + "` not found. Are you sure it was created?");
  if (t->deadline <= now)
    Conflict("Task `" + task_id + "` can't be claimed past its deadline of " + IsoMs(t->deadline) + ".");
  if (run_id < 0 || run_id >= static_cast<int>(t->runs.size()))
    NotFound("Run " + std::to_string(run_id) + " not found on task `" + task_id + "`.");
  Run& r = t->runs[run_id];
  bool last = run_id == static_cast<int>(t->runs.size()) - 1;
  if (last && r.state == "pending") {
    I.DoClaim(*t, run_id, worker_group, worker_id, now);
  } else if (!(last && r.state == "running" && r.worker_group == worker_group && r.worker_id == worker_id)) {
    Conflict("Run " + std::to_string(run_id) + " was already claimed by another worker.");
  }
  return I.ClaimStructure(*t, run_id);
}

Json MemoryQueue::ReportCompleted(const std::string& task_id, int run_id) {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->Touched();
  return impl_->ReportResolved(task_id, run_id, "completed");
}
Json MemoryQueue::ReportFailed(const std::string& task_id, int run_id) {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->Touched();
  return impl_->ReportResolved(task_id, run_id, "failed");
}
Json MemoryQueue::ReportException(const std::string& task_id, int run_id, const std::string& reason) {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->Touched();
  return impl_->ReportExc(task_id, run_id, reason);
}

std::pair<std::string, std::string> MemoryQueue::RunWorker(const std::string& task_id, int run_id) {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->Sweep();
  TaskRec* t = impl_->Find(task_id);
  if (!t) NotFound("Task `" + task_id + "` not found. Are you sure it was created?");
  if (run_id < 0 || run_id >= static_cast<int>(t->runs.size()))
    NotFound("Run " + std::to_string(run_id) + " not found on task `" + task_id + "`.");
  return {t->runs[run_id].worker_group, t->runs[run_id].worker_id};
}

Json MemoryQueue::Drive(const std::string& task_id, const std::string& state, const std::string& reason) {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->Touched();
  Impl& I = *impl_;
  I.Sweep();
  int64_t now = I.Now();
  TaskRec* t = I.Find(task_id);
  if (!t) NotFound("Task `" + task_id + "` not found. Are you sure it was created?");
  if (state == "exception" && (reason == "canceled" || reason == "deadline-exceeded")) {
    if (I.CancelRuns(*t, reason, now)) I.ResolveDependents(task_id, "exception", now);
    return I.StatusResponse(*t);
  }
  static const std::set<std::string> ok = {"running", "completed", "failed", "exception"};
  if (!ok.count(state)) InputError("state must be running, completed, failed or exception, not `" + state + "`");
  std::string st = t->State();
  if (IsResolved(st)) Conflict("Task `" + task_id + "` is already resolved (" + st + ")");
  if (st == "unscheduled") I.Schedule(*t, now);
  int run_id = static_cast<int>(t->runs.size()) - 1;
  if (t->runs.back().state == "pending") I.DoClaim(*t, run_id, "emulator", "driver", now);
  if (state == "running") return I.StatusResponse(*t);
  if (state == "exception") return I.ReportExc(task_id, run_id, reason.empty() ? "malformed-payload" : reason);
  return I.ReportResolved(task_id, run_id, state);
}

void MemoryQueue::SeedTask(const std::string& task_id, const JsonValue& definition, const std::string& state,
                           const JsonValue* runs, const std::string& reason) {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->Touched();
  Impl& I = *impl_;
  auto where = "task " + task_id + ": ";
  Json def;
  try {
    def = I.Normalize(task_id, definition);
  } catch (const TcError& e) {
    throw BadInput(where + e.code() + ": " + e.what());
  }
  int64_t created = *ParseIso(def["created"].GetString());
  int64_t deadline = *ParseIso(def["deadline"].GetString());
  int64_t expires = *ParseIso(def["expires"].GetString());
  if (created > deadline) throw BadInput(where + "`deadline` cannot be later than `created`");
  if (deadline - created > I.max_days * kDay + 15 * kMinute)
    throw BadInput(where + "`deadline` cannot be more than " + std::to_string(I.max_days) +
                   " days after `created`");
  if (deadline > expires) throw BadInput(where + "`expires` cannot be before `deadline`");
  if (I.Find(task_id)) throw BadInput(where + "taskId seeded twice");
  try {
    I.EnsureGroup(def["taskGroupId"].GetString(), def["schedulerId"].GetString(), expires);
  } catch (const TcError& e) {
    throw BadInput(where + e.what());
  }
  TaskRec t;
  Impl::Fill(t, task_id, std::move(def));
  int64_t at = std::min(created, I.Now());
  auto make_run = [&](const std::string& st, const std::string& rc, const std::string& rr, const std::string& wg,
                      const std::string& wi) {
    Run r;
    r.state = st;
    r.reason_created = rc;
    r.scheduled = at;
    if (st != "pending") {
      r.worker_group = wg.empty() ? "emulator" : wg;
      r.worker_id = wi.empty() ? "worker-1" : wi;
      r.started = at;
    }
    if (st == "running") r.taken_until = I.Now() + I.claim_timeout_s * 1000LL;
    if (IsResolved(st)) {
      r.reason_resolved = !rr.empty() ? rr : st == "exception" ? "malformed-payload" : st;
      r.resolved = at;
    }
    return r;
  };
  static const std::set<std::string> states = {"unscheduled", "pending", "running", "completed", "failed", "exception"};
  if (runs && runs->IsArray()) {
    for (auto& rv : runs->GetArray()) {
      auto g = [&](const char* k) { return GetString(rv, k).value_or(""); };
      std::string st = g("state");
      if (!states.count(st) || st == "unscheduled") throw BadInput(where + "run state `" + st + "` is not valid");
      t.runs.push_back(make_run(st, g("reasonCreated").empty() ? (t.runs.empty() ? "scheduled" : "rerun")
                                                               : g("reasonCreated"),
                                g("reasonResolved"), g("workerGroup"), g("workerId")));
    }
  } else {
    std::string st = state.empty() ? "pending" : state;
    if (!states.count(st)) throw BadInput(where + "state `" + st + "` is not valid");
    int n = st == "unscheduled" ? 0 : 1;
    if (runs && runs->IsInt()) n = runs->GetInt();
    if (st == "unscheduled" && n != 0) throw BadInput(where + "an unscheduled task has no runs");
    if (st != "unscheduled" && n < 1) throw BadInput(where + "runs must be >= 1 for state " + st);
    for (int i = 0; i < n; i++) {
      bool last = i == n - 1;
      t.runs.push_back(make_run(last ? st : "failed", i == 0 ? "scheduled" : "rerun", last ? reason : "", "", ""));
    }
  }
  if (static_cast<int>(t.runs.size()) > kMaxRunsAllowed) throw BadInput(where + "more than 50 runs");
  if (!t.runs.empty()) {
    const Run& last = t.runs.back();
    if (last.state == "running") t.taken_until = last.taken_until;
    if (last.state == "pending") t.pending_seq = ++I.seq;
    for (size_t i = 0; i + 1 < t.runs.size(); i++)
      if (!IsResolved(t.runs[i].state)) throw BadInput(where + "only the last run may be unresolved");
  }
  auto& rec = I.tasks[task_id] = std::move(t);
  if (I.next_event_ms != Impl::kUnknownEvent)
    I.next_event_ms = std::min(I.next_event_ms, rec.deadline + kDeadlineDelayMs);
  I.Link(rec);
  I.unfinished_seed.push_back(task_id);
}

void MemoryQueue::FinishSeeding() {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->Touched();
  Impl& I = *impl_;
  for (const auto& id : I.unfinished_seed) {
    TaskRec* t = I.Find(id);
    if (!t) continue;
    for (const auto& dep : t->deps) {
      TaskRec* r = I.Find(dep);
      if (!r) throw BadInput("task " + id + ": dependency " + dep + " does not exist");
      std::string st = r->State();
      t->dep_satisfied[dep] =
          st == "completed" || (t->requires == "all-resolved" && (st == "exception" || st == "failed"));
    }
  }
  I.unfinished_seed.clear();
}

std::vector<std::string> MemoryQueue::TaskIds() {
  std::lock_guard<std::mutex> l(impl_->mu);
  std::vector<std::string> out;
  for (auto& [id, t] : impl_->tasks) out.push_back(id);
  return out;
}

bool MemoryQueue::HasTask(const std::string& task_id) {
  std::lock_guard<std::mutex> l(impl_->mu);
  return impl_->Find(task_id) != nullptr;
}

Json MemoryQueue::DumpTasks() {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->Sweep();
  Json d(rapidjson::kArrayType);
  auto& a = d.GetAllocator();
  for (auto& [id, t] : impl_->tasks) {
    JsonValue o(rapidjson::kObjectType);
    o.AddMember("taskId", Str(id, a), a);
    o.AddMember("task", CopyValue(t.def, a), a);
    Json s = impl_->StatusJson(t);
    o.AddMember("status", CopyValue(s, a), a);
    d.PushBack(o, a);
  }
  return d;
}

}  // namespace tc

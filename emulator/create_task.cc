// createTask's request checks: see create_task.h.
#include "emulator/create_task.h"

#include "core/error.h"
#include "emulator/ajv.h"
#include "emulator/formats.h"

namespace tc::emu {

namespace {
constexpr int64_t kMinute = 60 * 1000;
constexpr int64_t kDay = 24 * 60 * kMinute;

[[noreturn]] void InputError(const std::string& msg) { throw TcError(400, "InputError", msg); }

std::string Text(const JsonValue& body, const char* k) {
  const JsonValue* v = Member(body, k);
  return v && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : std::string();
}
void Put(JsonValue& body, const char* k, const std::string& v, JsonAlloc& a) { SetMember(body, k, Str(v, a), a); }
}  // namespace

void PrepareCreateTaskBody(const std::string& task_id, JsonValue& body, JsonAlloc& a) {
  memq::CheckParam("taskId", task_id, memq::kSlugRe);
  AjvApplyDefaults(kCreateTaskSchema, body, a);
  RequireValid(kCreateTaskSchema, body);
  // the transition to taskQueueId: either identifier, or both when they agree
  std::string prov = Text(body, "provisionerId"), wt = Text(body, "workerType"), tq = Text(body, "taskQueueId");
  if (!prov.empty() && !wt.empty() && !tq.empty()) {
    if (prov + "/" + wt != tq) InputError("taskQueueId must match \"provisionerId/workerType\"");
  } else if (!prov.empty() && !wt.empty()) {
    Put(body, "taskQueueId", prov + "/" + wt, a);
  } else if (!tq.empty()) {
    auto slash = tq.find('/');
    Put(body, "provisionerId", tq.substr(0, slash), a);
    Put(body, "workerType", tq.substr(slash + 1), a);
  } else {
    InputError("at least a provisionerId and a workerType or a taskQueueId must be provided\"");
  }
  if (Text(body, "projectId").empty()) Put(body, "projectId", "none", a);
}

ScopeExpr CreateTaskScopes(const JsonValue& body) {
  std::vector<ScopeExpr> all;
  for (auto& s : StringsOf(Member(body, "scopes"))) all.push_back(ScopeExpr::S(s));
  for (auto& r : StringsOf(Member(body, "routes"))) all.push_back(ScopeExpr::S("queue:route:" + r));
  all.push_back(ScopeExpr::S("queue:create-task:project:" + Text(body, "projectId")));
  all.push_back(ScopeExpr::S("queue:scheduler-id:" + Text(body, "schedulerId")));
  std::vector<ScopeExpr> any;
  std::string prio = Text(body, "priority");
  std::string q = Text(body, "provisionerId") + "/" + Text(body, "workerType");
  for (auto& level : memq::PriorityLevels()) {
    any.push_back(ScopeExpr::S("queue:create-task:" + level + ":" + q));
    if (level == prio) break;
  }
  all.push_back(ScopeExpr::Any(any));
  return ScopeExpr::All(all);
}

void PatchAndValidateTaskDef(const std::string& task_id, JsonValue& body, JsonAlloc& a, int64_t now,
                             int max_deadline_days) {
  if (Text(body, "taskGroupId").empty()) Put(body, "taskGroupId", task_id, a);
  int64_t created = *memq::ParseIso(Text(body, "created"));
  int64_t deadline = *memq::ParseIso(Text(body, "deadline"));
  if (created < now - 15 * kMinute) InputError("`created` cannot be in the past (max 15min drift)");
  if (created > now + 15 * kMinute) InputError("`created` cannot be in the future (max 15min drift)");
  if (created > deadline) InputError("`deadline` cannot be later than `created`");
  if (deadline < now) InputError("`deadline` cannot be in the past");
  if (deadline - now > max_deadline_days * kDay + 15 * kMinute)
    InputError("`deadline` cannot be more than " + std::to_string(max_deadline_days) + " days into the future");
  if (Text(body, "expires").empty()) Put(body, "expires", memq::IsoMs(memq::AddOneYear(deadline)), a);
  int64_t expires = *memq::ParseIso(Text(body, "expires"));
  if (deadline > expires) InputError("`expires` cannot be before `deadline`");
  Put(body, "created", memq::IsoMs(created), a);
  Put(body, "deadline", memq::IsoMs(deadline), a);
  Put(body, "expires", memq::IsoMs(expires), a);
  for (const auto& s : StringsOf(Member(body, "scopes")))
    if (s.size() >= 2 && s.compare(s.size() - 2, 2, "**") == 0) InputError("scopes must not end with `**`");
}

Json StoredDefinition(const std::string& task_id, const JsonValue& in) {
  Json d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  auto put = [&](const char* k, const std::string& v) { d.AddMember(rapidjson::StringRef(k), Str(v, a), a); };
  auto copy_or = [&](const char* k, const char* deflt_json) {
    if (const JsonValue* v = Member(in, k)) {
      d.AddMember(rapidjson::StringRef(k), CopyValue(*v, a), a);
    } else {
      Json def = ParseJson(deflt_json, "default");
      d.AddMember(rapidjson::StringRef(k), CopyValue(def, a), a);
    }
  };
  for (const char* k : {"provisionerId", "workerType", "taskQueueId", "schedulerId", "projectId"}) put(k, Text(in, k));
  std::string group = Text(in, "taskGroupId");
  put("taskGroupId", group.empty() ? task_id : group);
  copy_or("dependencies", "[]");
  put("requires", Text(in, "requires"));
  copy_or("routes", "[]");
  put("priority", Text(in, "priority"));
  const JsonValue* r = Member(in, "retries");
  d.AddMember("retries", r && r->IsNumber() ? static_cast<int>(r->GetDouble()) : 5, a);
  int64_t created = *memq::ParseIso(Text(in, "created")), deadline = *memq::ParseIso(Text(in, "deadline"));
  std::string exp = Text(in, "expires");
  int64_t expires = exp.empty() ? memq::AddOneYear(deadline) : *memq::ParseIso(exp);
  put("created", memq::IsoMs(created));
  put("deadline", memq::IsoMs(deadline));
  put("expires", memq::IsoMs(expires));
  copy_or("scopes", "[]");
  for (const char* k : {"payload", "metadata", "tags", "extra"}) copy_or(k, "{}");
  return d;
}

}  // namespace tc::emu

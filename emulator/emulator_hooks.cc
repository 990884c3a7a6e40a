// The emulator's Hooks service: see emulator_hooks.h.
#include "emulator/emulator_hooks.h"

#include "core/error.h"
#include "core/schema.h"
#include "core/slugid.h"
#include "emulator/ajv.h"
#include "emulator/auth.h"
#include "emulator/create_task.h"
#include "emulator/journal.h"
#include "jsone/jsone.h"

namespace tc {

namespace {
// api.js fromNowJSON for the defaults: "1 day" / "1 month" (30 days as taskcluster-client counts a month).
constexpr int64_t kDayMs = 24LL * 3600 * 1000;
const char* kHooksClient = "static/taskcluster/hooks";
}  // namespace

EmulatorHooks::EmulatorHooks(MemoryQueue& queue, const emu::AuthService& auth, emu::Journal& journal,
                             WorkerHost worker_host)
    : queue_(queue), auth_(auth), journal_(journal), worker_(queue, std::move(worker_host)) {}

EmulatorHooks::~EmulatorHooks() { Shutdown(); }

void EmulatorHooks::AddHooks(const JsonValue& hooks) {
  if (!hooks.IsArray()) throw BadInput("hooks: expected an array");
  std::vector<Hook> parsed;
  for (rapidjson::SizeType i = 0; i < hooks.Size(); ++i) {
    const JsonValue& h = hooks[i];
    std::string where = "hooks[" + std::to_string(i) + "]";
    if (!h.IsObject()) throw BadInput(where + ": expected an object");
    Hook x;
    x.group = RequireString(h, "hookGroupId", where + ".hookGroupId");
    x.id = RequireString(h, "hookId", where + ".hookId");
    const JsonValue* t = Member(h, "task");
    if (!t || !t->IsObject()) throw BadInput(where + ".task: expected a JSON-e template object");
    x.task = CopyJson(*t);
    if (const JsonValue* s = Member(h, "triggerSchema")) {
      x.trigger_schema = CopyJson(*s);
      try {
        Json probe(rapidjson::kObjectType);
        ValidateAgainst(x.trigger_schema, probe);
      } catch (const std::exception& e) {
        throw BadInput(where + ".triggerSchema: " + e.what());
      }
    } else {
      x.trigger_schema = ParseJson(R"({"type": "object"})", "default triggerSchema");
    }
    // the hooks service stores both in jsonb columns: they come back with Postgres' key order
    memq::JsonbOrder(x.task, x.task.GetAllocator());
    memq::JsonbOrder(x.trigger_schema, x.trigger_schema.GetAllocator());
    parsed.push_back(std::move(x));
  }
  std::lock_guard<std::mutex> l(mu_);
  for (auto& x : parsed) hooks_[x.group + "/" + x.id] = std::move(x);
}

Json EmulatorHooks::HooksJson() const {
  Json d(rapidjson::kArrayType);
  auto& a = d.GetAllocator();
  std::lock_guard<std::mutex> l(mu_);
  for (auto& [k, h] : hooks_) {
    JsonValue o(rapidjson::kObjectType);
    o.AddMember("hookGroupId", Str(h.group, a), a);
    o.AddMember("hookId", Str(h.id, a), a);
    o.AddMember("task", CopyValue(h.task, a), a);
    o.AddMember("triggerSchema", CopyValue(h.trigger_schema, a), a);
    d.PushBack(o, a);
  }
  return d;
}

// taskcreator.fire / taskForHook: the template rendered with JSON-e, and the
// defaults the hooks service fills in. Null when the template renders to null.
Json EmulatorHooks::Render(const Hook& hook, const std::string& task_id, const JsonValue& payload,
                           const std::optional<std::string>& client_id) const {
  int64_t now = queue_.NowMs();
  std::string now_iso = memq::IsoMs(now);
  Json ctx(rapidjson::kObjectType);
  auto& ca = ctx.GetAllocator();
  ctx.AddMember("firedBy", "triggerHook", ca);
  ctx.AddMember("payload", CopyValue(payload, ca), ca);
  if (client_id) ctx.AddMember("clientId", Str(*client_id, ca), ca);
  ctx.AddMember("taskId", Str(task_id, ca), ca);
  ctx.AddMember("now", Str(now_iso, ca), ca);
  Json task;
  try {
    task = JsoneRender(hook.task, ctx, now_iso);
  } catch (const JsoneError& e) {
    throw TcError(400, "InputError", "While firing hook:\n\n" + e.message);
  }
  if (task.IsNull()) return task;
  if (!task.IsObject())
    throw TcError(400, "InputError", "While firing hook:\n\nthe hook's task template did not render to an object");
  auto& ta = task.GetAllocator();
  auto missing = [&](const char* k) {
    const JsonValue* v = Member(task, k);
    return !v || v->IsNull() || (v->IsString() && v->GetStringLength() == 0) || (v->IsBool() && !v->GetBool());
  };
  if (missing("created")) SetMember(task, "created", Str(now_iso, ta), ta);
  if (missing("deadline")) SetMember(task, "deadline", Str(memq::IsoMs(now + kDayMs), ta), ta);
  if (missing("expires")) SetMember(task, "expires", Str(memq::IsoMs(now + 30 * kDayMs), ta), ta);
  if (missing("taskGroupId")) SetMember(task, "taskGroupId", Str(task_id, ta), ta);
  return task;
}

// queue.createTask as the hooks service makes it: with authorizedScopes
// [assume:hook-id:<group>/<id>], journaled as its own request; the queue's
// errors mapped as triggerHookCommon maps them.
Json EmulatorHooks::CreateHookTask(const Hook& hook, const std::string& task_id, Json& task) {
  const std::string put_path = "/api/queue/v1/task/" + task_id;
  auto record = [&](int status, bool committed) {
    JournalEntry e;
    e.service = "queue";
    e.method = "PUT";
    e.path = put_path;
    e.status = status;
    e.client_id = kHooksClient;
    e.mutating = true;
    e.committed = committed;
    journal_.Record(e);
  };
  auto fail = [&](const TcError& e) {
    record(e.status(), false);
    if (e.code() == "InsufficientScopes")
      throw TcError(403, "InsufficientScopes",
                    "The role `hook-id:" + hook.group + "/" + hook.id +
                        "` does not have sufficient scopes to create the task:\n\n" + e.what());
    throw TcError(400, "InputError", "While calling createTask: " + e.code() + "\n\n" + e.what());
  };
  Json status;
  try {
    emu::PrepareCreateTaskBody(task_id, task, task.GetAllocator());
    std::vector<std::string> have = auth_.Expand({"assume:hook-id:" + hook.group + "/" + hook.id, "assume:anonymous"});
    emu::ScopeExpr need = emu::CreateTaskScopes(task);
    if (!emu::Satisfied(have, need))
      throw TcError(403, "InsufficientScopes", emu::InsufficientScopesMessage(kHooksClient, have, need));
    status = queue_.CreateTask(task_id, task);
  } catch (const TcError& e) {
    fail(e);
  }
  record(200, true);
  return status;
}

EmulatorHooks::Result EmulatorHooks::Trigger(const std::string& group, const std::string& id,
                                             const JsonValue& payload, const std::optional<std::string>& client_id) {
  Hook hook;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = hooks_.find(group + "/" + id);
    if (it == hooks_.end()) throw TcError(404, "ResourceNotFound", "No such hook");
    hook = Hook{it->second.group, it->second.id, CopyJson(it->second.task), CopyJson(it->second.trigger_schema)};
  }
  // triggerHookCommon: the payload must match the triggerSchema (trigger-schema.js)
  auto errors = emu::AjvValidate(hook.trigger_schema, payload);
  if (!errors.empty()) throw TcError(400, "InputError", emu::AjvErrorsText(errors, "; ", false));
  std::string task_id = NewSlugid();
  Json task = Render(hook, task_id, payload, client_id);
  Result res;
  res.body.SetObject();
  if (task.IsNull()) return res;
  Json status = CreateHookTask(hook, task_id, task);
  res.committed = true;
  auto& ra = res.body.GetAllocator();
  res.body.AddMember("taskId", Str(task_id, ra), ra);
  res.body.AddMember("status", CopyValue(status["status"], ra), ra);
  worker_.MaybeRun(task_id, task);
  return res;
}

}  // namespace tc

// The queue's API routes (services/queue/src/api.js: routes, scope
// expressions, replies). See routes.h.
#include <algorithm>

#include "core/error.h"
#include "core/timestamp.h"
#include "emulator/ajv.h"
#include "emulator/create_task.h"
#include "emulator/formats.h"
#include "emulator/paging.h"
#include "emulator/routes.h"
#include "emulator/service_schemas.h"

namespace tc::emu {

namespace {

constexpr const char* kRunRe = "^[1-9]*[0-9]+$";
constexpr const char* kTaskQueueRe = "^[a-zA-Z0-9-_]{1,38}\\/[a-z]([-a-z0-9]{0,36}[a-z0-9])?$";


std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  size_t b = 0;
  while (true) {
    size_t e = s.find('/', b);
    out.push_back(s.substr(b, e == std::string::npos ? std::string::npos : e - b));
    if (e == std::string::npos) break;
    b = e + 1;
  }
  return out;
}

std::string JoinFrom(const std::vector<std::string>& p, size_t i) {
  std::string s;
  for (size_t k = i; k < p.size(); k++) s += (k > i ? "/" : "") + p[k];
  return s;
}

Reply Committed(Reply r) {
  r.committed = true;
  return r;
}

// lib-api's input handling: the schema's defaults, then the schema.
void ValidateInput(Request& req, const std::string& schema_name) {
  RequireJsonBody(req);
  AjvApplyDefaults(schema_name, req.payload, req.payload.GetAllocator());
  RequireValid(schema_name, req.payload);
}

// A read of one task or group: api name, URL parameter, scope, paging.
template <typename F>
Reply Read(Services& s, Request& req, const char* api, const char* param, const std::string& id,
           const std::string& scope, bool paged, F fetch) {
  req.api_name = api;
  SetParam(req, param, id);
  Authorize(req, s.auth, ScopeExpr::S(scope));
  memq::CheckParam(param, id, memq::kSlugRe);
  CheckQuery(req, paged);
  return JsonReply(fetch());
}

Reply CreateTask(Services& s, Request& req, const std::string& id) {
  req.api_name = "createTask";
  SetParam(req, "taskId", id);
  memq::CheckParam("taskId", id, memq::kSlugRe);
  CheckQuery(req, false);
  RequireJsonBody(req);
  auto& a = req.payload.GetAllocator();
  PrepareCreateTaskBody(id, req.payload, a);  // api.js completes the body before anything else can fail
  Authorize(req, s.auth, CreateTaskScopes(req.payload));
  s.queue.PatchTaskDef(id, req.payload, a);  // so error bodies echo the patched body, as api.js's do
  return Committed(JsonReply(s.queue.CreateTask(id, req.payload)));
}

// rerunTask / cancelTask / scheduleTask: scopes name the task's schedulerId,
// taskGroupId and projectId, so an unknown task is a 404 before any scope check.
Reply TaskAction(Services& s, Request& req, const std::string& id, const std::string& action) {
  req.api_name = action == "rerun" ? "rerunTask" : action == "cancel" ? "cancelTask" : "scheduleTask";
  SetParam(req, "taskId", id);
  memq::CheckParam("taskId", id, memq::kSlugRe);
  CheckQuery(req, false);
  auto act = [&] {
    if (action == "rerun") return s.queue.RerunTask(id);
    if (action == "cancel") return s.queue.CancelTask(id);
    return s.queue.ScheduleTask(id);
  };
  if (!s.queue.HasTask(id)) return JsonReply(act());  // throws each endpoint's own 404
  Json st = s.queue.Status(id);
  const JsonValue& t = st["status"];
  std::string sched = t["schedulerId"].GetString(), group = t["taskGroupId"].GetString(),
              project = t["projectId"].GetString();
  std::string verb = action == "rerun" ? "rerun-task" : action == "cancel" ? "cancel-task" : "schedule-task";
  Authorize(req, s.auth,
            ScopeExpr::Any({ScopeExpr::S("queue:" + verb + ":" + sched + "/" + group + "/" + id),
                            ScopeExpr::S("queue:" + verb + "-in-project:" + project),
                            ScopeExpr::All({ScopeExpr::S("queue:" + verb),
                                            ScopeExpr::S("assume:scheduler-id:" + sched + "/" + group)})}));
  return Committed(JsonReply(act()));
}

// reportCompleted / reportFailed / reportException
Reply Resolve(Services& s, Request& req, const std::string& id, const std::string& run, const std::string& what) {
  req.api_name = what == "completed" ? "reportCompleted" : what == "failed" ? "reportFailed" : "reportException";
  SetParam(req, "taskId", id);
  SetParam(req, "runId", run);
  Authorize(req, s.auth, ScopeExpr::S("queue:resolve-task:" + id + "/" + run));
  memq::CheckParam("taskId", id, memq::kSlugRe);
  memq::CheckParam("runId", run, kRunRe);
  CheckQuery(req, false);
  int run_id = std::atoi(run.c_str());
  if (what == "exception") {
    ValidateInput(req, "taskcluster/queue/v1/task-exception-request.json");
    return Committed(JsonReply(s.queue.ReportException(id, run_id, req.payload["reason"].GetString())));
  }
  if (what == "completed") return Committed(JsonReply(s.queue.ReportCompleted(id, run_id)));
  return Committed(JsonReply(s.queue.ReportFailed(id, run_id)));
}

void AddCredentials(Services& s, JsonValue& claim, JsonAlloc& a) {
  std::string task_id = claim["status"]["taskId"].GetString();
  auto taken = memq::ParseIso(claim["takenUntil"].GetString()).value_or(NowMs());
  JsonValue creds;
  s.auth.TaskCredentials(task_id, claim["runId"].GetInt(), claim["workerGroup"].GetString(),
                         claim["workerId"].GetString(), taken, StringsOf(Member(claim["task"], "scopes")), creds, a);
  claim.AddMember("credentials", creds, a);
}

Reply ClaimWork(Services& s, Request& req, const std::string& tq) {
  req.api_name = "claimWork";
  SetParam(req, "taskQueueId", tq);
  memq::CheckParam("taskQueueId", tq, kTaskQueueRe);
  CheckQuery(req, false);
  ValidateInput(req, "taskcluster/queue/v1/claim-work-request.json");
  std::string wg = req.payload["workerGroup"].GetString(), wi = req.payload["workerId"].GetString();
  Authorize(req, s.auth,
            ScopeExpr::All({ScopeExpr::S("queue:claim-work:" + tq), ScopeExpr::S("queue:worker-id:" + wg + "/" + wi)}));
  Json d = s.queue.ClaimWork(tq, wg, wi, req.payload["tasks"].GetInt());
  for (auto& c : d["tasks"].GetArray()) AddCredentials(s, c, d.GetAllocator());
  return Committed(JsonReply(d));
}

Reply ClaimTask(Services& s, Request& req, const std::string& id, const std::string& run) {
  req.api_name = "claimTask";
  SetParam(req, "taskId", id);
  SetParam(req, "runId", run);
  memq::CheckParam("taskId", id, memq::kSlugRe);
  memq::CheckParam("runId", run, kRunRe);
  CheckQuery(req, false);
  ValidateInput(req, "taskcluster/queue/v1/task-claim-request.json");
  std::string wg = req.payload["workerGroup"].GetString(), wi = req.payload["workerId"].GetString();
  if (!s.queue.HasTask(id))
    throw TcError(404, "ResourceNotFound", "Task `" + id + "` not found. Are you sure it was created?");
  Json status = s.queue.Status(id);
  const JsonValue& st = status["status"];
  Authorize(req, s.auth,
            ScopeExpr::All({ScopeExpr::S(std::string("queue:claim-task:") + st["provisionerId"].GetString() + "/" +
                                         st["workerType"].GetString()),
                            ScopeExpr::S("queue:worker-id:" + wg + "/" + wi)}));
  Json d = s.queue.ClaimTask(id, std::atoi(run.c_str()), wg, wi);
  AddCredentials(s, d, d.GetAllocator());
  return Committed(JsonReply(d));
}

// POST tasks/status {taskIds} (statuses): the body validated (defaults
// applied), then queue:status:<taskId> of every id (api.js authorizes in the
// handler); unknown taskIds are left out; each task once, in the order of its
// first mention (the DB function selects `task_id in (...)`); paged, the
// continuationToken in the query and the same body again.
Reply Statuses(Services& s, Request& req) {
  req.api_name = "statuses";
  CheckQuery(req, true);
  RequireJsonBody(req);
  auto& a = req.payload.GetAllocator();
  if (req.payload.IsObject() && !req.payload.HasMember("taskIds"))
    req.payload.AddMember("taskIds", JsonValue(rapidjson::kArrayType), a);
  RequireValid(QueueTasksRequestSchema(), "queue/v1/tasks-request.json", req.payload);
  std::vector<std::string> ids = StringsOf(Member(req.payload, "taskIds"));
  std::vector<ScopeExpr> each;
  for (const auto& id : ids) each.push_back(ScopeExpr::S("queue:status:" + id));
  Authorize(req, s.auth, ScopeExpr::All(std::move(each)));
  std::vector<std::string> found;
  for (const auto& id : ids)
    if (std::find(found.begin(), found.end(), id) == found.end() && s.queue.HasTask(id)) found.push_back(id);
  PageWindow w = WindowOf(PageOf(req), s.queue.PageSize(), static_cast<int64_t>(found.size()));
  Json d(rapidjson::kObjectType);
  auto& da = d.GetAllocator();
  JsonValue arr(rapidjson::kArrayType);
  for (int64_t i = w.offset; i < w.end; ++i) {
    Json st = s.queue.Status(found[i]);
    JsonValue e(rapidjson::kObjectType);
    e.AddMember("taskId", Str(found[i], da), da);
    e.AddMember("status", CopyValue(st["status"], da), da);
    arr.PushBack(e, da);
  }
  d.AddMember("statuses", arr, da);
  if (!w.next_token.empty()) d.AddMember("continuationToken", Str(w.next_token, da), da);
  return JsonReply(d);
}

// task/<taskId>[/...]
Reply TaskRoutes(Services& s, Request& req, const std::vector<std::string>& p) {
  const std::string& M = req.method;
  const std::string id = p[1];
  if (p.size() == 2 && M == "GET")
    return Read(s, req, "task", "taskId", id, "queue:get-task:" + id, false, [&] { return s.queue.Task(id); });
  if (p.size() == 3 && p[2] == "status" && M == "GET")
    return Read(s, req, "status", "taskId", id, "queue:status:" + id, false, [&] { return s.queue.Status(id); });
  if (p.size() == 3 && p[2] == "dependents" && M == "GET")
    return Read(s, req, "listDependentTasks", "taskId", id, "queue:list-dependent-tasks:" + id, true,
                [&] { return s.queue.ListDependentTasks(id, PageOf(req)); });
  if (p.size() == 2 && M == "PUT") return CreateTask(s, req, id);
  if (p.size() == 3 && M == "POST" && (p[2] == "rerun" || p[2] == "cancel" || p[2] == "schedule"))
    return TaskAction(s, req, id, p[2]);
  if (p.size() >= 4 && p[2] == "artifacts" && M == "GET") return ArtifactRoute(s, req, id, std::nullopt, JoinFrom(p, 3));
  if (p.size() >= 6 && p[2] == "runs" && p[4] == "artifacts" && M == "GET")
    return ArtifactRoute(s, req, id, p[3], JoinFrom(p, 5));
  if (p.size() == 5 && p[2] == "runs" && M == "POST") {
    if (p[4] == "completed" || p[4] == "failed" || p[4] == "exception") return Resolve(s, req, id, p[3], p[4]);
    if (p[4] == "claim") return ClaimTask(s, req, id, p[3]);
  }
  throw UnknownRoute{};
}

}  // namespace

Reply QueueRoutes(Services& s, Request& req, const std::string& rest) {
  std::vector<std::string> p = Split(rest);
  if (p.size() >= 2 && p[0] == "task") return TaskRoutes(s, req, p);
  if (p.size() == 2 && p[0] == "tasks" && p[1] == "status" && req.method == "POST") return Statuses(s, req);
  if (p.size() == 3 && p[0] == "task-group" && p[2] == "list" && req.method == "GET")
    return Read(s, req, "listTaskGroup", "taskGroupId", p[1], "queue:list-task-group:" + p[1], true,
                [&] { return s.queue.ListTaskGroup(p[1], PageOf(req)); });
  if (p.size() == 2 && p[0] == "task-group" && req.method == "GET")
    return Read(s, req, "getTaskGroup", "taskGroupId", p[1], "queue:list-task-group:" + p[1], false,
                [&] { return s.queue.GetTaskGroup(p[1]); });
  if (p.size() >= 3 && p[0] == "claim-work" && req.method == "POST") return ClaimWork(s, req, JoinFrom(p, 1));
  throw UnknownRoute{};
}

}  // namespace tc::emu

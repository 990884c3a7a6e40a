// The index service's API routes (services/index/src/api.js). See routes.h
// and index.h. As lib-api does: routes whose scope needs only required URL
// parameters authorize before the parameter checks; listTasks and
// listNamespaces (optional namespace) authorize in the handler, after them.
#include <cmath>

#include "core/error.h"
#include "emulator/ajv.h"
#include "emulator/formats.h"
#include "emulator/routes.h"
#include "emulator/service_schemas.h"

namespace tc::emu {

namespace {

Reply FindTask(Services& s, Request& req, const std::string& path) {
  req.api_name = "findTask";
  SetParam(req, "indexPath", path);
  Authorize(req, s.auth, ScopeExpr::S("index:find-task:" + path));
  memq::CheckParam("indexPath", path, kNamespaceRe);
  CheckQuery(req, false);
  return JsonReply(s.index.FindTask(path));
}

// listTasks / listNamespaces: GET tasks{/:namespace}, namespaces{/:namespace}
Reply List(Services& s, Request& req, bool tasks, const std::optional<std::string>& ns) {
  req.api_name = tasks ? "listTasks" : "listNamespaces";
  if (ns) {
    SetParam(req, "namespace", *ns);
    memq::CheckParam("namespace", *ns, kNamespaceRe);
  }
  CheckQuery(req, true);
  std::string n = ns.value_or("");
  Authorize(req, s.auth, ScopeExpr::S(std::string(tasks ? "index:list-tasks:" : "index:list-namespaces:") + n));
  Page page = PageOf(req);
  return JsonReply(tasks ? s.index.ListTasks(n, page, s.queue.PageSize())
                         : s.index.ListNamespaces(n, page, s.queue.PageSize()));
}

// POST tasks/indexes {indexes}: the body is validated (defaults applied),
// then the scopes index:find-task:<path> of every path (api.js authorizes in
// the handler, with the body's paths); paged like listTasks, the
// continuationToken in the query and the same body again.
Reply FindTasksAtIndex(Services& s, Request& req) {
  req.api_name = "findTasksAtIndex";
  CheckQuery(req, true);
  RequireJsonBody(req);
  auto& a = req.payload.GetAllocator();
  if (req.payload.IsObject() && !req.payload.HasMember("indexes"))
    req.payload.AddMember("indexes", JsonValue(rapidjson::kArrayType), a);
  RequireValid(IndexListTasksAtIndexSchema(), "index/v1/list-tasks-at-index.json", req.payload);
  std::vector<std::string> paths = StringsOf(Member(req.payload, "indexes"));
  std::vector<ScopeExpr> each;
  for (const auto& p : paths) each.push_back(ScopeExpr::S("index:find-task:" + p));
  Authorize(req, s.auth, ScopeExpr::All(std::move(each)));
  return JsonReply(s.index.FindTasksAtIndexes(paths, PageOf(req), s.queue.PageSize()));
}

Reply InsertTask(Services& s, Request& req, const std::string& ns) {
  req.api_name = "insertTask";
  SetParam(req, "namespace", ns);
  Authorize(req, s.auth, ScopeExpr::S("index:insert-task:" + ns));
  memq::CheckParam("namespace", ns, kNamespaceRe);
  CheckQuery(req, false);
  RequireJsonBody(req);
  RequireValid(IndexInsertTaskRequestSchema(), "index/v1/insert-task-request.json", req.payload);
  double rank = req.payload["rank"].GetDouble();
  if (std::floor(rank) != rank || std::fabs(rank) > 2147483647.0)  // rank is an integer column
    throw TcError(500, "InternalServerError",
                  "Internal Server Error: invalid input syntax for type integer: \"" + ToJson(req.payload["rank"]) + "\"");
  Reply r = JsonReply(s.index.InsertTask(ns, req.payload["taskId"].GetString(), static_cast<int64_t>(rank),
                                         req.payload["data"], *memq::ParseIso(req.payload["expires"].GetString())));
  r.committed = true;
  return r;
}

// A 303 to the queue's getLatestArtifact of the indexed task. (The real
// service signs the URL for a non-public artifact; the emulator does not.)
Reply FindArtifact(Services& s, Request& req, const std::string& path, const std::string& name) {
  req.api_name = "findArtifactFromTask";
  SetParam(req, "indexPath", path);
  SetParam(req, "name", name);
  Authorize(req, s.auth, ScopeExpr::S("queue:get-artifact:" + name));
  memq::CheckParam("indexPath", path, kNamespaceRe);
  CheckQuery(req, false);
  Json t = s.index.FindTask(path);
  std::string url = s.root_url() + "/api/queue/v1/task/" + t["taskId"].GetString() + "/artifacts/" + name;
  Reply r;
  r.status = 303;
  r.headers["Location"] = url;
  Json d(rapidjson::kObjectType);
  d.AddMember("url", Str(url, d.GetAllocator()), d.GetAllocator());
  r.body = ToPrettyJson(d);
  return r;
}

}  // namespace

Reply IndexRoutes(Services& s, Request& req, const std::string& rest) {
  const std::string& m = req.method;
  auto after = [&](const std::string& prefix) { return rest.substr(prefix.size()); };
  if (m == "POST" && rest == "tasks/indexes") return FindTasksAtIndex(s, req);
  if (m == "GET" && (rest == "tasks" || rest == "namespaces")) return List(s, req, rest == "tasks", std::nullopt);
  if (m == "GET" && rest.rfind("tasks/", 0) == 0) return List(s, req, true, after("tasks/"));
  if (m == "GET" && rest.rfind("namespaces/", 0) == 0) return List(s, req, false, after("namespaces/"));
  if (rest.rfind("task/", 0) == 0 && rest.size() > 5) {
    std::string path = after("task/");
    auto art = path.find("/artifacts/");
    if (m == "GET" && art != std::string::npos)
      return FindArtifact(s, req, path.substr(0, art), path.substr(art + 11));
    if (path.find('/') != std::string::npos) throw UnknownRoute{};
    if (m == "GET") return FindTask(s, req, path);
    if (m == "PUT") return InsertTask(s, req, path);
  }
  throw UnknownRoute{};
}

}  // namespace tc::emu

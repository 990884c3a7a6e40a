#include "taskcluster/index_http.h"

#include "taskcluster/queue_http.h"
#include "taskcluster/urls.h"

namespace tc {

HttpIndex::HttpIndex(const ClientConfig& cfg, std::shared_ptr<HttpClient> http)
    : client_(cfg, "index", "v1", std::move(http)) {}

Json HttpIndex::FindTask(const std::string& index_path) {
  return client_.Call("GET", "task/" + EncodeURIComponent(index_path), nullptr, "findTask");
}

Json HttpIndex::ListTasks(const std::string& ns, const Page& page) {
  return client_.Call("GET", "tasks/" + EncodeURIComponent(ns) + PageQuery(page), nullptr, "listTasks");
}

Json HttpIndex::FindTasksAtIndex(const std::vector<std::string>& index_paths, const Page& page) {
  Json body(rapidjson::kObjectType);
  auto& a = body.GetAllocator();
  JsonValue list(rapidjson::kArrayType);
  for (const auto& p : index_paths) list.PushBack(Str(p, a), a);
  body.AddMember("indexes", list, a);
  return client_.Call("POST", "tasks/indexes" + PageQuery(page), &body, "findTasksAtIndex");
}

}  // namespace tc

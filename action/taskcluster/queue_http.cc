#include "taskcluster/queue_http.h"

#include <vector>

#include "taskcluster/urls.h"

namespace tc {

namespace {
std::string Id(const std::string& s) { return EncodeURIComponent(s); }
}  // namespace

std::string PageQuery(const Page& page) {
  std::vector<std::pair<std::string, std::string>> q;
  if (page.continuation_token) q.emplace_back("continuationToken", *page.continuation_token);
  if (page.limit) q.emplace_back("limit", std::to_string(*page.limit));
  std::string s = QueryString(q);
  return s.empty() ? s : "?" + s;
}

HttpQueue::HttpQueue(const ClientConfig& cfg, std::shared_ptr<HttpClient> http)
    : client_(cfg, "queue", "v1", std::move(http)) {}

Json HttpQueue::Task(const std::string& task_id) {
  return client_.Call("GET", "task/" + Id(task_id), nullptr, "task");
}

Json HttpQueue::Status(const std::string& task_id) {
  return client_.Call("GET", "task/" + Id(task_id) + "/status", nullptr, "status");
}

Json HttpQueue::CreateTask(const std::string& task_id, const JsonValue& definition) {
  return client_.Call("PUT", "task/" + Id(task_id), &definition, "createTask");
}

Json HttpQueue::RerunTask(const std::string& task_id) {
  return client_.Call("POST", "task/" + Id(task_id) + "/rerun", nullptr, "rerunTask");
}

Json HttpQueue::CancelTask(const std::string& task_id) {
  return client_.Call("POST", "task/" + Id(task_id) + "/cancel", nullptr, "cancelTask");
}

Json HttpQueue::ListTaskGroup(const std::string& task_group_id, const Page& page) {
  return client_.Call("GET", "task-group/" + Id(task_group_id) + "/list" + PageQuery(page), nullptr,
                      "listTaskGroup");
}

Json HttpQueue::ListDependentTasks(const std::string& task_id, const Page& page) {
  return client_.Call("GET", "task/" + Id(task_id) + "/dependents" + PageQuery(page), nullptr,
                      "listDependentTasks");
}

std::string HttpQueue::GetLatestArtifact(const std::string& task_id, const std::string& name) {
  return client_.Fetch("GET", "task/" + Id(task_id) + "/artifacts/" + EncodeURIComponent(name),
                       "getLatestArtifact")
      .body;
}

Json HttpQueue::Statuses(const std::vector<std::string>& task_ids, const Page& page) {
  Json body(rapidjson::kObjectType);
  auto& a = body.GetAllocator();
  JsonValue list(rapidjson::kArrayType);
  for (const auto& id : task_ids) list.PushBack(Str(id, a), a);
  body.AddMember("taskIds", list, a);
  return client_.Call("POST", "tasks/status" + PageQuery(page), &body, "statuses");
}

}  // namespace tc

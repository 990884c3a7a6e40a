// The real Taskcluster queue over HTTP (services/queue API v1).
//
// Construct from a ClientConfig (http.h; ClientConfigFromEnv() reads the
// TASKCLUSTER_* environment). Errors are TcError (see http.h): 4xx are not
// retried, 5xx and network errors are, with taskcluster-client's backoff.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "taskcluster/http.h"
#include "taskcluster/queue.h"

namespace tc {

class HttpQueue : public Queue {
 public:
  // http: optional shared connection pool (e.g. with HttpHooks).
  explicit HttpQueue(const ClientConfig& cfg, std::shared_ptr<HttpClient> http = nullptr);

  Json Task(const std::string& task_id) override;
  Json Status(const std::string& task_id) override;
  Json CreateTask(const std::string& task_id, const JsonValue& definition) override;
  Json RerunTask(const std::string& task_id) override;
  Json CancelTask(const std::string& task_id) override;
  Json ListTaskGroup(const std::string& task_group_id, const Page& page) override;
  Json ListDependentTasks(const std::string& task_id, const Page& page) override;
  // GET task/<taskId>/artifacts/<name> (name encoded like encodeURIComponent,
  // so "public/x.json" is sent as "public%2Fx.json"); signed when credentials
  // are configured; the 303 to the artifact's storage is followed (without
  // the Authorization header when it leaves the queue's origin).
  std::string GetLatestArtifact(const std::string& task_id, const std::string& name) override;
  Json Statuses(const std::vector<std::string>& task_ids, const Page& page) override;

  // The URL a call goes to (for reports and tests).
  std::string Url(const std::string& path) const { return client_.Url(path); }

 private:
  TcServiceClient client_;
};

// "?continuationToken=..&limit=.." for a page ("" when neither is set).
std::string PageQuery(const Page& page);

}  // namespace tc

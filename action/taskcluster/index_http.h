// The real Taskcluster index over HTTP (services/index API v1).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "taskcluster/http.h"
#include "taskcluster/index.h"

namespace tc {

class HttpIndex : public Index {
 public:
  explicit HttpIndex(const ClientConfig& cfg, std::shared_ptr<HttpClient> http = nullptr);

  Json FindTask(const std::string& index_path) override;
  Json ListTasks(const std::string& ns, const Page& page) override;
  Json FindTasksAtIndex(const std::vector<std::string>& index_paths, const Page& page) override;

 private:
  TcServiceClient client_;
};

}  // namespace tc

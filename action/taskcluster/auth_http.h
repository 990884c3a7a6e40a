// The real Taskcluster auth service over HTTP (services/auth API v1).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "taskcluster/auth.h"
#include "taskcluster/http.h"

namespace tc {

class HttpAuthService : public Auth {
 public:
  explicit HttpAuthService(const ClientConfig& cfg, std::shared_ptr<HttpClient> http = nullptr);

  Json CurrentScopes() override;
  Json ExpandScopes(const std::vector<std::string>& scopes) override;

 private:
  TcServiceClient client_;
};

}  // namespace tc

// The real Taskcluster hooks service over HTTP (triggerHook).
#pragma once
#include <memory>
#include <string>

#include "taskcluster/http.h"
#include "taskcluster/queue.h"

namespace tc {

class HttpHooks : public Hooks {
 public:
  explicit HttpHooks(const ClientConfig& cfg, std::shared_ptr<HttpClient> http = nullptr);

  // POST hooks/v1/hooks/<hookGroupId>/<hookId>/trigger.
  Json TriggerHook(const std::string& hook_group_id, const std::string& hook_id,
                   const JsonValue& payload) override;

  std::string Url(const std::string& path) const { return client_.Url(path); }

 private:
  TcServiceClient client_;
};

}  // namespace tc

#include "taskcluster/hooks_http.h"

#include "taskcluster/urls.h"

namespace tc {

HttpHooks::HttpHooks(const ClientConfig& cfg, std::shared_ptr<HttpClient> http)
    : client_(cfg, "hooks", "v1", std::move(http)) {}

Json HttpHooks::TriggerHook(const std::string& hook_group_id, const std::string& hook_id,
                            const JsonValue& payload) {
  return client_.Call("POST",
                      "hooks/" + EncodeURIComponent(hook_group_id) + "/" + EncodeURIComponent(hook_id) +
                          "/trigger",
                      &payload, "triggerHook");
}

}  // namespace tc

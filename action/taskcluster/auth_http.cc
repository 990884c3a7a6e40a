#include "taskcluster/auth_http.h"

namespace tc {

HttpAuthService::HttpAuthService(const ClientConfig& cfg, std::shared_ptr<HttpClient> http)
    : client_(cfg, "auth", "v1", std::move(http)) {}

Json HttpAuthService::CurrentScopes() { return client_.Call("GET", "scopes/current", nullptr, "currentScopes"); }

Json HttpAuthService::ExpandScopes(const std::vector<std::string>& scopes) {
  Json body(rapidjson::kObjectType);
  auto& a = body.GetAllocator();
  JsonValue list(rapidjson::kArrayType);
  for (const auto& s : scopes) list.PushBack(Str(s, a), a);
  body.AddMember("scopes", list, a);
  return client_.Call("POST", "scopes/expand", &body, "expandScopes");
}

}  // namespace tc

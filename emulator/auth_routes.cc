// The auth service's scope routes (services/auth/src/api.js currentScopes,
// expandScopes). See routes.h and auth.h.
#include "emulator/ajv.h"
#include "emulator/routes.h"
#include "emulator/service_schemas.h"

namespace tc::emu {

namespace {

Reply ScopesReply(const std::vector<std::string>& scopes) {
  Json d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  JsonValue arr(rapidjson::kArrayType);
  for (const auto& sc : scopes) arr.PushBack(Str(sc, a), a);
  d.AddMember("scopes", arr, a);
  return JsonReply(d);
}

}  // namespace

Reply AuthRoutes(Services& s, Request& req, const std::string& rest) {
  if (req.method == "GET" && rest == "scopes/current") {
    // the caller's scopes after temporary credentials, authorizedScopes and roles
    req.api_name = "currentScopes";
    Authorize(req, s.auth, ScopeExpr::S("auth:current-scopes"));
    CheckQuery(req, false);
    return ScopesReply(Auth(req, s.auth).scopes);
  }
  if (req.method == "POST" && rest == "scopes/expand") {
    req.api_name = "expandScopes";
    Authorize(req, s.auth, ScopeExpr::S("auth:expand-scopes"));
    CheckQuery(req, false);
    RequireJsonBody(req);
    RequireValid(AuthScopesetSchema(), "auth/v1/scopeset.json", req.payload);
    return ScopesReply(s.auth.Expand(StringsOf(&req.payload["scopes"])));
  }
  throw UnknownRoute{};
}

}  // namespace tc::emu

// The Taskcluster auth service, as the actions need it: the caller's
// scopes (permission check, scope preflight). Implementations: HttpAuthService
// (auth_http.h), the emulator's for tests. Thread-safe.
#pragma once
#include <string>
#include <vector>

#include "core/json.h"

namespace tc {

class Auth {
 public:
  virtual ~Auth() = default;
  // GET scopes/current: {scopes}: the caller's scopes, expanded (roles,
  // temporary credentials and authorizedScopes applied); through the
  // taskcluster-proxy, the task's.
  virtual Json CurrentScopes() = 0;
  // POST scopes/expand {scopes}: {scopes}: the scopes with the roles they assume.
  virtual Json ExpandScopes(const std::vector<std::string>& scopes) = 0;
};

}  // namespace tc

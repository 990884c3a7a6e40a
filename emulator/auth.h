// The emulator's auth service side: the world's clients and roles, the
// anonymous role, Hawk request authentication with Taskcluster's `ext`
// (temporary-credential certificates, authorizedScopes), lib-api's scope
// check, and the temporary credentials the queue hands out with a claim.
//
// Sources: services/auth/src/signaturevalidator.js (createSignatureValidator,
// limitClientWithExt), libraries/api/src/middleware/auth.js (401/403
// messages), services/queue/src/task-creds.js, docker/tc-admin/tc-admin.py
// (the anonymous role's scopes).
//
// Time: Hawk timestamps and certificate validity are checked against the real
// wall clock, as clients sign with it.
//
// Thread-safety: every public method is thread-safe (one mutex guards
// clients, roles and the anonymous scopes; nothing is held while a request's
// MAC or certificate is checked).
#pragma once
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "emulator/api.h"
#include "emulator/roles.h"
#include "emulator/scopes.h"
#include "taskcluster/hawk.h"

namespace tc::emu {

class AuthService {
 public:
  // proxy_client_id: the client requests on the proxy listener act as.
  explicit AuthService(std::string proxy_client_id);

  void AddClient(const std::string& client_id, const std::string& access_token,
                 const std::vector<std::string>& scopes);
  void AddRole(const std::string& role_id, const std::vector<std::string>& scopes);
  void SetAnonymousScopes(const std::vector<std::string>& scopes);  // the `anonymous` role
  std::vector<std::string> ClientIds() const;  // world clients (not the queue's issuer)
  std::optional<std::string> AccessToken(const std::string& client_id) const;

  // expandScopes: the scopes plus everything the roles grant, normalized (roles.h).
  std::vector<std::string> Expand(const std::vector<std::string>& scopes) const;

  // signaturevalidator.js: who sent the request, with which scopes.
  AuthResult Authenticate(const Request& req) const;

  // task-creds.js: the credentials (clientId, accessToken, certificate) for a
  // claimed run, signed by the queue's issuer client, written into out.
  void TaskCredentials(const std::string& task_id, int run_id, const std::string& worker_group,
                       const std::string& worker_id, int64_t taken_until_ms,
                       const std::vector<std::string>& task_scopes, JsonValue& out, JsonAlloc& a) const;

 private:
  struct Client {
    std::string access_token;
    std::vector<std::string> scopes;
  };
  struct Creds {
    std::string key, client_id;
    std::vector<std::string> scopes;
  };
  std::vector<std::string> ExpandLocked(std::vector<std::string> scopes) const;
  Creds LoadCredentials(const std::string& client_id, const std::string& ext) const;
  void CheckCertificate(const std::string& credential_name, const std::string& issuing_id, Creds& c,
                        const JsonValue& cert) const;
  void ApplyAuthorizedScopes(Creds& c, const JsonValue& authorized) const;
  std::optional<std::string> VerifyHawk(const Request& req, const HawkHeader* h, const Creds& c) const;

  const std::string issuer_id_ = "static/taskcluster/queue";
  std::string proxy_client_id_;
  mutable std::mutex mu_;
  std::map<std::string, Client> clients_;
  RoleSet roles_;  // the world's roles and `anonymous`
};

// The request's authentication, computed on first need.
const AuthResult& Auth(Request& req, const AuthService& auth);
// lib-api req.authorize: 401 AuthenticationFailed (ApiError, www-authenticate
// header) when authentication failed, 403 InsufficientScopes when the
// caller's scopes do not satisfy `required`.
void Authorize(Request& req, const AuthService& auth, const ScopeExpr& required);

}  // namespace tc::emu

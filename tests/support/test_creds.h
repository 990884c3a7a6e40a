// Taskcluster temporary credentials, made as taskcluster-client's
// createTemporaryCredentials makes them (for tests).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace tctest {

struct TempCreds {
  std::string client_id, access_token, certificate;
};

// Temporary credentials of client_id (signed with its access_token) holding
// `scopes`, valid from start_ms to expiry_ms.
TempCreds MakeTempCreds(const std::string& client_id, const std::string& access_token,
                        const std::vector<std::string>& scopes, int64_t start_ms, int64_t expiry_ms);

}  // namespace tctest

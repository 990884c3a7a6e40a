// Hawk HTTP authentication (header scheme), as Taskcluster uses it.
//
// Signing (client side) and verification (emulator side) share one
// normalisation: "hawk.1.header\n<ts>\n<nonce>\n<METHOD>\n<resource>\n<host>\n<port>\n<hash>\n<ext>\n"
// MAC = base64(HMAC-SHA256(key, normalized)). Payload hash:
// base64(SHA256("hawk.1.payload\n<content-type>\n<payload>\n")) where
// content-type is lowercased and stripped of parameters.
// Taskcluster puts temporary credentials' certificate and authorizedScopes in
// `ext` as base64(JSON {"certificate": {...}, "authorizedScopes": [...]}).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tc {

struct HawkCredentials {
  std::string id;   // clientId
  std::string key;  // accessToken
};

struct HawkRequest {
  std::string method;    // "GET", "POST", ...
  std::string resource;  // path + query, e.g. "/api/queue/v1/task/abc?x=1"
  std::string host;      // as in the URL (no port)
  int port = 0;
  std::string ext;                    // may be empty
  std::optional<std::string> hash;    // payload hash, if the body is covered
  int64_t ts = 0;                     // seconds since epoch
  std::string nonce;
};

std::string HawkPayloadHash(const std::string& content_type, const std::string& payload);
std::string HawkNormalizedString(const HawkRequest& r);
std::string HawkMac(const std::string& key, const HawkRequest& r);
// Builds the full "Hawk id=\"..\", ts=\"..\", nonce=\"..\", hash=\"..\", ext=\"..\", mac=\"..\"" value.
std::string HawkAuthorizationHeader(const HawkCredentials& c, const HawkRequest& r);

// Parsed Authorization header. Returns nullopt on a malformed header (*err says why).
struct HawkHeader {
  std::string id, ts, nonce, hash, ext, mac, app, dlg;
};
std::optional<HawkHeader> ParseHawkHeader(const std::string& header, std::string* err);

// Taskcluster's ext: {"certificate": <cert obj>, "authorizedScopes": [...]} base64-encoded.
// certificate_json is the certificate as a JSON string (as given in
// TASKCLUSTER_CERTIFICATE), empty for none.
std::string TaskclusterExt(const std::string& certificate_json,
                           const std::vector<std::string>& authorized_scopes);

std::string HmacSha256(const std::string& key, const std::string& data);  // raw bytes
std::string Sha256(const std::string& data);                              // raw bytes

// --- additions (tc_client): helpers for signing and verification ---

// Constant-time comparison (for MAC checks); false if lengths differ.
bool ConstantTimeEquals(const std::string& a, const std::string& b);
// A fresh random nonce (alphanumeric, 8 characters).
std::string HawkNonce();
// Escapes an attribute value for the Authorization header (\ and ").
std::string HawkEscapeHeaderAttribute(const std::string& value);
// Upper bound on an Authorization header ParseHawkHeader accepts.
constexpr size_t kHawkMaxHeaderLength = 64 * 1024;

}  // namespace tc

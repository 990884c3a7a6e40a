#include "test_creds.h"

#include "core/base64.h"
#include "core/json.h"
#include "core/slugid.h"
#include "taskcluster/hawk.h"

namespace tctest {

TempCreds MakeTempCreds(const std::string& client_id, const std::string& access_token,
                        const std::vector<std::string>& scopes, int64_t start_ms, int64_t expiry_ms) {
  std::string seed = tc::NewSlugid() + tc::NewSlugid();
  std::string joined;
  for (size_t i = 0; i < scopes.size(); ++i) joined += (i ? "\n" : "") + scopes[i];
  std::string to_sign = "version:1\nseed:" + seed + "\nstart:" + std::to_string(start_ms) +
                        "\nexpiry:" + std::to_string(expiry_ms) + "\nscopes:\n" + joined;
  std::string signature = tc::Base64Encode(tc::HmacSha256(access_token, to_sign));
  std::string token = tc::Base64Encode(tc::HmacSha256(access_token, seed));
  for (auto& c : token) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  while (!token.empty() && token.back() == '=') token.pop_back();
  tc::Json cert(rapidjson::kObjectType);
  auto& a = cert.GetAllocator();
  cert.AddMember("version", 1, a);
  tc::JsonValue sc(rapidjson::kArrayType);
  for (const auto& s : scopes) sc.PushBack(tc::Str(s, a), a);
  cert.AddMember("scopes", sc, a);
  cert.AddMember("start", static_cast<int64_t>(start_ms), a);
  cert.AddMember("expiry", static_cast<int64_t>(expiry_ms), a);
  cert.AddMember("seed", tc::Str(seed, a), a);
  cert.AddMember("signature", tc::Str(signature, a), a);
  return {client_id, token, tc::ToJson(cert)};
}

}  // namespace tctest

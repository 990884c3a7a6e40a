#include "hawk_verify.h"

#include <cstdlib>
#include <ctime>

namespace tctest {

std::string VerifyHawk(const Seen& s, const std::string& key, tc::HawkHeader* out, const std::string& client_id) {
  std::string err;
  auto h = tc::ParseHawkHeader(s.authorization, &err);
  if (!h) return "parse: " + err;
  if (h->id != client_id) return "wrong id";
  tc::HawkRequest r;
  r.method = s.method;
  r.resource = s.uri;
  auto colon = s.host.rfind(':');
  r.host = s.host.substr(0, colon);
  r.port = colon == std::string::npos ? 80 : std::stoi(s.host.substr(colon + 1));
  r.ts = std::stoll(h->ts);
  r.nonce = h->nonce;
  if (!h->hash.empty()) r.hash = h->hash;
  r.ext = h->ext;
  if (!tc::ConstantTimeEquals(tc::HawkMac(key, r), h->mac)) return "bad mac";
  if (std::llabs(r.ts - static_cast<int64_t>(std::time(nullptr))) > 60) return "stale ts";
  if (out) *out = *h;
  return "";
}

}  // namespace tctest

// Fuzz target: tc::ParseHawkHeader (hawk.h), the emulator's Authorization
// header parser. Input: the header value. Must never crash or throw; a parsed
// header must have id, ts (digits), nonce and mac, and the input must not be
// longer than kHawkMaxHeaderLength.
#include <string>

#include "fuzz_util.h"
#include "taskcluster/hawk.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string header(reinterpret_cast<const char*>(data), size);
  std::string err;
  std::optional<tc::HawkHeader> h = tc::ParseHawkHeader(header, &err);
  if (!h) {
    if (err.empty()) tc_fuzz::Fail("rejected without a reason");
    return 0;
  }
  if (header.size() > tc::kHawkMaxHeaderLength) tc_fuzz::Fail("over-long header accepted");
  if (h->id.empty() || h->ts.empty() || h->nonce.empty() || h->mac.empty())
    tc_fuzz::Fail("header without id/ts/nonce/mac accepted");
  for (char c : h->ts)
    if (c < '0' || c > '9') tc_fuzz::Fail("non-digit ts accepted", h->ts);
  // A parsed header re-encodes to one that parses to the same fields.
  std::string again = "Hawk id=\"" + tc::HawkEscapeHeaderAttribute(h->id) + "\", ts=\"" + h->ts + "\", nonce=\"" +
                      tc::HawkEscapeHeaderAttribute(h->nonce) + "\", mac=\"" + tc::HawkEscapeHeaderAttribute(h->mac) +
                      "\"";
  std::string err2;
  auto h2 = tc::ParseHawkHeader(again, &err2);
  if (h2 && (h2->id != h->id || h2->ts != h->ts || h2->nonce != h->nonce || h2->mac != h->mac))
    tc_fuzz::Fail("re-encoded header parses differently", again);
  return 0;
}

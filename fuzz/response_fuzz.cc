// Fuzz target: a Taskcluster response as the HTTP client receives it
// (taskcluster/http_body.h): the body decoder (identity, gzip, deflate; a
// known or unknown length; arbitrary read sizes; a small cap) and the one
// reader of JSON responses (ParseJsonResponse: iterative, kMaxJsonDepth,
// UTF-8 validated).
//
// Input: byte 0 = the encoding (% 3: identity, gzip, deflate) and whether the
// length is announced (bit 2); byte 1 = the cap (% 4: 64 B, 4 KiB, 64 KiB,
// 1 MiB); byte 2 = the read size seed; the rest = the raw body bytes.
// Invariants: never crash; only BodyTooLarge, std::runtime_error (corrupt or
// truncated compressed data) and TcError come out; the decoded body never
// exceeds the cap; an identity body within the cap comes out byte for byte;
// a parsed response is an object, no deeper than kMaxJsonDepth, valid UTF-8,
// and survives a print and parse round trip.
#include <algorithm>
#include <string>

#include "core/error.h"
#include "core/json.h"
#include "fuzz_util.h"
#include "taskcluster/http_body.h"

namespace {

int Depth(const tc::JsonValue& v) {
  int d = 0;
  if (v.IsObject())
    for (const auto& m : v.GetObject()) d = std::max(d, Depth(m.value));
  if (v.IsArray())
    for (const auto& e : v.GetArray()) d = std::max(d, Depth(e));
  return (v.IsObject() || v.IsArray()) ? d + 1 : 0;
}

std::string Decode(const std::string& encoding, size_t cap, bool announce, size_t step, const std::string& raw) {
  tc::BodyDecoder body(encoding, cap, announce ? static_cast<int64_t>(raw.size()) : -1);
  size_t at = 0;
  while (at < raw.size()) {
    size_t room = 0;
    char* p = body.Space(std::min(step, raw.size() - at), &room);
    if (room == 0) tc_fuzz::Fail("Space gave no room");
    const size_t n = std::min(room, raw.size() - at);
    std::copy(raw.data() + at, raw.data() + at + n, p);
    body.Commit(n);
    at += n;
  }
  std::string out = body.Finish();
  if (out.size() > cap) tc_fuzz::Fail("decoded body above the cap", std::to_string(out.size()));
  return out;
}

void CheckParsed(const std::string& body) {
  tc::Json doc;
  try {
    doc = tc::ParseJsonResponse(body, 200, "fuzz");
  } catch (const tc::TcError&) {
    return;
  }
  if (!doc.IsObject()) tc_fuzz::Fail("a response that is not an object was accepted");
  if (Depth(doc) > tc::kMaxJsonDepth) tc_fuzz::Fail("a response deeper than kMaxJsonDepth was accepted");
  const std::string text = tc::ToJson(doc);
  if (tc::SanitizeUtf8(text) != text) tc_fuzz::Fail("invalid UTF-8 printed from an accepted response");
  auto again = tc::TryParseJson(text);
  if (!again || !again->IsObject()) tc_fuzz::Fail("an accepted response does not survive a round trip", text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  static const char* const kEncodings[3] = {"identity", "gzip", "deflate"};
  static const size_t kCaps[4] = {64, 4096, 65536, 1 << 20};
  const std::string encoding = kEncodings[data[0] % 3];
  const bool announce = (data[0] & 4) != 0;
  const size_t cap = kCaps[data[1] % 4];
  const size_t step = 1 + data[2] % 97;
  const std::string raw(reinterpret_cast<const char*>(data) + 3, size - 3);
  std::string body;
  try {
    body = Decode(encoding, cap, announce, step, raw);
  } catch (const tc::BodyTooLarge&) {
    if (encoding == "identity" && raw.size() <= cap) tc_fuzz::Fail("an identity body within the cap refused");
    return 0;
  } catch (const std::runtime_error&) {
    if (encoding == "identity") tc_fuzz::Fail("an identity body refused as corrupt");
    return 0;
  }
  if (encoding == "identity" && body != raw) tc_fuzz::Fail("an identity body changed on the way");
  try {
    const std::string whole = tc::GunzipBody(raw, cap);
    if (whole.size() > cap) tc_fuzz::Fail("GunzipBody above the cap");
  } catch (const std::runtime_error&) {
  }
  CheckParsed(body);
  CheckParsed(raw);  // the same bytes as an identity body
  return 0;
}

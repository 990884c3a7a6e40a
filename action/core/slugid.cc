#include "core/slugid.h"

#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstring>
#include <stdexcept>

namespace tc {

namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
}

std::string EncodeSlugid(const unsigned char in[16]) {
  unsigned char b[16];
  std::memcpy(b, in, 16);
  b[0] &= 0x7f;                 // nice: first char A-Z or a-f
  b[6] = (b[6] & 0x0f) | 0x40;  // version 4
  b[8] = (b[8] & 0x3f) | 0x80;  // RFC 4122 variant
  std::string out;
  out.reserve(22);
  int i = 0;
  for (; i + 3 <= 15; i += 3) {
    uint32_t v = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  // one byte left (b[15]): two characters, no padding
  out += kAlphabet[(b[15] >> 2) & 63];
  out += kAlphabet[(b[15] << 4) & 63];
  return out;
}

std::string NewSlugid() {
  unsigned char b[16];
  if (RAND_bytes(b, sizeof b) != 1) throw std::runtime_error("slugid: no randomness available");
  return EncodeSlugid(b);
}

namespace {
std::string SlugidOfDigest(const std::string& material) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(material.data()), material.size(), digest);
  return EncodeSlugid(digest);
}
}  // namespace

std::string DerivedSlugid(std::string_view seed, uint64_t index) {
  std::string material = "tc-action/v1\n";
  material.append(seed.data(), seed.size());
  return SlugidOfDigest(material + "\n" + std::to_string(index));
}

std::string DerivedSlugid(std::string_view seed, std::string_view key) {
  std::string material = "tc-action/v2\n";
  material.append(seed.data(), seed.size());
  material += '\n';
  material.append(key.data(), key.size());
  return SlugidOfDigest(material);
}

bool IsSlugid(std::string_view s) {
  if (s.size() != 22) return false;
  auto url = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  };
  for (char c : s)
    if (!url(c)) return false;
  if (s[8] < 'Q' || s[8] > 'T') return false;
  if (std::string_view("CGKOSWaeimquy26-").find(s[10]) == std::string_view::npos) return false;
  if (std::string_view("AQgw").find(s[21]) == std::string_view::npos) return false;
  return true;
}

}  // namespace tc

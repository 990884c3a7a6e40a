// Hawk header scheme (see hawk.h), following hueniverse/hawk lib/crypto.js and
// lib/utils.js (parseAuthorizationHeader), and Taskcluster's ext conventions
// (clients/client/src/client.js).
#include "taskcluster/hawk.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cctype>
#include <random>
#include <stdexcept>

#include "core/base64.h"
#include "core/error.h"
#include "core/json.h"

namespace tc {

namespace {

bool IsWordChar(unsigned char c) { return std::isalnum(c) || c == '_'; }
bool IsSpace(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Hawk's allowed attribute value characters:
// !#$%&'()*+,-./:;<=>?@[]^_`{|}~ and space, a-z, A-Z, 0-9.
bool IsValueChar(unsigned char c) {
  if (c >= 0x80) return false;
  if (std::isalnum(c)) return true;
  switch (c) {
    case ' ': case '!': case '#': case '$': case '%': case '&': case '\'': case '(':
    case ')': case '*': case '+': case ',': case '-': case '.': case '/': case ':':
    case ';': case '<': case '=': case '>': case '?': case '@': case '[': case ']':
    case '^': case '_': case '`': case '{': case '|': case '}': case '~':
      return true;
    default:
      return false;
  }
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
std::string Upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string HmacSha256(const std::string& key, const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len)) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  return std::string(reinterpret_cast<char*>(md), len);
}

std::string Sha256(const std::string& data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  return std::string(reinterpret_cast<char*>(md), SHA256_DIGEST_LENGTH);
}

bool ConstantTimeEquals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

std::string HawkNonce() {
  static const char kAlnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  unsigned char buf[8];
  if (RAND_bytes(buf, sizeof buf) != 1) {
    thread_local std::mt19937 rng{std::random_device{}()};
    for (auto& b : buf) b = static_cast<unsigned char>(rng());
  }
  std::string out;
  for (unsigned char b : buf) out += kAlnum[b % 62];
  return out;
}

std::string HawkEscapeHeaderAttribute(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out;
}

std::string HawkPayloadHash(const std::string& content_type, const std::string& payload) {
  // Content type: lowercased, parameters (";...") stripped, trimmed.
  std::string ct = content_type.substr(0, content_type.find(';'));
  size_t b = 0, e = ct.size();
  while (b < e && IsSpace(static_cast<unsigned char>(ct[b]))) ++b;
  while (e > b && IsSpace(static_cast<unsigned char>(ct[e - 1]))) --e;
  ct = Lower(ct.substr(b, e - b));
  return Base64Encode(Sha256("hawk.1.payload\n" + ct + "\n" + payload + "\n"));
}

std::string HawkNormalizedString(const HawkRequest& r) {
  std::string ext;
  ext.reserve(r.ext.size());
  for (char c : r.ext) {
    if (c == '\\') {
      ext += "\\\\";
    } else if (c == '\n') {
      ext += "\\n";
    } else {
      ext += c;
    }
  }
  std::string s = "hawk.1.header\n";
  s += std::to_string(r.ts) + "\n";
  s += r.nonce + "\n";
  s += Upper(r.method) + "\n";
  s += r.resource + "\n";
  s += Lower(r.host) + "\n";
  s += std::to_string(r.port) + "\n";
  s += r.hash.value_or("") + "\n";
  s += ext + "\n";
  return s;
}

std::string HawkMac(const std::string& key, const HawkRequest& r) {
  return Base64Encode(HmacSha256(key, HawkNormalizedString(r)));
}

std::string HawkAuthorizationHeader(const HawkCredentials& c, const HawkRequest& r) {
  std::string h = "Hawk id=\"" + c.id + "\", ts=\"" + std::to_string(r.ts) + "\", nonce=\"" + r.nonce + "\"";
  if (r.hash && !r.hash->empty()) h += ", hash=\"" + *r.hash + "\"";
  if (!r.ext.empty()) h += ", ext=\"" + HawkEscapeHeaderAttribute(r.ext) + "\"";
  h += ", mac=\"" + HawkMac(c.key, r) + "\"";
  return h;
}

// Mirrors hawk's parseAuthorizationHeader: the header is `<scheme> <attrs>`,
// attrs is a concatenation of `name="value"\s*(,\s*|$)`, names from a fixed
// set, no duplicates, values non-empty from the allowed character set.
// Additionally: id, ts, nonce and mac are required and ts must be digits.
std::optional<HawkHeader> ParseHawkHeader(const std::string& header, std::string* err) {
  auto fail = [&](const std::string& why) -> std::optional<HawkHeader> {
    if (err) *err = why;
    return std::nullopt;
  };
  if (header.empty()) return fail("missing Authorization header");
  if (header.size() > kHawkMaxHeaderLength) return fail("header length too long");
  for (unsigned char c : header) {
    if (c == '\r' || c == '\n' || c == 0) return fail("invalid header syntax");
  }
  size_t i = 0;
  const size_t n = header.size();
  while (i < n && IsWordChar(static_cast<unsigned char>(header[i]))) ++i;
  if (i == 0) return fail("invalid header syntax");
  std::string scheme = Lower(header.substr(0, i));
  if (i < n && !IsSpace(static_cast<unsigned char>(header[i]))) return fail("invalid header syntax");
  if (scheme != "hawk") return fail("not a Hawk authorization scheme");
  while (i < n && IsSpace(static_cast<unsigned char>(header[i]))) ++i;
  if (i >= n) return fail("invalid header syntax: no attributes");

  HawkHeader out;
  bool seen[8] = {false, false, false, false, false, false, false, false};
  static const char* const kNames[8] = {"id", "ts", "nonce", "hash", "ext", "mac", "app", "dlg"};
  std::string* fields[8] = {&out.id, &out.ts, &out.nonce, &out.hash, &out.ext, &out.mac, &out.app, &out.dlg};

  while (i < n) {
    size_t name_start = i;
    while (i < n && IsWordChar(static_cast<unsigned char>(header[i]))) ++i;
    if (i == name_start) return fail("bad header format");
    std::string name = header.substr(name_start, i - name_start);
    if (i + 1 >= n || header[i] != '=' || header[i + 1] != '"') return fail("bad header format");
    i += 2;
    size_t value_start = i;
    while (i < n && header[i] != '"' && header[i] != '\\') ++i;
    if (i >= n || header[i] != '"') return fail("bad header format");
    std::string value = header.substr(value_start, i - value_start);
    ++i;  // closing quote
    while (i < n && IsSpace(static_cast<unsigned char>(header[i]))) ++i;
    if (i < n) {
      if (header[i] != ',') return fail("bad header format");
      ++i;
      while (i < n && IsSpace(static_cast<unsigned char>(header[i]))) ++i;
    }
    int idx = -1;
    for (int k = 0; k < 8; ++k) {
      if (name == kNames[k]) idx = k;
    }
    if (idx < 0) return fail("unknown attribute: " + name.substr(0, 32));
    if (value.empty()) return fail("bad attribute value: " + name);
    for (unsigned char c : value) {
      if (!IsValueChar(c)) return fail("bad attribute value: " + name);
    }
    if (seen[idx]) return fail("duplicate attribute: " + name);
    seen[idx] = true;
    *fields[idx] = std::move(value);
  }
  if (out.id.empty() || out.ts.empty() || out.nonce.empty() || out.mac.empty()) {
    return fail("missing attributes");
  }
  if (out.ts.size() > 18) return fail("bad attribute value: ts");
  for (char c : out.ts) {
    if (c < '0' || c > '9') return fail("bad attribute value: ts");
  }
  return out;
}

std::string TaskclusterExt(const std::string& certificate_json,
                           const std::vector<std::string>& authorized_scopes) {
  if (certificate_json.empty() && authorized_scopes.empty()) return "";
  rapidjson::Document ext(rapidjson::kObjectType);
  auto& a = ext.GetAllocator();
  if (!certificate_json.empty()) {
    // core's reader: depth-limited and UTF-8 validated, like everything from outside
    std::optional<Json> cert = TryParseJson(certificate_json);
    if (!cert || !cert->IsObject()) {
      // Never echo the certificate: it is a credential.
      throw BadInput("TASKCLUSTER_CERTIFICATE: not a valid JSON object");
    }
    ext.AddMember("certificate", CopyValue(*cert, a), a);
  }
  if (!authorized_scopes.empty()) {
    rapidjson::Value arr(rapidjson::kArrayType);
    for (const auto& s : authorized_scopes) {
      arr.PushBack(rapidjson::Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), a), a);
    }
    ext.AddMember("authorizedScopes", arr, a);
  }
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  ext.Accept(w);
  return Base64Encode(std::string(buf.GetString(), buf.GetSize()));
}

}  // namespace tc

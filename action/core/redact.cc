#include "core/redact.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <shared_mutex>
#include <unordered_set>
#include <vector>

namespace tc {

namespace {

constexpr char kRedacted[] = "<redacted>";

struct Registry {
  std::shared_mutex mu;
  std::vector<std::string> exact;             // whole secrets, longest first
  std::unordered_set<std::string> windows;   // every kSecretWindow-long piece
};

Registry& Secrets() {
  static Registry* r = new Registry();  // never destroyed: used until exit, from any thread
  return *r;
}

bool B64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
         c == '=' || c == '-' || c == '_';
}

int B64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return 0;  // '=' and anything else
}

std::string B64Encode(std::string_view in) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int k = 18; k >= 0; k -= 6) out += kAlphabet[(v >> k) & 63];
  }
  if (i < in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    if (i + 1 < in.size()) v |= uint8_t(in[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// Decodes the base64 characters of run from offset `from` (standard or URL
// alphabet, '=' read as zero bits; a trailing partial quantum dropped).
std::string B64DecodeLoose(std::string_view run, size_t from) {
  std::string out;
  for (size_t i = from; i + 4 <= run.size(); i += 4) {
    uint32_t v = 0;
    for (size_t k = 0; k < 4; ++k) v = (v << 6) | static_cast<uint32_t>(B64Value(run[i + k]));
    out += static_cast<char>((v >> 16) & 0xFF);
    out += static_cast<char>((v >> 8) & 0xFF);
    out += static_cast<char>(v & 0xFF);
  }
  return out;
}

// Whether decoded bytes look like a Taskcluster certificate or credentials.
bool LooksLikeCredentials(std::string_view d) {
  for (const char* k : {"\"seed\"", "\"signature\"", "\"accessToken\"", "\"certificate\""})
    if (d.find(k) != std::string_view::npos) return true;
  return false;
}

void ReplaceAll(std::string& s, const std::string& what) {
  for (size_t pos = 0; (pos = s.find(what, pos)) != std::string::npos;) {
    s.replace(pos, what.size(), kRedacted);
    pos += sizeof kRedacted - 1;
  }
}

// A base64-alphabet run is a secret when it holds a window of a registered
// secret, or decodes (at any alignment) to credentials.
bool SecretRun(std::string_view run, const Registry& r) {
  if (run.size() >= kSecretWindow && !r.windows.empty()) {
    std::string w;
    for (size_t i = 0; i + kSecretWindow <= run.size(); ++i) {
      w.assign(run.substr(i, kSecretWindow));
      if (r.windows.count(w)) return true;
    }
  }
  if (run.size() >= 24) {
    for (size_t from = 0; from < 4; ++from)
      if (LooksLikeCredentials(B64DecodeLoose(run, from))) return true;
  }
  return false;
}

std::string RedactRuns(const std::string& s, const Registry& r) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    if (!B64Char(s[i])) {
      out += s[i++];
      continue;
    }
    size_t j = i;
    while (j < s.size() && B64Char(s[j])) ++j;
    std::string_view run(s.data() + i, j - i);
    if (run.size() >= kSecretWindow && SecretRun(run, r)) {
      out += kRedacted;
    } else {
      out.append(run);
    }
    i = j;
  }
  return out;
}

bool WordChar(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

// The end of a value starting at v: up to the closing quote when quoted
// (quote: "\"" or "\\\""), else up to a delimiter.
size_t ValueEnd(const std::string& s, size_t v, const std::string& quote) {
  if (!quote.empty()) {
    size_t e = s.find(quote, v);
    return e == std::string::npos ? s.size() : e;
  }
  size_t e = v;
  while (e < s.size() && !std::strchr("&,; \t\r\n\"'\\}])", s[e])) ++e;
  return e;
}

// key="value", key=value, "key": "value", \"key\":\"value\" -> value redacted.
void RedactKeyValues(std::string& s) {
  static const char* kKeys[] = {"ext", "mac", "bewit", "seed", "signature", "accessToken", "access_token", "password"};
  for (const char* key : kKeys) {
    const size_t klen = std::strlen(key);
    for (size_t pos = 0; (pos = s.find(key, pos)) != std::string::npos; pos += klen) {
      if (pos > 0 && WordChar(s[pos - 1])) continue;
      size_t p = pos + klen;
      if (s.compare(p, 2, "\\\"") == 0) p += 2;
      else if (p < s.size() && s[p] == '"') p += 1;
      while (p < s.size() && s[p] == ' ') ++p;
      if (p >= s.size() || (s[p] != '=' && s[p] != ':')) continue;
      ++p;
      while (p < s.size() && s[p] == ' ') ++p;
      std::string quote;
      if (s.compare(p, 2, "\\\"") == 0) quote = "\\\"";
      else if (p < s.size() && s[p] == '"') quote = "\"";
      p += quote.size();
      size_t e = ValueEnd(s, p, quote);
      if (e > p && s.compare(p, e - p, kRedacted) != 0) s.replace(p, e - p, kRedacted);
    }
  }
}

// scheme://user:password@host -> scheme://<redacted>@host
void RedactUserinfo(std::string& s) {
  for (size_t pos = 0; (pos = s.find("://", pos)) != std::string::npos;) {
    const size_t start = pos + 3;
    size_t end = start;
    while (end < s.size() && !std::strchr("/?# \t\r\n\"'<>", s[end])) ++end;
    const size_t at = s.rfind('@', end == start ? start : end - 1);
    if (at != std::string::npos && at >= start && at < end && s.compare(start, at - start, kRedacted) != 0) {
      s.replace(start, at - start, kRedacted);
      end = start + sizeof kRedacted;
    }
    pos = end;
  }
}

// Length of the valid UTF-8 sequence at s[i] (no overlong forms, surrogates
// or code points above U+10FFFF), 0 when invalid; *cp gets the code point.
size_t Utf8At(std::string_view s, size_t i, uint32_t* cp) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  const size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  uint32_t v = len == 1 ? c : c & (0xFF >> (len + 1));
  for (size_t k = 1; k < len; ++k) {
    const unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    v = (v << 6) | (cc & 0x3F);
  }
  static const uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (v < kMin[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return len;
}

enum class Controls { kKeep, kEscape, kOneLine };

std::string CleanUtf8(std::string_view s, Controls mode) {
  static const char kReplacement[] = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    const size_t len = Utf8At(s, i, &cp);
    if (len == 0 || cp == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    const bool control = cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F);
    if (!control || mode == Controls::kKeep) {
      out.append(s.substr(i, len));
    } else if (mode == Controls::kOneLine && (cp == '\n' || cp == '\r' || cp == '\t')) {
      out += ' ';
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp == '\t') {
      out += "\\t";
    } else {
      static const char* kHex = "0123456789abcdef";
      out += "\\u00";
      out += kHex[(cp >> 4) & 0xF];
      out += kHex[cp & 0xF];
    }
    i += len;
  }
  return out;
}

}  // namespace

void AddSecret(std::string_view secret, SecretPieces pieces) {
  if (secret.size() < 8) return;  // too short to replace anywhere without mangling text
  Registry& r = Secrets();
  std::unique_lock<std::shared_mutex> lock(r.mu);
  const std::string encoded = B64Encode(secret);
  for (const std::string& s : {std::string(secret), encoded}) {
    bool known = false;
    for (const auto& e : r.exact) known = known || e == s;
    if (known) continue;
    r.exact.push_back(s);
    if (pieces == SecretPieces::kWholeOnly && s != encoded) continue;
    for (size_t i = 0; i + kSecretWindow <= s.size(); ++i) {
      std::string_view w(s.data() + i, kSecretWindow);
      bool b64 = true;
      for (char c : w) b64 = b64 && B64Char(c);
      if (b64) r.windows.emplace(w);
    }
  }
  std::sort(r.exact.begin(), r.exact.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

void ClearSecretsForTests() {
  Registry& r = Secrets();
  std::unique_lock<std::shared_mutex> lock(r.mu);
  r.exact.clear();
  r.windows.clear();
}

std::string Redact(std::string_view text) {
  std::string s(text);
  Registry& r = Secrets();
  std::shared_lock<std::shared_mutex> lock(r.mu);
  for (const auto& secret : r.exact) ReplaceAll(s, secret);
  RedactKeyValues(s);
  RedactUserinfo(s);
  return RedactRuns(s, r);
}

std::string Printable(std::string_view s) { return CleanUtf8(Redact(s), Controls::kEscape); }

std::string PrintableLine(std::string_view s) { return CleanUtf8(Redact(s), Controls::kOneLine); }

std::string RedactedUtf8(std::string_view s) { return CleanUtf8(Redact(s), Controls::kKeep); }

}  // namespace tc

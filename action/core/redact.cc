#include "core/redact.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <shared_mutex>
#include <unordered_set>
#include <vector>

#include "core/base64.h"

namespace tc {

namespace {

constexpr char kRedacted[] = "<redacted>";

// A 16-bit hash of the 4 characters at p: the prefilter of window and
// credential-core lookups (a set bit may be a false positive, a clear one
// never is a miss).
uint32_t Head(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return (v * 2654435761u) >> 16;
}

struct HeadBits {
  std::vector<uint64_t> bits = std::vector<uint64_t>(1 << 10, 0);
  void Set(uint32_t h) { bits[h >> 6] |= uint64_t{1} << (h & 63); }
  bool Test(uint32_t h) const { return (bits[h >> 6] >> (h & 63)) & 1; }
};

struct Registry {
  std::shared_mutex mu;
  std::vector<std::string> exact;             // whole secrets, longest first
  std::unordered_set<std::string> windows;   // every kSecretWindow-long piece
  HeadBits window_heads;                      // Head() of each window
};

Registry& Secrets() {
  static Registry* r = new Registry();  // never destroyed: used until exit, from any thread
  return *r;
}

bool B64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
         c == '=' || c == '-' || c == '_';
}

// The standard alphabet for both: '-' reads as '+', '_' as '/'.
char B64Std(char c) { return c == '-' ? '+' : c == '_' ? '/' : c; }

// Credentials in base64: the characters of the encoding of "seed",
// "signature", "accessToken" or "certificate" (quotes included) that do not
// depend on the bytes around them, at each of the 3 byte alignments. A run
// holding one decodes, at some alignment, to text naming that key.
struct CredentialCores {
  std::vector<std::string> cores;  // standard alphabet
  HeadBits heads;                  // Head() of each core's first 4 characters
  CredentialCores() {
    for (const char* k : {"\"seed\"", "\"signature\"", "\"accessToken\"", "\"certificate\""}) {
      const size_t len = std::strlen(k);
      for (size_t a = 0; a < 3; ++a) {
        const std::string enc = Base64Encode(std::string(a, '\0') + k);
        const size_t first = (8 * a + 5) / 6, end = (8 * (a + len)) / 6;  // chars wholly inside the key's bits
        cores.push_back(enc.substr(first, end - first));
        heads.Set(Head(cores.back().data()));
      }
    }
  }
};

const CredentialCores& Cores() {
  static const CredentialCores* c = new CredentialCores();
  return *c;
}

// Whether run, read in the standard alphabet, holds core at i.
bool CoreAt(std::string_view run, size_t i, const std::string& core) {
  if (i + core.size() > run.size()) return false;
  for (size_t k = 0; k < core.size(); ++k)
    if (B64Std(run[i + k]) != core[k]) return false;
  return true;
}

bool LooksLikeCredentials(std::string_view run) {
  const CredentialCores& c = Cores();
  char head[4];
  for (size_t i = 0; i + 4 <= run.size(); ++i) {
    for (size_t k = 0; k < 4; ++k) head[k] = B64Std(run[i + k]);
    if (!c.heads.Test(Head(head))) continue;
    for (const auto& core : c.cores)
      if (CoreAt(run, i, core)) return true;
  }
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
      if (!r.window_heads.Test(Head(run.data() + i))) continue;
      w.assign(run.substr(i, kSecretWindow));
      if (r.windows.count(w)) return true;
    }
  }
  return run.size() >= 24 && LooksLikeCredentials(run);
}

void RedactRuns(std::string& s, const Registry& r) {
  std::string out;
  size_t copied = 0;  // s[0, copied) is in out
  for (size_t i = 0; i < s.size();) {
    if (!B64Char(s[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < s.size() && B64Char(s[j])) ++j;
    std::string_view run(s.data() + i, j - i);
    if (run.size() >= kSecretWindow && SecretRun(run, r)) {
      out.append(s, copied, i - copied);
      out += kRedacted;
      copied = j;
    }
    i = j;
  }
  if (copied == 0) return;  // nothing redacted: s as it is
  out.append(s, copied, std::string::npos);
  s = std::move(out);
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
    size_t plain = i;  // printable ASCII goes through as it is
    while (plain < s.size() && s[plain] >= 0x20 && s[plain] < 0x7F) ++plain;
    if (plain > i) {
      out.append(s.substr(i, plain - i));
      i = plain;
      continue;
    }
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
  const std::string encoded = Base64Encode(secret);
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
      if (b64 && r.windows.emplace(w).second) r.window_heads.Set(Head(w.data()));
    }
  }
  std::sort(r.exact.begin(), r.exact.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

void ClearSecretsForTests() {
  Registry& r = Secrets();
  std::unique_lock<std::shared_mutex> lock(r.mu);
  r.exact.clear();
  r.windows.clear();
  r.window_heads = HeadBits();
}

std::string Redact(std::string_view text) {
  std::string s(text);
  Registry& r = Secrets();
  std::shared_lock<std::shared_mutex> lock(r.mu);
  for (const auto& secret : r.exact) ReplaceAll(s, secret);
  RedactKeyValues(s);
  RedactUserinfo(s);
  RedactRuns(s, r);
  return s;
}

std::string Printable(std::string_view s) { return CleanUtf8(Redact(s), Controls::kEscape); }

std::string PrintableLine(std::string_view s) { return CleanUtf8(Redact(s), Controls::kOneLine); }

std::string RedactedUtf8(std::string_view s) { return CleanUtf8(Redact(s), Controls::kKeep); }

}  // namespace tc

// Value formats: see formats.h.
#include "emulator/formats.h"

#include <algorithm>
#include <cstring>
#include <regex>
#include <unordered_map>

#include "core/error.h"

#include "core/slugid.h"
#include "core/timestamp.h"

namespace tc::memq {

namespace {
int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
unsigned DaysInMonth(int64_t y, unsigned m) {
  static const unsigned k[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : k[m - 1];
}
}  // namespace

std::string IsoMs(int64_t ms) { return FormatIsoMs(ms); }

namespace {
bool Digits(const std::string& s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}
}  // namespace

// YYYY-MM-DD[Tt ]HH:MM:SS(.d+)?([Zz]|[+-]HH:MM)
std::optional<int64_t> ParseIso(const std::string& s) {
  int y, mo, d, h, mi, se;
  if (s.size() < 20 || !Digits(s, 0, 4, &y) || s[4] != '-' || !Digits(s, 5, 2, &mo) || s[7] != '-' ||
      !Digits(s, 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !Digits(s, 11, 2, &h) ||
      s[13] != ':' || !Digits(s, 14, 2, &mi) || s[16] != ':' || !Digits(s, 17, 2, &se))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > static_cast<int>(DaysInMonth(y, mo))) return std::nullopt;
  if (h > 23 || mi > 59 || se > 60) return std::nullopt;
  size_t pos = 19;
  int ms = 0;
  if (s[pos] == '.') {
    size_t start = ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (pos - start < 3) ms = ms * 10 + (s[pos] - '0');
      ++pos;
    }
    if (pos == start) return std::nullopt;
    for (size_t k = pos - start; k < 3; ++k) ms *= 10;
  }
  int64_t off_min = 0;
  if (pos + 1 == s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
  } else if (pos + 6 == s.size() && (s[pos] == '+' || s[pos] == '-') && s[pos + 3] == ':') {
    int oh, om;
    if (!Digits(s, pos + 1, 2, &oh) || !Digits(s, pos + 4, 2, &om) || oh > 23 || om > 59) return std::nullopt;
    off_min = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
  } else {
    return std::nullopt;
  }
  if (se == 60) se = 59;  // leap second: JS Date rejects; treat leniently as :59
  int64_t t = DaysFromCivil(y, mo, d) * 86400000 + (h * 3600 + mi * 60 + se) * 1000LL + ms;
  return t - off_min * 60000;
}

int64_t AddOneYear(int64_t ms) {
  int64_t days = FloorDiv(ms, 86400000);
  int64_t rem = ms - days * 86400000;
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  return (DaysFromCivil(y + 1, m, 1) + (d - 1)) * 86400000 + rem;
}

bool IsSlugid(const std::string& s) { return tc::IsSlugid(s); }

bool IsTaskQueueId(const std::string& s) {
  static const std::regex re("^[a-zA-Z0-9-_]{1,38}/[a-z]([-a-z0-9]{0,36}[a-z0-9])?$");
  return std::regex_match(s, re);
}

const std::vector<std::string>& PriorityLevels() {
  static const std::vector<std::string> k = {"highest", "very-high", "high", "medium", "low", "very-low", "lowest"};
  return k;
}

const std::regex& CachedRegex(const std::string& re) {
  thread_local std::unordered_map<std::string, std::regex> cache;
  auto it = cache.find(re);
  if (it == cache.end()) it = cache.emplace(re, std::regex(re)).first;
  return it->second;
}

void CheckParam(const char* name, const std::string& value, const char* re_text) {
  // slugids, the common case, without the regex engine (IsSlugid is the same pattern)
  bool ok = std::strcmp(re_text, kSlugRe) == 0 ? tc::IsSlugid(value) : std::regex_search(value, CachedRegex(re_text));
  if (ok) return;
  throw TcError(400, "InvalidRequestArguments",
                std::string("Invalid URL patterns:\nURL parameter '") + name + "' given as '" + value +
                    "' must match regular expression: '/" + re_text + "/'");
}

void JsonbOrder(JsonValue& v, JsonAlloc& a) {
  if (v.IsArray()) {
    for (auto& e : v.GetArray()) JsonbOrder(e, a);
    return;
  }
  if (!v.IsObject()) return;
  std::vector<std::pair<std::string, JsonValue>> members;
  for (auto& m : v.GetObject()) {
    std::string name(m.name.GetString(), m.name.GetStringLength());
    JsonbOrder(m.value, a);
    bool dup = false;
    for (auto& [n, val] : members)
      if (n == name) {
        val = std::move(m.value);
        dup = true;
      }
    if (!dup) members.emplace_back(std::move(name), std::move(m.value));
  }
  std::stable_sort(members.begin(), members.end(), [](const auto& x, const auto& y) {
    if (x.first.size() != y.first.size()) return x.first.size() < y.first.size();
    return x.first < y.first;
  });
  JsonValue out(rapidjson::kObjectType);
  for (auto& [n, val] : members) out.AddMember(Str(n, a), std::move(val), a);
  v = std::move(out);
}
}  // namespace tc::memq

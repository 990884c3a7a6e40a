#include "core/timestamp.h"

#include <chrono>
#include <cstdio>

namespace tc {

// Days from 1970-01-01 to y-m-d (proleptic Gregorian), Howard Hinnant's algorithm.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp + (mp < 10 ? 3 : -9);
  *y = yy + (*m <= 2);
}

namespace {

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

unsigned DaysInMonth(int y, unsigned m) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

}  // namespace

std::optional<Timestamp> ParseTimestamp(std::string_view s) {
  // quick reject: shortest form "YYYY-MM-DDTHH:MM:SSZ" is 20 chars
  if (s.size() < 20 || s.size() > 40 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
      s[13] != ':' || s[16] != ':')
    return std::nullopt;
  int y, mo, d, h, mi, se;
  if (!Digits(s, 0, 4, &y) || !Digits(s, 5, 2, &mo) || !Digits(s, 8, 2, &d) || !Digits(s, 11, 2, &h) ||
      !Digits(s, 14, 2, &mi) || !Digits(s, 17, 2, &se))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > static_cast<int>(DaysInMonth(y, mo)) || h > 23 || mi > 59 || se > 60)
    return std::nullopt;
  Timestamp t;
  size_t pos = 19;
  int frac_ms = 0;
  t.frac_digits = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (pos - start < 3) frac_ms = frac_ms * 10 + (s[pos] - '0');
      ++pos;
    }
    t.frac_digits = static_cast<int>(pos - start);
    if (t.frac_digits == 0 || t.frac_digits > 9) return std::nullopt;
    for (int i = t.frac_digits; i < 3; ++i) frac_ms *= 10;
  }
  if (pos >= s.size()) return std::nullopt;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    t.zulu = true;
    t.offset_minutes = 0;
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh, om;
    if (!Digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !Digits(s, pos + 4, 2, &om))
      return std::nullopt;
    if (oh > 23 || om > 59) return std::nullopt;
    t.zulu = false;
    t.offset_minutes = (s[pos] == '-' ? -1 : 1) * (oh * 60 + om);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  int64_t days = DaysFromCivil(y, mo, d);
  int64_t secs = days * 86400 + h * 3600 + mi * 60 + se - static_cast<int64_t>(t.offset_minutes) * 60;
  t.ms = secs * 1000 + frac_ms;
  return t;
}

bool IsTimestamp(std::string_view s) { return ParseTimestamp(s).has_value(); }

std::string FormatTimestamp(const Timestamp& t) {
  int64_t local_ms = t.ms + static_cast<int64_t>(t.offset_minutes) * 60000;
  int64_t secs = local_ms >= 0 ? local_ms / 1000 : (local_ms - 999) / 1000;
  int ms = static_cast<int>(local_ms - secs * 1000);
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - days * 86400;
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d", static_cast<long long>(y), m, d,
                        static_cast<int>(rem / 3600), static_cast<int>(rem % 3600 / 60), static_cast<int>(rem % 60));
  std::string out(buf, n);
  if (t.frac_digits > 0) {
    char f[8];
    std::snprintf(f, sizeof f, "%03d", ms);
    out += '.';
    for (int i = 0; i < t.frac_digits; ++i) out += i < 3 ? f[i] : '0';
  }
  if (t.zulu) {
    out += 'Z';
  } else {
    int off = t.offset_minutes;
    char o[16];
    std::snprintf(o, sizeof o, "%c%02d:%02d", off < 0 ? '-' : '+', std::abs(off) / 60, std::abs(off) % 60);
    out += o;
  }
  return out;
}

std::string FormatIsoMs(int64_t ms) {
  Timestamp t;
  t.ms = ms;
  return FormatTimestamp(t);
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

size_t ShiftTimestamps(JsonValue& v, int64_t delta_ms, JsonAlloc& a) {
  size_t n = 0;
  if (v.IsString()) {
    auto t = ParseTimestamp(std::string_view(v.GetString(), v.GetStringLength()));
    if (t) {
      t->ms += delta_ms;
      std::string s = FormatTimestamp(*t);
      v.SetString(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
      n = 1;
    }
  } else if (v.IsArray()) {
    for (auto& e : v.GetArray()) n += ShiftTimestamps(e, delta_ms, a);
  } else if (v.IsObject()) {
    for (auto& m : v.GetObject()) n += ShiftTimestamps(m.value, delta_ms, a);
  }
  return n;
}

}  // namespace tc

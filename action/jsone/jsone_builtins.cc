// JSON-e built-in functions and time arithmetic ($fromNow / fromNow()).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "jsone/jsone_internal.h"

namespace tc::jsone {
namespace {

constexpr size_t kMaxRangeLength = 1000000;

// ---------------------------------------------------------------- argument checks

bool HasType(const Val& v, std::string_view type) {
  if (type == "string") return v.is_str();
  if (type == "number") return v.is_num();
  if (type == "integer") return IsInteger(v);
  if (type == "boolean") return v.is_bool();
  if (type == "array") return v.is_arr();
  if (type == "object") return v.is_obj();
  if (type == "null") return v.is_null();
  if (type == "function") return v.is_fn();
  return false;
}

bool MatchesTest(const Val& v, std::string_view test) {
  while (true) {
    size_t bar = test.find('|');
    if (HasType(v, test.substr(0, bar))) return true;
    if (bar == std::string_view::npos) return false;
    test = test.substr(bar + 1);
  }
}

struct ArgSpec {
  std::vector<const char*> tests;
  size_t min_args = 0;
  const char* variadic = nullptr;
};

[[noreturn]] void Invalid(const Builtin& self) {
  ThrowBuiltin(std::string("invalid arguments to builtin: ") + self.name);
}

// The reference's argument validation.
void Check(const Builtin& self, const ArgSpec& spec, const std::vector<Val>& args) {
  if (!spec.variadic && args.size() < spec.tests.size()) Invalid(self);
  if (spec.min_args && args.size() < spec.min_args)
    ThrowBuiltin(std::string("invalid arguments to builtin: ") + self.name + ": expected at least " +
                 std::to_string(spec.min_args) + " arguments");
  for (size_t i = 0; i < args.size(); ++i) {
    const char* test = i < spec.tests.size() ? spec.tests[i] : spec.variadic;
    if (!test || !MatchesTest(args[i], test)) Invalid(self);
  }
}

// ---------------------------------------------------------------- case mapping

uint32_t LowerCp(uint32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if (c < 0x80) return c;
  if ((c >= 0xC0 && c <= 0xDE && c != 0xD7)) return c + 32;
  if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) return (c % 2 == 0) ? c + 1 : c;
  if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c % 2 == 1) ? c + 1 : c;
  if (c == 0x178) return 0xFF;
  if (c >= 0x391 && c <= 0x3AB && c != 0x3A2) return c + 32;
  if (c == 0x386) return 0x3AC;
  if (c >= 0x388 && c <= 0x38A) return c + 37;
  if (c == 0x38C) return 0x3CC;
  if (c == 0x38E || c == 0x38F) return c + 63;
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  if (c >= 0x410 && c <= 0x42F) return c + 32;
  if ((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF)) return (c % 2 == 0) ? c + 1 : c;
  if (c >= 0x531 && c <= 0x556) return c + 48;
  if (c >= 0xFF21 && c <= 0xFF3A) return c + 32;
  return c;
}

void UpperCp(uint32_t c, std::string& out) {
  uint32_t u = c;
  if (c >= 'a' && c <= 'z') {
    u = c - 32;
  } else if (c < 0x80) {
    u = c;
  } else if (c == 0xDF) {
    out += "SS";
    return;
  } else if (c == 0xB5) {
    u = 0x39C;
  } else if (c >= 0xE0 && c <= 0xFE && c != 0xF7) {
    u = c - 32;
  } else if (c == 0xFF) {
    u = 0x178;
  } else if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) {
    u = (c % 2 == 1) ? c - 1 : c;
  } else if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) {
    u = (c % 2 == 0) ? c - 1 : c;
  } else if (c == 0x131) {
    u = 'I';
  } else if (c == 0x17F) {
    u = 'S';
  } else if (c >= 0x3B1 && c <= 0x3CB && c != 0x3C2) {
    u = c - 32;
  } else if (c == 0x3C2) {
    u = 0x3A3;
  } else if (c == 0x3AC) {
    u = 0x386;
  } else if (c >= 0x3AD && c <= 0x3AF) {
    u = c - 37;
  } else if (c == 0x3CC) {
    u = 0x38C;
  } else if (c == 0x3CD || c == 0x3CE) {
    u = c - 63;
  } else if (c >= 0x430 && c <= 0x44F) {
    u = c - 32;
  } else if (c >= 0x450 && c <= 0x45F) {
    u = c - 80;
  } else if ((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF)) {
    u = (c % 2 == 1) ? c - 1 : c;
  } else if (c >= 0x561 && c <= 0x586) {
    u = c - 48;
  } else if (c >= 0xFF41 && c <= 0xFF5A) {
    u = c - 32;
  }
  Utf8Append(out, u);
}

std::string Lower(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) Utf8Append(out, LowerCp(Utf8Next(s, i)));
  return out;
}

std::string Upper(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) UpperCp(Utf8Next(s, i), out);
  return out;
}

// ---------------------------------------------------------------- strings

std::string_view TrimLeft(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    size_t j = i;
    if (!IsJsSpace(Utf8Next(s, j))) break;
    i = j;
  }
  return s.substr(i);
}

std::string_view TrimRight(std::string_view s) {
  // Walk forward, remembering where the trailing whitespace run starts.
  size_t end = 0;
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = Utf8Next(s, i);
    if (!IsJsSpace(cp)) end = i;
  }
  return s.substr(0, end);
}

// JS Number(string).
double JsNumber(std::string_view s) {
  s = TrimRight(TrimLeft(s));
  if (s.empty()) return 0;
  if (s.size() > 2 && s[0] == '0') {
    int base = 0;
    if (s[1] == 'x' || s[1] == 'X') base = 16;
    if (s[1] == 'o' || s[1] == 'O') base = 8;
    if (s[1] == 'b' || s[1] == 'B') base = 2;
    if (base) {
      double v = 0;
      for (char c : s.substr(2)) {
        int d;
        if (c >= '0' && c <= '9')
          d = c - '0';
        else if (c >= 'a' && c <= 'f')
          d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
          d = c - 'A' + 10;
        else
          return NAN;
        if (d >= base) return NAN;
        v = v * base + d;
      }
      return v;
    }
  }
  std::string_view body = s;
  bool neg = false;
  if (body[0] == '+' || body[0] == '-') {
    neg = body[0] == '-';
    body = body.substr(1);
  }
  if (body == "Infinity") return neg ? -INFINITY : INFINITY;
  // [digits][.digits][e[+-]digits], at least one digit in the mantissa
  size_t i = 0, mant = 0;
  while (i < body.size() && body[i] >= '0' && body[i] <= '9') ++i, ++mant;
  if (i < body.size() && body[i] == '.') {
    ++i;
    while (i < body.size() && body[i] >= '0' && body[i] <= '9') ++i, ++mant;
  }
  if (mant == 0) return NAN;
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    ++i;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < body.size() && body[i] >= '0' && body[i] <= '9') ++i, ++exp_digits;
    if (exp_digits == 0) return NAN;
  }
  if (i != body.size()) return NAN;
  std::string text(s);
  return std::strtod(text.c_str(), nullptr);
}

// ---------------------------------------------------------------- builtins

Val MinMax(const Builtin& self, const std::vector<Val>& args, bool is_max) {
  Check(self, ArgSpec{{}, 1, "number"}, args);
  double r = is_max ? -INFINITY : INFINITY;
  for (const auto& a : args) {
    double d = a.n();
    if (std::isnan(d)) return Val::Num(NAN);
    r = is_max ? std::max(r, d) : std::min(r, d);
  }
  return Val::Num(r);
}

Val BMin(const Builtin& self, const Ctx&, std::vector<Val>& args) { return MinMax(self, args, false); }
Val BMax(const Builtin& self, const Ctx&, std::vector<Val>& args) { return MinMax(self, args, true); }

const ArgSpec kOneNumber{{"number"}};
const ArgSpec kOneString{{"string"}};

Val BSqrt(const Builtin& self, const Ctx&, std::vector<Val>& args) {
  Check(self, kOneNumber, args);
  return Val::Num(std::sqrt(args[0].n()));
}
Val BCeil(const Builtin& self, const Ctx&, std::vector<Val>& args) {
  Check(self, kOneNumber, args);
  return Val::Num(std::ceil(args[0].n()));
}
Val BFloor(const Builtin& self, const Ctx&, std::vector<Val>& args) {
  Check(self, kOneNumber, args);
  return Val::Num(std::floor(args[0].n()));
}
Val BAbs(const Builtin& self, const Ctx&, std::vector<Val>& args) {
  Check(self, kOneNumber, args);
  return Val::Num(std::fabs(args[0].n()));
}

Val BRange(const Builtin& self, const Ctx&, std::vector<Val>& args) {
  Check(self, ArgSpec{{"integer", "integer", "integer"}, 2, "number"}, args);
  double start = args[0].n(), stop = args[1].n();
  double step = args.size() > 2 ? args[2].n() : 1;
  double len = std::ceil((stop - start) / step);
  if (std::isnan(len) || len <= 0) return Val::Arr({});
  if (len > static_cast<double>(kMaxRangeLength))
    ThrowBuiltin("invalid arguments to builtin: range: too many elements (limit " +
                 std::to_string(kMaxRangeLength) + ")");
  std::vector<Val> items;
  size_t n = static_cast<size_t>(len);
  items.reserve(n);
  for (size_t i = 0; i < n; ++i) items.push_back(Val::Num(start + static_cast<double>(i) * step));
  return Val::Arr(std::move(items));
}

Val BLowercase(const Builtin& self, const Ctx&, std::vector<Val>& args) {
  Check(self, kOneString, args);
  return Val::Str(Lower(args[0].s()));
}
Val BUppercase(const Builtin& self, const Ctx&, std::vector<Val>& args) {
  Check(self, kOneString, args);
  return Val::Str(Upper(args[0].s()));
}

Val BStr(const Builtin& self, const Ctx&, std::vector<Val>& args) {
  Check(self, ArgSpec{{"string|number|boolean|null"}}, args);
  return Val::Str(ToJsString(args[0]));
}

Val BNumber(const Builtin& self, const Ctx&, std::vector<Val>& args) {
  Check(self, kOneString, args);
  return Val::Num(JsNumber(args[0].s()));
}

Val BLen(const Builtin& self, const Ctx&, std::vector<Val>& args) {
  Check(self, ArgSpec{{"string|array"}}, args);
  if (args[0].is_str()) return Val::Num(static_cast<double>(Utf8Length(args[0].s())));
  return Val::Num(static_cast<double>(args[0].arr().size()));
}

Val BStrip(const Builtin& self, const Ctx&, std::vector<Val>& args) {
  Check(self, kOneString, args);
  return Val::Str(std::string(TrimRight(TrimLeft(args[0].s()))));
}
Val BLstrip(const Builtin& self, const Ctx&, std::vector<Val>& args) {
  Check(self, kOneString, args);
  return Val::Str(std::string(TrimLeft(args[0].s())));
}
Val BRstrip(const Builtin& self, const Ctx&, std::vector<Val>& args) {
  Check(self, kOneString, args);
  return Val::Str(std::string(TrimRight(args[0].s())));
}

Val BSplit(const Builtin& self, const Ctx&, std::vector<Val>& args) {
  Check(self, ArgSpec{{"string", "string|number"}, 2}, args);
  const std::string& s = args[0].s();
  std::string delim = ToJsString(args[1]);
  std::vector<Val> parts;
  if (delim.empty()) {
    for (size_t i = 0; i < s.size();) {
      size_t start = i;
      Utf8Next(s, i);
      parts.push_back(Val::Str(s.substr(start, i - start)));
    }
    return Val::Arr(std::move(parts));
  }
  size_t pos = 0;
  while (true) {
    size_t hit = s.find(delim, pos);
    if (hit == std::string::npos) {
      parts.push_back(Val::Str(s.substr(pos)));
      break;
    }
    parts.push_back(Val::Str(s.substr(pos, hit - pos)));
    pos = hit + delim.size();
  }
  return Val::Arr(std::move(parts));
}

Val BJoin(const Builtin& self, const Ctx&, std::vector<Val>& args) {
  Check(self, ArgSpec{{"array", "string|number"}}, args);
  std::string sep = ToJsString(args[1]);
  std::string out;
  bool first = true;
  for (const auto& e : args[0].arr()) {
    if (!first) out += sep;
    first = false;
    if (!e.is_null()) out += ToJsString(e);
  }
  return Val::Str(std::move(out));
}

Val BFromNow(const Builtin& self, const Ctx& ctx, std::vector<Val>& args) {
  Check(self, ArgSpec{{}, 1, "string"}, args);
  Val reference;
  if (args.size() > 1 && IsTruthy(args[1])) {
    reference = args[1];
  } else if (const Val* now = Lookup(ctx, "now")) {
    reference = *now;
  }
  return Val::Str(FromNow(args[0].s(), reference, ctx, "BuiltinError"));
}

Val BTypeof(const Builtin& self, const Ctx&, std::vector<Val>& args) {
  Check(self, ArgSpec{{"string|number|boolean|array|object|null|function"}}, args);
  switch (args[0].type()) {
    case Val::T::Str: return Val::Str("string");
    case Val::T::Num: return Val::Str("number");
    case Val::T::Bool: return Val::Str("boolean");
    case Val::T::Arr: return Val::Str("array");
    case Val::T::Obj: return Val::Str("object");
    case Val::T::Fn: return Val::Str("function");
    case Val::T::Null: return Val::Str("null");
  }
  return Val::Str("null");
}

Val BDefined(const Builtin& self, const Ctx& ctx, std::vector<Val>& args) {
  Check(self, kOneString, args);
  return Val::Bool(IsDefined(ctx, args[0].s()));
}

const Builtin kBuiltins[] = {
    {"min", BMin},           {"max", BMax},         {"sqrt", BSqrt},     {"ceil", BCeil},
    {"floor", BFloor},       {"abs", BAbs},         {"range", BRange},   {"lowercase", BLowercase},
    {"uppercase", BUppercase}, {"str", BStr},       {"number", BNumber}, {"len", BLen},
    {"strip", BStrip},       {"rstrip", BRstrip},   {"lstrip", BLstrip}, {"split", BSplit},
    {"join", BJoin},         {"fromNow", BFromNow}, {"typeof", BTypeof}, {"defined", BDefined},
};

// ---------------------------------------------------------------- time

int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void CivilFromDays(int64_t z, int64_t& y, int64_t& m, int64_t& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = yoe + era * 400;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
}

constexpr double kMaxTime = 8.64e15;  // JS Date range, in ms

std::string FormatIso(int64_t ms) {
  int64_t days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
  int64_t rem = ms - days * 86400000;
  int64_t y, m, d;
  CivilFromDays(days, y, m, d);
  char buf[128];
  char year[32];
  if (y >= 0 && y <= 9999)
    std::snprintf(year, sizeof year, "%04lld", static_cast<long long>(y));
  else
    std::snprintf(year, sizeof year, "%c%06lld", y < 0 ? '-' : '+', static_cast<long long>(y < 0 ? -y : y));
  std::snprintf(buf, sizeof buf, "%s-%02lld-%02lldT%02lld:%02lld:%02lld.%03lldZ", year, static_cast<long long>(m),
                static_cast<long long>(d), static_cast<long long>(rem / 3600000),
                static_cast<long long>(rem / 60000 % 60), static_cast<long long>(rem / 1000 % 60),
                static_cast<long long>(rem % 1000));
  return buf;
}

// Parses the ISO 8601 forms JS Date accepts; false if invalid.
bool ParseIso(std::string_view s, double* out) {
  size_t i = 0;
  auto digits = [&](size_t n, int64_t* v) {
    if (i + n > s.size()) return false;
    int64_t r = 0;
    for (size_t k = 0; k < n; ++k) {
      char c = s[i + k];
      if (c < '0' || c > '9') return false;
      r = r * 10 + (c - '0');
    }
    i += n;
    *v = r;
    return true;
  };
  int64_t year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0, ms = 0, offset_min = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    bool neg = s[i] == '-';
    ++i;
    if (!digits(6, &year)) return false;
    if (neg && year == 0) return false;
    if (neg) year = -year;
  } else if (!digits(4, &year)) {
    return false;
  }
  if (i < s.size() && s[i] == '-') {
    ++i;
    if (!digits(2, &month)) return false;
    if (i < s.size() && s[i] == '-') {
      ++i;
      if (!digits(2, &day)) return false;
    }
  }
  if (i < s.size() && s[i] == 'T') {
    ++i;
    if (!digits(2, &hour)) return false;
    if (i >= s.size() || s[i] != ':') return false;
    ++i;
    if (!digits(2, &minute)) return false;
    if (i < s.size() && s[i] == ':') {
      ++i;
      if (!digits(2, &second)) return false;
      if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
        ++i;
        size_t n = 0;
        int64_t frac = 0;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
          if (n < 3) frac = frac * 10 + (s[i] - '0');
          ++n;
          ++i;
        }
        if (n == 0) return false;
        for (size_t k = n; k < 3; ++k) frac *= 10;
        ms = frac;
      }
    }
    if (i < s.size() && s[i] == 'Z') {
      ++i;
    } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
      int sign = s[i] == '-' ? -1 : 1;
      ++i;
      int64_t oh, om;
      if (!digits(2, &oh)) return false;
      if (i >= s.size() || s[i] != ':') return false;
      ++i;
      if (!digits(2, &om)) return false;
      if (oh > 23 || om > 59) return false;
      offset_min = sign * (oh * 60 + om);
    }
  }
  if (i != s.size()) return false;
  if (month < 1 || month > 12 || day < 1 || day > 31) return false;
  if (hour > 24 || minute > 59 || second > 59) return false;
  if (hour == 24 && (minute || second || ms)) return false;
  double t = static_cast<double>(DaysFromCivil(year, month, day)) * 86400000.0 +
             static_cast<double>(hour * 3600000 + minute * 60000 + second * 1000 + ms) -
             static_cast<double>(offset_min) * 60000.0;
  if (std::fabs(t) > kMaxTime) return false;
  *out = t;
  return true;
}

// The reference's time-expression regex:
//   ^(\s*(-|\+))?(\s*(\d+)\s*(y|year|years|yr))?(\s*(\d+)\s*(months|month|mo))?
//   (\s*(\d+)\s*(weeks|week|wk|w))?(\s*(\d+)\s*(days|day|d))?
//   (\s*(\d+)\s*(hours|hour|hr|h))?(\s*(\d+)\s*(minutes|minute|min|m))?
//   (\s*(\d+)\s*(seconds|second|sec|s))?\s*$   (case-insensitive)
// with the same backtracking order.
struct TimeMatcher {
  std::string_view s;
  double values[7] = {0, 0, 0, 0, 0, 0, 0};

  size_t SkipSpace(size_t i) const {
    while (i < s.size()) {
      size_t j = i;
      if (!IsJsSpace(Utf8Next(s, j))) break;
      i = j;
    }
    return i;
  }
  bool Word(size_t i, std::string_view w) const {
    if (i + w.size() > s.size()) return false;
    for (size_t k = 0; k < w.size(); ++k) {
      char c = s[i + k];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
      if (c != w[k]) return false;
    }
    return true;
  }
  bool Groups(size_t g, size_t i) {
    static const std::vector<std::vector<std::string_view>> kUnits = {
        {"y", "year", "years", "yr"},  {"months", "month", "mo"}, {"weeks", "week", "wk", "w"},
        {"days", "day", "d"},          {"hours", "hour", "hr", "h"},
        {"minutes", "minute", "min", "m"}, {"seconds", "second", "sec", "s"}};
    if (g == kUnits.size()) return SkipSpace(i) == s.size();
    size_t j = SkipSpace(i);
    size_t k = j;
    while (k < s.size() && s[k] >= '0' && s[k] <= '9') ++k;
    if (k > j) {
      double v = std::strtod(std::string(s.substr(j, k - j)).c_str(), nullptr);
      size_t u = SkipSpace(k);
      for (auto w : kUnits[g]) {
        if (Word(u, w) && Groups(g + 1, u + w.size())) {
          values[g] = v;
          return true;
        }
      }
    }
    return Groups(g + 1, i);
  }
  bool Match(bool* negative) {
    size_t j = SkipSpace(0);
    if (j < s.size() && (s[j] == '-' || s[j] == '+')) {
      if (Groups(0, j + 1)) {
        *negative = s[j] == '-';
        return true;
      }
      std::fill(values, values + 7, 0);
    }
    *negative = false;
    return Groups(0, 0);
  }
};

}  // namespace

const Builtin* FindBuiltin(std::string_view name) {
  for (const auto& b : kBuiltins)
    if (name == b.name) return &b;
  return nullptr;
}

const Val* BuiltinValue(std::string_view name) {
  static const std::vector<Val>* values = [] {
    auto* v = new std::vector<Val>();
    for (const auto& b : kBuiltins) v->push_back(Val::Fn(&b));
    return v;
  }();
  for (size_t i = 0; i < std::size(kBuiltins); ++i)
    if (name == kBuiltins[i].name) return &(*values)[i];
  return nullptr;
}

std::string FromNow(std::string_view offset, const Val& reference, const Ctx& ctx, const char* kind) {
  auto fail = [&](const std::string& msg) { throw JsoneError(kind, msg); };
  TimeMatcher m{offset};
  bool negative = false;
  if (!m.Match(&negative)) fail("String: '" + std::string(offset) + "' isn't a time expression");
  double years = m.values[0], months = m.values[1], weeks = m.values[2], days = m.values[3];
  double hours = m.values[4], minutes = m.values[5], seconds = m.values[6];
  days += 30 * months + 365 * years;
  double delta = weeks * 7 * 86400000.0 + days * 86400000.0 + hours * 3600000.0 + minutes * 60000.0 + seconds * 1000.0;
  if (negative) delta = -delta;

  double base;
  if (IsTruthy(reference)) {
    if (reference.is_str()) {
      if (!ParseIso(reference.s(), &base)) fail("invalid date: '" + reference.s() + "'");
    } else if (reference.is_num()) {
      base = std::trunc(reference.n());
    } else {
      fail("invalid date: " + ToJsString(reference));
    }
  } else {
    const std::string& now = BaseNow(ctx);
    if (!ParseIso(now, &base)) fail("invalid date: '" + now + "'");
  }
  double t = base + delta;
  if (!(std::fabs(t) <= kMaxTime)) fail("time out of range: '" + std::string(offset) + "'");
  return FormatIso(static_cast<int64_t>(t));
}

std::string CurrentTimeIso() {
  auto now = std::chrono::system_clock::now();
  int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  return FormatIso(ms);
}

}  // namespace tc::jsone

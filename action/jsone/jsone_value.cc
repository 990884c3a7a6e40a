// JSON-e values, conversions and the JS semantics they follow (number
// formatting, String(), truthiness, equality, stable JSON).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "jsone/jsone_internal.h"

namespace tc {

JsoneError::JsoneError(std::string k, std::string d)
    : std::runtime_error(k + ": " + d), kind(std::move(k)), detail(std::move(d)) {
  message = kind + ": " + detail;
}

void JsoneError::AddLocation(const std::string& step) {
  location = step + location;
  message = kind + " at template" + location + ": " + detail;
}

}  // namespace tc

namespace tc::jsone {

void ThrowTemplate(const std::string& msg) { throw JsoneError("TemplateError", msg); }
void ThrowInterpreter(const std::string& msg) { throw JsoneError("InterpreterError", msg); }
void ThrowSyntax(const std::string& msg) { throw JsoneError("SyntaxError", msg); }
void ThrowBuiltin(const std::string& msg) { throw JsoneError("BuiltinError", msg); }

JsoneLimits& Limits() {
  thread_local JsoneLimits limits;
  return limits;
}
int64_t& WorkLeft() {
  thread_local int64_t work_left = INT64_MAX;
  return work_left;
}

void ThrowWorkLimit() {
  WorkLeft() = 0;
  ThrowTemplate("rendering exceeds the work limit (" + std::to_string(Limits().work_budget) + " steps)");
}

namespace {

[[noreturn]] void ThrowTooDeep() {
  ThrowTemplate("value nested too deeply (limit " + std::to_string(kJsoneMaxDepth) + ")");
}

[[noreturn]] void ThrowTooLarge() {
  ThrowTemplate("value too large (limit " + std::to_string(Limits().max_value_weight) + " units)");
}

}  // namespace

// ---------------------------------------------------------------- Val

Val Val::Bool(bool b) {
  Val v;
  v.v_ = b;
  return v;
}

Val Val::Num(double d) {
  Val v;
  v.v_ = d;
  return v;
}

Val Val::Str(std::string s) {
  if (s.size() > Limits().max_string_bytes)
    ThrowTemplate("string too long (limit " + std::to_string(Limits().max_string_bytes) + " bytes)");
  Charge(1 + static_cast<int64_t>(s.size() / 16));
  Val v;
  v.v_ = std::make_shared<const std::string>(std::move(s));
  return v;
}

Val Val::Arr(std::vector<Val> items) {
  Charge(1 + static_cast<int64_t>(items.size()));
  int depth = 0;
  int64_t weight = 1;
  for (const auto& e : items) {
    depth = std::max(depth, e.depth());
    weight += e.weight();
    if (weight > Limits().max_value_weight) ThrowTooLarge();
  }
  if (depth + 1 > kJsoneMaxDepth) ThrowTooDeep();
  auto data = std::make_shared<ArrData>();
  data->items = std::move(items);
  data->depth = depth + 1;
  data->weight = weight;
  Val v;
  v.v_ = std::shared_ptr<const ArrData>(std::move(data));
  return v;
}

Val Val::Obj(ObjData data) {
  Charge(1 + static_cast<int64_t>(data.items.size()));
  int depth = 0;
  int64_t weight = 1;
  for (const auto& kv : data.items) {
    depth = std::max(depth, kv.second.depth());
    weight += kv.second.weight() + 1 + static_cast<int64_t>(kv.first.size() / 16);
    if (weight > Limits().max_value_weight) ThrowTooLarge();
  }
  if (depth + 1 > kJsoneMaxDepth) ThrowTooDeep();
  data.depth = depth + 1;
  data.weight = weight;
  Val v;
  v.v_ = std::make_shared<const ObjData>(std::move(data));
  return v;
}

Val Val::Fn(const Builtin* f) {
  Val v;
  v.v_ = f;
  return v;
}

const Val& Val::DeleteMarker() {
  static const Val* marker = new Val(Val::Obj(ObjData()));
  return *marker;
}

bool Val::is_delete_marker() const {
  return is_obj() && std::get<5>(v_) == std::get<5>(DeleteMarker().v_);
}

const std::vector<Val>& Val::arr() const { return std::get<4>(v_)->items; }

int64_t Val::weight() const {
  switch (type()) {
    case T::Str:
      return 1 + static_cast<int64_t>(s().size() / 16);
    case T::Arr:
      return std::get<4>(v_)->weight;
    case T::Obj:
      return std::get<5>(v_)->weight;
    default:
      return 1;
  }
}

int Val::depth() const {
  switch (type()) {
    case T::Arr:
      return std::get<4>(v_)->depth;
    case T::Obj:
      return std::get<5>(v_)->depth;
    default:
      return 0;
  }
}

// ---------------------------------------------------------------- ObjData

const Val* ObjData::Find(std::string_view key) const {
  if (items.size() <= kSmall) {
    for (const auto& kv : items)
      if (kv.first == key) return &kv.second;
    return nullptr;
  }
  auto it = index_.find(std::string(key));
  return it == index_.end() ? nullptr : &items[it->second].second;
}

void ObjData::Set(std::string key, Val v) {
  if (items.size() <= kSmall) {
    for (auto& kv : items) {
      if (kv.first == key) {
        kv.second = std::move(v);
        return;
      }
    }
    items.emplace_back(std::move(key), std::move(v));
    if (items.size() > kSmall) {
      index_.clear();
      for (size_t i = 0; i < items.size(); ++i) index_.emplace(items[i].first, i);
    }
    return;
  }
  auto it = index_.find(key);
  if (it != index_.end()) {
    items[it->second].second = std::move(v);
    return;
  }
  index_.emplace(key, items.size());
  items.emplace_back(std::move(key), std::move(v));
}

// ---------------------------------------------------------------- scopes

Ctx Scope::Push(const Ctx& parent, ObjData vars) {
  auto s = std::make_shared<Scope>();
  s->parent = parent;
  s->vars = std::move(vars);
  return s;
}

const Val* Lookup(const Ctx& ctx, std::string_view name) {
  for (const Scope* s = ctx.get(); s != nullptr; s = s->parent.get()) {
    if (const Val* v = s->vars.Find(name)) return v;
  }
  return BuiltinValue(name);
}

const std::string& BaseNow(const Ctx& ctx) {
  static const std::string empty;
  const Scope* s = ctx.get();
  if (!s) return empty;
  while (s->parent) s = s->parent.get();
  return s->base_now;
}

bool IsDefined(const Ctx& ctx, std::string_view name) { return Lookup(ctx, name) != nullptr; }

// ---------------------------------------------------------------- UTF-8

uint32_t Utf8Next(std::string_view s, size_t& i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  if (c < 0x80) {
    ++i;
    return c;
  }
  int len = 0;
  uint32_t cp = 0, min = 0;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    cp = c & 0x1F;
    min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    cp = c & 0x0F;
    min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    cp = c & 0x07;
    min = 0x10000;
  } else {
    ++i;
    return 0xFFFD;
  }
  if (i + len > s.size()) {
    ++i;
    return 0xFFFD;
  }
  for (int k = 1; k < len; ++k) {
    unsigned char cc = byte(i + k);
    if ((cc & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (cc & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF) {
    ++i;
    return 0xFFFD;
  }
  i += len;
  return cp;
}

std::vector<uint32_t> Utf8Decode(std::string_view s) {
  std::vector<uint32_t> out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) out.push_back(Utf8Next(s, i));
  return out;
}

void Utf8Append(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size();) {
    Utf8Next(s, i);
    ++n;
  }
  return n;
}

bool IsJsSpace(uint32_t cp) {
  switch (cp) {
    case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x20:
    case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F:
    case 0x205F: case 0x3000: case 0xFEFF:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

int CompareJsStrings(std::string_view a, std::string_view b) {
  // Compare as sequences of UTF-16 code units.
  size_t i = 0, j = 0;
  uint32_t pa = 0, pb = 0;  // pending low surrogates
  while (true) {
    uint32_t ua, ub;
    bool ea = pa == 0 && i >= a.size(), eb = pb == 0 && j >= b.size();
    if (ea || eb) return ea && eb ? 0 : (ea ? -1 : 1);
    if (pa) {
      ua = pa;
      pa = 0;
    } else {
      uint32_t cp = Utf8Next(a, i);
      if (cp >= 0x10000) {
        ua = 0xD800 + ((cp - 0x10000) >> 10);
        pa = 0xDC00 + ((cp - 0x10000) & 0x3FF);
      } else {
        ua = cp;
      }
    }
    if (pb) {
      ub = pb;
      pb = 0;
    } else {
      uint32_t cp = Utf8Next(b, j);
      if (cp >= 0x10000) {
        ub = 0xD800 + ((cp - 0x10000) >> 10);
        pb = 0xDC00 + ((cp - 0x10000) & 0x3FF);
      } else {
        ub = cp;
      }
    }
    if (ua != ub) return ua < ub ? -1 : 1;
  }
}

// ---------------------------------------------------------------- JS semantics

std::string NumberToString(double d) {
  if (std::isnan(d)) return "NaN";
  if (d == 0) return "0";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  std::string out;
  if (d < 0) {
    out = "-";
    d = -d;
  }
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, r.ptr);
  size_t epos = sci.find('e');
  std::string mant = sci.substr(0, epos);
  int exp = std::atoi(sci.c_str() + epos + 1);
  std::string digits;
  for (char c : mant)
    if (c != '.') digits += c;
  int k = static_cast<int>(digits.size());
  int n = exp + 1;
  if (k <= n && n <= 21) {
    out += digits + std::string(n - k, '0');
  } else if (0 < n && n <= 21) {
    out += digits.substr(0, n) + "." + digits.substr(n);
  } else if (-6 < n && n <= 0) {
    out += "0." + std::string(-n, '0') + digits;
  } else {
    int e = n - 1;
    out += digits.substr(0, 1);
    if (k > 1) out += "." + digits.substr(1);
    out += e < 0 ? "e-" : "e+";
    out += std::to_string(e < 0 ? -e : e);
  }
  return out;
}

std::string ToJsString(const Val& v) {
  Charge(1);
  switch (v.type()) {
    case Val::T::Null:
      return "null";
    case Val::T::Bool:
      return v.b() ? "true" : "false";
    case Val::T::Num:
      return NumberToString(v.n());
    case Val::T::Str:
      return v.s();
    case Val::T::Arr: {
      std::string out;
      bool first = true;
      for (const auto& e : v.arr()) {
        if (!first) out += ',';
        first = false;
        if (!e.is_null()) out += ToJsString(e);
      }
      return out;
    }
    case Val::T::Obj:
      return "[object Object]";
    case Val::T::Fn:
      return "function";
  }
  return "";
}

std::string JsonQuote(std::string_view s) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
  return out;
}

namespace {

void Stringify(const Val& v, std::string& out) {
  Charge(1);
  switch (v.type()) {
    case Val::T::Null:
    case Val::T::Fn:
      out += "null";
      return;
    case Val::T::Bool:
      out += v.b() ? "true" : "false";
      return;
    case Val::T::Num:
      out += std::isfinite(v.n()) ? NumberToString(v.n()) : "null";
      return;
    case Val::T::Str:
      out += JsonQuote(v.s());
      return;
    case Val::T::Arr: {
      out += '[';
      bool first = true;
      for (const auto& e : v.arr()) {
        if (!first) out += ',';
        first = false;
        Stringify(e, out);
      }
      out += ']';
      return;
    }
    case Val::T::Obj: {
      std::vector<const std::pair<std::string, Val>*> kvs;
      for (const auto& kv : v.obj().items) kvs.push_back(&kv);
      std::sort(kvs.begin(), kvs.end(), [](auto* x, auto* y) { return x->first < y->first; });
      out += '{';
      bool first = true;
      for (auto* kv : kvs) {
        if (!first) out += ',';
        first = false;
        out += JsonQuote(kv->first);
        out += ':';
        Stringify(kv->second, out);
      }
      out += '}';
      return;
    }
  }
}

}  // namespace

std::string StringifySorted(const Val& v) {
  std::string out;
  Stringify(v, out);
  return out;
}

bool IsTruthy(const Val& v) {
  switch (v.type()) {
    case Val::T::Null:
      return false;
    case Val::T::Bool:
      return v.b();
    case Val::T::Num:
      return v.n() != 0 || std::isnan(v.n());
    case Val::T::Str:
      return !v.s().empty();
    case Val::T::Arr:
      return !v.arr().empty();
    case Val::T::Obj:
      return v.obj().size() > 0;
    case Val::T::Fn:
      return true;
  }
  return false;
}

bool DeepEqual(const Val& a, const Val& b) {
  Charge(1);
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Val::T::Null:
      return true;
    case Val::T::Bool:
      return a.b() == b.b();
    case Val::T::Num:
      return a.n() == b.n();
    case Val::T::Str:
      return a.s() == b.s();
    case Val::T::Fn:
      return a.fn() == b.fn();
    case Val::T::Arr: {
      const auto& x = a.arr();
      const auto& y = b.arr();
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i)
        if (!DeepEqual(x[i], y[i])) return false;
      return true;
    }
    case Val::T::Obj: {
      const auto& x = a.obj();
      const auto& y = b.obj();
      if (x.size() != y.size()) return false;
      for (const auto& kv : x.items) {
        const Val* other = y.Find(kv.first);
        if (!other || !DeepEqual(kv.second, *other)) return false;
      }
      return true;
    }
  }
  return false;
}

bool ContainsFunctions(const Val& v) {
  Charge(1);
  switch (v.type()) {
    case Val::T::Fn:
      return true;
    case Val::T::Arr:
      for (const auto& e : v.arr())
        if (ContainsFunctions(e)) return true;
      return false;
    case Val::T::Obj:
      for (const auto& kv : v.obj().items)
        if (ContainsFunctions(kv.second)) return true;
      return false;
    default:
      return false;
  }
}

bool IsIdentifier(std::string_view s) {
  if (s.empty()) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!alpha(s[0])) return false;
  for (char c : s.substr(1))
    if (!alpha(c) && !(c >= '0' && c <= '9')) return false;
  return true;
}

bool IsInteger(const Val& v) {
  return v.is_num() && std::isfinite(v.n()) && std::floor(v.n()) == v.n();
}

// ---------------------------------------------------------------- RapidJSON

Val FromRapid(const rapidjson::Value& v, int depth) {
  switch (v.GetType()) {
    case rapidjson::kNullType:
      return Val();
    case rapidjson::kFalseType:
      return Val::Bool(false);
    case rapidjson::kTrueType:
      return Val::Bool(true);
    case rapidjson::kNumberType:
      return Val::Num(v.GetDouble());
    case rapidjson::kStringType:
      return Val::Str(std::string(v.GetString(), v.GetStringLength()));
    case rapidjson::kArrayType: {
      if (depth + 1 > kJsoneMaxDepth) ThrowTooDeep();
      std::vector<Val> items;
      items.reserve(v.Size());
      for (const auto& e : v.GetArray()) items.push_back(FromRapid(e, depth + 1));
      return Val::Arr(std::move(items));
    }
    case rapidjson::kObjectType: {
      if (depth + 1 > kJsoneMaxDepth) ThrowTooDeep();
      ObjData obj;
      for (const auto& m : v.GetObject())
        obj.Set(std::string(m.name.GetString(), m.name.GetStringLength()), FromRapid(m.value, depth + 1));
      return Val::Obj(std::move(obj));
    }
  }
  return Val();
}

void ToRapid(const Val& v, rapidjson::Value& out, rapidjson::Document::AllocatorType& a) {
  switch (v.type()) {
    case Val::T::Null:
    case Val::T::Fn:
      out.SetNull();
      return;
    case Val::T::Bool:
      out.SetBool(v.b());
      return;
    case Val::T::Num: {
      double d = v.n();
      if (!std::isfinite(d)) {
        out.SetNull();
      } else if (std::floor(d) == d && std::fabs(d) <= 9007199254740992.0) {
        if (d >= 0)
          out.SetUint64(static_cast<uint64_t>(d));
        else
          out.SetInt64(static_cast<int64_t>(d));
      } else {
        out.SetDouble(d);
      }
      return;
    }
    case Val::T::Str:
      out.SetString(v.s().data(), static_cast<rapidjson::SizeType>(v.s().size()), a);
      return;
    case Val::T::Arr:
      out.SetArray();
      out.Reserve(static_cast<rapidjson::SizeType>(v.arr().size()), a);
      for (const auto& e : v.arr()) {
        rapidjson::Value x;
        ToRapid(e, x, a);
        out.PushBack(x, a);
      }
      return;
    case Val::T::Obj:
      out.SetObject();
      for (const auto& kv : v.obj().items) {
        rapidjson::Value k(kv.first.data(), static_cast<rapidjson::SizeType>(kv.first.size()), a);
        rapidjson::Value x;
        ToRapid(kv.second, x, a);
        out.AddMember(k, x, a);
      }
      return;
  }
}

}  // namespace tc::jsone

#include "core/json.h"

#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <istream>
#include <vector>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace tc {

namespace {
constexpr unsigned kParseFlags = rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag;

constexpr int kMaxDepth = kMaxJsonDepth;

bool ValidUtf8(const char* s, size_t n);

// Why v cannot be written back as JSON (nullptr when it can).
const char* UnwritableValue(const rapidjson::Value& v) {
  switch (v.GetType()) {
    case rapidjson::kNumberType:
      return v.IsDouble() && !std::isfinite(v.GetDouble()) ? "a number is too large for a double" : nullptr;
    case rapidjson::kStringType:
      return ValidUtf8(v.GetString(), v.GetStringLength()) ? nullptr : "a string escape is not valid UTF-16 (lone surrogate)";
    case rapidjson::kArrayType:
      for (const auto& e : v.GetArray())
        if (const char* w = UnwritableValue(e)) return w;
      return nullptr;
    case rapidjson::kObjectType:
      for (const auto& m : v.GetObject()) {
        if (!ValidUtf8(m.name.GetString(), m.name.GetStringLength()))
          return "a member name escape is not valid UTF-16 (lone surrogate)";
        if (const char* w = UnwritableValue(m.value)) return w;
      }
      return nullptr;
    default:
      return nullptr;
  }
}

// Returns the offset where nesting first exceeds kMaxDepth, or npos.
size_t TooDeepAt(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > kMaxDepth) return i;
    } else if (c == ']' || c == '}') --depth;
  }
  return std::string_view::npos;
}
}

std::optional<Json> TryParseJson(std::string_view text, std::string* err) {
  size_t deep = TooDeepAt(text);
  if (deep != std::string_view::npos) {
    if (err) *err = "invalid JSON at offset " + std::to_string(deep) + ": nested deeper than " + std::to_string(kMaxDepth) + " levels";
    return std::nullopt;
  }
  Json d;
  d.Parse<kParseFlags>(text.data(), text.size());
  if (d.HasParseError()) {
    if (err) {
      *err = std::string("invalid JSON at offset ") + std::to_string(d.GetErrorOffset()) + ": " +
             rapidjson::GetParseError_En(d.GetParseError());
    }
    return std::nullopt;
  }
  // RapidJSON accepts two things that are not JSON values we can write back:
  // escapes of lone surrogates ("\udc00", decoded to invalid UTF-8) and
  // numbers that overflow a double. Refuse them here, once.
  if (const char* why = UnwritableValue(d)) {
    if (err) *err = std::string("invalid JSON: ") + why;
    return std::nullopt;
  }
  return d;
}

Json ParseJson(std::string_view text, const std::string& what) {
  std::string err;
  auto d = TryParseJson(text, &err);
  if (!d) throw BadInput(what + ": " + err);
  return std::move(*d);
}

std::string ReadInputFile(const std::string& path, const std::string& what, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw BadInput(what + ": cannot read " + path);
  return ReadInputStream(in, what, max_bytes);
}

std::string ReadInputStream(std::istream& in, const std::string& what, size_t max_bytes) {
  std::string out;
  char buf[64 * 1024];
  while (in) {
    in.read(buf, sizeof buf);
    const size_t n = static_cast<size_t>(in.gcount());
    if (out.size() + n > max_bytes) {
      throw BadInput(what + ": larger than " + std::to_string(max_bytes >> 20) + " MiB; expected a smaller file");
    }
    out.append(buf, n);
  }
  if (in.bad()) throw BadInput(what + ": read error");
  return out;
}

Json ParseJsonFile(const std::string& path) { return ParseJson(ReadInputFile(path, path), path); }

std::string ToJson(const JsonValue& v) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  // The writer stops at a non-finite number: never return a truncated text.
  if (!v.Accept(w)) throw std::runtime_error("cannot write JSON: a number is not finite");
  return std::string(sb.GetString(), sb.GetSize());
}

std::string ToPrettyJson(const JsonValue& v) {
  rapidjson::StringBuffer sb;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(sb);
  w.SetIndent(' ', 2);
  if (!v.Accept(w)) throw std::runtime_error("cannot write JSON: a number is not finite");
  return std::string(sb.GetString(), sb.GetSize());
}

// RapidJSON 1.1's copy constructor shares "const" strings (those of in-situ
// parsed documents and StringRefs) instead of copying them; this copies all.
// Iterative (an explicit work list, no recursion): a value of any depth is
// copied in constant stack. Each container gets all its children (as nulls)
// before any child is filled, so the pointers in the work list stay valid.
static void CopyInto(const JsonValue& root, JsonValue& root_out, JsonAlloc& a) {
  std::vector<std::pair<const JsonValue*, JsonValue*>> work{{&root, &root_out}};
  while (!work.empty()) {
    auto [v, out] = work.back();
    work.pop_back();
    switch (v->GetType()) {
      case rapidjson::kStringType:
        out->SetString(v->GetString(), v->GetStringLength(), a);
        break;
      case rapidjson::kArrayType:
        out->SetArray();
        out->Reserve(v->Size(), a);
        for (rapidjson::SizeType i = 0; i < v->Size(); ++i) out->PushBack(JsonValue(), a);
        for (rapidjson::SizeType i = 0; i < v->Size(); ++i) work.emplace_back(&(*v)[i], &(*out)[i]);
        break;
      case rapidjson::kObjectType: {
        out->SetObject();
        for (const auto& m : v->GetObject())
          out->AddMember(JsonValue(m.name.GetString(), m.name.GetStringLength(), a), JsonValue(), a);
        auto o = out->MemberBegin();
        for (auto m = v->MemberBegin(); m != v->MemberEnd(); ++m, ++o) work.emplace_back(&m->value, &o->value);
        break;
      }
      default:
        out->CopyFrom(*v, a);
    }
  }
}

JsonValue CopyValue(const JsonValue& v, JsonAlloc& a) {
  JsonValue out;
  CopyInto(v, out, a);
  return out;
}

Json CopyJson(const JsonValue& v) {
  Json d;
  CopyInto(v, d, d.GetAllocator());
  return d;
}

JsonValue Str(std::string_view s, JsonAlloc& a) {
  return JsonValue(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
}

const JsonValue* Member(const JsonValue& obj, const char* name) {
  if (!obj.IsObject()) return nullptr;
  auto it = obj.FindMember(name);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

std::optional<std::string> GetString(const JsonValue& obj, const char* name) {
  const JsonValue* m = Member(obj, name);
  if (!m || !m->IsString()) return std::nullopt;
  return StringOf(*m);
}

std::optional<bool> GetBool(const JsonValue& obj, const char* name) {
  const JsonValue* m = Member(obj, name);
  if (!m || !m->IsBool()) return std::nullopt;
  return m->GetBool();
}

std::optional<int64_t> GetInt(const JsonValue& obj, const char* name) {
  const JsonValue* m = Member(obj, name);
  if (!m || !m->IsInt64()) return std::nullopt;
  return m->GetInt64();
}

std::string RequireString(const JsonValue& obj, const char* name, const std::string& field) {
  const JsonValue* m = Member(obj, name);
  if (!m) throw BadInput(field + ": missing; expected a string");
  if (!m->IsString()) throw BadInput(field + ": expected a string, got " + JsonTypeName(*m));
  return std::string(m->GetString(), m->GetStringLength());
}

std::string StringOf(const JsonValue& v) { return std::string(v.GetString(), v.GetStringLength()); }

std::vector<std::string> StringsOf(const JsonValue* v) {
  std::vector<std::string> out;
  if (v && v->IsArray())
    for (const auto& x : v->GetArray())
      if (x.IsString()) out.push_back(StringOf(x));
  return out;
}

namespace {

// Length of the valid UTF-8 sequence at s[i] (no overlong forms, no
// surrogates, nothing above U+10FFFF), or 0 when it is not valid.
size_t Utf8SequenceAt(std::string_view s, size_t i) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  const size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  if (len == 1) return 1;
  uint32_t cp = c & (0xFF >> (len + 1));
  for (size_t k = 1; k < len; ++k) {
    const unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  static const uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

bool ValidUtf8(const char* p, size_t n) {
  std::string_view s(p, n);
  for (size_t i = 0; i < n;) {
    size_t len = Utf8SequenceAt(s, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

}  // namespace

std::string SanitizeUtf8(std::string_view s) {
  static const char kReplacement[] = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t len = Utf8SequenceAt(s, i);
    if (len == 0 || s[i] == '\0') {
      out += kReplacement;
      ++i;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  return out;
}

const char* JsonTypeName(const JsonValue& v) {
  switch (v.GetType()) {
    case rapidjson::kNullType: return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType: return "boolean";
    case rapidjson::kObjectType: return "object";
    case rapidjson::kArrayType: return "array";
    case rapidjson::kStringType: return "string";
    case rapidjson::kNumberType: return v.IsInt64() || v.IsUint64() ? "integer" : "number";
  }
  return "unknown";
}

void SetMember(JsonValue& obj, std::string_view name, JsonValue value, JsonAlloc& a) {
  auto it = obj.FindMember(JsonValue(rapidjson::StringRef(name.data(), name.size())));
  if (it != obj.MemberEnd()) {
    it->value = std::move(value);
  } else {
    obj.AddMember(Str(name, a), value, a);
  }
}

}  // namespace tc

// Injected faults: see faults.h (and ParseFaults, emulator.h).
#include "emulator/faults.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>

#include "core/error.h"

namespace tc {

namespace {
std::string fmt_u(uint32_t cp) {
  char b[8];
  std::snprintf(b, sizeof b, "\\u%04x", cp);
  return b;
}
}  // namespace

std::vector<EmulatorFault> ParseFaults(const JsonValue& v) {
  if (!v.IsArray()) throw BadInput("faults: expected a JSON array");
  std::vector<EmulatorFault> out;
  for (rapidjson::SizeType i = 0; i < v.Size(); i++) {
    const JsonValue& f = v[i];
    std::string where = "faults[" + std::to_string(i) + "]";
    if (!f.IsObject()) throw BadInput(where + ": expected an object");
    EmulatorFault x;
    x.method = GetString(f, "method").value_or("*");
    x.path = GetString(f, "path").value_or("");
    if (const JsonValue* k = Member(f, "kind")) x.kind = k->IsString() ? k->GetString() : ToJson(*k);
    static const std::set<std::string> kinds = {"reset", "reset-after-commit", "latency"};
    if (!kinds.count(x.kind) && FaultStatus(x.kind) == 0)
      throw BadInput(where + ".kind: expected an HTTP status 400-599 (e.g. 500, 503, 403), reset, reset-after-commit "
                     "or latency");
    x.body_match = GetString(f, "bodyMatch").value_or("");
    x.code = GetString(f, "code").value_or("");
    x.message = GetString(f, "message").value_or("");
    for (auto [field, re] : {std::pair<const char*, const std::string*>{"path", &x.path}, {"bodyMatch", &x.body_match}}) {
      try {
        std::regex test(*re);
      } catch (const std::regex_error&) {
        throw BadInput(where + "." + field + ": invalid regular expression");
      }
    }
    x.latency_ms = static_cast<int>(GetInt(f, "latencyMs").value_or(0));
    x.times = static_cast<int>(GetInt(f, "times").value_or(1));
    x.skip = static_cast<int>(GetInt(f, "skip").value_or(0));
    out.push_back(x);
  }
  return out;
}

int FaultStatus(const std::string& kind) {
  if (kind.size() != 3 || !std::isdigit(static_cast<unsigned char>(kind[0])) ||
      !std::isdigit(static_cast<unsigned char>(kind[1])) || !std::isdigit(static_cast<unsigned char>(kind[2])))
    return 0;
  int st = std::stoi(kind);
  return st >= 400 && st <= 599 ? st : 0;
}

namespace emu {

namespace {

void PyString(const std::string& s, std::string& out) {
  out += '"';
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default: {
        if (c < 0x20) {
          out += fmt_u(c);
        } else if (c < 0x80) {
          out += static_cast<char>(c);
        } else {  // ensure_ascii: the code point(s) as \uXXXX
          uint32_t cp = 0;
          int n = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
          cp = n == 3 ? c & 0x07 : n == 2 ? c & 0x0F : n == 1 ? c & 0x1F : c;
          for (int k = 0; k < n && i + 1 < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[++i]) & 0x3F);
          if (cp >= 0x10000) {
            cp -= 0x10000;
            out += fmt_u(0xD800 + (cp >> 10));
            out += fmt_u(0xDC00 + (cp & 0x3FF));
          } else {
            out += fmt_u(cp);
          }
        }
      }
    }
  }
  out += '"';
}

}  // namespace

void PyDumps(const JsonValue& v, std::string& out) {
  if (v.IsObject()) {
    std::vector<std::pair<std::string, const JsonValue*>> members;
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it)
      members.emplace_back(std::string(it->name.GetString(), it->name.GetStringLength()), &it->value);
    std::sort(members.begin(), members.end(), [](auto& a, auto& b) { return a.first < b.first; });
    out += '{';
    for (size_t i = 0; i < members.size(); ++i) {
      if (i) out += ", ";
      PyString(members[i].first, out);
      out += ": ";
      PyDumps(*members[i].second, out);
    }
    out += '}';
  } else if (v.IsArray()) {
    out += '[';
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      if (i) out += ", ";
      PyDumps(v[i], out);
    }
    out += ']';
  } else if (v.IsString()) {
    PyString(std::string(v.GetString(), v.GetStringLength()), out);
  } else {
    out += ToJson(v);
  }
}

std::string CanonicalBody(const std::string& body) {
  if (body.empty()) return body;
  auto parsed = TryParseJson(body, nullptr);
  if (!parsed) return body;
  std::string out;
  PyDumps(*parsed, out);
  return out;
}

void FaultSet::Add(const std::vector<EmulatorFault>& faults) {
  std::lock_guard<std::mutex> l(mu_);
  for (auto& f : faults) faults_.push_back(Active{f, std::regex(f.path), std::regex(f.body_match), 0, 0});
}

void FaultSet::Clear() {
  std::lock_guard<std::mutex> l(mu_);
  faults_.clear();
}

std::vector<EmulatorFault> FaultSet::List() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<EmulatorFault> out;
  for (auto& a : faults_) out.push_back(a.f);
  return out;
}

Json FaultSet::ToJson() const {
  Json d(rapidjson::kArrayType);
  auto& a = d.GetAllocator();
  std::lock_guard<std::mutex> l(mu_);
  for (auto& af : faults_) {
    JsonValue o(rapidjson::kObjectType);
    o.AddMember("method", Str(af.f.method, a), a);
    o.AddMember("path", Str(af.f.path, a), a);
    o.AddMember("kind", Str(af.f.kind, a), a);
    o.AddMember("latencyMs", af.f.latency_ms, a);
    o.AddMember("times", af.f.times, a);
    o.AddMember("skip", af.f.skip, a);
    if (!af.f.body_match.empty()) o.AddMember("bodyMatch", Str(af.f.body_match, a), a);
    if (!af.f.code.empty()) o.AddMember("code", Str(af.f.code, a), a);
    if (!af.f.message.empty()) o.AddMember("message", Str(af.f.message, a), a);
    o.AddMember("fired", af.fired, a);
    d.PushBack(o, a);
  }
  return d;
}

std::optional<EmulatorFault> FaultSet::Match(const std::string& method, const std::string& path,
                                            const std::function<const std::string&()>& body) {
  std::lock_guard<std::mutex> l(mu_);
  for (auto& af : faults_) {
    if (af.fired >= af.f.times) continue;
    if (af.f.method != "*" && af.f.method != method) continue;
    if (!std::regex_search(path, af.re)) continue;
    if (!af.f.body_match.empty() && !(body && std::regex_search(body(), af.body_re))) continue;
    if (af.seen++ < af.f.skip) continue;
    af.fired++;
    return af.f;
  }
  return std::nullopt;
}

}  // namespace emu
}  // namespace tc

// Injected faults: see faults.h (and ParseFaults, emulator.h).
#include "emulator/faults.h"

#include <set>

#include "core/error.h"

namespace tc {

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
    static const std::set<std::string> kinds = {"500", "503", "reset", "reset-after-commit", "latency"};
    if (!kinds.count(x.kind)) throw BadInput(where + ".kind: expected 500, 503, reset, reset-after-commit or latency");
    try {
      std::regex test(x.path);
    } catch (const std::regex_error&) {
      throw BadInput(where + ".path: invalid regular expression");
    }
    x.latency_ms = static_cast<int>(GetInt(f, "latencyMs").value_or(0));
    x.times = static_cast<int>(GetInt(f, "times").value_or(1));
    x.skip = static_cast<int>(GetInt(f, "skip").value_or(0));
    out.push_back(x);
  }
  return out;
}

namespace emu {

void FaultSet::Add(const std::vector<EmulatorFault>& faults) {
  std::lock_guard<std::mutex> l(mu_);
  for (auto& f : faults) faults_.push_back(Active{f, std::regex(f.path), 0, 0});
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
    o.AddMember("fired", af.fired, a);
    d.PushBack(o, a);
  }
  return d;
}

std::optional<EmulatorFault> FaultSet::Match(const std::string& method, const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  for (auto& af : faults_) {
    if (af.fired >= af.f.times) continue;
    if (af.f.method != "*" && af.f.method != method) continue;
    if (!std::regex_search(path, af.re)) continue;
    if (af.seen++ < af.f.skip) continue;
    af.fired++;
    return af.f;
  }
  return std::nullopt;
}

}  // namespace emu
}  // namespace tc

// Injected faults: requests whose method and path (and, with bodyMatch,
// canonical body) match a fault fail in a chosen way (EmulatorFault,
// emulator.h: an error status, reset, reset-after-commit, latency), `times`
// times after `skip` matching requests.
//
// Thread-safe: one mutex; Match counts and fires atomically, so concurrent
// requests never fire a fault more than `times` times.
#pragma once
#include <functional>
#include <mutex>
#include <optional>
#include <regex>
#include <vector>

#include "core/json.h"
#include "emulator/emulator.h"

namespace tc {
// The status of a fault kind "400".."599"; 0 for the other kinds.
int FaultStatus(const std::string& kind);
}  // namespace tc

namespace tc::emu {

// A JSON body as Python's json.dumps(body, sort_keys=True) writes it (what
// bodyMatch is searched in); a body that is not JSON, as it is.
std::string CanonicalBody(const std::string& body);
void PyDumps(const JsonValue& v, std::string& out);

class FaultSet {
 public:
  void Add(const std::vector<EmulatorFault>& faults);
  void Clear();
  std::vector<EmulatorFault> List() const;
  Json ToJson() const;  // the faults with how often each fired
  // The first active fault matching the request, counted as fired. body:
  // the request's canonical body (CanonicalBody), asked for only when a
  // fault with bodyMatch matches method and path.
  std::optional<EmulatorFault> Match(const std::string& method, const std::string& path,
                                     const std::function<const std::string&()>& body = nullptr);

 private:
  struct Active {
    EmulatorFault f;
    std::regex re;
    std::regex body_re;
    int seen = 0;
    int fired = 0;
  };
  mutable std::mutex mu_;
  std::vector<Active> faults_;
};

}  // namespace tc::emu

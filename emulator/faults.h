// Injected faults: requests whose method and path match a fault fail in a
// chosen way (EmulatorFault, emulator.h: 500, 503, reset, reset-after-commit,
// latency), `times` times after `skip` matching requests.
//
// Thread-safe: one mutex; Match counts and fires atomically, so concurrent
// requests never fire a fault more than `times` times.
#pragma once
#include <mutex>
#include <optional>
#include <regex>
#include <vector>

#include "core/json.h"
#include "emulator/emulator.h"

namespace tc::emu {

class FaultSet {
 public:
  void Add(const std::vector<EmulatorFault>& faults);
  void Clear();
  std::vector<EmulatorFault> List() const;
  Json ToJson() const;  // the faults with how often each fired
  // The first active fault matching the request, counted as fired.
  std::optional<EmulatorFault> Match(const std::string& method, const std::string& path);

 private:
  struct Active {
    EmulatorFault f;
    std::regex re;
    int seen = 0;
    int fired = 0;
  };
  mutable std::mutex mu_;
  std::vector<Active> faults_;
};

}  // namespace tc::emu

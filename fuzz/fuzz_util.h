// Helpers shared by the libFuzzer targets (header-only).
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <cstring>
#include <rapidjson/document.h>
#include <string>
#include <vector>

namespace tc_fuzz {

// Splits the input at NUL bytes into at most `n` parts (the last part keeps
// any further NULs). Fewer NULs give fewer parts.
inline std::vector<std::string> SplitNul(const uint8_t* data, size_t size, size_t n) {
  std::string in(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> parts;
  size_t pos = 0;
  while (parts.size() + 1 < n) {
    size_t nul = in.find('\0', pos);
    if (nul == std::string::npos) break;
    parts.push_back(in.substr(pos, nul - pos));
    pos = nul + 1;
  }
  parts.push_back(in.substr(pos));
  return parts;
}

// A violated invariant: print and abort (libFuzzer records a crash).
[[noreturn]] inline void Fail(const char* what, const std::string& detail = "") {
  std::fprintf(stderr, "INVARIANT VIOLATED: %s %s\n", what, detail.c_str());
  std::abort();
}

// Known, reported bugs that fuzzing may look past (env TC_FUZZ_SKIP_KNOWN, a
// comma-separated list of ids) so a run keeps finding new ones; their
// reproducers in fuzz/regressions/ are replayed without it and still fail.
//   invalid-utf8: tc::ParseJson accepts a lone low-surrogate escape ("\udc00")
//                 and tc::ToJson then writes invalid UTF-8 (action/json.cc).
//   nonfinite:    tc::ParseJson accepts a number that overflows to infinity
//                 (e.g. 7700003118945841e308) and tc::ToJson then silently
//                 writes invalid JSON (the value is dropped; action/json.cc).
inline bool SkipKnown(const char* id) {
  const char* v = std::getenv("TC_FUZZ_SKIP_KNOWN");
  return v && std::strstr(v, id) != nullptr;
}

// True when v holds a non-finite number anywhere (see "nonfinite" above).
inline bool HasNonFinite(const rapidjson::Value& v, int depth = 0) {
  if (depth > 1000) return false;
  if (v.IsDouble()) return !std::isfinite(v.GetDouble());
  if (v.IsArray())
    for (auto& e : v.GetArray())
      if (HasNonFinite(e, depth + 1)) return true;
  if (v.IsObject())
    for (auto& m : v.GetObject())
      if (HasNonFinite(m.value, depth + 1)) return true;
  return false;
}

}  // namespace tc_fuzz

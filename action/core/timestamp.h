// ISO-8601 timestamps as Taskcluster writes them ("2024-01-02T03:04:05.678Z",
// also "+01:00" offsets and 0..9 fractional digits).
//
// Invariant: Format(Parse(s)) == s for every s that IsTimestamp() accepts
// with at most 3 fractional digits; shifting keeps the offset and precision.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/json.h"

namespace tc {

struct Timestamp {
  int64_t ms = 0;             // milliseconds since the Unix epoch (UTC)
  int offset_minutes = 0;     // as written; 0 with zulu
  bool zulu = true;           // written with 'Z'
  int frac_digits = 3;        // fractional digits as written
};

std::optional<Timestamp> ParseTimestamp(std::string_view s);
bool IsTimestamp(std::string_view s);
std::string FormatTimestamp(const Timestamp& t);
// "YYYY-MM-DDTHH:MM:SS.mmmZ" as JavaScript's Date.toJSON() writes it.
std::string FormatIsoMs(int64_t ms_since_epoch);
int64_t NowMs();

// Proleptic Gregorian calendar <-> days since 1970-01-01 (Howard Hinnant's algorithms).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d);
void CivilFromDays(int64_t days, int64_t* y, unsigned* m, unsigned* d);

// Rewrites, in place, every string value in v that is a timestamp, adding
// delta_ms. Object keys are not touched. Returns how many were shifted.
size_t ShiftTimestamps(JsonValue& v, int64_t delta_ms, JsonAlloc& a);

}  // namespace tc

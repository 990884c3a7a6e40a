// The value formats the services check and write: times (JavaScript's
// Date.toJSON() and ajv's "date-time" format), slugids, task queue ids,
// priority levels, Postgres jsonb key order, and lib-api's URL-parameter check.
//
// Pure functions (CachedRegex keeps a per-thread cache); thread-safe.
#pragma once
#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "core/json.h"

namespace tc::memq {

// "YYYY-MM-DDTHH:MM:SS.mmmZ" (JavaScript Date.toJSON()).
std::string IsoMs(int64_t ms);
// Parses an RFC 3339 date-time as ajv-formats' "date-time" accepts it (a time
// zone is required, fractional seconds optional, the date must exist).
// nullopt when invalid.
std::optional<int64_t> ParseIso(const std::string& s);
// JavaScript: d.setFullYear(d.getFullYear() + 1) in UTC (Feb 29 -> Mar 1).
int64_t AddOneYear(int64_t ms);
bool IsSlugid(const std::string& s);
bool IsTaskQueueId(const std::string& s);
// Priority levels, highest first (api.js PRIORITY_LEVELS).
const std::vector<std::string>& PriorityLevels();

// Reorders object keys recursively as Postgres jsonb stores them (shorter
// keys first, then bytewise; a duplicate key keeps its last value): the order
// the services return jsonb columns in (task payload/metadata/tags/extra,
// index data).
void JsonbOrder(JsonValue& v, JsonAlloc& a);

// std::regex construction costs far more than matching: compiled once per thread.
const std::regex& CachedRegex(const std::string& re);
// lib-api's URL parameter check: TcError 400 InvalidRequestArguments
// "Invalid URL patterns: ..." unless value matches re_text.
void CheckParam(const char* name, const std::string& value, const char* re_text);
inline constexpr const char* kSlugRe =
    "^[A-Za-z0-9_-]{8}[Q-T][A-Za-z0-9_-][CGKOSWaeimquy26-][A-Za-z0-9_-]{10}[AQgw]$";

}  // namespace tc::memq

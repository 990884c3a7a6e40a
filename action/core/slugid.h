// Slugids: Taskcluster's taskIds, 22-character URL-safe base64 of a v4 UUID.
//
// Invariants: every id produced here matches the queue's taskId pattern
// ^[A-Za-z0-9_-]{8}[Q-T][A-Za-z0-9_-][CGKOSWaeimquy26-][A-Za-z0-9_-]{10}[AQgw]$
// and is "nice" (first character in [A-Za-f], so it never starts with '-').
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace tc {

// A random nice v4 slugid.
std::string NewSlugid();
// A deterministic nice v4 slugid derived from (seed, index) with SHA-256.
// The same inputs always give the same id; used so a retried action task
// re-derives the taskIds of the copies it already created.
std::string DerivedSlugid(std::string_view seed, uint64_t index);
// The same from (seed, key): distinct keys give distinct ids.
std::string DerivedSlugid(std::string_view seed, std::string_view key);
// True when s is a valid v4 slugid, as the queue's taskId pattern requires.
bool IsSlugid(std::string_view s);
// Encodes 16 bytes as a slugid (after forcing the v4/variant/nice bits).
std::string EncodeSlugid(const unsigned char bytes[16]);

}  // namespace tc

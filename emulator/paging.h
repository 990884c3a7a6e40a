// Offset paging as lib-api's paginateResults does it (libraries/api/src/
// pagination.js), shared by the queue's and the index's list endpoints:
// page size = min(limit or the default, 1000); one more row is looked at, and
// a continuationToken is returned only when there are more rows.
//
// Tokens are opaque: ours are the hex of "offset:<n>". lib-api decodes
// hashids: a token with a character outside [a-zA-Z0-9] is a 400 InputError
// "Invalid continuation token"; any other token that does not decode starts
// from the beginning (offset 0); DecodeToken does the same.
//
// Pure functions; thread-safe.
#pragma once
#include <cstdint>
#include <string>

#include "taskcluster/queue.h"

namespace tc::emu {

inline constexpr int kMaxPageSize = 1000;

std::string EncodeToken(int64_t offset);  // "" for offset 0
int64_t DecodeToken(const std::string& token);

// The rows [offset, end) of a page over `total` rows, and the next token.
struct PageWindow {
  int64_t offset = 0, end = 0;
  std::string next_token;  // "" on the last page
};
PageWindow WindowOf(const Page& page, int default_size, int64_t total);

}  // namespace tc::emu

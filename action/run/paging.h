// Paged listings ({<field>: [...], continuationToken}), read to the end.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "core/json.h"
#include "taskcluster/queue.h"

namespace tc {

// Every entry of a paged listing. Stops at the last page; a page that hands
// back a continuationToken seen before, or more than kMaxPages pages, is a
// TcError naming `what` (a misbehaving service must not keep the action
// paging forever).
constexpr int kMaxPages = 10000;
std::vector<Json> ReadAllPages(const std::string& what, const std::function<Json(const Page&)>& list,
                               const char* field);

}  // namespace tc

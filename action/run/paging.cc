#include "run/paging.h"

#include <fmt/format.h>

#include <unordered_set>

#include "core/error.h"

namespace tc {

std::vector<Json> ReadAllPages(const std::string& what, const std::function<Json(const Page&)>& list,
                               const char* field) {
  std::vector<Json> out;
  std::unordered_set<std::string> tokens;
  Page page;
  for (int n = 1;; ++n) {
    Json resp = list(page);
    if (!resp.IsObject()) throw TcError(0, "InvalidResponse", what + ": the response is not a JSON object");
    if (const JsonValue* items = Member(resp, field); items && items->IsArray()) {
      for (const auto& t : items->GetArray()) out.push_back(CopyJson(t));
    }
    auto token = GetString(resp, "continuationToken");
    if (!token || token->empty()) return out;
    if (!tokens.insert(*token).second) {
      throw TcError(0, "InvalidResponse", fmt::format("{}: page {} repeats an earlier continuationToken", what, n));
    }
    if (n >= kMaxPages) throw TcError(0, "InvalidResponse", fmt::format("{}: more than {} pages", what, kMaxPages));
    page.continuation_token = token;
  }
}

}  // namespace tc

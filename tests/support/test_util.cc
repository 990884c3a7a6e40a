#include "test_util.h"

#include <optional>

#include "core/timestamp.h"

namespace tctest {

tc::EnvLookup MapEnv(std::map<std::string, std::string> m) {
  return [m](const std::string& k) -> std::optional<std::string> {
    auto it = m.find(k);
    if (it == m.end()) return std::nullopt;
    return it->second;
  };
}

tc::Json TaskDef(const std::string& group, int64_t now_ms, int64_t age_ms, bool retrigger, const std::string& label) {
  std::string created = tc::FormatIsoMs(now_ms - age_ms);
  std::string deadline = tc::FormatIsoMs(now_ms - age_ms + 24 * 3600 * 1000);
  std::string expires = tc::FormatIsoMs(now_ms - age_ms + 30LL * 24 * 3600 * 1000);
  std::string text = R"({
    "provisionerId": "proj-gecko", "workerType": "t-linux", "taskQueueId": "proj-gecko/t-linux",
    "schedulerId": "gecko-level-3", "projectId": "none", "taskGroupId": ")" + group + R"(",
    "dependencies": [], "requires": "all-completed", "routes": ["tc-treeherder.v2.autoland.abc"],
    "priority": "low", "retries": 5, "created": ")" + created + R"(", "deadline": ")" + deadline + R"(",
    "expires": ")" + expires + R"(", "scopes": ["secrets:get:project/x"],
    "payload": {"image": "x", "maxRunTime": 3600,
                "artifacts": {"public/logs": {"type": "directory", "path": "/logs", "expires": ")" + expires + R"("}},
                "env": {"MOZ_X": "1"}},
    "metadata": {"name": ")" + label + R"(", "description": "d", "owner": "a@example.com", "source": "https://example.com/x"},
    "tags": {"kind": "test", "label": ")" + label + R"(")" + (retrigger ? R"(, "retrigger": "true")" : "") + R"(},
    "extra": {"treeherder": {"symbol": "M1"}}})";
  return tc::ParseJson(text, "taskdef");
}

tc::Json TaskDefWithDeps(const std::string& group, int64_t now_ms, const std::string& label,
                         const std::vector<std::string>& deps, bool retrigger) {
  tc::Json d = TaskDef(group, now_ms, 3600 * 1000, retrigger, label);
  for (const auto& x : deps) d["dependencies"].PushBack(tc::Str(x, d.GetAllocator()), d.GetAllocator());
  return d;
}

}  // namespace tctest

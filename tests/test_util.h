// Helpers shared by the domain/runner tests: a task-definition factory, an
// env map, and seeding a MemoryQueue.
#pragma once
#include <map>
#include <optional>
#include <string>

#include "actions/context.h"
#include "core/json.h"
#include "emulator/queue_memory.h"
#include "core/timestamp.h"

namespace tctest {

inline tc::EnvLookup MapEnv(std::map<std::string, std::string> m) {
  return [m](const std::string& k) -> std::optional<std::string> {
    auto it = m.find(k);
    if (it == m.end()) return std::nullopt;
    return it->second;
  };
}

// A valid task definition created `age_ms` ago with a 1-day deadline.
inline tc::Json TaskDef(const std::string& group, int64_t now_ms, int64_t age_ms = 3600 * 1000,
                        bool retrigger = true, const std::string& label = "test-linux64/opt-mochitest-1") {
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

}  // namespace tctest

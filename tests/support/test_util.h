// Helpers shared by the tests: an env map as an EnvLookup, and a valid task
// definition factory.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "actions/context.h"
#include "core/json.h"

namespace tctest {

// `m` as the lookup ContextFromEnv and RunAction read the environment with.
tc::EnvLookup MapEnv(std::map<std::string, std::string> m);

// A valid task definition (gecko-level-3, proj-gecko/t-linux, kind "test")
// of task group `group`, created `age_ms` before now_ms, with a 1-day
// deadline; tags.retrigger "true" when `retrigger`; label in tags.label and
// metadata.name.
tc::Json TaskDef(const std::string& group, int64_t now_ms, int64_t age_ms = 3600 * 1000, bool retrigger = true,
                 const std::string& label = "test-linux64/opt-mochitest-1");

// TaskDef with `deps` appended to its dependencies.
tc::Json TaskDefWithDeps(const std::string& group, int64_t now_ms, const std::string& label,
                         const std::vector<std::string>& deps, bool retrigger);

}  // namespace tctest

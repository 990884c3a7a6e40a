// Fuzz target: the action context (tc::ContextFromEnv from the ACTION_* variables,
// tc::ContextFromJson from a --context document).
//
// Input: up to five NUL-separated parts, the values of TASK_ID,
// ACTION_CALLBACK, ACTION_TASK_GROUP_ID, ACTION_TASK_ID, ACTION_INPUT (missing
// parts: variable unset). The whole input is also parsed as a context document.
// Must never crash; tc::BadInput is the only exception allowed. A context that
// is returned must satisfy context.h's invariant.
#include <optional>
#include <string>

#include "actions/context.h"
#include "actions/registry.h"
#include "core/error.h"
#include "fuzz_util.h"
#include "core/json.h"
#include "core/slugid.h"

namespace {

const char* const kVars[5] = {"TASK_ID", "ACTION_CALLBACK", "ACTION_TASK_GROUP_ID", "ACTION_TASK_ID",
                              "ACTION_INPUT"};

void CheckContext(const tc::Context& c) {
  const tc::ActionSpec* info = tc::FindAction(c.action);
  if (!info) tc_fuzz::Fail("unknown action accepted", c.action);
  if (!tc::IsSlugid(c.task_group_id)) tc_fuzz::Fail("invalid taskGroupId accepted", c.task_group_id);
  if (!tc::IsSlugid(c.action_task_id)) tc_fuzz::Fail("invalid TASK_ID accepted", c.action_task_id);
  if (c.task_id && !tc::IsSlugid(*c.task_id)) tc_fuzz::Fail("invalid taskId accepted", *c.task_id);
  if (info->kind == tc::ActionKind::kTask && !c.task_id) tc_fuzz::Fail("task action without taskId", c.action);
  if (!c.input.IsObject()) tc_fuzz::Fail("input is not an object");
  (void)tc::ToJson(c.input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> parts = tc_fuzz::SplitNul(data, size, 5);
  tc::EnvLookup env = [&parts](const std::string& name) -> std::optional<std::string> {
    for (size_t i = 0; i < 5; ++i)
      if (name == kVars[i]) return i < parts.size() ? std::optional<std::string>(parts[i]) : std::nullopt;
    return std::nullopt;
  };
  try {
    CheckContext(tc::ContextFromEnv(env));
  } catch (const tc::BadInput&) {
  }

  std::string text(reinterpret_cast<const char*>(data), size);
  if (auto doc = tc::TryParseJson(text)) {
    try {
      CheckContext(tc::ContextFromJson(*doc, "fZ3mV2p9TQeWd5b6Qbc1vA", "context"));
    } catch (const tc::BadInput&) {
    }
  }
  return 0;
}

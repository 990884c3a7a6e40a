// Fuzz target: the task cloner (tc::CloneTask, clone.h) used by retrigger.
// Input: a task definition (JSON). When it parses to an object, it is cloned
// with fixed options and serialised. Must never crash; tc::BadInput (no valid
// `created`) is the only exception allowed. The clone must be an object whose
// serialisation parses again, with the requested taskGroupId and parent.
#include <string>

#include "actions/clone.h"
#include "core/task.h"
#include "core/error.h"
#include "fuzz_util.h"
#include "core/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto doc = tc::TryParseJson(text);
  if (!doc || !doc->IsObject()) return 0;
  tc::CloneOptions opts;
  opts.task_group_id = "fZ3mV2p9TQeWd5b6Qbc1vA";
  opts.parent = "a7sH1nDXRhWnS0z6Jq0u4A";
  opts.now_ms = 1700000000123;  // 2023-11-14T22:13:20.123Z
  opts.extra_dependencies = {"Gq3C7kFQSZ2r1bqkW3b9pQ"};
  try {
    tc::Json clone = tc::CloneTask(*doc, opts);
    if (!clone.IsObject()) tc_fuzz::Fail("clone is not an object");
    std::string out = tc::ToJson(clone);
    std::string err;
    auto again = tc::TryParseJson(out, &err);
    if (!again) {
      if (err.find("Invalid encoding") != std::string::npos && tc_fuzz::SkipKnown("invalid-utf8")) return 0;
      if (tc_fuzz::HasNonFinite(*doc) && tc_fuzz::SkipKnown("nonfinite")) return 0;
      tc_fuzz::Fail("clone does not re-parse", err);
    }
    auto group = tc::GetString(*again, "taskGroupId");
    if (!group || *group != opts.task_group_id) tc_fuzz::Fail("taskGroupId not set");
    (void)tc::TaskView(&*doc, nullptr).label();
  } catch (const tc::BadInput&) {
  }
  return 0;
}

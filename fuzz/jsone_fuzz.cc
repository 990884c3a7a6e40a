// Fuzz target: the JSON-e renderer (tc::JsoneRender, jsone.h).
// Input: "<template JSON>\0<context JSON>" (no NUL: empty context). A context
// that is not a JSON object is replaced by {}. Must never crash (including
// stack overflow on deep input); tc::JsoneError is the only exception allowed.
// The result must serialise to JSON that parses again.
#include <string>

#include "fuzz_util.h"
#include "core/json.h"
#include "jsone/jsone.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> parts = tc_fuzz::SplitNul(data, size, 2);
  auto tmpl = tc::TryParseJson(parts[0]);
  if (!tmpl) return 0;
  tc::Json context;
  context.SetObject();
  if (parts.size() > 1) {
    auto c = tc::TryParseJson(parts[1]);
    if (c && c->IsObject()) context.CopyFrom(*c, context.GetAllocator());
  }
  try {
    rapidjson::Document out = tc::JsoneRender(*tmpl, context, std::string("2017-01-19T16:27:20.974Z"));
    std::string text = tc::ToJson(out);
    std::string err;
    if (!tc::TryParseJson(text, &err)) {
      if (err.find("Invalid encoding") != std::string::npos && tc_fuzz::SkipKnown("invalid-utf8")) return 0;
      if ((tc_fuzz::HasNonFinite(*tmpl) || tc_fuzz::HasNonFinite(context)) && tc_fuzz::SkipKnown("nonfinite")) return 0;
      tc_fuzz::Fail("rendered JSON does not re-parse", err + ": " + text.substr(0, 200));
    }
  } catch (const tc::JsoneError&) {
  }
  return 0;
}

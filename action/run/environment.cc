#include "run/environment.h"

#include <cstdlib>

#include "core/error.h"

namespace tc {

EnvLookup ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

Context LoadContext(const EnvLookup& env, const std::string& context_file) {
  if (context_file.empty()) return ContextFromEnv(env);
  const std::string task_id = ActionTaskIdFromEnv(env);
  // Bounded (kMaxInputFileBytes): --context /dev/zero is an error, not all memory.
  Json doc = ParseJson(ReadInputFile(context_file, "--context"), "--context " + context_file);
  Context ctx = ContextFromJson(doc, task_id, "context");
  AddEnvironment(ctx, env);
  return ctx;
}

}  // namespace tc

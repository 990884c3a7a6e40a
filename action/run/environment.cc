#include "run/environment.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

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
  std::ifstream in(context_file, std::ios::binary);
  if (!in) throw BadInput("--context: cannot read " + context_file);
  std::ostringstream ss;
  ss << in.rdbuf();
  Json doc = ParseJson(ss.str(), "--context " + context_file);
  Context ctx = ContextFromJson(doc, task_id, "context");
  AddEnvironment(ctx, env);
  return ctx;
}

}  // namespace tc

// The process environment and the --context file: where `tc-action run`
// gets its context (actions/context.h validates it).
#pragma once
#include <string>

#include "actions/context.h"

namespace tc {

// getenv as an EnvLookup.
EnvLookup ProcessEnv();

// The context from the ACTION_* variables, or from context_file when it is
// not empty ({"action","taskGroupId","taskId","input"}; TASK_ID from env).
// Throws BadInput naming the variable, file or field.
Context LoadContext(const EnvLookup& env, const std::string& context_file);

}  // namespace tc

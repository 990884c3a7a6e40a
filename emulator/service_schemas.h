// Input schemas of the services whose schemas are not among the embedded
// ones (schemas/taskcluster/ carries the queue's and the hooks'): the index's
// insert-task-request and list-tasks-at-index, the queue's tasks-request and
// the auth service's scopeset, as JSON converted from
// services/index/schemas/v1/{insert-task-request,list-tasks-at-index}.yml,
// services/queue/schemas/v1/tasks-request.yml and
// services/auth/schemas/v1/scopeset.yml (Taskcluster v106, MPL-2.0;
// titles and descriptions left out).
#pragma once
#include "core/json.h"

namespace tc::emu {

// Parsed once; never freed. Thread-safe.
const JsonValue& IndexInsertTaskRequestSchema();  // /schemas/index/v1/insert-task-request.json
const JsonValue& IndexListTasksAtIndexSchema();   // /schemas/index/v1/list-tasks-at-index.json
const JsonValue& QueueTasksRequestSchema();       // /schemas/queue/v1/tasks-request.json
const JsonValue& AuthScopesetSchema();            // /schemas/auth/v1/scopeset.json

}  // namespace tc::emu

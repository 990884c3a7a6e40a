// createTask's request checks, in the order services/queue/src/api.js makes
// them, on the request body in place (error bodies echo the body as these
// steps leave it, as lib-api's do):
//   1. PrepareCreateTaskBody: ajv useDefaults, then the embedded
//      create-task-request.json schema (InputValidationError with ajv's
//      texts), then taskQueueId <-> provisionerId/workerType (InputError) and
//      projectId "none".
//   2. the caller checks CreateTaskScopes (authorizeTaskCreation).
//   3. PatchAndValidateTaskDef: taskGroupId defaults to the taskId, created
//      within 15 minutes of now, deadline after created, in the future and
//      within maxTaskDeadlineDays (+15 min), expires defaults to deadline + 1
//      year and is not before the deadline, the three times rewritten as
//      Date.toJSON(); then scopes ending in `**` are refused (InputError).
// Only what the schema cannot express is written here; the schema is the
// embedded one (schemas/taskcluster/queue/v1/create-task-request.json).
//
// Errors are TcError(status, code, message) with the real texts; schema
// failures name the schema as "/schemas/queue/v1/create-task-request.json#"
// (the emulator prefixes its root URL). Pure functions; thread-safe.
#pragma once
#include <cstdint>
#include <string>

#include "core/json.h"
#include "emulator/scopes.h"

namespace tc::emu {

inline constexpr const char* kCreateTaskSchema = "taskcluster/queue/v1/create-task-request.json";

void PrepareCreateTaskBody(const std::string& task_id, JsonValue& body, JsonAlloc& a);
// api.js authorizeTaskCreation's expression, for a prepared body.
ScopeExpr CreateTaskScopes(const JsonValue& body);
void PatchAndValidateTaskDef(const std::string& task_id, JsonValue& body, JsonAlloc& a, int64_t now_ms,
                             int max_deadline_days);
// The stored definition of a prepared body, in api.js definition()'s key
// order (taskGroupId and expires defaulted if the body lacks them).
Json StoredDefinition(const std::string& task_id, const JsonValue& body);

}  // namespace tc::emu

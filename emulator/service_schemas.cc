// Service input schemas: see service_schemas.h.
#include "emulator/service_schemas.h"

namespace tc::emu {

const JsonValue& IndexInsertTaskRequestSchema() {
  static const Json k = ParseJson(R"json({
    "$schema": "/schemas/common/metaschema.json#",
    "type": "object",
    "properties": {
      "taskId": {"type": "string",
                 "pattern": "^[A-Za-z0-9_-]{8}[Q-T][A-Za-z0-9_-][CGKOSWaeimquy26-][A-Za-z0-9_-]{10}[AQgw]$"},
      "rank": {"type": "number"},
      "data": {"type": "object"},
      "expires": {"type": "string", "format": "date-time"}
    },
    "additionalProperties": false,
    "required": ["taskId", "rank", "data", "expires"]
  })json", "insert-task-request schema");
  return k;
}

const JsonValue& IndexListTasksAtIndexSchema() {
  static const Json k = ParseJson(R"json({
    "$schema": "/schemas/common/metaschema.json#",
    "type": "object",
    "properties": {"indexes": {"type": "array", "default": [], "uniqueItems": false, "items": {"type": "string"}}},
    "additionalProperties": false,
    "required": []
  })json", "list-tasks-at-index schema");
  return k;
}

const JsonValue& QueueTasksRequestSchema() {
  static const Json k = ParseJson(R"json({
    "$schema": "/schemas/common/metaschema.json#",
    "type": "object",
    "properties": {"taskIds": {"type": "array", "default": [], "uniqueItems": false, "items": {"type": "string"}}},
    "additionalProperties": false,
    "required": []
  })json", "tasks-request schema");
  return k;
}

const JsonValue& AuthScopesetSchema() {
  static const Json k = ParseJson(R"json({
    "$schema": "/schemas/common/metaschema.json#",
    "type": "object",
    "additionalProperties": false,
    "properties": {
      "scopes": {"type": "array", "items": {"type": "string", "pattern": "^[\u0020-\u007e]*$"}, "uniqueItems": true}
    },
    "required": ["scopes"]
  })json", "scopeset schema");
  return k;
}

}  // namespace tc::emu

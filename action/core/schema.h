// JSON Schema validation (valijson over RapidJSON) against the schemas
// embedded from schemas/ at build time.
//
// Schemas are named by their path below schemas/, e.g. "report.json" or
// "taskcluster/queue/v1/create-task-request.json". Taskcluster's $refs
// ("/schemas/queue/v1/task.json#/...", relative "task.json#...") resolve to the
// embedded copies; nothing is fetched from the network.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"

namespace tc {

struct SchemaViolation {
  std::string path;     // e.g. "input.times" (dotted; "[3]" for array items); "" for the root
  std::string message;  // what was expected
};

// Validates doc against the named schema. Returns nullopt when valid, else the
// most specific violation. Throws std::logic_error for an unknown schema name.
std::optional<SchemaViolation> ValidateSchema(const std::string& schema_name, const JsonValue& doc);

// All violations, most specific first (for diagnostics and tests).
std::vector<SchemaViolation> SchemaViolations(const std::string& schema_name, const JsonValue& doc);

// Validates doc against an in-memory schema document (draft 7; $refs resolve
// to the embedded schemas as above). All violations, most specific first;
// empty when valid. Throws std::invalid_argument if schema is not an object
// or boolean.
std::vector<SchemaViolation> ValidateAgainst(const JsonValue& schema, const JsonValue& doc);

// Returns the raw text of an embedded schema, or nullptr.
const std::string* EmbeddedSchemaText(const std::string& name);
std::vector<std::string> EmbeddedSchemaNames();

// "<prefix>.<path>: <message>" as one line (prefix may be empty).
std::string FormatViolation(const std::string& prefix, const SchemaViolation& v);

}  // namespace tc

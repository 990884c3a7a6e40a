// JSON-schema validation reported as ajv reports it (allErrors), for the
// services' input schemas: the embedded Taskcluster schemas
// (schemas/taskcluster/..., through core/schema.h's validator) and in-memory
// schemas (a hook's triggerSchema).
//
// The Taskcluster services validate with ajv v8 (libraries/validate: allErrors,
// useDefaults; services/hooks/src/trigger-schema.js: allErrors). Clients and
// tests read the resulting texts, so the emulator writes them the same way:
// ajv's messages ("must be string", "must have required property 'x'",
// "must NOT have duplicate items (items ## 3 and 1 are identical)", ...), its
// instance paths ("/metadata/name") and its order (per schema node: the
// untyped keywords (enum, anyOf, ...), then the number, string, array (items
// before uniqueItems) and object keywords (required, additionalProperties,
// properties in schema order); see ajv.cc).
//
// Invariants: the validation itself is core's (valijson); this file only
// names what failed as ajv does, and adds what valijson checks differently
// (every additional property, not only the first; ajv's duplicate-item pair;
// "date-time" dates that do not exist). The embedded schemas are the
// generated, key-sorted JSON; for the order of `properties` ajv follows the
// service's YAML, so the schemas whose order shows in texts (createTask's)
// carry it in ajv.cc. Thread-safe (parsed schemas are cached under a mutex).
// Limitation: an object key containing '.' or '[' is not told apart from a
// nested path (core reports paths dotted).
#pragma once
#include <string>
#include <vector>

#include "core/json.h"

namespace tc::emu {

struct AjvError {
  std::string path;     // ajv instancePath: "" for the root, "/metadata/name"
  std::string message;  // ajv's message: "must be string"
  std::string additional_property;  // additionalProperties errors: the property
};

// Validates doc against an embedded schema ("taskcluster/queue/v1/create-task-request.json").
std::vector<AjvError> AjvValidate(const std::string& schema_name, const JsonValue& doc);
// Validates doc against an in-memory schema ($refs resolve to embedded schemas).
std::vector<AjvError> AjvValidate(const JsonValue& schema, const JsonValue& doc);

// ajv.errorsText: "data<path> <message>" joined by separator; with
// lib_validate, additional properties named as libraries/validate does
// (`must NOT have additional properties: "bogus"`).
std::string AjvErrorsText(const std::vector<AjvError>& errors, const std::string& separator, bool lib_validate);

// libraries/validate: TcError 400 InputValidationError "\nSchema Validation
// Failed!\nRejecting Schema: /schemas/<path>#\nErrors:\n  * <errors>" unless
// doc is valid against the embedded schema "taskcluster/<path>" (the emulator
// puts its root URL before "/schemas/" when it replies).
void RequireValid(const std::string& schema_name, const JsonValue& doc);
// The same for an in-memory schema, named "/schemas/<schema_path>#".
void RequireValid(const JsonValue& schema, const std::string& schema_path, const JsonValue& doc);

// ajv useDefaults for the top-level object: each missing property with a
// `default` in the embedded schema is added, in ajv's property order.
void AjvApplyDefaults(const std::string& schema_name, JsonValue& doc, JsonAlloc& a);

}  // namespace tc::emu

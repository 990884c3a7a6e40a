// JSON helpers over RapidJSON.
//
// The whole program passes JSON as rapidjson::Document / Value. These helpers
// parse with one-line errors, serialise, deep-copy, and read typed fields with
// errors that name the field.
#pragma once
#include <rapidjson/document.h>

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tc {

// Deepest nesting any JSON from outside may have (responses, artifacts,
// context, input): every parse refuses more (iteratively, before building a
// value), so the code that walks values recursively is bounded by it.
constexpr int kMaxJsonDepth = 512;
// Largest local input file read (--context, register's files, stdin).
constexpr size_t kMaxInputFileBytes = size_t{64} << 20;

using Json = rapidjson::Document;
using JsonValue = rapidjson::Value;
using JsonAlloc = rapidjson::Document::AllocatorType;

// Parses text; throws BadInput("<what>: invalid JSON at offset N: <reason>").
Json ParseJson(std::string_view text, const std::string& what);
// Parses text; returns nullopt (and the error in *err) instead of throwing.
std::optional<Json> TryParseJson(std::string_view text, std::string* err = nullptr);
// Reads and parses a file (at most kMaxInputFileBytes); throws BadInput naming the file.
Json ParseJsonFile(const std::string& path);
// A whole local input file or stream, refused (BadInput naming `what`) once it
// passes max_bytes: /dev/zero or a runaway pipe costs max_bytes, not all memory.
std::string ReadInputFile(const std::string& path, const std::string& what, size_t max_bytes = kMaxInputFileBytes);
std::string ReadInputStream(std::istream& in, const std::string& what, size_t max_bytes = kMaxInputFileBytes);

std::string ToJson(const JsonValue& v);        // compact
std::string ToPrettyJson(const JsonValue& v);  // 2-space indented

// Deep copies: every string is copied, also "const" ones that RapidJSON's
// copy constructor would share (in-situ parsed documents, StringRefs).
// Iterative: any depth is copied without recursion.
Json CopyJson(const JsonValue& v);
JsonValue CopyValue(const JsonValue& v, JsonAlloc& a);
JsonValue Str(std::string_view s, JsonAlloc& a);

// Typed member access. Missing/wrong type: nullopt (Get*) or BadInput naming
// `field` (Require*).
const JsonValue* Member(const JsonValue& obj, const char* name);
// The whole string (GetString() stops at an embedded NUL; this does not).
std::optional<std::string> GetString(const JsonValue& obj, const char* name);
std::string StringOf(const JsonValue& v);
// The string elements of an array (others skipped); {} for null or a non-array.
std::vector<std::string> StringsOf(const JsonValue* v);
std::optional<bool> GetBool(const JsonValue& obj, const char* name);
std::optional<int64_t> GetInt(const JsonValue& obj, const char* name);
std::string RequireString(const JsonValue& obj, const char* name, const std::string& field);

// s with every invalid UTF-8 sequence and NUL replaced by U+FFFD, so that
// echoing user input into a report or a log keeps them valid text.
std::string SanitizeUtf8(std::string_view s);

// Human-readable JSON type name ("object", "array", "string", "integer",
// "number", "boolean", "null").
const char* JsonTypeName(const JsonValue& v);

// Set obj[name] = value, replacing an existing member.
void SetMember(JsonValue& obj, std::string_view name, JsonValue value, JsonAlloc& a);

}  // namespace tc

#include "actions/context.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/schema.h"
#include "core/slugid.h"

namespace tc {

namespace {

const ActionInfo kActions[] = {
    {"rerun", true, "inputs/rerun.json"},
    {"retrigger", true, "inputs/retrigger.json"},
    {"retrigger-disabled", true, "inputs/retrigger-disabled.json"},
    {"cancel", true, "inputs/cancel.json"},
    {"cancel-all", false, "inputs/cancel-all.json"},
    {"retrigger-multiple", false, "inputs/retrigger-multiple.json"},
    {"retrigger-decision", true, "inputs/retrigger-decision.json"},
    {"rerun-dependents", true, "inputs/rerun-dependents.json"},
    {"rerun-sequence", false, "inputs/rerun-sequence.json"},
};

// Applies the input schema's top-level property defaults.
void ApplyDefaults(Json& input, const std::string& schema_name) {
  const std::string* text = EmbeddedSchemaText(schema_name);
  if (!text) return;
  Json schema = ParseJson(*text, schema_name);
  const JsonValue* props = Member(schema, "properties");
  if (!props || !props->IsObject()) return;
  for (auto& p : props->GetObject()) {
    const JsonValue* def = Member(p.value, "default");
    if (def && !input.HasMember(p.name)) {
      input.AddMember(JsonValue(p.name, input.GetAllocator()), JsonValue(*def, input.GetAllocator()),
                      input.GetAllocator());
    }
  }
}

std::string Require(const EnvLookup& env, const char* name) {
  auto v = env(name);
  if (!v) throw BadInput(std::string(name) + ": not set; the action hook must set it");
  if (v->empty()) throw BadInput(std::string(name) + ": empty; expected a value");
  return *v;
}

void CheckSlugid(const std::string& value, const std::string& field) {
  if (!IsSlugid(value)) {
    std::string shown = SanitizeUtf8(value.size() > 40 ? value.substr(0, 40) + "..." : value);
    throw BadInput(field + ": \"" + shown + "\" is not a valid taskId (expected a 22-character v4 slugid)");
  }
}

}  // namespace

EnvLookup ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

const ActionInfo* FindAction(const std::string& name) {
  for (const auto& a : kActions)
    if (name == a.name) return &a;
  return nullptr;
}

std::string KnownActionNames() {
  std::string out;
  for (const auto& a : kActions) {
    if (!out.empty()) out += ", ";
    out += a.name;
  }
  return out;
}

Context ContextFromJson(const JsonValue& doc, const std::string& action_task_id, const std::string& source) {
  if (!doc.IsObject()) throw BadInput(source + ": expected a JSON object, got " + JsonTypeName(doc));
  // Name the most useful field first: unknown action before schema details.
  if (auto v = ValidateSchema("context.json", doc)) {
    throw BadInput(FormatViolation(source, *v));
  }
  // Whole strings (an embedded NUL must not shorten a value into a valid one).
  for (const char* f : {"action", "taskGroupId", "taskId"}) {
    const JsonValue& v = doc[f];
    if (v.IsString() && StringOf(v).find('\0') != std::string::npos) {
      throw BadInput(source + "." + f + ": contains a NUL character; expected " +
                     (std::string(f) == "action" ? "an action name" : "a taskId"));
    }
  }
  Context c;
  c.action_task_id = action_task_id;
  c.action = StringOf(doc["action"]);
  c.task_group_id = StringOf(doc["taskGroupId"]);
  if (doc["taskId"].IsString()) c.task_id = StringOf(doc["taskId"]);
  CheckSlugid(c.task_group_id, source + ".taskGroupId");
  if (c.task_id) CheckSlugid(*c.task_id, source + ".taskId");
  c.input.CopyFrom(doc["input"], c.input.GetAllocator());

  const ActionInfo* info = FindAction(c.action);
  if (!info) {
    throw BadInput(source + ".action: unknown action \"" + SanitizeUtf8(c.action.substr(0, 100)) +
                   "\"; expected one of " + KnownActionNames());
  }
  if (info->needs_task && !c.task_id) {
    throw BadInput(source + ".taskId: action \"" + c.action + "\" acts on a task; expected a taskId, got null");
  }
  if (auto v = ValidateSchema(info->input_schema, c.input)) {
    throw BadInput(FormatViolation(source + ".input", *v));
  }
  ApplyDefaults(c.input, info->input_schema);
  return c;
}

Context LoadContext(const EnvLookup& env, const std::string& context_file) {
  std::string task_id = Require(env, "TASK_ID");
  CheckSlugid(task_id, "TASK_ID");
  if (!context_file.empty()) {
    std::ifstream in(context_file, std::ios::binary);
    if (!in) throw BadInput("--context: cannot read " + context_file);
    std::ostringstream ss;
    ss << in.rdbuf();
    Json doc = ParseJson(ss.str(), "--context " + context_file);
    return ContextFromJson(doc, task_id, "context");
  }
  // The ACTION_* variables, checked one by one so the error names the variable.
  std::string callback = Require(env, "ACTION_CALLBACK");
  std::string group = Require(env, "ACTION_TASK_GROUP_ID");
  CheckSlugid(group, "ACTION_TASK_GROUP_ID");
  std::string task_json = Require(env, "ACTION_TASK_ID");
  std::string input_json = Require(env, "ACTION_INPUT");

  Json task_doc = ParseJson(task_json, "ACTION_TASK_ID");
  if (!task_doc.IsNull() && !task_doc.IsString()) {
    throw BadInput(std::string("ACTION_TASK_ID: expected a JSON string (a taskId) or null, got ") +
                   JsonTypeName(task_doc));
  }
  if (task_doc.IsString()) CheckSlugid(StringOf(task_doc), "ACTION_TASK_ID");
  Json input_doc = ParseJson(input_json, "ACTION_INPUT");
  if (!input_doc.IsObject()) {
    throw BadInput(std::string("ACTION_INPUT: expected a JSON object, got ") + JsonTypeName(input_doc));
  }
  const ActionInfo* info = FindAction(callback);
  if (!info) {
    throw BadInput("ACTION_CALLBACK: unknown action \"" + SanitizeUtf8(callback.substr(0, 100)) + "\"; expected one of " +
                   KnownActionNames());
  }
  if (info->needs_task && task_doc.IsNull()) {
    throw BadInput("ACTION_TASK_ID: action \"" + callback + "\" acts on a task; expected a taskId, got null");
  }
  Context c;
  c.action_task_id = task_id;
  c.action = callback;
  c.task_group_id = group;
  if (task_doc.IsString()) c.task_id = StringOf(task_doc);
  c.input = std::move(input_doc);
  if (auto v = ValidateSchema(info->input_schema, c.input)) {
    throw BadInput(FormatViolation("ACTION_INPUT", *v));
  }
  ApplyDefaults(c.input, info->input_schema);
  return c;
}

}  // namespace tc

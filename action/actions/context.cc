#include "actions/context.h"

#include "actions/registry.h"
#include "core/error.h"
#include "core/schema.h"
#include "core/slugid.h"

namespace tc {

namespace {

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

// The action's input schema declares no property: the action takes no input
// (taskgraph registers those actions without a schema, and their hooks pass
// ACTION_INPUT null).
bool TakesNoInput(const std::string& schema_name) {
  const std::string* text = EmbeddedSchemaText(schema_name);
  if (!text) return false;
  Json schema = ParseJson(*text, schema_name);
  const JsonValue* props = Member(schema, "properties");
  return !props || (props->IsObject() && props->MemberCount() == 0);
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

const ActionSpec& RequireAction(const std::string& name, const std::string& field) {
  const ActionSpec* spec = FindAction(name);
  if (!spec) {
    throw BadInput(field + ": unknown action \"" + SanitizeUtf8(name.substr(0, 100)) + "\"; expected one of " +
                   KnownActionNames());
  }
  return *spec;
}

// The checks every source shares once the fields are read: the action acts on
// a task when it is a task action; the input validates; defaults applied.
void Finish(Context& c, const ActionSpec& spec, const std::string& task_field, const std::string& input_field) {
  if (spec.kind == ActionKind::kTask && !c.task_id) {
    throw BadInput(task_field + ": action \"" + c.action + "\" acts on a task; expected a taskId, got null");
  }
  if (auto v = ValidateSchema(spec.input_schema, c.input)) throw BadInput(FormatViolation(input_field, *v));
  ApplyDefaults(c.input, spec.input_schema);
}

}  // namespace

void AddEnvironment(Context& ctx, const EnvLookup& env) {
  ctx.root_url = env("TASKCLUSTER_ROOT_URL").value_or("");
  ctx.proxy_url = env("TASKCLUSTER_PROXY_URL").value_or("");
  ctx.trust_domain = env("TC_ACTION_TRUST_DOMAIN").value_or("");
}

bool Context::Flag(const char* name) const { return GetBool(input, name).value_or(false); }

std::string ActionTaskIdFromEnv(const EnvLookup& env) {
  std::string task_id = Require(env, "TASK_ID");
  CheckSlugid(task_id, "TASK_ID");
  return task_id;
}

Context ContextFromJson(const JsonValue& doc, const std::string& action_task_id, const std::string& source) {
  if (!doc.IsObject()) throw BadInput(source + ": expected a JSON object, got " + JsonTypeName(doc));
  if (auto v = ValidateSchema("context.json", doc)) throw BadInput(FormatViolation(source, *v));
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
  const ActionSpec& spec = RequireAction(c.action, source + ".action");
  Finish(c, spec, source + ".taskId", source + ".input");
  return c;
}

Context ContextFromEnv(const EnvLookup& env) {
  // Checked one by one so the error names the variable.
  Context c;
  c.action_task_id = ActionTaskIdFromEnv(env);
  c.action = Require(env, "ACTION_CALLBACK");
  c.task_group_id = Require(env, "ACTION_TASK_GROUP_ID");
  CheckSlugid(c.task_group_id, "ACTION_TASK_GROUP_ID");
  std::string task_json = Require(env, "ACTION_TASK_ID");
  std::string input_json = Require(env, "ACTION_INPUT");

  Json task_doc = ParseJson(task_json, "ACTION_TASK_ID");
  if (!task_doc.IsNull() && !task_doc.IsString()) {
    throw BadInput(std::string("ACTION_TASK_ID: expected a JSON string (a taskId) or null, got ") +
                   JsonTypeName(task_doc));
  }
  if (task_doc.IsString()) {
    c.task_id = StringOf(task_doc);
    CheckSlugid(*c.task_id, "ACTION_TASK_ID");
  }
  c.input = ParseJson(input_json, "ACTION_INPUT");
  if (c.input.IsNull()) {  // null: no input, for an action that takes none
    const ActionSpec* spec = FindAction(c.action);
    if (spec && TakesNoInput(spec->input_schema)) c.input.SetObject();
  }
  if (!c.input.IsObject()) {
    throw BadInput(std::string("ACTION_INPUT: expected a JSON object, got ") + JsonTypeName(c.input));
  }
  const ActionSpec& spec = RequireAction(c.action, "ACTION_CALLBACK");
  Finish(c, spec, "ACTION_TASK_ID", "ACTION_INPUT");
  AddEnvironment(c, env);
  return c;
}

}  // namespace tc

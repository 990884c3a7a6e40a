#include "registration/trigger.h"

#include <algorithm>
#include <iomanip>
#include <set>
#include <sstream>

#include "actions/registry.h"
#include "core/error.h"
#include "registration/register.h"
#include "jsone/jsone.h"
#include "core/schema.h"
#include "core/slugid.h"

namespace tc {

namespace {

// Taskcluster's 4xx answers to trigger and actions are the caller's bad input:
// no such decision task, task or artifact; the hook refused the payload or
// the caller's scopes.
template <class F>
auto AsInput(F&& call) -> decltype(call()) {
  try {
    return call();
  } catch (const TcError& e) {
    if (e.status() >= 400 && e.status() < 500) throw BadInput(e.what());
    throw;
  }
}

std::string ActionName(const JsonValue& a) { return GetString(a, "name").value_or(""); }

void CheckTaskId(const std::string& id, const std::string& what) {
  if (!IsSlugid(id)) throw BadInput(what + ": \"" + id + "\" is not a valid taskId");
}

}  // namespace

bool ActionApplies(const JsonValue& action, const JsonValue* task_tags) {
  const JsonValue* ctx = Member(action, "context");
  static const Json kEmpty(rapidjson::kArrayType);
  if (!ctx || !ctx->IsArray()) ctx = &kEmpty;  // schema default: []
  if (ctx->Empty()) return task_tags == nullptr;
  if (!task_tags) return false;
  for (auto& tag_set : ctx->GetArray()) {
    if (!tag_set.IsObject()) continue;
    bool all = true;
    for (auto& m : tag_set.GetObject()) {
      const JsonValue* have = task_tags->IsObject() ? Member(*task_tags, m.name.GetString()) : nullptr;
      if (!have || !have->IsString() || !m.value.IsString() ||
          std::string(have->GetString(), have->GetStringLength()) !=
              std::string(m.value.GetString(), m.value.GetStringLength())) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}

Json RelevantActions(const JsonValue& actions_json, const JsonValue* task_tags) {
  Json out(rapidjson::kArrayType);
  std::set<std::string> seen;
  for (auto& a : actions_json["actions"].GetArray()) {
    std::string name = ActionName(a);
    if (seen.count(name)) continue;
    if (ActionApplies(a, task_tags)) {
      seen.insert(name);
      out.PushBack(CopyValue(a, out.GetAllocator()), out.GetAllocator());
    }
  }
  return out;
}

Json PickAction(const JsonValue& actions_json, const std::string& name, const JsonValue* task_tags,
                bool have_task) {
  std::vector<std::string> names;
  bool known = false, group_only = true, task_only = true;
  for (auto& a : actions_json["actions"].GetArray()) {
    std::string n = ActionName(a);
    if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
    if (n != name) continue;
    known = true;
    const JsonValue* ctx = Member(a, "context");
    bool group = !ctx || !ctx->IsArray() || ctx->Empty();
    (group ? task_only : group_only) = false;
  }
  if (!known) {
    std::string list;
    for (auto& n : names) list += (list.empty() ? "" : ", ") + n;
    throw BadInput("unknown action \"" + name + "\"; the decision task's actions.json offers: " + list);
  }
  Json relevant = RelevantActions(actions_json, task_tags);
  for (auto& a : relevant.GetArray())
    if (ActionName(a) == name) return CopyJson(a);
  if (group_only && have_task)
    throw Refused("action \"" + name + "\" acts on the whole task group; run it without --task");
  if (task_only && !have_task) throw Refused("action \"" + name + "\" acts on a task; pass --task TASKID");
  throw Refused("no action \"" + name + "\" for this task: its tags match none of the action's contexts");
}

void PrepareInput(const JsonValue& action, Json& input) {
  const JsonValue* schema = Member(action, "schema");
  if (!schema || schema->IsNull()) {
    if (!input.IsObject()) throw BadInput(std::string("input: expected a JSON object, got ") + JsonTypeName(input));
    return;
  }
  if (input.IsObject() && schema->IsObject()) {
    if (const JsonValue* props = Member(*schema, "properties"); props && props->IsObject()) {
      for (auto& p : props->GetObject()) {
        const JsonValue* def = p.value.IsObject() ? Member(p.value, "default") : nullptr;
        if (def && !input.HasMember(p.name))
          input.AddMember(CopyValue(p.name, input.GetAllocator()), CopyValue(*def, input.GetAllocator()),
                          input.GetAllocator());
      }
    }
  }
  std::vector<SchemaViolation> v;
  try {
    v = ValidateAgainst(*schema, input);
  } catch (const std::exception& e) {
    throw BadInput(std::string("actions.json: the action's schema is unusable: ") + e.what());
  }
  if (!v.empty()) throw BadInput(FormatViolation("input", v.front()));
}

Json RenderHookPayload(const JsonValue& actions_json, const JsonValue& action, const std::string& task_group_id,
                       const std::optional<std::string>& task_id, const JsonValue& input) {
  Json ctx(rapidjson::kObjectType);
  auto& a = ctx.GetAllocator();
  if (const JsonValue* vars = Member(actions_json, "variables"); vars && vars->IsObject())
    for (auto& m : vars->GetObject()) SetMember(ctx, m.name.GetString(), CopyValue(m.value, a), a);
  SetMember(ctx, "taskGroupId", Str(task_group_id, a), a);
  SetMember(ctx, "taskId", task_id ? Str(*task_id, a) : JsonValue(), a);
  SetMember(ctx, "input", CopyValue(input, a), a);
  const JsonValue* tmpl = Member(action, "hookPayload");
  if (!tmpl) throw BadInput("actions.json: action \"" + ActionName(action) + "\" has no hookPayload");
  try {
    return JsoneRender(*tmpl, ctx);
  } catch (const JsoneError& e) {
    throw BadInput("actions.json: hookPayload of \"" + ActionName(action) + "\": " + OneLine(e.message));
  }
}

Json FetchActionsJson(Queue& queue, const std::string& decision_task_id) {
  std::string text = queue.GetLatestArtifact(decision_task_id, "public/actions.json");
  Json doc = ParseJson(text, "public/actions.json of " + decision_task_id);
  if (auto v = ValidateSchema("action-schema-v1.json", doc)) throw BadInput(FormatViolation("actions.json", *v));
  if (!doc.HasMember("version") || !doc["version"].IsInt() || doc["version"].GetInt() != 1)
    throw BadInput("actions.json: version must be 1");
  return doc;
}

namespace {

// Shared front part: ids checked, actions.json and the task's tags fetched.
struct Loaded {
  Json actions;
  Json task;  // null when no task
};

Loaded Load(Queue& queue, const std::string& decision, const std::optional<std::string>& task_id) {
  CheckTaskId(decision, "--decision-task");
  if (task_id) CheckTaskId(*task_id, "--task");
  Loaded l;
  l.actions = AsInput([&] { return FetchActionsJson(queue, decision); });
  if (task_id) l.task = AsInput([&] { return queue.Task(*task_id); });
  return l;
}

const JsonValue* TagsOf(const Loaded& l) {
  if (l.task.IsNull()) return nullptr;
  static const Json kNoTags(rapidjson::kObjectType);
  const JsonValue* tags = Member(l.task, "tags");
  return tags && tags->IsObject() ? tags : &kNoTags;
}

}  // namespace

int TriggerCommand(const TriggerOptions& opts, Queue& queue, Hooks& hooks, std::ostream& out, std::ostream& err) {
  Json input;
  if (opts.input_json.empty()) input.SetObject();
  else input = ParseJson(opts.input_json, "--input");
  if (!input.IsObject()) throw BadInput(std::string("--input: expected a JSON object, got ") + JsonTypeName(input));
  Loaded l = Load(queue, opts.decision_task_id, opts.task_id);
  Json action = PickAction(l.actions, opts.action, TagsOf(l), opts.task_id.has_value());
  PrepareInput(action, input);
  // The decision task's own group: the action task joins it.
  std::string group = opts.decision_task_id;
  if (const JsonValue* hp = Member(action, "hookPayload"))
    if (const JsonValue* d = Member(*hp, "decision"))
      if (const JsonValue* act = Member(*d, "action"))
        if (auto g = GetString(*act, "taskGroupId"); g && IsSlugid(*g)) group = *g;
  Json payload = RenderHookPayload(l.actions, action, group, opts.task_id, input);
  std::string kind = GetString(action, "kind").value_or("");
  if (kind != "hook") throw BadInput("actions.json: action kind \"" + kind + "\" is not supported (only hook)");
  std::string hg = RequireString(action, "hookGroupId", "actions.json hookGroupId");
  std::string hid = RequireString(action, "hookId", "actions.json hookId");
  if (opts.dry_run) {
    out << "would trigger hook " << hg << "/" << hid << " with:\n" << ToPrettyJson(payload) << "\n";
    return 0;
  }
  Json resp = AsInput([&] { return hooks.TriggerHook(hg, hid, payload); });
  std::string new_id = GetString(resp, "taskId").value_or("");
  if (new_id.empty())
    if (const JsonValue* st = Member(resp, "status")) new_id = GetString(*st, "taskId").value_or("");
  if (new_id.empty()) {
    err << "tc-action trigger: hook " << hg << "/" << hid << " created no task\n";
    return 0;
  }
  out << new_id << "\n";
  return 0;
}

namespace {

// Columns padded to their widest cell, two spaces apart.
void PrintTable(const std::vector<std::vector<std::string>>& rows, std::ostream& out) {
  std::vector<size_t> w(rows[0].size(), 0);
  for (auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], r[i].size());
  for (auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(w[i] - r[i].size() + 2, ' ');
    }
    out << line << "\n";
  }
}

// The menu row of one applicable actions.json entry; pos = its position in
// actions.json (the decision task sorted them by `order`).
std::vector<std::string> MenuRow(const JsonValue& a, size_t pos) {
  const JsonValue* ctx = Member(a, "context");
  const bool group = !ctx || !ctx->IsArray() || ctx->Empty();
  std::string cb;
  if (const JsonValue* hp = Member(a, "hookPayload"))
    if (const JsonValue* d = Member(*hp, "decision"))
      if (const JsonValue* act = Member(*d, "action")) cb = GetString(*act, "cb_name").value_or("");
  const std::string name = ActionName(a) + (cb.empty() || cb == ActionName(a) ? "" : " (" + cb + ")");
  return {std::to_string(pos), GetString(a, "title").value_or(""), name, group ? "group" : "task",
          ctx ? ToJson(*ctx) : "[]", GetString(a, "hookGroupId").value_or("") + "/" + GetString(a, "hookId").value_or("")};
}

}  // namespace

int ActionsCommand(const std::string& decision_task_id, const std::optional<std::string>& task_id, bool json,
                   Queue& queue, std::ostream& out, std::ostream& err) {
  Loaded l = Load(queue, decision_task_id, task_id);
  Json rel = RelevantActions(l.actions, TagsOf(l));
  if (json) {
    out << ToPrettyJson(rel) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {{"#", "TITLE", "NAME", "KIND", "CONTEXT", "HOOK"}};
  const auto& all = l.actions["actions"];
  for (const auto& a : rel.GetArray()) {
    size_t pos = 0;
    while (pos < all.Size() && !(all[static_cast<rapidjson::SizeType>(pos)] == a)) ++pos;
    rows.push_back(MenuRow(a, pos));
  }
  PrintTable(rows, out);
  if (rel.Empty()) err << "tc-action actions: no action applies" << (task_id ? " to this task" : "") << "\n";
  return 0;
}

int RegistryCommand(bool json, std::ostream& out) {
  if (json) {
    out << ToPrettyJson(RegistryDeclarations()) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {{"ORDER", "NAME", "CALLBACK", "KIND", "PERMISSION", "CONTEXT", "TITLE"}};
  for (const ActionSpec* a : Registry()) {
    rows.push_back({std::to_string(a->order), a->name, a->cb_name, a->kind == ActionKind::kTask ? "task" : "group",
                    a->permission, a->context, a->title});
  }
  PrintTable(rows, out);
  return 0;
}

}  // namespace tc

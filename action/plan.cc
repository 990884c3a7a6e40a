#include "plan.h"

namespace tc {

const char* OpKindName(OpKind k) {
  switch (k) {
    case OpKind::kCreate: return "create";
    case OpKind::kRerun: return "rerun";
    case OpKind::kCancel: return "cancel";
  }
  return "?";
}

const char* OpStatusName(OpStatus s) {
  switch (s) {
    case OpStatus::kPlanned: return "planned";
    case OpStatus::kDone: return "done";
    case OpStatus::kSkipped: return "skipped";
    case OpStatus::kFailed: return "failed";
  }
  return "?";
}

void RecordCreated(Plan& plan, const std::string& task_id, const std::string& label, const JsonValue* entry,
                   const JsonValue& definition, const JsonValue* deps, bool to_run) {
  if (plan.task_graph.IsNull()) {
    plan.task_graph.SetObject();
    plan.label_to_taskid.SetObject();
    plan.to_run.SetArray();
  }
  auto& ga = plan.task_graph.GetAllocator();
  JsonValue e(rapidjson::kObjectType);
  if (entry && entry->IsObject()) {
    for (const auto& m : entry->GetObject()) {
      std::string_view name(m.name.GetString(), m.name.GetStringLength());
      if (name == "task" || name == "dependencies" || name == "task_id") continue;
      e.AddMember(JsonValue(m.name, ga), JsonValue(m.value, ga), ga);
    }
  }
  SetMember(e, "label", Str(label, ga), ga);
  if (!e.HasMember("kind")) {
    const JsonValue* tags = Member(definition, "tags");
    SetMember(e, "kind", Str(tags ? GetString(*tags, "kind").value_or("") : "", ga), ga);
  }
  if (!e.HasMember("attributes")) SetMember(e, "attributes", JsonValue(rapidjson::kObjectType), ga);
  SetMember(e, "dependencies", deps ? JsonValue(*deps, ga) : JsonValue(rapidjson::kObjectType), ga);
  SetMember(e, "task", JsonValue(definition, ga), ga);
  SetMember(e, "task_id", Str(task_id, ga), ga);
  SetMember(plan.task_graph, task_id, std::move(e), ga);

  auto& la = plan.label_to_taskid.GetAllocator();
  SetMember(plan.label_to_taskid, label, Str(task_id, la), la);
  if (to_run) {
    auto& ra = plan.to_run.GetAllocator();
    if (plan.to_run_seen.insert(label).second) plan.to_run.PushBack(Str(label, ra), ra);
  }
}

}  // namespace tc

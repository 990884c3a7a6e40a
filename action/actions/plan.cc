#include "actions/plan.h"

#include <fmt/format.h>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string_view>
#include <unordered_map>

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

Operation NewOp(OpKind kind, std::string task_id, std::string label) {
  Operation op;
  op.kind = kind;
  op.task_id = std::move(task_id);
  op.label = std::move(label);
  return op;
}

void WarnList(Plan& plan, std::string lead, std::vector<std::string> items, std::string tail) {
  std::string text = lead;
  for (size_t i = 0; i < items.size(); ++i) text += (i ? ", " : "") + items[i];
  plan.warnings.push_back(text + tail);
  plan.listed_warnings.push_back({plan.warnings.size() - 1, std::move(lead), std::move(items), std::move(tail)});
}

std::string ShortWarning(const ListedWarning& w, size_t few) {
  std::string list;
  const size_t shown = w.items.size() > few ? few : w.items.size();
  for (size_t i = 0; i < shown; ++i) list += (i ? ", " : "") + w.items[i];
  if (shown < w.items.size())
    list = fmt::format("{} tasks: {} and {} more", w.items.size(), list, w.items.size() - shown);
  return w.lead + list + w.tail;
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
      e.AddMember(CopyValue(m.name, ga), CopyValue(m.value, ga), ga);  // deep: entries may be in situ
    }
  }
  SetMember(e, "label", Str(label, ga), ga);
  if (!e.HasMember("kind")) {
    const JsonValue* tags = Member(definition, "tags");
    SetMember(e, "kind", Str(tags ? GetString(*tags, "kind").value_or("") : "", ga), ga);
  }
  if (!e.HasMember("attributes")) SetMember(e, "attributes", JsonValue(rapidjson::kObjectType), ga);
  SetMember(e, "dependencies", deps ? JsonValue(*deps, ga) : JsonValue(rapidjson::kObjectType), ga);
  SetMember(e, "task_id", Str(task_id, ga), ga);
  SetMember(plan.task_graph, task_id, std::move(e), ga);

  auto& la = plan.label_to_taskid.GetAllocator();
  SetMember(plan.label_to_taskid, label, Str(task_id, la), la);
  if (to_run) {
    auto& ra = plan.to_run.GetAllocator();
    if (plan.to_run_seen.insert(label).second) plan.to_run.PushBack(Str(label, ra), ra);
  }
}

std::string TaskGraphArtifactText(const Plan& plan) {
  if (plan.task_graph.IsNull()) return "";
  // Streamed: the definitions are written from the ops, never copied.
  std::unordered_map<std::string_view, const Operation*> creates;
  for (const auto& op : plan.ops)
    if (op.kind == OpKind::kCreate) creates[op.task_id] = &op;
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  for (const auto& m : plan.task_graph.GetObject()) {
    w.Key(m.name.GetString(), m.name.GetStringLength());
    w.StartObject();
    for (const auto& f : m.value.GetObject()) {
      w.Key(f.name.GetString(), f.name.GetStringLength());
      f.value.Accept(w);
    }
    auto it = creates.find(std::string_view(m.name.GetString(), m.name.GetStringLength()));
    if (it != creates.end()) {
      w.Key("task");
      it->second->definition.Accept(w);
    }
    w.EndObject();
  }
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

}  // namespace tc

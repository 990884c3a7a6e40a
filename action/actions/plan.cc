#include "actions/plan.h"

#include "core/slugid.h"
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

std::string CopyTaskId(const std::string& action_task_id, const std::string& label, const std::string& copy) {
  return DerivedSlugid(action_task_id, label + "\n" + copy);
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
  CreatedTask c;
  c.task_id = task_id;
  c.label = label;
  c.entry.SetObject();
  auto& a = c.entry.GetAllocator();
  if (entry && entry->IsObject()) {
    for (const auto& m : entry->GetObject()) {
      std::string_view name(m.name.GetString(), m.name.GetStringLength());
      if (name == "task" || name == "dependencies" || name == "task_id") continue;
      c.entry.AddMember(CopyValue(m.name, a), CopyValue(m.value, a), a);  // deep: entries may be in situ
    }
  }
  SetMember(c.entry, "label", Str(label, a), a);
  if (!c.entry.HasMember("kind")) {
    const JsonValue* tags = Member(definition, "tags");
    c.entry.AddMember("kind", Str(tags ? GetString(*tags, "kind").value_or("") : "", a), a);
  }
  if (!c.entry.HasMember("attributes")) c.entry.AddMember("attributes", JsonValue(rapidjson::kObjectType), a);
  c.entry.AddMember("dependencies", deps ? JsonValue(*deps, a) : JsonValue(rapidjson::kObjectType), a);
  c.entry.AddMember("task_id", Str(task_id, a), a);
  plan.created.push_back(std::move(c));
  RecordLabel(plan, label, task_id);
  if (to_run && plan.to_run_seen.insert(label).second) plan.to_run.push_back(label);
}

void RecordLabel(Plan& plan, const std::string& label, const std::string& task_id) {
  plan.label_to_taskid.emplace_back(label, task_id);
}

std::string TaskGraphArtifactText(const Plan& plan) {
  // Streamed: the definitions are written from the ops, never copied.
  std::unordered_map<std::string_view, const Operation*> creates;
  for (const auto& op : plan.ops)
    if (op.kind == OpKind::kCreate) creates[op.task_id] = &op;
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  for (const auto& c : plan.created) {
    w.Key(c.task_id.data(), static_cast<rapidjson::SizeType>(c.task_id.size()));
    w.StartObject();
    for (const auto& f : c.entry.GetObject()) {
      w.Key(f.name.GetString(), f.name.GetStringLength());
      f.value.Accept(w);
    }
    auto it = creates.find(c.task_id);
    if (it != creates.end()) {
      w.Key("task");
      it->second->definition.Accept(w);
    }
    w.EndObject();
  }
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

Json LabelToTaskIdArtifact(const Plan& plan) {
  std::unordered_map<std::string_view, size_t> last;  // label -> index of its last pair
  for (size_t i = 0; i < plan.label_to_taskid.size(); ++i) last[plan.label_to_taskid[i].first] = i;
  Json doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  for (size_t i = 0; i < plan.label_to_taskid.size(); ++i) {
    const auto& [label, id] = plan.label_to_taskid[i];
    if (last[label] == i) doc.AddMember(Str(label, a), Str(id, a), a);
  }
  return doc;
}

Json ToRunArtifact(const Plan& plan) {
  Json doc(rapidjson::kArrayType);
  for (const auto& l : plan.to_run) doc.PushBack(Str(l, doc.GetAllocator()), doc.GetAllocator());
  return doc;
}

}  // namespace tc

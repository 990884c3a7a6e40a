#include "actions/plan.h"

#include "core/slugid.h"
#include <fmt/format.h>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
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
  Json e(rapidjson::kObjectType);
  auto& a = e.GetAllocator();
  if (entry && entry->IsObject()) {
    for (const auto& m : entry->GetObject()) {
      std::string_view name(m.name.GetString(), m.name.GetStringLength());
      if (name == "task" || name == "dependencies" || name == "task_id") continue;
      e.AddMember(CopyValue(m.name, a), CopyValue(m.value, a), a);  // deep: entries may be in situ
    }
  }
  SetMember(e, "label", Str(label, a), a);
  if (!e.HasMember("kind")) {
    const JsonValue* tags = Member(definition, "tags");
    e.AddMember("kind", Str(tags ? GetString(*tags, "kind").value_or("") : "", a), a);
  }
  if (!e.HasMember("attributes")) e.AddMember("attributes", JsonValue(rapidjson::kObjectType), a);
  e.AddMember("dependencies", deps ? JsonValue(*deps, a) : JsonValue(rapidjson::kObjectType), a);
  e.AddMember("task_id", Str(task_id, a), a);
  c.entry_json = ToJson(e);
  plan.created.push_back(std::move(c));
  RecordLabel(plan, label, task_id);
  if (to_run && plan.to_run_seen.insert(label).second) plan.to_run.push_back(label);
}

void RecordLabel(Plan& plan, const std::string& label, const std::string& task_id) {
  plan.label_to_taskid.emplace_back(label, task_id);
}

std::string TaskGraphArtifactText(const Plan& plan) {
  // Streamed: each entry's text, then the definition written from its op.
  std::unordered_map<std::string_view, const Operation*> creates;
  for (const auto& op : plan.ops)
    if (op.kind == OpKind::kCreate) creates[op.task_id] = &op;
  rapidjson::StringBuffer sb;
  auto put = [&sb](std::string_view s) {
    char* p = sb.Push(s.size());
    std::copy(s.begin(), s.end(), p);
  };
  put("{");
  for (size_t i = 0; i < plan.created.size(); ++i) {
    const CreatedTask& c = plan.created[i];
    if (i) put(",");
    rapidjson::Writer<rapidjson::StringBuffer> key(sb);
    key.String(c.task_id.data(), static_cast<rapidjson::SizeType>(c.task_id.size()));
    put(":");
    auto it = creates.find(c.task_id);
    if (it == creates.end()) {
      put(c.entry_json);
      continue;
    }
    put(std::string_view(c.entry_json).substr(0, c.entry_json.size() - 1));  // the entry, open
    put(",\"task\":");
    rapidjson::Writer<rapidjson::StringBuffer> def(sb);
    it->second->definition.Accept(def);
    put("}");
  }
  put("}");
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

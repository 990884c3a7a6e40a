#include "actions/cot.h"

#include <algorithm>

#include "core/task.h"

namespace tc {

namespace {

enum class Field { kKind, kLabel, kWorker, kScope, kTag };

struct CotRule {
  Field field;
  const char* needle;  // substring (kScope: prefix; kTag: tag name whose value is "true")
};

// The one place that says which tasks take part in Chain of Trust as
// release-relevant scriptworker tasks. Kinds and labels as taskgraph
// (gecko, comm, mobile) names them; worker pools as Firefox CI names them.
const CotRule kCotRules[] = {
    {Field::kKind, "signing"},       {Field::kKind, "beetmover"},    {Field::kKind, "balrog"},
    {Field::kKind, "pushapk"},       {Field::kKind, "push-apk"},     {Field::kKind, "notarization"},
    {Field::kKind, "shipit"},        {Field::kKind, "bouncer"},      {Field::kKind, "mark-as-shipped"},
    {Field::kKind, "version-bump"},  {Field::kKind, "push-msix"},    {Field::kKind, "push-flatpak"},
    {Field::kKind, "release-"},      {Field::kKind, "tree"},         {Field::kKind, "addons"},
    {Field::kLabel, "signing"},      {Field::kLabel, "beetmover"},   {Field::kLabel, "balrog"},
    {Field::kLabel, "notarization"}, {Field::kLabel, "shipit"},      {Field::kLabel, "push-apk"},
    {Field::kWorker, "scriptworker"}, {Field::kWorker, "signing"},   {Field::kWorker, "beetmover"},
    {Field::kWorker, "balrog"},      {Field::kWorker, "pushapk"},    {Field::kWorker, "shipit"},
    {Field::kWorker, "bouncer"},     {Field::kWorker, "tree"},       {Field::kWorker, "notarization"},
    {Field::kScope, "project:releng:"},  {Field::kScope, "project:comm:thunderbird:releng:"},
    {Field::kScope, "project:mobile:"},  {Field::kScope, "project:xpi:releng:"},
    {Field::kTag, "cot"},            {Field::kTag, "release"},
};

}  // namespace

std::string CotReason(const JsonValue& def) {
  const JsonValue* tags = Member(def, "tags");
  const std::string kind = tags ? GetString(*tags, "kind").value_or("") : "";
  const std::string label = TaskView(&def, nullptr).label();
  std::string worker = GetString(def, "taskQueueId").value_or("");
  if (worker.empty()) worker = GetString(def, "provisionerId").value_or("") + "/" + GetString(def, "workerType").value_or("");
  std::vector<std::string> scopes;
  if (const JsonValue* s = Member(def, "scopes"); s && s->IsArray())
    for (const auto& v : s->GetArray())
      if (v.IsString()) scopes.push_back(v.GetString());
  for (const auto& r : kCotRules) {
    const std::string needle = r.needle;
    switch (r.field) {
      case Field::kKind:
        if (kind.find(needle) != std::string::npos) return "kind " + kind + " matches '" + needle + "'";
        break;
      case Field::kLabel:
        if (label.find(needle) != std::string::npos) return "label " + label + " matches '" + needle + "'";
        break;
      case Field::kWorker:
        if (worker.find(needle) != std::string::npos) return "worker pool " + worker + " matches '" + needle + "'";
        break;
      case Field::kScope:
        for (const auto& s : scopes)
          if (s.rfind(needle, 0) == 0) return "scope " + s;
        break;
      case Field::kTag:
        if (tags && GetString(*tags, r.needle) == std::string("true")) return std::string("tag ") + r.needle + ": true";
        break;
    }
  }
  return "";
}

bool MentionsTaskId(const JsonValue& v, const std::string& id) {
  if (v.IsString()) return std::string_view(v.GetString(), v.GetStringLength()).find(id) != std::string_view::npos;
  if (v.IsArray()) {
    for (const auto& e : v.GetArray())
      if (MentionsTaskId(e, id)) return true;
  } else if (v.IsObject()) {
    for (const auto& m : v.GetObject())
      if (MentionsTaskId(m.value, id)) return true;
  }
  return false;
}

std::vector<Consumer> ConsumersOf(const std::string& task_id, const std::vector<Json>& dependents) {
  std::vector<Consumer> out;
  for (const auto& d : dependents) {
    const JsonValue* task = Member(d, "task");
    const JsonValue* status = Member(d, "status");
    if (!task || !status) continue;
    const JsonValue* payload = Member(*task, "payload");
    if (!payload || !MentionsTaskId(*payload, task_id)) continue;
    Consumer c;
    c.task_id = GetString(*status, "taskId").value_or("?");
    c.label = TaskView(task, status).label();
    c.state = GetString(*status, "state").value_or("unknown");
    c.cot_reason = CotReason(*task);
    c.cot_relevant = !c.cot_reason.empty();
    c.ran = TaskView(task, status).Ran();
    out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end(), [](const Consumer& a, const Consumer& b) { return a.task_id < b.task_id; });
  return out;
}

std::vector<std::string> ConsumerNames(const std::vector<Consumer>& cs) {
  std::vector<std::string> out;
  for (const auto& c : cs) out.push_back(DescribeTask(c.task_id, c.label));
  return out;
}

std::string DescribeConsumers(const std::vector<Consumer>& cs) {
  std::string out;
  for (const auto& c : cs) out += (out.empty() ? "" : ", ") + DescribeTask(c.task_id, c.label);
  return out;
}

}  // namespace tc

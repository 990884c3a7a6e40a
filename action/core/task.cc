#include "core/task.h"

#include "core/timestamp.h"

namespace tc {

namespace {

struct StateName {
  TaskState state;
  const char* name;
};
constexpr StateName kStates[] = {
    {TaskState::kUnscheduled, "unscheduled"}, {TaskState::kPending, "pending"},   {TaskState::kRunning, "running"},
    {TaskState::kCompleted, "completed"},     {TaskState::kFailed, "failed"},     {TaskState::kException, "exception"},
    {TaskState::kMissing, "missing"},         {TaskState::kUnknown, "unknown"},
};

std::optional<int64_t> TimeMember(const JsonValue* obj, const char* name) {
  if (!obj) return std::nullopt;
  auto s = GetString(*obj, name);
  auto t = s ? ParseTimestamp(*s) : std::nullopt;
  if (!t) return std::nullopt;
  return t->ms;
}

}  // namespace

TaskState ParseTaskState(std::string_view s) {
  for (const auto& st : kStates)
    if (s == st.name) return st.state;
  return TaskState::kUnknown;
}

const char* TaskStateName(TaskState s) {
  for (const auto& st : kStates)
    if (s == st.state) return st.name;
  return "unknown";
}

bool IsResolved(TaskState s) {
  return s == TaskState::kCompleted || s == TaskState::kFailed || s == TaskState::kException;
}
bool IsFailed(TaskState s) { return s == TaskState::kFailed || s == TaskState::kException; }
bool IsLive(TaskState s) {
  return s == TaskState::kUnscheduled || s == TaskState::kPending || s == TaskState::kRunning;
}

std::string TaskView::label() const {
  if (!def_) return "";
  if (const JsonValue* tags = Member(*def_, "tags"))
    if (auto l = GetString(*tags, "label")) return *l;
  if (const JsonValue* md = Member(*def_, "metadata"))
    if (auto n = GetString(*md, "name")) return *n;
  return "";
}

std::string TaskView::kind() const {
  const JsonValue* tags = def_ ? Member(*def_, "tags") : nullptr;
  return tags ? GetString(*tags, "kind").value_or("") : "";
}

bool TaskView::retriggerable() const {
  const JsonValue* tags = def_ ? Member(*def_, "tags") : nullptr;
  return tags && GetString(*tags, "retrigger") == std::string("true");
}

std::string TaskView::task_group_id() const { return def_ ? GetString(*def_, "taskGroupId").value_or("") : ""; }

std::vector<std::string> TaskView::dependencies() const {
  return def_ ? StringsOf(Member(*def_, "dependencies")) : std::vector<std::string>{};
}

TaskState TaskView::state() const {
  if (!status_ || !status_->IsObject()) return TaskState::kUnknown;
  return ParseTaskState(GetString(*status_, "state").value_or(""));
}

std::string TaskView::deadline() const { return status_ ? GetString(*status_, "deadline").value_or("") : ""; }
std::optional<int64_t> TaskView::deadline_ms() const { return TimeMember(status_, "deadline"); }

bool TaskView::PastDeadline(int64_t now_ms) const {
  auto d = deadline_ms();
  return d && *d <= now_ms;
}

int TaskView::FailedRuns() const {
  const JsonValue* runs = status_ ? Member(*status_, "runs") : nullptr;
  int n = 0;
  if (runs && runs->IsArray())
    for (const auto& r : runs->GetArray()) n += IsFailed(ParseTaskState(GetString(r, "state").value_or("")));
  return n;
}

const JsonValue* TaskView::LastRun() const {
  const JsonValue* runs = status_ ? Member(*status_, "runs") : nullptr;
  if (!runs || !runs->IsArray() || runs->Empty()) return nullptr;
  return &(*runs)[runs->Size() - 1];
}

bool TaskView::RerunSince(int64_t since_ms) const {
  const JsonValue* last = LastRun();
  if (!last || GetString(*last, "reasonCreated") != std::string("rerun")) return false;
  auto t = TimeMember(last, "scheduled");
  return t && *t >= since_ms;
}

bool TaskView::CanceledSince(int64_t since_ms) const {
  const JsonValue* last = LastRun();
  if (!last || GetString(*last, "reasonResolved") != std::string("canceled")) return false;
  auto t = TimeMember(last, "resolved");
  return t && *t >= since_ms;
}

bool TaskView::Ran() const {
  const JsonValue* runs = status_ ? Member(*status_, "runs") : nullptr;
  if (runs && runs->IsArray())
    for (const auto& r : runs->GetArray())
      if (r.IsObject() && r.HasMember("started")) return true;
  return false;
}

std::string DescribeTask(const std::string& task_id, const std::string& label) {
  return label.empty() ? task_id : task_id + " (" + label + ")";
}

std::string TaskView::Describe(const std::string& task_id) const { return DescribeTask(task_id, label()); }

}  // namespace tc

// MemoryQueue's reads: the JSON views api.js replies with (task status,
// definition + status, claim structure), task and status lookups, and the
// paged lists (listTaskGroup, listDependentTasks). See queue_store.h.
#include "emulator/paging.h"
#include "emulator/queue_store.h"

namespace tc {

using namespace memq;

Json MemoryQueue::Impl::StatusJson(const TaskRec& t) const {
  Json d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  auto put = [&](const char* k, const std::string& v) { d.AddMember(rapidjson::StringRef(k), Str(v, a), a); };
  put("taskId", t.task_id);
  auto slash = t.task_queue_id.find('/');
  put("provisionerId", t.task_queue_id.substr(0, slash));
  put("workerType", t.task_queue_id.substr(slash + 1));
  put("taskQueueId", t.task_queue_id);
  put("schedulerId", t.scheduler_id);
  put("projectId", t.project_id);
  put("taskGroupId", t.task_group_id);
  put("priority", t.priority);
  put("deadline", IsoMs(t.deadline));
  put("expires", IsoMs(t.expires));
  d.AddMember("retriesLeft", t.retries_left, a);
  put("state", t.State());
  JsonValue runs(rapidjson::kArrayType);
  for (size_t i = 0; i < t.runs.size(); i++) {
    const Run& r = t.runs[i];
    JsonValue o(rapidjson::kObjectType);
    o.AddMember("runId", static_cast<int>(i), a);
    o.AddMember("state", Str(r.state, a), a);
    o.AddMember("reasonCreated", Str(r.reason_created, a), a);
    if (!r.reason_resolved.empty()) o.AddMember("reasonResolved", Str(r.reason_resolved, a), a);
    if (!r.worker_group.empty()) o.AddMember("workerGroup", Str(r.worker_group, a), a);
    if (!r.worker_id.empty()) o.AddMember("workerId", Str(r.worker_id, a), a);
    if (r.taken_until) o.AddMember("takenUntil", Str(IsoMs(r.taken_until), a), a);
    o.AddMember("scheduled", Str(IsoMs(r.scheduled), a), a);
    if (r.started) o.AddMember("started", Str(IsoMs(r.started), a), a);
    if (r.resolved) o.AddMember("resolved", Str(IsoMs(r.resolved), a), a);
    runs.PushBack(o, a);
  }
  d.AddMember("runs", runs, a);
  return d;
}

Json MemoryQueue::Impl::StatusResponse(const TaskRec& t) const {
  Json d(rapidjson::kObjectType);
  Json s = StatusJson(t);
  d.AddMember("status", CopyValue(s, d.GetAllocator()), d.GetAllocator());
  return d;
}

JsonValue MemoryQueue::Impl::DefAndStatus(const TaskRec& t, JsonAlloc& a) const {
  JsonValue o(rapidjson::kObjectType);
  Json s = StatusJson(t);
  o.AddMember("status", CopyValue(s, a), a);
  o.AddMember("task", CopyValue(t.def, a), a);
  return o;
}

Json MemoryQueue::Impl::ClaimStructure(const TaskRec& t, int run_id) const {
  Json d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  Json s = StatusJson(t);
  const Run& r = t.runs[run_id];
  d.AddMember("status", CopyValue(s, a), a);
  d.AddMember("runId", run_id, a);
  d.AddMember("workerGroup", Str(r.worker_group, a), a);
  d.AddMember("workerId", Str(r.worker_id, a), a);
  d.AddMember("takenUntil", Str(IsoMs(r.taken_until), a), a);
  d.AddMember("task", CopyValue(t.def, a), a);
  return d;
}

Json MemoryQueue::Impl::Paged(const std::vector<const TaskRec*>& all, const Page& page, const char* id_key,
                              const std::string& id, const Group* group) const {
  emu::PageWindow w = emu::WindowOf(page, page_size, static_cast<int64_t>(all.size()));
  Json d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  d.AddMember(rapidjson::StringRef(id_key), Str(id, a), a);
  if (group) {
    d.AddMember("schedulerId", Str(group->scheduler_id, a), a);
    d.AddMember("expires", Str(IsoMs(group->expires), a), a);
  }
  JsonValue arr(rapidjson::kArrayType);
  for (int64_t i = w.offset; i < w.end; i++) arr.PushBack(DefAndStatus(*all[i], a), a);
  d.AddMember("tasks", arr, a);
  if (!w.next_token.empty()) d.AddMember("continuationToken", Str(w.next_token, a), a);
  return d;
}

Json MemoryQueue::Task(const std::string& task_id) {
  std::lock_guard<std::mutex> l(impl_->mu);
  CheckParam("taskId", task_id, kSlugRe);
  impl_->Sweep();
  return CopyJson(impl_->Get(task_id, "`" + task_id +
                                          "` does not correspond to a task that exists.\nAre you sure this task has "
                                          "already been submitted?")
                      .def);
}

Json MemoryQueue::Status(const std::string& task_id) {
  std::lock_guard<std::mutex> l(impl_->mu);
  CheckParam("taskId", task_id, kSlugRe);
  impl_->Sweep();
  return impl_->StatusResponse(
      impl_->Get(task_id, "`" + task_id + "` does not correspond to a task that exists.\nAre you sure this task exists?"));
}

Json MemoryQueue::ListTaskGroup(const std::string& task_group_id, const Page& page) {
  std::lock_guard<std::mutex> l(impl_->mu);
  CheckParam("taskGroupId", task_group_id, kSlugRe);
  impl_->Sweep();
  auto g = impl_->groups.find(task_group_id);
  // Token errors come first (paginateResults runs in parallel with the group lookup)
  emu::DecodeToken(page.continuation_token.value_or(""));
  if (g == impl_->groups.end()) NotFound("No task-group with taskGroupId: `" + task_group_id + "`");
  std::vector<const TaskRec*> all;
  for (auto& [id, t] : impl_->tasks)
    if (t.task_group_id == task_group_id) all.push_back(&t);  // ordered by task_id
  return impl_->Paged(all, page, "taskGroupId", task_group_id, &g->second);
}

Json MemoryQueue::GetTaskGroup(const std::string& task_group_id) {
  std::lock_guard<std::mutex> l(impl_->mu);
  CheckParam("taskGroupId", task_group_id, kSlugRe);
  auto g = impl_->groups.find(task_group_id);
  if (g == impl_->groups.end()) NotFound("No task-group with taskGroupId: `" + task_group_id + "`");
  Json d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  d.AddMember("taskGroupId", Str(task_group_id, a), a);
  d.AddMember("schedulerId", Str(g->second.scheduler_id, a), a);
  d.AddMember("expires", Str(IsoMs(g->second.expires), a), a);
  return d;
}

Json MemoryQueue::ListDependentTasks(const std::string& task_id, const Page& page) {
  std::lock_guard<std::mutex> l(impl_->mu);
  CheckParam("taskId", task_id, kSlugRe);
  impl_->Sweep();
  emu::DecodeToken(page.continuation_token.value_or(""));
  impl_->Get(task_id, "Task with taskId: `" + task_id + "` was not found");
  int64_t now = impl_->Now();
  std::vector<const TaskRec*> all;
  auto it = impl_->dependents.find(task_id);
  if (it != impl_->dependents.end())
    for (const auto& id : it->second)  // ordered by dependent_task_id
      if (const TaskRec* d = impl_->Find(id))
        if (d->expires > now) all.push_back(d);
  return impl_->Paged(all, page, "taskId", task_id, nullptr);
}

std::vector<std::string> MemoryQueue::TaskIds() {
  std::lock_guard<std::mutex> l(impl_->mu);
  std::vector<std::string> out;
  for (auto& [id, t] : impl_->tasks) out.push_back(id);
  return out;
}

bool MemoryQueue::HasTask(const std::string& task_id) {
  std::lock_guard<std::mutex> l(impl_->mu);
  return impl_->Find(task_id) != nullptr;
}

Json MemoryQueue::DumpTasks() {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->Sweep();
  Json d(rapidjson::kArrayType);
  auto& a = d.GetAllocator();
  for (auto& [id, t] : impl_->tasks) {
    JsonValue o(rapidjson::kObjectType);
    o.AddMember("taskId", Str(id, a), a);
    o.AddMember("task", CopyValue(t.def, a), a);
    Json s = impl_->StatusJson(t);
    o.AddMember("status", CopyValue(s, a), a);
    d.PushBack(o, a);
  }
  return d;
}

}  // namespace tc

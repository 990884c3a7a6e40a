#include "memory_world.h"

#include <filesystem>
#include <sstream>

#include "core/error.h"
#include "core/slugid.h"
#include "core/task.h"
#include "run/runner.h"
#include "test_util.h"

using namespace tc;

namespace tctest {

Json CountingQueue::Task(const std::string& id) { return q_.Task(id); }
Json CountingQueue::Status(const std::string& id) { return q_.Status(id); }
Json CountingQueue::CreateTask(const std::string& id, const JsonValue& d) {
  ++c_.mutations;
  ++c_.creates;
  return q_.CreateTask(id, d);
}
Json CountingQueue::RerunTask(const std::string& id) {
  ++c_.mutations;
  ++c_.reruns;
  return q_.RerunTask(id);
}
Json CountingQueue::CancelTask(const std::string& id) {
  ++c_.mutations;
  ++c_.cancels;
  return q_.CancelTask(id);
}
Json CountingQueue::ListTaskGroup(const std::string& g, const Page& p) { return q_.ListTaskGroup(g, p); }
Json CountingQueue::ListDependentTasks(const std::string& t, const Page& p) { return q_.ListDependentTasks(t, p); }
std::string CountingQueue::GetLatestArtifact(const std::string& t, const std::string& n) {
  return q_.GetLatestArtifact(t, n);
}

Json MemoryIndex::FindTask(const std::string& path) { return index_.FindTask(path); }

Json MemoryIndex::ListTasks(const std::string& ns, const Page& page) { return index_.ListTasks(ns, page, page_size_); }

Json MemoryIndex::FindTasksAtIndex(const std::vector<std::string>& paths, const Page&) {
  Json out(rapidjson::kObjectType);
  auto& a = out.GetAllocator();
  JsonValue tasks(rapidjson::kArrayType);
  for (const auto& p : paths) {
    try {
      tasks.PushBack(CopyValue(index_.FindTask(p), a), a);
    } catch (const TcError& e) {
      if (!e.is_not_found()) throw;
    }
  }
  out.AddMember("tasks", tasks, a);
  return out;
}

Json FixedAuth::CurrentScopes() {
  Json out(rapidjson::kObjectType);
  auto& a = out.GetAllocator();
  JsonValue list(rapidjson::kArrayType);
  for (const auto& s : scopes_) list.PushBack(Str(s, a), a);
  out.AddMember("scopes", list, a);
  return out;
}

Json FixedAuth::ExpandScopes(const std::vector<std::string>& scopes) { return FixedAuth(scopes).CurrentScopes(); }

MemoryWorld::MemoryWorld()
    : group(NewSlugid()),
      action_task(NewSlugid()),
      dir((std::filesystem::temp_directory_path() / ("tc-mem-" + NewSlugid())).string()),
      push(group) {
  q.SetCompletedListener([this](const std::string& id, const JsonValue& def) { index.TaskCompleted(id, def); });
  q.SeedTask(group, push.DecisionDefinition(q.NowMs()), "completed");
  q.SeedTask(action_task, TaskDef(group, q.NowMs(), 60 * 1000, false, "action"), "running");
  q.FinishSeeding();
  push.Publish(q);
}

MemoryWorld::~MemoryWorld() { std::filesystem::remove_all(dir); }

std::string MemoryWorld::Seed(const std::string& state, bool retrigger, Json def) {
  std::string id = NewSlugid();
  if (def.IsNull()) def = TaskDef(group, q.NowMs(), 3600 * 1000, retrigger);
  q.SeedTask(id, def, state);
  q.FinishSeeding();
  if (!push.Has(TaskView(&def, nullptr).label())) {
    push.Add(id, def);
    push.Publish(q);
  }
  return id;
}

std::map<std::string, std::string> MemoryWorld::Env(const std::string& action, const std::string& task_json,
                                                    const std::string& input) const {
  return {{"TASK_ID", action_task},
          {"ACTION_TASK_GROUP_ID", group},
          {"ACTION_TASK_ID", task_json},
          {"ACTION_INPUT", input},
          {"ACTION_CALLBACK", action}};
}

int MemoryWorld::Run(const std::map<std::string, std::string>& env, bool dry_run, const std::string& context_file) {
  RunOptions o;
  o.dry_run = dry_run;
  o.artifacts_dir = dir;
  o.context_file = context_file;
  o.now_ms = [this] { return q.NowMs(); };
  ServicesFactory f = [this]() {
    Services s;
    s.queue = std::make_unique<CountingQueue>(q, counts);
    if (with_index) s.index = std::make_unique<MemoryIndex>(index, index_page_size);
    if (scopes) s.auth = std::make_unique<FixedAuth>(*scopes);
    return s;
  };
  std::ostringstream o1, o2;
  int rc = RunAction(o, MapEnv(env), f, o1, o2);
  out = o1.str();
  err = o2.str();
  return rc;
}

int MemoryWorld::RunOn(const std::string& action, const std::string& task_id, const std::string& input) {
  return Run(Env(action, "\"" + task_id + "\"", input));
}

Json MemoryWorld::Report() const { return ParseJsonFile(dir + "/report.json"); }

std::string MemoryWorld::State(const std::string& id) { return q.Status(id)["status"]["state"].GetString(); }

}  // namespace tctest

#include "emulator_world.h"

#include <filesystem>

#include "core/slugid.h"
#include "test_util.h"

using namespace tc;

namespace tctest {

std::vector<std::string> ActionHookScopes() {
  return {"queue:create-task:project:none",    "queue:scheduler-id:gecko-level-3",
          "queue:create-task:highest:proj-gecko/*", "queue:route:tc-treeherder.*",
          "queue:rerun-task:gecko-level-3/*",  "queue:cancel-task:gecko-level-3/*",
          "secrets:get:project/x"};
}

namespace {

std::string WorldJson(const EmulatorWorldOptions& o) {
  Json w(rapidjson::kObjectType);
  auto& a = w.GetAllocator();
  JsonValue clients(rapidjson::kArrayType);
  for (const auto& c : o.clients) {
    JsonValue e(rapidjson::kObjectType);
    e.AddMember("clientId", Str(c.id, a), a);
    e.AddMember("accessToken", Str(c.token, a), a);
    JsonValue scopes(rapidjson::kArrayType);
    for (const auto& s : c.scopes) scopes.PushBack(Str(s, a), a);
    e.AddMember("scopes", scopes, a);
    clients.PushBack(e, a);
  }
  w.AddMember("clients", clients, a);
  JsonValue roles(rapidjson::kArrayType);
  for (const auto& r : o.roles) {
    JsonValue e(rapidjson::kObjectType);
    e.AddMember("roleId", Str(r.id, a), a);
    JsonValue scopes(rapidjson::kArrayType);
    for (const auto& s : r.scopes) scopes.PushBack(Str(s, a), a);
    e.AddMember("scopes", scopes, a);
    roles.PushBack(e, a);
  }
  w.AddMember("roles", roles, a);
  if (o.page_size) w.AddMember("pageSize", *o.page_size, a);
  return ToJson(w);
}

}  // namespace

EmulatorWorld::EmulatorWorld(const EmulatorWorldOptions& o)
    : group(NewSlugid()),
      action_task(NewSlugid()),
      dir((std::filesystem::temp_directory_path() / ("tc-e2e-" + NewSlugid())).string()),
      push(group, o.params),
      publish_push(o.publish_push) {
  EmulatorOptions eo;
  eo.world_json = WorldJson(o);
  if (!o.proxy_client_id.empty()) {
    eo.proxy_port = 0;
    eo.proxy_client_id = o.proxy_client_id;
  }
  emu = std::make_unique<Emulator>(eo);
  emu->Start();
  auto& q = emu->queue();
  Json decision = push.DecisionDefinition(q.NowMs());
  auto& da = decision.GetAllocator();
  if (!o.decision_kind.empty()) decision["tags"]["kind"] = Str(o.decision_kind, da);
  if (!o.decision_label.empty()) {
    decision["tags"]["label"] = Str(o.decision_label, da);
    decision["metadata"]["name"] = Str(o.decision_label, da);
  }
  q.SeedTask(group, decision, "completed");  // indexed at the push's decision path (its routes)
  Json action = TaskDef(group, q.NowMs(), 60 * 1000, false, "action");
  action["tags"]["kind"] = "action-callback";
  q.SeedTask(action_task, action, "running");
  q.FinishSeeding();
  if (publish_push) push.Publish(q);
  const std::string run_client = o.run_client.empty() && !o.clients.empty() ? o.clients[0].id : o.run_client;
  creds["TASKCLUSTER_ROOT_URL"] = emu->root_url();
  for (const auto& c : o.clients) {
    if (c.id != run_client) continue;
    creds["TASKCLUSTER_CLIENT_ID"] = c.id;
    creds["TASKCLUSTER_ACCESS_TOKEN"] = c.token;
  }
  emu->ClearJournal();
}

EmulatorWorld::~EmulatorWorld() {
  emu->Stop();
  std::filesystem::remove_all(dir);
}

std::string EmulatorWorld::Seed(const std::string& state, bool retrigger, int64_t age_ms, const std::string& label) {
  std::string id = NewSlugid();
  Json def = TaskDef(group, queue().NowMs(), age_ms, retrigger, label);
  queue().SeedTask(id, def, state);
  queue().FinishSeeding();
  if (!push.Has(label)) {
    push.Add(id, def);
    Publish();
  }
  return id;
}

std::string EmulatorWorld::SeedInPush(const Json& def, const std::string& state, const EntryOptions& o) {
  std::string id = NewSlugid();
  queue().SeedTask(id, def, state);
  queue().FinishSeeding();
  push.Add(id, def, o);
  Publish();
  return id;
}

void EmulatorWorld::Publish(const DecisionGraph::Artifacts& which) {
  if (publish_push) push.Publish(queue(), which);
}

ProcResult EmulatorWorld::Run(const std::string& action, const std::string& task_json, const std::string& input,
                              const std::map<std::string, std::string>& extra, const std::vector<std::string>& args) {
  std::map<std::string, std::string> env = creds;
  for (auto& [k, v] : ActionEnv(action_task, group, action, task_json, input)) env[k] = v;
  for (const auto& [k, v] : extra) {
    if (v == "<unset>") env.erase(k);
    else env[k] = v;
  }
  std::vector<std::string> argv = {"run", "--artifacts", dir};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunTcAction(argv, env);
}

ProcResult EmulatorWorld::RunOn(const std::string& action, const std::string& id, const std::string& input,
                                const std::map<std::string, std::string>& extra) {
  return Run(action, "\"" + id + "\"", input, extra);
}

int EmulatorWorld::Committed() const {
  int n = 0;
  for (const auto& e : emu->Journal()) n += e.committed;
  return n;
}

int EmulatorWorld::Committed(const std::string& method, const std::string& fragment) const {
  int n = 0;
  for (const auto& e : emu->Journal())
    if (e.committed && e.method == method && e.path.find(fragment) != std::string::npos) ++n;
  return n;
}

size_t EmulatorWorld::CommittedDistinct(const std::string& method, const std::string& fragment) const {
  std::set<std::string> paths;
  for (const auto& e : emu->Journal())
    if (e.committed && e.method == method && e.path.find(fragment) != std::string::npos) paths.insert(e.path);
  return paths.size();
}

int EmulatorWorld::Mutating() const {
  int n = 0;
  for (const auto& e : emu->Journal()) n += e.mutating;
  return n;
}

std::vector<std::string> EmulatorWorld::Mutations() const {
  std::vector<std::string> out;
  for (const auto& e : emu->Journal()) {
    if (!e.committed) continue;
    std::string p = e.path.substr(0, e.path.find('?'));
    const std::string prefix = "/api/queue/v1/task/";
    if (p.rfind(prefix, 0) == 0) p = p.substr(prefix.size());
    out.push_back(e.method + " " + p);
  }
  return out;
}

Json EmulatorWorld::Report() const { return ParseJsonFile(dir + "/report.json"); }

std::string EmulatorWorld::State(const std::string& id) { return Status(id)["status"]["state"].GetString(); }

size_t EmulatorWorld::Runs(const std::string& id) { return Status(id)["status"]["runs"].Size(); }

std::set<std::string> EmulatorWorld::Ids() {
  auto v = queue().TaskIds();
  return {v.begin(), v.end()};
}

}  // namespace tctest

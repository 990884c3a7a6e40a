// The emulator's Hooks service and action-task worker: see emulator_hooks.h.
#include "emulator/emulator_hooks.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "jsone/jsone.h"
#include "core/schema.h"
#include "core/slugid.h"

extern char** environ;

namespace tc {

namespace {

std::vector<std::string> Strings(const JsonValue* v) { return StringsOf(v); }

// ajv's errorsText(errors, {separator: '; '}), approximately: "data/<path> <message>".
std::string AjvText(const std::vector<SchemaViolation>& vs) {
  std::string out;
  for (auto& v : vs) {
    std::string path = v.path;
    std::string p;
    for (char c : path) p += (c == '.' || c == '[') ? '/' : (c == ']' ? '\0' : c);
    p.erase(std::remove(p.begin(), p.end(), '\0'), p.end());
    std::string m = v.message;
    std::replace(m.begin(), m.end(), '\n', ' ');
    out += (out.empty() ? "" : "; ") + std::string("data") + (p.empty() ? "" : "/" + p) + " " + m;
  }
  return out;
}

// api.js fromNowJSON for the defaults: "1 day" / "1 month" (30 days as taskcluster-client counts a month).
constexpr int64_t kDayMs = 24LL * 3600 * 1000;

}  // namespace

EmulatorHooks::EmulatorHooks(MemoryQueue& queue, HooksHost host) : queue_(queue), host_(std::move(host)) {}

EmulatorHooks::~EmulatorHooks() { Shutdown(); }

void EmulatorHooks::AddHooks(const JsonValue& hooks) {
  if (!hooks.IsArray()) throw BadInput("hooks: expected an array");
  std::vector<Hook> parsed;
  for (rapidjson::SizeType i = 0; i < hooks.Size(); ++i) {
    const JsonValue& h = hooks[i];
    std::string where = "hooks[" + std::to_string(i) + "]";
    if (!h.IsObject()) throw BadInput(where + ": expected an object");
    Hook x;
    x.group = RequireString(h, "hookGroupId", where + ".hookGroupId");
    x.id = RequireString(h, "hookId", where + ".hookId");
    const JsonValue* t = Member(h, "task");
    if (!t || !t->IsObject()) throw BadInput(where + ".task: expected a JSON-e template object");
    x.task = CopyJson(*t);
    if (const JsonValue* s = Member(h, "triggerSchema")) {
      x.trigger_schema = CopyJson(*s);
      try {
        Json probe(rapidjson::kObjectType);
        ValidateAgainst(x.trigger_schema, probe);
      } catch (const std::exception& e) {
        throw BadInput(where + ".triggerSchema: " + e.what());
      }
    } else {
      x.trigger_schema = ParseJson(R"({"type": "object"})", "default triggerSchema");
    }
    parsed.push_back(std::move(x));
  }
  std::lock_guard<std::mutex> l(mu_);
  for (auto& x : parsed) hooks_[x.group + "/" + x.id] = std::move(x);
}

Json EmulatorHooks::HooksJson() const {
  Json d(rapidjson::kArrayType);
  auto& a = d.GetAllocator();
  std::lock_guard<std::mutex> l(mu_);
  for (auto& [k, h] : hooks_) {
    JsonValue o(rapidjson::kObjectType);
    o.AddMember("hookGroupId", Str(h.group, a), a);
    o.AddMember("hookId", Str(h.id, a), a);
    o.AddMember("task", CopyValue(h.task, a), a);
    o.AddMember("triggerSchema", CopyValue(h.trigger_schema, a), a);
    d.PushBack(o, a);
  }
  return d;
}

void EmulatorHooks::SetWorker(const JsonValue& c) {
  if (!c.IsObject()) throw BadInput("worker: expected an object");
  Worker w;
  w.enabled = GetBool(c, "enabled").value_or(true);
  w.client_id = GetString(c, "clientId").value_or("");
  w.proxy = GetBool(c, "proxy").value_or(false);
  w.binary = GetString(c, "binary").value_or("");
  if (w.enabled && w.client_id.empty() && !w.proxy)
    throw BadInput("worker: needs \"clientId\" (a world client) or \"proxy\": true");
  std::lock_guard<std::mutex> l(mu_);
  worker_ = w;
}

Json EmulatorHooks::WorkerJson() const {
  Json d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  std::lock_guard<std::mutex> l(mu_);
  JsonValue c(rapidjson::kObjectType);
  c.AddMember("enabled", worker_.enabled, a);
  c.AddMember("clientId", Str(worker_.client_id, a), a);
  c.AddMember("proxy", worker_.proxy, a);
  c.AddMember("binary", Str(worker_.binary, a), a);
  d.AddMember("config", c, a);
  JsonValue runs(rapidjson::kArrayType);
  for (auto& r : runs_) {
    JsonValue o(rapidjson::kObjectType);
    o.AddMember("taskId", Str(r.task_id, a), a);
    o.AddMember("exitCode", r.exit_code, a);
    o.AddMember("log", Str(r.log, a), a);
    runs.PushBack(o, a);
  }
  d.AddMember("runs", runs, a);
  return d;
}

EmulatorHooks::Result EmulatorHooks::Trigger(const std::string& group, const std::string& id,
                                             const JsonValue& payload, const std::optional<std::string>& client_id) {
  Json tmpl, schema;
  Worker worker;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = hooks_.find(group + "/" + id);
    if (it == hooks_.end()) throw TcError(404, "ResourceNotFound", "No such hook");
    tmpl = CopyJson(it->second.task);
    schema = CopyJson(it->second.trigger_schema);
    worker = worker_;
  }
  // triggerHookCommon: the payload must match the triggerSchema
  auto violations = ValidateAgainst(schema, payload);
  if (!violations.empty()) throw TcError(400, "InputError", AjvText(violations));

  // taskcreator.fire / taskForHook
  std::string task_id = NewSlugid();
  int64_t now = queue_.NowMs();
  std::string now_iso = memq::IsoMs(now);
  Json ctx(rapidjson::kObjectType);
  auto& ca = ctx.GetAllocator();
  ctx.AddMember("firedBy", "triggerHook", ca);
  ctx.AddMember("payload", CopyValue(payload, ca), ca);
  if (client_id) ctx.AddMember("clientId", Str(*client_id, ca), ca);
  ctx.AddMember("taskId", Str(task_id, ca), ca);
  ctx.AddMember("now", Str(now_iso, ca), ca);
  Json task;
  try {
    task = JsoneRender(tmpl, ctx, now_iso);
  } catch (const JsoneError& e) {
    throw TcError(400, "InputError", "While firing hook:\n\n" + e.message);
  }
  Result res;
  if (task.IsNull()) {
    res.body.SetObject();
    return res;
  }
  if (!task.IsObject()) throw TcError(400, "InputError", "While firing hook:\n\nthe hook's task template did not render to an object");
  auto& ta = task.GetAllocator();
  auto missing = [&](const char* k) {
    const JsonValue* v = Member(task, k);
    return !v || v->IsNull() || (v->IsString() && v->GetStringLength() == 0) || (v->IsBool() && !v->GetBool());
  };
  if (missing("created")) SetMember(task, "created", Str(now_iso, ta), ta);
  if (missing("deadline")) SetMember(task, "deadline", Str(memq::IsoMs(now + kDayMs), ta), ta);
  if (missing("expires")) SetMember(task, "expires", Str(memq::IsoMs(now + 30 * kDayMs), ta), ta);
  if (missing("taskGroupId")) SetMember(task, "taskGroupId", Str(task_id, ta), ta);

  // queue.createTask with authorizedScopes [assume:hook-id:<group>/<id>]
  const std::string hooks_client = "static/taskcluster/hooks";
  const std::string put_path = "/api/queue/v1/task/" + task_id;
  auto create_error = [&](int status, const std::string& code, const std::string& msg) {
    host_.record("PUT", put_path, status, hooks_client, false);
    if (code == "InsufficientScopes")
      throw TcError(403, "InsufficientScopes",
                    "The role `hook-id:" + group + "/" + id + "` does not have sufficient scopes to create the task:\n\n" +
                        msg);
    throw TcError(400, "InputError", "While calling createTask: " + code + "\n\n" + msg);
  };
  Json def;
  try {
    memq::ApplyCreateTaskDefaults(task, ta);
    def = queue_.NormalizeDefinition(task_id, task);
  } catch (const TcError& e) {
    create_error(e.status(), e.code(), e.what());
  }
  std::vector<std::string> have = host_.expand({"assume:hook-id:" + group + "/" + id});
  std::vector<std::string> need = Strings(Member(def, "scopes"));
  for (auto& r : Strings(Member(def, "routes"))) need.push_back("queue:route:" + r);
  need.push_back(std::string("queue:create-task:project:") + def["projectId"].GetString());
  need.push_back(std::string("queue:scheduler-id:") + def["schedulerId"].GetString());
  std::vector<std::string> missing_scopes;
  for (auto& s : need)
    if (!memq::ScopesSatisfy(have, s)) missing_scopes.push_back(s);
  std::string prio = def["priority"].GetString();
  std::string tq = std::string(def["provisionerId"].GetString()) + "/" + def["workerType"].GetString();
  bool prio_ok = false;
  std::string lowest_needed;
  for (auto& level : memq::PriorityLevels()) {
    if (memq::ScopesSatisfy(have, "queue:create-task:" + level + ":" + tq)) prio_ok = true;
    lowest_needed = "queue:create-task:" + level + ":" + tq;
    if (level == prio) break;
  }
  if (!prio_ok) missing_scopes.push_back(lowest_needed);
  if (!missing_scopes.empty()) {
    std::string list;
    for (auto& s : missing_scopes) list += (list.empty() ? "" : "\n") + s;
    create_error(403, "InsufficientScopes",
                 "Client ID " + hooks_client + " does not have sufficient scopes and is missing the following scopes:\n\n```\n" +
                     list + "\n```");
  }
  Json status;
  try {
    status = queue_.CreateTask(task_id, task);
  } catch (const TcError& e) {
    create_error(e.status(), e.code(), e.what());
  }
  host_.record("PUT", put_path, 200, hooks_client, true);
  res.committed = true;
  res.body.SetObject();
  auto& ra = res.body.GetAllocator();
  res.body.AddMember("taskId", Str(task_id, ra), ra);
  res.body.AddMember("status", CopyValue(status["status"], ra), ra);

  // the worker
  const JsonValue* cmd = Member(task, "payload");
  cmd = cmd && cmd->IsObject() ? Member(*cmd, "command") : nullptr;
  std::vector<std::string> argv = Strings(cmd);
  bool is_action = argv.size() >= 2 && std::filesystem::path(argv[0]).filename() == "tc-action" && argv[1] == "run";
  if (worker.enabled && is_action) {
    std::lock_guard<std::mutex> l(mu_);
    if (!stopping_) {
      runs_.push_back(WorkerRun{task_id, -1, ""});
      ++active_;
      size_t idx = runs_.size() - 1;
      threads_.emplace_back(&EmulatorHooks::RunTask, this, task_id, CopyJson(task), worker, idx);
    }
  }
  return res;
}

void EmulatorHooks::RunTask(std::string task_id, Json def, Worker w, size_t idx) {
  int exit_code = -1;
  std::string log;
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("tc-emulator-worker-" + task_id);
  try {
    queue_.Drive(task_id, "running");
    fs::create_directories(dir / "artifacts");
    std::string binary = w.binary;
    if (binary.empty()) {  // tc-action beside this program (build/tc-emulator -> build/tc-action)
      char buf[4096];
      ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
      if (n > 0) binary = (fs::path(std::string(buf, static_cast<size_t>(n))).parent_path() / "tc-action").string();
    }
    std::vector<std::string> args = {binary};
    std::vector<std::string> cmd = Strings(Member(def["payload"], "command"));
    for (size_t i = 1; i < cmd.size(); ++i) {
      args.push_back(cmd[i]);
      if (cmd[i] == "--artifacts" && i + 1 < cmd.size()) {
        args.push_back((dir / "artifacts").string());
        ++i;
      }
    }
    std::map<std::string, std::string> env;
    if (const JsonValue* e = Member(def["payload"], "env"); e && e->IsObject())
      for (auto& m : e->GetObject())
        env[m.name.GetString()] = m.value.IsString() ? std::string(m.value.GetString(), m.value.GetStringLength())
                                                     : ToJson(m.value);
    env["TASK_ID"] = task_id;
    env["RUN_ID"] = "0";
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin";
    env["HOME"] = dir.string();
    env["TASKCLUSTER_ROOT_URL"] = host_.root_url();
    if (w.proxy) {
      env["TASKCLUSTER_PROXY_URL"] = host_.proxy_url();
    } else {
      auto tok = host_.access_token(w.client_id);
      if (!tok) throw std::runtime_error("worker: no world client " + w.client_id);
      env["TASKCLUSTER_CLIENT_ID"] = w.client_id;
      env["TASKCLUSTER_ACCESS_TOKEN"] = *tok;
    }
    std::string log_path = (dir / "live.log").string();
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawn_file_actions_addchdir_np(&fa, dir.c_str());
    std::vector<std::string> envs;
    for (auto& [k, v] : env) envs.push_back(k + "=" + v);
    std::vector<char*> cargv, cenv;
    for (auto& a : args) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    for (auto& e : envs) cenv.push_back(const_cast<char*>(e.c_str()));
    cenv.push_back(nullptr);
    pid_t pid = -1;
    int rc;
    {
      std::lock_guard<std::mutex> l(mu_);
      rc = stopping_ ? ECANCELED : posix_spawn(&pid, binary.c_str(), &fa, nullptr, cargv.data(), cenv.data());
      if (rc == 0) pids_[idx] = pid;
    }
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw std::runtime_error("worker: cannot start " + binary + ": " + std::strerror(rc));
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    {
      std::lock_guard<std::mutex> l(mu_);
      pids_.erase(idx);
    }
    exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    {
      std::ifstream in(log_path, std::ios::binary);
      std::ostringstream ss;
      ss << in.rdbuf();
      log = ss.str();
    }
    // artifacts: the log, then what the action wrote
    MemArtifact la;
    la.name = "public/logs/live.log";
    la.content_type = "text/plain; charset=utf-8";
    la.content = log;
    queue_.PutArtifact(task_id, -1, la);
    for (auto& f : fs::recursive_directory_iterator(dir / "artifacts")) {
      if (!f.is_regular_file()) continue;
      MemArtifact a;
      a.name = "public/" + fs::relative(f.path(), dir / "artifacts").generic_string();
      a.content_type = f.path().extension() == ".json" ? "application/json" : "application/octet-stream";
      std::ifstream in(f.path(), std::ios::binary);
      std::ostringstream ss;
      ss << in.rdbuf();
      a.content = ss.str();
      queue_.PutArtifact(task_id, -1, a);
    }
    queue_.Drive(task_id, exit_code == 0 ? "completed" : "failed");
  } catch (const std::exception& e) {
    log += std::string("\n[emulator worker] ") + e.what() + "\n";
    try {
      queue_.Drive(task_id, "exception", "internal-error");
    } catch (...) {
    }
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  std::lock_guard<std::mutex> l(mu_);
  runs_[idx].exit_code = exit_code;
  runs_[idx].log = log;
  --active_;
  idle_cv_.notify_all();
}

bool EmulatorHooks::WaitIdle(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> l(mu_);
  return idle_cv_.wait_for(l, timeout, [&] { return active_ == 0; });
}

std::vector<WorkerRun> EmulatorHooks::Runs() const {
  std::lock_guard<std::mutex> l(mu_);
  return runs_;
}

void EmulatorHooks::Shutdown() {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> l(mu_);
    stopping_ = true;
    for (auto& [idx, pid] : pids_) kill(pid, SIGKILL);  // only processes this worker started
    threads.swap(threads_);
  }
  for (auto& t : threads)
    if (t.joinable()) t.join();
}

}  // namespace tc

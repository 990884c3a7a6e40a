// The action-task worker: see worker.h.
#include "emulator/worker.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"

extern char** environ;

namespace tc {

namespace fs = std::filesystem;

struct ActionWorker::Launch {
  fs::path dir;  // the run's working directory; artifacts/ below it
  std::string binary, log_path;
  std::vector<std::string> args;
  std::map<std::string, std::string> env;
};

namespace {

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// tc-action beside this program (build/tc-emulator -> build/tc-action).
std::string BinaryBesideSelf() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "";
  return (fs::path(std::string(buf, static_cast<size_t>(n))).parent_path() / "tc-action").string();
}

}  // namespace

ActionWorker::ActionWorker(MemoryQueue& queue, WorkerHost host) : queue_(queue), host_(std::move(host)) {}

ActionWorker::~ActionWorker() { Shutdown(); }

void ActionWorker::Configure(const JsonValue& c) {
  if (!c.IsObject()) throw BadInput("worker: expected an object");
  Config w;
  w.enabled = GetBool(c, "enabled").value_or(true);
  w.client_id = GetString(c, "clientId").value_or("");
  w.proxy = GetBool(c, "proxy").value_or(false);
  w.binary = GetString(c, "binary").value_or("");
  if (w.enabled && w.client_id.empty() && !w.proxy)
    throw BadInput("worker: needs \"clientId\" (a world client) or \"proxy\": true");
  std::lock_guard<std::mutex> l(mu_);
  config_ = w;
}

Json ActionWorker::ToJson() const {
  Json d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  std::lock_guard<std::mutex> l(mu_);
  JsonValue c(rapidjson::kObjectType);
  c.AddMember("enabled", config_.enabled, a);
  c.AddMember("clientId", Str(config_.client_id, a), a);
  c.AddMember("proxy", config_.proxy, a);
  c.AddMember("binary", Str(config_.binary, a), a);
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

bool ActionWorker::MaybeRun(const std::string& task_id, const JsonValue& def) {
  const JsonValue* cmd = Member(def, "payload");
  cmd = cmd && cmd->IsObject() ? Member(*cmd, "command") : nullptr;
  std::vector<std::string> argv = StringsOf(cmd);
  bool is_action = argv.size() >= 2 && fs::path(argv[0]).filename() == "tc-action" && argv[1] == "run";
  std::lock_guard<std::mutex> l(mu_);
  if (!config_.enabled || !is_action || stopping_) return false;
  runs_.push_back(WorkerRun{task_id, -1, ""});
  ++active_;
  threads_.emplace_back(&ActionWorker::RunTask, this, task_id, CopyJson(def), config_, runs_.size() - 1);
  return true;
}

// argv with `--artifacts` redirected, and the task's environment.
ActionWorker::Launch ActionWorker::Prepare(const std::string& task_id, const Json& def, const Config& w) const {
  Launch l;
  l.dir = fs::temp_directory_path() / ("tc-emulator-worker-" + task_id);
  l.binary = w.binary.empty() ? BinaryBesideSelf() : w.binary;
  l.log_path = (l.dir / "live.log").string();
  l.args = {l.binary};
  std::vector<std::string> cmd = StringsOf(Member(def["payload"], "command"));
  for (size_t i = 1; i < cmd.size(); ++i) {
    l.args.push_back(cmd[i]);
    if (cmd[i] == "--artifacts" && i + 1 < cmd.size()) {
      l.args.push_back((l.dir / "artifacts").string());
      ++i;
    }
  }
  if (const JsonValue* e = Member(def["payload"], "env"); e && e->IsObject())
    for (auto& m : e->GetObject())
      l.env[m.name.GetString()] =
          m.value.IsString() ? std::string(m.value.GetString(), m.value.GetStringLength()) : tc::ToJson(m.value);
  l.env["TASK_ID"] = task_id;
  l.env["RUN_ID"] = "0";
  l.env["PATH"] = "/usr/local/bin:/usr/bin:/bin";
  l.env["HOME"] = l.dir.string();
  l.env["TASKCLUSTER_ROOT_URL"] = host_.root_url();
  if (w.proxy) {
    l.env["TASKCLUSTER_PROXY_URL"] = host_.proxy_url();
  } else {
    auto tok = host_.access_token(w.client_id);
    if (!tok) throw std::runtime_error("worker: no world client " + w.client_id);
    l.env["TASKCLUSTER_CLIENT_ID"] = w.client_id;
    l.env["TASKCLUSTER_ACCESS_TOKEN"] = *tok;
  }
  return l;
}

// posix_spawn with stdout+stderr to the log; returns the exit code.
int ActionWorker::Spawn(const Launch& l, size_t idx) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, l.log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawn_file_actions_addchdir_np(&fa, l.dir.c_str());
  std::vector<std::string> envs;
  for (auto& [k, v] : l.env) envs.push_back(k + "=" + v);
  std::vector<char*> cargv, cenv;
  for (auto& a : l.args) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  for (auto& e : envs) cenv.push_back(const_cast<char*>(e.c_str()));
  cenv.push_back(nullptr);
  pid_t pid = -1;
  int rc;
  {
    std::lock_guard<std::mutex> g(mu_);
    rc = stopping_ ? ECANCELED : posix_spawn(&pid, l.binary.c_str(), &fa, nullptr, cargv.data(), cenv.data());
    if (rc == 0) pids_[idx] = pid;
  }
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error("worker: cannot start " + l.binary + ": " + std::strerror(rc));
  int st = 0;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  std::lock_guard<std::mutex> g(mu_);
  pids_.erase(idx);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

// The log, then what the action wrote, as artifacts of the run.
void ActionWorker::Upload(const std::string& task_id, const Launch& l, const std::string& log) {
  MemArtifact la;
  la.name = "public/logs/live.log";
  la.content_type = "text/plain; charset=utf-8";
  la.content = log;
  queue_.PutArtifact(task_id, -1, la);
  for (auto& f : fs::recursive_directory_iterator(l.dir / "artifacts")) {
    if (!f.is_regular_file()) continue;
    MemArtifact a;
    a.name = "public/" + fs::relative(f.path(), l.dir / "artifacts").generic_string();
    a.content_type = f.path().extension() == ".json" ? "application/json" : "application/octet-stream";
    a.content = ReadFile(f.path());
    queue_.PutArtifact(task_id, -1, a);
  }
}

void ActionWorker::RunTask(std::string task_id, Json def, Config w, size_t idx) {
  int exit_code = -1;
  std::string log;
  fs::path dir;
  try {
    queue_.Drive(task_id, "running");
    Launch l = Prepare(task_id, def, w);
    dir = l.dir;
    fs::create_directories(l.dir / "artifacts");
    exit_code = Spawn(l, idx);
    log = ReadFile(l.log_path);
    Upload(task_id, l, log);
    queue_.Drive(task_id, exit_code == 0 ? "completed" : "failed");
  } catch (const std::exception& e) {
    log += std::string("\n[emulator worker] ") + e.what() + "\n";
    try {
      queue_.Drive(task_id, "exception", "internal-error");
    } catch (...) {
    }
  }
  std::error_code ec;
  if (!dir.empty()) fs::remove_all(dir, ec);
  std::lock_guard<std::mutex> l(mu_);
  runs_[idx].exit_code = exit_code;
  runs_[idx].log = log;
  --active_;
  idle_cv_.notify_all();
}

bool ActionWorker::WaitIdle(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> l(mu_);
  return idle_cv_.wait_for(l, timeout, [&] { return active_ == 0; });
}

std::vector<WorkerRun> ActionWorker::Runs() const {
  std::lock_guard<std::mutex> l(mu_);
  return runs_;
}

void ActionWorker::Shutdown() {
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

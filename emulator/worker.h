// The emulator's worker for action tasks: when enabled and the hooks service
// creates a task whose payload.command is ["tc-action", "run", ...], it
// claims the task, runs `<binary> run ...` (an `--artifacts` value replaced
// by a temporary directory) with the task's payload.env plus TASK_ID,
// RUN_ID, TASKCLUSTER_ROOT_URL and the named client's credentials (or
// TASKCLUSTER_PROXY_URL), uploads its log (public/logs/live.log) and the
// files it wrote (public/<name>) as artifacts, and resolves the task
// completed (exit 0) or failed (exception/internal-error when it cannot run).
//
// World file: "worker": {"enabled": true, "clientId": "<a world client>" |
// "proxy": true, "binary": "<tc-action path; default: tc-action beside this
// program>"}.
//
// Thread-safety: every public method is thread-safe. Each run has its own
// thread; Shutdown() kills the processes this worker started (only those) and
// joins the threads.
#pragma once
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/json.h"
#include "emulator/queue_memory.h"

namespace tc {

struct WorkerRun {
  std::string task_id;
  int exit_code = -1;  // -1 while running
  std::string log;
};

// What the worker needs from the rest of the emulator.
struct WorkerHost {
  std::function<std::string()> root_url;
  std::function<std::string()> proxy_url;  // "" when there is no proxy listener
  // A world client's access token, nullopt when unknown.
  std::function<std::optional<std::string>(const std::string&)> access_token;
};

class ActionWorker {
 public:
  ActionWorker(MemoryQueue& queue, WorkerHost host);
  ~ActionWorker();
  ActionWorker(const ActionWorker&) = delete;
  ActionWorker& operator=(const ActionWorker&) = delete;

  void Configure(const JsonValue& config);  // BadInput naming the field
  Json ToJson() const;                      // {"config": {...}, "runs": [{taskId, exitCode, log}]}

  // Starts running the task when the worker is enabled and the definition is
  // an action task; returns whether it did.
  bool MaybeRun(const std::string& task_id, const JsonValue& definition);

  // Waits until no run is in progress (or timeout); true when idle.
  bool WaitIdle(std::chrono::milliseconds timeout);
  std::vector<WorkerRun> Runs() const;
  void Shutdown();

 private:
  struct Config {
    bool enabled = false;
    std::string client_id;
    bool proxy = false;
    std::string binary;
  };
  struct Launch;  // argv, env, directories of one run (worker.cc)
  void RunTask(std::string task_id, Json def, Config c, size_t run_index);
  Launch Prepare(const std::string& task_id, const Json& def, const Config& c) const;
  int Spawn(const Launch& l, size_t run_index);
  void Upload(const std::string& task_id, const Launch& l, const std::string& log);

  MemoryQueue& queue_;
  WorkerHost host_;
  mutable std::mutex mu_;
  std::condition_variable idle_cv_;
  Config config_;
  std::vector<WorkerRun> runs_;
  std::vector<std::thread> threads_;
  std::map<size_t, int> pids_;  // run index -> pid
  int active_ = 0;
  bool stopping_ = false;
};

}  // namespace tc

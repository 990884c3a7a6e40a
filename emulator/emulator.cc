// The local Taskcluster emulator: see emulator.h. This file composes the
// services (queue, auth, hooks + worker), the journal and faults, the
// control endpoints and the listeners; each concern lives in its own file:
//   queue_memory.h / queue_*.cc   the queue's rules, in memory
//   index.h                       the index service, in memory
//   create_task.h, ajv.h          createTask's checks, ajv-style schema errors
//   auth.h, roles.h, scopes.h     Hawk, clients, roles, scope expressions
//   routes.h (dispatch.cc and each service's routes), api.h
//   emulator_hooks.h, worker.h    the hooks service and the action-task worker
//   control.h, faults.h, journal.h, world.h, server.h
//
// Behaviour sources (Taskcluster v106 monorepo) are named in each file.
#include "emulator/emulator.h"


#include "core/error.h"
#include "core/timestamp.h"
#include "emulator/auth.h"
#include "emulator/control.h"
#include "emulator/emulator_hooks.h"
#include "emulator/faults.h"
#include "emulator/index.h"
#include "emulator/journal.h"
#include "emulator/routes.h"
#include "emulator/server.h"
#include "emulator/world.h"

namespace tc {

struct Emulator::Impl {
  EmulatorOptions opts;
  MemoryQueue queue;
  emu::AuthService auth;
  emu::Journal journal;
  emu::FaultSet faults;
  EmulatorHooks hooks;
  emu::IndexService index;
  emu::Services services;
  emu::ControlTargets control;
  emu::Frontend frontend;
  std::unique_ptr<emu::Listener> server, proxy_server;
  int port = -1, proxy_port = -1;  // kept after Stop()

  explicit Impl(EmulatorOptions o)
      : opts(std::move(o)),
        queue(opts.clock),
        auth(opts.proxy_client_id),
        hooks(queue, auth, journal, WorkerHost{[this] { return Root(); }, [this] { return ProxyUrl(); },
                                               [this](const std::string& id) { return auth.AccessToken(id); }}),
        index([this] { return queue.NowMs(); }),
        services{queue, auth, hooks, index, [this] { return Root(); }, NowMs()},
        control{queue, hooks, faults, journal, index},
        frontend{services, control, faults, journal} {
    // the index indexes a task's `index.<namespace>` routes when it completes (handlers.js)
    queue.SetCompletedListener(
        [this](const std::string& task_id, const JsonValue& definition) { index.TaskCompleted(task_id, definition); });
  }

  std::string Root() const { return "http://127.0.0.1:" + std::to_string(port); }
  std::string ProxyUrl() const { return proxy_port < 0 ? "" : "http://127.0.0.1:" + std::to_string(proxy_port); }
};

Emulator::Emulator(EmulatorOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  const std::string& h = impl_->opts.host;
  if (h != "127.0.0.1" && h != "localhost" && h != "::1")
    throw BadInput("emulator host must be a loopback address (127.0.0.1), not `" + h + "`");
  // Bound before the world is read: its $rootUrl / $proxyUrl strings name the ports.
  impl_->server = std::make_unique<emu::Listener>(impl_->frontend, false, impl_->opts.port, impl_->opts.threads);
  impl_->port = impl_->server->port();
  if (impl_->opts.proxy_port >= 0) {
    impl_->proxy_server =
        std::make_unique<emu::Listener>(impl_->frontend, true, impl_->opts.proxy_port, impl_->opts.threads);
    impl_->proxy_port = impl_->proxy_server->port();
  }
  const std::string proxy = impl_->proxy_port >= 0 ? impl_->ProxyUrl() : impl_->Root();
  Json world = emu::ReadWorld(impl_->opts, impl_->queue.NowMs(), impl_->Root(), proxy);
  emu::WorldTargets targets{impl_->queue, impl_->auth, impl_->faults, impl_->hooks, impl_->index};
  emu::LoadWorld(world, targets);
}

Emulator::~Emulator() { Stop(); }

void Emulator::Start() {
  if (!impl_->server) {  // started again after Stop(): bind anew
    impl_->server = std::make_unique<emu::Listener>(impl_->frontend, false, impl_->opts.port, impl_->opts.threads);
    impl_->port = impl_->server->port();
    if (impl_->opts.proxy_port >= 0) {
      impl_->proxy_server =
          std::make_unique<emu::Listener>(impl_->frontend, true, impl_->opts.proxy_port, impl_->opts.threads);
      impl_->proxy_port = impl_->proxy_server->port();
    }
  }
  impl_->server->Start();
  if (impl_->proxy_server) impl_->proxy_server->Start();
}

void Emulator::Stop() {
  impl_->hooks.Shutdown();  // action-task worker runs: killed and joined
  impl_->proxy_server.reset();  // stops accepting, waits for running requests
  impl_->server.reset();
}

int Emulator::port() const { return impl_->port; }
int Emulator::proxy_port() const { return impl_->proxy_port; }
std::string Emulator::root_url() const { return impl_->Root(); }
std::string Emulator::proxy_url() const { return "http://127.0.0.1:" + std::to_string(impl_->proxy_port); }
MemoryQueue& Emulator::queue() { return impl_->queue; }
EmulatorHooks& Emulator::hooks() { return impl_->hooks; }

void Emulator::AddClient(const std::string& client_id, const std::string& access_token,
                         const std::vector<std::string>& scopes) {
  impl_->auth.AddClient(client_id, access_token, scopes);
}
std::vector<std::string> Emulator::ClientIds() const { return impl_->auth.ClientIds(); }

std::vector<JournalEntry> Emulator::Journal() const { return impl_->journal.Entries(); }
Json Emulator::JournalJson() const { return impl_->journal.ToJson(); }
void Emulator::ClearJournal() { impl_->journal.Clear(); }

void Emulator::AddFaults(const std::vector<EmulatorFault>& faults) { impl_->faults.Add(faults); }
void Emulator::ClearFaults() { impl_->faults.Clear(); }
std::vector<EmulatorFault> Emulator::Faults() const { return impl_->faults.List(); }

void Emulator::SeedTasks(const JsonValue& tasks) { emu::SeedWorldTasks(impl_->queue, tasks); }

}  // namespace tc

// tc-emulator: the local Taskcluster emulator (a test double for tests, the
// demo and the benchmark; never part of tc-action or its image).
//
//   tc-emulator --world FILE [--port N] [--port-file F] [--proxy-port N --proxy-client ID]
//
// Runs until SIGINT/SIGTERM. See emulator.h for the routes and the world format.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "core/error.h"
#include "emulator/emulator.h"

namespace tc {
namespace {

int EmulatorMain(int argc, char** argv) {
  CLI::App app{"Run the local Taskcluster emulator (queue, auth, index, hooks) on 127.0.0.1"};
  app.name("tc-emulator");
  EmulatorOptions o;
  std::string port_file;
  app.add_option("--world", o.world_path, "World file (JSON): clients, roles, tasks, index, hooks, faults, pageSize")->check(CLI::ExistingFile);
  app.add_option("--port", o.port, "Port (0: any free port)");
  app.add_option("--proxy-port", o.proxy_port, "Also listen as taskcluster-proxy on this port (0: any)");
  app.add_option("--proxy-client", o.proxy_client_id, "The clientId the proxy listener acts as");
  app.add_option("--port-file", port_file, "Write the chosen port to this file");
  app.add_option("--threads", o.threads, "Server threads per listener (each idle keep-alive connection holds one)")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : static_cast<int>(ExitCode::kBadInput);
  }
  if (o.proxy_port >= 0 && o.proxy_client_id.empty()) {
    std::cerr << "error: --proxy-port needs --proxy-client\n";
    return static_cast<int>(ExitCode::kBadInput);
  }
  // Block SIGINT/SIGTERM before any server thread starts, then wait for one.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  try {
    Emulator emu(o);
    emu.Start();
    std::cout << "Taskcluster emulator: " << emu.root_url() << "\n";
    if (emu.proxy_port() >= 0)
      std::cout << "taskcluster-proxy (as " << o.proxy_client_id << "): " << emu.proxy_url() << "\n";
    std::cout << "clients:";
    for (auto& id : emu.ClientIds()) std::cout << " " << id;
    std::cout << std::endl;
    if (!port_file.empty()) {
      std::string tmp = port_file + ".tmp";
      {
        std::ofstream f(tmp);
        f << emu.port() << "\n";
      }
      std::rename(tmp.c_str(), port_file.c_str());
    }
    int sig = 0;
    sigwait(&set, &sig);
    emu.Stop();
    return 0;
  } catch (const BadInput& e) {
    std::cerr << "error: " << e.what() << "\n";
    return static_cast<int>(ExitCode::kBadInput);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return static_cast<int>(ExitCode::kTaskcluster);
  }
}

}  // namespace
}  // namespace tc

int main(int argc, char** argv) { return tc::EmulatorMain(argc, argv); }

// The emulator's HTTP front end: Poco HTTPServer listeners on 127.0.0.1 (the
// API listener and, optionally, a taskcluster-proxy listener whose requests
// act as one client without an Authorization header), and the path every
// request takes: control endpoints; else injected faults (latency, reset,
// 500/503), the /__s3/ downloads or the API dispatch, the journal entry, and
// the reply (or a reset connection).
//
// Thread-safety: requests run on the listener's thread pool; the front end
// keeps no state of its own (its services are thread-safe).
#pragma once
#include <memory>

#include "emulator/control.h"
#include "emulator/routes.h"

namespace Poco {
class ThreadPool;
namespace Net {
class HTTPServer;
}
}  // namespace Poco

namespace tc::emu {

struct Frontend {
  Services& services;
  ControlTargets& control;
  FaultSet& faults;
  Journal& journal;
};

class Listener {
 public:
  // Binds 127.0.0.1:port (0: any free port) and listens; connections wait
  // in the backlog until Start(). Serves on its own pool of up to `threads`
  // threads: one per open connection (keep-alive holds its thread), so
  // `threads` >= the clients' concurrent connections (Poco's default pool
  // would cap it at 16).
  Listener(Frontend& frontend, bool proxy, int port, int threads);
  void Start();  // starts serving
  ~Listener();
  int port() const { return port_; }
  void Stop();  // stops accepting and waits for running requests

 private:
  std::unique_ptr<Poco::ThreadPool> pool_;  // outlives server_
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  int port_ = -1;
  bool started_ = false;
};

}  // namespace tc::emu

// The emulator's control endpoints (no auth; for tests, the demo and the
// benchmark), below /__emulator/:
//   GET|DELETE journal      the request journal (journal.h)
//   GET tasks               [{taskId, task, status}]
//   POST tasks              [world task entries] seeds more tasks
//   GET|POST|DELETE faults  POST appends a JSON array of faults (faults.h)
//   POST clock              {"advanceSeconds": N}
//   POST resolve            {"taskId", "state": completed|failed|exception|running, "reason"?}
//   POST artifacts          {"taskId", "runId"?, "name", <artifact fields as in the world>}
//   GET|POST hooks, GET|POST worker   (emulator_hooks.h)
//   GET index               every index entry, expired ones included
//   POST index              [world index entries] inserts them (world.h)
// Bodies may use "$now" strings as the world file does. Errors: lib-api
// error bodies (method "emulator"); an unknown endpoint is a 404.
//
// Stateless: every target is thread-safe.
#pragma once
#include "emulator/api.h"
#include "emulator/emulator_hooks.h"
#include "emulator/faults.h"
#include "emulator/index.h"
#include "emulator/journal.h"

namespace tc::emu {

struct ControlTargets {
  MemoryQueue& queue;
  EmulatorHooks& hooks;
  FaultSet& faults;
  Journal& journal;
  IndexService& index;
};

// req.path starts with /__emulator/; req.body is read.
Reply Control(ControlTargets& t, Request& req);

}  // namespace tc::emu

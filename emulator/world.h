// The world file (emulator.h; examples in tests/data/worlds/README.md):
// reading it, expanding "$now" strings, and loading its clients, roles,
// anonymous scopes, page size, tasks (with artifacts), index entries, faults,
// hooks and worker into the emulator's services.
//
// Loading is not synchronised with requests: the emulator loads its world
// before it listens; later seeding (POST /__emulator/tasks) goes through the
// services' own thread-safe methods.
#pragma once
#include <cstdint>

#include "core/json.h"
#include "emulator/emulator.h"

namespace tc::emu {

class AuthService;
class FaultSet;
class IndexService;

struct WorldTargets {
  MemoryQueue& queue;
  AuthService& auth;
  FaultSet& faults;
  EmulatorHooks& hooks;
  IndexService& index;
};

// The world of the options (file or inline JSON; null when neither), with
// "$now" strings expanded against now_ms, and "$rootUrl" / "$proxyUrl"
// anywhere in a string replaced by root_url / proxy_url. BadInput when
// malformed.
Json ReadWorld(const EmulatorOptions& options, int64_t now_ms, const std::string& root_url,
               const std::string& proxy_url);
void LoadWorld(const JsonValue& world, WorldTargets& targets);
// World "tasks" entries: seeded, dependencies checked, then their artifacts.
void SeedWorldTasks(MemoryQueue& queue, const JsonValue& tasks);
// World "index" entries {namespace, taskId, rank?, expires?, data?}, inserted
// as insertTask inserts (rank 0, data {}, expires the task's when it is a
// world task, else required).
void SeedIndex(IndexService& index, MemoryQueue& queue, const JsonValue& entries);

}  // namespace tc::emu

// The emulator's API routes: which service answers /api/<service>/v1/...,
// and each service's route table.
//
//   dispatch.cc      which service; /api/<service>/v1/ping; error replies
//   queue_routes.cc  /api/queue/v1/    tasks, task groups, the worker API
//   artifacts.cc     /api/queue/v1/... artifacts, and /__s3/ downloads
//   hooks_routes.cc  /api/hooks/v1/    triggerHook
//   index_routes.cc  /api/index/v1/    findTask, listTasks, listNamespaces, insertTask,
//                                      findArtifactFromTask
//   auth_routes.cc   /api/auth/v1/     currentScopes, expandScopes
//   (every service)  /api/<service>/v1/ping
//
// Invariants: a route handler checks, in lib-api's order, the URL
// parameters, the query string, authentication and scopes, the input schema,
// then calls the service; it reports errors by throwing TcError or ApiError
// (Dispatch turns them into lib-api error bodies) and UnknownRoute when no
// route matches. Handlers keep no state: the services they call are
// thread-safe.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "emulator/api.h"
#include "emulator/auth.h"
#include "emulator/index.h"
#include "emulator/queue_memory.h"

namespace tc {
class EmulatorHooks;
}

namespace tc::emu {

struct Services {
  MemoryQueue& queue;
  AuthService& auth;
  EmulatorHooks& hooks;
  IndexService& index;
  std::function<std::string()> root_url;
  int64_t started_ms;  // for ping's uptime
};

// /api/<service>/v1/... -> the service's routes; every error becomes a
// lib-api error reply.
Reply Dispatch(Services& s, Request& req);

Reply QueueRoutes(Services& s, Request& req, const std::string& rest);
Reply HooksRoutes(Services& s, Request& req, const std::string& rest);
Reply IndexRoutes(Services& s, Request& req, const std::string& rest);
Reply AuthRoutes(Services& s, Request& req, const std::string& rest);

// getArtifact / getLatestArtifact (run: nullopt for the latest run).
Reply ArtifactRoute(Services& s, Request& req, const std::string& task_id, const std::optional<std::string>& run,
                    const std::string& name);
// GET /__s3/<taskId>/<runId>/<name>: the artifact's bytes (gzip-encoded when
// stored so), or S3's NoSuchKey.
Reply ServeS3(MemoryQueue& queue, const Request& req);
// The most a world file, or an artifact's "contentFile", may hold: test input,
// not outside input, so above tc-action's input cap (the benchmark's 30k-task
// push seeds ~100 MB of task definitions and a 110 MB full graph).
constexpr size_t kMaxWorldFileBytes = size_t{1} << 30;

// A world/control artifact entry -> MemArtifact (BadInput naming `where`);
// "contentFile" is read up to kMaxWorldFileBytes.
MemArtifact ParseArtifact(const std::string& name, const JsonValue& v, const std::string& where);

}  // namespace tc::emu

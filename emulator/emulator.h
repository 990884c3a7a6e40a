// The local Taskcluster emulator: an HTTP server (Poco, 127.0.0.1 only) over
// MemoryQueue and an in-memory index that answers like the genuine queue,
// auth, index and hooks services (v106): same routes, status codes, error
// bodies {code, message, requestInfo}, Hawk authentication (incl. temporary
// credentials and authorizedScopes), roles, scope checks as api.js declares
// them, and the anonymous role's read scopes. Every service answers
// /api/<service>/v1/ping.
//
// Queue routes (root_url() + ...):
//   /api/queue/v1/ping, task/<id>, task/<id>/status, PUT task/<id>,
//   POST task/<id>/schedule|rerun|cancel, task-group/<id>, task-group/<id>/list,
//   task/<id>/dependents, task/<id>/artifacts/<name>,
//   task/<id>/runs/<run>/artifacts/<name>, POST claim-work/<taskQueueId>,
//   POST task/<id>/runs/<run>/claim|completed|failed|exception,
//   POST tasks/status (statuses: {taskIds}; queue:status:<taskId> for each;
//   unknown taskIds left out; paged, the same body with ?continuationToken=).
//   s3 artifacts answer 303 to /__s3/<taskId>/<runId>/<name> on the emulator
//   (served with Content-Encoding: gzip when stored gzipped); reference
//   artifacts 303 to their url; error artifacts 424 {reason, message}.
// Index service (index.h): /api/index/v1/task/<indexPath> (findTask),
//   tasks[/<namespace>] (listTasks), namespaces[/<namespace>] (listNamespaces),
//   PUT task/<namespace> (insertTask), task/<indexPath>/artifacts/<name>
//   (findArtifactFromTask), POST tasks/indexes (findTasksAtIndex: {indexes};
//   index:find-task:<path> for each; expired entries included, as the real
//   DB function does; paged, the same body with ?continuationToken=). A task's routes `index.<namespace>` are indexed
//   when it completes, with task.extra.index's rank, expires and data.
// Auth service (auth.h, roles.h): GET /api/auth/v1/scopes/current
//   (currentScopes), POST scopes/expand (expandScopes).
// Control endpoints (no auth):
//   GET|DELETE /__emulator/journal      journal of API requests (see JournalEntry; mutating
//                                       requests carry their body: "body", parsed JSON or the text)
//   GET /__emulator/tasks               [{taskId, task, status}]
//   POST /__emulator/tasks              [world task entries] seeds more tasks
//   GET|POST|DELETE /__emulator/faults  POST appends a JSON array of faults
//   POST /__emulator/clock              {"advanceSeconds": N}
//   POST /__emulator/resolve            {"taskId", "state": completed|failed|exception|running, "reason"?}
//   POST /__emulator/artifacts          {"taskId", "runId"?, "name", <artifact fields as in the world>}
//   GET|POST /__emulator/hooks, GET|POST /__emulator/worker   (emulator_hooks.h)
//   GET /__emulator/index               every index entry; POST [world index entries]
// Hooks service: POST /api/hooks/v1/hooks/<hookGroupId>/<hookId>/trigger
//   (world "hooks" and "worker"; see emulator_hooks.h).
//
// World file (JSON; documented with examples in tests/data/worlds/README.md):
//   {
//     "clients": [{"clientId": "...", "accessToken": "...", "scopes": ["..."]}],
//     "roles": [{"roleId": "...", "scopes": [...]}],          // optional; assume:<roleId>, the real rules
//                                                               // (roleId ending in *, <..> parameters)
//     "anonymousScopes": [...],                                 // optional; default: upstream's anonymous role
//     "pageSize": N,                                            // default page size of the queue's and the
//                                                               // index's lists (default 1000)
//     "tasks": [{"taskId": "<slugid>", "task": <definition>,
//                "state": "unscheduled|pending|running|completed|failed|exception",
//                "runs": N | [{"state", "reasonCreated"?, "reasonResolved"?, "workerGroup"?, "workerId"?}],
//                "reason": "<reasonResolved of the last run>",
//                "artifacts": {"<name>": {"storageType": "s3|reference|error|link",
//                               "contentType", "content": <string or JSON>, "gzip": bool,
//                               "contentFile": "<path>" (instead of content: a local file's bytes),
//                               "url", "reason", "message", "artifact" (link target),
//                               "expires", "runId"}}}],
//     "index": [{"namespace": "<index path>", "taskId": "<slugid>", "rank"?: N, "expires"?: "<time>",
//                "data"?: {...}}],                              // after the tasks; a task seeded
//                                                               // completed is indexed by its routes
//     "faults": [<fault>, ...]
//   }
//   Every string of the form $now, $now+90s, $now-3h, $now+2d, $now+30m,
//   $now+500ms anywhere in the world becomes that ISO-8601 time (ms, Z) at load.
//   "$rootUrl" and "$proxyUrl" anywhere inside a string become the root URL
//   and the proxy listener's URL (the root URL without a proxy listener): the
//   listeners are bound before the world is read. Keys the emulator does not
//   know are ignored (the differential worlds carry refs, names, parameters...).
//   Seeding bypasses the createTask "created within 15 minutes" and
//   "deadline in the future" rules; definitions must otherwise be valid.
//
// Fault: {"method": "PUT"|"*", "path": "<ECMAScript regex searched in the path>",
//         "kind": "500"|"503"|"<other 4xx/5xx status>"|"reset"|"reset-after-commit"|"latency",
//         "latencyMs": N, "times": N (default 1), "skip": N (default 0),
//         "bodyMatch": "<regex>", "code": "...", "message": "..."}
//   bodyMatch: the fault matches only requests whose body, as Python's
//   json.dumps(body, sort_keys=True) writes it (keys sorted, separators ", "
//   and ": "; the raw body when it is not JSON), contains a match (the body
//   is then read before the fault fires, also for reset);
//   a status kind answers a lib-api error body {code, message, requestInfo}
//   with that status (500: InternalServerError "Internal Server Error,
//   incidentId ..."; 503: a text/plain body, as a load balancer's), code and
//   message overridable (other fields of a fault object are ignored);
//   reset: the connection is closed (RST) without reading or answering;
//   reset-after-commit: the operation is performed, then the connection is
//   closed with no response; latency: sleeps latencyMs, then proceeds.
//
// Time: the queue's rules use the emulator clock (advanceable); Hawk timestamps
// and certificate validity are checked against the real wall clock, as the
// client signs with it.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "emulator/queue_memory.h"

namespace tc {

class EmulatorHooks;  // the hooks service + action-task worker (emulator_hooks.h)

struct EmulatorOptions {
  std::string world_path;   // empty: an empty world
  std::string world_json;   // alternative to world_path (inline JSON)
  int port = 0;             // 0: any free port
  int proxy_port = -1;      // -1: no proxy listener; 0: any free port
  std::string proxy_client_id;  // the client the proxy listener acts as
  std::string host = "127.0.0.1";  // must be a loopback address
  QueueClock clock;         // default: system clock
  // Server threads per listener. Poco keeps a thread on each idle keep-alive
  // connection (until its 15 s keep-alive timeout), so this must exceed the
  // clients' connections: tc-action and taskgraph run up to 50 calls at once.
  int threads = 64;
};

struct EmulatorFault {
  std::string method = "*";
  std::string path;  // regex
  std::string kind;  // 500 | 503 | another 4xx/5xx status | reset | reset-after-commit | latency
  int latency_ms = 0;
  int times = 1;
  int skip = 0;
  std::string body_match;  // regex searched in the request's canonical JSON body ("": any body)
  std::string code;        // error code of a status fault ("": the status's usual code)
  std::string message;     // its message ("": a default naming the injected fault)
};

struct JournalEntry {
  int64_t seq = 0;
  std::string service;       // "queue", "auth", "index", "hooks" (from /api/<service>/v1/); "" otherwise
  std::string method, path;  // path with query
  int status = 0;            // 0: no response was sent (reset faults)
  std::optional<std::string> client_id;  // authenticated or proxy client; nullopt: anonymous/failed
  bool mutating = false;     // not GET/HEAD
  bool committed = false;    // mutating and the operation took effect
  std::optional<std::string> fault;
  std::string body;          // mutating: the request body as received ("" when not read: reset faults)
};

class Emulator {
 public:
  explicit Emulator(EmulatorOptions options);
  ~Emulator();
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  void Start();
  void Stop();
  int port() const;
  int proxy_port() const;           // -1 when there is no proxy listener
  std::string root_url() const;     // "http://127.0.0.1:<port>"
  std::string proxy_url() const;    // "http://127.0.0.1:<proxy_port>"
  MemoryQueue& queue();
  EmulatorHooks& hooks();

  // Clients (world "clients"); tokens never leave the emulator except here.
  void AddClient(const std::string& client_id, const std::string& access_token,
                 const std::vector<std::string>& scopes);
  std::vector<std::string> ClientIds() const;

  std::vector<JournalEntry> Journal() const;
  Json JournalJson() const;
  void ClearJournal();

  void AddFaults(const std::vector<EmulatorFault>& faults);
  void ClearFaults();
  std::vector<EmulatorFault> Faults() const;

  // Seeds world "tasks" entries (same format as the world file).
  void SeedTasks(const JsonValue& tasks);

 private:
  struct Impl;  // emulator.cc
  std::unique_ptr<Impl> impl_;
};

// Replaces "$now", "$now+90s", "$now-3h", ... strings in v (recursively).
void ExpandNowStrings(JsonValue& v, int64_t now_ms, JsonAlloc& a);
// Parses a JSON fault array (throws BadInput naming the bad field).
std::vector<EmulatorFault> ParseFaults(const JsonValue& v);


}  // namespace tc

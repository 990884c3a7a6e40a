// The Taskcluster index service, as the actions need it (finding the
// decision task and earlier action/cron tasks of a push; index-search).
// Implementations: HttpIndex (index_http.h), the emulator's for tests.
//
// Every method returns the response body exactly as the real index's API
// returns it (services/index/src/api.js); errors are TcError (404
// ResourceNotFound when nothing is indexed at a path). Thread-safe.
#pragma once
#include <string>
#include <vector>

#include "core/json.h"
#include "taskcluster/queue.h"

namespace tc {

class Index {
 public:
  virtual ~Index() = default;
  // GET task/<indexPath>: {namespace, taskId, rank, data, expires}.
  virtual Json FindTask(const std::string& index_path) = 0;
  // GET tasks/<namespace>: {tasks: [{namespace, taskId, rank, data, expires}], continuationToken?}:
  // the tasks indexed directly below the namespace.
  virtual Json ListTasks(const std::string& ns, const Page& page) = 0;
  // POST tasks/indexes {indexes}: {tasks: [...], continuationToken?}: the
  // tasks indexed at these paths (paths with nothing indexed are left out).
  virtual Json FindTasksAtIndex(const std::vector<std::string>& index_paths, const Page& page) = 0;
};

}  // namespace tc

// The Taskcluster services an action talks to, as one bundle (leveldb's Env
// idea): HTTP implementations for a real deployment (services_http.h), the
// emulator's or in-memory ones in tests. index and auth may be null: without
// an index nothing is found indexed (the decision task is the action's task
// group), without auth the scope checks are reported as not done.
#pragma once
#include <functional>
#include <memory>

#include "taskcluster/auth.h"
#include "taskcluster/index.h"
#include "taskcluster/queue.h"

namespace tc {

struct Services {
  std::unique_ptr<Queue> queue;
  std::unique_ptr<Index> index;  // may be null
  std::unique_ptr<Auth> auth;    // may be null
};

using ServicesFactory = std::function<Services()>;

}  // namespace tc

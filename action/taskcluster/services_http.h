// The services of a real deployment over HTTP, sharing one connection pool.
#pragma once
#include "taskcluster/http.h"
#include "taskcluster/services.h"

namespace tc {

Services HttpServices(const ClientConfig& cfg);

}  // namespace tc

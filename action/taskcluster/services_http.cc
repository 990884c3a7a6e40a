#include "taskcluster/services_http.h"

#include "taskcluster/auth_http.h"
#include "taskcluster/index_http.h"
#include "taskcluster/queue_http.h"

namespace tc {

Services HttpServices(const ClientConfig& cfg) {
  auto http = std::make_shared<HttpClient>(HttpOptionsFor(cfg));
  Services s;
  s.queue = std::make_unique<HttpQueue>(cfg, http);
  s.index = std::make_unique<HttpIndex>(cfg, http);
  s.auth = std::make_unique<HttpAuthService>(cfg, http);
  return s;
}

}  // namespace tc

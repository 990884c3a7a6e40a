// The hooks service's API routes (services/hooks/src/api.js triggerHook).
// See routes.h and emulator_hooks.h.
#include "emulator/ajv.h"
#include "emulator/emulator_hooks.h"
#include "emulator/formats.h"
#include "emulator/routes.h"

namespace tc::emu {

// POST hooks/<hookGroupId>/<hookId>/trigger (the hookId may contain '/')
Reply HooksRoutes(Services& s, Request& req, const std::string& rest) {
  const std::string pre = "hooks/", suf = "/trigger";
  if (req.method != "POST" || rest.rfind(pre, 0) != 0 || rest.size() <= pre.size() + suf.size() ||
      rest.compare(rest.size() - suf.size(), suf.size(), suf) != 0)
    throw UnknownRoute{};
  std::string ids = rest.substr(pre.size(), rest.size() - pre.size() - suf.size());
  auto slash = ids.find('/');
  if (slash == std::string::npos) throw UnknownRoute{};
  std::string group = ids.substr(0, slash), id = ids.substr(slash + 1);
  req.api_name = "triggerHook";
  SetParam(req, "hookGroupId", group);
  SetParam(req, "hookId", id);
  Authorize(req, s.auth, ScopeExpr::S("hooks:trigger-hook:" + group + "/" + id));
  memq::CheckParam("hookGroupId", group, "^[a-zA-Z0-9-_]{1,1000}$");
  memq::CheckParam("hookId", id, "^[a-zA-Z0-9-_\\/]{1,1000}$");
  RequireJsonBody(req);
  RequireValid("taskcluster/hooks/v1/trigger-hook.json", req.payload);
  std::optional<std::string> client;
  if (Auth(req, s.auth).status == "auth-success") client = Auth(req, s.auth).client_id;
  EmulatorHooks::Result res = s.hooks.Trigger(group, id, req.payload, client);
  Reply r = JsonReply(res.body);
  r.committed = res.committed;
  return r;
}

}  // namespace tc::emu

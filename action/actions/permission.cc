#include "actions/permission.h"

#include <fmt/format.h>

#include "actions/push.h"
#include "actions/scopes.h"
#include "core/error.h"

namespace tc {

void CheckPermission(const ActionSpec& spec, const Context& ctx, const Facts& facts) {
  const std::string perm = spec.permission;
  const JsonValue& params = *facts.parameters;
  const std::string head = ParameterString(params, "head_repository", true);
  std::string base = ParameterString(params, "base_repository", false);
  if (base.empty()) base = head;
  const std::string action_scope = "assume:" + RepoRolePrefix(head, "parameters.head_repository") + ":action:" + perm;
  const std::string pr_scope = "assume:" + RepoRolePrefix(base, "parameters.base_repository") + ":pr-action:" + perm;
  if (!facts.current_scopes) {
    throw Refused(fmt::format("{} refused: it needs the permission {} ({} or {}), and the action task's scopes cannot "
                              "be read: {}",
                              ctx.action, perm, action_scope, pr_scope, facts.scopes_unavailable));
  }
  if (ScopesSatisfy(*facts.current_scopes, action_scope) || ScopesSatisfy(*facts.current_scopes, pr_scope)) return;
  throw Refused(fmt::format("{} refused: it needs the permission {}: the action task's scopes hold neither {} nor {}; "
                            "the action's hook (in-tree-action-<level>-{}) must run with that role",
                            ctx.action, perm, action_scope, pr_scope, perm));
}

}  // namespace tc

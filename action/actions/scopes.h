// Taskcluster scopes, as the queue and the action permission check need
// them: satisfaction (a scope ending in `*` satisfies every scope with that
// prefix; `*` is a wildcard only at the end), the scopes a planned queue call
// needs (services/queue/src/api.js), and the action permission taskgraph
// checks (actions/registry.py).
//
// The caller's scopes come from auth.currentScopes, which the auth service
// returns expanded (roles assumed, temporary credentials and
// authorizedScopes applied), so satisfaction needs no role expansion here.
#pragma once
#include <string>
#include <vector>

#include "actions/plan.h"
#include "core/json.h"

namespace tc {

bool ScopeSatisfies(const std::string& have, const std::string& need);
bool ScopesSatisfy(const std::vector<std::string>& have, const std::string& need);

// One requirement: any one of these scopes satisfies it.
struct ScopeNeed {
  std::vector<std::string> any_of;
  std::string why;  // "createTask <taskId>", "rerunTask <taskId>"...
};

// What a create op's definition needs (createTask): each of task.scopes,
// queue:route:<route> per route, queue:create-task:project:<projectId>,
// queue:scheduler-id:<schedulerId>, and queue:create-task:<priority>:<taskQueueId>
// for its priority or a higher one.
std::vector<ScopeNeed> CreateTaskScopes(const std::string& task_id, const JsonValue& definition);
// What a rerun or cancel of a task needs, from its status (schedulerId,
// taskGroupId, projectId): queue:<verb>-task:<schedulerId>/<taskGroupId>/<taskId>,
// queue:<verb>-task-in-project:<projectId>, or the legacy pair.
ScopeNeed RerunOrCancelScopes(OpKind kind, const std::string& task_id, const JsonValue& status);
// The needs that `have` does not satisfy.
std::vector<ScopeNeed> Unsatisfied(const std::vector<std::string>& have, const std::vector<ScopeNeed>& needs);
// "a (why), b or c (why)" for messages.
std::string DescribeNeeds(const std::vector<ScopeNeed>& needs, size_t max_items = 10);

// The role prefix of a repository, as Taskcluster's repo roles name it:
// "repo:github.com/<org>/<repo>", "repo:hg.mozilla.org/<path>" (https://,
// ssh://, git@host:path forms; no trailing "/" or ".git"). Throws BadInput
// naming `field` for a URL it cannot read.
std::string RepoRolePrefix(const std::string& url, const std::string& field);

}  // namespace tc

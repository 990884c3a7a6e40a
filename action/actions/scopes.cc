#include "actions/scopes.h"

#include <fmt/format.h>

#include <regex>

#include "core/error.h"

namespace tc {

namespace {

// The queue's priority levels, highest first (services/queue/src/api.js).
const char* const kPriorities[] = {"highest", "very-high", "high", "medium", "low", "very-low", "lowest"};

std::string TaskQueueOf(const JsonValue& def) {
  if (auto q = GetString(def, "taskQueueId")) return *q;
  return GetString(def, "provisionerId").value_or("") + "/" + GetString(def, "workerType").value_or("");
}

}  // namespace

bool ScopeSatisfies(const std::string& have, const std::string& need) {
  if (have == need) return true;
  return !have.empty() && have.back() == '*' && need.compare(0, have.size() - 1, have, 0, have.size() - 1) == 0;
}

bool ScopesSatisfy(const std::vector<std::string>& have, const std::string& need) {
  for (const auto& h : have)
    if (ScopeSatisfies(h, need)) return true;
  return false;
}

std::vector<ScopeNeed> CreateTaskScopes(const std::string& task_id, const JsonValue& def) {
  const std::string why = "createTask " + task_id;
  std::vector<ScopeNeed> needs;
  for (const auto& s : StringsOf(Member(def, "scopes"))) needs.push_back({{s}, why + " (task.scopes)"});
  for (const auto& r : StringsOf(Member(def, "routes"))) needs.push_back({{"queue:route:" + r}, why});
  needs.push_back({{"queue:create-task:project:" + GetString(def, "projectId").value_or("none")}, why});
  needs.push_back({{"queue:scheduler-id:" + GetString(def, "schedulerId").value_or("-")}, why});
  const std::string priority = GetString(def, "priority").value_or("lowest");
  ScopeNeed p{{}, why};
  for (const char* level : kPriorities) {
    p.any_of.push_back(fmt::format("queue:create-task:{}:{}", level, TaskQueueOf(def)));
    if (priority == level) break;
  }
  needs.push_back(std::move(p));
  return needs;
}

ScopeNeed RerunOrCancelScopes(OpKind kind, const std::string& task_id, const JsonValue& status) {
  const char* verb = kind == OpKind::kRerun ? "rerun" : "cancel";
  const std::string scheduler = GetString(status, "schedulerId").value_or("-");
  const std::string group = GetString(status, "taskGroupId").value_or("");
  ScopeNeed n;
  n.why = fmt::format("{}Task {}", verb, task_id);
  n.any_of.push_back(fmt::format("queue:{}-task:{}/{}/{}", verb, scheduler, group, task_id));
  n.any_of.push_back(fmt::format("queue:{}-task-in-project:{}", verb, GetString(status, "projectId").value_or("none")));
  return n;
}

std::vector<ScopeNeed> Unsatisfied(const std::vector<std::string>& have, const std::vector<ScopeNeed>& needs) {
  std::vector<ScopeNeed> out;
  for (const auto& n : needs) {
    bool ok = false;
    for (const auto& s : n.any_of) ok = ok || ScopesSatisfy(have, s);
    if (!ok) out.push_back(n);
  }
  return out;
}

std::string DescribeNeeds(const std::vector<ScopeNeed>& needs, size_t max_items) {
  std::string out;
  for (size_t i = 0; i < needs.size() && i < max_items; ++i)
    out += fmt::format("{}{} ({})", i ? ", " : "", fmt::join(needs[i].any_of, " or "), needs[i].why);
  if (needs.size() > max_items) out += fmt::format(" and {} more", needs.size() - max_items);
  return out;
}

std::string RepoRolePrefix(const std::string& url, const std::string& field) {
  // https://host/path, ssh://[user@]host/path, git@host:path
  static const std::regex kUrl(R"(^(?:https|ssh)://(?:[^@/]+@)?([^/:]+)(?::\d+)?/(.+)$)");
  static const std::regex kScp(R"(^[^@/]+@([^:/]+):(.+)$)");
  std::smatch m;
  if (!std::regex_match(url, m, kUrl) && !std::regex_match(url, m, kScp)) {
    throw BadInput(fmt::format("{}: \"{}\" is not a repository URL tc-action can read (expected https://, ssh:// or "
                               "git@host:path)",
                               field, SanitizeUtf8(url.substr(0, 200))));
  }
  std::string host = m[1], path = m[2];
  while (!path.empty() && path.back() == '/') path.pop_back();
  if (path.size() > 4 && path.compare(path.size() - 4, 4, ".git") == 0) path.resize(path.size() - 4);
  while (!path.empty() && path.front() == '/') path.erase(0, 1);
  if (path.empty()) throw BadInput(field + ": \"" + SanitizeUtf8(url.substr(0, 200)) + "\" names no repository");
  return "repo:" + host + "/" + path;
}

}  // namespace tc

// Roles: see roles.h.
#include "emulator/roles.h"

#include <optional>
#include <set>
#include <stdexcept>

#include "emulator/scopes.h"

namespace tc::emu {

namespace {

bool EndsWithStar(const std::string& s) { return !s.empty() && s.back() == '*'; }
bool StartsWith(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

// The role input a scope stands for (scoperesolver.js ASSUME_PREFIX), if any.
std::optional<std::string> RoleInput(const std::string& scope) {
  if (StartsWith(scope, "assume:")) return scope.substr(7);
  if (EndsWithStar(scope) && StartsWith("assume", scope.substr(0, scope.size() - 1))) return std::string("*");
  return std::nullopt;
}

// Whether input x matches role id r, and the parameter for `<..>`.
std::optional<std::string> Match(const std::string& x, const std::string& r) {
  if (EndsWithStar(r)) {
    std::string prefix = r.substr(0, r.size() - 1);
    if (StartsWith(x, prefix)) return x.substr(prefix.size());
    if (EndsWithStar(x) && StartsWith(prefix, x.substr(0, x.size() - 1))) return std::string("*");
    return std::nullopt;
  }
  if (x == r) return std::string();
  if (EndsWithStar(x) && StartsWith(r, x.substr(0, x.size() - 1))) return std::string();
  return std::nullopt;
}

// trie.js withParam: `<..>` (its first occurrence) becomes param; a param
// ending in `*` also replaces the rest of the scope.
std::string WithParam(const std::string& scope, const std::string& param) {
  auto at = scope.find("<..>");
  if (at == std::string::npos) return scope;
  if (EndsWithStar(param)) return scope.substr(0, at) + param;
  return scope.substr(0, at) + param + scope.substr(at + 4);
}

}  // namespace

void RoleSet::Put(Role role) {
  for (auto& r : roles_)
    if (r.id == role.id) {
      r = std::move(role);
      return;
    }
  roles_.push_back(std::move(role));
}

std::vector<std::string> RoleSet::Expand(std::vector<std::string> scopes) const {
  std::set<std::string> have(scopes.begin(), scopes.end());
  std::vector<std::string> pending(have.begin(), have.end());
  while (!pending.empty()) {
    std::string scope = std::move(pending.back());
    pending.pop_back();
    auto x = RoleInput(scope);
    if (!x) continue;
    for (const auto& role : roles_) {
      auto param = Match(*x, role.id);
      if (!param) continue;
      for (const auto& s : role.scopes) {
        std::string granted = EndsWithStar(role.id) ? WithParam(s, *param) : s;
        if (have.insert(granted).second) pending.push_back(granted);
      }
      if (have.size() > kMaxExpandedScopes)
        throw std::runtime_error("role expansion does not terminate (a cycle in the world's roles?)");
    }
  }
  return NormalizeScopes(std::vector<std::string>(have.begin(), have.end()));
}

}  // namespace tc::emu

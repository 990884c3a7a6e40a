// Roles: see roles.h.
#include "emulator/roles.h"

#include <algorithm>
#include <stdexcept>

#include "emulator/scopes.h"

namespace tc::emu {

void RoleSet::Put(Role role) {
  for (auto& r : roles_)
    if (r.id == role.id) {
      r = std::move(role);
      return;
    }
  roles_.push_back(std::move(role));
}

std::vector<std::string> RoleSet::Expand(std::vector<std::string> scopes) const {
  for (bool changed = true; changed;) {
    changed = false;
    for (auto& role : roles_) {
      std::string need = "assume:" + role.id;
      bool match = ScopesSatisfy(scopes, need);
      if (!match && !role.id.empty() && role.id.back() == '*')
        for (auto& s : scopes)
          if (ScopeSatisfies(need, s)) match = true;
      if (!match) continue;
      for (auto& s : role.scopes)
        if (std::find(scopes.begin(), scopes.end(), s) == scopes.end()) {
          scopes.push_back(s);
          changed = true;
        }
      if (scopes.size() > kMaxExpandedScopes)
        throw std::runtime_error("role expansion does not terminate (a cycle in the world's roles?)");
    }
  }
  return scopes;
}

}  // namespace tc::emu

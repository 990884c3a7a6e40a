// Roles: what `assume:<roleId>` grants, and the expansion of a scope set
// through them (the auth service's ScopeResolver).
//
// Invariants: a RoleSet is a value; it is not synchronised (its owner,
// AuthService, guards it). Expand always terminates: it stops with an error
// past kMaxExpandedScopes (the real auth service refuses such roles as a
// dependency cycle when they are created).
#pragma once
#include <string>
#include <vector>

namespace tc::emu {

struct Role {
  std::string id;  // without "assume:"
  std::vector<std::string> scopes;
};

class RoleSet {
 public:
  static constexpr size_t kMaxExpandedScopes = 100000;

  // Adds a role, or replaces the role with the same id.
  void Put(Role role);
  const std::vector<Role>& roles() const { return roles_; }

  // The scopes plus everything the roles they can assume grant, to a fixed
  // point.
  std::vector<std::string> Expand(std::vector<std::string> scopes) const;

 private:
  std::vector<Role> roles_;
};

}  // namespace tc::emu

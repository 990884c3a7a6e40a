// Roles: what `assume:<roleId>` grants, and the expansion of a scope set
// through them, with the auth service's rules (services/auth/src/
// scoperesolver.js and trie.js, v106):
//  - a scope expands when it is `assume:<x>`, or a star scope that could
//    match `assume:...` (`*`, `a*`, ..., `assume*`; these stand for x = `*`);
//  - x matches role R when x == R; or R ends in `*` and x starts with R
//    minus the `*`; or x ends in `*` and R starts with x minus the `*`;
//  - a role ending in `*` may grant parameterized scopes: `<..>` is replaced
//    by what of x follows R's prefix (`*` when x's own star reached past the
//    prefix); when that text ends in `*`, everything after `<..>` is dropped
//    (so the result is one star scope). A role without `*` grants `<..>`
//    literally;
//  - granted scopes expand in turn (a fixed point), and the result is the
//    normalized union of input and grants (scopes.h NormalizeScopes).
//
// Invariants: a RoleSet is a value; it is not synchronised (its owner,
// AuthService, guards it). Expand always terminates: past kMaxExpandedScopes
// it throws (the real service refuses such roles as a dependency cycle when
// they are created).
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

  // The normalized scopes plus everything the roles grant them, to a fixed point.
  std::vector<std::string> Expand(std::vector<std::string> scopes) const;

 private:
  std::vector<Role> roles_;
};

}  // namespace tc::emu

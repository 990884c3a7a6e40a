// Scopes as taskcluster-lib-scopes defines them: satisfaction, the canonical
// order and normal form of a scope set, and scope expressions ({AllOf},
// {AnyOf}) with lib-api's texts for what is missing.
//
// Sources: taskcluster-lib-scopes src/index.js (patternMatch, scopeCompare,
// normalizeScopeSet, satisfiesExpression, removeGivenScopes) and
// libraries/api/src/middleware/auth.js (the InsufficientScopes messages).
//
// Invariants: the one scope-satisfaction rule of the emulator lives here
// (auth, the queue's routes, the hooks service and the index all use it).
// Everything is a pure function of its arguments: thread-safe.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"

namespace tc::emu {

// `have` satisfies `need` when equal, or when `have` ends in '*' and `need`
// starts with `have` minus the '*' (patternMatch).
bool ScopeSatisfies(const std::string& have, const std::string& need);
bool ScopesSatisfy(const std::vector<std::string>& have, const std::string& need);

// Printable ASCII (0x20-0x7e), as validScope.
bool ValidScope(const std::string& scope);

// scopeCompare: ordinary string order, except that a trailing '*' sorts
// before the end of the string ("a*" < "a" < "a(").
bool ScopeLess(const std::string& a, const std::string& b);

// Sorted with ScopeLess, duplicates and scopes satisfied by a star scope
// removed (normalizeScopeSet after sorting).
std::vector<std::string> NormalizeScopes(std::vector<std::string> scopes);

// A scope expression: a scope, {AllOf: [...]} or {AnyOf: [...]}.
struct ScopeExpr {
  enum Kind { kScope, kAll, kAny } kind = kScope;
  std::string scope;
  std::vector<ScopeExpr> kids;
  static ScopeExpr S(std::string s);
  static ScopeExpr All(std::vector<ScopeExpr> kids);
  static ScopeExpr Any(std::vector<ScopeExpr> kids);
};

bool Satisfied(const std::vector<std::string>& have, const ScopeExpr& e);
// removeGivenScopes: the part of e that `have` does not satisfy (nullopt: none).
std::optional<ScopeExpr> Unsatisfied(const std::vector<std::string>& have, const ScopeExpr& e);
// lib-api's message templating: a scope as-is, an expression as
// JSON.stringify(expr, null, 2).
std::string ExprText(const ScopeExpr& e);

// The InsufficientScopes message lib-api writes for a caller with
// credentials (client_id) or without (nullopt).
std::string InsufficientScopesMessage(const std::optional<std::string>& client_id,
                                      const std::vector<std::string>& have, const ScopeExpr& required);

}  // namespace tc::emu

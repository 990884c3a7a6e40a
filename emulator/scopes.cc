// Scopes: see scopes.h.
#include "emulator/scopes.h"

#include <algorithm>

namespace tc::emu {

bool ScopeSatisfies(const std::string& have, const std::string& need) {
  if (have == need) return true;
  if (!have.empty() && have.back() == '*')
    return need.size() >= have.size() - 1 && need.compare(0, have.size() - 1, have, 0, have.size() - 1) == 0;
  return false;
}

bool ScopesSatisfy(const std::vector<std::string>& have, const std::string& need) {
  for (const auto& h : have)
    if (ScopeSatisfies(h, need)) return true;
  return false;
}

bool ValidScope(const std::string& scope) {
  for (unsigned char c : scope)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

bool ScopeLess(const std::string& a, const std::string& b) {
  bool astar = !a.empty() && a.back() == '*', bstar = !b.empty() && b.back() == '*';
  std::string_view x(a.data(), a.size() - (astar ? 1 : 0)), y(b.data(), b.size() - (bstar ? 1 : 0));
  if (astar != bstar && x == y) return astar;
  return x < y;
}

std::vector<std::string> NormalizeScopes(std::vector<std::string> scopes) {
  std::stable_sort(scopes.begin(), scopes.end(), ScopeLess);
  std::vector<std::string> out;
  for (size_t i = 0; i < scopes.size();) {
    const std::string& s = scopes[i++];
    out.push_back(s);
    while (i < scopes.size() && scopes[i] == s) ++i;
    if (!s.empty() && s.back() == '*') {
      std::string_view prefix(s.data(), s.size() - 1);
      while (i < scopes.size() && std::string_view(scopes[i]).substr(0, prefix.size()) == prefix) ++i;
    }
  }
  return out;
}

ScopeExpr ScopeExpr::S(std::string s) {
  ScopeExpr e;
  e.scope = std::move(s);
  return e;
}
ScopeExpr ScopeExpr::All(std::vector<ScopeExpr> kids) {
  ScopeExpr e;
  e.kind = kAll;
  e.kids = std::move(kids);
  return e;
}
ScopeExpr ScopeExpr::Any(std::vector<ScopeExpr> kids) {
  ScopeExpr e;
  e.kind = kAny;
  e.kids = std::move(kids);
  return e;
}

bool Satisfied(const std::vector<std::string>& have, const ScopeExpr& e) {
  switch (e.kind) {
    case ScopeExpr::kScope:
      return ScopesSatisfy(have, e.scope);
    case ScopeExpr::kAll:
      for (auto& k : e.kids)
        if (!Satisfied(have, k)) return false;
      return true;
    case ScopeExpr::kAny:
      for (auto& k : e.kids)
        if (Satisfied(have, k)) return true;
      return false;
  }
  return false;
}

std::optional<ScopeExpr> Unsatisfied(const std::vector<std::string>& have, const ScopeExpr& e) {
  if (e.kind == ScopeExpr::kScope) return ScopesSatisfy(have, e.scope) ? std::nullopt : std::optional<ScopeExpr>(e);
  std::vector<ScopeExpr> out;
  for (auto& k : e.kids) {
    auto u = Unsatisfied(have, k);
    if (e.kind == ScopeExpr::kAny && !u) return std::nullopt;
    if (u) out.push_back(*u);
  }
  if (out.empty()) return std::nullopt;
  if (out.size() == 1) return out[0];
  return e.kind == ScopeExpr::kAll ? ScopeExpr::All(out) : ScopeExpr::Any(out);
}

namespace {
JsonValue ExprJson(const ScopeExpr& e, JsonAlloc& a) {
  if (e.kind == ScopeExpr::kScope) return Str(e.scope, a);
  JsonValue arr(rapidjson::kArrayType);
  for (auto& k : e.kids) arr.PushBack(ExprJson(k, a), a);
  JsonValue o(rapidjson::kObjectType);
  o.AddMember(e.kind == ScopeExpr::kAll ? "AllOf" : "AnyOf", arr, a);
  return o;
}
}  // namespace

std::string ExprText(const ScopeExpr& e) {
  if (e.kind == ScopeExpr::kScope) return e.scope;
  Json d;
  JsonValue v = ExprJson(e, d.GetAllocator());
  return ToPrettyJson(v);
}

std::string InsufficientScopesMessage(const std::optional<std::string>& client_id,
                                      const std::vector<std::string>& have, const ScopeExpr& required) {
  if (!client_id)
    return "This request requires Taskcluster credentials that satisfy the following scope expression:\n\n```\n" +
           ExprText(required) + "\n```";
  auto un = Unsatisfied(have, required);
  return "Client ID " + *client_id + " does not have sufficient scopes and is missing the following scopes:\n\n```\n" +
         (un ? ExprText(*un) : "") +
         "\n```\n\nThis request requires the client to satisfy the following scope expression:\n\n```\n" +
         ExprText(required) + "\n```";
}

}  // namespace tc::emu

// Internal pieces of the JSON-e engine (see jsone.h). Not part of the API.
//
// Values are immutable and share structure: copying a Val is cheap (strings,
// arrays and objects are reference-counted). Every array/object knows its
// nesting depth, and building one deeper than kJsoneMaxDepth throws, so all
// recursive walks over values are bounded.
#pragma once
#include <rapidjson/document.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "jsone/jsone.h"

namespace tc::jsone {

class Val;
struct ArrData;
struct ObjData;
struct Builtin;
struct Scope;
using Ctx = std::shared_ptr<const Scope>;

// ---- resource limits (see JsoneLimits)
// The limits of the render running on this thread, and its remaining work;
// set by JsoneRender (outside a render: defaults, unlimited work).
// This thread's limits and remaining work budget (accessors rather than
// extern thread_local variables: GCC's UBSan misreads those across TUs).
JsoneLimits& Limits();
int64_t& WorkLeft();
[[noreturn]] void ThrowWorkLimit();
inline void Charge(int64_t units) {
  if ((WorkLeft() -= units) < 0) ThrowWorkLimit();
}

// ---- errors
[[noreturn]] void ThrowTemplate(const std::string& msg);
[[noreturn]] void ThrowInterpreter(const std::string& msg);
[[noreturn]] void ThrowSyntax(const std::string& msg);
[[noreturn]] void ThrowBuiltin(const std::string& msg);

// ---- values
class Val {
 public:
  enum class T : uint8_t { Null, Bool, Num, Str, Arr, Obj, Fn };

  Val() = default;
  static Val Bool(bool b);
  static Val Num(double d);
  static Val Str(std::string s);
  static Val Arr(std::vector<Val> items);  // throws if too deep
  static Val Obj(ObjData data);             // throws if too deep
  static Val Fn(const Builtin* f);
  // The "delete marker": what $if without else (etc.) renders to. It is an
  // (empty) object, recognised by identity, as in the JS reference.
  static const Val& DeleteMarker();

  T type() const { return static_cast<T>(v_.index()); }
  bool is_null() const { return type() == T::Null; }
  bool is_bool() const { return type() == T::Bool; }
  bool is_num() const { return type() == T::Num; }
  bool is_str() const { return type() == T::Str; }
  bool is_arr() const { return type() == T::Arr; }
  bool is_obj() const { return type() == T::Obj; }
  bool is_fn() const { return type() == T::Fn; }
  bool is_delete_marker() const;

  bool b() const { return std::get<1>(v_); }
  double n() const { return std::get<2>(v_); }
  const std::string& s() const { return *std::get<3>(v_); }
  const std::vector<Val>& arr() const;
  const ObjData& obj() const { return *std::get<5>(v_); }
  const Builtin* fn() const { return std::get<6>(v_); }
  int depth() const;  // 0 for scalars, 1 + max(children) for containers
  int64_t weight() const;  // expanded size, see JsoneLimits::max_value_weight

 private:
  std::variant<std::monostate, bool, double, std::shared_ptr<const std::string>,
               std::shared_ptr<const ArrData>, std::shared_ptr<const ObjData>, const Builtin*>
      v_;
};

struct ArrData {
  std::vector<Val> items;
  int depth = 1;
  int64_t weight = 1;
};

// Insertion-ordered object with an index for larger objects.
struct ObjData {
  std::vector<std::pair<std::string, Val>> items;
  int depth = 1;
  int64_t weight = 1;

  const Val* Find(std::string_view key) const;
  // Sets key (replacing an existing value in place, like JS assignment).
  void Set(std::string key, Val v);
  size_t size() const { return items.size(); }

 private:
  std::unordered_map<std::string, size_t> index_;  // used when size > kSmall
  static constexpr size_t kSmall = 8;
};

// ---- context: a chain of scopes; built-ins sit below the outermost scope.
struct Scope {
  Ctx parent;
  ObjData vars;
  std::string base_now;  // root scope only: the render's clock (ISO string)
  static Ctx Push(const Ctx& parent, ObjData vars);
};
const std::string& BaseNow(const Ctx& ctx);
const Val* Lookup(const Ctx& ctx, std::string_view name);  // includes builtins
bool IsDefined(const Ctx& ctx, std::string_view name);

// ---- builtins
struct Builtin {
  const char* name;
  Val (*fn)(const Builtin& self, const Ctx& ctx, std::vector<Val>& args);
};
const Builtin* FindBuiltin(std::string_view name);
// The function value of a builtin, or nullptr.
const Val* BuiltinValue(std::string_view name);

// ---- conversions and JS semantics helpers
Val FromRapid(const rapidjson::Value& v, int depth = 0);
void ToRapid(const Val& v, rapidjson::Value& out, rapidjson::Document::AllocatorType& a);

std::string NumberToString(double d);  // JS Number.prototype.toString()
std::string ToJsString(const Val& v);  // JS String(v)
std::string StringifySorted(const Val& v);  // json-stable-stringify
std::string JsonQuote(std::string_view s);  // JSON.stringify(string)
bool IsTruthy(const Val& v);
bool DeepEqual(const Val& a, const Val& b);
bool ContainsFunctions(const Val& v);
bool IsIdentifier(std::string_view s);  // /^[a-zA-Z_][a-zA-Z0-9_]*$/
bool IsInteger(const Val& v);           // JS Number.isInteger
// String comparison in JS order (UTF-16 code units); returns <0, 0, >0.
int CompareJsStrings(std::string_view a, std::string_view b);

// ---- UTF-8
std::vector<uint32_t> Utf8Decode(std::string_view s);  // invalid bytes -> U+FFFD
void Utf8Append(std::string& out, uint32_t cp);
size_t Utf8Length(std::string_view s);  // code points
// Decodes one code point at s[i]; advances i.
uint32_t Utf8Next(std::string_view s, size_t& i);
bool IsJsSpace(uint32_t cp);  // JS \s / String.prototype.trim whitespace

// ---- expressions
// Parses and evaluates a whole expression.
Val EvalExpression(std::string_view src, const Ctx& ctx);
// Parses an expression that must be followed by `}` (used by ${..});
// *close receives the offset of the `}` in src.
Val EvalUntilBrace(std::string_view src, const Ctx& ctx, size_t* close);

// ---- time
// JS `fromNow(offset, reference)`: reference (an ISO date string or epoch
// milliseconds) if truthy, else the render's clock. On a bad offset or
// reference throws an error of kind `kind`.
std::string FromNow(std::string_view offset, const Val& reference, const Ctx& ctx, const char* kind);
std::string CurrentTimeIso();

}  // namespace tc::jsone

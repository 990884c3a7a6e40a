// JSON-e rendering: templates, operators and ${..} interpolation.
// Semantics and messages follow the reference implementation (json-e v4.8.4);
// tests/unit/jsone_spec_test.cc runs its conformance suite.
#include "jsone/jsone.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "jsone/jsone_internal.h"

namespace tc {
namespace jsone {
namespace {

Val Render(const Val& t, const Ctx& ctx, int depth);

// ---------------------------------------------------------------- helpers

bool Contains(std::string_view s, std::string_view x) { return s.find(x) != std::string_view::npos; }
bool EndsWith(std::string_view s, std::string_view x) {
  return s.size() >= x.size() && s.substr(s.size() - x.size()) == x;
}

// Parses `<fn>(id, id, ...)` exactly (as /^fn\(ID(,\s*ID)*\)$/ with
// min..max identifiers); fills *ids.
bool ParseCallKey(std::string_view key, std::string_view fn, size_t min, size_t max,
                  std::vector<std::string>* ids) {
  ids->clear();
  if (key.size() < fn.size() + 2 || key.substr(0, fn.size()) != fn || key[fn.size()] != '(' || key.back() != ')')
    return false;
  std::string_view body = key.substr(fn.size() + 1, key.size() - fn.size() - 2);
  size_t i = 0;
  while (true) {
    size_t start = i;
    while (i < body.size() && body[i] != ',') ++i;
    std::string_view id = body.substr(start, i - start);
    if (!IsIdentifier(id)) return false;
    ids->emplace_back(id);
    if (i == body.size()) break;
    ++i;  // ','
    while (i < body.size()) {  // \s*
      size_t j = i;
      if (!IsJsSpace(Utf8Next(body, j))) break;
      i = j;
    }
  }
  return ids->size() >= min && ids->size() <= max;
}

// True if some suffix of key is exactly `fn(...)` (the reference's
// unanchored-at-start property regex).
bool SuffixIsCallKey(std::string_view key, std::string_view fn, size_t min, size_t max) {
  std::vector<std::string> ids;
  std::string open = std::string(fn) + "(";
  for (size_t p = key.find(open); p != std::string_view::npos; p = key.find(open, p + 1))
    if (ParseCallKey(key.substr(p), fn, min, max, &ids)) return true;
  return false;
}

std::vector<std::string> SortedKeys(const ObjData& o) {
  std::vector<std::string> keys;
  for (const auto& kv : o.items) keys.push_back(kv.first);
  std::sort(keys.begin(), keys.end());
  return keys;
}

// The reference's checkUndefinedProperties: `allowed` decides per key.
void CheckUndefined(const ObjData& t, const char* op, const std::function<bool(std::string_view)>& allowed) {
  std::string unknown;
  for (const auto& k : SortedKeys(t))
    if (!allowed(k)) unknown += " " + k;
  if (!unknown.empty()) ThrowTemplate(std::string(op) + " has undefined properties:" + unknown);
}

// Binds name=value pairs on top of ctx.
Ctx Bind(const Ctx& ctx, std::initializer_list<std::pair<std::string, Val>> vars) {
  ObjData o;
  for (const auto& kv : vars) o.Set(kv.first, kv.second);
  return Scope::Push(ctx, std::move(o));
}

const Val& Get(const ObjData& t, std::string_view key) {
  static const Val null;
  const Val* v = t.Find(key);
  return v ? *v : null;
}

// ---------------------------------------------------------------- interpolation

std::string Interpolate(const std::string& str, const Ctx& ctx) {
  size_t first = str.find("${");
  if (first == std::string::npos) return str;
  std::string result;
  std::string_view remaining = str;
  while (true) {
    size_t at = remaining.find("${");
    if (at == std::string_view::npos) break;
    if (at > 0 && remaining[at - 1] == '$') {  // "$${" -> literal "${"
      result.append(remaining.substr(0, at - 1));
      result += "${";
      remaining = remaining.substr(at + 2);
      continue;
    }
    result.append(remaining.substr(0, at));
    std::string_view expr = remaining.substr(at + 2);
    size_t close = 0;
    Val v = EvalUntilBrace(expr, ctx, &close);
    if (v.is_arr() || v.is_obj())
      ThrowTemplate("interpolation of '" + std::string(expr.substr(0, close)) + "' produced an array or object");
    if (!v.is_null()) result += ToJsString(v);
    remaining = expr.substr(close + 1);
  }
  result.append(remaining);
  return result;
}

// ---------------------------------------------------------------- operators

using OpFn = Val (*)(const ObjData& t, const Ctx& ctx, int depth);

Val OpEval(const ObjData& t, const Ctx& ctx, int) {
  CheckUndefined(t, "$eval", [](std::string_view k) { return EndsWith(k, "$eval"); });
  const Val& e = Get(t, "$eval");
  if (!e.is_str()) ThrowTemplate("$eval must be given a string expression");
  return EvalExpression(e.s(), ctx);
}

Val OpFlatten(const ObjData& t, const Ctx& ctx, int depth) {
  CheckUndefined(t, "$flatten", [](std::string_view k) { return EndsWith(k, "$flatten"); });
  Val value = Render(Get(t, "$flatten"), ctx, depth + 1);
  if (!value.is_arr()) ThrowTemplate("$flatten value must evaluate to an array");
  std::vector<Val> out;
  for (const auto& e : value.arr()) {
    if (e.is_arr()) {
      out.insert(out.end(), e.arr().begin(), e.arr().end());
    } else {
      out.push_back(e);
    }
  }
  return Val::Arr(std::move(out));
}

void FlattenDeep(const Val& v, std::vector<Val>& out) {
  Charge(1);
  if (v.is_arr()) {
    for (const auto& e : v.arr()) FlattenDeep(e, out);
  } else {
    out.push_back(v);
  }
}

Val OpFlattenDeep(const ObjData& t, const Ctx& ctx, int depth) {
  CheckUndefined(t, "$flattenDeep", [](std::string_view k) { return EndsWith(k, "$flattenDeep"); });
  Val value = Render(Get(t, "$flattenDeep"), ctx, depth + 1);
  if (!value.is_arr()) ThrowTemplate("$flattenDeep value must evaluate to an array");
  std::vector<Val> out;
  FlattenDeep(value, out);
  return Val::Arr(std::move(out));
}

Val OpFromNow(const ObjData& t, const Ctx& ctx, int depth) {
  CheckUndefined(t, "$fromNow", [](std::string_view k) { return Contains(k, "$fromNow") || EndsWith(k, "from"); });
  Val value = Render(Get(t, "$fromNow"), ctx, depth + 1);
  Val reference;
  if (const Val* from = t.Find("from")) {
    reference = Render(*from, ctx, depth + 1);
  } else if (const Val* now = Lookup(ctx, "now")) {
    reference = *now;
  }
  if (!value.is_str()) ThrowTemplate("$fromNow expects a string");
  return Val::Str(FromNow(value.s(), reference, ctx, "TemplateError"));
}

Val OpIf(const ObjData& t, const Ctx& ctx, int depth) {
  CheckUndefined(t, "$if", [](std::string_view k) {
    return Contains(k, "$if") || Contains(k, "then") || EndsWith(k, "else");
  });
  const Val& cond = Get(t, "$if");
  if (!cond.is_str()) ThrowTemplate("$if can evaluate string expressions only");
  if (IsTruthy(EvalExpression(cond.s(), ctx))) {
    if (t.Find("$then")) ThrowTemplate("$if Syntax error: $then: should be spelled then: (no $)");
    const Val* then = t.Find("then");
    return then ? Render(*then, ctx, depth + 1) : Val::DeleteMarker();
  }
  const Val* els = t.Find("else");
  return els ? Render(*els, ctx, depth + 1) : Val::DeleteMarker();
}

Val OpJson(const ObjData& t, const Ctx& ctx, int depth) {
  CheckUndefined(t, "$json", [](std::string_view k) { return EndsWith(k, "$json"); });
  Val rendered = Render(Get(t, "$json"), ctx, depth + 1);
  if (ContainsFunctions(rendered)) ThrowTemplate("evaluated template contained uncalled functions");
  return Val::Str(StringifySorted(rendered));
}

Val OpLet(const ObjData& t, const Ctx& ctx, int depth) {
  CheckUndefined(t, "$let", [](std::string_view k) { return Contains(k, "$let") || EndsWith(k, "in"); });
  const Val& vars = Get(t, "$let");
  if (!vars.is_obj()) ThrowTemplate("$let value must be an object");
  Val rendered = Render(vars, ctx, depth + 1);
  if (!rendered.is_obj()) ThrowTemplate("$let value must be an object");
  ObjData bound;
  for (const auto& kv : rendered.obj().items) {
    if (!IsIdentifier(kv.first)) ThrowTemplate("top level keys of $let must follow /[a-zA-Z_][a-zA-Z0-9_]*/");
    bound.Set(kv.first, kv.second);
  }
  Ctx child = Scope::Push(ctx, std::move(bound));
  const Val* in = t.Find("in");
  if (!in) ThrowTemplate("$let operator requires an `in` clause");
  return Render(*in, child, depth + 1);
}

Val OpMap(const ObjData& t, const Ctx& ctx, int depth) {
  CheckUndefined(t, "$map", [](std::string_view k) { return Contains(k, "$map") || SuffixIsCallKey(k, "each", 1, 2); });
  Val value = Render(Get(t, "$map"), ctx, depth + 1);
  if (!value.is_arr() && !value.is_obj()) ThrowTemplate("$map value must evaluate to an array or object");
  if (t.size() != 2) ThrowTemplate("$map must have exactly two properties");
  const std::pair<std::string, Val>* each = nullptr;
  for (const auto& kv : t.items)
    if (kv.first != "$map") {
      each = &kv;
      break;
    }
  std::vector<std::string> ids;
  if (!ParseCallKey(each->first, "each", 1, 2, &ids)) ThrowTemplate("$map requires each(identifier) syntax");
  const Val& body = each->second;
  if (value.is_obj()) {
    ObjData out;
    for (const auto& kv : value.obj().items) {
      Ctx sub;
      if (ids.size() == 2) {
        sub = Bind(ctx, {{ids[0], kv.second}, {ids[1], Val::Str(kv.first)}});
      } else {
        ObjData pair;
        pair.Set("key", Val::Str(kv.first));
        pair.Set("val", kv.second);
        sub = Bind(ctx, {{ids[0], Val::Obj(std::move(pair))}});
      }
      Val r = Render(body, sub, depth + 1);
      if (!r.is_obj()) ThrowTemplate("$map on objects expects each(" + ids[0] + ") to evaluate to an object");
      if (r.is_delete_marker()) continue;
      for (const auto& rkv : r.obj().items) out.Set(rkv.first, rkv.second);
    }
    return Val::Obj(std::move(out));
  }
  std::vector<Val> out;
  const auto& items = value.arr();
  for (size_t i = 0; i < items.size(); ++i) {
    Ctx sub = ids.size() == 2 ? Bind(ctx, {{ids[0], items[i]}, {ids[1], Val::Num(static_cast<double>(i))}})
                              : Bind(ctx, {{ids[0], items[i]}});
    Val r = Render(body, sub, depth + 1);
    if (!r.is_delete_marker()) out.push_back(std::move(r));
  }
  return Val::Arr(std::move(out));
}

Val OpReduce(const ObjData& t, const Ctx& ctx, int depth) {
  CheckUndefined(t, "$reduce", [](std::string_view k) {
    return Contains(k, "$reduce") || Contains(k, "initial") || SuffixIsCallKey(k, "each", 2, 3);
  });
  Val value = Render(Get(t, "$reduce"), ctx, depth + 1);
  if (!value.is_arr()) ThrowTemplate("$reduce value must evaluate to an array");
  if (t.size() != 3) ThrowTemplate("$reduce must have exactly three properties");
  const std::pair<std::string, Val>* each = nullptr;
  for (const auto& kv : t.items)
    if (kv.first != "$reduce" && kv.first != "initial") {
      each = &kv;
      break;
    }
  std::vector<std::string> ids;
  if (!each || !ParseCallKey(each->first, "each", 2, 3, &ids))
    ThrowTemplate("$reduce requires each(identifier) syntax");
  Val acc = Get(t, "initial");
  const auto& items = value.arr();
  for (size_t i = 0; i < items.size(); ++i) {
    Ctx sub = ids.size() == 3
                  ? Bind(ctx, {{ids[0], acc}, {ids[1], items[i]}, {ids[2], Val::Num(static_cast<double>(i))}})
                  : Bind(ctx, {{ids[0], acc}, {ids[1], items[i]}});
    Val r = Render(each->second, sub, depth + 1);
    if (!r.is_delete_marker()) acc = std::move(r);
  }
  return acc;
}

Val OpFind(const ObjData& t, const Ctx& ctx, int depth) {
  CheckUndefined(t, "$find", [](std::string_view k) { return Contains(k, "$find") || SuffixIsCallKey(k, "each", 1, 2); });
  Val value = Render(Get(t, "$find"), ctx, depth + 1);
  if (!value.is_arr()) ThrowTemplate("$find value must evaluate to an array");
  if (t.size() != 2) ThrowTemplate("$find must have exactly two properties");
  const std::pair<std::string, Val>* each = nullptr;
  for (const auto& kv : t.items)
    if (kv.first != "$find") {
      each = &kv;
      break;
    }
  std::vector<std::string> ids;
  if (!ParseCallKey(each->first, "each", 1, 2, &ids)) ThrowTemplate("$find requires each(identifier) syntax");
  if (!each->second.is_str()) ThrowTemplate("each can evaluate string expressions only");
  const std::string& expr = each->second.s();
  const auto& items = value.arr();
  for (size_t i = 0; i < items.size(); ++i) {
    Ctx sub = ids.size() == 2 ? Bind(ctx, {{ids[0], items[i]}, {ids[1], Val::Num(static_cast<double>(i))}})
                              : Bind(ctx, {{ids[0], items[i]}});
    if (IsTruthy(EvalExpression(expr, sub))) return items[i];
  }
  return Val::DeleteMarker();
}

Val OpMatch(const ObjData& t, const Ctx& ctx, int depth) {
  CheckUndefined(t, "$match", [](std::string_view k) { return EndsWith(k, "$match"); });
  const Val& conds = Get(t, "$match");
  if (!conds.is_obj()) ThrowTemplate("$match can evaluate objects only");
  std::vector<Val> out;
  for (const auto& k : SortedKeys(conds.obj())) {
    if (IsTruthy(EvalExpression(k, ctx))) out.push_back(Render(*conds.obj().Find(k), ctx, depth + 1));
  }
  return Val::Arr(std::move(out));
}

Val OpSwitch(const ObjData& t, const Ctx& ctx, int depth) {
  CheckUndefined(t, "$switch", [](std::string_view k) { return EndsWith(k, "$switch"); });
  const Val& conds = Get(t, "$switch");
  if (!conds.is_obj()) ThrowTemplate("$switch can evaluate objects only");
  std::vector<Val> out;
  for (const auto& k : SortedKeys(conds.obj())) {
    if (k == "$default") continue;
    if (IsTruthy(EvalExpression(k, ctx))) out.push_back(Render(*conds.obj().Find(k), ctx, depth + 1));
  }
  if (out.size() > 1) ThrowTemplate("$switch can only have one truthy condition");
  if (out.empty()) {
    if (const Val* def = conds.obj().Find("$default")) return Render(*def, ctx, depth + 1);
    return Val::DeleteMarker();
  }
  return out[0];
}

Val OpMerge(const ObjData& t, const Ctx& ctx, int depth) {
  CheckUndefined(t, "$merge", [](std::string_view k) { return EndsWith(k, "$merge"); });
  Val value = Render(Get(t, "$merge"), ctx, depth + 1);
  if (!value.is_arr() || std::any_of(value.arr().begin(), value.arr().end(), [](const Val& v) { return !v.is_obj(); }))
    ThrowTemplate("$merge value must evaluate to an array of objects");
  ObjData out;
  for (const auto& o : value.arr())
    for (const auto& kv : o.obj().items) out.Set(kv.first, kv.second);
  return Val::Obj(std::move(out));
}

Val MergeDeep(const Val& l, const Val& r) {
  Charge(1);
  if (l.is_arr() && r.is_arr()) {
    std::vector<Val> out = l.arr();
    out.insert(out.end(), r.arr().begin(), r.arr().end());
    return Val::Arr(std::move(out));
  }
  if (l.is_obj() && r.is_obj()) {
    ObjData out = l.obj();
    for (const auto& kv : r.obj().items) {
      const Val* existing = l.obj().Find(kv.first);
      out.Set(kv.first, existing ? MergeDeep(*existing, kv.second) : kv.second);
    }
    return Val::Obj(std::move(out));
  }
  return r;
}

Val OpMergeDeep(const ObjData& t, const Ctx& ctx, int depth) {
  CheckUndefined(t, "$mergeDeep", [](std::string_view k) { return EndsWith(k, "$mergeDeep"); });
  Val value = Render(Get(t, "$mergeDeep"), ctx, depth + 1);
  if (!value.is_arr() || std::any_of(value.arr().begin(), value.arr().end(), [](const Val& v) { return !v.is_obj(); }))
    ThrowTemplate("$mergeDeep value must evaluate to an array of objects");
  if (value.arr().empty()) return Val::Obj(ObjData());
  Val acc = value.arr()[0];
  for (size_t i = 1; i < value.arr().size(); ++i) acc = MergeDeep(acc, value.arr()[i]);
  return acc;
}

Val OpReverse(const ObjData& t, const Ctx& ctx, int depth) {
  CheckUndefined(t, "$reverse", [](std::string_view k) { return EndsWith(k, "$reverse"); });
  Val value = Render(Get(t, "$reverse"), ctx, depth + 1);
  if (!value.is_arr()) ThrowTemplate("$reverse value must evaluate to an array of objects");
  std::vector<Val> out(value.arr().rbegin(), value.arr().rend());
  return Val::Arr(std::move(out));
}

Val OpSort(const ObjData& t, const Ctx& ctx, int depth) {
  CheckUndefined(t, "$sort", [](std::string_view k) { return Contains(k, "$sort") || SuffixIsCallKey(k, "by", 1, 1); });
  Val value = Render(Get(t, "$sort"), ctx, depth + 1);
  const char* kSameType = "$sorted values to be sorted must have the same type";
  if (!value.is_arr()) ThrowTemplate(kSameType);
  const auto& items = value.arr();
  const std::pair<std::string, Val>* by = nullptr;
  for (const auto& kv : t.items)
    if (kv.first != "$sort") {
      by = &kv;
      break;
    }
  std::vector<std::string> ids;
  std::vector<Val> keys;
  if (by && ParseCallKey(by->first, "by", 1, 1, &ids)) {
    if (!by->second.is_str()) ThrowTemplate("$sort by(..) must be a string expression");
    for (const auto& e : items) keys.push_back(EvalExpression(by->second.s(), Bind(ctx, {{ids[0], e}})));
  } else {
    for (const auto& e : items)
      if (e.is_arr() || e.is_obj()) ThrowTemplate(kSameType);
    keys = items;
  }
  if (keys.empty()) return Val::Arr({});
  Val::T type = keys[0].type();
  if (type != Val::T::Num && type != Val::T::Str) ThrowTemplate(kSameType);
  for (const auto& k : keys)
    if (k.type() != type) ThrowTemplate(kSameType);
  std::vector<size_t> order(items.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  auto less = [&](size_t a, size_t b) {
    if (type == Val::T::Num) {
      double x = keys[a].n(), y = keys[b].n();
      // total order: NaN after all numbers
      if (std::isnan(x) || std::isnan(y)) return !std::isnan(x) && std::isnan(y);
      return x < y;
    }
    return CompareJsStrings(keys[a].s(), keys[b].s()) < 0;
  };
  std::stable_sort(order.begin(), order.end(), less);
  std::vector<Val> out;
  out.reserve(items.size());
  for (size_t i : order) out.push_back(items[i]);
  return Val::Arr(std::move(out));
}

const std::pair<const char*, OpFn> kOperators[] = {
    {"$eval", OpEval},       {"$flatten", OpFlatten}, {"$flattenDeep", OpFlattenDeep},
    {"$fromNow", OpFromNow}, {"$if", OpIf},           {"$json", OpJson},
    {"$let", OpLet},         {"$map", OpMap},         {"$reduce", OpReduce},
    {"$find", OpFind},       {"$match", OpMatch},     {"$switch", OpSwitch},
    {"$merge", OpMerge},     {"$mergeDeep", OpMergeDeep}, {"$reverse", OpReverse},
    {"$sort", OpSort},
};

// ---------------------------------------------------------------- render

bool IsLocationIdentifier(std::string_view k) {  // /^[a-zA-Z][a-zA-Z0-9]*$/
  if (k.empty()) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!alpha(k[0])) return false;
  for (char c : k)
    if (!alpha(c) && !(c >= '0' && c <= '9')) return false;
  return true;
}

Val RenderObject(const ObjData& t, const Ctx& ctx, int depth) {
  OpFn op = nullptr;
  int matches = 0;
  for (const auto& [name, fn] : kOperators) {
    if (t.Find(name)) {
      op = fn;
      ++matches;
    }
  }
  if (matches > 1) ThrowTemplate("only one operator allowed");
  if (op) return op(t, ctx, depth);

  ObjData out;
  for (const auto& [key, tv] : t.items) {
    Val v;
    try {
      v = Render(tv, ctx, depth + 1);
    } catch (JsoneError& e) {
      e.AddLocation(IsLocationIdentifier(key) ? "." + key : "[" + JsonQuote(key) + "]");
      throw;
    }
    if (v.is_delete_marker()) continue;
    std::string k;
    if (key.rfind("$$", 0) == 0) {
      k = key.substr(1);
    } else if (key.size() > 1 && key[0] == '$' && IsLocationIdentifier(std::string_view(key).substr(1))) {
      ThrowTemplate("$<identifier> is reserved; use $$<identifier>");
    } else {
      k = Interpolate(key, ctx);
    }
    out.Set(std::move(k), std::move(v));
  }
  return Val::Obj(std::move(out));
}

Val Render(const Val& t, const Ctx& ctx, int depth) {
  Charge(1);
  if (depth > kJsoneMaxDepth) ThrowTemplate("template nested too deeply (limit " + std::to_string(kJsoneMaxDepth) + ")");
  switch (t.type()) {
    case Val::T::Str:
      return Val::Str(Interpolate(t.s(), ctx));
    case Val::T::Arr: {
      std::vector<Val> out;
      const auto& items = t.arr();
      out.reserve(items.size());
      for (size_t i = 0; i < items.size(); ++i) {
        Val v;
        try {
          v = Render(items[i], ctx, depth + 1);
        } catch (JsoneError& e) {
          e.AddLocation("[" + std::to_string(i) + "]");
          throw;
        }
        if (!v.is_delete_marker()) out.push_back(std::move(v));
      }
      return Val::Arr(std::move(out));
    }
    case Val::T::Obj:
      return RenderObject(t.obj(), ctx, depth);
    default:
      return t;
  }
}

}  // namespace
}  // namespace jsone

rapidjson::Document JsoneRender(const rapidjson::Value& tmpl, const rapidjson::Value& context,
                                std::optional<std::string> now) {
  return JsoneRender(tmpl, context, std::move(now), JsoneLimits());
}

rapidjson::Document JsoneRender(const rapidjson::Value& tmpl, const rapidjson::Value& context,
                                std::optional<std::string> now, const JsoneLimits& limits) {
  using namespace jsone;
  struct Scoped {  // this thread's limits and budget, restored afterwards
    JsoneLimits saved_limits = Limits();
    int64_t saved_work = WorkLeft();
    explicit Scoped(const JsoneLimits& l) {
      Limits() = l;
      WorkLeft() = l.work_budget;
    }
    ~Scoped() {
      Limits() = saved_limits;
      WorkLeft() = saved_work;
    }
  } scoped(limits);
  if (!context.IsObject()) ThrowTemplate("context must be an object");
  for (const auto& m : context.GetObject()) {
    if (!IsIdentifier(std::string_view(m.name.GetString(), m.name.GetStringLength())))
      ThrowTemplate("top level keys of context must follow /[a-zA-Z_][a-zA-Z0-9_]*/");
  }
  std::string base_now = now ? *now : CurrentTimeIso();

  // builtins < now < context
  auto root = std::make_shared<Scope>();
  root->base_now = base_now;
  root->vars.Set("now", Val::Str(FromNow("0 seconds", Val(), root, "TemplateError")));
  Ctx ctx = Scope::Push(root, FromRapid(context).obj());

  Val t = FromRapid(tmpl);
  Val result = Render(t, ctx, 0);

  rapidjson::Document doc;
  if (result.is_delete_marker()) return doc;  // null
  if (ContainsFunctions(result)) ThrowTemplate("evaluated template contained uncalled functions");
  ToRapid(result, doc, doc.GetAllocator());
  return doc;
}

}  // namespace tc

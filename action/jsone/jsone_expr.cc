// The JSON-e expression language: tokenizer, parser and interpreter.
//
// The parser follows the reference grammar (precedence levels ||, &&, in,
// ==/!=, comparisons, +/-, * and /, ** (right-associative), then postfix
// access/calls on a unit). Like the reference it tolerates a missing operand
// while parsing and reports it when the operand is evaluated; syntax errors
// carry the reference messages ("Found: X token, expected one of: ...").
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <optional>

#include "jsone/jsone_internal.h"

namespace tc::jsone {
namespace {

constexpr int kMaxParseRecursion = 1000;  // parser frames (about 100 nested parens)
constexpr int kMaxAstDepth = 1000;

enum class Tok {
  Pow, Plus, Minus, Star, Slash, LBracket, RBracket, Dot, LParen, RParen, LBrace, RBrace,
  Colon, Comma, Ge, Le, Lt, Gt, Eq, Ne, Not, And, Or, True, False, In, Null, Number,
  Identifier, String
};

const char* TokName(Tok t) {
  switch (t) {
    case Tok::Pow: return "**";
    case Tok::Plus: return "+";
    case Tok::Minus: return "-";
    case Tok::Star: return "*";
    case Tok::Slash: return "/";
    case Tok::LBracket: return "[";
    case Tok::RBracket: return "]";
    case Tok::Dot: return ".";
    case Tok::LParen: return "(";
    case Tok::RParen: return ")";
    case Tok::LBrace: return "{";
    case Tok::RBrace: return "}";
    case Tok::Colon: return ":";
    case Tok::Comma: return ",";
    case Tok::Ge: return ">=";
    case Tok::Le: return "<=";
    case Tok::Lt: return "<";
    case Tok::Gt: return ">";
    case Tok::Eq: return "==";
    case Tok::Ne: return "!=";
    case Tok::Not: return "!";
    case Tok::And: return "&&";
    case Tok::Or: return "||";
    case Tok::True: return "true";
    case Tok::False: return "false";
    case Tok::In: return "in";
    case Tok::Null: return "null";
    case Tok::Number: return "number";
    case Tok::Identifier: return "identifier";
    case Tok::String: return "string";
  }
  return "?";
}

struct Token {
  Tok kind;
  size_t start, end;
  std::string value;
};

bool IsIdentChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Next token at or after `offset`, or nullopt at the end of input.
std::optional<Token> NextToken(std::string_view src, size_t offset) {
  // skip whitespace (JS \s)
  while (offset < src.size()) {
    size_t j = offset;
    uint32_t cp = Utf8Next(src, j);
    if (!IsJsSpace(cp)) break;
    offset = j;
  }
  if (offset >= src.size()) return std::nullopt;
  std::string_view rest = src.substr(offset);
  auto make = [&](Tok k, size_t len) {
    return Token{k, offset, offset + len, std::string(rest.substr(0, len))};
  };
  auto starts = [&](std::string_view p) { return rest.substr(0, p.size()) == p; };
  // fixed tokens, in the reference's order (first match wins)
  static const std::pair<const char*, Tok> kFixed[] = {
      {"**", Tok::Pow}, {"+", Tok::Plus},    {"-", Tok::Minus},    {"*", Tok::Star},
      {"/", Tok::Slash}, {"[", Tok::LBracket}, {"]", Tok::RBracket}, {".", Tok::Dot},
      {"(", Tok::LParen}, {")", Tok::RParen},  {"{", Tok::LBrace},   {"}", Tok::RBrace},
      {":", Tok::Colon}, {",", Tok::Comma},    {">=", Tok::Ge},      {"<=", Tok::Le},
      {"<", Tok::Lt},    {">", Tok::Gt},       {"==", Tok::Eq},      {"!=", Tok::Ne},
      {"!", Tok::Not},   {"&&", Tok::And},     {"||", Tok::Or},
  };
  for (const auto& [text, kind] : kFixed) {
    if (starts(text)) return make(kind, std::strlen(text));
  }
  static const std::pair<const char*, Tok> kWords[] = {
      {"true", Tok::True}, {"false", Tok::False}, {"in", Tok::In}, {"null", Tok::Null}};
  for (const auto& [text, kind] : kWords) {
    size_t n = std::strlen(text);
    if (starts(text) && (rest.size() == n || !IsIdentChar(rest[n]))) return make(kind, n);
  }
  if (IsDigit(rest[0])) {
    size_t n = 0;
    while (n < rest.size() && IsDigit(rest[n])) ++n;
    if (n + 1 < rest.size() && rest[n] == '.' && IsDigit(rest[n + 1])) {
      ++n;
      while (n < rest.size() && IsDigit(rest[n])) ++n;
    }
    return make(Tok::Number, n);
  }
  if (IsIdentChar(rest[0])) {  // not a digit: checked above
    size_t n = 0;
    while (n < rest.size() && IsIdentChar(rest[n])) ++n;
    return make(Tok::Identifier, n);
  }
  if (rest[0] == '\'' || rest[0] == '"') {
    size_t close = rest.find(rest[0], 1);
    if (close != std::string_view::npos) return make(Tok::String, close + 1);
  }
  ThrowSyntax("Unexpected input for '" + std::string(src) + "' at '" + std::string(rest) + "'");
}

// ---------------------------------------------------------------- AST

struct Node;
using NodeP = std::unique_ptr<Node>;

struct Node {
  enum class K { Missing, Primitive, Unary, Bin, Context, Call, Access, List, Object };
  K k = K::Missing;
  Tok tok = Tok::Null;     // operator / primitive kind
  std::string text;        // token text: primitive literal, identifier, property name
  bool missing_at_end = false;  // Missing: the input ended
  NodeP a, b;              // Unary: a; Bin: a (left), b (right); Access: target a
  NodeP left, right;       // Access: index / slice bounds (may be null)
  bool interval = false;   // Access
  std::vector<NodeP> items;                           // Call args, List items
  std::vector<std::pair<std::string, NodeP>> fields;  // Object
  int depth = 1;
};

const char* kExpectedUnit = "!, (, +, -, [, false, identifier, null, number, string, true, {";

class Parser {
 public:
  explicit Parser(std::string_view src) : src_(src) { cur_ = NextToken(src_, 0); }

  const std::optional<Token>& current() const { return cur_; }

  NodeP Parse(int level = 0) {
    Guard g(this);
    static const std::vector<std::vector<Tok>> kOps = {
        {Tok::Or}, {Tok::And}, {Tok::In}, {Tok::Eq, Tok::Ne},
        {Tok::Lt, Tok::Gt, Tok::Le, Tok::Ge}, {Tok::Plus, Tok::Minus}, {Tok::Star, Tok::Slash},
        {Tok::Pow}};
    auto is_op = [&](int lvl) {
      if (!cur_) return false;
      const auto& ops = kOps[lvl];
      return std::find(ops.begin(), ops.end(), cur_->kind) != ops.end();
    };
    NodeP node;
    if (level == static_cast<int>(kOps.size()) - 1) {
      node = ParsePostfix();
      while (is_op(level)) {
        Tok op = cur_->kind;
        Take(op);
        NodeP rhs = Parse(level);
        // as in the reference: left = right-hand side, right = left-hand side
        node = Bin(op, std::move(rhs), std::move(node));
      }
    } else {
      node = Parse(level + 1);
      while (is_op(level)) {
        Tok op = cur_->kind;
        Take(op);
        NodeP rhs = Parse(level + 1);
        node = Bin(op, std::move(node), std::move(rhs));
      }
    }
    return node;
  }

 private:
  struct Guard {
    explicit Guard(Parser* p) : p(p) {
      if (++p->recursion_ > kMaxParseRecursion) ThrowSyntax("expression nested too deeply");
    }
    ~Guard() { --p->recursion_; }
    Parser* p;
  };

  [[noreturn]] void RuleError(const std::vector<Tok>& expects) {
    std::vector<std::string> names;
    for (Tok t : expects) names.push_back(TokName(t));
    std::sort(names.begin(), names.end());
    std::string list;
    for (size_t i = 0; i < names.size(); ++i) list += (i ? ", " : "") + names[i];
    ThrowSyntax("Found: " + cur_->value + " token, expected one of: " + list);
  }
  [[noreturn]] void UnitError() { ThrowSyntax("Found: " + cur_->value + " token, expected one of: " + kExpectedUnit); }
  [[noreturn]] static void EndError() { ThrowSyntax("Unexpected end of input"); }

  void Take(Tok kind) { Take(std::vector<Tok>{kind}); }
  void Take(const std::vector<Tok>& kinds) {
    if (!cur_) EndError();
    if (!kinds.empty() && std::find(kinds.begin(), kinds.end(), cur_->kind) == kinds.end()) RuleError(kinds);
    cur_ = NextToken(src_, cur_->end);
  }
  const Token& Cur() {
    if (!cur_) EndError();
    return *cur_;
  }

  static NodeP Make(Node::K k) {
    auto n = std::make_unique<Node>();
    n->k = k;
    return n;
  }
  static void Finish(Node& n) {
    int d = 0;
    auto see = [&](const NodeP& c) {
      if (c) d = std::max(d, c->depth);
    };
    see(n.a);
    see(n.b);
    see(n.left);
    see(n.right);
    for (const auto& c : n.items) see(c);
    for (const auto& f : n.fields) see(f.second);
    n.depth = d + 1;
    if (n.depth > kMaxAstDepth) ThrowSyntax("expression nested too deeply");
  }
  static NodeP Bin(Tok op, NodeP l, NodeP r) {
    NodeP n = Make(Node::K::Bin);
    n->tok = op;
    n->a = std::move(l);
    n->b = std::move(r);
    Finish(*n);
    return n;
  }
  NodeP Missing() {
    NodeP n = Make(Node::K::Missing);
    if (cur_) {
      n->text = cur_->value;
    } else {
      n->missing_at_end = true;
    }
    return n;
  }

  NodeP ParsePostfix() {
    NodeP node = ParseUnit();
    while (cur_ && (cur_->kind == Tok::LBracket || cur_->kind == Tok::LParen || cur_->kind == Tok::Dot)) {
      if (cur_->kind == Tok::LBracket) {
        node = ParseAccess(std::move(node));
      } else if (cur_->kind == Tok::Dot) {
        Take(Tok::Dot);
        std::string name = cur_ ? cur_->value : "";
        Take(Tok::Identifier);
        NodeP n = Make(Node::K::Bin);
        n->tok = Tok::Dot;
        n->a = std::move(node);
        n->text = std::move(name);
        Finish(*n);
        node = std::move(n);
      } else {
        node = ParseCall(std::move(node));
      }
    }
    return node;
  }

  NodeP ParseUnit() {
    Guard g(this);
    if (!cur_) EndError();
    Token token = *cur_;
    switch (token.kind) {
      case Tok::Minus:
      case Tok::Plus:
      case Tok::Not: {
        Take(token.kind);
        NodeP n = Make(Node::K::Unary);
        n->tok = token.kind;
        n->a = ParseUnit();
        Finish(*n);
        return n;
      }
      case Tok::Number:
      case Tok::Null:
      case Tok::True:
      case Tok::False:
      case Tok::String: {
        Take(token.kind);
        NodeP n = Make(Node::K::Primitive);
        n->tok = token.kind;
        n->text = token.value;
        return n;
      }
      case Tok::Identifier: {
        Take(token.kind);
        NodeP n = Make(Node::K::Context);
        n->text = token.value;
        return n;
      }
      case Tok::LParen: {
        Take(Tok::LParen);
        NodeP n = Parse();
        if (n->k == Node::K::Missing) UnitError();
        Take(Tok::RParen);
        return n;
      }
      case Tok::LBracket:
        return ParseList();
      case Tok::LBrace:
        return ParseObject();
      default:
        return Missing();
    }
  }

  NodeP ParseCall(NodeP callee) {
    Take(Tok::LParen);
    NodeP n = Make(Node::K::Call);
    n->a = std::move(callee);
    if (Cur().kind != Tok::RParen) {
      n->items.push_back(Parse());
      while (cur_ && cur_->kind == Tok::Comma) {
        if (n->items.back()->k == Node::K::Missing) UnitError();
        Take(Tok::Comma);
        n->items.push_back(Parse());
      }
    }
    Take(Tok::RParen);
    Finish(*n);
    return n;
  }

  NodeP ParseList() {
    Take(Tok::LBracket);
    NodeP n = Make(Node::K::List);
    if (Cur().kind != Tok::RBracket) {
      n->items.push_back(Parse());
      while (Cur().kind == Tok::Comma) {
        if (n->items.back()->k == Node::K::Missing) UnitError();
        Take(Tok::Comma);
        n->items.push_back(Parse());
      }
    }
    Take(Tok::RBracket);
    Finish(*n);
    return n;
  }

  NodeP ParseAccess(NodeP target) {
    Take(Tok::LBracket);
    NodeP n = Make(Node::K::Access);
    n->a = std::move(target);
    if (Cur().kind == Tok::RBracket) UnitError();
    if (Cur().kind != Tok::Colon) n->left = Parse();
    if (Cur().kind == Tok::Colon) {
      n->interval = true;
      Take(Tok::Colon);
    }
    if (Cur().kind != Tok::RBracket) n->right = Parse();
    if (n->interval && (!n->right || n->right->k == Node::K::Missing) && Cur().kind != Tok::RBracket) UnitError();
    Take(Tok::RBracket);
    Finish(*n);
    return n;
  }

  NodeP ParseObject() {
    Take(Tok::LBrace);
    NodeP n = Make(Node::K::Object);
    while (cur_ && (cur_->kind == Tok::String || cur_->kind == Tok::Identifier)) {
      Token key = *cur_;
      std::string name = key.kind == Tok::String ? key.value.substr(1, key.value.size() - 2) : key.value;
      Take(key.kind);
      Take(Tok::Colon);
      NodeP value = Parse();
      if (value->k == Node::K::Missing) UnitError();
      auto it = std::find_if(n->fields.begin(), n->fields.end(), [&](const auto& f) { return f.first == name; });
      if (it != n->fields.end()) {
        it->second = std::move(value);
      } else {
        n->fields.emplace_back(std::move(name), std::move(value));
      }
      if (cur_ && cur_->kind == Tok::RBrace) break;
      Take(Tok::Comma);
    }
    Take(Tok::RBrace);
    Finish(*n);
    return n;
  }

  std::string_view src_;
  std::optional<Token> cur_;
  int recursion_ = 0;
};

// ---------------------------------------------------------------- interpreter

[[noreturn]] void Expectation(const std::string& op, const std::string& what) {
  ThrowInterpreter(op + " expects " + what);
}

class Interpreter {
 public:
  explicit Interpreter(const Ctx& ctx) : ctx_(ctx) {}

  Val Visit(const Node& n) {
    Charge(1);
    switch (n.k) {
      case Node::K::Missing:
        if (n.missing_at_end) ThrowSyntax("Unexpected end of input");
        ThrowSyntax("Found: " + n.text + " token, expected one of: " + kExpectedUnit);
      case Node::K::Primitive:
        return Primitive(n);
      case Node::K::Unary:
        return Unary(n);
      case Node::K::Bin:
        return Binary(n);
      case Node::K::Context: {
        const Val* v = Lookup(ctx_, n.text);
        if (!v) ThrowInterpreter("unknown context value " + n.text);
        return *v;
      }
      case Node::K::Call:
        return Call(n);
      case Node::K::Access:
        return Access(n);
      case Node::K::List: {
        std::vector<Val> items;
        items.reserve(n.items.size());
        for (const auto& c : n.items) items.push_back(Visit(*c));
        return Val::Arr(std::move(items));
      }
      case Node::K::Object: {
        ObjData obj;
        for (const auto& [k, c] : n.fields) obj.Set(k, Visit(*c));
        return Val::Obj(std::move(obj));
      }
    }
    return Val();
  }

 private:
  static Val Primitive(const Node& n) {
    switch (n.tok) {
      case Tok::Number:
        return Val::Num(std::strtod(n.text.c_str(), nullptr));
      case Tok::Null:
        return Val();
      case Tok::True:
        return Val::Bool(true);
      case Tok::False:
        return Val::Bool(false);
      case Tok::String:
        return Val::Str(n.text.substr(1, n.text.size() - 2));
      default:
        return Val::Str(n.text);
    }
  }

  Val Unary(const Node& n) {
    Val v = Visit(*n.a);
    switch (n.tok) {
      case Tok::Plus:
        if (!v.is_num()) Expectation("unary +", "number");
        return v;
      case Tok::Minus:
        if (!v.is_num()) Expectation("unary -", "number");
        return Val::Num(-v.n());
      default:
        return Val::Bool(!IsTruthy(v));
    }
  }

  static void MathOperands(Tok op, const Val& l, const Val& r) {
    std::string o = TokName(op);
    if (op == Tok::Plus) {
      if (!((l.is_num() && r.is_num()) || (l.is_str() && r.is_str())))
        Expectation("infix: +", "numbers/strings + numbers/strings");
      return;
    }
    if (!(l.is_num() && r.is_num())) Expectation("infix: " + o, "number " + o + " number");
  }

  static void ComparisonOperands(Tok op, const Val& l, const Val& r) {
    std::string o = TokName(op);
    if (!((l.is_num() && r.is_num()) || (l.is_str() && r.is_str())))
      Expectation("infix: " + o, "numbers/strings " + o + " numbers/strings");
  }

  static bool Compare(Tok op, const Val& l, const Val& r) {
    if (l.is_num()) {
      double a = l.n(), b = r.n();
      switch (op) {
        case Tok::Lt: return a < b;
        case Tok::Gt: return a > b;
        case Tok::Le: return a <= b;
        default: return a >= b;
      }
    }
    int c = CompareJsStrings(l.s(), r.s());
    switch (op) {
      case Tok::Lt: return c < 0;
      case Tok::Gt: return c > 0;
      case Tok::Le: return c <= 0;
      default: return c >= 0;
    }
  }

  Val Binary(const Node& n) {
    if (n.tok == Tok::Dot) {
      Val left = Visit(*n.a);
      if (!left.is_obj()) Expectation("infix: .", "objects");
      const Val* v = left.obj().Find(n.text);
      if (!v) ThrowInterpreter("object has no property \"" + n.text + "\"");
      return *v;
    }
    Val left = Visit(*n.a);
    if (n.tok == Tok::Or) return Val::Bool(IsTruthy(left) || IsTruthy(Visit(*n.b)));
    if (n.tok == Tok::And) return Val::Bool(IsTruthy(left) && IsTruthy(Visit(*n.b)));
    Val right = Visit(*n.b);
    switch (n.tok) {
      case Tok::Plus:
        MathOperands(n.tok, left, right);
        if (left.is_str()) {
          if (left.s().size() + right.s().size() > Limits().max_string_bytes)
            ThrowInterpreter("string too long (limit " + std::to_string(Limits().max_string_bytes) + " bytes)");
          return Val::Str(left.s() + right.s());
        }
        return Val::Num(left.n() + right.n());
      case Tok::Minus:
        MathOperands(n.tok, left, right);
        return Val::Num(left.n() - right.n());
      case Tok::Star:
        MathOperands(n.tok, left, right);
        return Val::Num(left.n() * right.n());
      case Tok::Slash:
        MathOperands(n.tok, left, right);
        if (right.n() == 0) ThrowInterpreter("division by zero");
        return Val::Num(left.n() / right.n());
      case Tok::Pow:
        MathOperands(n.tok, left, right);
        return Val::Num(std::pow(right.n(), left.n()));
      case Tok::Lt:
      case Tok::Gt:
      case Tok::Le:
      case Tok::Ge:
        ComparisonOperands(n.tok, left, right);
        return Val::Bool(Compare(n.tok, left, right));
      case Tok::Eq:
        return Val::Bool(DeepEqual(left, right));
      case Tok::Ne:
        return Val::Bool(!DeepEqual(left, right));
      case Tok::In:
        if (right.is_obj()) {
          if (!left.is_str()) Expectation("Infix: in-object", "string on left side");
          return Val::Bool(right.obj().Find(left.s()) != nullptr);
        }
        if (right.is_str()) {
          if (!left.is_str()) Expectation("Infix: in-string", "string on left side");
          return Val::Bool(right.s().find(left.s()) != std::string::npos);
        }
        if (!right.is_arr()) Expectation("Infix: in", "Array, string, or object on right side");
        for (const auto& e : right.arr())
          if (DeepEqual(left, e)) return Val::Bool(true);
        return Val::Bool(false);
      default:
        ThrowInterpreter("unknown operator");
    }
  }

  Val Call(const Node& n) {
    Val callee = Visit(*n.a);
    if (!callee.is_fn()) ThrowInterpreter(ToJsString(callee) + " is not callable");
    std::vector<Val> args;
    args.reserve(n.items.size());
    for (const auto& c : n.items) args.push_back(Visit(*c));
    const Builtin* f = callee.fn();
    return f->fn(*f, ctx_, args);
  }

  // Index or slice of an array (or of a string's code points).
  template <typename Seq, typename Slice, typename At>
  static Val SliceOrIndex(bool interval, const Seq& seq, Val left, Val right, Slice slice, At at) {
    double len = static_cast<double>(seq.size());
    if (left.is_num() && left.n() < 0) left = Val::Num(std::max(0.0, len + left.n()));
    if (interval) {
      if (right.is_null()) right = Val::Num(len);
      if (right.is_num() && right.n() < 0) right = Val::Num(std::max(0.0, len + right.n()));
      if (!IsInteger(left) || !IsInteger(right))
        ThrowInterpreter("cannot perform interval access with non-integers");
      double l = std::min(left.n(), len), r = std::min(right.n(), len);
      if (l > r) l = r;
      return slice(static_cast<size_t>(l), static_cast<size_t>(r));
    }
    if (!IsInteger(left)) ThrowInterpreter("should only use integers to access arrays or strings");
    if (left.n() >= len) ThrowInterpreter("index out of bounds");
    return at(static_cast<size_t>(left.n()));
  }

  Val Access(const Node& n) {
    Val target = Visit(*n.a);
    Val left = Val::Num(0), right;
    if (n.left) left = Visit(*n.left);
    if (n.right) right = Visit(*n.right);
    if (target.is_arr()) {
      const auto& items = target.arr();
      return SliceOrIndex(
          n.interval, items, left, right,
          [&](size_t a, size_t b) { return Val::Arr(std::vector<Val>(items.begin() + a, items.begin() + b)); },
          [&](size_t i) { return items[i]; });
    }
    if (target.is_str()) {
      const std::string& s = target.s();
      bool ascii = std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
      if (ascii) {
        return SliceOrIndex(
            n.interval, s, left, right, [&](size_t a, size_t b) { return Val::Str(s.substr(a, b - a)); },
            [&](size_t i) { return Val::Str(s.substr(i, 1)); });
      }
      std::vector<uint32_t> cps = Utf8Decode(s);
      auto encode = [&](size_t a, size_t b) {
        std::string out;
        for (size_t i = a; i < b; ++i) Utf8Append(out, cps[i]);
        return Val::Str(std::move(out));
      };
      return SliceOrIndex(n.interval, cps, left, right, encode, [&](size_t i) { return encode(i, i + 1); });
    }
    if (!target.is_obj()) Expectation("infix: \"[..]\"", "object, array, or string");
    if (!left.is_str()) ThrowInterpreter("object keys must be strings");
    const Val* v = target.obj().Find(left.s());
    return v ? *v : Val();
  }

  const Ctx& ctx_;
};

[[noreturn]] void TrailingToken(const Token& t) {
  ThrowSyntax("Found: " + t.value +
              " token, expected one of: !=, &&, (, *, **, +, -, ., /, <, <=, ==, >, >=, [, in, ||");
}

}  // namespace

Val EvalExpression(std::string_view src, const Ctx& ctx) {
  Parser parser(src);
  NodeP tree = parser.Parse();
  if (parser.current()) TrailingToken(*parser.current());
  Interpreter interp(ctx);
  return interp.Visit(*tree);
}

Val EvalUntilBrace(std::string_view src, const Ctx& ctx, size_t* close) {
  Parser parser(src);
  NodeP tree = parser.Parse();
  const auto& next = parser.current();
  if (!next) ThrowSyntax("unterminated ${..} expression");
  if (next->kind != Tok::RBrace) TrailingToken(*next);
  *close = next->start;
  Interpreter interp(ctx);
  return interp.Visit(*tree);
}

}  // namespace tc::jsone

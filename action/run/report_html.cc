#include "run/report_html.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <vector>

#include "core/slugid.h"
#include "run/progress.h"
#include "run/report_diagram.h"

namespace tc {

namespace {

constexpr size_t kFewItems = 5;  // a listed warning shows this many items before "and N more"
constexpr size_t kMaxInputShown = 20000;  // bytes of the input shown (an input can be megabytes)

const char* kStyle = R"(
:root{color-scheme:light dark;--fg:#1b1b1b;--bg:#fff;--muted:#5f6368;--line:#d0d4d9;--ok:#137333;--okbg:#e6f4ea;
--bad:#b3261e;--badbg:#fce8e6;--warn:#8a5300;--warnbg:#fef7e0;--info:#1a56b8;--infobg:#e8f0fe}
@media (prefers-color-scheme:dark){:root{--fg:#e8eaed;--bg:#1f1f1f;--muted:#aab0b6;--line:#4a4f55;--ok:#81c995;
--okbg:#1e3a27;--bad:#f28b82;--badbg:#482624;--warn:#fdd663;--warnbg:#463a16;--info:#8ab4f8;--infobg:#1c2b45}}
*{box-sizing:border-box}
body{margin:0 auto;max-width:60rem;padding:1rem;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:var(--fg);background:var(--bg);overflow-wrap:anywhere}
h1{font-size:1.4rem;margin:.2rem 0}h2{font-size:1.15rem;margin:1.6rem 0 .5rem;border-bottom:1px solid var(--line)}
a{color:var(--info)}code,pre,.id{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
pre{background:var(--infobg);padding:.6rem;border-radius:6px;overflow-x:auto;white-space:pre-wrap}
.banner{padding:.8rem 1rem;border-radius:8px;border-left:6px solid}
.done{background:var(--okbg);border-color:var(--ok)}.refused,.bad-input{background:var(--warnbg);border-color:var(--warn)}
.failed{background:var(--badbg);border-color:var(--bad)}.dry{background:var(--infobg);border-color:var(--info)}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;margin:0}dt{color:var(--muted)}dd{margin:0}
@media (max-width:34rem){dl{grid-template-columns:1fr}dd{margin-bottom:.4rem}}
.msg{padding:.6rem .8rem;border-radius:6px;margin:.4rem 0}.msg.warn{background:var(--warnbg)}
.msg.err{background:var(--badbg)}.msg.note{background:var(--infobg)}
ul.plain{padding-left:1.2rem}ol.ops{padding-left:0;list-style:none;margin:0}
ol.ops li{padding:.45rem .2rem;border-bottom:1px solid var(--line);content-visibility:auto;contain-intrinsic-size:auto 4.5rem}
.k{font-weight:600}.s{display:inline-block;padding:0 .45rem;border-radius:1rem;font-size:.85em;margin-left:.3rem}
.s-done{background:var(--okbg);color:var(--ok)}.s-failed{background:var(--badbg);color:var(--bad)}
.s-skipped{background:var(--warnbg);color:var(--warn)}.s-planned{background:var(--infobg);color:var(--info)}
.l{display:block}.d{display:block;color:var(--muted);font-size:.9em}
svg.deps{max-width:100%;height:auto;display:block;margin:.5rem 0}
svg.deps text{font:13px system-ui,sans-serif;fill:var(--fg)}svg.deps text.sub{fill:var(--muted);font-size:11px}
svg.deps rect{fill:var(--infobg);stroke:var(--info);stroke-width:1.5}
svg.deps .st-failed rect{fill:var(--badbg);stroke:var(--bad)}svg.deps .st-skipped rect{fill:var(--warnbg);stroke:var(--warn)}
svg.deps .group rect{stroke-width:3}
svg.deps .action rect{fill:var(--warnbg);stroke:var(--warn);stroke-dasharray:6 3}
svg.deps .existing rect{fill:var(--bg);stroke:var(--muted);stroke-dasharray:3 3}
svg.deps .edges path{fill:none;stroke:var(--muted);stroke-width:1.2}
.legend span{display:inline-block;margin-right:1rem}.sw{display:inline-block;width:1.4em;height:.9em;
vertical-align:middle;margin-right:.3em;border:2px solid var(--info);background:var(--infobg);border-radius:3px}
.sw.action{border:2px dashed var(--warn);background:var(--warnbg)}.sw.existing{border:2px dotted var(--muted);background:none}
footer{margin-top:2rem;color:var(--muted);font-size:.85em}
)";

std::string Str(const JsonValue& o, const char* name) { return GetString(o, name).value_or(""); }

// What each exit status means, in words.
const char* ExitWords(int code, bool dry_run) {
  switch (code) {
    case 0: return dry_run ? "Dry run: nothing was changed; the operations below are what the action would do."
                           : "Done: every operation below was carried out (or needed nothing).";
    case 1: return "Refused by policy: nothing was changed. The reason and what to do instead are below.";
    case 2: return "Bad input or usage: nothing was changed. What was wrong is below.";
    default: return "Taskcluster failure: the action stopped; the operations below say what was done before it.";
  }
}

class Page {
 public:
  explicit Page(const JsonValue& r) : r_(r) {
    root_ = Str(r, "rootUrl");
    prefix_ = root_.empty() ? "/tasks/" : "tasks/";
  }

  std::string Render() {
    const int code = GetInt(r_, "exitCode").value_or(3);
    const std::string outcome = Str(r_, "outcome");
    const std::string action = Str(r_, "action").empty() ? "(unknown action)" : Str(r_, "action");
    out_ += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    out_ += fmt::format("<title>tc-action {}: {}</title>\n", E(action), E(outcome));
    if (!root_.empty()) out_ += fmt::format("<base href=\"{}/\">\n", E(root_));
    out_ += fmt::format("<style>{}</style>\n</head>\n<body>\n", kStyle);
    const bool dry = r_.HasMember("dryRun") && r_["dryRun"].IsBool() && r_["dryRun"].GetBool();
    const std::string banner = dry && code == 0 ? "dry" : outcome;
    out_ += fmt::format("<header class=\"banner {}\"><h1>{}{}: {}</h1><p>Exit status {}. {}</p></header>\n", E(banner),
                        E(action), dry ? " (dry run)" : "", E(outcome), code, ExitWords(code, dry));
    Problem(code);
    Overview(action);
    Warnings();
    Picture(dry);
    Operations();
    Notes();
    out_ += "<footer>Written by tc-action from the same document as report.json, beside this page.</footer>\n";
    out_ += "</body>\n</html>\n";
    return std::move(out_);
  }

 private:
  static std::string E(std::string_view s) { return HtmlEscape(s); }

  // A link to a task's page in the Taskcluster UI (its taskId as text), or the bare text when it is no taskId.
  std::string TaskLink(const std::string& id, const char* cls = nullptr) const {
    if (!IsSlugid(id)) return "<span class=\"id\">" + E(id) + "</span>";
    return fmt::format("<a class=\"id{}\" href=\"{}{}\">{}</a>", cls ? std::string(" ") + cls : "", prefix_, id, id);
  }

  void Problem(int code) {
    const std::string error = Str(r_, "error");
    if (error.empty()) return;
    const char* head = code == 1 ? "Why it was refused" : code == 2 ? "What was wrong" : "What failed";
    out_ += fmt::format("<h2>{}</h2>\n<p class=\"msg err\">{}</p>\n", head, E(error));
  }

  void Overview(const std::string& action) {
    out_ += "<h2>What ran</h2>\n<dl>\n";
    out_ += fmt::format("<dt>Action</dt><dd><code>{}</code></dd>\n", E(action));
    const JsonValue* task = Member(r_, "taskId");
    out_ += "<dt>Target</dt><dd>" +
            (task && task->IsString() ? "task " + TaskLink(task->GetString()) : std::string("the task group")) +
            "</dd>\n";
    const std::string group = Str(r_, "taskGroupId");
    if (!group.empty())
      out_ += fmt::format("<dt>Task group</dt><dd>{}</dd>\n",
                          IsSlugid(group) ? fmt::format("<a class=\"id\" href=\"{}groups/{}\">{}</a>", prefix_, group, group)
                                          : E(group));
    const std::string own = Str(r_, "actionTaskId");
    if (!own.empty()) out_ += "<dt>Action task</dt><dd>" + TaskLink(own) + "</dd>\n";
    std::string input = "{}";
    if (const JsonValue* in = Member(r_, "input")) input = ToPrettyJson(*in);
    std::string more;
    if (input.size() > kMaxInputShown) {
      more = fmt::format("<br>(the first {} of {} bytes; report.json has all of it)", Thousands(kMaxInputShown),
                         Thousands(input.size()));
      input.resize(kMaxInputShown);  // a cut character becomes U+FFFD
    }
    out_ += fmt::format("<dt>Input</dt><dd><pre>{}</pre>{}</dd>\n", E(input), more);
    out_ += fmt::format("<dt>Result</dt><dd>{}</dd>\n", E(Str(r_, "outcome")));
    out_ += "<dt>Links</dt><dd>" + LinksNote() + "</dd>\n</dl>\n";
  }

  std::string LinksNote() const {
    if (!root_.empty())
      return fmt::format("to the Taskcluster UI at <a href=\"{0}/\">{0}</a>, the root URL the action ran against",
                         E(root_));
    const bool proxy = r_.HasMember("proxy") && r_["proxy"].IsBool() && r_["proxy"].GetBool();
    return proxy ? "relative (<code>/tasks/&lt;taskId&gt;</code>): the action ran through taskcluster-proxy only, "
                   "so the root URL was not known"
                 : "relative (<code>/tasks/&lt;taskId&gt;</code>): TASKCLUSTER_ROOT_URL was not known";
  }

  // A listed warning: lead, a count with the first few items and the full list folded, tail.
  std::string ListedWarning(const JsonValue& w) const {
    std::vector<std::string> items;
    if (const JsonValue* it = Member(w, "items"); it && it->IsArray())
      for (const auto& i : it->GetArray())
        if (i.IsString()) items.push_back(i.GetString());
    auto item = [&](const std::string& s) {
      // "taskId (label)": the taskId links to the task.
      const std::string id = s.substr(0, std::min<size_t>(22, s.size()));
      return IsSlugid(id) ? TaskLink(id) + E(s.substr(22)) : E(s);
    };
    std::string list;
    for (size_t i = 0; i < items.size() && i < kFewItems; ++i) list += (i ? ", " : "") + item(items[i]);
    std::string out = E(Str(w, "lead"));
    if (items.size() <= kFewItems) return out + list + E(Str(w, "tail"));
    out += fmt::format("{} tasks: {} and {} more{}", Thousands(items.size()), list, Thousands(items.size() - kFewItems),
                       E(Str(w, "tail")));
    out += fmt::format("<details><summary>all {} tasks</summary><ul class=\"plain\">", Thousands(items.size()));
    for (const auto& s : items) out += "<li>" + item(s) + "</li>";
    return out + "</ul></details>";
  }

  void Warnings() {
    const JsonValue* ws = Member(r_, "warnings");
    if (!ws || !ws->IsArray() || ws->Empty()) return;
    std::map<size_t, const JsonValue*> listed;
    if (const JsonValue* l = Member(r_, "warningLists"); l && l->IsArray())
      for (const auto& w : l->GetArray())
        if (auto i = GetInt(w, "warning"); i && *i >= 0) listed[static_cast<size_t>(*i)] = &w;
    out_ += fmt::format("<h2>Warnings ({})</h2>\n", ws->Size());
    for (size_t i = 0; i < ws->Size(); ++i) {
      const JsonValue& w = (*ws)[static_cast<rapidjson::SizeType>(i)];
      const auto it = listed.find(i);
      out_ += "<div class=\"msg warn\">" +
              (it != listed.end() ? ListedWarning(*it->second) : E(w.IsString() ? w.GetString() : "")) + "</div>\n";
    }
  }

  void Operation(const JsonValue& op) {
    const std::string kind = Str(op, "op"), status = Str(op, "status"), of = Str(op, "of");
    out_ += fmt::format("<li><span class=\"k\">{}</span><span class=\"s s-{}\">{}</span>", E(kind), E(status), E(status));
    const std::string label = Str(op, "label");
    if (!label.empty()) out_ += "<span class=\"l\">" + E(label) + "</span>";
    out_ += of.empty() ? "task " + TaskLink(Str(op, "taskId"), "copy")
                       : "copy " + TaskLink(Str(op, "taskId"), "copy") + " of " + TaskLink(of, "orig");
    const std::string detail = Str(op, "detail");
    if (!detail.empty()) out_ += "<span class=\"d\">" + E(detail) + "</span>";
    out_ += "</li>\n";
  }

  void Operations() {
    const JsonValue* ops = Member(r_, "operations");
    if (!ops || !ops->IsArray()) return;
    std::map<std::string, std::map<std::string, size_t>> counts;
    for (const auto& op : ops->GetArray()) ++counts[Str(op, "op")][Str(op, "status")];
    out_ += fmt::format("<h2>Operations ({})</h2>\n", Thousands(ops->Size()));
    if (ops->Empty()) {
      out_ += "<p>None.</p>\n";
      return;
    }
    std::string summary;
    for (const auto& [kind, by] : counts) {
      std::string parts;
      for (const auto& [st, n] : by) parts += (parts.empty() ? "" : ", ") + Thousands(n) + " " + E(st);
      summary += (summary.empty() ? "" : "; ") + E(kind) + ": " + parts;
    }
    out_ += "<p>" + summary + "</p>\n<ol class=\"ops\">\n";
    for (const auto& op : ops->GetArray())
      if (op.IsObject()) Operation(op);
    out_ += "</ol>\n";
  }

  void Picture(bool dry) {
    const Diagram d = DependencyDiagram(r_, prefix_);
    if (d.svg.empty()) return;
    out_ += fmt::format("<h2>{}</h2>\n<p>{}</p>\n", dry ? "What would be created" : "What was created",
                        d.grouped ? fmt::format("More than {} tasks: one box per kind ({} kinds); each box counts its "
                                                "tasks by status. A task sits below what it depends on.",
                                                kGroupAbove, d.nodes)
                                  : std::string("One box per created task, below what it depends on; a box links to "
                                                "the task."));
    out_ += d.svg;
    out_ += "<p class=\"legend\"><span><i class=\"sw\"></i>created</span><span><i class=\"sw action\"></i>the action "
            "task</span><span><i class=\"sw existing\"></i>existing task, reused</span></p>\n";
  }

  void Notes() {
    const JsonValue* ns = Member(r_, "notes");
    if (!ns || !ns->IsArray() || ns->Empty()) return;
    out_ += "<h2>Notes</h2>\n";
    for (const auto& n : ns->GetArray())
      if (n.IsString()) out_ += "<p class=\"msg note\">" + E(n.GetString()) + "</p>\n";
  }

  const JsonValue& r_;
  std::string root_, prefix_, out_;
};

}  // namespace

namespace {

// The length of what starts at u[i] when HTML forbids it in a document (a
// control character other than tab and newline, or a noncharacter); 0 when
// it is allowed. u is valid UTF-8.
size_t ForbiddenAt(const std::string& u, size_t i) {
  auto b = [&](size_t k) { return i + k < u.size() ? static_cast<unsigned char>(u[i + k]) : 0; };
  const unsigned char c = b(0);
  if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) return 1;
  if (c == 0xc2 && b(1) <= 0x9f) return 2;                                          // C1 controls
  if (c == 0xef && b(1) == 0xb7 && b(2) >= 0x90 && b(2) <= 0xaf) return 3;          // U+FDD0..U+FDEF
  if (c == 0xef && b(1) == 0xbf && (b(2) == 0xbe || b(2) == 0xbf)) return 3;        // U+FFFE, U+FFFF
  if (c >= 0xf0 && (b(1) & 0x0f) == 0x0f && b(2) == 0xbf && (b(3) == 0xbe || b(3) == 0xbf)) return 4;  // U+xFFFE/F
  return 0;
}

}  // namespace

std::string HtmlEscape(std::string_view s) {
  const std::string u = SanitizeUtf8(s);
  std::string out;
  out.reserve(u.size() + 16);
  for (size_t i = 0; i < u.size(); ++i) {
    switch (u[i]) {
      case '&': out += "&amp;"; continue;
      case '<': out += "&lt;"; continue;
      case '>': out += "&gt;"; continue;
      case '"': out += "&quot;"; continue;
      case '\'': out += "&#39;"; continue;
      default: break;
    }
    if (const size_t bad = ForbiddenAt(u, i)) {
      out += "\xEF\xBF\xBD";
      i += bad - 1;
    } else {
      out += u[i];
    }
  }
  return out;
}

std::string ReportHtml(const JsonValue& report) { return Page(report).Render(); }

}  // namespace tc

#include "run/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/redact.h"
#include "core/slugid.h"
#include "run/artifact_files.h"
#include "run/report_html.h"

namespace tc {

static bool WriteJsonFile(const std::string& dir, const std::string& name, const std::string& text, std::string* err);

ReportHeader HeaderFromContext(const Context& ctx, bool dry_run) {
  ReportHeader h;
  h.action = ctx.action;
  h.task_group_id = ctx.task_group_id;
  h.task_id = ctx.task_id;
  h.action_task_id = ctx.action_task_id;
  h.input.CopyFrom(ctx.input, h.input.GetAllocator());
  h.dry_run = dry_run;
  return h;
}

ReportHeader HeaderFromEnv(const EnvLookup& env, bool dry_run) {
  ReportHeader h;
  h.dry_run = dry_run;
  h.input.SetObject();
  // Only echo values that are well-formed, and never long ones.
  auto short_value = [](const std::optional<std::string>& v) { return v && v->size() <= 100 ? *v : std::string(); };
  h.action = SanitizeUtf8(short_value(env("ACTION_CALLBACK")));
  std::string group = short_value(env("ACTION_TASK_GROUP_ID"));
  h.task_group_id = IsSlugid(group) ? group : "";
  if (auto t = env("ACTION_TASK_ID")) {
    if (auto d = TryParseJson(*t); d && d->IsString() && IsSlugid(d->GetString())) h.task_id = d->GetString();
  }
  std::string own = short_value(env("TASK_ID"));
  if (IsSlugid(own)) h.action_task_id = own;
  if (auto in = env("ACTION_INPUT")) {
    if (auto d = TryParseJson(*in); d && d->IsObject()) h.input = std::move(*d);
  }
  SetUiRoot(h, env);
  return h;
}

std::string UiRootUrl(std::string_view url) {
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  const size_t scheme = url.rfind("https://", 0) == 0 ? 8 : url.rfind("http://", 0) == 0 ? 7 : 0;
  if (scheme == 0 || url.size() <= scheme || url.size() > 300) return "";
  const std::string_view authority = url.substr(scheme, url.find('/', scheme) - scheme);
  if (authority.empty() || authority.find('@') != std::string_view::npos) return "";  // no user:password@
  for (char c : url) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '"' || c == '\'' || c == '<' || c == '>' || c == '\\' || c == '?' ||
        c == '#')
      return "";
  }
  return std::string(url);
}

void SetUiRoot(ReportHeader& h, const EnvLookup& env) {
  h.root_url = UiRootUrl(env("TASKCLUSTER_ROOT_URL").value_or(""));
  h.proxy = !env("TASKCLUSTER_PROXY_URL").value_or("").empty();
}

namespace {

// Everything echoed from input is made valid UTF-8 first: the report stays JSON.
// Everything echoed from input is redacted and made valid UTF-8 first: the report stays JSON.
JsonValue Text(std::string_view s, JsonAlloc& a) { return tc::Str(RedactedUtf8(s), a); }

// A created task's kind: tags.kind as taskgraph sets it, else the label up to its first "-" or "/".
std::string KindOf(const Operation& op) {
  if (const JsonValue* tags = Member(op.definition, "tags"); tags && tags->IsObject())
    if (auto k = GetString(*tags, "kind"); k && !k->empty()) return *k;
  const std::string& name = op.label.empty() ? op.task_id : op.label;
  return name.substr(0, std::min(name.find('-'), name.find('/')));
}

JsonValue OpJson(const Operation& op, JsonAlloc& a) {
  JsonValue o(rapidjson::kObjectType);
  o.AddMember("op", rapidjson::StringRef(OpKindName(op.kind)), a);
  o.AddMember("taskId", Text(op.task_id, a), a);
  if (!op.of.empty()) o.AddMember("of", Text(op.of, a), a);
  if (!op.label.empty()) o.AddMember("label", Text(op.label, a), a);
  o.AddMember("status", rapidjson::StringRef(OpStatusName(op.status)), a);
  if (!op.detail.empty()) o.AddMember("detail", Text(op.detail, a), a);
  if (op.kind != OpKind::kCreate || !op.definition.IsObject()) return o;
  o.AddMember("kind", Text(KindOf(op), a), a);
  JsonValue deps(rapidjson::kArrayType);
  if (const JsonValue* d = Member(op.definition, "dependencies"); d && d->IsArray())
    for (const auto& id : d->GetArray())
      if (id.IsString()) deps.PushBack(Text(id.GetString(), a), a);
  o.AddMember("dependencies", deps, a);
  return o;
}

JsonValue StringsJson(const std::vector<std::string>& v, JsonAlloc& a) {
  JsonValue out(rapidjson::kArrayType);
  for (const auto& s : v) out.PushBack(Text(s, a), a);
  return out;
}

JsonValue WarningListsJson(const Plan& plan, JsonAlloc& a) {
  JsonValue out(rapidjson::kArrayType);
  for (const auto& w : plan.listed_warnings) {
    JsonValue o(rapidjson::kObjectType);
    o.AddMember("warning", static_cast<uint64_t>(w.index), a);
    o.AddMember("lead", Text(w.lead, a), a);
    o.AddMember("items", StringsJson(w.items, a), a);
    o.AddMember("tail", Text(w.tail, a), a);
    out.PushBack(o, a);
  }
  return out;
}

}  // namespace

Json BuildReport(const ReportHeader& h, const Plan& plan, ExitCode code, const std::string& error) {
  Json r(rapidjson::kObjectType);
  auto& a = r.GetAllocator();
  r.AddMember("action", Text(h.action, a), a);
  r.AddMember("taskGroupId", Text(h.task_group_id, a), a);
  r.AddMember("taskId", h.task_id ? Text(*h.task_id, a) : JsonValue(), a);
  r.AddMember("actionTaskId", h.action_task_id ? Text(*h.action_task_id, a) : JsonValue(), a);
  r.AddMember("input", JsonValue(h.input, a), a);
  r.AddMember("dryRun", h.dry_run, a);
  r.AddMember("rootUrl", h.root_url.empty() ? JsonValue() : Text(h.root_url, a), a);
  r.AddMember("proxy", h.proxy, a);
  r.AddMember("outcome", rapidjson::StringRef(OutcomeName(code)), a);
  r.AddMember("exitCode", static_cast<int>(code), a);
  if (!error.empty()) r.AddMember("error", Text(error, a), a);
  JsonValue ops(rapidjson::kArrayType);
  for (const auto& op : plan.ops) ops.PushBack(OpJson(op, a), a);
  r.AddMember("operations", ops, a);
  r.AddMember("warnings", StringsJson(plan.warnings, a), a);
  if (!plan.listed_warnings.empty()) r.AddMember("warningLists", WarningListsJson(plan, a), a);
  r.AddMember("notes", StringsJson(plan.notes, a), a);
  return r;
}

bool WriteReport(const std::string& dir, const Json& report, std::string* err) {
  return WriteJsonFile(dir, "report.json", ToPrettyJson(report), err) &&
         WriteJsonFile(dir, "report.html", ReportHtml(report), err);
}

bool WriteTextArtifact(const std::string& dir, const std::string& name, const std::string& text, std::string* err) {
  return WriteJsonFile(dir, name, text, err);
}

bool WriteJsonArtifact(const std::string& dir, const std::string& name, const JsonValue& doc, std::string* err) {
  return WriteJsonFile(dir, name, ToJson(doc), err);
}

static bool WriteJsonFile(const std::string& dir, const std::string& name, const std::string& text,
                          std::string* err) {
  return WriteFileAtomically(dir, name, {text, "\n"}, err);
}

void PrintSummary(std::ostream& out, const ReportHeader& h, const Plan& plan, ExitCode code,
                  const std::string& error) {
  // Every line through Printable: labels and messages come from task definitions and the queue.
  auto line = [&](const std::string& text) { out << Printable(text) << "\n"; };
  std::string target = h.task_id ? *h.task_id : std::string("the task group");
  line(fmt::format("tc-action {}{} on {} (group {}): {}", h.action.empty() ? "?" : h.action,
                   h.dry_run ? " (dry run)" : "", target, h.task_group_id.empty() ? "?" : h.task_group_id,
                   OutcomeName(code)));
  for (const auto& op : plan.ops) {
    std::string what = op.of.empty() ? "" : " copy of " + op.of;
    std::string label = op.label.empty() ? "" : " " + op.label;
    line(fmt::format("  {:<6} {}{}{}  {}{}", OpKindName(op.kind), op.task_id, what, label, OpStatusName(op.status),
                     op.detail.empty() ? "" : " (" + op.detail + ")"));
  }
  // A warning that names many tasks: a count, the first few and "and N more" (the reports list all).
  std::vector<std::string> warnings = plan.warnings;
  for (const auto& w : plan.listed_warnings)
    if (w.index < warnings.size()) warnings[w.index] = ShortWarning(w);
  for (const auto& w : warnings) line("  warning: " + w);
  for (const auto& n : plan.notes) line("  note: " + n);
  if (!error.empty()) line("  error: " + error);
}

}  // namespace tc

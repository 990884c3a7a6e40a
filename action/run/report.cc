#include "run/report.h"

#include <fmt/format.h>

#include "core/redact.h"
#include "core/slugid.h"
#include "run/artifact_files.h"

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
  return h;
}

Json BuildReport(const ReportHeader& h, const Plan& plan, ExitCode code, const std::string& error) {
  Json r(rapidjson::kObjectType);
  auto& a = r.GetAllocator();
  // Everything echoed from input is redacted and made valid UTF-8 first: the report stays JSON.
  auto Str = [](std::string_view s, JsonAlloc& al) { return tc::Str(RedactedUtf8(s), al); };
  r.AddMember("action", Str(h.action, a), a);
  r.AddMember("taskGroupId", Str(h.task_group_id, a), a);
  r.AddMember("taskId", h.task_id ? Str(*h.task_id, a) : JsonValue(), a);
  r.AddMember("actionTaskId", h.action_task_id ? Str(*h.action_task_id, a) : JsonValue(), a);
  r.AddMember("input", JsonValue(h.input, a), a);
  r.AddMember("dryRun", h.dry_run, a);
  r.AddMember("outcome", rapidjson::StringRef(OutcomeName(code)), a);
  r.AddMember("exitCode", static_cast<int>(code), a);
  if (!error.empty()) r.AddMember("error", Str(error, a), a);
  JsonValue ops(rapidjson::kArrayType);
  for (const auto& op : plan.ops) {
    JsonValue o(rapidjson::kObjectType);
    o.AddMember("op", rapidjson::StringRef(OpKindName(op.kind)), a);
    o.AddMember("taskId", Str(op.task_id, a), a);
    if (!op.of.empty()) o.AddMember("of", Str(op.of, a), a);
    if (!op.label.empty()) o.AddMember("label", Str(op.label, a), a);
    o.AddMember("status", rapidjson::StringRef(OpStatusName(op.status)), a);
    if (!op.detail.empty()) o.AddMember("detail", Str(op.detail, a), a);
    ops.PushBack(o, a);
  }
  r.AddMember("operations", ops, a);
  JsonValue warnings(rapidjson::kArrayType);
  for (const auto& w : plan.warnings) warnings.PushBack(Str(w, a), a);
  r.AddMember("warnings", warnings, a);
  JsonValue notes(rapidjson::kArrayType);
  for (const auto& n : plan.notes) notes.PushBack(Str(n, a), a);
  r.AddMember("notes", notes, a);
  return r;
}

bool WriteReport(const std::string& dir, const Json& report, std::string* err) {
  return WriteJsonFile(dir, "report.json", ToPrettyJson(report), err);
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
  // Every value from outside is Printable(): no secret, no control byte, no line of its own.
  auto P = [](const std::string& s) { return Printable(s); };
  std::string target = h.task_id ? P(*h.task_id) : std::string("the task group");
  out << fmt::format("tc-action {}{} on {} (group {}): {}\n", h.action.empty() ? "?" : P(h.action),
                     h.dry_run ? " (dry run)" : "", target, h.task_group_id.empty() ? "?" : P(h.task_group_id),
                     OutcomeName(code));
  for (const auto& op : plan.ops) {
    std::string what = op.of.empty() ? "" : " copy of " + P(op.of);
    std::string label = op.label.empty() ? "" : " " + P(op.label);
    out << fmt::format("  {:<6} {}{}{}  {}{}\n", OpKindName(op.kind), P(op.task_id), what, label,
                       OpStatusName(op.status), op.detail.empty() ? "" : " (" + P(op.detail) + ")");
  }
  for (const auto& w : plan.warnings) out << "  warning: " << P(w) << "\n";
  for (const auto& n : plan.notes) out << "  note: " << P(n) << "\n";
  if (!error.empty()) out << "  error: " << P(error) << "\n";
}

}  // namespace tc

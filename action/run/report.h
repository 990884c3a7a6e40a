// The report: report.json (validated by schemas/report.json) and the short
// human summary printed on stdout.
#pragma once
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "actions/context.h"
#include "core/error.h"
#include "actions/plan.h"

namespace tc {

struct ReportHeader {
  std::string action;
  std::string task_group_id;
  std::optional<std::string> task_id;
  std::optional<std::string> action_task_id;
  Json input;  // object; {} when unknown
  bool dry_run = false;
  // Where the Taskcluster UI is, for links (<root_url>/tasks/<taskId>):
  // TASKCLUSTER_ROOT_URL ("" when unset or not a plain http(s) URL); proxy:
  // the queue was reached through TASKCLUSTER_PROXY_URL.
  std::string root_url;
  bool proxy = false;
};

ReportHeader HeaderFromContext(const Context& ctx, bool dry_run);
// Best effort for when the context did not load: the raw variables that parse.
ReportHeader HeaderFromEnv(const EnvLookup& env, bool dry_run);
// Sets h.root_url and h.proxy from the environment (HeaderFromEnv does).
void SetUiRoot(ReportHeader& h, const EnvLookup& env);
// TASKCLUSTER_ROOT_URL as a link base: http(s), no credentials, quotes,
// spaces or control characters, no trailing "/"; "" otherwise.
std::string UiRootUrl(std::string_view url);

Json BuildReport(const ReportHeader& h, const Plan& plan, ExitCode code, const std::string& error);
// Writes <dir>/report.json atomically (temp file + rename), and beside it
// report.html, the page built from the same document (run/report_html.h).
// Returns false (and sets *err) when the directory cannot be written.
bool WriteReport(const std::string& dir, const Json& report, std::string* err);
// Writes <dir>/<name> atomically (compact JSON).
bool WriteJsonArtifact(const std::string& dir, const std::string& name, const JsonValue& doc, std::string* err);
// Writes <dir>/<name> atomically from text.
bool WriteTextArtifact(const std::string& dir, const std::string& name, const std::string& text, std::string* err);
void PrintSummary(std::ostream& out, const ReportHeader& h, const Plan& plan, ExitCode code, const std::string& error);


}  // namespace tc

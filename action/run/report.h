// The report: report.json (validated by schemas/report.json) and the short
// human summary printed on stdout.
#pragma once
#include <optional>
#include <ostream>
#include <string>

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
};

ReportHeader HeaderFromContext(const Context& ctx, bool dry_run);
// Best effort for when the context did not load: the raw variables that parse.
ReportHeader HeaderFromEnv(const EnvLookup& env, bool dry_run);

Json BuildReport(const ReportHeader& h, const Plan& plan, ExitCode code, const std::string& error);
// Writes <dir>/report.json atomically (temp file + rename). Returns false (and
// sets *err) when the directory cannot be written.
bool WriteReport(const std::string& dir, const Json& report, std::string* err);
// Writes <dir>/<name> atomically (compact JSON).
bool WriteJsonArtifact(const std::string& dir, const std::string& name, const JsonValue& doc, std::string* err);
// Writes <dir>/<name> atomically from text.
bool WriteTextArtifact(const std::string& dir, const std::string& name, const std::string& text, std::string* err);
void PrintSummary(std::ostream& out, const ReportHeader& h, const Plan& plan, ExitCode code, const std::string& error);


}  // namespace tc

// build/tc-action as a subprocess: its path, a run with a given environment,
// the environment an action hook gives it, and how a result reads in a
// failure message.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "process_util.h"

namespace tctest {

// build/tc-action.
std::string TcActionPath();
// build/tc-action with `args`, in `env` only.
ProcResult RunTcAction(const std::vector<std::string>& args, const std::map<std::string, std::string>& env);
// The variables an in-tree action hook sets for `tc-action run` (TASK_ID,
// ACTION_TASK_GROUP_ID, ACTION_TASK_ID, ACTION_INPUT, ACTION_CALLBACK) and
// PATH; credentials are the caller's.
std::map<std::string, std::string> ActionEnv(const std::string& action_task, const std::string& group,
                                             const std::string& callback, const std::string& task_json,
                                             const std::string& input);
// "exit N", stdout and stderr, for INFO.
std::string Describe(const ProcResult& r);
// stderr without its progress lines ("<UTC timestamp> progress <message>",
// run/progress.h), which `tc-action run` prints unless -q.
std::string WithoutProgress(const std::string& err);
// The output contract of `tc-action run` (without -v): stdout holds exactly
// one summary (one line starting "tc-action <action>"); stderr holds only
// progress lines, "tc-action: warning: " lines and, for a non-zero exit,
// exactly one "tc-action: error: " line (none for exit 0). Returns "" or what
// is wrong.
std::string OutputContract(const ProcResult& r, const std::string& action);

}  // namespace tctest

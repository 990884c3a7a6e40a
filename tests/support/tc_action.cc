#include "tc_action.h"

#include <regex>
#include <sstream>

namespace tctest {

std::string TcActionPath() { return std::string(TC_BINARY_DIR) + "/tc-action"; }

ProcResult RunTcAction(const std::vector<std::string>& args, const std::map<std::string, std::string>& env) {
  std::vector<std::string> argv = {TcActionPath()};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProcess(argv, env);
}

std::map<std::string, std::string> ActionEnv(const std::string& action_task, const std::string& group,
                                             const std::string& callback, const std::string& task_json,
                                             const std::string& input) {
  return {{"TASK_ID", action_task},        {"ACTION_TASK_GROUP_ID", group}, {"ACTION_TASK_ID", task_json},
          {"ACTION_INPUT", input},         {"ACTION_CALLBACK", callback},   {"PATH", "/usr/bin:/bin"}};
}

std::string Describe(const ProcResult& r) {
  return "exit " + std::to_string(r.status) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

std::string WithoutProgress(const std::string& err) {
  static const std::regex kLine(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z progress .*$)");
  std::string out;
  std::istringstream in(err);
  for (std::string l; std::getline(in, l);)
    if (!std::regex_match(l, kLine)) out += l + "\n";
  if (!err.empty() && err.back() != '\n' && !out.empty()) out.pop_back();  // as it was: no final newline
  return out;
}

std::string OutputContract(const ProcResult& r, const std::string& action) {
  size_t summaries = 0, errors = 0;
  std::istringstream out(r.out);
  for (std::string l; std::getline(out, l);)
    if (l.rfind("tc-action " + action, 0) == 0) ++summaries;
  if (summaries != 1) return "stdout holds " + std::to_string(summaries) + " summaries";
  std::istringstream err(WithoutProgress(r.err));
  for (std::string l; std::getline(err, l);) {
    if (l.rfind("tc-action: error: ", 0) == 0) ++errors;
    else if (l.rfind("tc-action: warning: ", 0) != 0) return "stderr line that is no progress, warning or error: " + l;
  }
  if (errors != (r.status == 0 ? 0u : 1u)) return "stderr holds " + std::to_string(errors) + " error lines";
  return "";
}

}  // namespace tctest

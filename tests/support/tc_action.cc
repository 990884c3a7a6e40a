#include "tc_action.h"

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

}  // namespace tctest

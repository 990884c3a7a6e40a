#include "cli/cli.h"

#include <CLI/CLI.hpp>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <functional>
#include <iostream>
#include <mutex>

#include "core/error.h"
#include "core/redact.h"
#include "core/run_control.h"
#include "core/timestamp.h"
#include "registration/register.h"
#include "registration/trigger.h"
#include "run/advise_command.h"
#include "run/environment.h"
#include "run/progress.h"
#include "run/report.h"
#include "run/run_budget.h"
#include "run/runner.h"
#include "taskcluster/hooks_http.h"
#include "taskcluster/queue_http.h"
#include "taskcluster/services_http.h"

namespace tc {

namespace {

// stderr, every line Printable(): no secret and no control byte reaches the
// log, whatever a server or an input put into a message.
class PrintableStderrSink : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t buf;
    formatter_->format(msg, buf);
    std::string line(buf.data(), buf.size());
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    std::cerr << Printable(line) << '\n';
  }
  void flush_() override { std::cerr.flush(); }
};

void SetupLogging(int verbosity) {
  auto logger = std::make_shared<spdlog::logger>("tc-action", std::make_shared<PrintableStderrSink>());
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  spdlog::set_default_logger(logger);
  spdlog::set_level(verbosity >= 2 ? spdlog::level::debug : verbosity == 1 ? spdlog::level::info : spdlog::level::warn);
}

// Runs a command; a failure escaping it is one line on stderr and its exit
// status (ExitCodeFor).
int Guarded(const char* cmd, const std::function<int()>& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    std::cerr << "tc-action " << cmd << ": error: " << FailureMessage(e) << "\n";
    return static_cast<int>(ExitCodeFor(e));
  }
}

// What each subcommand's options parse into.
struct Args {
  int verbosity = 0;
  bool quiet = false;
  RunOptions run;
  double max_wait_s = 6 * 3600, poll_s = 5;
  double budget_s = 0;  // 0: not given
  std::string advise_task;
  bool advise_json = false;
  std::string render_template, render_context;
  RegisterOptions reg;
  TriggerOptions trigger;
  std::string trigger_task;
  std::string list_decision, list_task;
  bool list_json = false;
};

CLI::App* AddRun(CLI::App& app, Args& a) {
  auto* run = app.add_subcommand("run", "Run the action an action task was created for (drop-in for taskgraph action-callback)");
  run->add_flag("--dry-run", a.run.dry_run, "Plan only: read the queue, mutate nothing, print the plan");
  run->add_flag("-q,--quiet", a.quiet, "No progress lines on stderr (the summary, warnings and errors stay)");
  run->add_option("--artifacts", a.run.artifacts_dir, "Directory for report.json")->capture_default_str();
  run->add_option("--context", a.run.context_file,
                  "JSON file {\"action\",\"taskGroupId\",\"taskId\",\"input\"} instead of the ACTION_* variables");
  run->add_option("--max-wait", a.max_wait_s, "rerun-sequence: longest wait, in seconds, for one task's new run")
      ->check(CLI::Range(0.0, 7.0 * 24 * 3600))
      ->capture_default_str();
  run->add_option("--poll-interval", a.poll_s, "rerun-sequence: first status poll interval in seconds (doubles up to 30)")
      ->check(CLI::Range(0.001, 30.0))
      ->capture_default_str();
  run->add_option("--concurrency", a.run.exec.concurrency, "Queue calls in flight at most")
      ->check(CLI::Range(1, 500))
      ->capture_default_str();
  run->add_option("--budget", a.budget_s,
                  "Seconds the whole run may take (default: $TC_ACTION_RUN_BUDGET, else 1500); then exit 3 with the "
                  "report of what was done")
      ->check(CLI::Range(1.0, kMaxRunBudgetS));
  run->footer(
      "Environment: TASK_ID, ACTION_TASK_GROUP_ID, ACTION_TASK_ID (JSON), ACTION_INPUT (JSON), ACTION_CALLBACK;\n"
      "TASKCLUSTER_PROXY_URL, or TASKCLUSTER_ROOT_URL with TASKCLUSTER_CLIENT_ID, TASKCLUSTER_ACCESS_TOKEN and\n"
      "optional TASKCLUSTER_CERTIFICATE; TASKCLUSTER_REQUEST_TIMEOUT (seconds for one whole request, default 300),\n"
      "TASKCLUSTER_RECEIVE_TIMEOUT (seconds per read, default 30), TC_ACTION_RUN_BUDGET (see --budget).\n"
      "SIGTERM/SIGINT: stop sending, write the report, exit 3.\n"
      "Exit: 0 done, 1 refused by policy, 2 bad input, 3 Taskcluster failure (also: budget exhausted, terminated).");
  return run;
}

CLI::App* AddAdvise(CLI::App& app, Args& a) {
  auto* advise = app.add_subcommand("advise", "Which action fits a task, and why (the rerun-vs-retrigger guide, executable)");
  advise->add_option("--task", a.advise_task, "The taskId to advise on")->required();
  advise->add_flag("--json", a.advise_json, "Print {\"action\", \"input\", \"scenario\", \"reason\", \"command\"} as JSON");
  return advise;
}

CLI::App* AddRender(CLI::App& app, Args& a) {
  auto* render = app.add_subcommand("render", "Render a JSON-e template (JSON or YAML) with a context; prints JSON");
  render->add_option("TEMPLATE", a.render_template, "Template file (- for stdin)")->required();
  render->add_option("CONTEXT", a.render_context, "Context file, an object (- for stdin; default {})");
  render->footer("Exit: 0 rendered, 2 bad input or a JSON-e error (\"<kind> ...: <message>\" on stderr).");
  return render;
}

CLI::App* AddRegister(CLI::App& app, Args& a) {
  auto* reg = app.add_subcommand("register", "Decision task: render public/actions.json (version 1) for the actions tc-action implements");
  reg->add_option("--parameters", a.reg.parameters, "Decision parameters (parameters.yml or .json)")->required();
  reg->add_option("--taskcluster-yml", a.reg.taskcluster_yml, "The project's .taskcluster.yml (its sha256 names the hooks)")->required();
  reg->add_option("--trust-domain", a.reg.trust_domain, "Trust domain: hookGroupId project-<trust-domain>")->capture_default_str();
  reg->add_option("--actions", a.reg.actions, "A declarations file (YAML/JSON {actions: [...]}) instead of the action registry");
  reg->add_option("--output", a.reg.output, "Where to write actions.json")->capture_default_str();
  reg->add_option("--decision-task-id", a.reg.decision_task_id, "The decision task's taskId (default: $TASK_ID)");
  reg->add_option("--hooks-output", a.reg.hooks_output, "Also write the in-tree action hook definitions these actions need");
  reg->add_option("--hook-template", a.reg.hook_template, "Hook template (default: the installed taskcluster/hooks/in-tree-action.json)");
  return reg;
}

CLI::App* AddTrigger(CLI::App& app, Args& a) {
  auto* trig = app.add_subcommand("trigger", "Trigger an action of a decision task's actions.json for a task (or the group)");
  trig->add_option("--decision-task", a.trigger.decision_task_id, "The decision task's taskId")->required();
  trig->add_option("--task", a.trigger_task, "The task the action acts on (omit for group actions)");
  trig->add_option("ACTION", a.trigger.action, "Action name, e.g. retrigger, rerun, cancel, cancel-all")->required();
  trig->add_option("--input", a.trigger.input_json, "Action input, a JSON object (default {}; schema defaults applied)");
  trig->add_flag("--dry-run", a.trigger.dry_run, "Print the hook and payload, trigger nothing");
  trig->footer("Prints the new action task's taskId.\nExit: 0 triggered, 1 no such action for this task, 2 bad input, 3 Taskcluster failure.");
  return trig;
}

CLI::App* AddActions(CLI::App& app, Args& a) {
  auto* list = app.add_subcommand("actions", "List the actions available for a task (or the group), as the UI menu shows them; without --decision-task, the actions tc-action implements");
  list->add_option("--decision-task", a.list_decision, "The decision task's taskId");
  list->add_option("--task", a.list_task, "The task (omit for group actions)");
  list->add_flag("--json", a.list_json, "Print the applicable actions.json entries (or the declarations) as JSON");
  return list;
}

// A usage error: one line, exit 2; `run` writes its report on every exit.
int UsageError(const CLI::ParseError& e, int argc, char** argv) {
  const std::string msg = OneLine(std::string(e.what()) + " (see tc-action --help)");
  std::cerr << "tc-action: error: " << msg << "\n";
  bool is_run = false;
  std::string dir = "artifacts";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "run") is_run = true;
    if (arg == "--artifacts" && i + 1 < argc) dir = argv[i + 1];
    if (arg.rfind("--artifacts=", 0) == 0) dir = arg.substr(12);
  }
  if (is_run) {
    std::string werr;
    if (!WriteReport(dir, BuildReport(HeaderFromEnv(ProcessEnv(), false), Plan(), ExitCode::kBadInput, msg), &werr))
      std::cerr << "tc-action: warning: " << werr << "\n";
  }
  return static_cast<int>(ExitCode::kBadInput);
}

int Run(Args& a) {
  a.run.exec.max_wait_ms = static_cast<int64_t>(a.max_wait_s * 1000);
  a.run.exec.poll_initial_ms = std::max<int64_t>(1, static_cast<int64_t>(a.poll_s * 1000));
  if (a.budget_s > 0) a.run.budget_s = a.budget_s;
  // A worker sends SIGTERM at maxRunTime, a user SIGINT: finish with a report.
  run_control::InstallStopSignals();
  ServicesFactory factory = [] { return HttpServices(ClientConfigFromEnv()); };
  LineProgress progress(std::cerr);
  if (!a.quiet) a.run.progress = &progress;
  return RunAction(a.run, ProcessEnv(), factory, std::cout, std::cerr);
}

int Advise(const Args& a) {
  Services s = HttpServices(ClientConfigFromEnv());
  PrintAdvice(AdviseTask(s, a.advise_task, NowMs()), a.advise_json, std::cout);
  return 0;
}

int TriggerOrList(Args& a, bool trigger) {
  ClientConfig cfg = ClientConfigFromEnv();
  auto http = std::make_shared<HttpClient>(HttpOptionsFor(cfg));
  HttpQueue queue(cfg, http);
  if (!trigger) {
    std::optional<std::string> task;
    if (!a.list_task.empty()) task = a.list_task;
    return ActionsCommand(a.list_decision, task, a.list_json, queue, std::cout, std::cerr);
  }
  HttpHooks hooks(cfg, http);
  if (!a.trigger_task.empty()) a.trigger.task_id = a.trigger_task;
  return TriggerCommand(a.trigger, queue, hooks, std::cout, std::cerr);
}

}  // namespace

int CliMain(int argc, char** argv) {
  CLI::App app{"tc-action: Taskcluster action tasks (rerun, retrigger, cancel) done safely and idempotently"};
  app.require_subcommand(1);
  Args a;
  app.add_flag("-v,--verbose", a.verbosity, "More logging on stderr (-v info, -vv debug); secrets are never logged");
  CLI::App* run = AddRun(app, a);
  CLI::App* advise = AddAdvise(app, a);
  CLI::App* render = AddRender(app, a);
  CLI::App* reg = AddRegister(app, a);
  CLI::App* trig = AddTrigger(app, a);
  CLI::App* list = AddActions(app, a);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return UsageError(e, argc, argv);
  }
  SetupLogging(a.verbosity);
  if (run->parsed()) return Run(a);  // RunAction reports every failure itself
  if (advise->parsed()) return Guarded("advise", [&] { return Advise(a); });
  if (render->parsed())
    return Guarded("render", [&] { return RenderCommand(a.render_template, a.render_context, std::cout, std::cerr); });
  if (reg->parsed()) return Guarded("register", [&] { return RegisterCommand(a.reg, std::cout); });
  if (trig->parsed()) return Guarded("trigger", [&] { return TriggerOrList(a, true); });
  if (list->parsed() && a.list_decision.empty()) return RegistryCommand(a.list_json, std::cout);
  if (list->parsed()) return Guarded("actions", [&] { return TriggerOrList(a, false); });
  return static_cast<int>(ExitCode::kBadInput);
}

}  // namespace tc

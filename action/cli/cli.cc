#include "cli/cli.h"

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>

#include "run/advise.h"
#include "core/error.h"
#include "taskcluster/hooks_http.h"
#include "taskcluster/queue_http.h"
#include "registration/register.h"
#include "run/report.h"
#include "run/runner.h"
#include "registration/trigger.h"

namespace tc {

namespace {

void SetupLogging(int verbosity) {
  auto logger = spdlog::stderr_color_mt("tc-action");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  spdlog::set_default_logger(logger);
  spdlog::set_level(verbosity >= 2 ? spdlog::level::debug : verbosity == 1 ? spdlog::level::info : spdlog::level::warn);
}

}  // namespace

int CliMain(int argc, char** argv) {
  CLI::App app{"tc-action: Taskcluster action tasks (rerun, retrigger, cancel) done safely and idempotently"};
  app.require_subcommand(1);
  int verbosity = 0;
  app.add_flag("-v,--verbose", verbosity, "More logging on stderr (-v info, -vv debug); secrets are never logged");

  RunOptions run_opts;
  auto* run = app.add_subcommand("run", "Run the action an action task was created for (drop-in for taskgraph action-callback)");
  run->add_flag("--dry-run", run_opts.dry_run, "Plan only: read the queue, mutate nothing, print the plan");
  run->add_option("--artifacts", run_opts.artifacts_dir, "Directory for report.json")->capture_default_str();
  run->add_option("--context", run_opts.context_file,
                  "JSON file {\"action\",\"taskGroupId\",\"taskId\",\"input\"} instead of the ACTION_* variables");
  double max_wait_s = 6 * 3600, poll_s = 5;
  run->add_option("--max-wait", max_wait_s, "rerun-sequence: longest wait, in seconds, for one task's new run")
      ->check(CLI::Range(0.0, 7.0 * 24 * 3600))
      ->capture_default_str();
  run->add_option("--poll-interval", poll_s, "rerun-sequence: first status poll interval in seconds (doubles up to 30)")
      ->check(CLI::Range(0.001, 30.0))
      ->capture_default_str();
  run->add_option("--concurrency", run_opts.concurrency, "Queue calls in flight at most")
      ->check(CLI::Range(1, 500))
      ->capture_default_str();
  run->footer(
      "Environment: TASK_ID, ACTION_TASK_GROUP_ID, ACTION_TASK_ID (JSON), ACTION_INPUT (JSON), ACTION_CALLBACK;\n"
      "TASKCLUSTER_PROXY_URL, or TASKCLUSTER_ROOT_URL with TASKCLUSTER_CLIENT_ID, TASKCLUSTER_ACCESS_TOKEN and\n"
      "optional TASKCLUSTER_CERTIFICATE.\n"
      "Exit: 0 done, 1 refused by policy, 2 bad input, 3 Taskcluster failure.");

  std::string advise_task;
  bool advise_json = false;
  auto* advise = app.add_subcommand("advise", "Which action fits a task, and why (the rerun-vs-retrigger guide, executable)");
  advise->add_option("--task", advise_task, "The taskId to advise on")->required();
  advise->add_flag("--json", advise_json,
                   "Print {\"action\", \"input\", \"scenario\", \"reason\", \"command\"} as JSON");

  std::string render_template, render_context;
  auto* render = app.add_subcommand("render", "Render a JSON-e template (JSON or YAML) with a context; prints JSON");
  render->add_option("TEMPLATE", render_template, "Template file (- for stdin)")->required();
  render->add_option("CONTEXT", render_context, "Context file, an object (- for stdin; default {})");
  render->footer("Exit: 0 rendered, 2 bad input or a JSON-e error (\"<kind> ...: <message>\" on stderr).");

  RegisterOptions reg_opts;
  auto* reg = app.add_subcommand("register", "Decision task: render public/actions.json (version 1) for the actions tc-action implements");
  reg->add_option("--parameters", reg_opts.parameters, "Decision parameters (parameters.yml or .json)")->required();
  reg->add_option("--taskcluster-yml", reg_opts.taskcluster_yml, "The project's .taskcluster.yml (its sha256 names the hooks)")->required();
  reg->add_option("--trust-domain", reg_opts.trust_domain, "Trust domain: hookGroupId project-<trust-domain>")->capture_default_str();
  reg->add_option("--actions", reg_opts.actions, "Action declarations (default: the installed taskcluster/actions.yml)");
  reg->add_option("--output", reg_opts.output, "Where to write actions.json")->capture_default_str();
  reg->add_option("--decision-task-id", reg_opts.decision_task_id, "The decision task's taskId (default: $TASK_ID)");
  reg->add_option("--hooks-output", reg_opts.hooks_output, "Also write the in-tree action hook definitions these actions need");
  reg->add_option("--hook-template", reg_opts.hook_template, "Hook template (default: the installed taskcluster/hooks/in-tree-action.json)");

  TriggerOptions trig_opts;
  std::string trig_task;
  auto* trig = app.add_subcommand("trigger", "Trigger an action of a decision task's actions.json for a task (or the group)");
  trig->add_option("--decision-task", trig_opts.decision_task_id, "The decision task's taskId")->required();
  trig->add_option("--task", trig_task, "The task the action acts on (omit for group actions)");
  trig->add_option("ACTION", trig_opts.action, "Action name, e.g. retrigger, rerun, cancel, cancel-all")->required();
  trig->add_option("--input", trig_opts.input_json, "Action input, a JSON object (default {}; schema defaults applied)");
  trig->add_flag("--dry-run", trig_opts.dry_run, "Print the hook and payload, trigger nothing");
  trig->footer("Prints the new action task's taskId.\nExit: 0 triggered, 1 no such action for this task, 2 bad input, 3 Taskcluster failure.");

  std::string list_decision, list_task;
  bool list_json = false;
  auto* list = app.add_subcommand("actions", "List the actions available for a task (or the group), as the UI menu shows them");
  list->add_option("--decision-task", list_decision, "The decision task's taskId")->required();
  list->add_option("--task", list_task, "The task (omit for group actions)");
  list->add_flag("--json", list_json, "Print the applicable actions.json entries as JSON");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string msg = SanitizeUtf8(std::string(e.what()) + " (see tc-action --help)");
    for (auto& ch : msg)
      if (ch == '\n' || ch == '\r') ch = ' ';
    std::cerr << "tc-action: error: " << msg << "\n";
    // `run` writes its report on every exit, usage errors included.
    bool is_run = false;
    std::string dir = "artifacts";
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      if (a == "run") is_run = true;
      if (a == "--artifacts" && i + 1 < argc) dir = argv[i + 1];
      if (a.rfind("--artifacts=", 0) == 0) dir = a.substr(12);
    }
    if (is_run) {
      Json report = BuildReport(HeaderFromEnv(ProcessEnv(), false), Plan(), ExitCode::kBadInput, msg);
      std::string werr;
      if (!WriteReport(dir, report, &werr)) std::cerr << "tc-action: warning: " << werr << "\n";
    }
    return static_cast<int>(ExitCode::kBadInput);
  }
  SetupLogging(verbosity);

  if (run->parsed()) {
    run_opts.max_wait_ms = static_cast<int64_t>(max_wait_s * 1000);
    run_opts.poll_initial_ms = std::max<int64_t>(1, static_cast<int64_t>(poll_s * 1000));
    QueueFactory factory = [] { return std::make_unique<HttpQueue>(ClientConfigFromEnv()); };
    return RunAction(run_opts, ProcessEnv(), factory, std::cout, std::cerr);
  }
  if (advise->parsed()) {
    try {
      HttpQueue q(ClientConfigFromEnv());
      return AdviseCommand(q, advise_task, advise_json, std::cout, std::cerr);
    } catch (const BadInput& e) {
      std::cerr << "tc-action advise: error: " << e.what() << "\n";
      return static_cast<int>(ExitCode::kBadInput);
    }
  }
  if (render->parsed()) return RenderCommand(render_template, render_context, std::cout, std::cerr);
  if (reg->parsed()) return RegisterCommand(reg_opts, std::cout, std::cerr);
  if (trig->parsed() || list->parsed()) {
    const char* cmd = trig->parsed() ? "trigger" : "actions";
    std::unique_ptr<HttpQueue> queue;
    std::unique_ptr<HttpHooks> hooks;
    try {
      ClientConfig cfg = ClientConfigFromEnv();
      auto http = std::make_shared<HttpClient>(HttpOptionsFor(cfg));
      queue = std::make_unique<HttpQueue>(cfg, http);
      hooks = std::make_unique<HttpHooks>(cfg, http);
    } catch (const std::exception& e) {
      std::cerr << "tc-action " << cmd << ": error: " << e.what() << "\n";
      return static_cast<int>(ExitCode::kBadInput);
    }
    if (trig->parsed()) {
      if (!trig_task.empty()) trig_opts.task_id = trig_task;
      return TriggerCommand(trig_opts, *queue, *hooks, std::cout, std::cerr);
    }
    std::optional<std::string> task;
    if (!list_task.empty()) task = list_task;
    return ActionsCommand(list_decision, task, list_json, *queue, std::cout, std::cerr);
  }
  return static_cast<int>(ExitCode::kBadInput);
}

}  // namespace tc

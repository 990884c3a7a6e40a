#include "cli.h"

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>

#include "emulator.h"
#include "error.h"
#include "queue_http.h"
#include "runner.h"

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
  // The emulator has its own options; hand it the rest of the line.
  if (argc >= 2 && std::string(argv[1]) == "emulator") return EmulatorCommand(argc - 1, argv + 1);

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
  run->add_option("--concurrency", run_opts.concurrency, "Queue calls in flight at most")
      ->check(CLI::Range(1, 500))
      ->capture_default_str();
  run->footer(
      "Environment: TASK_ID, ACTION_TASK_GROUP_ID, ACTION_TASK_ID (JSON), ACTION_INPUT (JSON), ACTION_CALLBACK;\n"
      "TASKCLUSTER_PROXY_URL, or TASKCLUSTER_ROOT_URL with TASKCLUSTER_CLIENT_ID, TASKCLUSTER_ACCESS_TOKEN and\n"
      "optional TASKCLUSTER_CERTIFICATE.\n"
      "Exit: 0 done, 1 refused by policy, 2 bad input, 3 Taskcluster failure.");

  app.add_subcommand("emulator", "Run the local Taskcluster emulator (see `tc-action emulator --help`)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "tc-action: error: " << e.what() << " (see tc-action --help)\n";
    return static_cast<int>(ExitCode::kBadInput);
  }
  SetupLogging(verbosity);

  if (run->parsed()) {
    QueueFactory factory = [] { return std::make_unique<HttpQueue>(ClientConfigFromEnv()); };
    return RunAction(run_opts, ProcessEnv(), factory, std::cout, std::cerr);
  }
  return static_cast<int>(ExitCode::kBadInput);
}

}  // namespace tc

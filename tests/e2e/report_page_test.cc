// What a person sees (issue 12), end to end: build/tc-action against the
// emulator, as an action hook runs it (no flag), for a rerun, a 3-copy
// retrigger, a refused action and a 2,000-task downstream retrigger:
//   - progress lines on stderr: timestamped, the phases and the 0 % / 100 %
//     submission lines; -q silences them; the summary on stdout once;
//   - report.html beside report.json on every exit, built from it: its links
//     and diagram nodes match the report's operations; the 2,000-task page
//     stays under 1 MB.
// With TC_REPORT_PAGES_DIR set, each scenario's artifacts are copied to
// $TC_REPORT_PAGES_DIR/<scenario>/ for the browser tier
// (scripts/test-report-page.sh renders them in headless Chromium).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <unordered_set>

#include "actions/graph.h"
#include "core/slugid.h"
#include "core/timestamp.h"
#include "emulator_world.h"
#include "graph_gen.h"
#include "run/progress.h"
#include "test_util.h"

using namespace tc;
namespace fs = std::filesystem;

namespace {

const char* kToken = "report-page-token-for-e2e-tests-00000000000";

struct World : tctest::EmulatorWorld {
  World()
      : EmulatorWorld([] {
          tctest::EmulatorWorldOptions o;
          o.clients = {{"project/report-page", kToken, {"*"}}};
          return o;
        }()) {}
};

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// The messages of stderr's progress lines; every other stderr line in `rest`.
std::vector<std::string> ProgressOf(const std::string& err, std::vector<std::string>* rest = nullptr) {
  static const std::regex kLine(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z progress (.*)$)");
  std::vector<std::string> out;
  for (const auto& l : Lines(err)) {
    std::smatch m;
    if (std::regex_match(l, m, kLine)) out.push_back(m[1]);
    else if (rest) rest->push_back(l);
  }
  return out;
}

std::string ReadText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

size_t Count(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
  return n;
}

// Checks report.html against report.json: one list entry per operation,
// linking its task (and the original of a copy); diagram nodes.
void CheckPage(const fs::path& dir) {
  REQUIRE(fs::exists(dir / "report.json"));
  REQUIRE(fs::exists(dir / "report.html"));
  Json report = ParseJson(ReadText(dir / "report.json"), "report.json");
  const std::string html = ReadText(dir / "report.html");
  const std::string root = GetString(report, "rootUrl").value_or("");
  REQUIRE_FALSE(root.empty());
  REQUIRE_THAT(html, Catch::Contains("<base href=\"" + root + "/\">"));
  const auto& ops = report["operations"];
  REQUIRE(Count(html, "<li><span class=\"k\">") == ops.Size());
  size_t creates = 0;
  std::set<std::string> kinds;
  for (const auto& op : ops.GetArray()) {
    const std::string id = op["taskId"].GetString();
    REQUIRE(Count(html, "class=\"id copy\" href=\"tasks/" + id + "\"") == 1);
    if (std::string(op["op"].GetString()) == "create") {
      ++creates;
      kinds.insert(op["kind"].GetString());
    }
  }
  if (creates == 0) {
    REQUIRE(html.find("<svg") == std::string::npos);
  } else if (creates <= 50) {
    REQUIRE(Count(html, "<g class=\"node created") == creates);
  } else {
    REQUIRE(Count(html, "<g class=\"node group\"") == kinds.size());
  }
}

void Keep(const World& w, const std::string& name) {
  const char* keep = std::getenv("TC_REPORT_PAGES_DIR");
  if (!keep) return;
  const fs::path to = fs::path(keep) / name;
  fs::create_directories(to);
  for (const char* f : {"report.json", "report.html"})
    fs::copy_file(fs::path(w.dir) / f, to / f, fs::copy_options::overwrite_existing);
}

}  // namespace

TEST_CASE("report page: a rerun, with progress on stderr and the summary once on stdout", "[report-page]") {
  World w;
  const std::string id = w.Seed("failed", true, 3600 * 1000, "test-linux64/opt-mochitest-1");
  auto r = w.RunOn("rerun", id);
  INFO(tctest::Describe(r));
  REQUIRE(r.status == 0);
  std::vector<std::string> rest;
  const auto msgs = ProgressOf(r.err, &rest);
  REQUIRE(rest.empty());  // nothing but progress on stderr
  REQUIRE(msgs.size() == 5);
  REQUIRE(msgs[0] == "rerun of " + id + " in group " + w.group + " by action task " + w.action_task +
                         ": reading from the queue");
  REQUIRE_THAT(msgs[1], Catch::StartsWith("read 1 task in "));
  REQUIRE(msgs[2] == "planned 1 operation: 1 rerun");
  REQUIRE(msgs[3] == "rerun 0/1 (0 %)");
  REQUIRE_THAT(msgs[4], Catch::StartsWith("rerun 1/1 (100 %), 0 failed, "));
  REQUIRE(Count(r.out, "tc-action rerun on ") == 1);
  CheckPage(w.dir);
  Keep(w, "rerun");

  // run -q: no progress; the summary stays
  auto quiet = w.Run("rerun", "\"" + id + "\"", "{}", {}, {"-q"});
  INFO(tctest::Describe(quiet));
  REQUIRE(quiet.status == 0);
  REQUIRE(quiet.err.empty());
  REQUIRE(Count(quiet.out, "tc-action rerun on ") == 1);
}

TEST_CASE("report page: a 3-copy retrigger", "[report-page]") {
  World w;
  const std::string id = w.Seed("failed", true, 3600 * 1000, "test-linux64/opt-mochitest-browser-chrome-3");
  auto r = w.RunOn("retrigger", id, R"({"times": 3})");
  INFO(tctest::Describe(r));
  REQUIRE(r.status == 0);
  const auto msgs = ProgressOf(r.err);
  REQUIRE(std::find(msgs.begin(), msgs.end(), "planned 3 operations: 3 tasks to create") != msgs.end());
  REQUIRE(std::find(msgs.begin(), msgs.end(), "created 0/3 (0 %)") != msgs.end());
  REQUIRE_THAT(msgs.back(), Catch::StartsWith("created 3/3 (100 %), 0 failed, "));
  CheckPage(w.dir);
  const std::string html = ReadText(fs::path(w.dir) / "report.html");
  REQUIRE(Count(html, "class=\"id orig\" href=\"tasks/" + id + "\"") == 3);
  REQUIRE(Count(html, "<g class=\"node action\" data-task-id=\"" + w.action_task + "\"") == 1);
  Keep(w, "retrigger-3");
}

TEST_CASE("report page: a refused action", "[report-page]") {
  World w;
  const std::string id = w.Seed("failed", false, 3600 * 1000, "release-signing-linux64");
  auto r = w.RunOn("retrigger", id);
  INFO(tctest::Describe(r));
  REQUIRE(r.status == 1);
  std::vector<std::string> rest;
  const auto msgs = ProgressOf(r.err, &rest);
  REQUIRE(rest.size() == 1);  // the one error line
  REQUIRE_THAT(rest[0], Catch::StartsWith("tc-action: error: retrigger of " + id));
  REQUIRE(msgs.size() == 1);  // reading: the refusal came while reading what the policy needs
  CheckPage(w.dir);
  const std::string html = ReadText(fs::path(w.dir) / "report.html");
  REQUIRE_THAT(html, Catch::Contains("Refused by policy") && Catch::Contains("use retrigger-disabled with force: true"));
  Keep(w, "refused");
}

TEST_CASE("report page: a 2,000-task downstream retrigger", "[report-page]") {
  World w;
  tctest::GenGraph g = tctest::GraphGen(7).Generate(2600, 2000);
  auto graph = TaskGraph::Parse(std::string(g.task_graph), "task-graph.json");
  auto& q = w.queue();
  const int64_t now = q.NowMs();
  // the decision task of the generated graph, the big build and what its closure depends on from outside
  q.SeedTask(g.decision_id, tctest::TaskDef(g.decision_id, now, 3600 * 1000, false, "decision"), "completed");
  std::unordered_set<std::string> needed{g.big_build_id};
  auto closure = graph->DownstreamClosure(g.big_build_id);
  std::unordered_set<std::string_view> in_closure(closure.begin(), closure.end());
  for (auto id : closure)
    for (auto d : graph->Dependencies(id))
      if (!in_closure.count(d)) needed.insert(std::string(d));
  for (const auto& id : needed) {
    Json e = graph->Materialize(id);
    Json def;
    def.CopyFrom(e["task"], def.GetAllocator());
    ResolveRelativeDatestamps(def, now, def.GetAllocator());
    def["dependencies"].SetArray();
    q.SeedTask(id, def, "completed");
  }
  q.FinishSeeding();
  // what a decision publishes: the push's parameters, the full graph (label-keyed) and label-to-taskid.json
  auto publish = [&](const char* name, const char* type, const std::string& content) {
    MemArtifact art;
    art.name = name;
    art.content_type = type;
    art.content = content;
    q.PutArtifact(g.decision_id, -1, art);
  };
  tctest::PushParameters params;
  params.pushlog_id = "23456";  // a push of its own (the world's push is indexed under the default one)
  publish("public/parameters.yml", "text/yaml", params.Yaml());
  publish("public/full-task-graph.json", "application/json", g.full_task_graph);
  publish("public/label-to-taskid.json", "application/json", g.label_to_taskid);
  publish("public/task-graph.json", "application/json", g.task_graph);

  auto r = w.Run("retrigger-disabled", "\"" + g.big_build_id + "\"", R"({"downstream": true, "force": true})",
                 {{"ACTION_TASK_GROUP_ID", g.decision_id}},
                 // the emulator serves 8 connections at a time; more keep-alive ones would wait for its idle timeout
                 {"--concurrency", "8"});
  INFO("stderr:\n" << r.err.substr(0, 4000) << "\nstdout (start):\n" << r.out.substr(0, 2000));
  REQUIRE(r.status == 0);
  const size_t n = closure.size();
  REQUIRE(n >= 2000);
  const auto msgs = ProgressOf(r.err);
  const std::string count = Thousands(n);
  REQUIRE(std::find(msgs.begin(), msgs.end(), "created 0/" + count + " (0 %)") != msgs.end());
  REQUIRE_THAT(msgs.back(), Catch::StartsWith("created " + count + "/" + count + " (100 %), 0 failed, "));
  REQUIRE(std::any_of(msgs.begin(), msgs.end(), [&](const std::string& m) {
    return m.find("full-task-graph.json (" + Thousands(g.count) + " tasks, ") != std::string::npos;
  }));
  // the warnings of a forced copy of a release closure: counted, not thousands of ids on one line
  for (const auto& l : Lines(r.out)) REQUIRE(l.size() < 2000);
  REQUIRE_THAT(r.out, !Catch::Contains("keep waiting on the original"));
  CheckPage(w.dir);
  const auto html_size = fs::file_size(fs::path(w.dir) / "report.html");
  INFO("report.html: " << html_size << " bytes");
  REQUIRE(html_size < 1000 * 1000);
  Keep(w, "downstream-2000");
}

TEST_CASE("report page: bad input and a usage error write report.html too", "[report-page]") {
  World w;
  // bad input: ACTION_INPUT is no JSON object
  auto r = w.Run("retrigger", "\"" + w.action_task + "\"", "[1]");
  REQUIRE(r.status == 2);
  std::string html = ReadText(fs::path(w.dir) / "report.html");
  REQUIRE_THAT(html, Catch::Contains("Bad input or usage: nothing was changed") && Catch::Contains("ACTION_INPUT"));
  // a usage error: an unknown flag
  fs::remove_all(w.dir);
  r = w.Run("rerun", "\"" + w.action_task + "\"", "{}", {}, {"--no-such-flag"});
  REQUIRE(r.status == 2);
  html = ReadText(fs::path(w.dir) / "report.html");
  REQUIRE_THAT(html, Catch::Contains("Exit status 2.") && Catch::Contains("--no-such-flag"));
}

// The push (actions/push.h) as pure functions: the index namespaces of an hg
// and a git push, the trust domain of a decision task, the parameters it
// reads, and the merge of the label maps (decision first, then the earlier
// action and cron tasks oldest first; every taskId kept, the last current).
#include <catch2/catch.hpp>

#include "actions/push.h"
#include "core/error.h"
#include "core/yaml.h"
#include "task_graph.h"

using namespace tc;

namespace {

Json Params(const std::string& yaml) { return ParseYaml(yaml, "parameters.yml"); }

}  // namespace

TEST_CASE("push: the index namespaces of an hg push", "[push]") {
  Json p = Params("project: autoland\npushlog_id: '12345'\nhead_rev: abc\nrepository_type: hg\n");
  REQUIRE(DecisionIndexPath("gecko", p) == "gecko.v2.autoland.pushlog-id.12345.decision");
  REQUIRE(ActionNamespaces("gecko", p) ==
          std::vector<std::string>{"gecko.v2.autoland.pushlog-id.12345.actions", "gecko.v2.autoland.revision.abc.actions"});
  REQUIRE(CronNamespace("gecko", p) == "gecko.v2.autoland.revision.abc.cron");
  // no repository_type: hg (older decisions); a number as pushlog_id; no pushlog_id: 0
  REQUIRE(DecisionIndexPath("comm", Params("project: comm-central\npushlog_id: 7\n")) ==
          "comm.v2.comm-central.pushlog-id.7.decision");
  REQUIRE(DecisionIndexPath("gecko", Params("project: try\nhead_rev: abc\n")) == "gecko.v2.try.pushlog-id.0.decision");
}

TEST_CASE("push: the index namespaces of a git push", "[push]") {
  Json p = Params("project: tcproj\nhead_rev: '2222'\nrepository_type: git\npushlog_id: '0'\n");
  REQUIRE(DecisionIndexPath("tcaction", p) == "tcaction.v2.tcproj.revision.2222.taskgraph.decision");
  // the actions are looked for under both namespaces, as taskgraph does
  REQUIRE(ActionNamespaces("tcaction", p) == std::vector<std::string>{"tcaction.v2.tcproj.pushlog-id.0.actions",
                                                                      "tcaction.v2.tcproj.revision.2222.actions"});
  REQUIRE(CronNamespace("tcaction", p) == "tcaction.v2.tcproj.revision.2222.cron");
}

TEST_CASE("push: the test support's parameters and the product agree on the namespaces", "[push]") {
  for (const char* type : {"hg", "git"}) {
    INFO(type);
    tctest::PushParameters pp;
    pp.repository_type = type;
    Json p = Params(pp.Yaml());
    REQUIRE(DecisionIndexPath(pp.trust_domain, p) == pp.DecisionIndexPath());
    REQUIRE(ActionNamespaces(pp.trust_domain, p) == std::vector<std::string>{pp.PushlogActions(), pp.RevisionActions()});
    REQUIRE(CronNamespace(pp.trust_domain, p) == pp.Cron());
  }
}

TEST_CASE("push: missing or malformed parameters are bad input naming them", "[push]") {
  REQUIRE_THROWS_WITH(DecisionIndexPath("gecko", Params("pushlog_id: '1'\n")),
                      "parameters.project: missing; the decision parameters must set it");
  REQUIRE_THROWS_WITH(DecisionIndexPath("gecko", Params("project: x\nrepository_type: git\n")),
                      "parameters.head_rev: missing; the decision parameters must set it");
  REQUIRE_THROWS_WITH(DecisionIndexPath("gecko", Params("project: x\nrepository_type: svn\n")),
                      "parameters.repository_type: \"svn\" is neither hg nor git");
  REQUIRE_THROWS_WITH(ActionNamespaces("gecko", Params("project: x\n")), Catch::Contains("parameters.head_rev"));
  REQUIRE_THROWS_WITH(DecisionIndexPath("gecko", Params("project: [a]\n")),
                      "parameters.project: expected a string, got array");
  REQUIRE(ParameterString(Params("level: 3\n"), "level", true) == "3");
  REQUIRE(ParameterString(Params("level: '1'\n"), "level", true) == "1");
  REQUIRE(ParameterString(Params("level: null\n"), "level", false).empty());
  REQUIRE_THROWS_AS(ParameterString(Params("level: null\n"), "level", true), BadInput);
  Push push;
  push.trust_domain = "gecko";
  push.parameters = Params("level: 1\n");
  REQUIRE(push.SchedulerId() == "gecko-level-1");
  push.parameters = Params("project: x\n");
  REQUIRE_THROWS_WITH(push.SchedulerId(), Catch::Contains("parameters.level"));
}

TEST_CASE("push: the trust domain of a decision task", "[push]") {
  auto td = [](const std::string& def) { return TrustDomainOf(ParseJson(def, "decision")); };
  REQUIRE(td(R"({"schedulerId": "gecko-level-3"})") == "gecko");
  REQUIRE(td(R"({"schedulerId": "comm-level-1"})") == "comm");
  REQUIRE(td(R"({"schedulerId": "mobile-level-10"})") == "mobile");
  REQUIRE(td(R"({"schedulerId": "app-services-level-3"})") == "app-services");
  // no level scheduler: an index route names it
  REQUIRE(td(R"({"schedulerId": "taskcluster-github", "routes": ["tc-treeherder.v2.x.y",
               "index.tcaction.v2.tcproj.revision.abc.taskgraph.decision"]})") == "tcaction");
  REQUIRE(td(R"({"schedulerId": "gecko-level-3", "routes": ["index.other.v2.x.y"]})") == "gecko");  // the scheduler wins
  // neither: unknown
  REQUIRE(td(R"({"schedulerId": "taskcluster-github", "routes": ["index.project.releng.x"]})").empty());
  REQUIRE(td(R"({"schedulerId": "-level-3"})").empty());
  REQUIRE(td(R"({"schedulerId": "gecko-level-x"})").empty());
  REQUIRE(td("{}").empty());
  // the test support's decision tells it
  tctest::DecisionGraph d("decision");
  d.params.trust_domain = "comm";
  REQUIRE(TrustDomainOf(d.DecisionDefinition(0)) == "comm");
}

TEST_CASE("push: label maps merge in the order given; every taskId kept, the last one current", "[push]") {
  Push push;
  MergeLabels(push, "decision", {{"build", "B1"}, {"test", "T1"}, {"lint", "L1"}});
  MergeLabels(push, "action-1", {{"build", "B2"}, {"test-new", "N1"}});
  MergeLabels(push, "cron-1", {{"build", "B3"}});
  MergeLabels(push, "action-2", {{"build", "B2"}});  // an older task recorded again: current again
  REQUIRE(push.sources == std::vector<std::string>{"decision", "action-1", "cron-1", "action-2"});
  REQUIRE(push.labels.at("build") == std::vector<std::string>{"B1", "B3", "B2"});
  REQUIRE(*push.Current("build") == "B2");
  REQUIRE(*push.Current("test") == "T1");
  REQUIRE(*push.Current("test-new") == "N1");
  REQUIRE(push.Current("nope") == nullptr);
  REQUIRE(push.labels.size() == 4);
}

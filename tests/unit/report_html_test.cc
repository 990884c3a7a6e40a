// report.html (run/report_html.h): built from the report document; hostile
// labels escaped; links to the right taskIds under the root URL (or relative
// through a proxy); one diagram node per created task or per kind; the
// well-formedness of the markup; report.json and report.html written together.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "core/schema.h"
#include "core/slugid.h"
#include "run/report.h"
#include "run/report_html.h"

using namespace tc;

namespace {

const char* kHostile = "<script>alert(1)</script>\"'&amp;<img src=x onerror=alert(2)>\x01\x1b[31m\xc2\x85\xef\xbf\xbe\xff";

Operation Create(const std::string& id, const std::string& of, const std::string& label, const std::string& kind,
                 const std::vector<std::string>& deps) {
  Operation op;
  op.kind = OpKind::kCreate;
  op.task_id = id;
  op.of = of;
  op.label = label;
  op.status = OpStatus::kDone;
  op.definition = ParseJson(R"({"tags": {}, "dependencies": []})", "def");
  auto& a = op.definition.GetAllocator();
  op.definition["tags"].AddMember("kind", Str(kind, a), a);
  for (const auto& d : deps) op.definition["dependencies"].PushBack(Str(d, a), a);
  return op;
}

ReportHeader Header(const std::string& action, const std::string& root = "https://tc.example.com") {
  ReportHeader h;
  h.action = action;
  h.task_group_id = NewSlugid();
  h.task_id = NewSlugid();
  h.action_task_id = NewSlugid();
  h.input.SetObject();
  h.root_url = root;
  return h;
}

size_t Count(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
  return n;
}

// Every element that is not void is closed, in order; returns "" or what is wrong.
std::string CheckNesting(const std::string& html) {
  static const std::set<std::string> kVoid = {"meta", "base", "br", "img", "link", "input", "hr", "wbr"};
  static const std::regex kTag(R"(<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*?(/?)>)");
  std::vector<std::string> open;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), kTag); it != std::sregex_iterator(); ++it) {
    const std::string name = (*it)[2];
    if ((*it)[1] == "/") {
      if (open.empty() || open.back() != name) return "</" + name + "> closes " + (open.empty() ? "nothing" : open.back());
      open.pop_back();
    } else if (!kVoid.count(name) && (*it)[3] != "/" && name != "DOCTYPE") {
      open.push_back(name);
    }
  }
  return open.empty() ? "" : "<" + open.back() + "> is not closed";
}

// The href of every link, in page order.
std::vector<std::string> Hrefs(const std::string& html, const std::string& cls) {
  std::vector<std::string> out;
  const std::regex a("<a class=\"id " + cls + "\" href=\"([^\"]*)\">");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), a); it != std::sregex_iterator(); ++it)
    out.push_back((*it)[1]);
  return out;
}

}  // namespace

TEST_CASE("report.html: escaping of hostile text", "[report_html]") {
  const std::string e = HtmlEscape(kHostile);
  REQUIRE(e.find('<') == std::string::npos);
  REQUIRE(e.find('>') == std::string::npos);
  REQUIRE(e.find('"') == std::string::npos);
  REQUIRE(e.find('\'') == std::string::npos);
  REQUIRE_THAT(e, Catch::StartsWith("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;amp;&lt;img"));
  for (unsigned char c : e) REQUIRE(c >= 0x20);
  REQUIRE(e.find("\xc2\x85") == std::string::npos);      // C1 control
  REQUIRE(e.find("\xef\xbf\xbe") == std::string::npos);  // noncharacter U+FFFE
  REQUIRE(HtmlEscape("tab\tand\nnewline stay, \xc3\xa9 too") == "tab\tand\nnewline stay, \xc3\xa9 too");
}

TEST_CASE("report.html: a 3-copy retrigger: operations, links, one node per created task", "[report_html]") {
  ReportHeader h = Header("retrigger");
  Plan plan;
  std::vector<std::string> copies;
  for (int i = 0; i < 3; ++i) {
    copies.push_back(DerivedSlugid(*h.action_task_id, i));
    plan.ops.push_back(Create(copies.back(), *h.task_id, std::string("test-") + kHostile, "test", {*h.action_task_id}));
  }
  plan.warnings.push_back(std::string("a warning about ") + kHostile);
  plan.notes.push_back("a note");
  const Json report = BuildReport(h, plan, ExitCode::kDone, "");
  REQUIRE_FALSE(ValidateSchema("report.json", report));
  const std::string html = ReportHtml(report);
  INFO(html.substr(0, 3000));
  REQUIRE_THAT(html, Catch::StartsWith("<!DOCTYPE html>\n<html lang=\"en\">"));
  REQUIRE(CheckNesting(html).empty());
  // no markup from a label: nothing but the page's own tags
  REQUIRE(html.find("<script") == std::string::npos);
  REQUIRE(html.find("<img") == std::string::npos);
  // each label in the list, in a diagram node and its tooltip; the warning
  REQUIRE(Count(html, "&lt;script&gt;") == 3 * 3 + 1);
  REQUIRE_THAT(html, Catch::Contains("<base href=\"https://tc.example.com/\">"));
  REQUIRE(Hrefs(html, "copy") == std::vector<std::string>{"tasks/" + copies[0], "tasks/" + copies[1], "tasks/" + copies[2]});
  REQUIRE(Hrefs(html, "orig") == std::vector<std::string>(3, "tasks/" + *h.task_id));
  REQUIRE(Count(html, "<li><span class=\"k\">create</span>") == 3);
  // the diagram: 3 created tasks, the action task they wait for
  REQUIRE(Count(html, "<g class=\"node created st-done\"") == 3);
  REQUIRE(Count(html, "<g class=\"node action\"") == 1);
  for (const auto& c : copies) REQUIRE(Count(html, "data-task-id=\"" + c + "\"") == 1);
  REQUIRE(Count(html, "<path d=") == 3);
  REQUIRE_THAT(html, Catch::Contains("Exit status 0. Done"));
  REQUIRE_THAT(html, Catch::Contains("a note"));
}

TEST_CASE("report.html: more than 50 created tasks are drawn one node per kind", "[report_html]") {
  ReportHeader h = Header("retrigger");
  Plan plan;
  const std::string build = DerivedSlugid(*h.action_task_id, 0);
  const std::string toolchain = NewSlugid();  // existing, reused
  plan.ops.push_back(Create(build, NewSlugid(), "build-linux64/opt", "build", {*h.action_task_id, toolchain}));
  for (int i = 1; i <= 100; ++i) {
    plan.ops.push_back(Create(DerivedSlugid(*h.action_task_id, i), NewSlugid(), "test-" + std::to_string(i), "test", {build}));
  }
  for (int i = 101; i <= 120; ++i) {
    plan.ops.push_back(Create(DerivedSlugid(*h.action_task_id, i), NewSlugid(), "signing-" + std::to_string(i),
                              "build-signing", {build}));
  }
  plan.ops.back().status = OpStatus::kFailed;
  const std::string html = ReportHtml(BuildReport(h, plan, ExitCode::kTaskcluster, "1 of 121 operations failed"));
  REQUIRE(CheckNesting(html).empty());
  REQUIRE(Count(html, "<g class=\"node created") == 0);
  REQUIRE(Count(html, "<g class=\"node group\"") == 3);
  REQUIRE_THAT(html, Catch::Contains("data-kind=\"build\" data-count=\"1\""));
  REQUIRE_THAT(html, Catch::Contains("data-kind=\"test\" data-count=\"100\""));
  REQUIRE_THAT(html, Catch::Contains("data-kind=\"build-signing\" data-count=\"20\""));
  REQUIRE_THAT(html, Catch::Contains("20 tasks \xc2\xb7 19 done \xc2\xb7 1 failed"));
  REQUIRE(Count(html, "<g class=\"node action\"") == 1);
  REQUIRE(Count(html, "<g class=\"node existing\" data-count=\"1\"") == 1);
  // edges between groups: action -> build, existing -> build, build -> test, build -> build-signing
  REQUIRE(Count(html, "<path d=") == 4);
  REQUIRE(Hrefs(html, "copy").size() == 121);
  REQUIRE_THAT(html, Catch::Contains("What failed") && Catch::Contains("1 of 121 operations failed"));
}

TEST_CASE("report.html: through a proxy only, links are relative and the page says so", "[report_html]") {
  ReportHeader h = Header("rerun", "");
  h.proxy = true;
  Plan plan;
  Operation op;
  op.kind = OpKind::kRerun;
  op.task_id = *h.task_id;
  op.status = OpStatus::kDone;
  plan.ops.push_back(std::move(op));
  const std::string html = ReportHtml(BuildReport(h, plan, ExitCode::kDone, ""));
  REQUIRE(CheckNesting(html).empty());
  REQUIRE(html.find("<base") == std::string::npos);
  REQUIRE(Hrefs(html, "copy") == std::vector<std::string>{"/tasks/" + *h.task_id});
  REQUIRE_THAT(html, Catch::Contains("through taskcluster-proxy only"));
  REQUIRE(html.find("<svg") == std::string::npos);  // nothing created: no diagram
}

TEST_CASE("report.html: the root URL is a link base only when it is a plain http(s) URL", "[report_html]") {
  REQUIRE(UiRootUrl("https://tc.example.com/") == "https://tc.example.com");
  REQUIRE(UiRootUrl("http://127.0.0.1:4000") == "http://127.0.0.1:4000");
  REQUIRE(UiRootUrl("https://user:secret@tc.example.com").empty());
  REQUIRE(UiRootUrl("javascript:alert(1)").empty());
  REQUIRE(UiRootUrl("https://tc.example.com/\"><script>").empty());
  REQUIRE(UiRootUrl("https://").empty());
  REQUIRE(UiRootUrl("").empty());
}

TEST_CASE("report.html: a refusal shows its advice; a listed warning folds its tasks", "[report_html]") {
  ReportHeader h = Header("retrigger");
  Plan plan;
  std::vector<std::string> items;
  for (int i = 0; i < 40; ++i) items.push_back(NewSlugid() + " (test-" + std::to_string(i) + ")");
  WarnList(plan, "X has consumers that keep waiting on the original, not on the copy: ", items, "; rerun instead");
  const std::string refusal = "retrigger of X refused: the task is not retriggerable; use retrigger-disabled with force: true";
  const Json report = BuildReport(h, plan, ExitCode::kRefused, refusal);
  REQUIRE_FALSE(ValidateSchema("report.json", report));
  REQUIRE(report["warningLists"][0]["items"].Size() == 40);
  const std::string html = ReportHtml(report);
  REQUIRE(CheckNesting(html).empty());
  REQUIRE_THAT(html, Catch::Contains("Why it was refused") && Catch::Contains("use retrigger-disabled with force: true"));
  REQUIRE_THAT(html, Catch::Contains("Refused by policy: nothing was changed"));
  REQUIRE_THAT(html, Catch::Contains("40 tasks: ") && Catch::Contains(" and 35 more; rerun instead") &&
                         Catch::Contains("<details><summary>all 40 tasks</summary>"));
  for (const auto& item : items) REQUIRE_THAT(html, Catch::Contains(item.substr(0, 22)));
}

TEST_CASE("report.html is written beside report.json", "[report_html]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("tc-report-html-" + NewSlugid());
  std::string err;
  REQUIRE(WriteReport(dir.string(), BuildReport(Header("cancel"), Plan(), ExitCode::kBadInput, "ACTION_INPUT: bad"), &err));
  REQUIRE(fs::exists(dir / "report.json"));
  REQUIRE(fs::exists(dir / "report.html"));
  std::ifstream in(dir / "report.html");
  std::stringstream ss;
  ss << in.rdbuf();
  REQUIRE_THAT(ss.str(), Catch::Contains("Bad input or usage: nothing was changed") && Catch::Contains("ACTION_INPUT: bad"));
  fs::remove_all(dir);
}

TEST_CASE("report.html: a huge input is shown cut, and says so", "[report_html]") {
  ReportHeader h = Header("retrigger");
  h.input = ParseJson(R"({"tasks": [")" + std::string(100000, 'x') + R"("]})", "input");
  const std::string html = ReportHtml(BuildReport(h, Plan(), ExitCode::kBadInput, "ACTION_INPUT.tasks: too long"));
  REQUIRE(html.size() < 40000);
  REQUIRE_THAT(html, Catch::Contains("(the first 20,000 of 100,") && Catch::Contains("report.json has all of it"));
}

// report.html: the report as a page a person opens from the action task's
// artifacts (public/report.html), on a desktop or a phone. Built from the
// report document itself (BuildReport, the same one report.json is), so the
// two never disagree.
//
// The page is self-contained: inline CSS, no script, nothing fetched. It says
// the action, target, input, result and exit status in words; lists every
// operation with its status and label, linked to the task in the Taskcluster
// UI (<rootUrl>/tasks/<taskId>) for the original and for each copy; shows
// warnings (a listed warning's tasks in a collapsible list), notes and a
// refusal or error with its advice text; and, when the action creates tasks,
// an inline SVG dependency diagram of them: one node per created task, or
// one per kind when there are more than kGroupAbove, with the action task and
// reused existing tasks drawn distinctly.
//
// Markup hooks (for tests and styling): the operations are `ol.ops > li` in
// report order, each with `a.copy` (the operation's task) and, for a copy,
// `a.orig`; diagram nodes are `g.node` with class created / group / action /
// existing, and data-task-id (a task) or data-kind + data-count (a group).
// Without a root URL (only a taskcluster-proxy) the page says so and links
// are root-relative (/tasks/<taskId>).
#pragma once
#include <string>
#include <string_view>

#include "core/json.h"

namespace tc {

constexpr size_t kGroupAbove = 50;  // created tasks drawn one by one up to this many

// The page for a report document (schemas/report.json).
std::string ReportHtml(const JsonValue& report);

// Text for HTML/SVG content and attribute values: & < > " ' escaped, invalid
// UTF-8 and control characters (other than tab and newline) and
// noncharacters replaced by U+FFFD.
std::string HtmlEscape(std::string_view s);

}  // namespace tc

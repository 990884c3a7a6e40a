// The picture on report.html: the tasks an action created as an inline SVG
// dependency diagram, laid out in layers (a task below what it depends on),
// built from the report document's create operations (their kind and
// dependencies).
//
// Nodes: one per created task (up to kGroupAbove of them), else one per kind
// ("test, 1,950 tasks"); the action task (the copies wait for it) and the
// existing tasks the copies reuse (dependencies that were not re-created:
// one node each while there are few, else one node for all) drawn
// distinctly. Edges: dependency -> dependent (between groups when grouped).
#pragma once
#include <string>

#include "core/json.h"

namespace tc {

struct Diagram {
  std::string svg;       // "" when the report has no create operation
  size_t nodes = 0;      // created-task nodes, or kind groups
  bool grouped = false;  // one node per kind
};

// link_prefix: what a taskId is appended to for a link ("tasks/" under a
// <base> of the root URL, "/tasks/" without one).
Diagram DependencyDiagram(const JsonValue& report, const std::string& link_prefix);

}  // namespace tc

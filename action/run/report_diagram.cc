#include "run/report_diagram.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <tuple>
#include <map>
#include <set>
#include <unordered_map>
#include <vector>

#include "run/progress.h"
#include "run/report_html.h"

namespace tc {

namespace {

constexpr int kNodeW = 200, kNodeH = 44, kGapX = 16, kGapY = 36, kPerRow = 4, kMargin = 8;
constexpr size_t kExistingOneByOne = 12;  // reused existing tasks drawn one by one up to this many

struct Created {
  std::string id, label, kind, status;
  std::vector<std::string> deps;
};

struct Node {
  std::string cls;            // created / group / action / existing
  std::string status;         // created: the op's status
  std::string task_id, kind;  // a task's node / a group's
  std::string title, sub, tooltip;
  size_t count = 0;
  int layer = 0;
  int x = 0, y = 0;
};

std::string Str(const JsonValue& o, const char* name) { return GetString(o, name).value_or(""); }

std::vector<Created> CreatedTasks(const JsonValue& report) {
  std::vector<Created> out;
  const JsonValue* ops = Member(report, "operations");
  if (!ops || !ops->IsArray()) return out;
  for (const auto& op : ops->GetArray()) {
    if (!op.IsObject() || Str(op, "op") != "create") continue;
    Created c{Str(op, "taskId"), Str(op, "label"), Str(op, "kind"), Str(op, "status"), {}};
    if (c.kind.empty()) c.kind = "task";
    if (const JsonValue* d = Member(op, "dependencies"); d && d->IsArray())
      for (const auto& id : d->GetArray())
        if (id.IsString()) c.deps.push_back(id.GetString());
    out.push_back(std::move(c));
  }
  return out;
}

// Layers of the created tasks: 1 + the deepest created dependency (0: the
// action task and existing tasks). Ops come in dependency order; the passes
// settle anything else, bounded.
std::vector<int> TaskLayers(const std::vector<Created>& cs, const std::unordered_map<std::string, size_t>& idx) {
  std::vector<int> layer(cs.size(), 1);
  for (int pass = 0; pass < 8; ++pass) {
    bool changed = false;
    for (size_t i = 0; i < cs.size(); ++i) {
      for (const auto& d : cs[i].deps) {
        auto it = idx.find(d);
        if (it == idx.end() || it->second == i) continue;
        const int want = std::min(layer[it->second] + 1, 1000);
        if (want > layer[i]) layer[i] = want, changed = true;
      }
    }
    if (!changed) break;
  }
  return layer;
}

// Cuts a label to `max` code points, with an ellipsis.
std::string Cut(const std::string& s, size_t max) {
  size_t points = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xc0) == 0x80) continue;
    if (++points > max) return s.substr(0, i) + "\xe2\x80\xa6";
  }
  return s;
}

class Builder {
 public:
  Builder(const JsonValue& report, std::string link_prefix) : prefix_(std::move(link_prefix)) {
    action_task_ = Str(report, "actionTaskId");
    cs_ = CreatedTasks(report);
    for (size_t i = 0; i < cs_.size(); ++i) idx_[cs_[i].id] = i;
    grouped_ = cs_.size() > kGroupAbove;
  }

  Diagram Build() {
    Diagram d;
    if (cs_.empty()) return d;
    AddNodes();
    AddEdges();
    Arrange();
    d.grouped = grouped_;
    d.nodes = static_cast<size_t>(std::count_if(nodes_.begin(), nodes_.end(), [](const Node& n) {
      return n.cls == "created" || n.cls == "group";
    }));
    d.svg = Svg();
    return d;
  }

 private:
  size_t NodeFor(const std::string& key, Node n) {
    auto [it, fresh] = keys_.emplace(key, nodes_.size());
    if (fresh) nodes_.push_back(std::move(n));
    return it->second;
  }

  // The node a dependency taskId is drawn as (creating it when new).
  size_t DependencyNode(const std::string& id) {
    if (auto it = idx_.find(id); it != idx_.end()) return task_node_[it->second];
    if (!action_task_.empty() && id == action_task_) {
      Node n{"action", "", id, "", "action task", Cut(id, 26), "the action task " + id + ": the copies wait for it"};
      return NodeFor("a", std::move(n));
    }
    if (aggregate_existing_) {
      const size_t at = NodeFor("e*", Node{"existing", "", "", "", "existing tasks", "", "reused, not re-created"});
      nodes_[at].count += existing_.insert(id).second ? 1 : 0;
      nodes_[at].sub = Thousands(nodes_[at].count) + " reused";
      return at;
    }
    Node n{"existing", "", id, "", "existing task", Cut(id, 26), "existing task " + id + ", reused (not re-created)"};
    return NodeFor("e:" + id, std::move(n));
  }

  void AddNodes() {
    std::set<std::string> existing;
    for (const auto& c : cs_)
      for (const auto& d : c.deps)
        if (!idx_.count(d) && d != action_task_) existing.insert(d);
    aggregate_existing_ = grouped_ || existing.size() > kExistingOneByOne;
    const std::vector<int> layers = TaskLayers(cs_, idx_);
    for (size_t i = 0; i < cs_.size(); ++i) {
      const Created& c = cs_[i];
      size_t at;
      if (grouped_) {
        at = NodeFor("k:" + c.kind, Node{"group", "", "", c.kind, Cut(c.kind, 26), "", "kind " + c.kind});
        Node& g = nodes_[at];
        g.layer = g.count == 0 ? layers[i] : std::min(g.layer, layers[i]);
        ++g.count;
        ++group_status_[at][c.status];
      } else {
        const std::string name = c.label.empty() ? c.id : c.label;
        at = NodeFor("t:" + c.id, Node{"created", c.status, c.id, c.kind, Cut(name, 26), c.status + " \xc2\xb7 " + Cut(c.id, 10),
                                       name + " (" + c.id + "): " + c.status});
        nodes_[at].layer = layers[i];
      }
      task_node_.push_back(at);
    }
    for (auto& [at, by_status] : group_status_) {
      std::string sub = Thousands(nodes_[at].count) + (nodes_[at].count == 1 ? " task" : " tasks");
      for (const auto& [status, n] : by_status) sub += fmt::format(" \xc2\xb7 {} {}", Thousands(n), status);
      nodes_[at].sub = Cut(sub, 34);
      nodes_[at].tooltip = "kind " + nodes_[at].kind + ": " + sub;
    }
  }

  void AddEdges() {
    for (size_t i = 0; i < cs_.size(); ++i) {
      for (const auto& d : cs_[i].deps) {
        const size_t from = DependencyNode(d), to = task_node_[i];
        if (from != to) edges_.insert({from, to});
      }
    }
  }

  // Layer by layer, top to bottom; a layer wider than kPerRow wraps.
  void Arrange() {
    std::map<int, std::vector<size_t>> by_layer;
    for (size_t i = 0; i < nodes_.size(); ++i) by_layer[nodes_[i].layer].push_back(i);
    auto rank = [](const Node& n) { return n.cls == "action" ? 0 : n.cls == "existing" ? 1 : 2; };
    int row = 0;
    for (auto& [layer, ids] : by_layer) {
      std::stable_sort(ids.begin(), ids.end(), [&](size_t a, size_t b) {
        const Node &x = nodes_[a], &y = nodes_[b];
        return std::make_tuple(rank(x), x.kind, x.title) < std::make_tuple(rank(y), y.kind, y.title);
      });
      for (size_t k = 0; k < ids.size(); k += kPerRow, ++row) {
        const size_t in_row = std::min<size_t>(kPerRow, ids.size() - k);
        const int row_w = static_cast<int>(in_row) * (kNodeW + kGapX) - kGapX;
        const int full_w = kPerRow * (kNodeW + kGapX) - kGapX;
        for (size_t j = 0; j < in_row; ++j) {
          Node& n = nodes_[ids[k + j]];
          n.x = kMargin + (full_w - row_w) / 2 + static_cast<int>(j) * (kNodeW + kGapX);
          n.y = kMargin + row * (kNodeH + kGapY);
        }
      }
    }
    rows_ = row;
  }

  std::string NodeSvg(const Node& n) const {
    std::string cls = "node " + n.cls + (n.status.empty() ? "" : " st-" + n.status);
    std::string data = !n.task_id.empty() ? fmt::format(" data-task-id=\"{}\"", HtmlEscape(n.task_id)) : "";
    if (n.cls == "group") data = fmt::format(" data-kind=\"{}\" data-count=\"{}\"", HtmlEscape(n.kind), n.count);
    if (n.cls == "existing" && n.task_id.empty()) data = fmt::format(" data-count=\"{}\"", n.count);
    std::string g = fmt::format(
        "<g class=\"{}\"{} transform=\"translate({},{})\"><title>{}</title><rect width=\"{}\" height=\"{}\" rx=\"6\"/>"
        "<text x=\"10\" y=\"18\">{}</text><text class=\"sub\" x=\"10\" y=\"36\">{}</text></g>",
        cls, data, n.x, n.y, HtmlEscape(n.tooltip), kNodeW, kNodeH, HtmlEscape(n.title), HtmlEscape(n.sub));
    if (n.task_id.empty()) return g + "\n";
    return fmt::format("<a href=\"{}{}\">{}</a>\n", HtmlEscape(prefix_), HtmlEscape(n.task_id), g);
  }

  std::string Svg() const {
    const int w = 2 * kMargin + kPerRow * (kNodeW + kGapX) - kGapX;
    const int h = 2 * kMargin + rows_ * (kNodeH + kGapY) - kGapY;
    std::string out = fmt::format(
        "<svg class=\"deps\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {0} {1}\" width=\"{0}\" height=\"{1}\" "
        "role=\"img\" aria-label=\"dependency diagram of the created tasks\">\n<g class=\"edges\">\n",
        w, h);
    for (const auto& [from, to] : edges_) {
      const Node &a = nodes_[from], &b = nodes_[to];
      const int x1 = a.x + kNodeW / 2, y1 = a.y + kNodeH, x2 = b.x + kNodeW / 2, y2 = b.y;
      const int bend = std::max(20, std::abs(y2 - y1) / 2);
      out += fmt::format("<path d=\"M{},{}C{},{} {},{} {},{}\"/>\n", x1, y1, x1, y1 + bend, x2, y2 - bend, x2, y2);
    }
    out += "</g>\n";
    for (const auto& n : nodes_) out += NodeSvg(n);
    return out + "</svg>\n";
  }

  std::string prefix_, action_task_;
  std::vector<Created> cs_;
  std::unordered_map<std::string, size_t> idx_;
  bool grouped_ = false, aggregate_existing_ = false;
  std::vector<Node> nodes_;
  std::map<std::string, size_t> keys_;
  std::vector<size_t> task_node_;  // cs_ index -> node
  std::set<std::string> existing_;
  std::map<size_t, std::map<std::string, size_t>> group_status_;
  std::set<std::pair<size_t, size_t>> edges_;
  int rows_ = 0;
};

}  // namespace

Diagram DependencyDiagram(const JsonValue& report, const std::string& link_prefix) {
  return Builder(report, link_prefix).Build();
}

}  // namespace tc

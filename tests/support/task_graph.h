// The decision task's graph artifacts for seeded worlds: task-graph.json and
// label-to-taskid.json built from the definitions a test seeds, as taskgraph
// writes them, and published on the decision task of a MemoryQueue (the
// emulator's queue, or an in-process one).
#pragma once
#include <string>

#include "core/json.h"
#include "emulator/queue_memory.h"

namespace tctest {

class GraphArtifacts {
 public:
  // An entry {label, kind, attributes, dependencies, task} for taskId `id`:
  // label = metadata.name; dependencies named d0, d1... from
  // def.dependencies; attributes.retrigger = true when retrigger_attr, else
  // no attributes (the entry's retrigger flag then comes from tags.retrigger).
  void Add(const std::string& id, const tc::JsonValue& def, const std::string& kind, bool retrigger_attr);
  const tc::Json& graph() const { return graph_; }
  // public/task-graph.json (gzip-encoded) and, when label_to_taskid,
  // public/label-to-taskid.json on `decision` (the task group's taskId).
  void Publish(tc::MemoryQueue& q, const std::string& decision, bool label_to_taskid = true) const;

 private:
  tc::Json graph_{rapidjson::kObjectType};
};

// A small release-shaped graph, seeded into q (task group `group`, created
// an hour ago) and published with its label-to-taskid.json:
//   X toolchain (completed, outside the downstream closure)
//   B build-linux64 (completed, retriggerable) <- X
//   S build-signing-linux64 (completed; upstreamArtifacts name B) <- B
//   M beetmover-linux64 (completed; upstreamArtifacts name S, env URL names B) <- S, B
//   T test-linux64-mochitest-1 (failed, retriggerable) <- B
//   R release-signing (failed, not retriggerable) <- B
// stranger: when non-empty, S's env names this taskId, which is no task of the graph.
struct ReleaseGraph {
  std::string X, B, S, M, T, R;
};
ReleaseGraph SeedReleaseGraph(tc::MemoryQueue& q, const std::string& group, const std::string& stranger = "");

}  // namespace tctest

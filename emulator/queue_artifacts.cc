// MemoryQueue's artifacts: lookup as getArtifact / getLatestArtifact resolve
// them (services/queue/src/artifacts.js: latest run, link artifacts followed,
// expiry), the client-side download of GetLatestArtifact, and seeding.
// See queue_store.h.
#include <algorithm>

#include "emulator/queue_store.h"

namespace tc {

using namespace memq;

ArtifactLookup MemoryQueue::LookupArtifact(const std::string& task_id, std::optional<int> run_id,
                                           const std::string& name) {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->Sweep();
  TaskRec* t = impl_->Find(task_id);
  int run = 0;
  if (!run_id) {
    // artifacts.js getLatestRunId
    if (!t) NotFound("Task not found");
    if (t->runs.empty()) NotFound("Task doesn't have any runs");
    run = static_cast<int>(t->runs.size()) - 1;
  } else {
    run = *run_id;
  }
  ArtifactLookup out;
  out.task_id = task_id;
  out.run_id = run;
  std::string cur = name;
  int64_t now = impl_->Now();
  while (true) {
    out.names.push_back(cur);
    if (!t) NotFound("Artifact not found");
    auto it = t->artifacts.find({run, cur});
    if (it == t->artifacts.end()) NotFound("Artifact not found");
    const MemArtifact& a = it->second;
    int64_t exp = a.expires_ms ? a.expires_ms : t->expires;
    if (exp < now) Fail(410, "ResourceExpired", "Artifact expired");
    if (a.storage_type != "link") {
      out.artifact = a;
      return out;
    }
    if (std::find(out.names.begin(), out.names.end(), a.link) != out.names.end())
      InputError("Artifact leads to a link cycle");
    cur = a.link;
  }
}

std::string MemoryQueue::GetLatestArtifact(const std::string& task_id, const std::string& name) {
  ArtifactLookup l = LookupArtifact(task_id, std::nullopt, name);
  const MemArtifact& a = l.artifact;
  if (a.storage_type == "error") {
    throw TcError(424, "", a.message.empty() ? a.reason : a.reason + ": " + a.message);
  }
  if (a.storage_type == "reference" && a.content.empty()) {
    throw TcError(502, "", "reference artifact `" + name + "` redirects to " + a.url +
                               " (not reachable from the in-memory queue)");
  }
  return a.content;
}

void MemoryQueue::PutArtifact(const std::string& task_id, int run_id, const MemArtifact& a) {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->Touched();
  TaskRec& t = impl_->Get(task_id, "Task not found");
  if (run_id < 0) {
    if (t.runs.empty()) InputError("Task `" + task_id + "` has no run to attach artifact `" + a.name + "` to");
    run_id = static_cast<int>(t.runs.size()) - 1;
  }
  if (run_id >= static_cast<int>(t.runs.size())) InputError("Run not found");
  t.artifacts[{run_id, a.name}] = a;
}

}  // namespace tc

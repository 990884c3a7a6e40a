// MemoryQueue's seeding (world files, tests): tasks placed directly in any
// state, bypassing createTask's rules that compare with now. See
// queue_memory.h (SeedTask) and queue_store.h.
#include <set>

#include "emulator/queue_store.h"

namespace tc {

using namespace memq;

namespace {

const std::set<std::string>& SeedStates() {
  static const std::set<std::string> k = {"unscheduled", "pending", "running", "completed", "failed", "exception"};
  return k;
}

struct RunMaker {
  int64_t at, now, claim_ms;
  Run operator()(const std::string& st, const std::string& rc, const std::string& rr, const std::string& wg,
                 const std::string& wi) const {
    Run r;
    r.state = st;
    r.reason_created = rc;
    r.scheduled = at;
    if (st != "pending") {
      r.worker_group = wg.empty() ? "emulator" : wg;
      r.worker_id = wi.empty() ? "worker-1" : wi;
      r.started = at;
    }
    if (st == "running") r.taken_until = now + claim_ms;
    if (IsResolved(st)) {
      r.reason_resolved = !rr.empty() ? rr : st == "exception" ? "malformed-payload" : st;
      r.resolved = at;
    }
    return r;
  }
};

// runs: an array of {state, reasonCreated?, reasonResolved?, workerGroup?,
// workerId?}, or a count (earlier runs failed, the last in `state`).
void SeedRuns(TaskRec& t, const RunMaker& make, const std::string& state, const JsonValue* runs,
              const std::string& reason, const std::string& where) {
  if (runs && runs->IsArray()) {
    for (auto& rv : runs->GetArray()) {
      auto g = [&](const char* k) { return GetString(rv, k).value_or(""); };
      std::string st = g("state");
      if (!SeedStates().count(st) || st == "unscheduled") throw BadInput(where + "run state `" + st + "` is not valid");
      std::string rc = g("reasonCreated").empty() ? (t.runs.empty() ? "scheduled" : "rerun") : g("reasonCreated");
      t.runs.push_back(make(st, rc, g("reasonResolved"), g("workerGroup"), g("workerId")));
    }
    return;
  }
  std::string st = state.empty() ? "pending" : state;
  if (!SeedStates().count(st)) throw BadInput(where + "state `" + st + "` is not valid");
  int n = st == "unscheduled" ? 0 : 1;
  if (runs && runs->IsInt()) n = runs->GetInt();
  if (st == "unscheduled" && n != 0) throw BadInput(where + "an unscheduled task has no runs");
  if (st != "unscheduled" && n < 1) throw BadInput(where + "runs must be >= 1 for state " + st);
  for (int i = 0; i < n; i++) {
    bool last = i == n - 1;
    t.runs.push_back(make(last ? st : "failed", i == 0 ? "scheduled" : "rerun", last ? reason : "", "", ""));
  }
}

}  // namespace

void MemoryQueue::SeedTask(const std::string& task_id, const JsonValue& definition, const std::string& state,
                           const JsonValue* runs, const std::string& reason) {
  std::string where = "task " + task_id + ": ";
  Json def;
  try {
    def = NormalizeDefinition(task_id, definition);
  } catch (const TcError& e) {
    throw BadInput(where + e.code() + ": " + e.what());
  }
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->Touched();
  Impl& I = *impl_;
  int64_t created = *ParseIso(def["created"].GetString());
  int64_t deadline = *ParseIso(def["deadline"].GetString());
  int64_t expires = *ParseIso(def["expires"].GetString());
  if (created > deadline) throw BadInput(where + "`deadline` cannot be later than `created`");
  if (deadline - created > I.max_days * kDay + 15 * kMinute)
    throw BadInput(where + "`deadline` cannot be more than " + std::to_string(I.max_days) + " days after `created`");
  if (deadline > expires) throw BadInput(where + "`expires` cannot be before `deadline`");
  if (I.Find(task_id)) throw BadInput(where + "taskId seeded twice");
  try {
    I.EnsureGroup(def["taskGroupId"].GetString(), def["schedulerId"].GetString(), expires);
  } catch (const TcError& e) {
    throw BadInput(where + e.what());
  }
  TaskRec t;
  Impl::Fill(t, task_id, std::move(def));
  SeedRuns(t, RunMaker{std::min(created, I.Now()), I.Now(), I.claim_timeout_s * 1000LL}, state, runs, reason, where);
  if (static_cast<int>(t.runs.size()) > kMaxRunsAllowed) throw BadInput(where + "more than 50 runs");
  if (!t.runs.empty()) {
    const Run& last = t.runs.back();
    if (last.state == "running") t.taken_until = last.taken_until;
    if (last.state == "pending") t.pending_seq = ++I.seq;
    for (size_t i = 0; i + 1 < t.runs.size(); i++)
      if (!IsResolved(t.runs[i].state)) throw BadInput(where + "only the last run may be unresolved");
  }
  TaskRec& rec = I.Insert(std::move(t));
  I.unfinished_seed.push_back(task_id);
  if (rec.State() == "completed" && I.on_completed) I.on_completed(task_id, rec.def);  // its completion, long ago
}

void MemoryQueue::FinishSeeding() {
  std::lock_guard<std::mutex> l(impl_->mu);
  impl_->Touched();
  Impl& I = *impl_;
  for (const auto& id : I.unfinished_seed) {
    TaskRec* t = I.Find(id);
    if (!t) continue;
    for (const auto& dep : t->deps) {
      TaskRec* r = I.Find(dep);
      if (!r) throw BadInput("task " + id + ": dependency " + dep + " does not exist");
      t->dep_satisfied[dep] = t->SatisfiedBy(r->State());
    }
  }
  I.unfinished_seed.clear();
}

}  // namespace tc

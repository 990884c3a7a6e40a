// The executor: dependency order, bounded concurrency, failure propagation,
// and the 409 check that makes a retried action task idempotent.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "core/error.h"
#include "run/executor.h"
#include "core/slugid.h"

using namespace tc;

namespace {

ExecOptions Concurrency(int n) {
  ExecOptions o;
  o.concurrency = n;
  return o;
}


class FakeQueue : public Queue {
 public:
  std::mutex mu;
  std::vector<std::string> created;  // in completion order
  std::set<std::string> fail;        // create fails with 500
  std::map<std::string, std::string> existing_parent;  // create answers 409; Task() has this parent
  std::atomic<int> in_flight{0}, max_in_flight{0};
  int delay_ms = 0;

  Json Task(const std::string& id) override {
    Json d(rapidjson::kObjectType);
    JsonValue extra(rapidjson::kObjectType);
    extra.AddMember("parent", Str(existing_parent[id], d.GetAllocator()), d.GetAllocator());
    d.AddMember("extra", extra, d.GetAllocator());
    return d;
  }
  Json Status(const std::string&) override { return Json(); }
  Json CreateTask(const std::string& id, const JsonValue&) override {
    int now = ++in_flight;
    int prev = max_in_flight.load();
    while (now > prev && !max_in_flight.compare_exchange_weak(prev, now)) {
    }
    if (delay_ms) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    --in_flight;
    if (fail.count(id)) throw TcError(500, "InternalServerError", "queue.createTask: 500");
    if (existing_parent.count(id)) throw TcError(409, "RequestConflict", "queue.createTask: 409");
    std::lock_guard<std::mutex> lock(mu);
    created.push_back(id);
    return Json();
  }
  Json RerunTask(const std::string&) override { return Json(); }
  Json CancelTask(const std::string& id) override {
    throw TcError(409, "RequestConflict", "Task " + id + " Can't cancel task past its deadline");
  }
  Json ListTaskGroup(const std::string&, const Page&) override { return Json(); }
  Json ListDependentTasks(const std::string&, const Page&) override { return Json(); }
  std::string GetLatestArtifact(const std::string&, const std::string&) override { return ""; }
};

Operation Create(const std::string& id, std::vector<size_t> after = {}) {
  Operation op;
  op.kind = OpKind::kCreate;
  op.task_id = id;
  op.definition.SetObject();
  op.after = std::move(after);
  return op;
}

}  // namespace

TEST_CASE("creates run after their dependencies; a failure skips its dependents only", "[executor]") {
  // 0 -> 1 -> 2, 0 -> 3, 4 independent
  Plan plan;
  for (int i = 0; i < 5; ++i) plan.ops.push_back(Create("t" + std::to_string(i)));
  plan.ops[1].after = {0};
  plan.ops[2].after = {1};
  plan.ops[3].after = {0};
  FakeQueue q;
  q.fail.insert("t1");
  REQUIRE_FALSE(Execute(plan, q, "action", Concurrency(4)));
  REQUIRE(plan.ops[0].status == OpStatus::kDone);
  REQUIRE(plan.ops[1].status == OpStatus::kFailed);
  REQUIRE(plan.ops[2].status == OpStatus::kSkipped);
  REQUIRE_THAT(plan.ops[2].detail, Catch::Contains("t1"));
  REQUIRE(plan.ops[3].status == OpStatus::kDone);
  REQUIRE(plan.ops[4].status == OpStatus::kDone);
  auto pos = [&](const std::string& id) {
    return std::find(q.created.begin(), q.created.end(), id) - q.created.begin();
  };
  REQUIRE(pos("t0") < pos("t3"));
  REQUIRE(std::find(q.created.begin(), q.created.end(), "t2") == q.created.end());
}

TEST_CASE("409 on a create counts as done only when the task is ours", "[executor]") {
  Plan plan;
  plan.ops.push_back(Create("mine"));
  plan.ops.push_back(Create("theirs"));
  FakeQueue q;
  q.existing_parent["mine"] = "action";
  q.existing_parent["theirs"] = "someone-else";
  REQUIRE_FALSE(Execute(plan, q, "action", Concurrency(1)));
  REQUIRE(plan.ops[0].status == OpStatus::kDone);
  REQUIRE(plan.ops[1].status == OpStatus::kFailed);
}

TEST_CASE("a 409 on cancel (past deadline) is a skip, not a failure", "[executor]") {
  Plan plan;
  Operation op;
  op.kind = OpKind::kCancel;
  op.task_id = "x";
  plan.ops.push_back(std::move(op));
  FakeQueue q;
  REQUIRE(Execute(plan, q, "action", Concurrency(1)));
  REQUIRE(plan.ops[0].status == OpStatus::kSkipped);
}

TEST_CASE("concurrency is bounded and used", "[executor]") {
  Plan plan;
  for (int i = 0; i < 40; ++i) plan.ops.push_back(Create(NewSlugid()));
  FakeQueue q;
  q.delay_ms = 20;
  auto t0 = std::chrono::steady_clock::now();
  REQUIRE(Execute(plan, q, "action", Concurrency(8)));
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  REQUIRE(q.max_in_flight.load() <= 8);
  REQUIRE(q.max_in_flight.load() >= 2);
  REQUIRE(q.created.size() == 40);
  REQUIRE(ms < 40 * 20);  // not serial
}

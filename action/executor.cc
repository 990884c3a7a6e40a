#include "executor.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>

#include "error.h"

namespace tc {

namespace {

void RunCreate(Operation& op, Queue& q, const std::string& action_task_id) {
  try {
    q.CreateTask(op.task_id, op.definition);
    op.status = OpStatus::kDone;
  } catch (const TcError& e) {
    if (!e.is_conflict()) throw;
    // The id is taken. Ours from an earlier run of this action task?
    Json existing = q.Task(op.task_id);
    const JsonValue* extra = Member(existing, "extra");
    if (extra && GetString(*extra, "parent") == action_task_id) {
      op.status = OpStatus::kDone;
      op.detail = "already created by an earlier run of this action task";
    } else {
      op.status = OpStatus::kFailed;
      op.detail = fmt::format("taskId {} already exists with another definition (not created by action task {})",
                              op.task_id, action_task_id);
    }
  }
}

void RunRerunOrCancel(Operation& op, Queue& q) {
  try {
    if (op.kind == OpKind::kRerun) {
      q.RerunTask(op.task_id);
    } else {
      q.CancelTask(op.task_id);
    }
    op.status = OpStatus::kDone;
  } catch (const TcError& e) {
    if (!e.is_conflict()) throw;
    // The queue refuses reruns/cancels past the deadline (until it resolves
    // the task as deadline-exceeded): a skip, not a failure of the action.
    op.status = OpStatus::kSkipped;
    op.detail = fmt::format("the queue refused: {}", e.what());
  }
}

void RunOne(Operation& op, Queue& q, const std::string& action_task_id) {
  try {
    if (op.kind == OpKind::kCreate) {
      RunCreate(op, q, action_task_id);
    } else {
      RunRerunOrCancel(op, q);
    }
  } catch (const std::exception& e) {
    op.status = OpStatus::kFailed;
    op.detail = e.what();
  }
  spdlog::info("{} {}: {}{}{}", OpKindName(op.kind), op.task_id, OpStatusName(op.status),
               op.detail.empty() ? "" : ": ", op.detail);
}

}  // namespace

bool Execute(Plan& plan, Queue& queue, const std::string& action_task_id, const ExecOptions& opts) {
  const size_t width = static_cast<size_t>(std::max(1, opts.concurrency));
  std::vector<size_t> pending;
  for (size_t i = 0; i < plan.ops.size(); ++i)
    if (plan.ops[i].status == OpStatus::kPlanned) pending.push_back(i);

  while (!pending.empty()) {
    std::vector<size_t> ready, waiting;
    for (size_t i : pending) {
      Operation& op = plan.ops[i];
      bool blocked = false, dead = false;
      std::string dead_dep;
      for (size_t d : op.after) {
        const OpStatus s = plan.ops[d].status;
        if (s == OpStatus::kPlanned) blocked = true;
        if (s == OpStatus::kFailed || s == OpStatus::kSkipped) {
          dead = true;
          dead_dep = plan.ops[d].task_id;
        }
      }
      if (dead) {
        op.status = OpStatus::kSkipped;
        op.detail = fmt::format("not sent: it depends on {}, which was not created", dead_dep);
      } else if (blocked) {
        waiting.push_back(i);
      } else {
        ready.push_back(i);
      }
    }
    // Run the ready set, `width` at a time.
    for (size_t start = 0; start < ready.size(); start += width) {
      size_t end = std::min(ready.size(), start + width);
      if (end - start == 1) {
        RunOne(plan.ops[ready[start]], queue, action_task_id);
        continue;
      }
      std::vector<std::future<void>> futures;
      for (size_t k = start; k < end; ++k) {
        Operation* op = &plan.ops[ready[k]];
        futures.push_back(std::async(std::launch::async, [op, &queue, &action_task_id] {
          RunOne(*op, queue, action_task_id);
        }));
      }
      for (auto& f : futures) f.get();
    }
    if (ready.empty() && waiting.size() == pending.size()) {
      for (size_t i : waiting) {  // a cycle: cannot happen for a valid plan
        plan.ops[i].status = OpStatus::kFailed;
        plan.ops[i].detail = "dependency cycle in the plan";
      }
      break;
    }
    pending = std::move(waiting);
  }
  return std::none_of(plan.ops.begin(), plan.ops.end(),
                      [](const Operation& op) { return op.status == OpStatus::kFailed; });
}

}  // namespace tc

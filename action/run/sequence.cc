#include "run/sequence.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "actions/clone.h"
#include "actions/cot.h"
#include "run/facts.h"
#include "core/timestamp.h"

namespace tc {

namespace {

std::string StateOf(const JsonValue& status) { return GetString(status, "state").value_or("unknown"); }

// The latest run was created by a rerun at or after since_ms.
bool RerunSince(const JsonValue& status, int64_t since_ms) {
  const JsonValue* runs = Member(status, "runs");
  if (!runs || !runs->IsArray() || runs->Empty()) return false;
  const JsonValue& last = (*runs)[runs->Size() - 1];
  if (GetString(last, "reasonCreated") != std::string("rerun")) return false;
  auto scheduled = GetString(last, "scheduled");
  auto t = scheduled ? ParseTimestamp(*scheduled) : std::nullopt;
  return t && t->ms >= since_ms;
}

int64_t DeadlineMs(const JsonValue& status) {
  auto d = GetString(status, "deadline");
  auto t = d ? ParseTimestamp(*d) : std::nullopt;
  return t ? t->ms : INT64_MAX;
}

}  // namespace

ExitCode RunRerunSequence(Queue& q, const Context& ctx, const SequenceOptions& opts, Plan& plan, std::string* error) {
  const bool force = GetBool(ctx.input, "force").value_or(false);
  const bool ack = GetBool(ctx.input, "acknowledge_cot_break").value_or(false);
  std::vector<std::string> ids;
  for (const auto& t : ctx.input["tasks"].GetArray()) ids.push_back(t.GetString());
  const int64_t start = opts.now_ms();

  // When the action task began: reruns since then are ours (resume).
  const int64_t action_created = ActionTaskCreatedMs(q, ctx.action_task_id, start);

  // 1. Check everything before the first mutation.
  std::vector<TaskFacts> facts;
  for (size_t i = 0; i < ids.size(); ++i) {
    facts.push_back(ReadTaskFacts(q, ids[i], fmt::format("ACTION_INPUT.tasks[{}]", i), ctx.task_group_id));
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    TaskFacts& f = facts[i];
    const std::string who = ids[i] + (TaskLabel(f.definition).empty() ? "" : " (" + TaskLabel(f.definition) + ")");
    const std::string state = StateOf(f.status);
    if (RerunSince(f.status, action_created)) continue;  // ours: resume
    if (DeadlineMs(f.status) <= start) {
      throw Refused(fmt::format("rerun-sequence refused: {} passed its deadline {}; the queue no longer reruns it", who,
                                GetString(f.status, "deadline").value_or("?")));
    }
    if ((state == "completed" || state == "unscheduled") && !force) {
      throw Refused(fmt::format("rerun-sequence refused: {} is {}; set force: true to rerun it", who, state));
    }
    if (state == "completed") {
      LoadDependents(q, f);
      std::vector<Consumer> verified;
      for (const auto& c : ConsumersOf(f.task_id, f.dependents)) {
        // consumers that this sequence reruns afterwards re-verify: no breakage
        bool later = std::find(ids.begin() + static_cast<long>(i) + 1, ids.end(), c.task_id) != ids.end();
        if (!later && c.cot_relevant && c.ran) verified.push_back(c);
      }
      if (!verified.empty() && !ack) {
        throw Refused(fmt::format(
            "rerun-sequence refused: rerunning completed {} replaces artifacts that these release (Chain-of-Trust) "
            "tasks outside the sequence already verified: {}; add them to the sequence, or set "
            "acknowledge_cot_break: true",
            who, DescribeConsumers(verified)));
      }
      if (!verified.empty()) {
        plan.warnings.push_back(fmt::format("Chain of Trust: rerunning {} breaks verification for {}", who,
                                            DescribeConsumers(verified)));
      }
    }
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    Operation op;
    op.kind = OpKind::kRerun;
    op.task_id = ids[i];
    op.label = TaskLabel(facts[i].definition);
    plan.ops.push_back(std::move(op));
  }
  if (opts.dry_run) return ExitCode::kDone;

  // 2. Rerun, wait, rerun the next...
  for (size_t i = 0; i < ids.size(); ++i) {
    Operation& op = plan.ops[i];
    Json status = ReadStatus(q, ids[i]);
    const std::string state = StateOf(status);
    if (RerunSince(status, action_created)) {
      op.status = OpStatus::kDone;
      op.detail = "rerun by an earlier run of this action task; resumed";
    } else if (state == "pending" || state == "running") {
      op.status = OpStatus::kSkipped;
      op.detail = fmt::format("already {}; waiting for it instead of rerunning", state);
    } else {
      try {
        q.RerunTask(ids[i]);
        op.status = OpStatus::kDone;
      } catch (const TcError& e) {
        op.status = OpStatus::kFailed;
        op.detail = e.what();
        for (size_t k = i + 1; k < ids.size(); ++k) {
          plan.ops[k].status = OpStatus::kSkipped;
          plan.ops[k].detail = "not rerun: the sequence stopped at " + ids[i];
        }
        *error = fmt::format("rerun-sequence stopped: rerun of {} failed: {}", ids[i], e.what());
        return ExitCode::kTaskcluster;
      }
    }
    if (i + 1 == ids.size()) break;  // the last one is not waited for

    // Wait for the run to resolve, with backoff.
    const int64_t wait_start = opts.now_ms();
    const int64_t limit = std::min(wait_start + opts.max_wait_ms, DeadlineMs(status));
    int64_t interval = opts.poll_initial_ms;
    std::string now_state;
    for (;;) {
      Json st = ReadStatus(q, ids[i]);
      now_state = StateOf(st);
      if (now_state == "completed" || now_state == "failed" || now_state == "exception") break;
      if (opts.now_ms() + interval > limit) {
        now_state = "timeout:" + now_state;
        break;
      }
      spdlog::info("rerun-sequence: {} is {}; next check in {} ms", ids[i], now_state, interval);
      opts.sleep_ms(interval);
      interval = std::min(interval * 2, opts.poll_max_ms);
    }
    const int64_t waited = (opts.now_ms() - wait_start) / 1000;
    if (now_state == "completed") {
      op.detail += fmt::format("{}completed after {} s", op.detail.empty() ? "" : "; ", waited);
      continue;
    }
    for (size_t k = i + 1; k < ids.size(); ++k) {
      plan.ops[k].status = OpStatus::kSkipped;
      plan.ops[k].detail = "not rerun: the sequence stopped at " + ids[i];
    }
    if (now_state.rfind("timeout:", 0) == 0) {
      op.detail += fmt::format("{}still {} after {} s", op.detail.empty() ? "" : "; ", now_state.substr(8), waited);
      *error = fmt::format("rerun-sequence stopped: {} is still {} after waiting {} s; a retry of this action task "
                           "resumes here without rerunning it again",
                           ids[i], now_state.substr(8), waited);
    } else {
      op.detail += fmt::format("{}its new run ended {}", op.detail.empty() ? "" : "; ", now_state);
      *error = fmt::format("rerun-sequence stopped: the new run of {} ended {}; the rest of the sequence was not rerun",
                           ids[i], now_state);
    }
    return ExitCode::kTaskcluster;
  }
  return ExitCode::kDone;
}

}  // namespace tc

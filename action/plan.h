// The plan: the list of queue mutations an action will make. Domain code
// builds it from data (no I/O); the executor carries it out; the report
// prints it.
//
// Invariants: every op's taskId is a valid slugid; a create op carries a
// definition that validated against Taskcluster's create-task-request schema;
// `after` only names earlier ops (the plan is in dependency order).
#pragma once
#include <string>
#include <vector>

#include "json.h"

namespace tc {

enum class OpKind { kCreate, kRerun, kCancel };
enum class OpStatus { kPlanned, kDone, kSkipped, kFailed };

const char* OpKindName(OpKind k);
const char* OpStatusName(OpStatus s);

struct Operation {
  OpKind kind = OpKind::kCreate;
  std::string task_id;
  std::string of;            // create: the taskId this is a copy of
  std::string label;         // the task's label, when known
  Json definition;           // create: the task definition to send
  std::vector<size_t> after; // ops (indexes into Plan::ops) that must be done first
  OpStatus status = OpStatus::kPlanned;
  std::string detail;
};

struct Plan {
  std::vector<Operation> ops;
  std::vector<std::string> warnings;
  std::vector<std::string> notes;
};

}  // namespace tc

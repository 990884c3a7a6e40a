// Task cloning for retrigger: a new task from an existing definition.
//
// The copy: `created` = now; every other ISO-8601 timestamp string anywhere in
// the definition (deadline, expires, payload.artifacts[].expires, ...) shifted
// by (now - original created), keeping offsets; taskGroupId set; dependencies
// kept plus the extra ones given; extra.parent set; routes, scopes, payload,
// metadata, tags, priority, retries kept. When taskQueueId is present the
// deprecated provisionerId/workerType pair is dropped (the queue derives it).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "actions/plan.h"
#include "core/json.h"

namespace tc {

struct CloneOptions {
  std::string task_group_id;
  std::string parent;                          // extra.parent (the action task)
  int64_t now_ms = 0;
  std::vector<std::string> extra_dependencies; // appended when not already present
};

// Throws BadInput when the original has no valid `created`.
Json CloneTask(const JsonValue& original, const CloneOptions& opts);
// The same, turning `def` itself into the copy.
void CloneInPlace(Json& def, const CloneOptions& opts);

// Appends to plan the create op of a copy of `original` (taskId `of`) under
// new_id, validated (ValidateCopy) and recorded in the plan's artifacts.
void PlanCopy(Plan& plan, const std::string& new_id, const std::string& of, const std::string& label,
              const JsonValue& original, const CloneOptions& opts);

// Checks a copy against Taskcluster's create-task-request schema before it
// is sent; throws BadInput naming `what` (e.g. "copy of <taskId>") and the field.
void ValidateCopy(const JsonValue& copy, const std::string& what);

}  // namespace tc

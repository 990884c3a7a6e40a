#include "actions/clone.h"

#include <algorithm>

#include "core/error.h"
#include "core/schema.h"
#include "core/timestamp.h"

namespace tc {

void ValidateCopy(const JsonValue& copy, const std::string& what) {
  if (auto v = ValidateSchema("taskcluster/queue/v1/create-task-request.json", copy)) {
    throw BadInput(FormatViolation(what, *v) +
                   " (the copy does not validate against Taskcluster's create-task-request schema)");
  }
}

void PlanCopy(Plan& plan, const std::string& new_id, const std::string& of, const std::string& label,
              const JsonValue& original, const CloneOptions& opts) {
  Operation op = NewOp(OpKind::kCreate, new_id, label);
  op.of = of;
  op.definition = CloneTask(original, opts);
  ValidateCopy(op.definition, "copy of " + of);
  RecordCreated(plan, op.task_id, op.label, nullptr, op.definition, nullptr, true);
  plan.ops.push_back(std::move(op));
}

Json CloneTask(const JsonValue& original, const CloneOptions& opts) {
  Json copy = CopyJson(original);
  CloneInPlace(copy, opts);
  return copy;
}

void CloneInPlace(Json& copy, const CloneOptions& opts) {
  auto created_s = GetString(copy, "created");
  if (!created_s) throw BadInput("task definition: created: missing; expected an ISO-8601 timestamp");
  auto created = ParseTimestamp(*created_s);
  if (!created) throw BadInput("task definition: created: \"" + *created_s + "\" is not an ISO-8601 timestamp");

  auto& a = copy.GetAllocator();
  ShiftTimestamps(copy, opts.now_ms - created->ms, a);
  SetMember(copy, "created", Str(FormatIsoMs(opts.now_ms), a), a);
  SetMember(copy, "taskGroupId", Str(opts.task_group_id, a), a);

  if (copy.HasMember("taskQueueId")) {
    copy.RemoveMember("provisionerId");
    copy.RemoveMember("workerType");
  }

  if (!copy.HasMember("dependencies") || !copy["dependencies"].IsArray()) {
    SetMember(copy, "dependencies", JsonValue(rapidjson::kArrayType), a);
  }
  JsonValue& deps = copy["dependencies"];
  for (const auto& d : opts.extra_dependencies) {
    bool present = std::any_of(deps.Begin(), deps.End(), [&](const JsonValue& v) {
      return v.IsString() && d == v.GetString();
    });
    if (!present) deps.PushBack(Str(d, a), a);
  }

  if (!copy.HasMember("extra") || !copy["extra"].IsObject()) {
    SetMember(copy, "extra", JsonValue(rapidjson::kObjectType), a);
  }
  SetMember(copy["extra"], "parent", Str(opts.parent, a), a);
}

}  // namespace tc

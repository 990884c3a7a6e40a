#include "taskcluster/queue.h"

#include "core/error.h"

namespace tc {

Json Queue::Statuses(const std::vector<std::string>& task_ids, const Page&) {
  Json out(rapidjson::kObjectType);
  auto& a = out.GetAllocator();
  JsonValue list(rapidjson::kArrayType);
  for (const auto& id : task_ids) {
    Json st;
    try {
      st = Status(id);
    } catch (const TcError& e) {
      if (e.is_not_found()) continue;
      throw;
    }
    const JsonValue* inner = Member(st, "status");
    if (!inner) continue;
    JsonValue e(rapidjson::kObjectType);
    e.AddMember("taskId", Str(id, a), a);
    e.AddMember("status", CopyValue(*inner, a), a);
    list.PushBack(e, a);
  }
  out.AddMember("statuses", list, a);
  return out;
}

}  // namespace tc

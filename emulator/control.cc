// The control endpoints: see control.h.
#include "emulator/control.h"

#include "core/error.h"
#include "emulator/routes.h"
#include "emulator/world.h"

namespace tc::emu {

namespace {

Reply Ok() {
  Json d(rapidjson::kObjectType);
  d.AddMember("ok", true, d.GetAllocator());
  return JsonReply(d);
}

Reply AdvanceClock(MemoryQueue& queue, const Json& j) {
  const JsonValue* adv = j.IsObject() ? Member(j, "advanceSeconds") : nullptr;
  if (!adv || !adv->IsNumber()) throw BadInput("advanceSeconds: expected a number");
  queue.AdvanceClock(std::chrono::milliseconds(static_cast<int64_t>(adv->GetDouble() * 1000)));
  Json d(rapidjson::kObjectType);
  d.AddMember("now", Str(memq::IsoMs(queue.NowMs()), d.GetAllocator()), d.GetAllocator());
  return JsonReply(d);
}

Reply PutArtifact(MemoryQueue& queue, const Json& j) {
  if (!j.IsObject()) throw BadInput("expected {taskId, name, ...}");
  std::string name = RequireString(j, "name", "name");
  queue.PutArtifact(RequireString(j, "taskId", "taskId"), static_cast<int>(GetInt(j, "runId").value_or(-1)),
                    ParseArtifact(name, j, "artifact"));
  return Ok();
}

Reply Route(ControlTargets& t, const std::string& what, const std::string& m, const std::string& body) {
  auto parse = [&] {
    Json j = ParseJson(body.empty() ? "null" : body, "request body");
    ExpandNowStrings(j, t.queue.NowMs(), j.GetAllocator());
    return j;
  };
  if (what == "journal" && m == "GET") return JsonReply(t.journal.ToJson());
  if (what == "journal" && m == "DELETE") {
    t.journal.Clear();
    return Ok();
  }
  if (what == "tasks" && m == "GET") return JsonReply(t.queue.DumpTasks());
  if (what == "tasks" && m == "POST") {
    SeedWorldTasks(t.queue, parse());
    return Ok();
  }
  if (what == "faults" && m == "GET") return JsonReply(t.faults.ToJson());
  if (what == "faults" && m == "POST") {
    t.faults.Add(ParseFaults(parse()));
    return Ok();
  }
  if (what == "faults" && m == "DELETE") {
    t.faults.Clear();
    return Ok();
  }
  if (what == "clock" && m == "POST") return AdvanceClock(t.queue, parse());
  if (what == "resolve" && m == "POST") {
    Json j = parse();
    if (!j.IsObject()) throw BadInput("expected {taskId, state, reason?}");
    return JsonReply(t.queue.Drive(RequireString(j, "taskId", "taskId"), RequireString(j, "state", "state"),
                                   GetString(j, "reason").value_or("")));
  }
  if (what == "hooks" && m == "GET") return JsonReply(t.hooks.HooksJson());
  if (what == "hooks" && m == "POST") {
    t.hooks.AddHooks(parse());
    return Ok();
  }
  if (what == "worker" && m == "GET") return JsonReply(t.hooks.WorkerJson());
  if (what == "worker" && m == "POST") {
    t.hooks.SetWorker(parse());
    return Ok();
  }
  if (what == "artifacts" && m == "POST") return PutArtifact(t.queue, parse());
  if (what == "index" && m == "GET") return JsonReply(t.index.Dump());
  if (what == "index" && m == "POST") {
    SeedIndex(t.index, t.queue, parse());
    return Ok();
  }
  Reply r;
  r.status = 404;
  r.body = R"({"code":"ResourceNotFound","message":"unknown emulator control endpoint"})";
  return r;
}

}  // namespace

Reply Control(ControlTargets& t, Request& req) {
  std::string what = req.path.substr(std::string("/__emulator/").size());
  try {
    return Route(t, what, req.method, req.body);
  } catch (const TcError& e) {
    req.api_name = "emulator";
    return ErrorReply(req, e.code().empty() ? "InternalServerError" : e.code(), e.what());
  } catch (const std::exception& e) {
    req.api_name = "emulator";
    return ErrorReply(req, "InputError", e.what());
  }
}

}  // namespace tc::emu

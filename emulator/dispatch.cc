// The dispatch of /api/<service>/v1/ to the services' routes, ping, the JSON
// body parser, and the mapping of errors to lib-api error replies. See routes.h.
#include <algorithm>
#include <map>

#include "core/error.h"
#include "core/timestamp.h"
#include "core/slugid.h"
#include "emulator/routes.h"

namespace tc::emu {

namespace {

// express answers {"error": "Not found"}; "code" added for Taskcluster-style clients
Reply NoSuchMethod(const Request& req) {
  Json d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  d.AddMember("code", "ResourceNotFound", a);
  d.AddMember("message", Str("No such API method: " + req.method + " " + req.path, a), a);
  d.AddMember("error", "Not found", a);
  return JsonReply(d, 404);
}

Reply Ping(Services& s, Request& req) {
  req.api_name = "ping";
  Json d(rapidjson::kObjectType);
  d.AddMember("alive", true, d.GetAllocator());
  d.AddMember("uptime", static_cast<double>(NowMs() - s.started_ms) / 1000.0, d.GetAllocator());
  return JsonReply(d);
}

// body-parser: JSON is parsed only for application/json, and must be an object or array.
void ParseBody(Request& req) {
  std::string ct = req.content_type.substr(0, req.content_type.find(';'));
  std::transform(ct.begin(), ct.end(), ct.begin(), ::tolower);
  while (!ct.empty() && ct.back() == ' ') ct.pop_back();
  if (ct != "application/json" || req.body.empty()) return;
  std::string err;
  auto parsed = TryParseJson(req.body, &err);
  if (!parsed || !(parsed->IsObject() || parsed->IsArray())) {
    req.api_name = "unknown";
    throw ApiError{"MalformedPayload",
                   "Failed to parse JSON: " + (parsed ? std::string("Must be an object or array") : err), {}};
  }
  req.payload = std::move(*parsed);
}

}  // namespace

Reply Dispatch(Services& s, Request& req) {
  static const std::map<std::string, Reply (*)(Services&, Request&, const std::string&)> kServices = {
      {"queue", QueueRoutes}, {"hooks", HooksRoutes}, {"index", IndexRoutes}, {"auth", AuthRoutes}};
  try {
    // /api/<service>/v1/<rest>
    auto slash = req.path.find('/', 5);
    std::string service = req.path.rfind("/api/", 0) == 0 && slash != std::string::npos ? req.path.substr(5, slash - 5) : "";
    auto it = kServices.find(service);
    if (it == kServices.end() || req.path.compare(slash, 4, "/v1/") != 0) {
      req.api_name = "unknown";
      throw ApiError{"ResourceNotFound", "No such API: " + req.method + " " + req.path, {}};
    }
    ParseBody(req);
    std::string rest = req.path.substr(slash + 4);
    if (req.method == "GET" && rest == "ping") return Ping(s, req);
    return it->second(s, req, rest);
  } catch (const UnknownRoute&) {
    return NoSuchMethod(req);
  } catch (const ApiError& e) {
    return ErrorReply(req, e.code, e.message, e.headers);
  } catch (const TcError& e) {
    std::string m = e.what();  // schema failures name the schema below the root URL
    const std::string rejecting = "Rejecting Schema: /schemas/";
    if (auto pos = m.find(rejecting); pos != std::string::npos)
      m.replace(pos, rejecting.size(), "Rejecting Schema: " + s.root_url() + "/schemas/");
    return ErrorReply(req, e.code().empty() ? "InternalServerError" : e.code(), m);
  } catch (const std::exception& e) {
    return ErrorReply(req, "InternalServerError",
                      "Internal Server Error, incidentId " + NewSlugid() + ". Error (not shown in production):\n```\n" +
                          e.what() + "\n```");
  }
}

}  // namespace tc::emu

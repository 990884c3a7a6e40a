// lib-api request handling: see api.h.
#include "emulator/api.h"

#include <algorithm>

#include "core/timestamp.h"
#include "emulator/formats.h"

namespace tc::emu {

int StatusOf(const std::string& code) {
  static const std::map<std::string, int> k = {
      {"MalformedPayload", 400}, {"InvalidRequestArguments", 400}, {"InputValidationError", 400},
      {"InputError", 400}, {"AuthenticationFailed", 401}, {"InsufficientScopes", 403},
      {"ResourceNotFound", 404}, {"RequestConflict", 409}, {"ResourceExpired", 410},
      {"InputTooLarge", 413}, {"InternalServerError", 500}};
  auto it = k.find(code);
  return it == k.end() ? 500 : it->second;
}

Reply ErrorReply(const Request& req, const std::string& code, const std::string& message,
                 const std::map<std::string, std::string>& headers) {
  int status = StatusOf(code);
  std::string time = FormatIsoMs(NowMs());
  std::string msg = message + "\n\n---\n\n* method:     " + req.api_name + "\n* errorCode:  " + code +
                    "\n* statusCode: " + std::to_string(status) + "\n* time:       " + time;
  Json d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  d.AddMember("code", Str(code, a), a);
  d.AddMember("message", Str(msg, a), a);
  JsonValue ri(rapidjson::kObjectType);
  ri.AddMember("method", Str(req.api_name, a), a);
  ri.AddMember("params", CopyValue(req.params, a), a);
  ri.AddMember("payload", CopyValue(req.payload, a), a);
  ri.AddMember("time", Str(time, a), a);
  d.AddMember("requestInfo", ri, a);
  Reply r;
  r.status = status;
  r.body = ToPrettyJson(d);
  r.headers = headers;
  return r;
}

Reply JsonReply(const JsonValue& v, int status) {
  Reply r;
  r.status = status;
  r.body = ToPrettyJson(v);
  return r;
}

void SetParam(Request& req, const char* name, const std::string& value) {
  SetMember(req.params, name, Str(value, req.params.GetAllocator()), req.params.GetAllocator());
}

void CheckQuery(const Request& req, bool paged) {
  std::vector<std::string> errors;
  for (auto& [k, v] : req.query) {
    if (paged && k == "continuationToken") continue;
    if (paged && k == "limit") {
      if (!std::regex_match(v, memq::CachedRegex("[0-9]+")))
        errors.push_back("Query-string parameter: limit=\"" + v + "\" does not match expression: /^[0-9]+$/");
      continue;
    }
    if (k == "bewit") continue;
    errors.push_back("Query-string parameter: " + k + " is not supported!");
  }
  if (errors.empty()) return;
  std::string m;
  for (size_t i = 0; i < errors.size(); i++) m += (i ? "\n" : "") + errors[i];
  throw ApiError{"InvalidRequestArguments", m, {}};
}

Page PageOf(const Request& req) {
  Page p;
  for (auto& [k, v] : req.query) {
    if (k == "continuationToken") p.continuation_token = v;
    if (k == "limit") p.limit = static_cast<int>(std::min<long long>(std::stoll(v), 1000000));
  }
  return p;
}

void RequireJsonBody(const Request& req) {
  std::string ct = req.content_type.substr(0, req.content_type.find(';'));
  while (!ct.empty() && ct.back() == ' ') ct.pop_back();
  std::transform(ct.begin(), ct.end(), ct.begin(), ::tolower);
  if (ct != "application/json")
    throw ApiError{"MalformedPayload",
                   "Payload must be JSON with content-type: application/json got content-type: " +
                       (req.content_type.empty() ? std::string("null") : req.content_type),
                   {}};
}

}  // namespace tc::emu

// One API request as Taskcluster's lib-api handles it, and the replies it
// makes: the error body {code, message, requestInfo} with its message footer,
// query-string validation, paging query parameters and JSON-body checks
// (URL parameters: memq::CheckParam, formats.h; input schemas: ajv.h).
// Handlers report API errors by throwing TcError(status, code, message), or
// ApiError when the reply needs headers.
//
// Sources: libraries/api/src/api.js (middleware order: parse body ->
// authenticate when the scope template only needs URL params -> URL params
// -> query -> input schema -> handler), middleware/express-error.js (error
// body and footer), middleware/parse.js, libraries/validate/src/index.js.
//
// Invariants: a Request belongs to one HTTP request and one thread; the free
// functions are pure (CachedRegex keeps a per-thread cache).
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/json.h"
#include "taskcluster/queue.h"

namespace tc::emu {

// The outcome of authenticating a request (signaturevalidator.js).
struct AuthResult {
  std::string status;   // auth-success | no-auth | auth-failed
  std::string message;  // auth-failed: why
  std::string client_id;
  std::vector<std::string> scopes;  // expanded
};

struct Request {
  // as received
  std::string method, uri, path;  // uri: path with query
  std::vector<std::pair<std::string, std::string>> query;
  std::string body, content_type, authorization, host_header, fwd_port, fwd_proto;
  bool proxy = false;  // arrived on the taskcluster-proxy listener
  // per-request state, as lib-api fills it
  std::string api_name = "unknown";  // the API method name (requestInfo.method)
  Json params{rapidjson::kObjectType};
  Json payload{rapidjson::kObjectType};  // the parsed JSON body
  std::optional<AuthResult> auth;        // filled on first need
};

// An error lib-api reports with res.reportError(code, message).
struct ApiError {
  std::string code, message;
  std::map<std::string, std::string> headers;
};

// No route matched (express answers 404 {"error": "Not found"}).
struct UnknownRoute {};

struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json; charset=utf-8";
  std::map<std::string, std::string> headers;
  bool committed = false;  // a mutation took effect (for the journal)
};

// The HTTP status lib-api uses for an error code (500 for unknown codes).
int StatusOf(const std::string& code);
Reply ErrorReply(const Request& req, const std::string& code, const std::string& message,
                 const std::map<std::string, std::string>& headers = {});
Reply JsonReply(const JsonValue& v, int status = 200);

void SetParam(Request& req, const char* name, const std::string& value);
// Query-string check: only `bewit`, and with paged: continuationToken and limit.
void CheckQuery(const Request& req, bool paged);
Page PageOf(const Request& req);
// MalformedPayload unless the request's content type is application/json.
void RequireJsonBody(const Request& req);

}  // namespace tc::emu

// A raw HTTP client for tests that compare responses byte for byte (status,
// body, headers): one request on a fresh connection, Hawk-signed with given
// credentials (or anonymous). No retries, no redirects, no decoding: what
// the server sent is what the test sees.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "core/json.h"

namespace tctest {

struct Resp {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased

  tc::Json json() const { return tc::ParseJson(body, "response"); }
  // Taskcluster's error body {"code": ..., "message": ...}: the code, or "".
  std::string code() const;
  // The first non-empty line of "message" (lib-api puts a "\n---\n* method"
  // footer after it), or "".
  std::string first_line() const;
  std::string Describe() const { return std::to_string(status) + " " + body.substr(0, 1500); }
};

struct SignWith {
  std::string client_id, access_token;
  std::string certificate;              // temporary credentials' certificate, or ""
  std::vector<std::string> authorized;  // authorizedScopes, or none
};

struct RawRequest {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string method = "GET";
  std::string resource;  // path and query, sent as is
  std::string body;
  std::string content_type = "application/json";  // for bodies, and PUT/POST
  const SignWith* creds = nullptr;                // nullptr: anonymous
  bool sign_payload = true;                       // PUT/POST: Hawk payload hash
  int timeout_s = 30;
};

Resp Send(const RawRequest& r);

}  // namespace tctest

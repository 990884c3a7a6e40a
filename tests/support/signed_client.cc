#include "signed_client.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/String.h>

#include <chrono>
#include <sstream>

#include "taskcluster/hawk.h"

namespace tctest {

std::string Resp::code() const {
  auto j = tc::TryParseJson(body);
  if (!j || !j->IsObject()) return "";
  return tc::GetString(*j, "code").value_or("");
}

std::string Resp::first_line() const {
  auto j = tc::TryParseJson(body);
  if (!j || !j->IsObject()) return "";
  std::string m = tc::GetString(*j, "message").value_or("");
  std::istringstream in(m);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) return line;
  return "";
}

Resp Send(const RawRequest& r) {
  Poco::Net::HTTPClientSession s(r.host, static_cast<Poco::UInt16>(r.port));
  s.setTimeout(Poco::Timespan(r.timeout_s, 0));
  Poco::Net::HTTPRequest req(r.method, r.resource, Poco::Net::HTTPMessage::HTTP_1_1);
  req.setHost(r.host, static_cast<Poco::UInt16>(r.port));
  const bool has_body = r.method == "PUT" || r.method == "POST";
  if (!r.body.empty() || has_body) {
    req.setContentType(r.content_type);
    req.setContentLength(static_cast<std::streamsize>(r.body.size()));
  }
  if (r.creds) {
    tc::HawkRequest hr;
    hr.method = r.method;
    hr.resource = r.resource;
    hr.host = r.host;
    hr.port = r.port;
    hr.ts = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
    hr.nonce = tc::HawkNonce();
    hr.ext = tc::TaskclusterExt(r.creds->certificate, r.creds->authorized);
    if (r.sign_payload && has_body) hr.hash = tc::HawkPayloadHash(r.content_type, r.body);
    req.set("Authorization", tc::HawkAuthorizationHeader({r.creds->client_id, r.creds->access_token}, hr));
  }
  std::ostream& os = s.sendRequest(req);
  os << r.body;
  Poco::Net::HTTPResponse res;
  std::istream& is = s.receiveResponse(res);
  Resp out;
  out.status = res.getStatus();
  std::ostringstream body;
  Poco::StreamCopier::copyStream(is, body);
  out.body = body.str();
  for (auto& [k, v] : res) out.headers[Poco::toLower(k)] = v;
  return out;
}

}  // namespace tctest

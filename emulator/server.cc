// The HTTP front end: see server.h.
#include "emulator/server.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/StreamCopier.h>
#include <Poco/ThreadPool.h>
#include <Poco/URI.h>

#include <algorithm>
#include <sstream>
#include <thread>

#include "core/slugid.h"

namespace tc::emu {

namespace {

void Send(Poco::Net::HTTPServerResponse& res, const Reply& r) {
  res.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(r.status));
  res.setContentType(r.content_type);
  res.set("Cache-Control", "no-store no-cache must-revalidate");
  for (auto& [k, v] : r.headers) res.set(k, v);
  res.setContentLength(static_cast<std::streamsize>(r.body.size()));
  res.sendBuffer(r.body.data(), r.body.size());
}

// Closes the connection with a RST, without a response.
void Reset(Poco::Net::HTTPServerRequest& req) {
  try {
    auto& impl = static_cast<Poco::Net::HTTPServerRequestImpl&>(req);
    Poco::Net::StreamSocket s = impl.detachSocket();
    s.setLinger(true, 0);
    s.close();
  } catch (...) {
  }
}

Request Read(Poco::Net::HTTPServerRequest& req, bool proxy) {
  Request r;
  r.proxy = proxy;
  r.method = req.getMethod();
  r.uri = req.getURI();
  try {
    Poco::URI u(r.uri);
    r.path = u.getPath();
    r.query = u.getQueryParameters();
  } catch (...) {
    r.path = r.uri;
  }
  r.content_type = req.get("Content-Type", "");
  r.authorization = proxy ? "" : req.get("Authorization", "");
  r.host_header = req.get("Host", "");
  r.fwd_port = req.get("X-Forwarded-Port", "");
  r.fwd_proto = req.get("X-Forwarded-Proto", "");
  return r;
}

void ReadBody(Poco::Net::HTTPServerRequest& req, Request& r) {
  std::ostringstream body;
  Poco::StreamCopier::copyStream(req.stream(), body);
  r.body = body.str();
}

void Record(Journal& journal, const Request& req, int status, bool committed, const std::optional<std::string>& fault) {
  JournalEntry e;
  if (req.path.rfind("/api/", 0) == 0) {
    auto slash = req.path.find('/', 5);
    if (slash != std::string::npos) e.service = req.path.substr(5, slash - 5);
  }
  e.method = req.method;
  e.path = req.uri;
  e.status = status;
  if (req.auth && req.auth->status == "auth-success") e.client_id = req.auth->client_id;
  e.mutating = req.method != "GET" && req.method != "HEAD";
  e.committed = e.mutating && committed;
  e.fault = fault;
  if (e.mutating) e.body = req.body;
  journal.Record(e);
}

// A status fault: 503 as a load balancer answers (text), others as lib-api
// error bodies with the fault's code and message.
Reply InjectedError(const Request& req, const EmulatorFault& f) {
  const int status = FaultStatus(f.kind);
  if (status == 503 && f.code.empty() && f.message.empty()) {
    Reply r;
    r.status = 503;
    r.content_type = "text/plain";
    r.body = "503 Service Unavailable (injected fault)";
    return r;
  }
  std::string code = f.code;
  if (code.empty()) {
    code = status == 500 ? "InternalServerError" : status == 404 ? "ResourceNotFound" : status == 403 ? "InsufficientScopes"
         : status == 409 ? "RequestConflict" : status == 401 ? "AuthenticationFailed" : status >= 500 ? "InternalServerError"
         : "InputError";
  }
  std::string message = f.message;
  if (message.empty())
    message = status == 500 ? "Internal Server Error, incidentId " + NewSlugid() + " (injected fault)."
                            : "injected fault " + f.kind;
  Reply r = ErrorReply(req, code, message);
  r.status = status;  // ErrorReply's status is the code's; the fault's wins
  return r;
}

// One request, start to end (see server.h). /__s3/ downloads are not journaled.
void Handle(Frontend& f, Poco::Net::HTTPServerRequest& hreq, Poco::Net::HTTPServerResponse& res, bool proxy) {
  Request req = Read(hreq, proxy);
  if (req.path.rfind("/__emulator/", 0) == 0) {
    ReadBody(hreq, req);
    return Send(res, Control(f.control, req));
  }
  bool body_read = false;
  std::string canonical;
  auto body = [&]() -> const std::string& {  // read only when a bodyMatch fault needs it
    if (!body_read) {
      ReadBody(hreq, req);
      body_read = true;
      canonical = CanonicalBody(req.body);
    }
    return canonical;
  };
  std::optional<EmulatorFault> fault = f.faults.Match(req.method, req.path, body);
  std::optional<std::string> kind;
  if (fault) kind = fault->kind;
  bool journaled = req.path.rfind("/__s3/", 0) != 0;
  if (kind == "reset") {
    if (journaled) Record(f.journal, req, 0, false, kind);
    return Reset(hreq);
  }
  if (kind == "latency") std::this_thread::sleep_for(std::chrono::milliseconds(fault->latency_ms));
  if (!body_read) ReadBody(hreq, req);
  if (kind && FaultStatus(*kind) != 0) {
    Reply r = InjectedError(req, *fault);
    if (journaled) Record(f.journal, req, r.status, false, kind);
    return Send(res, r);
  }
  Reply r;
  if (!journaled) {
    r = ServeS3(f.services.queue, req);
  } else {
    r = Dispatch(f.services, req);
    // the journal names the caller even when the route failed before authenticating
    if (!req.auth && (proxy || !req.authorization.empty())) req.auth = f.services.auth.Authenticate(req);
  }
  bool committed = r.status < 300 && r.committed;
  if (kind == "reset-after-commit") {
    if (journaled) Record(f.journal, req, 0, committed, kind);
    return Reset(hreq);
  }
  if (journaled) Record(f.journal, req, r.status, committed, kind);
  Send(res, r);
}

class Handler : public Poco::Net::HTTPRequestHandler {
 public:
  Handler(Frontend& f, bool proxy) : f_(f), proxy_(proxy) {}
  void handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& res) override {
    Handle(f_, req, res, proxy_);
  }

 private:
  Frontend& f_;
  bool proxy_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Factory(Frontend& f, bool proxy) : f_(f), proxy_(proxy) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new Handler(f_, proxy_);
  }

 private:
  Frontend& f_;
  bool proxy_;
};

}  // namespace

Listener::Listener(Frontend& frontend, bool proxy, int port, int threads) {
  Poco::Net::ServerSocket sock;
  sock.bind(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)), true);
  sock.listen(128);
  port_ = sock.address().port();
  auto* params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(threads);
  params->setMaxQueued(256);
  params->setKeepAlive(true);
  params->setTimeout(Poco::Timespan(30, 0));
  pool_ = std::make_unique<Poco::ThreadPool>(2, std::max(2, threads));
  server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(frontend, proxy), *pool_, sock, params);
}

void Listener::Start() {
  if (server_ && !started_) server_->start();
  started_ = true;
}

Listener::~Listener() { Stop(); }

void Listener::Stop() {
  if (!server_) return;
  server_->stopAll(true);
  server_.reset();
  if (pool_) pool_->joinAll();
}

}  // namespace tc::emu

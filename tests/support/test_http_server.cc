#include "test_http_server.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>

namespace tctest {

struct TestServer::Handle : Poco::Net::HTTPRequestHandler {
  explicit Handle(TestServer* s) : s(s) {}
  void handleRequest(HTTPServerRequest& req, HTTPServerResponse& resp) override {
    Seen seen;
    seen.method = req.getMethod();
    seen.uri = req.getURI();
    seen.host = req.getHost();
    seen.authorization = req.get("Authorization", "");
    seen.content_type = req.get("Content-Type", "");
    Poco::StreamCopier::copyToString(req.stream(), seen.body);
    int index;
    {
      std::lock_guard<std::mutex> l(s->mu_);
      index = static_cast<int>(s->seen_.size());
      s->seen_.push_back(seen);
    }
    s->handler_(req, resp, seen, index);
  }
  TestServer* s;
};

struct TestServer::Factory : Poco::Net::HTTPRequestHandlerFactory {
  explicit Factory(TestServer* s) : s(s) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override { return new Handle(s); }
  TestServer* s;
};

TestServer::TestServer(Handler h)
    : TestServer(std::move(h), Poco::Net::ServerSocket(Poco::Net::SocketAddress("127.0.0.1", 0))) {}

TestServer::TestServer(Handler h, Poco::Net::ServerSocket socket) : handler_(std::move(h)), socket_(std::move(socket)) {
  auto* params = new Poco::Net::HTTPServerParams;
  params->setKeepAlive(true);
  params->setMaxThreads(16);
  params->setMaxQueued(64);
  server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(this), socket_, params);
  server_->start();
}

TestServer::~TestServer() { server_->stopAll(true); }

std::vector<Seen> TestServer::seen() {
  std::lock_guard<std::mutex> l(mu_);
  return seen_;
}

size_t TestServer::count() {
  std::lock_guard<std::mutex> l(mu_);
  return seen_.size();
}

void Reply(HTTPServerResponse& resp, int status, const std::string& body, const std::string& content_type) {
  resp.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  resp.setContentType(content_type);
  resp.setContentLength(static_cast<std::streamsize>(body.size()));
  resp.send() << body;
}

void Redirect(HTTPServerResponse& resp, int status, const std::string& location) {
  resp.set("Location", location);
  Reply(resp, status, "{\"url\":\"" + location + "\"}");
}

void Hangup(HTTPServerRequest& req) {
  auto& impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl&>(req);
  Poco::Net::StreamSocket s = impl.detachSocket();
  s.setLinger(true, 0);
  s.close();
}

}  // namespace tctest

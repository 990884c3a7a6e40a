// A scripted HTTP server on 127.0.0.1 for the client tests (http_test,
// queue_http_test): records every request, answers through a handler.
#pragma once
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace tctest {

using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

struct Seen {
  std::string method, uri, host, authorization, content_type, body;
};

// A scripted HTTP server on 127.0.0.1:<ephemeral>. The handler gets the
// request (body already read) and the 0-based index of the request.
class TestServer {
 public:
  using Handler = std::function<void(HTTPServerRequest&, HTTPServerResponse&, const Seen&, int)>;

  explicit TestServer(Handler h) : TestServer(std::move(h), Poco::Net::ServerSocket(Poco::Net::SocketAddress("127.0.0.1", 0))) {}
  TestServer(Handler h, Poco::Net::ServerSocket socket) : handler_(std::move(h)), socket_(std::move(socket)) {
    auto* params = new Poco::Net::HTTPServerParams;
    params->setKeepAlive(true);
    params->setMaxThreads(16);
    params->setMaxQueued(64);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(this), socket_, params);
    server_->start();
  }
  ~TestServer() { server_->stopAll(true); }

  int port() const { return socket_.address().port(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port()); }
  std::vector<Seen> seen() {
    std::lock_guard<std::mutex> l(mu_);
    return seen_;
  }
  size_t count() {
    std::lock_guard<std::mutex> l(mu_);
    return seen_.size();
  }

 private:
  struct H : Poco::Net::HTTPRequestHandler {
    explicit H(TestServer* s) : s(s) {}
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
  struct Factory : Poco::Net::HTTPRequestHandlerFactory {
    explicit Factory(TestServer* s) : s(s) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override { return new H(s); }
    TestServer* s;
  };

  Handler handler_;
  Poco::Net::ServerSocket socket_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  std::mutex mu_;
  std::vector<Seen> seen_;
};

inline void Reply(HTTPServerResponse& resp, int status, const std::string& body,
           const std::string& content_type = "application/json") {
  resp.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  resp.setContentType(content_type);
  resp.setContentLength(static_cast<std::streamsize>(body.size()));
  resp.send() << body;
}

inline void Redirect(HTTPServerResponse& resp, int status, const std::string& location) {
  resp.set("Location", location);
  Reply(resp, status, "{\"url\":\"" + location + "\"}");
}

}  // namespace tctest

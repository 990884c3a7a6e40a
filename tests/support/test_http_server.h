// A scripted HTTP server on 127.0.0.1 for the client tests (http_test,
// queue_http_test): records every request, answers through a handler.
#pragma once
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace Poco::Net {
class HTTPServer;
}

namespace tctest {

using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

// A request as the server saw it.
struct Seen {
  std::string method, uri, host, authorization, content_type, body;
};

// A scripted HTTP server on 127.0.0.1:<ephemeral> (or on a given socket, e.g.
// a TLS one). The handler gets the request (body already read) and the
// 0-based index of the request.
class TestServer {
 public:
  using Handler = std::function<void(HTTPServerRequest&, HTTPServerResponse&, const Seen&, int)>;

  explicit TestServer(Handler h);
  TestServer(Handler h, Poco::Net::ServerSocket socket);
  ~TestServer();

  int port() const { return socket_.address().port(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port()); }
  std::vector<Seen> seen();
  size_t count();

 private:
  struct Handle;
  struct Factory;

  Handler handler_;
  Poco::Net::ServerSocket socket_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  std::mutex mu_;
  std::vector<Seen> seen_;
};

// Answers with `body` (Content-Type, Content-Length set).
void Reply(HTTPServerResponse& resp, int status, const std::string& body,
           const std::string& content_type = "application/json");
// A redirect to `location` (with a JSON body naming it, as the queue sends).
void Redirect(HTTPServerResponse& resp, int status, const std::string& location);
// Closes the connection without answering (the client sees a reset/EOF).
void Hangup(HTTPServerRequest& req);

}  // namespace tctest

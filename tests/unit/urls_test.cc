#include <catch2/catch.hpp>

#include <random>

#include "taskcluster/urls.h"

using namespace tc;

TEST_CASE("api urls", "[urls]") {
  CHECK(ApiUrl("https://tc.example.com", "queue", "v1", "task/abc") ==
        "https://tc.example.com/api/queue/v1/task/abc");
  CHECK(ApiUrl("https://tc.example.com/", "queue", "v1", "/task/abc") ==
        "https://tc.example.com/api/queue/v1/task/abc");
  CHECK(ApiUrl("https://tc.example.com///", "hooks", "v1", "//hooks/g/i/trigger") ==
        "https://tc.example.com/api/hooks/v1/hooks/g/i/trigger");
  CHECK(ApiUrl("http://127.0.0.1:8080", "queue", "v1", "ping") == "http://127.0.0.1:8080/api/queue/v1/ping");
  // legacy
  CHECK(ApiUrl("https://taskcluster.net", "queue", "v1", "task/abc") == "https://queue.taskcluster.net/v1/task/abc");
  CHECK(ApiUrl("https://taskcluster.net/", "hooks", "v1", "/hooks/a") == "https://hooks.taskcluster.net/v1/hooks/a");
  // proxy: same shape as a root URL
  CHECK(ApiUrl("http://taskcluster", "queue", "v1", "task/x") == "http://taskcluster/api/queue/v1/task/x");
}

TEST_CASE("encodeURIComponent and query strings", "[urls]") {
  CHECK(EncodeURIComponent("public/build/target.tar.gz") == "public%2Fbuild%2Ftarget.tar.gz");
  CHECK(EncodeURIComponent("a b+c&d=e?f#g%") == "a%20b%2Bc%26d%3De%3Ff%23g%25");
  CHECK(EncodeURIComponent("AZaz09-_.!~*'()") == "AZaz09-_.!~*'()");
  CHECK(EncodeURIComponent("\xc3\xa9") == "%C3%A9");
  CHECK(QueryString({}) == "");
  CHECK(QueryString({{"continuationToken", "a/b=="}, {"limit", "10"}}) ==
        "continuationToken=a%2Fb%3D%3D&limit=10");
}

TEST_CASE("parse urls", "[urls]") {
  auto u = ParseUrl("https://Tc.Example.com/api/queue/v1/task/a%2Fb?x=1#frag");
  REQUIRE(u);
  CHECK(u->scheme == "https");
  CHECK(u->host == "tc.example.com");
  CHECK(u->port == 443);
  CHECK(u->target == "/api/queue/v1/task/a%2Fb?x=1");
  CHECK(u->Origin() == "https://tc.example.com:443");
  CHECK(u->ToString() == "https://tc.example.com/api/queue/v1/task/a%2Fb?x=1");
  u = ParseUrl("http://127.0.0.1:8080");
  REQUIRE(u);
  CHECK(u->port == 8080);
  CHECK(u->target == "/");
  CHECK(u->ToString() == "http://127.0.0.1:8080/");
  u = ParseUrl("http://[::1]:99/x?y");
  REQUIRE(u);
  CHECK(u->host == "::1");
  CHECK(u->port == 99);
  CHECK(u->target == "/x?y");
  CHECK(u->ToString() == "http://[::1]:99/x?y");
  u = ParseUrl("http://h?q=1");
  REQUIRE(u);
  CHECK(u->target == "/?q=1");
  for (const char* bad : {"", "ftp://x/", "http://", "http:///x", "http://u:p@h/", "http://h:0/", "http://h:99999/",
                          "http://h:x/", "http://h:/", "tc.example.com/x", "http://a b/"}) {
    INFO(bad);
    CHECK_FALSE(ParseUrl(bad));
  }
}

TEST_CASE("resolve redirects", "[urls]") {
  auto base = *ParseUrl("http://a.example:8000/api/queue/v1/task/x/artifacts/y?z=1");
  CHECK(ResolveUrl(base, "https://s3.example/bucket/k?X-Amz-Signature=abc")->ToString() ==
        "https://s3.example/bucket/k?X-Amz-Signature=abc");
  CHECK(ResolveUrl(base, "//other:81/p")->ToString() == "http://other:81/p");
  CHECK(ResolveUrl(base, "/blob/1")->ToString() == "http://a.example:8000/blob/1");
  CHECK(ResolveUrl(base, "other?q")->ToString() == "http://a.example:8000/api/queue/v1/task/x/artifacts/other?q");
  CHECK(ResolveUrl(base, "?q=2")->ToString() == "http://a.example:8000/api/queue/v1/task/x/artifacts/y?q=2");
  CHECK_FALSE(ResolveUrl(base, "ftp://x/y"));
  CHECK_FALSE(ResolveUrl(base, "   "));
  CHECK(UrlForLog("https://s3/x?sig=secret") == "https://s3/x?...");
  CHECK(UrlForLog("https://s3/x") == "https://s3/x");
}

TEST_CASE("parse and resolve survive random input", "[urls]") {
  std::mt19937 rng(7);
  const std::string alphabet = "htps:/?#[]@%.:0123456789abcXYZ \t\x01\xff";
  auto base = *ParseUrl("https://q.example/api/queue/v1/task/x");
  for (int i = 0; i < 20000; ++i) {
    std::string s = i % 3 == 0 ? "http://" : i % 3 == 1 ? "https://h:1" : "";
    size_t len = rng() % 40;
    for (size_t k = 0; k < len; ++k) s += alphabet[rng() % alphabet.size()];
    if (auto u = ParseUrl(s)) {
      CHECK((u->scheme == "http" || u->scheme == "https"));
      CHECK((u->port > 0 && u->port <= 65535));
      CHECK(!u->target.empty());
      CHECK(u->target[0] == '/');
      INFO(s);
      auto again = ParseUrl(u->ToString());
      REQUIRE(again);
      CHECK(again->Origin() == u->Origin());
      CHECK(again->target == u->target);
    }
    if (auto r = ResolveUrl(base, s)) {
      CHECK(!r->host.empty());
      CHECK(r->target[0] == '/');
    }
  }
}

#include <catch2/catch.hpp>

#include <random>

#include "core/base64.h"
#include "core/error.h"
#include "taskcluster/hawk.h"

using namespace tc;

namespace {
HawkCredentials Creds() { return {"dh37fgj492je", "werxhqb98rpaxn39848xrunpaw3489ruxnpa98w4rxn"}; }
HawkRequest Vector(const std::string& method) {
  HawkRequest r;
  r.method = method;
  r.resource = "/resource/1?b=1&a=2";
  r.host = "example.com";
  r.port = 8000;
  r.ts = 1353832234;
  r.nonce = "j4h3g2";
  r.ext = "some-app-ext-data";
  return r;
}
}  // namespace

TEST_CASE("base64 and digests", "[hawk]") {
  CHECK(Base64Encode("") == "");
  CHECK(Base64Encode("f") == "Zg==");
  CHECK(Base64Encode("fo") == "Zm8=");
  CHECK(Base64Encode("foo") == "Zm9v");
  CHECK(Base64Encode("foob") == "Zm9vYg==");
  CHECK(Base64Decode("Zm9vYg==") == "foob");
  CHECK(Base64Decode("Zm9vYg") == "foob");
  CHECK(Base64Decode("Zm9vYmFy") == "foobar");
  CHECK_THROWS_AS(Base64Decode("Zm9v!g=="), std::runtime_error);
  CHECK_THROWS_AS(Base64Decode("Z"), std::runtime_error);
  CHECK_THROWS_AS(Base64Decode("Zm=9"), std::runtime_error);
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  CHECK(Base64Decode(Base64Encode(all)) == all);
  CHECK(Base64Encode(Sha256("abc")) == "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
  // RFC 4231 test case 2
  {
    std::string mac = HmacSha256("Jefe", "what do ya want for nothing?"), hex;
    for (unsigned char c : mac) hex += "0123456789abcdef"[c >> 4], hex += "0123456789abcdef"[c & 15];
    CHECK(hex == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  }
  CHECK(ConstantTimeEquals("abc", "abc"));
  CHECK_FALSE(ConstantTimeEquals("abc", "abd"));
  CHECK_FALSE(ConstantTimeEquals("abc", "ab"));
}

TEST_CASE("Hawk README vectors", "[hawk]") {
  auto r = Vector("GET");
  CHECK(HawkNormalizedString(r) ==
        "hawk.1.header\n1353832234\nj4h3g2\nGET\n/resource/1?b=1&a=2\nexample.com\n8000\n\nsome-app-ext-data\n");
  CHECK(HawkMac(Creds().key, r) == "6R4rV5iE+NPoym+WwjeHzjAGXUtLNIxmo1vpMofpLAE=");
  CHECK(HawkAuthorizationHeader(Creds(), r) ==
        "Hawk id=\"dh37fgj492je\", ts=\"1353832234\", nonce=\"j4h3g2\", ext=\"some-app-ext-data\", "
        "mac=\"6R4rV5iE+NPoym+WwjeHzjAGXUtLNIxmo1vpMofpLAE=\"");

  auto p = Vector("POST");
  p.hash = HawkPayloadHash("text/plain", "Thank you for flying Hawk");
  CHECK(*p.hash == "Yi9LfIIFRtBEPt74PVmbTF/xVAwPn7ub15ePICfgnuY=");
  CHECK(HawkPayloadHash("Text/Plain; charset=utf-8", "Thank you for flying Hawk") == *p.hash);
  CHECK(HawkMac(Creds().key, p) == "aSe1DERmZuRl3pI36/9BdZmnErTw3sNzOOAUlfeKjVw=");
  CHECK(HawkAuthorizationHeader(Creds(), p) ==
        "Hawk id=\"dh37fgj492je\", ts=\"1353832234\", nonce=\"j4h3g2\", "
        "hash=\"Yi9LfIIFRtBEPt74PVmbTF/xVAwPn7ub15ePICfgnuY=\", ext=\"some-app-ext-data\", "
        "mac=\"aSe1DERmZuRl3pI36/9BdZmnErTw3sNzOOAUlfeKjVw=\"");
}

TEST_CASE("normalization details", "[hawk]") {
  HawkRequest r = Vector("get");
  r.host = "EXAMPLE.com";
  r.ext = "a\\b\nc";
  CHECK(HawkNormalizedString(r) ==
        "hawk.1.header\n1353832234\nj4h3g2\nGET\n/resource/1?b=1&a=2\nexample.com\n8000\n\na\\\\b\\nc\n");
  r.ext.clear();
  CHECK(HawkNormalizedString(r).substr(HawkNormalizedString(r).size() - 3) == "\n\n\n");
  CHECK(HawkAuthorizationHeader(Creds(), r).find("ext=") == std::string::npos);
}

TEST_CASE("parse round trip", "[hawk]") {
  auto p = Vector("POST");
  p.hash = HawkPayloadHash("text/plain", "Thank you for flying Hawk");
  std::string err;
  auto h = ParseHawkHeader(HawkAuthorizationHeader(Creds(), p), &err);
  REQUIRE(h);
  CHECK(h->id == "dh37fgj492je");
  CHECK(h->ts == "1353832234");
  CHECK(h->nonce == "j4h3g2");
  CHECK(h->hash == *p.hash);
  CHECK(h->ext == "some-app-ext-data");
  CHECK(h->mac == "aSe1DERmZuRl3pI36/9BdZmnErTw3sNzOOAUlfeKjVw=");
  CHECK(h->app.empty());
  // Server-side verification from the parsed header.
  HawkRequest v;
  v.method = "POST";
  v.resource = "/resource/1?b=1&a=2";
  v.host = "example.com";
  v.port = 8000;
  v.ts = std::stoll(h->ts);
  v.nonce = h->nonce;
  v.hash = h->hash;
  v.ext = h->ext;
  CHECK(ConstantTimeEquals(HawkMac(Creds().key, v), h->mac));
  CHECK_FALSE(ConstantTimeEquals(HawkMac("wrong", v), h->mac));
}

TEST_CASE("parse accepts hawk's syntax variants", "[hawk]") {
  std::string err;
  auto h = ParseHawkHeader("hawk   id=\"a\",ts=\"1\" ,  nonce=\"n\", mac=\"m=\",", &err);
  REQUIRE(h);
  CHECK(h->id == "a");
  CHECK(h->mac == "m=");
  h = ParseHawkHeader("HAWK id=\"a b\", ts=\"1\", nonce=\"n\", mac=\"m\", app=\"x\", dlg=\"y\"  ", &err);
  REQUIRE(h);
  CHECK(h->id == "a b");
  CHECK(h->app == "x");
  CHECK(h->dlg == "y");
}

TEST_CASE("parse rejects malformed headers", "[hawk]") {
  const char* bad[] = {
      "",
      "Hawk",
      "Hawk ",
      "Basic dXNlcjpwYXNz",
      "Hawkid=\"a\", ts=\"1\", nonce=\"n\", mac=\"m\"",
      "Hawke id=\"a\", ts=\"1\", nonce=\"n\", mac=\"m\"",
      "Hawk id=\"a\" ts=\"1\", nonce=\"n\", mac=\"m\"",            // missing comma
      "Hawk id=\"a\", ts=\"1\", nonce=\"n\", mac=\"m\", id=\"b\"",  // duplicate
      "Hawk id=\"a\", ts=\"1\", nonce=\"n\", mac=\"m\", foo=\"b\"", // unknown
      "Hawk id=\"\", ts=\"1\", nonce=\"n\", mac=\"m\"",             // empty value
      "Hawk id=\"a\\\"b\", ts=\"1\", nonce=\"n\", mac=\"m\"",       // backslash
      "Hawk id=\"a\", ts=\"1\", nonce=\"n\", mac=\"m",              // unterminated
      "Hawk id=\"a\", ts=\"1\", nonce=\"n\"",                       // no mac
      "Hawk id=\"a\", ts=\"x1\", nonce=\"n\", mac=\"m\"",           // ts not digits
      "Hawk id=\"\xc3\xa9\", ts=\"1\", nonce=\"n\", mac=\"m\"",     // non-ASCII
      "Hawk id=\"a\tb\", ts=\"1\", nonce=\"n\", mac=\"m\"",         // tab in value
      "Hawk id=\"a\",\r\n ts=\"1\", nonce=\"n\", mac=\"m\"",        // CRLF
      "Hawk id='a', ts=\"1\", nonce=\"n\", mac=\"m\"",
      "Hawk id = \"a\", ts=\"1\", nonce=\"n\", mac=\"m\"",
      "Hawk ,id=\"a\", ts=\"1\", nonce=\"n\", mac=\"m\"",
      "Hawk id=\"a\",, ts=\"1\", nonce=\"n\", mac=\"m\"",
  };
  for (const char* b : bad) {
    std::string err;
    INFO(b);
    CHECK_FALSE(ParseHawkHeader(b, &err));
    CHECK_FALSE(err.empty());
  }
  CHECK_FALSE(ParseHawkHeader(std::string("Hawk id=\"a\0\", ts=\"1\", nonce=\"n\", mac=\"m\"", 40), nullptr));
  std::string huge = "Hawk id=\"" + std::string(kHawkMaxHeaderLength, 'a') + "\", ts=\"1\", nonce=\"n\", mac=\"m\"";
  CHECK_FALSE(ParseHawkHeader(huge, nullptr));
}

TEST_CASE("parse survives random input", "[hawk]") {
  std::mt19937 rng(12345);
  const std::string alphabet = "Hawk idtsnoncemacexthash=\", \\\t\r\n\x01\xff";
  std::string valid = "Hawk id=\"a\", ts=\"1\", nonce=\"n\", hash=\"h\", ext=\"e\", mac=\"m\"";
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    if (i % 2 == 0) {
      size_t len = rng() % 80;
      for (size_t k = 0; k < len; ++k) s += alphabet[rng() % alphabet.size()];
    } else {
      s = valid;
      int edits = 1 + rng() % 4;
      for (int e = 0; e < edits; ++e) {
        size_t pos = rng() % (s.size() + 1);
        switch (rng() % 3) {
          case 0: if (pos < s.size()) s.erase(pos, 1); break;
          case 1: s.insert(pos, 1, alphabet[rng() % alphabet.size()]); break;
          default: if (pos < s.size()) s[pos] = static_cast<char>(rng()); break;
        }
      }
    }
    std::string err;
    auto h = ParseHawkHeader(s, &err);
    if (h) {
      CHECK_FALSE(h->id.empty());
      CHECK_FALSE(h->mac.empty());
    } else {
      CHECK_FALSE(err.empty());
    }
  }
}

TEST_CASE("Taskcluster ext", "[hawk]") {
  CHECK(TaskclusterExt("", {}) == "");
  std::string cert = R"({"version":1,"scopes":["a"],"start":1,"expiry":2,"seed":"s","signature":"sig"})";
  std::string ext = TaskclusterExt(cert, {});
  CHECK(Base64Decode(ext) == "{\"certificate\":" + cert + "}");
  ext = TaskclusterExt(cert, {"queue:rerun-task:*", "x"});
  CHECK(Base64Decode(ext) == "{\"certificate\":" + cert + ",\"authorizedScopes\":[\"queue:rerun-task:*\",\"x\"]}");
  CHECK(Base64Decode(TaskclusterExt("", {"s"})) == "{\"authorizedScopes\":[\"s\"]}");
  // A whitespace-formatted certificate is re-serialised compactly.
  CHECK(Base64Decode(TaskclusterExt("{ \"version\" : 1 }", {})) == "{\"certificate\":{\"version\":1}}");
  try {
    TaskclusterExt("{\"secret-signature\": nope", {});
    FAIL("expected BadInput");
  } catch (const BadInput& e) {
    CHECK(std::string(e.what()).find("secret-signature") == std::string::npos);
  }
  CHECK_THROWS_AS(TaskclusterExt("[1,2]", {}), BadInput);
  // ext round-trips through a header and parse (base64 is in hawk's value charset).
  HawkRequest r = Vector("GET");
  r.ext = ext;
  auto h = ParseHawkHeader(HawkAuthorizationHeader(Creds(), r), nullptr);
  REQUIRE(h);
  CHECK(h->ext == ext);
}

TEST_CASE("nonce", "[hawk]") {
  auto a = HawkNonce(), b = HawkNonce();
  CHECK(a.size() == 8);
  CHECK(a != b);
}

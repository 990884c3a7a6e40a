// Unit tests of the pure core: JSON helpers, slugids, timestamps, schemas.
#include <catch2/catch.hpp>

#include <limits>
#include <set>

#include "core/base64.h"
#include "core/error.h"
#include "core/json.h"
#include "core/redact.h"
#include "core/schema.h"
#include "core/slugid.h"
#include "core/timestamp.h"

using namespace tc;

TEST_CASE("ParseJson reports offset and reason; rejects trailing garbage and deep nesting", "[core]") {
  REQUIRE_THROWS_WITH(ParseJson("{\"a\": }", "ACTION_INPUT"), Catch::StartsWith("ACTION_INPUT: invalid JSON at offset 6"));
  REQUIRE_THROWS_AS(ParseJson("{} x", "x"), BadInput);
  std::string deep(100000, '[');
  REQUIRE_THROWS_WITH(ParseJson(deep, "ctx"), Catch::Contains("nested deeper than"));
  REQUIRE_THROWS_AS(ParseJson("\"\xff\"", "utf8"), BadInput);
  auto d = ParseJson(" {\"a\": [1, 2]} ", "ok");
  REQUIRE(ToJson(d) == "{\"a\":[1,2]}");
}

TEST_CASE("typed accessors name the field", "[core]") {
  auto d = ParseJson(R"({"s": "x", "n": 3, "b": true})", "t");
  REQUIRE(GetString(d, "s") == std::string("x"));
  REQUIRE(!GetString(d, "n"));
  REQUIRE(GetInt(d, "n") == 3);
  REQUIRE(GetBool(d, "b") == true);
  REQUIRE_THROWS_WITH(RequireString(d, "n", "context.taskId"), "context.taskId: expected a string, got integer");
  REQUIRE_THROWS_WITH(RequireString(d, "zz", "context.taskId"), "context.taskId: missing; expected a string");
}

TEST_CASE("slugids are valid v4 nice slugids; derived ones are stable and distinct", "[core]") {
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    auto s = NewSlugid();
    REQUIRE(IsSlugid(s));
    REQUIRE(s[0] != '-');
    seen.insert(s);
  }
  REQUIRE(seen.size() == 2000);
  REQUIRE(DerivedSlugid("abc", 1) == DerivedSlugid("abc", 1));
  REQUIRE(DerivedSlugid("abc", 1) != DerivedSlugid("abc", 2));
  REQUIRE(DerivedSlugid("abc", 1) != DerivedSlugid("abd", 1));
  for (int i = 0; i < 500; ++i) REQUIRE(IsSlugid(DerivedSlugid("fOBpS2j_SHuL5Q5Fp3uRgQ", i)));
  // real taskIds
  REQUIRE(IsSlugid("ZyNAZZR0SmOcgqC_k_wqsQ"));
  REQUIRE(IsSlugid("A35mWTRuQmyj88yMnIF0fA"));
  REQUIRE_FALSE(IsSlugid("ZyNAZZR0SmOcgqC_k_wqs"));    // short
  REQUIRE_FALSE(IsSlugid("ZyNAZZR0AmOcgqC_k_wqsQ"));   // not v4
  REQUIRE_FALSE(IsSlugid("ZyNAZZR0SmOcgqC_k_wqs!"));
  REQUIRE_FALSE(IsSlugid(""));
}

TEST_CASE("timestamps parse, format and round-trip", "[core]") {
  auto t = ParseTimestamp("2019-01-01T00:00:00.000Z");
  REQUIRE(t);
  REQUIRE(t->ms == 1546300800000LL);
  REQUIRE(FormatTimestamp(*t) == "2019-01-01T00:00:00.000Z");
  for (const char* s : {"2024-02-29T23:59:59.999Z", "2017-01-19T16:27:20Z", "2018-12-13T05:44:12.5+02:00",
                        "1999-12-31T23:00:00.123-05:30"}) {
    auto p = ParseTimestamp(s);
    REQUIRE(p);
    REQUIRE(FormatTimestamp(*p) == s);
  }
  REQUIRE(ParseTimestamp("2018-12-13T05:44:12.5+02:00")->ms == ParseTimestamp("2018-12-13T03:44:12.500Z")->ms);
  for (const char* s : {"2023-02-29T00:00:00Z", "2019-13-01T00:00:00Z", "2019-01-01 00:00:00Z", "2019-01-01T00:00:00",
                        "not a date", "2019-01-01T00:00:00.Z", "2019-01-01T00:00:00Zjunk"})
    REQUIRE_FALSE(IsTimestamp(s));
  REQUIRE(FormatIsoMs(0) == "1970-01-01T00:00:00.000Z");
  REQUIRE(FormatIsoMs(-1) == "1969-12-31T23:59:59.999Z");
}

TEST_CASE("ShiftTimestamps shifts every timestamp string, keeping offsets; keys untouched", "[core]") {
  auto d = ParseJson(R"({"deadline": "2019-01-01T00:00:00.000Z",
     "payload": {"artifacts": [{"expires": "2019-01-02T00:00:00+01:00", "name": "2019-01-01T00:00:00Z"}],
                 "env": {"X": "2019-01-01T00:00:00Z-suffix"}},
     "2019-01-01T00:00:00Z": 1})", "t");
  size_t n = ShiftTimestamps(d, 3600 * 1000, d.GetAllocator());
  REQUIRE(n == 3);
  REQUIRE(std::string(d["deadline"].GetString()) == "2019-01-01T01:00:00.000Z");
  REQUIRE(std::string(d["payload"]["artifacts"][0]["expires"].GetString()) == "2019-01-02T01:00:00+01:00");
  REQUIRE(std::string(d["payload"]["env"]["X"].GetString()) == "2019-01-01T00:00:00Z-suffix");
  REQUIRE(d.HasMember("2019-01-01T00:00:00Z"));
}

TEST_CASE("schema validation against Taskcluster's create-task-request with $refs", "[core]") {
  auto good = ParseJson(R"({
    "taskGroupId": "ZyNAZZR0SmOcgqC_k_wqsQ", "schedulerId": "gecko-level-1", "taskQueueId": "proj/linux",
    "created": "2019-01-01T00:00:00.000Z", "deadline": "2019-01-02T00:00:00.000Z", "expires": "2020-01-01T00:00:00.000Z",
    "payload": {}, "metadata": {"name": "n", "description": "d", "owner": "a@b.c", "source": "https://x/"}})", "t");
  REQUIRE_FALSE(ValidateSchema("taskcluster/queue/v1/create-task-request.json", good));
  auto bad = CopyJson(good);
  bad["metadata"].RemoveMember("owner");
  auto v = ValidateSchema("taskcluster/queue/v1/create-task-request.json", bad);
  REQUIRE(v);
  REQUIRE(v->path == "metadata");
  auto bad2 = CopyJson(good);
  bad2["taskGroupId"].SetString("nope");
  v = ValidateSchema("taskcluster/queue/v1/create-task-request.json", bad2);
  REQUIRE(v);
  REQUIRE(v->path == "taskGroupId");
  REQUIRE(FormatViolation("task", *v).rfind("task.taskGroupId: ", 0) == 0);
  REQUIRE_THROWS_AS(ValidateSchema("no-such-schema.json", good), std::logic_error);
}

TEST_CASE("JSON that cannot be written back is refused at parse; the writer never truncates", "[core]") {
  REQUIRE_THROWS_WITH(ParseJson(R"({"x": "\udc00"})", "in"), Catch::Contains("lone surrogate"));
  REQUIRE_THROWS_AS(ParseJson(R"({"\ud800": 1})", "in"), BadInput);  // RapidJSON refuses a lone high surrogate itself
  REQUIRE_THROWS_WITH(ParseJson(R"({"x": 7700003118945841e308})", "in"), Catch::Contains("too large"));
  auto ok = ParseJson(R"({"x": "\ud83d\ude00 \u0000", "n": 1e308})", "in");
  REQUIRE(ToJson(ok).find("1e308") != std::string::npos);
  Json inf(rapidjson::kObjectType);
  inf.AddMember("x", std::numeric_limits<double>::infinity(), inf.GetAllocator());
  REQUIRE_THROWS_AS(ToJson(inf), std::runtime_error);
  REQUIRE(SanitizeUtf8("a\xff" "b") == "a\xEF\xBF\xBD" "b");
  REQUIRE(SanitizeUtf8("\xed\xa0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  REQUIRE(SanitizeUtf8("h\xc3\xa9") == "h\xc3\xa9");
}

TEST_CASE("Redact: a certificate counts whole, its seed and signature by any piece", "[redact]") {
  ClearSecretsForTests();
  const std::string cert =
      R"({"version":1,"scopes":["assume:repo:hg.mozilla.org/mozilla-central:action:generic"],"start":1,"expiry":2,)"
      R"("seed":"c2VlZHNlZWRzZWVkc2VlZHNlZWRzZWVkc2VlZHNlZWQ","signature":"c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJl="})";
  AddSecret(cert, SecretPieces::kWholeOnly);
  AddSecret("c2VlZHNlZWRzZWVkc2VlZHNlZWRzZWVkc2VlZHNlZWQ");
  // public text that happens to be in the certificate stays
  CHECK(Redact("needs assume:repo:hg.mozilla.org/mozilla-central:action:x") ==
        "needs assume:repo:hg.mozilla.org/mozilla-central:action:x");
  CHECK(Redact("cert " + cert + " end") == "cert <redacted> end");
  // a seed shifted by one character is still caught
  CHECK(Redact("x VlZHNlZWRzZWVkc2VlZHNlZWRz y").find("VlZHNlZWRz") == std::string::npos);
  ClearSecretsForTests();
}

TEST_CASE("Redact: base64 that decodes to credentials, at any alignment and in either alphabet", "[redact]") {
  ClearSecretsForTests();  // nothing registered: the pattern alone must catch it
  const std::string creds = R"({"clientId":"x","accessToken":"never-registered-token-value"})";
  for (const std::string prefix : {"", "a", "ab"}) {
    std::string b64 = Base64Encode(prefix + creds);  // standard alphabet (RFC 4648 vectors: hawk_test)
    CHECK(Redact("creds " + b64 + " end") == "creds <redacted> end");
    for (char& c : b64) c = c == '+' ? '-' : c == '/' ? '_' : c;  // URL alphabet
    CHECK(Redact("creds: " + b64) == "creds: <redacted>");
  }
  // ordinary long base64-alphabet runs (labels, taskIds, URLs' paths) are left alone
  const std::string text = "test-linux64/opt-mochitest-browser-chrome-12 NKBABbyvQG6smQvZY32f2w "
                           "https://queue.example.com/api/queue/v1/task/NKBABbyvQG6smQvZY32f2w/artifacts/public/x";
  CHECK(Redact(text) == text);
}

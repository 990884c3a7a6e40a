// Server-side Hawk verification for the client tests: the MAC must match the
// request as the server saw it (our own parser and MAC, checked against the
// Hawk test vectors in unit/hawk_test.cc).
#pragma once
#include <string>

#include "taskcluster/hawk.h"
#include "test_http_server.h"

namespace tctest {

// The credentials the client tests sign with.
inline constexpr const char* kTestClientId = "test-client";
inline constexpr const char* kTestAccessToken = "SECRET-TOKEN-dont-leak-0123456789";

// "" when the request's Authorization header is a valid Hawk header of
// client_id signed with `key` (MAC over method, URI, host, port, ts, nonce,
// payload hash and ext; ts within 60 s), else why not: "parse: ...", "wrong
// id", "bad mac", "stale ts". out receives the parsed header when valid.
std::string VerifyHawk(const Seen& s, const std::string& key, tc::HawkHeader* out = nullptr,
                       const std::string& client_id = kTestClientId);

}  // namespace tctest

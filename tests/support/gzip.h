// gzip for test data (a server's gzip-encoded bodies, seeded artifacts).
#pragma once
#include <string>

namespace tctest {

// `data` as one gzip member.
std::string Gzip(const std::string& data);

}  // namespace tctest

// Base64 in the standard alphabet (RFC 4648 §4), for Hawk's MACs and
// Taskcluster's `ext` (taskcluster/hawk) and for recognising encoded
// credentials in output (core/redact).
#pragma once
#include <string>
#include <string_view>

namespace tc {

// Padded with '='.
std::string Base64Encode(std::string_view bytes);
// Padding optional but, when present, only at the end; throws
// std::runtime_error on any character outside the standard alphabet.
std::string Base64Decode(std::string_view text);

}  // namespace tc

// Redaction and printable text: the one filter every output path uses
// (stdout summary, stderr errors and logs, report.json, artifacts).
//
// Redact() removes secrets
//   - by value: every string registered with AddSecret (the access token,
//     the certificate, its seed and signature, the Hawk ext, a URL password),
//     and any base64-alphabet run holding kSecretWindow consecutive characters
//     of one (an echo shifted by a character or cut short is still caught);
//   - by pattern: the values of Hawk attributes (ext="..", mac="..",
//     bewit=..), of certificate/credential JSON members ("seed", "signature",
//     "accessToken"), URL userinfo (scheme://user:password@ -> scheme://<redacted>@),
//     and base64 runs that decode to a certificate or credentials.
// Printable() is Redact() plus valid UTF-8 (invalid bytes and NUL become
// U+FFFD) and no control characters: \n \r \t and the other C0/C1 controls
// and DEL are written as escapes (\n, \u001b), so a label or a server
// message can neither start a line of its own nor drive a terminal.
#pragma once
#include <string>
#include <string_view>

namespace tc {

// Length of the piece of a registered secret that marks a run as secret.
constexpr size_t kSecretWindow = 12;

// Whether any kSecretWindow-long piece of a secret marks a run as secret
// (random material: tokens, seeds, signatures), or only the whole of it
// (a certificate's JSON: its scopes and client id are public text, and
// "org/mozilla-central" in an error message is not a leak of it).
enum class SecretPieces { kAny, kWholeOnly };

// Registers a secret (thread-safe; strings shorter than 8 bytes are ignored:
// they cannot be replaced without mangling text). Also registers its
// standard base64 encoding, whose pieces always count.
void AddSecret(std::string_view secret, SecretPieces pieces = SecretPieces::kAny);
// Forgets every registered secret (tests).
void ClearSecretsForTests();

// s without secrets (see above). Cheap for text with nothing to redact.
std::string Redact(std::string_view s);
// Redact(s), as valid UTF-8 with every control character escaped.
std::string Printable(std::string_view s);
// Printable(s) on one line: newlines and CRs become spaces instead of escapes.
std::string PrintableLine(std::string_view s);
// Redact(s) as valid UTF-8 (control characters kept: for JSON strings, which
// escape them).
std::string RedactedUtf8(std::string_view s);

}  // namespace tc

// Response bodies as the HTTP client receives them, and the one reader of
// Taskcluster's JSON responses.
//
// BodyDecoder: bytes in as they arrive, the decoded body out, never more
// than max_bytes of it. Identity bodies of a known length are received
// straight into the final string (sized once from Content-Length: no
// regrowth, no copy). Bodies of unknown length and gzip/deflate output go to
// an anonymous mapping that grows with mremap (pages move, bytes are never
// copied or pre-zeroed) and are copied once into the final string; gzip is
// inflated as it streams in and its output counted against the cap (a gzip
// bomb costs the cap, not its expansion).
#pragma once
#include <zlib.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/json.h"

namespace tc {

// The decoded body would exceed the cap (never worth a retry).
class BodyTooLarge : public std::runtime_error {
 public:
  explicit BodyTooLarge(const std::string& m) : std::runtime_error(m) {}
};

class BodyDecoder {
 public:
  // content_encoding: "", "identity", "gzip", "x-gzip" or "deflate" (others:
  // std::invalid_argument). content_length: the raw length, -1 when unknown;
  // a known length above max_bytes is BodyTooLarge at once.
  BodyDecoder(const std::string& content_encoding, size_t max_bytes, int64_t content_length);
  ~BodyDecoder();
  BodyDecoder(const BodyDecoder&) = delete;
  BodyDecoder& operator=(const BodyDecoder&) = delete;

  // Where to receive up to `want` (> 0) raw bytes; *room is how many fit
  // (> 0). For identity bodies this is the body's own buffer.
  char* Space(size_t want, size_t* room);
  // n raw bytes were written to the last Space(). Throws BodyTooLarge, or
  // std::runtime_error for corrupt compressed data.
  void Commit(size_t n);
  // The decoded body. Throws std::runtime_error when compressed data stops
  // mid-stream.
  std::string Finish();

  size_t raw_bytes() const { return raw_; }
  size_t decoded_bytes() const { return filled_; }

 private:
  // Room for `need` more decoded bytes in map_ (geometric, never past max_);
  // returns the room there is (0 once max_ bytes are held).
  size_t Grow(size_t need);
  void Inflate(const char* p, size_t n);
  // What comes next from zlib when max_ bytes are held: any byte is one too many.
  void ProbeOverflow();
  std::string TooLargeMessage() const;

  bool compressed_ = false;
  bool direct_ = false;  // identity of a known length: straight into body_
  size_t max_ = 0;
  std::string body_;      // direct_: the body, sized from Content-Length
  char* map_ = nullptr;   // else: the decoded bytes [0, filled_) of map_size_
  size_t map_size_ = 0;
  size_t filled_ = 0;
  size_t raw_ = 0;
  std::string scratch_;  // compressed input
  z_stream zs_{};
  bool z_init_ = false;
  bool member_open_ = false;  // inside a gzip member (its end not seen yet)
  bool need_reset_ = false;   // a member ended: the next one needs inflateReset
};

// Decodes a whole gzip (or zlib) body; throws BodyTooLarge when the output
// would exceed max_out, std::runtime_error on corrupt or truncated data.
std::string GunzipBody(const std::string& data, size_t max_out);

// The JSON object of a Taskcluster response (core's reader: iterative,
// kMaxJsonDepth levels, UTF-8 validated). Anything else — an empty body (but
// for a 204), invalid JSON, a non-object — is TcError(status, "InvalidResponse",
// "<what>: <status> InvalidResponse: <why>") (exit 3: the service misbehaved).
Json ParseJsonResponse(std::string_view body, int status, const std::string& what);

}  // namespace tc

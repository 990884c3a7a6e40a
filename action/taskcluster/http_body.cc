#include "taskcluster/http_body.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <new>

#include "core/error.h"

namespace tc {

namespace {

constexpr size_t kScratchBytes = 256 * 1024;
constexpr size_t kFirstRoom = 64 * 1024;
constexpr size_t kHugePage = 2 * 1024 * 1024;

std::string MiB(size_t n) { return std::to_string(n >> 20) + " MiB"; }

size_t RoundUp(size_t n, size_t to) { return (n + to - 1) / to * to; }

// Grows (or creates) an anonymous private mapping to `size` bytes: mremap
// moves the pages, nothing is copied; fresh pages are zero without a memset.
// Large ones ask for transparent huge pages (far fewer page faults).
char* Remap(char* p, size_t old_size, size_t size) {
  void* q = p ? ::mremap(p, old_size, size, MREMAP_MAYMOVE)
              : ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (q == MAP_FAILED) throw std::bad_alloc();
  if (size >= kHugePage) ::madvise(q, size, MADV_HUGEPAGE);
  return static_cast<char*>(q);
}

}  // namespace

BodyDecoder::BodyDecoder(const std::string& enc, size_t max_bytes, int64_t content_length) : max_(max_bytes) {
  if (enc == "gzip" || enc == "x-gzip" || enc == "deflate") {
    compressed_ = true;
  } else if (!enc.empty() && enc != "identity") {
    throw std::invalid_argument("unsupported Content-Encoding");
  }
  // Compressed or not, a body declared above the cap is refused before a byte
  // is read (a compressed body decodes to at least about its own size).
  if (content_length >= 0 && static_cast<uint64_t>(content_length) > max_) {
    throw BodyTooLarge("the response declares " + std::to_string(content_length) + " bytes (Content-Length), above the " +
                       MiB(max_) + " cap");
  }
  if (!compressed_ && content_length >= 0) {
    direct_ = true;  // the final buffer, sized once
    body_.resize(static_cast<size_t>(content_length));
    return;
  }
  if (!compressed_) return;
  // 32 + MAX_WBITS: gzip or zlib headers, detected.
  if (inflateInit2(&zs_, 32 + MAX_WBITS) != Z_OK) throw std::runtime_error("gzip: inflateInit2 failed");
  z_init_ = true;
  scratch_.resize(kScratchBytes);
}

BodyDecoder::~BodyDecoder() {
  if (z_init_) inflateEnd(&zs_);
  if (map_) ::munmap(map_, map_size_);
}

std::string BodyDecoder::TooLargeMessage() const {
  return std::string("the ") + (compressed_ ? "decoded " : "") + "response body is larger than the " + MiB(max_) +
         " cap";
}

size_t BodyDecoder::Grow(size_t need) {
  const size_t usable = std::min(map_size_, max_);  // bytes of map_ the body may fill
  if (filled_ + need > usable && map_size_ < max_) {
    const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    size_t next = std::max({map_size_ * 2, filled_ + need, kFirstRoom});
    next = std::min(RoundUp(next, page), RoundUp(max_, page));
    map_ = Remap(map_, map_size_, next);
    map_size_ = next;
  }
  return std::min(need, std::min(map_size_, max_) - filled_);
}

char* BodyDecoder::Space(size_t want, size_t* room) {
  want = std::max<size_t>(want, 1);
  if (compressed_) {
    *room = std::min(want, scratch_.size());
    return scratch_.data();
  }
  if (direct_) {
    // More than Content-Length: the caller reads exactly the length.
    if (filled_ >= body_.size()) throw BodyTooLarge(TooLargeMessage());
    *room = std::min(want, body_.size() - filled_);
    return body_.data() + filled_;
  }
  *room = Grow(std::min(want, kScratchBytes * 4));
  if (*room == 0) throw BodyTooLarge(TooLargeMessage());  // max_ bytes held and more is coming
  return map_ + filled_;
}

void BodyDecoder::Commit(size_t n) {
  raw_ += n;
  if (!compressed_) {
    filled_ += n;
    return;
  }
  Inflate(scratch_.data(), n);
}

void BodyDecoder::ProbeOverflow() {
  char probe;
  zs_.next_out = reinterpret_cast<Bytef*>(&probe);
  zs_.avail_out = 1;
  const int rc = inflate(&zs_, Z_NO_FLUSH);
  if (zs_.avail_out == 0) throw BodyTooLarge(TooLargeMessage());
  if (rc == Z_STREAM_END) {
    member_open_ = false;
    need_reset_ = true;
  } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
    throw std::runtime_error(std::string("gzip: corrupt data (") + (zs_.msg ? zs_.msg : "inflate error") + ")");
  }
}

void BodyDecoder::Inflate(const char* p, size_t n) {
  zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(p));
  zs_.avail_in = static_cast<uInt>(n);
  for (;;) {
    if (!member_open_) {
      if (zs_.avail_in == 0) return;
      // Another gzip member: concatenated members are one body.
      if (need_reset_ && inflateReset(&zs_) != Z_OK) throw std::runtime_error("gzip: inflateReset failed");
      member_open_ = true;
    }
    const size_t room = Grow(kScratchBytes * 4);
    if (room == 0) {
      ProbeOverflow();
      if (zs_.avail_in == 0 || member_open_) return;
      continue;
    }
    zs_.next_out = reinterpret_cast<Bytef*>(map_ + filled_);
    zs_.avail_out = static_cast<uInt>(std::min<size_t>(std::min(map_size_, max_) - filled_, UINT32_MAX));
    const size_t before = zs_.avail_out;
    const int rc = inflate(&zs_, Z_NO_FLUSH);
    filled_ += before - zs_.avail_out;
    if (rc == Z_STREAM_END) {
      member_open_ = false;
      need_reset_ = true;
    } else if (rc == Z_OK || rc == Z_BUF_ERROR) {
      // Out of input with room left: wait for more. Out of room: grow, go on.
      if (zs_.avail_out > 0 && (zs_.avail_in == 0 || rc == Z_BUF_ERROR)) return;
    } else {
      throw std::runtime_error(std::string("gzip: corrupt data (") + (zs_.msg ? zs_.msg : "inflate error") + ")");
    }
  }
}

std::string BodyDecoder::Finish() {
  if (compressed_ && member_open_) throw std::runtime_error("gzip: truncated data");
  if (direct_) {
    body_.resize(filled_);  // a short body (the caller reports it) keeps what came
    return std::move(body_);
  }
  return std::string(map_ ? map_ : "", filled_);
}

std::string GunzipBody(const std::string& data, size_t max_out) {
  BodyDecoder d("gzip", max_out, -1);
  for (size_t i = 0; i < data.size();) {
    size_t room = 0;
    char* p = d.Space(data.size() - i, &room);
    std::memcpy(p, data.data() + i, room);
    d.Commit(room);
    i += room;
  }
  return d.Finish();
}

Json ParseJsonResponse(std::string_view body, int status, const std::string& what) {
  auto invalid = [&](const std::string& why) {
    return TcError(status, "InvalidResponse", what + ": " + std::to_string(status) + " InvalidResponse: " + why);
  };
  size_t b = body.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) {
    if (status == 204) return Json(rapidjson::kObjectType);
    throw invalid("empty response body; expected a JSON object");
  }
  std::string err;
  auto doc = TryParseJson(body, &err);
  if (!doc) throw invalid("the response is not valid JSON (" + err + ")");
  if (!doc->IsObject()) throw invalid(std::string("expected a JSON object, got ") + JsonTypeName(*doc));
  return std::move(*doc);
}

}  // namespace tc

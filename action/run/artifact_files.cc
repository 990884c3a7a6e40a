#include "run/artifact_files.h"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace tc {

namespace {

std::string RandomHex(size_t bytes) {
  unsigned char buf[16];
  bytes = std::min(bytes, sizeof buf);
  if (getrandom(buf, bytes, 0) != static_cast<ssize_t>(bytes)) {
    // Unlikely; O_EXCL still guards against a name taken meanwhile.
    for (size_t i = 0; i < bytes; ++i) buf[i] = static_cast<unsigned char>(std::rand());
  }
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes; ++i) {
    out += kHex[buf[i] >> 4];
    out += kHex[buf[i] & 15];
  }
  return out;
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }

 private:
  int fd_;
};

// A new temporary file in dirfd: (fd, name), fd < 0 on failure (errno set).
std::pair<int, std::string> CreateTemp(int dirfd, const std::string& name) {
  for (int attempt = 0; attempt < 16; ++attempt) {
    std::string tmp = "." + name + "." + RandomHex(8) + ".tmp";
    int fd = ::openat(dirfd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd >= 0 || errno != EEXIST) return {fd, tmp};
  }
  return {-1, ""};
}

bool WriteAll(int fd, std::string_view text) {
  for (size_t off = 0; off < text.size();) {
    ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

std::string Why(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

// Opens dir (created when missing) as a directory fd; -1 and *err on failure.
int OpenDir(const std::string& dir, std::string* err) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    *err = "cannot create artifacts directory " + dir + ": " + ec.message();
    return -1;
  }
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) *err = Why("cannot open artifacts directory", dir);
  return fd;
}

}  // namespace

bool WriteFileAtomically(const std::string& dir, const std::string& name,
                         std::initializer_list<std::string_view> parts, std::string* err) {
  std::string why;
  Fd dirfd(OpenDir(dir, &why));
  if (dirfd.get() < 0) {
    if (err) *err = why;
    return false;
  }
  auto [fd_raw, tmp] = CreateTemp(dirfd.get(), name);
  Fd fd(fd_raw);
  bool ok = fd.get() >= 0;
  for (std::string_view part : parts) ok = ok && WriteAll(fd.get(), part);
  ok = ok && ::fsync(fd.get()) == 0 && ::close(fd.release()) == 0;
  ok = ok && ::renameat(dirfd.get(), tmp.c_str(), dirfd.get(), name.c_str()) == 0;
  if (!ok) {
    if (err) *err = Why("cannot write", (std::filesystem::path(dir) / name).string());
    if (!tmp.empty()) ::unlinkat(dirfd.get(), tmp.c_str(), 0);
    return false;
  }
  ::fsync(dirfd.get());  // the rename itself durable (best effort)
  return true;
}

std::string CheckWritableDir(const std::string& dir) {
  std::string why;
  Fd dirfd(OpenDir(dir, &why));
  if (dirfd.get() < 0) return why;
  auto [fd, tmp] = CreateTemp(dirfd.get(), "write-probe");
  if (fd < 0) return Why("cannot write in artifacts directory", dir);
  ::close(fd);
  ::unlinkat(dirfd.get(), tmp.c_str(), 0);
  return "";
}

}  // namespace tc

// Offset paging: see paging.h.
#include "emulator/paging.h"

#include <algorithm>
#include <cctype>

#include "core/error.h"

namespace tc::emu {

std::string EncodeToken(int64_t offset) {
  if (offset <= 0) return "";
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : "offset:" + std::to_string(offset)) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

int64_t DecodeToken(const std::string& tok) {
  if (tok.empty()) return 0;
  for (char c : tok)
    if (!std::isalnum(static_cast<unsigned char>(c))) throw TcError(400, "InputError", "Invalid continuation token");
  if (tok.size() % 2) return 0;
  std::string out;
  for (size_t i = 0; i < tok.size(); i += 2) {
    auto hex = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1; };
    int hi = hex(tok[i]), lo = hex(tok[i + 1]);
    if (hi < 0 || lo < 0) return 0;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  if (out.rfind("offset:", 0) != 0 || out.size() == 7) return 0;
  for (size_t i = 7; i < out.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(out[i]))) return 0;
  if (out.size() > 7 + 15) return 0;
  return std::stoll(out.substr(7));
}

PageWindow WindowOf(const Page& page, int default_size, int64_t total) {
  PageWindow w;
  w.offset = DecodeToken(page.continuation_token.value_or(""));
  int size = std::max(0, std::min(page.limit ? *page.limit : default_size, kMaxPageSize));
  w.end = std::min<int64_t>(w.offset + size, total);
  if (w.end < w.offset) w.end = w.offset;
  if (total > w.offset + size) w.next_token = EncodeToken(w.offset + size);
  return w;
}

}  // namespace tc::emu

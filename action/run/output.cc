#include "run/output.h"

#include <fmt/format.h>

#include "core/json.h"

namespace tc {

std::string PrintableText(std::string_view s) {
  const std::string utf8 = SanitizeUtf8(s);  // NUL and invalid bytes are U+FFFD already
  std::string out;
  out.reserve(utf8.size());
  for (size_t i = 0; i < utf8.size(); ++i) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else if (c == 0xc2 && i + 1 < utf8.size() && static_cast<unsigned char>(utf8[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(utf8[i + 1]) <= 0x9f) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned char>(utf8[i + 1]));  // a C1 control
      ++i;
    } else {
      out += utf8[i];
    }
  }
  return out;
}

}  // namespace tc

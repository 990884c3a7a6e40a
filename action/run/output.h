// The one path text takes to the log (the summary on stdout, the progress
// lines on stderr): whatever a task definition or the queue said is made
// printable first.
#pragma once
#include <string>
#include <string_view>

namespace tc {

// `s` as one printable line: valid UTF-8 (invalid bytes become U+FFFD),
// every control character (C0, DEL, C1; newline and carriage return too)
// written as a visible escape such as "\x1b" or "\u0085", so no label or
// message starts a line of its own or reaches a terminal as a control code.
std::string PrintableText(std::string_view s);

}  // namespace tc

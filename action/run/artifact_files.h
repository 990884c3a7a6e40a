// Files in the artifacts directory, written so that nothing planted there
// can redirect or clobber them: a temporary file with a random name opened
// with O_CREAT|O_EXCL|O_NOFOLLOW in the target directory, written, fsynced,
// then renamed over the final name (which replaces a planted symlink
// itself, never its target), and the directory fsynced.
#pragma once
#include <initializer_list>
#include <string>
#include <string_view>

namespace tc {

// Writes <dir>/<name> atomically (creating dir): the parts, one after the
// other. Returns false and sets *err (one line) when it cannot.
bool WriteFileAtomically(const std::string& dir, const std::string& name,
                         std::initializer_list<std::string_view> parts, std::string* err);

// Creates dir when missing and proves it writable (a probe file created and
// removed). "" when it is, else why not (one line).
std::string CheckWritableDir(const std::string& dir);

}  // namespace tc

// The command line: `tc-action run|emulator|render|...`. Parses arguments
// (CLI11), sets up logging, dispatches. Usage errors exit 2.
#pragma once

namespace tc {
int CliMain(int argc, char** argv);
}

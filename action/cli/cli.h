// The command line: `tc-action run|advise|render|register|trigger|actions`. Parses arguments
// (CLI11), sets up logging, dispatches. Usage errors exit 2.
#pragma once

namespace tc {
int CliMain(int argc, char** argv);
}

// Process diagnostics for -v logging.
#pragma once

namespace tc {

// Peak resident set size so far, in MB (Linux /proc/self/status VmHWM); -1
// when unknown.
long PeakRssMb();

}  // namespace tc

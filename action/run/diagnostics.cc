#include "run/diagnostics.h"

#include <cstdlib>
#include <fstream>
#include <string>

namespace tc {

long PeakRssMb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6) / 1024;
  }
  return -1;
}

}  // namespace tc

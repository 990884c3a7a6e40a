#include "gzip.h"

#include <Poco/DeflatingStream.h>

#include <sstream>

namespace tctest {

std::string Gzip(const std::string& data) {
  std::ostringstream out;
  Poco::DeflatingOutputStream z(out, Poco::DeflatingStreamBuf::STREAM_GZIP);
  z << data;
  z.close();
  return out.str();
}

}  // namespace tctest

// bench/bench_common.hpp — what every benchmark program reports besides its own figures.
#pragma once

#include <cstring>
#include <fstream>
#include <string>

namespace bench {

/// A field of /proc/self/status in MiB ("VmHWM:" is the peak resident set, "VmRSS:" the current
/// one), or -1 where that file does not exist.
inline double status_mib(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::stod(line.substr(std::strlen(field) + 1)) / 1024.0;
  }
  return -1.0;
}

/// Peak resident set size in MiB.
inline double peak_rss_mib() { return status_mib("VmHWM:"); }

}  // namespace bench

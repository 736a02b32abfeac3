#include "gpu/runtime/peak_memory.h"

#include <fstream>
#include <string>

namespace r1wb::gpu {

double peak_host_memory_mb() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmHWM:") {
      double kb = 0;
      status >> kb;
      return kb / 1024.0;
    }
    status.ignore(1 << 12, '\n');
  }
  return 0;
}

void reset_peak_host_memory() { std::ofstream("/proc/self/clear_refs") << "5"; }

}  // namespace r1wb::gpu

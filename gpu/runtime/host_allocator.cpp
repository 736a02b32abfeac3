#include "gpu/runtime/host_allocator.h"

#include <malloc.h>

namespace r1wb::gpu {

void keep_freed_host_memory() {
  static const bool applied = [] {
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);  // glibc's maximum on 64-bit; disables the dynamic threshold
    mallopt(M_TRIM_THRESHOLD, 1 << 30);           // never give the heap top back mid-run
    return true;
  }();
  (void)applied;
}

}  // namespace r1wb::gpu

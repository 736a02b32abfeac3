// Host memory: keep what LibTorch frees instead of handing it back to the kernel.
//
// Every training step allocates and frees the same activation-sized buffers. With glibc's
// defaults, blocks above the (dynamic) mmap threshold are mmap'ed and unmapped each time and
// the heap top is trimmed, so every step page-faults its buffers in again: on tiny-moe that
// was 19 % of the profile (perf record) and made the step 1.6-2.4x slower than with the
// buffers kept (`r1wb-run bench`, 2-core CI machine). Fixing the mmap threshold at its
// maximum and never trimming keeps the peak resident, which a training process needs anyway.
#pragma once

namespace r1wb::gpu {
//! Applies the allocator settings once per process (later calls do nothing).
void keep_freed_host_memory();
}  // namespace r1wb::gpu

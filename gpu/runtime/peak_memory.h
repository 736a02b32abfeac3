// Peak memory of the training process, for the perf/peak_memory_mb metric: the resident set
// high-water mark (VmHWM) on the CPU. A CUDA build reports the device's peak allocation in a
// later issue; until then CUDA runs report the host's.
#pragma once

namespace r1wb::gpu {
//! Megabytes, or 0 when the platform does not say.
double peak_host_memory_mb();
//! Starts the high-water mark again from the current resident set (Linux clear_refs), so a
//! peak read later belongs to what ran after, not to setup such as tokenizer training.
void reset_peak_host_memory();
}  // namespace r1wb::gpu

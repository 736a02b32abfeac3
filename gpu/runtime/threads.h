// Thread settings of the engine: torch intra-op threads and OpenBLAS threads. They compete
// for the same cores: on 2 cores, 2 torch threads over a 2-thread OpenBLAS ran 2x slower
// than over a 1-thread OpenBLAS (bench/threads.sh), so both are settings (train.threads,
// train.blas_threads) with the measured best as defaults: all cores for torch, 1 for BLAS.
#pragma once
#include <string>

namespace r1wb::gpu {
//! Applies both counts, each capped to the machine's cores (more only oversubscribe them);
//! torch_threads 0 means every core, blas_threads 0 leaves OpenBLAS alone. Returns what it
//! capped or could not apply, for the run's log; empty when both were applied as asked.
std::string apply_thread_settings(int torch_threads, int blas_threads);
}  // namespace r1wb::gpu

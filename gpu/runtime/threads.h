// Thread settings of the engine: torch intra-op threads and OpenBLAS threads. They compete
// for the same cores: on 2 cores, 2 torch threads over a 2-thread OpenBLAS ran 2x slower
// than over a 1-thread OpenBLAS (bench/threads.sh), so both are settings (train.threads,
// train.blas_threads) with the measured best as defaults: all cores for torch, 1 for BLAS.
#pragma once

namespace r1wb::gpu {
//! Applies both counts; torch_threads 0 means every core, blas_threads 0 leaves OpenBLAS alone. Returns false if OpenBLAS
//! was asked for but is not the loaded BLAS.
bool apply_thread_settings(int torch_threads, int blas_threads);
}  // namespace r1wb::gpu

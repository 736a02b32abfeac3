// Thread settings of the engine: torch intra-op threads and OpenBLAS threads. On 2 cores
// one torch thread over a 2-thread OpenBLAS beat two torch threads by about 2x (measured),
// so both are settings (train.threads, train.blas_threads) rather than library defaults.
#pragma once

namespace r1wb::gpu {
//! Applies both counts; blas_threads 0 leaves OpenBLAS alone. Returns false if OpenBLAS
//! was asked for but is not the loaded BLAS.
bool apply_thread_settings(int torch_threads, int blas_threads);
}

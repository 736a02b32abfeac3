// Wall time of a piece of work on a device: CUDA work is asynchronous, so the device is
// drained before and after; on the CPU it is a plain clock.
#pragma once
#include <torch/cuda.h>
#include <torch/types.h>

#include <chrono>

namespace r1wb::gpu {

//! Host wall time of f() in milliseconds, without a device sync (work it queues may still run).
template <class F>
double host_ms(F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

template <class F>
double timed_ms(torch::Device device, F&& f) {
  if (device.is_cuda()) torch::cuda::synchronize();
  const auto t0 = std::chrono::steady_clock::now();
  f();
  if (device.is_cuda()) torch::cuda::synchronize();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace r1wb::gpu

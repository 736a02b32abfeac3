#include "gpu/runtime/device.h"

#include <torch/cuda.h>

#include <stdexcept>

namespace r1wb::gpu {

torch::Device training_device(DeviceChoice setting) {
  const bool cuda = torch::cuda::is_available();
  if (setting == DeviceChoice::Cuda && !cuda)
    throw std::runtime_error("train.device: \"cuda\" was asked for, but LibTorch sees no CUDA device");
  return setting == DeviceChoice::Cuda || (setting == DeviceChoice::Auto && cuda) ? torch::Device(torch::kCUDA)
                                                                                  : torch::Device(torch::kCPU);
}

}  // namespace r1wb::gpu

#include "gpu/runtime/device.h"

#include <torch/cuda.h>

#include <stdexcept>

namespace r1wb::gpu {

torch::Device training_device(const std::string& setting) {
  const bool cuda = torch::cuda::is_available();
  if (setting == "cuda" && !cuda)
    throw std::runtime_error("train.device: \"cuda\" was asked for, but LibTorch sees no CUDA device");
  return setting == "cuda" || (setting == "auto" && cuda) ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
}

}  // namespace r1wb::gpu

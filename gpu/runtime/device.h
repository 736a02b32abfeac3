// Where a run trains: train.device "auto" picks CUDA when LibTorch sees a GPU, else the CPU;
// "cuda" without a GPU is an error that names the setting.
#pragma once
#include <torch/types.h>

#include <string>

namespace r1wb::gpu {
torch::Device training_device(const std::string& setting);
}

// Where a run trains: train.device "auto" picks CUDA when LibTorch sees a GPU, else the CPU;
// "cuda" without a GPU is an error that names the setting.
#pragma once
#include "core/config/config.h"

#include <torch/types.h>

namespace r1wb::gpu {
torch::Device training_device(DeviceChoice setting);
}

// Precompiled header of the engine targets: LibTorch is the slow part of every build.
#pragma once
#include <torch/torch.h>

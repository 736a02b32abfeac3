// Mixed precision for the forward pass: while alive, LibTorch's autocast runs matmuls in
// bf16 or fp16 on the training device (softmax, norms and losses stay in fp32, as autocast's
// op lists decide). fp32 does nothing. LibTorch 1.13's CPU autocast knows only bf16, so fp16
// on the CPU is refused with the setting's name. The autocast API changed in LibTorch 2.4;
// both are handled here and nowhere else.
#pragma once
#include "core/config/config.h"

#include <torch/types.h>

namespace r1wb::gpu {

class AutocastScope {
 public:
  //! Throws for a combination the device cannot run (fp16 on the CPU with LibTorch 1.x).
  AutocastScope(Precision precision, torch::Device device);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

  //! Checks a precision against a device without entering autocast.
  static void check(Precision precision, torch::Device device);
  //! The precision autocast runs in now on the device's type: fp32 when it is off.
  static Precision active_precision(torch::Device device);

 private:
  bool active_ = false;
  bool cuda_ = false;
};

}  // namespace r1wb::gpu

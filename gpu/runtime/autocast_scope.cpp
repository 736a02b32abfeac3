#include "gpu/runtime/autocast_scope.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

#include <stdexcept>

namespace r1wb::gpu {
namespace {

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
void set_autocast(bool cuda, bool on, at::ScalarType dtype) {
  const auto type = cuda ? at::kCUDA : at::kCPU;
  at::autocast::set_autocast_dtype(type, dtype);
  at::autocast::set_autocast_enabled(type, on);
}
bool autocast_enabled(bool cuda) { return at::autocast::is_autocast_enabled(cuda ? at::kCUDA : at::kCPU); }
at::ScalarType autocast_dtype(bool cuda) { return at::autocast::get_autocast_dtype(cuda ? at::kCUDA : at::kCPU); }
#else
void set_autocast(bool cuda, bool on, at::ScalarType dtype) {
  if (cuda) {
    at::autocast::set_autocast_gpu_dtype(dtype);
    at::autocast::set_enabled(on);
  } else {
    at::autocast::set_autocast_cpu_dtype(dtype);
    at::autocast::set_cpu_enabled(on);
  }
}
bool autocast_enabled(bool cuda) { return cuda ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled(); }
at::ScalarType autocast_dtype(bool cuda) {
  return cuda ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
}
#endif

}  // namespace

void AutocastScope::check(Precision precision, torch::Device device) {
#if TORCH_VERSION_MAJOR < 2
  if (precision == Precision::Fp16 && !device.is_cuda())
    throw std::runtime_error("train.precision: \"fp16\" needs a CUDA device with this LibTorch (" TORCH_VERSION
                             "); use \"bf16\" on the CPU");
#endif
}

Precision AutocastScope::active_precision(torch::Device device) {
  if (!autocast_enabled(device.is_cuda())) return Precision::Fp32;
  return autocast_dtype(device.is_cuda()) == at::kBFloat16 ? Precision::Bf16 : Precision::Fp16;
}

AutocastScope::AutocastScope(Precision precision, torch::Device device) : cuda_(device.is_cuda()) {
  check(precision, device);
  if (precision == Precision::Fp32) return;
  set_autocast(cuda_, true, precision == Precision::Bf16 ? at::kBFloat16 : at::kHalf);
  active_ = true;
}

AutocastScope::~AutocastScope() {
  if (!active_) return;
  set_autocast(cuda_, false, cuda_ ? at::kHalf : at::kBFloat16);  // LibTorch's defaults
  at::autocast::clear_cache();
}

}  // namespace r1wb::gpu

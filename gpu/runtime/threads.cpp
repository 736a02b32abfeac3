#include "gpu/runtime/threads.h"

#include <torch/torch.h>

#include <dlfcn.h>

#include <algorithm>
#include <thread>

namespace r1wb::gpu {
bool apply_thread_settings(int torch_threads, int blas_threads) {
  torch::set_num_threads(torch_threads > 0 ? torch_threads
                                           : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  if (blas_threads <= 0) return true;
  // Looked up at run time: OpenBLAS is whichever libblas.so.3 the system points to.
  using SetThreads = void (*)(int);
  auto fn = reinterpret_cast<SetThreads>(::dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (!fn) return false;
  fn(blas_threads);
  return true;
}
}  // namespace r1wb::gpu

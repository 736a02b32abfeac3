#include "gpu/runtime/threads.h"

#include <torch/torch.h>

#include <dlfcn.h>

#include <algorithm>
#include <thread>

namespace r1wb::gpu {
std::string apply_thread_settings(int torch_threads, int blas_threads) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::string note;
  auto cap = [&](int asked, const char* field) {
    if (asked <= cores) return asked;
    note += std::string(note.empty() ? "" : "; ") + field + " " + std::to_string(asked) + " capped to this machine's " +
            std::to_string(cores) + " cores";
    return cores;
  };
  torch_threads = cap(torch_threads, "train.threads");
  blas_threads = cap(blas_threads, "train.blas_threads");
  torch::set_num_threads(torch_threads > 0 ? torch_threads : cores);
  if (blas_threads <= 0) return note;
  // Looked up at run time: OpenBLAS is whichever libblas.so.3 the system points to.
  using SetThreads = void (*)(int);
  auto fn = reinterpret_cast<SetThreads>(::dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (!fn)
    return note + (note.empty() ? "" : "; ") + "train.blas_threads " + std::to_string(blas_threads) +
           " not applied: the loaded BLAS is not OpenBLAS";
  fn(blas_threads);
  return note;
}
}  // namespace r1wb::gpu

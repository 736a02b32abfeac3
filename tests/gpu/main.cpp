// Engine test main: seeds torch, and filters out *_CUDA tests when no GPU is present
// (as PyTorch's own C++ tests do), so the same binary runs on the CPU CI and a GPU node.
#include <gtest/gtest.h>
#include <torch/cuda.h>
#include <torch/utils.h>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (!torch::cuda::is_available()) {
    auto& filter = ::testing::GTEST_FLAG(filter);
    filter += (filter.find('-') == std::string::npos ? "-" : ":") + std::string("*_CUDA");
  }
  torch::set_num_threads(1);
  return RUN_ALL_TESTS();
}

// Engine test main: every test starts from torch seed 0 (so a test's random inputs do not
// depend on which tests ran before it), one torch thread, and *_CUDA tests are filtered out
// when no GPU is present (as PyTorch's own C++ tests do), so the same binary runs on the CPU
// CI and a GPU node.
#include <gtest/gtest.h>
#include <torch/cuda.h>
#include <torch/utils.h>

namespace {

class SeedEachTest : public ::testing::EmptyTestEventListener {
  void OnTestStart(const ::testing::TestInfo&) override { torch::manual_seed(0); }
};

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (!torch::cuda::is_available()) {
    auto& filter = ::testing::GTEST_FLAG(filter);
    filter += (filter.find('-') == std::string::npos ? "-" : ":") + std::string("*_CUDA");
  }
  torch::set_num_threads(1);
  ::testing::UnitTest::GetInstance()->listeners().Append(new SeedEachTest);
  return RUN_ALL_TESTS();
}

// The measure the export checks compare runtimes by, and where llama.cpp is looked for.
#include "core/formats/llama_cpp_logprobs.h"
#include "core/formats/next_logprobs.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace r1wb {
namespace {

TEST(NextLogprobs, ParsesNullAsZeroProbabilityAndRefusesMalformedOutputSayingWhat) {
  const auto l = parse_next_logprobs(R"({"tokens":[5,7],"next_logprobs":[[-0.1,null,-2.5],[-1,-1,-1]]})");
  EXPECT_EQ(l.tokens, (std::vector<int64_t>{5, 7}));
  ASSERT_EQ(l.rows.size(), 2u);
  EXPECT_TRUE(std::isnan(l.rows[0][1]));
  const auto refused = [](const std::string& text) {
    try {
      parse_next_logprobs(text);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(refused("llama.cpp crashed").find("not JSON"), std::string::npos);
  EXPECT_NE(refused(R"({"next_logprobs":[]})").find("\"tokens\""), std::string::npos);
  EXPECT_NE(refused(R"({"tokens":[1]})").find("\"next_logprobs\""), std::string::npos);
  EXPECT_NE(refused(R"({"tokens":[1,2],"next_logprobs":[[0]]})").find("2 tokens but 1 rows"), std::string::npos);
  EXPECT_NE(refused(R"({"tokens":["a"],"next_logprobs":[[0]]})").find("malformed"), std::string::npos);
}

TEST(NextLogprobs, TheDifferenceSkipsTheReferencesFloatTailAndCountsAMissingEntryAsInfinite) {
  NextLogprobs engine{{1}, {{-0.5, -1.5, -30.0}}}, other{{1}, {{-0.5001, -1.4, std::nan("")}}};
  EXPECT_NEAR(max_logprob_difference(engine, other), 0.1, 1e-12) << "the -30 entry is below e^-20";
  other.rows[0][1] = std::nan("");
  EXPECT_TRUE(std::isinf(max_logprob_difference(engine, other))) << "llama.cpp gave 0 where the engine did not";
  EXPECT_EQ(llama_cpp_bound("f32"), 1e-3);
  EXPECT_EQ(llama_cpp_bound("q4_0"), 5e-2);
  EXPECT_EQ(llama_cpp_bound("q3_k"), 0.0);
}

TEST(LlamaCppLookup, AFolderWithoutThePackageSaysHowToInstallIt) {
  const auto dir = std::filesystem::temp_directory_path() / ("r1wb-llama-lookup-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string why;
  EXPECT_EQ(find_llama_cpp(dir.string(), why), "");
  EXPECT_NE(why.find("npm install --prefix '" + dir.string() + "' node-llama-cpp@"), std::string::npos) << why;
  // R1WB_LLAMA_CPP is used when no folder is given; the package's manifest is what is looked for.
  std::filesystem::create_directories(dir / "node_modules/node-llama-cpp");
  std::ofstream(dir / "node_modules/node-llama-cpp/package.json") << "{}";
  ::setenv("R1WB_LLAMA_CPP", dir.c_str(), 1);
  why.clear();
  const auto found = find_llama_cpp("", why);
  ::unsetenv("R1WB_LLAMA_CPP");
  if (why.find("`node` is not on the PATH") == std::string::npos) EXPECT_EQ(found, dir.string()) << why;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace r1wb

// What a remote run sends of this machine's data: the inputs an experiment names that exist here,
// and the digest that names each one's copy on the host.
#include "core/jobs/run_inputs.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace fs = std::filesystem;

namespace r1wb {
namespace {

struct InputsDir {
  fs::path path = fs::temp_directory_path() / ("r1wb-inputs-" + std::to_string(::getpid()));
  InputsDir() { fs::create_directories(path); }
  ~InputsDir() { fs::remove_all(path); }
};

TEST(RunInputs, OnlyPathsThatExistHereAreSentAndAFolderIsOneInput) {
  InputsDir d;
  fs::create_directories(d.path / "corpus" / "sub");
  std::ofstream(d.path / "corpus" / "a.txt") << "alpha";
  std::ofstream(d.path / "corpus" / "sub" / "b.txt") << "beta";
  nlohmann::json j = {{"data", {{"task", "text"}, {"corpus", (d.path / "corpus").string()}}},
                      {"distill", {{"dataset", "/on/the/cluster/kept.jsonl"}}}};
  const auto inputs = local_run_inputs(j.dump());
  ASSERT_EQ(inputs.size(), 1u) << "a path that is not here names data on the host";
  EXPECT_EQ(inputs[0].field, "data.corpus");
  EXPECT_TRUE(inputs[0].folder);
  EXPECT_TRUE(local_run_inputs(nlohmann::json{{"data", {{"task", "addition"}}}}.dump()).empty());
}

TEST(RunInputs, TheDigestFollowsTheContentAndTheNamesNotWhereTheFolderIs) {
  InputsDir d;
  for (const char* where : {"one", "two"}) {
    fs::create_directories(d.path / where / "sub");
    std::ofstream(d.path / where / "a.txt") << "alpha";
    std::ofstream(d.path / where / "sub" / "b.txt") << "beta";
  }
  const auto digest = [&](const char* where) { return input_digest({"data.corpus", (d.path / where).string(), true}); };
  EXPECT_EQ(digest("one"), digest("two")) << "the same files in another place: one copy on the host";
  EXPECT_EQ(digest("one").size(), 64u);
  fs::rename(d.path / "two" / "a.txt", d.path / "two" / "c.txt");
  EXPECT_NE(digest("one"), digest("two")) << "a renamed file is another corpus";
  std::ofstream(d.path / "one" / "a.txt", std::ios::app) << "!";
  const RunInput file{"data.corpus", (d.path / "one" / "a.txt").string(), false};
  EXPECT_NE(input_digest(file), digest("one"));
}

}  // namespace
}  // namespace r1wb

// Distillation's kept teacher samples on disk (core/formats/example_set.h): a set reads back
// as written, and a file changed or cut anywhere (seeded random offsets) is refused naming the
// file, never read in part or as other examples.
#include "core/formats/example_set.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

using namespace r1wb;

namespace {

ExampleSet sample_set() {
  ExampleSet s;
  s.source = {{"teacher", "runs/teacher"}, {"teacher_step", 600}, {"task", "addition"}};
  std::mt19937_64 rng(5);
  for (int i = 0; i < 40; ++i) s.examples.push_back(make_example("addition", 2, rng));
  s.examples.push_back({"1+2=", "quotes \" and \\ and\nnewlines"});
  return s;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

}  // namespace

TEST(ExampleSet, ReadsBackAsWritten) {
  r1wb::testing::TempDir t;
  const auto path = (t.path / "set.jsonl").string();
  const auto set = sample_set();
  write_example_set(path, set);
  const auto back = read_example_set(path);
  EXPECT_EQ(back.source, set.source);
  ASSERT_EQ(back.examples.size(), set.examples.size());
  for (size_t i = 0; i < set.examples.size(); ++i) {
    EXPECT_EQ(back.examples[i].prompt, set.examples[i].prompt);
    EXPECT_EQ(back.examples[i].completion, set.examples[i].completion);
  }
}

TEST(ExampleSet, AByteChangedAnywhereOrTheFileCutIsRefusedNamingTheFile) {
  r1wb::testing::TempDir t;
  const auto good = (t.path / "good.jsonl").string(), bad = (t.path / "bad.jsonl").string();
  write_example_set(good, sample_set());
  const std::string bytes = read_all(good);
  std::mt19937_64 rng(20261206);
  int refused = 0;
  for (int trial = 0; trial < 600; ++trial) {
    std::string damaged = bytes;
    if (trial % 3 == 2) {
      damaged.resize(std::uniform_int_distribution<size_t>(0, bytes.size() - 1)(rng));
    } else {
      const size_t at = std::uniform_int_distribution<size_t>(0, bytes.size() - 1)(rng);
      damaged[at] = char(damaged[at] ^ std::uniform_int_distribution<int>(1, 255)(rng));
    }
    std::ofstream(bad, std::ios::binary | std::ios::trunc) << damaged;
    try {
      read_example_set(bad);
      ADD_FAILURE() << "trial " << trial << ": a damaged set was read";
    } catch (const std::runtime_error& e) {
      EXPECT_EQ(std::string(e.what()).rfind(bad + ": ", 0), 0u) << e.what();
      ++refused;
    }
  }
  EXPECT_EQ(refused, 600);
  EXPECT_THROW(read_example_set((t.path / "missing.jsonl").string()), std::runtime_error);
}

// Hostile experiment files (issue 10's first faults): numbers beyond a double and nesting
// 100,000 deep are ordinary validation errors with the path, never a signal; and a seeded
// mutation loop over the shipped experiment never makes the parser throw or crash.
#include "core/config/config.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>

using namespace r1wb;

namespace {

std::string nested(const std::string& open, const std::string& close, int depth, const std::string& inner) {
  std::string s;
  s.reserve(size_t(depth) * (open.size() + close.size()) + inner.size());
  for (int i = 0; i < depth; ++i) s += open;
  s += inner;
  for (int i = 0; i < depth; ++i) s += close;
  return s;
}

std::string shipped_experiment() {
  std::ifstream in(std::string(R1WB_SOURCE_DIR) + "/experiments/tiny-moe.json");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST(ConfigDamage, ANumberBeyondADoubleIsAnErrorWithItsPath) {
  const auto r = parse_experiment(R"({"train": {"lr": 1e400}})");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].path, "train.lr");
  EXPECT_NE(r.errors[0].message.find("number overflow"), std::string::npos) << r.errors[0].message;
  const auto in_list = parse_experiment(R"({"curriculum": {"phases": [{"until": 1, "mix": {"1": -1e999}}]}})");
  ASSERT_EQ(in_list.errors.size(), 1u);
  EXPECT_EQ(in_list.errors[0].path, "curriculum.phases[0].mix.1");
}

TEST(ConfigDamage, NestingAHundredThousandDeepIsAnErrorNotACrash) {
  struct Case {
    std::string text, path;
  };
  const std::vector<Case> cases = {
      {"{\"train\": {\"lr\": " + nested("[", "]", 100000, "") + "}}", "train.lr"},
      {"{\"name\": " + nested("{\"a\": ", "}", 100000, "1") + "}", "name"},
      {"{\"unknown\": " + nested("[", "]", 100000, "1") + "}", "unknown"},
  };
  for (const auto& c : cases) {
    const auto r = parse_experiment(c.text);
    ASSERT_EQ(r.errors.size(), 1u) << c.path;
    EXPECT_EQ(r.errors[0].path.rfind(c.path, 0), 0u) << r.errors[0].path;
    EXPECT_NE(r.errors[0].message.find("nested deeper than"), std::string::npos) << r.errors[0].message;
  }
  // A document built in memory (the GUI's form) is checked the same way before it is walked.
  nlohmann::json deep = 1;
  for (int i = 0; i < 100000; ++i) deep = nlohmann::json::array({std::move(deep)});
  const auto r = validate_experiment({{"train", {{"lr", std::move(deep)}}}});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].path.rfind("train.lr", 0), 0u) << r.errors[0].path;
}

TEST(ConfigDamage, SeededMutationsOfTheShippedExperimentNeverThrow) {
  const std::string base = shipped_experiment();
  ASSERT_TRUE(parse_experiment(base).ok());
  const std::vector<std::string> tokens = {"1e400", "-1e999", "[", "]", "{", "}", "\"", ",", ":", "null", "true",
                                           "99999999999999999999999", "-0", "0.0000000001", "\"\\u0000\"",
                                           "\"\\ud800\"", nested("[", "]", 300, ""), nested("{\"k\":", "}", 300, "1")};
  std::mt19937_64 rng(20261201);
  int valid = 0, invalid = 0;
  const auto start = std::chrono::steady_clock::now();
  const int trials = 20000;
  for (int t = 0; t < trials; ++t) {
    std::string s = base;
    const int edits = 1 + int(rng() % 4);
    for (int e = 0; e < edits && !s.empty(); ++e) {
      const size_t at = rng() % s.size();
      switch (rng() % 4) {
        case 0: s[at] = char(rng() % 256); break;                                    // flip a byte
        case 1: s.erase(at, 1 + rng() % 16); break;                                  // delete a span
        case 2: s.insert(at, s.substr(rng() % s.size(), 1 + rng() % 32)); break;     // duplicate a span
        case 3: s.insert(at, tokens[rng() % tokens.size()]); break;                  // a hostile token
      }
    }
    ConfigResult r;
    ASSERT_NO_THROW(r = parse_experiment(s)) << "trial " << t << ": " << s;
    if (r.ok()) {
      ++valid;
      ASSERT_NO_THROW(r = validate_experiment(r.resolved)) << "trial " << t;
      EXPECT_TRUE(r.ok()) << "trial " << t << ": a resolved document validates again";
    } else {
      ++invalid;
      for (const auto& err : r.errors) EXPECT_FALSE(err.message.empty()) << "trial " << t;
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("[ figures ] %d seeded mutations of tiny-moe.json in %.2f s: %d valid, %d reported errors, 0 crashes\n",
              trials, secs, valid, invalid);
}

TEST(ConfigDamage, ANameThatWouldEscapeItsRunFolderIsRefused) {
  for (const char* bad : {"../../etc", "a/b", "two\nlines", "", ".hidden", "-flag", "tab\there"}) {
    const auto r = validate_experiment({{"name", bad}});
    ASSERT_EQ(r.errors.size(), 1u) << bad;
    EXPECT_EQ(r.errors[0].path, "name");
    EXPECT_NE(r.errors[0].message.find("not a plain name"), std::string::npos) << r.errors[0].message;
  }
  for (const char* good : {"tiny-moe", "tiny-moe-derived", "grpo_v3.1+qat"})
    EXPECT_TRUE(validate_experiment({{"name", good}}).ok()) << good;
}

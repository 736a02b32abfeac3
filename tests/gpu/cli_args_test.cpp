// Pins the runner's argument parsing: an option or flag given twice is a usage error that
// names both values, never a silent choice of the last one.
#include "gpu/cli/cli_args.h"

#include <gtest/gtest.h>

using namespace r1wb;
using namespace r1wb::gpu;

TEST(CliArgs, AnOptionGivenTwiceIsAnErrorNamingBothValues) {
  std::string error;
  EXPECT_FALSE(parse_args({"cfg.json", "--steps", "10", "--steps", "20"}, {"steps"}, {}, error));
  EXPECT_NE(error.find("--steps given twice ('10' and '20')"), std::string::npos) << error;
  error.clear();
  EXPECT_FALSE(parse_args({"--json", "--json"}, {}, {"json"}, error));
  EXPECT_NE(error.find("--json given twice"), std::string::npos) << error;
  error.clear();
  const auto ok = parse_args({"cfg.json", "--steps", "10", "--json"}, {"steps"}, {"json"}, error);
  ASSERT_TRUE(ok) << error;
  EXPECT_EQ(ok->options.at("steps"), "10");
  EXPECT_EQ(ok->positional, std::vector<std::string>{"cfg.json"});
}

// A compression report survives its file: every field round-trips (NaN cells of layers without
// a matrix included), and a cut, non-JSON or malformed file is refused naming the file and field.
#include "core/formats/compression_report.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

using namespace r1wb;
using r1wb::testing::slurp;

namespace {

CompressionReport sample_report() {
  CompressionReport r;
  r.run_dir = "/runs/base", r.experiment = "tiny", r.device = "cpu", r.step = 300;
  r.loss_kind = "reference loss (256 held-out prompts)";
  CompressionVariant f;
  f.name = "float", f.quant = "weights none, activations none", f.bytes = 4000, f.parameters = 1000;
  f.accuracy = 0.5, f.loss = 0.25, f.tokens_per_s = 1234.5;
  CompressionVariant q = f;
  q.name = "int4-g32 PTQ", q.quant = "weights int4 (groups of 32), activations none", q.bytes = 1100;
  q.accuracy.reset();
  q.errors.matrices = {"attn.qkv", "mlp.w_down", "moe.w_down"};
  q.errors.weight = {{0.1, 0.2, std::nan("")}, {0.11, std::nan(""), 0.3}};
  q.errors.output = {0.05, 0.07};
  r.variants = {f, q};
  return r;
}

}  // namespace

TEST(CompressionReport, EveryFieldRoundTripsThroughTheFile) {
  r1wb::testing::TempDir dir;
  const auto path = compression_report_path(dir.path.string());
  write_compression_report(path, sample_report());
  const auto r = read_compression_report(path);
  EXPECT_EQ(r.run_dir, "/runs/base");
  EXPECT_EQ(r.step, 300);
  EXPECT_EQ(r.loss_kind, "reference loss (256 held-out prompts)");
  ASSERT_EQ(r.variants.size(), 2u);
  EXPECT_EQ(r.variants[0].accuracy, std::optional<double>(0.5));
  EXPECT_TRUE(r.variants[0].errors.empty());
  EXPECT_DOUBLE_EQ(r.variants[0].tokens_per_s, 1234.5);
  const auto& q = r.variants[1];
  EXPECT_FALSE(q.accuracy);
  EXPECT_EQ(q.bytes, 1100);
  ASSERT_EQ(q.errors.weight.size(), 2u);
  EXPECT_DOUBLE_EQ(q.errors.weight[1][0], 0.11);
  EXPECT_TRUE(std::isnan(q.errors.weight[0][2]));
  EXPECT_TRUE(std::isnan(q.errors.weight[1][1]));
  EXPECT_EQ(q.errors.output, (std::vector<double>{0.05, 0.07}));
}

TEST(CompressionReport, ACutFileIsRefusedNamingItAtEverySeededOffset) {
  r1wb::testing::TempDir dir;
  const auto path = compression_report_path(dir.path.string());
  write_compression_report(path, sample_report());
  const auto whole = slurp(path);
  std::mt19937 rng(7);
  for (int i = 0; i < 200; ++i) {
    const size_t cut = std::uniform_int_distribution<size_t>(0, whole.size() - 3)(rng);  // the last bytes are "}\n"
    std::ofstream(path, std::ios::binary | std::ios::trunc) << whole.substr(0, cut);
    try {
      read_compression_report(path);
      ADD_FAILURE() << "a report cut at " << cut << " was read";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  }
}

TEST(CompressionReport, AMalformedFieldIsNamedWithItsPath) {
  auto doc = to_json(sample_report());
  doc["variants"][1]["errors"]["weight"][1] = {0.1, 0.2};
  try {
    compression_report_from_json(doc, "r.json");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("r.json: variants[1].errors.weight[1] has 2 values for 3 matrices"),
              std::string::npos)
        << e.what();
  }
  doc = to_json(sample_report());
  doc["variants"][0]["bytes"] = "big";
  EXPECT_THROW(
      {
        try {
          compression_report_from_json(doc, "r.json");
        } catch (const std::runtime_error& e) {
          EXPECT_NE(std::string(e.what()).find("variants[0].bytes is not a whole number"), std::string::npos)
              << e.what();
          throw;
        }
      },
      std::runtime_error);
  doc = to_json(sample_report());
  doc.erase("step");
  EXPECT_THROW(compression_report_from_json(doc, "r.json"), std::runtime_error);
  EXPECT_THROW(read_compression_report("/nonexistent/compression/report.json"), std::runtime_error);
}

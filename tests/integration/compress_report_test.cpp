// `r1wb-run compress-report` through the real runner: a float run measured as itself and as
// post-training quantization to each grid, its figures the same the runner's own `eval` gives
// each variant, its sizes exactly the tensor data of the safetensors exports of those types, the
// per-layer errors ordered as the grids' coarseness says (int8 below int4 in every cell); a
// QAT run measured as the grid it trained against; bad input refused with the option named.
#include "core/formats/compression_report.h"
#include "core/formats/safetensors.h"
#include "tests/integration/run_runner.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>

namespace fs = std::filesystem;
using r1wb::testing::run_runner;
using r1wb::testing::trained;

namespace {

//! `r1wb-run eval RUN --n 16 --k 1 --temperature 0 --json EXTRA...` read through a pipe.
nlohmann::json eval_json(const fs::path& run, const std::string& extra) {
  const std::string cmd = std::string(R1WB_RUNNER) + " eval '" + run.string() +
                          "' --n 16 --k 1 --temperature 0 --json " + extra + " 2>/dev/null";
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  EXPECT_EQ(WEXITSTATUS(::pclose(p)), 0) << cmd;
  return nlohmann::json::parse(out, nullptr, false);
}

//! The tensor data bytes of a safetensors export of `type`.
int64_t export_bytes(const fs::path& run, const fs::path& dir, const std::string& type) {
  std::string err;
  EXPECT_EQ(run_runner({"export", run.string(), "--format", "safetensors", "--type", type}, dir, &err), 0) << err;
  for (const auto& entry : fs::directory_iterator(run / "exports"))
    if (entry.path().filename().string().size() > type.size() &&
        entry.path().filename().string().compare(entry.path().filename().string().size() - type.size(), type.size(),
                                                 type) == 0) {
      int64_t bytes = 0;
      for (const auto& t : r1wb::safetensors::read((entry.path() / "model.safetensors").string(), true).tensors)
        bytes += int64_t(t.data.size());
      return bytes;
    }
  ADD_FAILURE() << "no " << type << " export";
  return -1;
}

}  // namespace

TEST(CompressReport, FloatAndPtqVariantsMatchEvalTheirSizesMatchTheExportsAndInt8ErrsLessThanInt4) {
  r1wb::testing::TempDir t;
  auto doc = r1wb::testing::tiny_moe_doc(30, 0, 10);
  doc["train"]["warmup_steps"] = 2;
  const auto run = trained(t.path, "moe", doc);
  std::string err;
  ASSERT_EQ(run_runner({"compress-report", run.string(), "--grids", "int8,int4,8da4w", "--n", "16"}, t.path, &err), 0)
      << err;
  EXPECT_NE(err.find("[4/4] 8da4w-g32 PTQ"), std::string::npos) << err;  // progress per variant
  const auto r = r1wb::read_compression_report(r1wb::compression_report_path(run.string()));
  ASSERT_EQ(r.variants.size(), 4u);
  EXPECT_EQ(r.step, 30);
  const auto &f = r.variants[0], &i8 = r.variants[1], &i4 = r.variants[2], &a8w4 = r.variants[3];
  EXPECT_EQ(f.name, "float");
  EXPECT_EQ(i8.name, "int8 PTQ");
  EXPECT_EQ(i4.name, "int4-g32 PTQ");
  EXPECT_TRUE(f.errors.empty());
  EXPECT_GT(f.tokens_per_s, 0);

  // The same held-out prompts and sampling as eval: the same figures.
  for (const auto& [variant, extra] : {std::pair{&f, std::string()}, std::pair{&i8, std::string("--quant int8")},
                                       std::pair{&a8w4, std::string("--quant int4 --quant-acts int8")}}) {
    const auto e = eval_json(run, extra);
    ASSERT_TRUE(e.is_object()) << extra;
    EXPECT_NEAR(variant->loss, e["loss"].get<double>(), 1e-9) << variant->name;
    ASSERT_TRUE(variant->accuracy);
    EXPECT_NEAR(*variant->accuracy, e["accuracy"].get<double>(), 1e-9) << variant->name;
  }

  // Sizes: the exports' tensor data, byte for byte.
  EXPECT_EQ(f.bytes, export_bytes(run, t.path, "f32"));
  EXPECT_EQ(i8.bytes, export_bytes(run, t.path, "int8"));
  EXPECT_EQ(i4.bytes, export_bytes(run, t.path, "int4"));
  EXPECT_EQ(a8w4.bytes, i4.bytes);
  EXPECT_LT(i4.bytes, i8.bytes);
  EXPECT_LT(i8.bytes, f.bytes);

  // Errors: every block matrix of every layer, experts included; int8 finer than int4 everywhere.
  ASSERT_EQ(i8.errors.matrices, i4.errors.matrices);
  for (const char* m : {"attn.qkv", "attn.proj", "moe.w_gate", "moe.w_up", "moe.w_down"})
    EXPECT_NE(std::find(i8.errors.matrices.begin(), i8.errors.matrices.end(), m), i8.errors.matrices.end()) << m;
  ASSERT_EQ(i8.errors.weight.size(), size_t(doc["model"]["n_layers"].get<int>()));
  for (size_t l = 0; l < i8.errors.weight.size(); ++l) {
    for (size_t c = 0; c < i8.errors.matrices.size(); ++c) {
      const double a = i8.errors.weight[l][c], b = i4.errors.weight[l][c];
      if (std::isnan(a)) {
        EXPECT_TRUE(std::isnan(b));
        continue;
      }
      EXPECT_GT(a, 0);
      EXPECT_LT(a, b) << "layer " << l << " " << i8.errors.matrices[c];
      EXPECT_EQ(b, a8w4.errors.weight[l][c]);  // the same weight grid
    }
    EXPECT_LT(i8.errors.output[l], i4.errors.output[l]) << l;
    EXPECT_GT(a8w4.errors.output[l], 0);
  }

  // Low-rank factors: a smaller rank is smaller and errs more in every cell; a rank whose factors
  // would not be smaller keeps every matrix, so it is the float model exactly.
  ASSERT_EQ(run_runner({"compress-report", run.string(), "--grids", "lr4,lr16,lr999", "--n", "16", "--out",
                        (t.path / "lr.json").string()},
                       t.path, &err),
            0)
      << err;
  const auto lr = r1wb::read_compression_report((t.path / "lr.json").string());
  ASSERT_EQ(lr.variants.size(), 4u);
  const auto &r4 = lr.variants[1], &r16 = lr.variants[2], &full = lr.variants[3];
  EXPECT_EQ(r4.name, "rank 4 SVD");
  EXPECT_LT(r4.bytes, r16.bytes);
  EXPECT_LT(r16.bytes, f.bytes);
  EXPECT_EQ(full.bytes, f.bytes);
  EXPECT_NEAR(full.loss, f.loss, 1e-6);
  for (size_t l = 0; l < r4.errors.weight.size(); ++l) {
    for (size_t c = 0; c < r4.errors.matrices.size(); ++c)
      if (!std::isnan(r4.errors.weight[l][c])) {
        EXPECT_GT(r4.errors.weight[l][c], r16.errors.weight[l][c]) << l << " " << r4.errors.matrices[c];
        EXPECT_EQ(full.errors.weight[l][c], 0);
      }
    EXPECT_GT(r4.errors.output[l], r16.errors.output[l]);
  }

  // A run trained against a grid is measured as that grid.
  auto qat = doc;
  qat["stage"] = "sft";
  qat["init"] = {{"run", run.string()}, {"step", -1}};
  qat["train"]["steps"] = 5;
  qat["quant"] = {{"weights", "int4"}, {"group_size", 32}, {"start_step", 0}};
  const auto qrun = trained(t.path, "qat", qat);
  ASSERT_EQ(run_runner({"compress-report", qrun.string(), "--n", "16"}, t.path, &err), 0) << err;
  const auto q = r1wb::read_compression_report(r1wb::compression_report_path(qrun.string()));
  ASSERT_EQ(q.variants.size(), 1u);
  EXPECT_EQ(q.variants[0].name, "int4-g32 (trained)");
  EXPECT_TRUE(q.variants[0].trained);
  EXPECT_EQ(q.variants[0].bytes, i4.bytes);
  EXPECT_FALSE(q.variants[0].errors.empty());
  // With learned steps: named so, measured on its steps (another model than rounding by max|w|).
  qat["quant"]["learned_steps"] = true;
  const auto lrun = trained(t.path, "lsq", qat);
  ASSERT_EQ(run_runner({"compress-report", lrun.string(), "--n", "16"}, t.path, &err), 0) << err;
  const auto l = r1wb::read_compression_report(r1wb::compression_report_path(lrun.string()));
  ASSERT_EQ(l.variants.size(), 1u);
  EXPECT_EQ(l.variants[0].name, "int4-g32 learned steps (trained)");
  EXPECT_EQ(l.variants[0].bytes, i4.bytes) << "the learned steps are the scales an int4 export stores";

  // Bad input is refused naming the option.
  EXPECT_EQ(run_runner({"compress-report", run.string(), "--grids", "int3"}, t.path, &err), 2);
  EXPECT_NE(err.find("--grids: 'int3' is not one of"), std::string::npos) << err;
  // A group that does not tile the rows: the rule a run trained on that grid would break.
  EXPECT_EQ(run_runner({"compress-report", run.string(), "--grids", "int4", "--group", "128"}, t.path, &err), 2);
  EXPECT_NE(err.find("--grids int4-g128: quant.group_size: 128 needs rows in blocks of 128, but model.d_model is 64"),
            std::string::npos)
      << err;
}

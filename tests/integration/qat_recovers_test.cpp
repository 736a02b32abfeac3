// The science of quantization-aware training, on the CI machine, with the presets as they ship
// (experiments/qat_finetune_pipeline.sh, seed 0): a byte-level LM on libstdc++'s headers
// (qat-code-base, 600 steps) fine-tuned for 150 steps three ways: in float (the control),
// with int4-g32 fake quantization and with int4-g32 learned steps. Rounding the control to
// int4-g32 (PTQ) opens a held-out loss gap; each QAT run, evaluated on the grid it trained on,
// must close more than a quarter of it. Measured on the EPYC (README): 58 % and 44 % for seed
// 0, 58-98 % and 44-80 % over seeds 0-2; with a 1200-step base and 300-step fine-tunes 64-84 %
// and 68-86 % (mean 75 % both, torchao's 68 % on average but not per seed, hence no 68 % pin).
// A separate CTest entry (qat_recovers), so it runs beside the other integration tests.
#include "tests/integration/run_runner.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace fs = std::filesystem;
using r1wb::testing::run_runner;

using r1wb::testing::preset_path;

namespace {


double held_out_loss(const fs::path& run, const fs::path& dir, std::vector<std::string> quant = {}) {
  std::vector<std::string> args = {"perplexity", run.string(), "--corpus", (dir / "corpus" / "heldout").string(),
                                   "--tokens", "131072", "--json"};
  args.insert(args.end(), quant.begin(), quant.end());
  std::string err, out;
  EXPECT_EQ(run_runner(args, dir, &err, &out), 0) << err;
  return nlohmann::json::parse(out)["loss"].get<double>();
}

}  // namespace

TEST(QatRecovers, QuantizationAwareFineTunesCloseMoreThanAQuarterOfTheGapRoundingOpens) {
  const auto dir = fs::temp_directory_path() / ("r1wb-qat-recovers-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "corpus" / "train");
  fs::create_directories(dir / "corpus" / "heldout");
  std::vector<fs::path> headers;
  for (const auto& f : fs::directory_iterator("/usr/include/c++/12/bits"))
    if (f.path().extension() == ".h") headers.push_back(f.path());
  std::sort(headers.begin(), headers.end());
  ASSERT_GT(headers.size(), 100u) << "libstdc++-12-dev's headers (the compiler's) are the corpus";
  for (size_t i = 0; i < headers.size(); ++i)
    fs::create_symlink(headers[i], dir / "corpus" / (i % 8 == 3 ? "heldout" : "train") / headers[i].filename());
  // The presets name their corpus and parent relative to where they run: here, `dir`.
  const auto at = [&](const std::string& name) {
    std::ifstream in(preset_path(name + ".json"));
    auto doc = nlohmann::json::parse(in);
    doc["data"]["corpus"] = (dir / "corpus" / "train").string();
    if (doc.contains("init")) doc["init"]["run"] = (dir / "qat-code-base").string();
    std::ofstream(dir / (name + ".json")) << doc.dump();
    return (dir / (name + ".json")).string();
  };
  for (const std::string name : {"qat-code-base", "qat-code-finetune", "qat-code-int4", "qat-code-lsq"}) {
    std::string err;
    ASSERT_EQ(run_runner({"train", at(name), "--run-dir", (dir / name).string(), "--no-stream"}, dir, &err), 0)
        << name << ": " << err;
  }
  const double control = held_out_loss(dir / "qat-code-finetune", dir);
  const double ptq = held_out_loss(dir / "qat-code-finetune", dir, {"--quant", "int4", "--quant-group", "32"});
  const double qat = held_out_loss(dir / "qat-code-int4", dir);
  const double lsq = held_out_loss(dir / "qat-code-lsq", dir);
  const double gap = ptq - control;
  std::printf("held-out loss: control %.4f, int4-g32 PTQ %.4f (gap %.4f), QAT %.4f (recovered %.0f %%), "
              "learned steps %.4f (recovered %.0f %%)\n",
              control, ptq, gap, qat, 100 * (ptq - qat) / gap, lsq, 100 * (ptq - lsq) / gap);
  ASSERT_GT(gap, 0.002) << "rounding to int4-g32 should cost this model something";
  EXPECT_GT((ptq - qat) / gap, 0.25);
  EXPECT_GT((ptq - lsq) / gap, 0.25);
  fs::remove_all(dir);
}

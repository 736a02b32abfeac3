// The science of quantization-aware training, on the CI machine, with the presets as they ship
// (experiments/qat_finetune_pipeline.sh, seed 0): a byte-level LM on libstdc++'s headers
// (qat-code-base, 600 steps) fine-tuned for 150 steps with a cosine to zero, in float (the
// control) and with int4-g32 fake quantization, in three batch orders (data.seed 1234, the
// preset's, then 1 and 2), and once with int4-g32 learned steps. Rounding each control to
// int4-g32 (PTQ) opens a held-out loss gap; QAT, evaluated on the grid it trained on, must close
// at least torchao's 68 % of it on average over the three orders, and more than a quarter in
// each. One order alone is not a measurement: at this size the trajectory of a fine-tune moves
// the held-out loss by a good part of the gap (the README's table: 68-84 % per order and seed).
// A separate CTest entry (qat_recovers), so it runs beside the other integration tests.
#include "tests/integration/run_runner.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace fs = std::filesystem;
using r1wb::testing::preset_path;
using r1wb::testing::run_runner;

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

TEST(QatRecovers, QuantizationAwareFineTunesCloseTorchaosShareOfTheGapRoundingOpens) {
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
  // data_seed < 0 keeps the preset's own.
  const auto train = [&](const std::string& preset, const std::string& name, int data_seed) {
    std::ifstream in(preset_path(preset + ".json"));
    auto doc = nlohmann::json::parse(in);
    doc["data"]["corpus"] = (dir / "corpus" / "train").string();
    if (data_seed >= 0) doc["data"]["seed"] = data_seed;
    if (doc.contains("init")) doc["init"]["run"] = (dir / "qat-code-base").string();
    const auto config = (dir / (name + ".json")).string();
    std::ofstream(config) << doc.dump();
    std::string err;
    EXPECT_EQ(run_runner({"train", config, "--run-dir", (dir / name).string(), "--no-stream"}, dir, &err), 0)
        << name << ": " << err;
  };
  train("qat-code-base", "qat-code-base", -1);
  double sum = 0;
  int orders = 0;
  for (const int data_seed : {-1, 1, 2}) {
    const std::string tag = data_seed < 0 ? "" : "-d" + std::to_string(data_seed);
    train("qat-code-finetune", "control" + tag, data_seed);
    train("qat-code-int4", "qat" + tag, data_seed);
    const double control = held_out_loss(dir / ("control" + tag), dir);
    const double ptq = held_out_loss(dir / ("control" + tag), dir, {"--quant", "int4", "--quant-group", "32"});
    const double qat = held_out_loss(dir / ("qat" + tag), dir);
    const double gap = ptq - control, recovered = (ptq - qat) / gap;
    std::printf("order %s: held-out loss control %.4f, int4-g32 PTQ %.4f (gap %.4f), QAT %.4f (recovered %.0f %%)\n",
                data_seed < 0 ? "1234" : std::to_string(data_seed).c_str(), control, ptq, gap, qat, 100 * recovered);
    ASSERT_GT(gap, 0.002) << "rounding to int4-g32 should cost this model something";
    EXPECT_GT(recovered, 0.25);
    sum += recovered;
    ++orders;
    if (data_seed < 0) {  // learned steps, in the preset's order
      train("qat-code-lsq", "lsq", -1);
      const double lsq = held_out_loss(dir / "lsq", dir);
      std::printf("  learned steps %.4f (recovered %.0f %%)\n", lsq, 100 * (ptq - lsq) / gap);
      EXPECT_GT((ptq - lsq) / gap, 0.25);
    }
  }
  std::printf("QAT recovered %.0f %% of the int4-g32 gap on average over %d batch orders\n", 100 * sum / orders,
              orders);
  EXPECT_GE(sum / orders, 0.68) << "torchao's recovery on Llama-3-8B (wikitext)";
  fs::remove_all(dir);
}

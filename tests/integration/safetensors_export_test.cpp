// Hugging Face exports through the real runner (`export --format safetensors`): transformers'
// key names and a config.json of the architecture (LlamaForCausalLM, MixtralForCausalLM,
// DeepseekV3ForCausalLM),
// every tensor read back by the safetensors reader; the f32 folder gives the checkpoint's
// log-probs exactly, an int8 or int4 folder (the real integers and scales) exactly those of the
// fake-quantized model on the same grid, so the engine's evaluation of the converted model is
// the quantization-aware one; a model outside the llama family is refused with its blocking
// fields; a damaged file is refused naming it; an existing folder is never overwritten.
#include "core/formats/safetensors.h"
#include "core/wire/event_log.h"
#include "tests/integration/run_runner.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <cstdio>
#include <sys/wait.h>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using r1wb::testing::run_runner;
using r1wb::testing::kProbeText;
using r1wb::testing::trained;

namespace {

//! `r1wb-run logprobs RUN --text kProbeText EXTRA...`'s rows (its stdout read through a pipe).
std::vector<std::vector<double>> logprobs(const fs::path& run, const fs::path&, std::vector<std::string> extra) {
  std::string cmd = std::string(R1WB_RUNNER) + " logprobs '" + run.string() + "' --text '" + kProbeText + "'";
  for (const auto& e : extra) cmd += " '" + e + "'";
  std::string out;
  FILE* p = ::popen((cmd + " 2>/dev/null").c_str(), "r");
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  EXPECT_EQ(WEXITSTATUS(::pclose(p)), 0) << cmd;
  std::vector<std::vector<double>> rows;
  if (out.empty()) return rows;
  const auto doc = nlohmann::json::parse(out);
  for (const auto& r : doc["next_logprobs"]) rows.push_back(r.get<std::vector<double>>());
  EXPECT_FALSE(rows.empty()) << cmd << "\n" << out.substr(0, 300);
  return rows;
}

double max_difference(const std::vector<std::vector<double>>& a, const std::vector<std::vector<double>>& b) {
  EXPECT_EQ(a.size(), b.size());
  double d = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    for (size_t j = 0; j < a[i].size(); ++j) d = std::max(d, std::abs(a[i][j] - b[i][j]));
  return d;
}

}  // namespace

TEST(SafetensorsExport, LlamaMixtralAndDeepseekV3FoldersHoldTheCheckpointAndTheQuantizedGridExactly) {
  r1wb::testing::TempDir t;
  auto moe = r1wb::testing::tiny_moe_doc(20, 0, 10);
  moe["train"]["warmup_steps"] = 2;
  auto dense = moe;
  dense["model"]["ffn"] = "dense";
  dense["model"]["attention"]["n_kv_heads"] = 2;
  dense["model"]["tie_embeddings"] = false;
  auto v3 = moe;  // DeepSeek-V3 style: latent attention, sigmoid experts with the bias, groups, shared
  v3["model"]["attention"] = {{"kind", "mla"}, {"kv_lora_rank", 32}, {"rope_head_dim", 8}};
  v3["model"]["first_k_dense"] = 1;
  v3["model"]["moe"] = {{"num_experts", 4},        {"top_k", 2},              {"expert_hidden", 64},
                        {"num_shared_experts", 1}, {"score_func", "sigmoid"}, {"routed_scaling_factor", 2.5},
                        {"n_groups", 2},           {"topk_groups", 1},        {"bias_update_speed", 0.01},
                        {"aux_loss_weight", 0.0}};
  for (const auto& [name, doc, arch] : {std::tuple{"moe", moe, "MixtralForCausalLM"},
                                        std::tuple{"dense", dense, "LlamaForCausalLM"},
                                        std::tuple{"v3", v3, "DeepseekV3ForCausalLM"}}) {
    const auto run = trained(t.path, name, doc);
    const auto checkpoint = logprobs(run, t.path, {});
    for (const std::string type : {"f32", "bf16", "int8", "int4"}) {
      std::string err, out;
      ASSERT_EQ(run_runner({"export", run.string(), "--format", "safetensors", "--type", type}, t.path, &err, &out), 0)
          << err;
      const auto folder = run / "exports" / (std::string("tiny-moe-step20-") + type);
      ASSERT_TRUE(fs::exists(folder / "model.safetensors")) << out;
      std::ifstream config_in(folder / "config.json");
      const auto config = nlohmann::json::parse(config_in);
      EXPECT_EQ(config["architectures"][0], arch);
      EXPECT_EQ(config["num_hidden_layers"], doc["model"]["n_layers"]);
      const auto file = r1wb::safetensors::read((folder / "model.safetensors").string(), true);
      ASSERT_NE(file.tensor("model.layers.1.self_attn.o_proj.weight"), nullptr);
      if (std::string(name) == "moe") {
        ASSERT_NE(file.tensor("model.layers.0.block_sparse_moe.experts.3.w2.weight"), nullptr);
      } else if (std::string(name) == "v3") {
        for (const char* key : {"model.layers.0.mlp.down_proj.weight", "model.layers.1.self_attn.kv_a_proj_with_mqa.weight",
                                "model.layers.1.self_attn.kv_b_proj.weight", "model.layers.1.mlp.gate.e_score_correction_bias",
                                "model.layers.1.mlp.experts.3.down_proj.weight",
                                "model.layers.1.mlp.shared_experts.up_proj.weight"})
          EXPECT_NE(file.tensor(key), nullptr) << key;
        EXPECT_EQ(config["kv_lora_rank"], 32);
        EXPECT_EQ(config["qk_rope_head_dim"], 8);
        EXPECT_EQ(config["first_k_dense_replace"], 1);
        EXPECT_EQ(config["n_group"], 2);
        EXPECT_EQ(config["scoring_func"], "sigmoid");
        // The trained selection bias is in the file (it picks experts): not zeros.
        const auto* bias = file.tensor("model.layers.1.mlp.gate.e_score_correction_bias");
        ASSERT_NE(bias, nullptr);
        if (type == "f32") {
          std::vector<float> b(bias->data.size() / 4);
          std::memcpy(b.data(), bias->data.data(), bias->data.size());
          double sum = 0;
          for (float x : b) sum += std::abs(x);
          EXPECT_GT(sum, 0);
        }
      } else {
        ASSERT_NE(file.tensor("lm_head.weight"), nullptr);
      }
      const auto exported = logprobs(run, t.path, {"--export", folder.string()});
      if (type == "f32") EXPECT_EQ(max_difference(exported, checkpoint), 0.0) << name;
      // bf16 keeps 8 bits of mantissa; the latent attention rounds its keys and values twice
      // (kv_a, then kv_b): 0.134 measured for the V3-style model, under 0.1 for the llama ones.
      if (type == "bf16") EXPECT_LT(max_difference(exported, checkpoint), std::string(name) == "v3" ? 0.25 : 0.1) << name;
      if (type == "int8" || type == "int4") {
        EXPECT_EQ(config["quantization_config"]["bits"], type == "int8" ? 8 : 4);
        EXPECT_EQ(file.tensor("model.layers.0.self_attn.q_proj.weight")->dtype, type == "int8" ? "I8" : "U8");
        const auto fake = logprobs(run, t.path, {"--quant", type, "--quant-group", "32"});
        EXPECT_EQ(max_difference(exported, fake), 0.0) << name << " " << type;
        EXPECT_GT(max_difference(exported, checkpoint), 1e-4) << "rounded weights change the log-probs";
      }
    }
  }
  // Each export is an Export record in the run's log (what the store lists).
  for (const char* name : {"moe", "dense", "v3"}) {
    std::vector<std::string> paths;
    for (const auto& r : r1wb::read_event_log((t.path / name / "events.log").string()).records)
      if (const auto* e = std::get_if<r1wb::wire::Export>(&r.payload)) {
        paths.push_back(e->path);
        EXPECT_EQ(e->format, "safetensors");
        EXPECT_EQ(e->step, 20);
      }
    EXPECT_EQ(paths, (std::vector<std::string>{"exports/tiny-moe-step20-f32", "exports/tiny-moe-step20-bf16",
                                               "exports/tiny-moe-step20-int8", "exports/tiny-moe-step20-int4"}));
  }
  // An existing folder is not overwritten.
  std::string err;
  EXPECT_NE(run_runner({"export", (t.path / "moe").string(), "--format", "safetensors"}, t.path, &err), 0);
  EXPECT_NE(err.find("exists"), std::string::npos) << err;
  // A changed byte in the weights: the export is refused naming the file.
  const auto file = t.path / "moe" / "exports" / "tiny-moe-step20-f32" / "model.safetensors";
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-100, std::ios::end);
    f.put('\x7f');
  }
  EXPECT_NE(run_runner({"logprobs", (t.path / "moe").string(), "--text", kProbeText, "--export",
                        file.parent_path().string()},
                       t.path, &err),
            0);
  EXPECT_NE(err.find(file.string() + ": tensor "), std::string::npos) << err;
}

TEST(SafetensorsExport, ALearnedStepsRunIsStoredOnItsStepsResumesThemAndRunsAsItTrained) {
  r1wb::testing::TempDir t;
  auto doc = r1wb::testing::tiny_moe_doc(20, 5, 10);
  doc["train"]["warmup_steps"] = 2;
  doc["quant"] = {{"weights", "int4"}, {"group_size", 32}, {"start_step", 6}, {"learned_steps", true}};
  const auto run = trained(t.path, "lsq", doc);
  // Stopped after step 12 and resumed: the steps come back from the checkpoint, not from max|w|.
  std::ofstream(t.path / "lsq.json") << doc.dump();
  std::string err;
  ASSERT_EQ(run_runner({"train", (t.path / "lsq.json").string(), "--run-dir", (t.path / "resumed").string(), "--steps",
                        "12"},
                       t.path, &err),
            0)
      << err;
  ASSERT_EQ(run_runner({"train", (t.path / "lsq.json").string(), "--run-dir", (t.path / "resumed").string()}, t.path,
                       &err),
            0)
      << err;
  const auto own = logprobs(run, t.path, {});
  EXPECT_EQ(max_difference(logprobs(t.path / "resumed", t.path, {}), own), 0.0) << "resumed = uninterrupted";
  // The run opens on its learned steps (its own grid named again is the same); rounding its
  // weights by max|w| is another model; another grid has no learned steps to run on.
  EXPECT_EQ(max_difference(logprobs(run, t.path, {"--quant", "int4", "--quant-group", "32"}), own), 0.0);
  EXPECT_GT(max_difference(logprobs(run, t.path, {"--quant-steps", "max"}), own), 1e-4);
  EXPECT_NE(run_runner({"logprobs", run.string(), "--text", kProbeText, "--quant", "int8", "--quant-steps", "learned"},
                       t.path, &err),
            0);
  EXPECT_NE(err.find("--quant-steps: learned, but the run learned no steps for int8"), std::string::npos) << err;
  std::string out;
  ASSERT_EQ(run_runner({"export", run.string(), "--format", "safetensors", "--type", "int4"}, t.path, &err, &out), 0)
      << err;
  const auto folder = run / "exports" / "tiny-moe-step20-int4";
  EXPECT_EQ(max_difference(logprobs(run, t.path, {"--export", folder.string()}), own), 0.0)
      << "the export holds the integers on the learned steps";
  const auto file = r1wb::safetensors::read((folder / "model.safetensors").string(), true);
  for (const auto& tensor : file.tensors) EXPECT_EQ(tensor.name.find("quant_steps"), std::string::npos) << tensor.name;
  // Another grid rounds the float weights again and says the steps were left out.
  ASSERT_EQ(run_runner({"export", run.string(), "--format", "safetensors", "--type", "int8"}, t.path, &err, &out), 0)
      << err;
  EXPECT_NE((out + err).find("learned quantization steps are left out"), std::string::npos) << out << err;
  // DeepseekV3's RoPE rows are reordered in the file: their steps go with them.
  doc["model"]["attention"] = {{"kind", "mla"}, {"kv_lora_rank", 32}, {"rope_head_dim", 8}};
  doc["model"]["moe"] = {{"num_experts", 4}, {"top_k", 2}, {"expert_hidden", 64}, {"num_shared_experts", 1},
                         {"score_func", "sigmoid"}, {"aux_loss_weight", 0.0}};
  const auto v3 = trained(t.path, "lsq-v3", doc);
  ASSERT_EQ(run_runner({"export", v3.string(), "--format", "safetensors", "--type", "int4"}, t.path, &err, &out), 0)
      << err;
  EXPECT_EQ(max_difference(logprobs(v3, t.path, {"--export", (v3 / "exports" / "tiny-moe-step20-int4").string()}),
                           logprobs(v3, t.path, {})),
            0.0);
}

TEST(SafetensorsExport, AModelNoArchitectureFitsIsRefusedWithItsFields) {
  r1wb::testing::TempDir t;
  auto doc = r1wb::testing::tiny_moe_doc(2, 0, 1);
  doc["train"]["warmup_steps"] = 0;
  doc["model"]["moe"]["num_shared_experts"] = 1;
  const auto run = trained(t.path, "shared", doc);
  std::string err;
  EXPECT_NE(run_runner({"export", run.string(), "--format", "safetensors"}, t.path, &err), 0);
  EXPECT_NE(err.find("model.moe.num_shared_experts: 1"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(run / "exports" / "tiny-moe-step2-f32"));
  // Latent attention goes to DeepseekV3, which has no softmax router.
  doc["model"]["attention"] = {{"kind", "mla"}, {"kv_lora_rank", 32}, {"rope_head_dim", 8}};
  const auto mla = trained(t.path, "mla-softmax", doc);
  EXPECT_NE(run_runner({"export", mla.string(), "--format", "safetensors"}, t.path, &err), 0);
  EXPECT_NE(err.find("DeepseekV3ForCausalLM"), std::string::npos) << err;
  EXPECT_NE(err.find("model.moe.score_func: softmax"), std::string::npos) << err;
}

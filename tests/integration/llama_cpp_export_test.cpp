// Exports checked by their real consumer. An unmodified llama.cpp (core/formats/llama_cpp_logprobs.h:
// npm's node-llama-cpp, installed by scripts/install-test-consumers.sh) loads each
// exported model, tokenizes the probe text to the engine's tokens, and gives the engine's
// next-token log-probs (`r1wb-run logprobs`): within 1e-3 for f32 exports; for f16, bf16, q8_0
// and q4_0 against the engine's own evaluation of the same stored weights (`logprobs --export`,
// for the block types with the matmul inputs rounded as llama.cpp rounds them) within the
// bounds below. Three models cover both architectures: as llama, tiny-moe (MoE, MHA,
// tied embeddings) and a dense one with GQA and an untied head; as deepseek2, a DeepSeek-V3
// style one (MLA, sigmoid gating with the selection bias, scaled weights, two expert groups, a
// shared expert, a leading dense block).
#include "core/formats/gguf.h"
#include "core/formats/llama_cpp_logprobs.h"
#include "tests/integration/run_runner.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <unistd.h>

namespace fs = std::filesystem;
using r1wb::testing::run_runner;
using r1wb::testing::kProbeText;

namespace {

using Logprobs = r1wb::NextLogprobs;

Logprobs parse(const std::string& text) { return r1wb::parse_next_logprobs(text); }

double max_difference(const Logprobs& engine, const Logprobs& other) {
  return r1wb::max_logprob_difference(engine, other);
}

class LlamaCppExport : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("r1wb-llama-cpp-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto moe = r1wb::testing::tiny_moe_doc(60, 60, 10);
    auto dense = moe;
    dense["name"] = "dense-gqa";
    dense["model"]["ffn"] = "dense";
    dense["model"]["attention"]["n_kv_heads"] = 2;
    dense["model"]["tie_embeddings"] = false;
    auto v3 = moe;
    v3["name"] = "v3-style";
    v3["model"]["attention"] = {{"kind", "mla"}, {"kv_lora_rank", 32}, {"rope_head_dim", 8}};
    v3["model"]["first_k_dense"] = 1;
    v3["model"]["moe"] = {{"num_experts", 4},          {"top_k", 2},           {"expert_hidden", 64},
                          {"num_shared_experts", 1},   {"score_func", "sigmoid"}, {"routed_scaling_factor", 2.5},
                          {"n_groups", 2},             {"topk_groups", 1},      {"bias_update_speed", 0.01},
                          {"aux_loss_weight", 0.0},    {"seq_aux_loss_weight", 0.001}};
    auto bpe = dense;  // a SentencePiece vocabulary, trained on the task's examples
    bpe["name"] = "bpe";
    bpe["model"]["tokenizer"] = "bpe";
    bpe["model"]["vocab_size"] = 300;
    for (auto& [name, doc] : {std::pair{std::string("moe"), moe}, std::pair{std::string("dense"), dense},
                              std::pair{std::string("v3"), v3}, std::pair{std::string("bpe"), bpe}}) {
      std::ofstream(dir_ / (name + ".json")) << doc.dump();
      std::string err;
      const int code =
          run_runner({"train", (dir_ / (name + ".json")).string(), "--run-dir", (dir_ / name).string()}, dir_, &err);
      if (code != 0) std::fprintf(stderr, "training %s failed: %s\n", name.c_str(), err.c_str());
    }
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  //! Exports run `name` as `type` (the embedding and head too, unless `embeddings` says);
  //! returns the file.
  static fs::path exported(const std::string& name, const std::string& type, const std::string& embeddings = "") {
    const auto out = dir_ / (name + "-" + type + (embeddings.empty() ? "" : "-embd-" + embeddings) + ".gguf");
    std::vector<std::string> args = {"export", (dir_ / name).string(), "--type", type, "--out", out.string()};
    if (!embeddings.empty()) args.insert(args.end(), {"--embeddings", embeddings});
    std::string err, stdout_text;
    EXPECT_EQ(run_runner(args, dir_, &err, &stdout_text), 0) << err;
    return out;
  }
  static Logprobs engine(const std::string& name, const fs::path& export_file = {},
                         const std::vector<std::string>& extra = {}, const std::string& text = kProbeText) {
    std::vector<std::string> args = {"logprobs", (dir_ / name).string(), "--text", text};
    if (!export_file.empty()) args.insert(args.end(), {"--export", export_file.string()});
    args.insert(args.end(), extra.begin(), extra.end());
    std::string err, out;
    EXPECT_EQ(run_runner(args, dir_, &err, &out), 0) << err;
    return parse(out);
  }
  static Logprobs llama_cpp(const fs::path& gguf, const std::string& text = kProbeText) {
    const fs::path consumer = R1WB_TEST_DEPS "/llama-cpp";
    std::string why_not;
    EXPECT_EQ(r1wb::find_llama_cpp(consumer.string(), why_not), consumer.string())
        << why_not << " (scripts/install-test-consumers.sh installs it; scripts/test.sh runs that)";
    try {
      return r1wb::llama_cpp_logprobs(consumer.string(), gguf.string(), text, 64);
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what();
      return {};
    }
  }

  static inline fs::path dir_;
};

TEST_F(LlamaCppExport, F32ExportsRunInLlamaCppWithTheEnginesTokensAndLogProbs) {
  for (const std::string name : {"moe", "dense", "v3"}) {
    SCOPED_TRACE(name);
    const auto file = exported(name, "f32");
    const auto ours = engine(name), theirs = llama_cpp(file);
    ASSERT_EQ(theirs.tokens, ours.tokens) << "llama.cpp tokenizes the text to the engine's byte tokens";
    ASSERT_EQ(theirs.rows.size(), ours.rows.size());
    const double diff = max_difference(ours, theirs);
    std::printf("%s f32: largest next-token log-prob difference, engine vs llama.cpp: %.2e\n", name.c_str(), diff);
    EXPECT_LT(diff, r1wb::llama_cpp_bound("f32"));
    // The engine reading its own export back gives the checkpoint's figures: every tensor
    // round-trips through the GGUF writer and reader (and the RoPE row reordering).
    EXPECT_LT(max_difference(ours, engine(name, file)), 1e-5);
  }
}

TEST_F(LlamaCppExport, LlamaCheckGivesTheVerdictTheExportDialogShows) {
  // `r1wb-run llama-check`: the comparison above as a product command (what the export dialog
  // runs after a GGUF export), its verdict as JSON.
  const std::string consumer = R1WB_TEST_DEPS "/llama-cpp";
  const auto check = [&](const std::string& name, const fs::path& file, const std::string& llama_dir,
                         std::string* err) {
    std::string out;
    const int code = run_runner({"llama-check", (dir_ / name).string(), "--export", file.string(), "--json",
                                 "--llama-cpp", llama_dir},
                                dir_, err, &out);
    return std::pair{code, out.empty() ? nlohmann::json() : nlohmann::json::parse(out)};
  };
  std::string err;
  for (const auto& [name, type] : {std::pair{std::string("dense"), std::string("f32")},
                                   std::pair{std::string("moe"), std::string("q4_0")},
                                   std::pair{std::string("v3"), std::string("q8_0")}}) {
    SCOPED_TRACE(name + " " + type);
    const auto [code, v] = check(name, exported(name, type), consumer, &err);
    EXPECT_EQ(code, 0) << err << v.dump();
    EXPECT_EQ(v.value("verdict", ""), "passed") << v.dump();
    EXPECT_EQ(v.value("type", ""), type);
    EXPECT_EQ(v.value("bound", 0.0), r1wb::llama_cpp_bound(type));
    EXPECT_LT(v.value("max_difference", 1.0), v.value("bound", 0.0));
    EXPECT_GT(v.value("tokens", 0), 10);
    std::printf("llama-check %s %s: %s\n", name.c_str(), type.c_str(), v.value("message", "").c_str());
  }
  // No llama.cpp where it looks: not run, exit 1, and the command that installs it.
  const auto empty = dir_ / "no-llama";
  fs::create_directories(empty);
  const auto [code, v] = check("dense", exported("dense", "f32"), empty.string(), &err);
  EXPECT_EQ(code, 1);
  EXPECT_EQ(v.value("verdict", ""), "not-run") << v.dump();
  EXPECT_NE(v.value("message", "").find("npm install --prefix"), std::string::npos) << v.dump();
  // A damaged file is refused before anything runs it, naming the file.
  const auto damaged = dir_ / "damaged.gguf";
  fs::copy_file(exported("dense", "f32"), damaged, fs::copy_options::overwrite_existing);
  {
    std::fstream f(damaged, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(std::streamoff(fs::file_size(damaged) / 2));
    f.put('\x5a');
  }
  const auto [damaged_code, none] = check("dense", damaged, consumer, &err);
  EXPECT_EQ(damaged_code, 1);
  EXPECT_NE(err.find("damaged.gguf"), std::string::npos) << err;
}

TEST_F(LlamaCppExport, ABpeRunsSentencePieceVocabularyTokenizesInLlamaCppAsInTheEngine) {
  // Spaces, a character the vocabulary lacks (byte fallback) and the task's own text.
  const auto file = exported("bpe", "f32");
  for (const std::string text : {std::string(kProbeText), std::string("7 + 5 = 12, c1; caf\u00e9 </answer>")}) {
    SCOPED_TRACE(text);
    const auto ours = engine("bpe", {}, {}, text), theirs = llama_cpp(file, text);
    ASSERT_EQ(theirs.tokens, ours.tokens) << "llama.cpp's SPM tokenizer splits the text as SentencePiece does";
    EXPECT_LT(ours.tokens.size(), text.size()) << "pieces longer than a byte";
    ASSERT_EQ(theirs.rows.size(), ours.rows.size());
    const double diff = max_difference(ours, theirs);
    std::printf("bpe f32: %zu tokens, largest next-token log-prob difference: %.2e\n", ours.tokens.size(), diff);
    EXPECT_LT(diff, 1e-3);
  }
}

TEST_F(LlamaCppExport, QuantizedExportsMatchTheEnginesEvaluationOfTheSameWeights) {
  // llama.cpp rounds the input of every q8_0 / q4_0 matmul to q8_0 blocks, and of f16 / bf16
  // ones to that type, which the engine on the dequantized weights does not: hence the bounds.
  // The bounds are the product's (r1wb::llama_cpp_bound, what `r1wb-run llama-check` holds an
  // export to).
  for (const std::string name : {"moe", "dense", "v3"}) {
    const auto float_model = engine(name);
    for (const std::string type : {"f16", "bf16", "q8_0", "q4_0"}) {
      const double bound = r1wb::llama_cpp_bound(type);
      SCOPED_TRACE(name + " " + type);
      const auto file = exported(name, type);
      const auto same_weights = engine(name, file), theirs = llama_cpp(file);
      ASSERT_EQ(theirs.tokens, same_weights.tokens);
      const double diff = max_difference(same_weights, theirs), cost = max_difference(float_model, same_weights);
      std::printf("%s %s: llama.cpp vs the engine on the same weights %.2e; the rounding itself moved the engine's "
                  "log-probs by up to %.2e\n",
                  name.c_str(), type.c_str(), diff, cost);
      EXPECT_LT(diff, bound);
      EXPECT_GT(cost, 0.0) << "the stored weights are rounded";
    }
  }
}

TEST_F(LlamaCppExport, WithInputsRoundedAsLlamaCppRoundsThemTheEngineRunsItsBlockArithmetic) {
  // With --quant-acts q8_0 the engine rounds each matmul's input to q8_0 blocks as llama.cpp's
  // CPU kernels do for q8_0 and q4_0 weights; with the embedding and head kept f32 (their
  // products' inputs are not rounded then) the two compute the same llama-architecture model
  // to float precision. Printed, not asserted: tiny-moe at q4_0 and q8_0 (4.9e-3 from
  // position 4 on at q4_0 on an AVX2 EPYC; 5.9e-4 at q8_0 on an AVX-512 Xeon, whose BLAS kernels
  // train a slightly different model: most likely one token's top-2 experts flipping at a
  // near-tie, since the QAT run below matches an MoE at q4_0 to 3e-6; not traced further),
  // and deepseek2, which llama.cpp runs in the absorbed MLA form: it rounds the attention's
  // latent mix before attn_v_b, the engine the latent before its up-projection.
  struct Case {
    std::string name, type;
    bool exact;
  };
  for (const auto& c : {Case{"dense", "q8_0", true}, Case{"dense", "q4_0", true}, Case{"moe", "q8_0", false},
                        Case{"moe", "q4_0", false}, Case{"v3", "q8_0", false}, Case{"v3", "q4_0", false}}) {
    SCOPED_TRACE(c.name + " " + c.type);
    const auto file = exported(c.name, c.type, "f32");
    const auto theirs = llama_cpp(file);
    const double plain = max_difference(engine(c.name, file), theirs);
    const double emulated = max_difference(engine(c.name, file, {"--quant-acts", "q8_0"}), theirs);
    std::printf("%s %s (embedding f32): llama.cpp vs the engine %.2e, %.2e with the inputs rounded as llama.cpp's\n",
                c.name.c_str(), c.type.c_str(), plain, emulated);
    if (c.exact) EXPECT_LT(emulated, 1e-4);
  }
}

TEST_F(LlamaCppExport, ExportsGoIntoTheRunsFolderWholeAndReadBack) {
  std::string err, out;
  ASSERT_EQ(run_runner({"export", (dir_ / "moe").string(), "--type", "q8_0"}, dir_, &err, &out), 0) << err;
  const auto file = dir_ / "moe" / "exports" / "tiny-moe-step60-q8_0.gguf";
  ASSERT_TRUE(fs::exists(file)) << out;
  EXPECT_NE(out.find(file.string()), std::string::npos) << out;
  for (const auto& e : fs::directory_iterator(file.parent_path()))
    EXPECT_EQ(e.path().filename().string().find(".partial"), std::string::npos) << "a temp file left behind";
  const auto f = r1wb::gguf::read(file.string(), true);
  EXPECT_EQ(f.text("general.architecture"), "llama");
  EXPECT_EQ(f.integer("llama.expert_count"), 4);
  EXPECT_EQ(f.tensor("blk.0.ffn_gate_exps.weight")->dims, (std::vector<int64_t>{64, 128, 4}));
  EXPECT_EQ(f.tensor("blk.0.ffn_gate_exps.weight")->type, r1wb::ggml::Type::Q8_0);
  EXPECT_EQ(f.tensor("blk.0.ffn_gate_inp.weight")->type, r1wb::ggml::Type::F32) << "the router stays f32";
  EXPECT_EQ(f.tensor("output.weight"), nullptr) << "tied embeddings: llama.cpp reuses token_embd";
}

TEST_F(LlamaCppExport, AQuantizationAwareRunExportsOnItsGridWithoutASecondRounding) {
  // A run trained against q4_0 (from its 30th step) runs quantized as it trained; its export
  // is the convert step: real 4-bit integers and fp16 scales, the embedding kept f32. The
  // engine evaluating the converted file gives the fake-quantized model's figures, and
  // llama.cpp runs it within the q4_0 bound.
  auto doc = r1wb::testing::tiny_moe_doc(60, 60, 10);
  doc["name"] = "qat-q4_0";
  doc["quant"] = {{"weights", "q4_0"}, {"start_step", 30}};
  std::ofstream(dir_ / "qat.json") << doc.dump();
  std::string err, out;
  ASSERT_EQ(run_runner({"train", (dir_ / "qat.json").string(), "--run-dir", (dir_ / "qat").string()}, dir_, &err), 0)
      << err;
  ASSERT_EQ(run_runner({"export", (dir_ / "qat").string()}, dir_, &err, &out), 0) << err;
  const auto file = dir_ / "qat" / "exports" / "qat-q4_0-step60-q4_0.gguf";
  const auto f = r1wb::gguf::read(file.string(), true);
  EXPECT_EQ(f.tensor("blk.0.attn_q.weight")->type, r1wb::ggml::Type::Q4_0);
  EXPECT_EQ(f.tensor("blk.0.ffn_down_exps.weight")->type, r1wb::ggml::Type::Q4_0);
  EXPECT_EQ(f.tensor("token_embd.weight")->type, r1wb::ggml::Type::F32) << "trained in float, stored in float";
  const auto fake = engine("qat"), converted = engine("qat", file);
  const double same = max_difference(fake, converted);
  std::printf("q4_0 QAT run: fake-quantized engine vs the engine on the converted file %.2e\n", same);
  EXPECT_LT(same, 1e-5);
  const auto theirs = llama_cpp(file);
  ASSERT_EQ(theirs.tokens, fake.tokens);
  const double diff = max_difference(fake, theirs);
  std::vector<std::string> rounded_inputs = {"logprobs", (dir_ / "qat").string(), "--text", kProbeText, "--quant-acts", "q8_0"};
  ASSERT_EQ(run_runner(rounded_inputs, dir_, &err, &out), 0) << err;
  const double emulated = max_difference(parse(out), theirs);
  std::printf("q4_0 QAT run: engine vs llama.cpp %.2e, %.2e with the inputs rounded as llama.cpp's\n", diff, emulated);
  EXPECT_LT(diff, 5e-2);
  EXPECT_LT(emulated, 1e-4);
  // Run as float, the same weights give other log-probs: the quantization is real.
  std::vector<std::string> args = {"logprobs", (dir_ / "qat").string(), "--text", kProbeText, "--quant", "none"};
  ASSERT_EQ(run_runner(args, dir_, &err, &out), 0) << err;
  EXPECT_GT(max_difference(fake, parse(out)), 1e-3);
}

TEST_F(LlamaCppExport, TheV3StyleModelIsDeepseek2WithItsRouterInTheMetadata) {
  const auto f = r1wb::gguf::read(exported("v3", "f32").string(), true);
  EXPECT_EQ(f.text("general.architecture"), "deepseek2");
  EXPECT_EQ(f.integer("deepseek2.leading_dense_block_count"), 1);
  EXPECT_EQ(f.integer("deepseek2.expert_gating_func"), 2) << "sigmoid";
  EXPECT_EQ(f.real("deepseek2.expert_weights_scale"), 2.5);
  EXPECT_EQ(f.integer("deepseek2.expert_group_count"), 2);
  EXPECT_EQ(f.integer("deepseek2.attention.kv_lora_rank"), 32);
  ASSERT_NE(f.tensor("blk.1.exp_probs_b.bias"), nullptr) << "the selection bias";
  EXPECT_EQ(f.tensor("blk.1.attn_k_b.weight")->dims, (std::vector<int64_t>{16, 32, 4}));
  EXPECT_EQ(f.tensor("blk.1.attn_v_b.weight")->dims, (std::vector<int64_t>{32, 16, 4}));
  EXPECT_NE(f.tensor("blk.0.ffn_gate.weight"), nullptr) << "the leading dense block";
  EXPECT_NE(f.tensor("output.weight"), nullptr) << "deepseek2 always has its output matrix";
}

TEST_F(LlamaCppExport, AModelLlamaCppCannotRunIsRefusedFieldByField) {
  auto doc = r1wb::testing::tiny_moe_doc(2, 2, 1);
  doc["train"]["warmup_steps"] = 0;
  doc["model"]["attention"]["sliding_window"] = 8;
  doc["model"]["moe"]["num_shared_experts"] = 1;  // MHA with a DeepSeek router
  std::ofstream(dir_ / "window.json") << doc.dump();
  std::string err;
  ASSERT_EQ(run_runner({"train", (dir_ / "window.json").string(), "--run-dir", (dir_ / "window").string()}, dir_, &err),
            0)
      << err;
  EXPECT_EQ(run_runner({"export", (dir_ / "window").string()}, dir_, &err), 2);
  EXPECT_NE(err.find("model.attention.sliding_window: 8:"), std::string::npos) << err;
  EXPECT_NE(err.find("0 exports"), std::string::npos) << err;
  EXPECT_NE(err.find("as llama it would need 2 changes"), std::string::npos) << err;
  EXPECT_NE(err.find("model.moe.num_shared_experts: 1:"), std::string::npos) << err;
  EXPECT_NE(err.find("as deepseek2 it would need 2 changes"), std::string::npos) << err;
  EXPECT_NE(err.find("model.attention.kind: mha:"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(dir_ / "window" / "exports" / "tiny-moe-step2-f32.gguf"));
  EXPECT_EQ(run_runner({"export", (dir_ / "window").string(), "--type", "q3_k"}, dir_, &err), 2);
  EXPECT_NE(err.find("--type: 'q3_k' is not one of"), std::string::npos) << err;
}

}  // namespace

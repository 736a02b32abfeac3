// Fake quantization (gpu/quant/fake_quant.h): the ggml grids decode to exactly what a GGUF
// tensor of that type holds (core/formats/ggml_blocks.h), the symmetric grids round as their
// formulas say on hand-computed rows, the straight-through gradient is the identity, and a
// model under the hooks computes what the same model computes with its matrices replaced by
// their rounded values, in the full forward and in KV-cached decoding alike.
#include "core/formats/ggml_blocks.h"
#include "gpu/model/transformer.h"
#include "gpu/quant/fake_quant.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>

using namespace r1wb;
using namespace r1wb::gpu;

namespace {

//! What a GGUF tensor of `type` holding `w` decodes to.
torch::Tensor through_ggml(const torch::Tensor& w, ggml::Type type) {
  const auto x = w.contiguous();
  std::vector<uint8_t> bytes;
  ggml::encode(type, x.data_ptr<float>(), x.numel(), bytes);
  auto out = torch::empty_like(x);
  ggml::decode(type, bytes.data(), x.numel(), out.data_ptr<float>());
  return out;
}

}  // namespace

TEST(FakeQuant, GgmlGridsDecodeBitForBitAsGgufTensorsOfThatType) {
  torch::manual_seed(1);
  // Rows with ties on purpose (x * id at .5) and blocks that are all zero.
  auto w = torch::randn({3, 8, 64}) * 0.05;
  w[0][0] = torch::arange(64, torch::kFloat32) - 32;  // q4_0: many exact halves
  w[0][1].zero_();
  EXPECT_TRUE(torch::equal(rounded_weight(w, WeightQuant::Q8_0, 0), through_ggml(w, ggml::Type::Q8_0)));
  EXPECT_TRUE(torch::equal(rounded_weight(w, WeightQuant::Q4_0, 0), through_ggml(w, ggml::Type::Q4_0)));
}

TEST(FakeQuant, Q8ZeroActivationsRoundAsLlamaCppsKernelsNotItsReferenceQuantizer) {
  // A block whose maximum is 127 x 0.5: x = 0.25 sits at q = 63.5, a tie. llama.cpp's AVX2
  // kernel (127 / max, nearest even) gives 64; the reference (1 / (max / 127), half away) too,
  // but 2.5 -> 2 (even) against 3 (away) tells them apart.
  auto x = torch::zeros({1, 32});
  x[0][0] = 63.5f, x[0][1] = 31.75f, x[0][2] = 1.25f;  // max 63.5: d = 0.5, x / d = 127, 63.5, 2.5
  const float d = ggml::from_fp16(ggml::fp16_bits(0.5f));
  const auto a = rounded_activation(x, ActivationQuant::Q8_0);
  EXPECT_EQ(a[0][1].item<float>(), 64 * d) << "63.5 to the even 64";
  EXPECT_EQ(a[0][2].item<float>(), 2 * d) << "2.5 to the even 2";
  EXPECT_EQ(through_ggml(x, ggml::Type::Q8_0)[0][2].item<float>(), 3 * d) << "the reference rounds it away";
}

TEST(FakeQuant, SymmetricGridsRoundAsTheirFormulasSay) {
  // int8 per row: s = 2.54 / 127 = 0.02; 0.011 -> round(0.55) = 1 -> 0.02.
  const auto row = torch::tensor({{2.54f, -1.0f, 0.011f, 0.0f}});
  const auto q8 = rounded_weight(row, WeightQuant::Int8, 0);
  EXPECT_NEAR(q8[0][0].item<float>(), 2.54f, 1e-6);
  EXPECT_NEAR(q8[0][1].item<float>(), -50 * 0.02f, 1e-6);
  EXPECT_NEAR(q8[0][2].item<float>(), 0.02f, 1e-7);
  // int4 in groups of 2: [0.7, -0.3] s = 0.1 -> [0.7, -0.3]; [1.4, 0.31] s = 0.2 -> [1.4, 0.4].
  const auto q4 = rounded_weight(torch::tensor({{0.7f, -0.3f, 1.4f, 0.31f}}), WeightQuant::Int4, 2);
  EXPECT_TRUE(torch::allclose(q4, torch::tensor({{0.7f, -0.3f, 1.4f, 0.4f}}), 1e-6, 1e-6)) << q4;
  // int4 keeps [-8, 7] of its scale: -0.8 with a group maximum |x| 0.7 (s = 0.1) clamps to -0.8.
  const auto clamp = rounded_weight(torch::tensor({{0.7f, -0.7f}}), WeightQuant::Int4, 2);
  EXPECT_NEAR(clamp[0][1].item<float>(), -0.7f, 1e-6);
  // int8 activations per token: each row its own scale.
  const auto a = rounded_activation(torch::tensor({{1.27f, 0.5f}, {0.0f, 0.0f}}), ActivationQuant::Int8);
  EXPECT_NEAR(a[0][1].item<float>(), 0.5f, 0.005);
  EXPECT_EQ(a[1][0].item<float>(), 0.f);
}

TEST(FakeQuant, TheStraightThroughGradientIsTheIdentity) {
  const auto hooks = fake_quant_hooks([] {
    QuantConfig q;
    q.weights = WeightQuant::Q4_0;
    q.activations = ActivationQuant::Int8;
    return q;
  }());
  auto w = (torch::randn({4, 32}) * 0.1).requires_grad_();
  auto x = torch::randn({3, 32}).requires_grad_();
  const auto upstream = torch::randn({3, 4});
  (linear_with(x, w, {w}, &hooks) * upstream).sum().backward();
  const auto rounded_w = rounded_weight(w.detach(), WeightQuant::Q4_0, 0);
  const auto rounded_x = rounded_activation(x.detach(), ActivationQuant::Int8);
  EXPECT_TRUE(torch::allclose(w.grad(), upstream.t().matmul(rounded_x), 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(x.grad(), upstream.matmul(rounded_w), 1e-5, 1e-5));
}

TEST(FakeQuant, AModelUnderTheHooksIsTheModelWithRoundedMatricesInForwardAndDecoding) {
  for (const auto& [pointer, value] : std::vector<std::pair<std::string, nlohmann::json>>{
           {"", nullptr}, {"/model/attention/kind", "mla"}, {"/model/ffn", "dense"}, {"/model/moe/num_shared_experts", 1}}) {
    SCOPED_TRACE(pointer + " " + value.dump());
    torch::manual_seed(4);
    const auto cfg = r1wb::testing::tiny_moe_model_with(pointer, value);
    TransformerLM hooked(cfg), rounded(cfg);
    {
      torch::NoGradGuard no_grad;
      auto source = hooked->named_parameters();
      for (auto& p : rounded->named_parameters()) p.value().copy_(source[p.key()]);
    }
    QuantConfig q;
    q.weights = WeightQuant::Q4_0;
    hooked->set_matmul_hooks(fake_quant_hooks(q));
    {
      torch::NoGradGuard no_grad;
      for (auto& p : rounded->named_parameters()) {
        const auto& name = p.key();
        const bool block_matrix = name.find("blocks.") == 0 && p.value().dim() >= 2 && name.find("router") == std::string::npos;
        if (block_matrix) p.value().copy_(rounded_weight(p.value(), WeightQuant::Q4_0, 0));
      }
    }
    hooked->eval(), rounded->eval();
    torch::NoGradGuard no_grad;
    const auto tokens = torch::randint(0, 256, {2, 12}, torch::kInt64);
    const auto expected = rounded->forward(tokens).logits;
    EXPECT_LT((hooked->forward(tokens).logits - expected).abs().max().item<double>(), 1e-5);
    KvCache cache;
    std::vector<torch::Tensor> parts = {hooked->decode(tokens.narrow(1, 0, 5), cache)};
    for (int64_t t = 5; t < 12; ++t) parts.push_back(hooked->decode(tokens.narrow(1, t, 1), cache));
    EXPECT_LT((torch::cat(parts, 1) - expected).abs().max().item<double>(), 1e-4);
    // Empty hooks restore the float model.
    hooked->set_matmul_hooks({});
    EXPECT_GT((hooked->forward(tokens).logits - expected).abs().max().item<double>(), 1e-3);
  }
}

TEST(FakeQuant, DecodingWithQuantizedInputsMatchesTheForward) {
  torch::manual_seed(5);
  TransformerLM model(r1wb::testing::tiny_moe_model_with("", nullptr));
  QuantConfig q;
  q.weights = WeightQuant::Q8_0;
  q.activations = ActivationQuant::Q8_0;
  model->set_matmul_hooks(fake_quant_hooks(q));
  model->eval();
  torch::NoGradGuard no_grad;
  const auto tokens = torch::randint(0, 256, {2, 10}, torch::kInt64);
  const auto full = model->forward(tokens).logits;
  KvCache cache;
  std::vector<torch::Tensor> parts = {model->decode(tokens.narrow(1, 0, 4), cache)};
  for (int64_t t = 4; t < 10; ++t) parts.push_back(model->decode(tokens.narrow(1, t, 1), cache));
  EXPECT_LT((torch::cat(parts, 1) - full).abs().max().item<double>(), 1e-4);
}

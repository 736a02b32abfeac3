// Pins activation recompute (train.recompute_layers): the loss, every parameter's gradient
// and the aux-loss-free counts are those of the plain model, in fp32 and under bf16 autocast,
// and the recomputed graph keeps fewer tensors alive.
#include "core/config/config.h"
#include "gpu/model/transformer.h"
#include "gpu/runtime/autocast_scope.h"
#include "gpu/train/lm_loss.h"

#include <gtest/gtest.h>

#include <set>

using namespace r1wb;
using namespace r1wb::gpu;

namespace {

// Everything that has a side effect or a side output: MTP, a dense first block, the
// sequence-wise and batch losses, the z-loss, aux-loss-free counts, capacity dropping.
Experiment model_with_every_side_output() {
  auto r = parse_experiment(R"({"model": {"d_model": 32, "n_heads": 2, "n_layers": 3, "first_k_dense": 1,
      "ffn_hidden": 48, "max_seq_len": 64, "mtp_weight": 0.3,
      "moe": {"num_experts": 4, "top_k": 2, "expert_hidden": 24, "num_shared_experts": 1,
              "score_func": "sigmoid", "bias_update_speed": 0.01, "aux_loss_weight": 0.01,
              "seq_aux_loss_weight": 0.001, "z_loss_weight": 0.001, "capacity_factor": 1.25}}})");
  EXPECT_TRUE(r.ok()) << r.errors[0].to_string();
  return r.experiment;
}

struct Pass {
  double loss = 0;
  std::vector<torch::Tensor> grads;
  std::vector<torch::Tensor> counts;
};

Pass forward_backward(const Experiment& e, int recompute_layers, Precision precision) {
  torch::manual_seed(3);
  TransformerLM lm(e.model);
  lm->set_recompute_layers(recompute_layers);
  lm->train();
  torch::manual_seed(4);
  auto input = torch::randint(0, 256, {4, 24});
  Batch b{input, input.roll(-1, 1), torch::ones({4, 24})};
  MicroBatchLoss mb;
  {
    AutocastScope autocast(precision, torch::kCPU);
    mb = micro_batch_loss(lm, b);
  }
  mb.loss.backward();
  Pass p;
  p.loss = mb.loss.item<double>();
  for (auto& param : lm->parameters()) p.grads.push_back(param.grad().defined() ? param.grad().clone() : param.grad());
  lm->for_each_moe([&](MoeImpl& moe) {
    if (moe.pending_counts().defined()) p.counts.push_back(moe.pending_counts().clone());
  });
  return p;
}

void expect_same(const Pass& plain, const Pass& recomputed, double tol) {
  EXPECT_NEAR(plain.loss, recomputed.loss, tol);
  ASSERT_EQ(plain.grads.size(), recomputed.grads.size());
  for (size_t i = 0; i < plain.grads.size(); ++i) {
    ASSERT_EQ(plain.grads[i].defined(), recomputed.grads[i].defined()) << "parameter " << i;
    if (!plain.grads[i].defined()) continue;
    EXPECT_LE((plain.grads[i] - recomputed.grads[i]).abs().max().item<double>(), tol) << "parameter " << i;
  }
  ASSERT_EQ(plain.counts.size(), recomputed.counts.size());
  for (size_t i = 0; i < plain.counts.size(); ++i)
    EXPECT_TRUE(plain.counts[i].equal(recomputed.counts[i])) << "counts of MoE layer " << i << " differ";
}

}  // namespace

TEST(Recompute, EveryBlockAndMtpGiveThePlainGradientsAndCountsOnce) {
  auto e = model_with_every_side_output();
  auto plain = forward_backward(e, 0, Precision::Fp32);
  auto recomputed = forward_backward(e, e.model.n_layers + 1, Precision::Fp32);
  int nonzero = 0;
  for (auto& g : plain.grads) nonzero += g.defined() && g.abs().max().item<double>() > 0;
  EXPECT_GT(nonzero, 20);
  expect_same(plain, recomputed, 1e-6);
}

TEST(Recompute, SomeBlocksOnlyGiveThePlainGradients) {
  auto e = model_with_every_side_output();
  expect_same(forward_backward(e, 0, Precision::Fp32), forward_backward(e, 2, Precision::Fp32), 1e-6);
}

TEST(Recompute, RerunUsesTheForwardsAutocastSetting) {
  // Were the rerun in fp32, the bf16 forward's gradients would differ at bf16's resolution.
  auto e = model_with_every_side_output();
  expect_same(forward_backward(e, 0, Precision::Bf16), forward_backward(e, e.model.n_layers + 1, Precision::Bf16),
              1e-6);
}

TEST(Recompute, CollapsesEachRecomputedBlocksGraphIntoOneNode) {
  // What recompute saves is the tensors the blocks' graph nodes would hold; count the nodes
  // reachable from the loss (the memory figures are in the README, from r1wb-run bench).
  auto graph_nodes = [](int recompute_layers) {
    auto e = model_with_every_side_output();
    torch::manual_seed(3);
    TransformerLM lm(e.model);
    lm->set_recompute_layers(recompute_layers);
    auto input = torch::randint(0, 256, {8, 64});
    Batch b{input, input.roll(-1, 1), torch::ones({8, 64})};
    auto mb = micro_batch_loss(lm, b);
    std::vector<torch::autograd::Node*> stack{mb.loss.grad_fn().get()};
    std::set<torch::autograd::Node*> seen;
    while (!stack.empty()) {
      auto* n = stack.back();
      stack.pop_back();
      if (!n || !seen.insert(n).second) continue;
      for (auto& edge : n->next_edges()) stack.push_back(edge.function.get());
    }
    return seen.size();
  };
  const auto plain = graph_nodes(0), recomputed = graph_nodes(4);
  EXPECT_LT(recomputed * 4, plain) << "graph nodes: plain " << plain << ", recomputed " << recomputed;
}

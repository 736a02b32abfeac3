// The sampler: seeded, the KV cache changes nothing but the speed, its log-probabilities are
// the trainer's for the same tokens (a sampler that disagrees biases every RL ratio), stop
// strings cut at their first occurrence, the token budget marks truncation, and top-k 1 or a
// tiny top-p is greedy.
#include "gpu/sample/sampler.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>

using namespace r1wb;
using namespace r1wb::gpu;

namespace {

SamplingOptions options(int max_new, uint64_t seed, double temperature = 1.0) {
  SamplingOptions o;
  o.max_new_tokens = max_new;
  o.seed = seed;
  o.temperature = temperature;
  o.stop = {};
  return o;
}

const std::string kPrompt = "Q: 12+7=? A: <think>";
}  // namespace

TEST(Sampler, TheSameSeedGivesTheSameCompletionsAndAnotherSeedOthers) {
  torch::manual_seed(1);
  TransformerLM model(r1wb::testing::tiny_moe_model_with("", nullptr));
  ByteTokenizer tok;
  const auto a = sample_group(model, tok, kPrompt, 4, options(12, 7));
  const auto b = sample_group(model, tok, kPrompt, 4, options(12, 7));
  const auto c = sample_group(model, tok, kPrompt, 4, options(12, 8));
  ASSERT_EQ(a.size(), 4u);
  int differ = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].tokens, b[i].tokens);
    EXPECT_EQ(a[i].logprobs, b[i].logprobs);
    differ += a[i].tokens != c[i].tokens;
  }
  EXPECT_GT(differ, 0);
  EXPECT_NE(a[0].tokens, a[1].tokens) << "group members draw their own tokens";
}

TEST(Sampler, TheCacheGivesTheSameTokensAndLogProbsAsRecomputingForEveryAttentionKind) {
  for (const auto& [pointer, value] : std::vector<std::pair<std::string, nlohmann::json>>{
           {"", nullptr}, {"/model/attention/n_kv_heads", 2}, {"/model/attention/kind", "mla"}}) {
    SCOPED_TRACE(pointer);
    torch::manual_seed(2);
    TransformerLM model(r1wb::testing::tiny_moe_model_with(pointer, value));
    ByteTokenizer tok;
    auto o = options(16, 11);
    const auto cached = sample_group(model, tok, kPrompt, 3, o);
    o.use_cache = false;
    const auto recomputed = sample_group(model, tok, kPrompt, 3, o);
    for (size_t i = 0; i < cached.size(); ++i) {
      ASSERT_EQ(cached[i].tokens, recomputed[i].tokens);
      for (size_t t = 0; t < cached[i].logprobs.size(); ++t) {
        EXPECT_NEAR(cached[i].logprobs[t], recomputed[i].logprobs[t], 1e-4);
        EXPECT_NEAR(cached[i].entropy[t], recomputed[i].entropy[t], 1e-4);
      }
    }
  }
}

TEST(Sampler, LogProbsEqualTheTrainersForwardOfTheSameTokens) {
  for (const auto& [pointer, value] :
       std::vector<std::pair<std::string, nlohmann::json>>{{"", nullptr},
                                                           {"/model/attention/n_kv_heads", 1},
                                                           {"/model/attention/kind", "mla"},
                                                           {"/model/ffn", "dense"}}) {
    SCOPED_TRACE(pointer);
    torch::manual_seed(4);
    TransformerLM model(r1wb::testing::tiny_moe_model_with(pointer, value));
    ByteTokenizer tok;
    const double T = 0.7;
    const auto group = sample_group(model, tok, kPrompt, 2, options(20, 5, T));
    EXPECT_TRUE(model->is_training()) << "the model's mode is restored";
    const auto prompt = tok.encode(kPrompt);
    for (const auto& c : group) {
      std::vector<int64_t> seq = prompt;
      seq.insert(seq.end(), c.tokens.begin(), c.tokens.end());
      model->eval();
      torch::NoGradGuard no_grad;
      const auto logits = model->forward(torch::tensor(seq).view({1, -1})).logits[0];
      const auto logp = torch::log_softmax(logits / T, -1);
      const int64_t P = int64_t(prompt.size());
      double worst = 0;
      for (size_t t = 0; t < c.tokens.size(); ++t) {
        const double trainer = logp[P - 1 + int64_t(t)][c.tokens[t]].item<double>();
        worst = std::max(worst, std::abs(trainer - c.logprobs[t]));
      }
      EXPECT_LT(worst, 1e-4) << "sampling_logp_difference";
      model->train();
    }
  }
}

TEST(Sampler, AStopStringEndsACompletionAtItsFirstOccurrence) {
  torch::manual_seed(5);
  TransformerLM model(r1wb::testing::tiny_moe_model_with("", nullptr));
  ByteTokenizer tok;
  const auto free_run = sample_group(model, tok, kPrompt, 1, options(30, 3, 0.0)).front();
  ASSERT_EQ(free_run.tokens.size(), 30u);
  const std::string stop = free_run.text.substr(9, 2);
  const size_t first = free_run.text.find(stop);
  auto o = options(30, 3, 0.0);
  o.stop = {stop};
  const auto stopped = sample_group(model, tok, kPrompt, 1, o).front();
  EXPECT_EQ(stopped.text, free_run.text.substr(0, first + stop.size()));
  EXPECT_EQ(stopped.tokens.size(), first + stop.size()) << "byte tokens: one per character";
  EXPECT_FALSE(stopped.truncated);
}

TEST(Sampler, TheTokenBudgetMarksTruncationAndTheContextLimitsIt) {
  torch::manual_seed(6);
  auto cfg = r1wb::testing::tiny_moe_model_with("", nullptr);
  TransformerLM model(cfg);
  ByteTokenizer tok;
  for (const auto& c : sample_group(model, tok, kPrompt, 3, options(7, 1))) {
    EXPECT_EQ(c.tokens.size(), 7u);
    EXPECT_EQ(c.logprobs.size(), 7u);
    EXPECT_TRUE(c.truncated);
  }
  const auto room = cfg.max_seq_len - int64_t(kPrompt.size());
  const auto longest = sample_group(model, tok, kPrompt, 1, options(100000, 1)).front();
  EXPECT_EQ(int64_t(longest.tokens.size()), room);
  EXPECT_THROW(sample_group(model, tok, std::string(size_t(cfg.max_seq_len), 'x'), 1, options(4, 1)),
               std::invalid_argument);
  EXPECT_THROW(sample_group(model, tok, kPrompt, 0, options(4, 1)), std::invalid_argument);
}

TEST(Sampler, TopKOneAndATinyTopPAreGreedy) {
  torch::manual_seed(7);
  TransformerLM model(r1wb::testing::tiny_moe_model_with("", nullptr));
  ByteTokenizer tok;
  const auto greedy = sample_group(model, tok, kPrompt, 1, options(12, 9, 0.0)).front();
  auto k1 = options(12, 9, 1.5);
  k1.top_k = 1;
  auto p0 = options(12, 9, 1.5);
  p0.top_p = 1e-6;
  for (const auto& o : {k1, p0}) {
    for (const auto& c : sample_group(model, tok, kPrompt, 3, o)) EXPECT_EQ(c.tokens, greedy.tokens);
  }
  // Entropy is that of the whole tempered distribution, not of the filtered one.
  const auto c = sample_group(model, tok, kPrompt, 1, k1).front();
  EXPECT_GT(c.entropy.front(), 1.0);
}

TEST(Sampler, PromptsSampledSideBySideMatchEachSampledAlone) {
  // Greedy decoding is the same whatever shares the batch: the rows of prompts of one length
  // (and of another length, in a second batch) equal each prompt sampled alone.
  torch::manual_seed(4);
  TransformerLM model(r1wb::testing::tiny_moe_model_with("/model/attention/n_kv_heads", 2));
  ByteTokenizer tok;
  const std::vector<std::string> prompts = {"12+7=", "31+4=", "5+5=", "12+70="};
  const auto o = options(10, 0, 0.0);
  const auto together = sample_groups(model, tok, prompts, 2, o);
  ASSERT_EQ(together.size(), prompts.size());
  for (size_t p = 0; p < prompts.size(); ++p) {
    const auto alone = sample_group(model, tok, prompts[p], 2, o);
    ASSERT_EQ(together[p].size(), 2u);
    for (size_t i = 0; i < 2; ++i) {
      EXPECT_EQ(together[p][i].tokens, alone[i].tokens) << prompts[p];
      for (size_t t = 0; t < alone[i].logprobs.size(); ++t)
        EXPECT_NEAR(together[p][i].logprobs[t], alone[i].logprobs[t], 1e-4);
    }
  }
}

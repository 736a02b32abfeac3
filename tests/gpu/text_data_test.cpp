// Pins the text pipeline: the BPE tokenizer trained on the run's corpus is lossless and
// compresses it; the token cache tokenizes once, maps the files and rebuilds when the corpus
// changes; bucketing keeps padding small where random batching does not; a run on a text
// corpus with a BPE tokenizer trains and leaves its tokenizer and cache in the run directory.
#include "gpu/data/text_data.h"
#include "gpu/data/bpe_tokenizer.h"
#include "gpu/data/token_cache.h"
#include "tests/gpu/corpus_fixtures.h"
#include "tests/gpu/short_run.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

using namespace r1wb;
using namespace r1wb::gpu;
using r1wb::testing::TempDir;

using r1wb::testing::make_documents;
using r1wb::testing::write_corpus;

namespace {

SentenceSource lines_of(const std::vector<std::string>& docs) {
  auto i = std::make_shared<size_t>(0);
  return [&docs, i](std::string& s) {
    if (*i == docs.size()) return false;
    s = docs[(*i)++];
    return true;
  };
}

Experiment text_experiment(const std::string& corpus, const std::string& packing, int seq_len, int batch) {
  auto r = parse_experiment(nlohmann::json{
      {"data", {{"task", "text"}, {"corpus", corpus}, {"packing", packing}, {"seq_len", seq_len}}},
      {"model", {{"max_seq_len", seq_len}}},
      {"train",
       {{"batch_size", batch}}}}.dump());
  EXPECT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0].to_string());
  return r.experiment;
}

}  // namespace

TEST(BpeTokenizer, TrainedOnTheRunsCorpusIsLosslessAndShorterThanBytes) {
  TempDir dir;
  const auto docs = make_documents(400, 6, 1);
  write_corpus(dir.path / "corpus.txt", docs);
  auto e = text_experiment((dir.path / "corpus.txt").string(), "pack", 64, 4);
  e.model.tokenizer = TokenizerKind::Bpe;
  e.model.vocab_size = 400;
  std::vector<std::string> log;
  auto tokenizer = open_run_tokenizer(e, dir.path.string(), [&](const std::string& l) { log.push_back(l); });
  const Tokenizer& bpe = *tokenizer;
  EXPECT_EQ(bpe.vocab_size(), 400);
  EXPECT_TRUE(std::filesystem::exists(dir.path / "tokenizer.vocab"));
  ASSERT_EQ(log.size(), 2u) << "a line when training starts and one when it ends";
  size_t bytes = 0, tokens = 0;
  for (const auto& d : docs) {
    const auto ids = bpe.encode(d);
    ASSERT_EQ(bpe.decode(ids), d);
    bytes += d.size(), tokens += ids.size();
  }
  std::printf("[ figures  ] bpe 400 pieces: %zu tokens for %zu bytes\n", tokens, bytes);
  EXPECT_LT(double(tokens), 0.5 * double(bytes));
  // Trained on whole documents, a newline is a piece of its own, not a byte fallback.
  const auto newline = bpe.encode("\n");
  ASSERT_EQ(newline.size(), 1u);
  EXPECT_EQ(bpe.piece(newline[0]).rfind("<0x", 0), std::string::npos) << bpe.piece(newline[0]);
  // Text it never saw still round-trips (byte fallback), whitespace and all.
  const std::string unseen = "  Ünïcode ✓\ttabs,  double  spaces\n\nand 98765\n";
  EXPECT_EQ(bpe.decode(bpe.encode(unseen)), unseen);
  EXPECT_EQ(bpe.encode("98765").size(), 5u) << "digits are split one per token";
  // A second open finds the model in the run directory and trains nothing.
  auto again = open_run_tokenizer(e, dir.path.string(), [&](const std::string& l) { log.push_back(l); });
  EXPECT_EQ(log.size(), 2u);
  EXPECT_EQ(again->fingerprint(), bpe.fingerprint());
}

TEST(BpeTokenizer, AVocabularyTooSmallForTheCorpusNamesTheField) {
  TempDir dir;
  const auto docs = make_documents(50, 3, 2);
  try {
    train_bpe(lines_of(docs), 256, (dir.path / "t.model").string(), 1, 0);
    FAIL() << "256 pieces cannot hold 256 bytes, 3 control tokens and the corpus's characters";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("model.vocab_size: 256"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path / "t.model"));
}

TEST(TokenCache, TokenizesOnceMapsTheFilesAndRebuildsWhenTheCorpusChanges) {
  TempDir dir;
  std::filesystem::create_directories(dir.path / "corpus");
  const auto a = make_documents(30, 4, 3), b = make_documents(20, 4, 4);
  write_corpus(dir.path / "corpus" / "a.txt", a);
  write_corpus(dir.path / "corpus" / "b.txt", b);
  ByteTokenizer bytes;
  const auto files = corpus_files((dir.path / "corpus").string());
  ASSERT_EQ(files.size(), 2u);
  const auto cache_dir = (dir.path / "cache").string();
  {
    TokenCache cache(files, bytes, cache_dir, [](const std::string&) {});
    EXPECT_TRUE(cache.built());
    ASSERT_EQ(cache.documents(), a.size() + b.size());
    for (uint64_t d = 0; d < cache.documents(); ++d) {
      const std::vector<int64_t> ids(cache.tokens() + cache.doc_begin(d), cache.tokens() + cache.doc_end(d));
      EXPECT_EQ(bytes.decode(ids), (d < a.size() ? a[d] : b[d - a.size()]) + "\n") << "document " << d;
    }
  }
  {
    TokenCache again(files, bytes, cache_dir, [](const std::string&) {});
    EXPECT_FALSE(again.built()) << "an unchanged corpus is not tokenized again";
    EXPECT_EQ(again.documents(), a.size() + b.size());
  }
  write_corpus(dir.path / "corpus" / "b.txt", make_documents(25, 4, 5));
  TokenCache changed(files, bytes, cache_dir, [](const std::string&) {});
  EXPECT_TRUE(changed.built());
  EXPECT_EQ(changed.documents(), a.size() + 25);
}

TEST(TokenCache, AMissingCorpusNamesTheFieldAndThePath) {
  try {
    corpus_files("/nonexistent/corpus.txt");
    FAIL();
  } catch (const std::exception& e) {
    EXPECT_EQ(std::string(e.what()), "data.corpus: \"/nonexistent/corpus.txt\" does not exist");
  }
}

TEST(TextData, BucketingKeepsPaddingSmallWhereRandomBatchesDoNot) {
  TempDir dir;
  write_corpus(dir.path / "corpus.txt", make_documents(600, 12, 6));
  ByteTokenizer bytes;
  std::map<std::string, double> padding;
  for (const std::string packing : {"pack", "bucket", "pad"}) {
    auto e = text_experiment((dir.path / "corpus.txt").string(), packing, 256, 8);
    auto cache = std::make_unique<TokenCache>(corpus_files(e.data.corpus), bytes, (dir.path / "cache").string(),
                                              [](const std::string&) {});
    TextData data(e.data, 8, 1, std::move(cache));
    const int batches = packing == "pack" ? 20 : int(data.rows() / 8);  // one epoch
    int64_t pad = 0, positions = 0;
    for (int step = 1; step <= batches; ++step) {
      const auto b = data.batch(step, 0, {1.0});
      ASSERT_EQ(b.input.size(0), 8);
      ASSERT_LE(b.input.size(1), 256);
      // Targets are the inputs shifted by one wherever the mask is on; padding is masked off.
      auto in = b.input.narrow(1, 1, b.input.size(1) - 1), tg = b.target.narrow(1, 0, b.target.size(1) - 1);
      auto both = b.mask.narrow(1, 1, b.mask.size(1) - 1).to(torch::kBool);
      EXPECT_TRUE(torch::equal(in.masked_select(both), tg.masked_select(both)));
      EXPECT_EQ(b.padding, b.mask.numel() - b.mask.sum().item<int64_t>());
      pad += b.padding, positions += b.mask.numel();
    }
    // A resumed run builds a fresh TextData and may ask for any step first.
    TextData fresh(e.data, 8, 1,
                   std::make_unique<TokenCache>(corpus_files(e.data.corpus), bytes, (dir.path / "cache").string(),
                                                [](const std::string&) {}));
    for (int step : {batches + 3, 2, 2 * batches + 1})
      EXPECT_TRUE(torch::equal(fresh.batch(step, 0, {1.0}).input, data.batch(step, 0, {1.0}).input)) << "step " << step;
    padding[packing] = double(pad) / double(positions);
    std::printf("[ figures  ] %s: padding %.1f %% of %lld positions\n", packing.c_str(), 100 * padding[packing],
                (long long)positions);
  }
  EXPECT_EQ(padding["pack"], 0.0);
  EXPECT_LT(padding["bucket"], 0.05);
  EXPECT_GT(padding["pad"], 0.2);
  EXPECT_LT(10 * padding["bucket"], padding["pad"]);
}

TEST(TextData, EveryTokenPairOfALongDocumentIsATargetOnce) {
  TempDir dir;
  const auto docs = make_documents(5, 40, 8);  // documents of thousands of bytes, seq_len 64
  write_corpus(dir.path / "long.txt", docs);
  ByteTokenizer bytes;
  for (const std::string packing : {"bucket", "pad"}) {
    auto e = text_experiment((dir.path / "long.txt").string(), packing, 64, 1);
    TextData data(e.data, 1, 1,
                  std::make_unique<TokenCache>(corpus_files(e.data.corpus), bytes, (dir.path / "c").string(),
                                               [](const std::string&) {}));
    int64_t targets = 0, expected = 0;
    for (const auto& d : docs) expected += int64_t(d.size());  // document + its end token, minus one
    for (size_t step = 1; step <= data.rows(); ++step)
      targets += data.batch(int64_t(step), 0, {1.0}).mask.sum().item<int64_t>();
    EXPECT_EQ(targets, expected) << packing;
  }
}

TEST(TextData, ACorpusShorterThanARowIsRefusedWithItsSize) {
  TempDir dir;
  write_corpus(dir.path / "tiny.txt", {"just a few words\n"});
  auto e = text_experiment((dir.path / "tiny.txt").string(), "pack", 64, 2);
  ByteTokenizer bytes;
  try {
    TextData data(e.data, 2, 1,
                  std::make_unique<TokenCache>(corpus_files(e.data.corpus), bytes, (dir.path / "c").string(),
                                               [](const std::string&) {}));
    FAIL();
  } catch (const std::exception& ex) {
    EXPECT_EQ(std::string(ex.what()), "data.corpus: 18 tokens are fewer than data.seq_len + 1 (65)");
  }
}

// A short run on a text corpus with a BPE tokenizer trained at the start of the run: it learns
// and leaves its tokenizer and token cache in the run directory.
#include "tests/gpu/corpus_fixtures.h"
#include "tests/gpu/short_run.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>

#include <cstdio>

using namespace r1wb;
using r1wb::testing::make_documents;
using r1wb::testing::TempDir;
using r1wb::testing::write_corpus;

TEST(TextRun, BpeOnACorpusTrainsAndKeepsTokenizerAndCacheInTheRunDirectory) {
  TempDir dir;
  write_corpus(dir.path / "corpus.txt", make_documents(300, 8, 7));
  auto doc = r1wb::testing::tiny_moe_doc(60, 0, 10);
  doc["data"] = {
      {"task", "text"}, {"corpus", (dir.path / "corpus.txt").string()}, {"packing", "bucket"}, {"seq_len", 64}};
  doc["model"]["tokenizer"] = "bpe";
  doc["model"]["vocab_size"] = 384;
  doc["curriculum"]["mode"] = "none";
  doc["telemetry"]["probe_every"] = 60;
  const auto run = dir.path / "run";
  std::filesystem::create_directories(run);
  auto r = r1wb::testing::short_run(doc, run);
  std::printf("[ figures  ] bpe text run: loss %.3f (steps 1-5) -> %.3f (56-60)\n", r.first_loss, r.last_loss);
  EXPECT_LT(r.last_loss, 0.75 * r.first_loss);
  EXPECT_TRUE(std::filesystem::exists(run / "tokenizer.model"));
  EXPECT_TRUE(std::filesystem::exists(run / "tokenizer.vocab"));
  EXPECT_TRUE(std::filesystem::exists(run / "token_cache" / "tokens.u32"));
}

// The Rollouts record (protocol minor 3): it survives encoding exactly, lands in the store's
// samples table one row per completion, is readable through v_samples with its reward
// components as columns, and a resume drops the abandoned timeline's samples with the rest.
#include "core/store/sample_rows.h"
#include "core/store/store.h"
#include "core/wire/event_protocol.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

using namespace r1wb;

namespace {

wire::Rollouts rollouts(int64_t step) {
  wire::Rollouts r;
  r.step = step;
  r.component_names = {"accuracy", "format"};
  for (uint32_t i = 0; i < 4; ++i) {
    wire::RolloutSample x;
    x.group = i / 2;
    x.prompt = "57+68=";
    x.completion = i % 2 ? "<think>x</think><answer>125</answer>" : "<answer>12\xff";  // a byte that is not UTF-8
    x.reward = i % 2, x.advantage = i % 2 ? 0.7 : -0.7, x.truncated = i % 2 == 0;
    x.components = {double(i % 2), 1.0};
    x.tokens = {60, 97, int32_t(i)};
    x.logprobs = {-0.1f, -2.5f, -0.01f};
    x.entropy = {0.3f, 1.2f, 0.0f};
    r.samples.push_back(x);
  }
  return r;
}

std::vector<std::vector<std::string>> rows(Store& st, const std::string& sql) {
  sqlite3_stmt* s = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(st.handle(), sql.c_str(), -1, &s, nullptr), SQLITE_OK) << sqlite3_errmsg(st.handle());
  std::vector<std::vector<std::string>> out;
  while (sqlite3_step(s) == SQLITE_ROW) {
    out.emplace_back();
    for (int c = 0; c < sqlite3_column_count(s); ++c) {
      const auto* t = sqlite3_column_text(s, c);
      out.back().push_back(t ? reinterpret_cast<const char*>(t) : "NULL");
    }
  }
  sqlite3_finalize(s);
  return out;
}

}  // namespace

TEST(RolloutsRecord, SurvivesEncodingExactly) {
  const wire::Record rec{7, rollouts(12)};
  wire::StreamDecoder d;
  const std::string bytes = wire::encode_stream_header() + wire::encode_record(rec);
  d.feed(bytes.data(), bytes.size());
  const auto back = d.next();
  ASSERT_TRUE(back) << d.error();
  const auto* r = std::get_if<wire::Rollouts>(&back->payload);
  ASSERT_TRUE(r);
  const auto want = rollouts(12);
  EXPECT_EQ(r->step, 12);
  EXPECT_EQ(r->component_names, want.component_names);
  ASSERT_EQ(r->samples.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    const auto &a = r->samples[i], &b = want.samples[i];
    EXPECT_EQ(a.group, b.group);
    EXPECT_EQ(a.completion, b.completion);
    EXPECT_EQ(a.reward, b.reward);
    EXPECT_EQ(a.advantage, b.advantage);
    EXPECT_EQ(a.truncated, b.truncated);
    EXPECT_EQ(a.components, b.components);
    EXPECT_EQ(a.tokens, b.tokens);
    EXPECT_EQ(a.logprobs, b.logprobs);
    EXPECT_EQ(a.entropy, b.entropy);
  }
}

TEST(RolloutsRecord, LandsInVSamplesOneRowPerCompletionAndAResumeDropsTheAbandonedOnes) {
  r1wb::testing::TempDir t;
  Store st((t.path / "w.db").string());
  const auto id = st.create_run("rl-1", "rl", "{}", "/runs/rl-1", "h");
  st.ingest(id, {{1, wire::RunStarted{"h", 1, 1, -1, 20, "{}", "uid"}}, {2, rollouts(5)}, {3, rollouts(10)}});
  auto got = rows(st,
                  "SELECT step, prompt_group, sample, accuracy, format, advantage, truncated, length, completion "
                  "FROM v_samples WHERE run_name = 'rl-1' ORDER BY step, sample");
  ASSERT_EQ(got.size(), 8u);
  EXPECT_EQ(got[1], (std::vector<std::string>{"5", "0", "1", "1.0", "1.0", "0.7", "0", "3",
                                              "<think>x</think><answer>125</answer>"}));
  EXPECT_EQ(got[2][1], "1");
  EXPECT_EQ(got[0][8], "<answer>12\xef\xbf\xbd");  // U+FFFD for the byte that is not UTF-8
  // The tokens, log-probs and entropy are blobs of one value per token.
  EXPECT_EQ(rows(st, "SELECT length(tokens), length(logprobs), length(entropy) FROM samples LIMIT 1")[0],
            (std::vector<std::string>{"12", "12", "12"}));
  // Resumed from step 5: the samples of step 10 belonged to the abandoned timeline.
  st.ingest(id, {{4, wire::RunStarted{"h", 2, 1, 5, 20, "{}", "uid"}}});
  EXPECT_EQ(rows(st, "SELECT DISTINCT step FROM v_samples")[0], std::vector<std::string>{"5"});
  EXPECT_EQ(rows(st, "SELECT count(*) FROM samples").at(0).at(0), "4");
}

TEST(RolloutsRecord, ReadsBackByStepAndByPrompt) {
  r1wb::testing::TempDir t;
  Store st((t.path / "w.db").string());
  const auto id = st.create_run("rl-1", "rl", "{}", "/runs/rl-1", "h");
  auto later = rollouts(10);
  later.samples[0].prompt = later.samples[1].prompt = "3+4=";
  st.ingest(id, {{1, wire::RunStarted{"h", 1, 1, -1, 20, "{}", "uid"}}, {2, rollouts(5)}, {3, later}});
  EXPECT_EQ(sample_steps(st, id), (std::vector<int64_t>{5, 10}));
  const auto at = samples_at(st, id, 10);
  ASSERT_EQ(at.size(), 4u);
  EXPECT_EQ(at[0].prompt, "3+4=");
  EXPECT_EQ(at[3].group, 1);
  EXPECT_DOUBLE_EQ(at[3].component("accuracy"), 1);
  EXPECT_EQ(at[3].tokens, (std::vector<int32_t>{60, 97, 3}));
  EXPECT_EQ(at[3].logprobs, (std::vector<float>{-0.1f, -2.5f, -0.01f}));
  const auto followed = samples_of_prompt(st, id, "57+68=");
  ASSERT_EQ(followed.size(), 6u);  // four at step 5, two at step 10
  EXPECT_EQ(followed.front().step, 5);
  EXPECT_EQ(followed.back().step, 10);
}

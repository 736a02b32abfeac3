// Pins the run browser's search: the query language, and that the store filters by name,
// status, tag and any config field in SQL (json_extract), with numbers compared as numbers.
#include "core/store/run_query.h"
#include "core/store/store.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

using namespace r1wb;
using nlohmann::json;

namespace {

std::vector<std::string> names(const std::vector<RunRow>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.name);
  return out;
}

struct BrowserStore : r1wb::testing::TempDir {
  Store store{(path / "workbench.db").string()};
  int64_t add(const std::string& name, const std::string& experiment, int top_k, double lr, const std::string& status) {
    json config = {{"name", experiment}, {"model", {{"moe", {{"top_k", top_k}}}}}, {"train", {{"lr", lr}}}};
    const int64_t id = store.create_run(name, experiment, config.dump(), "/runs/" + name, "h");
    store.set_status(id, *parse_run_status(status));
    return id;
  }
  std::vector<std::string> find(const std::string& q) {
    auto parsed = parse_run_query(q);
    EXPECT_TRUE(parsed.errors.empty()) << q << ": " << parsed.errors.front();
    return names(store.find_runs(parsed.query));
  }
};

}  // namespace

TEST(RunQuery, ParsesWordsStatusTagsAndConfigConditions) {
  const auto p =
      parse_run_query("tiny status:failed tag:\"base line\" model.moe.top_k>=2 train.lr<1e-3 train.lr_schedule=cosine");
  ASSERT_TRUE(p.errors.empty()) << p.errors.front();
  EXPECT_EQ(p.query.words, std::vector<std::string>{"tiny"});
  EXPECT_EQ(p.query.statuses, std::vector<std::string>{"failed"});
  EXPECT_EQ(p.query.tags, std::vector<std::string>{"base line"});
  ASSERT_EQ(p.query.config.size(), 3u);
  EXPECT_EQ(p.query.config[0].path, "model.moe.top_k");
  EXPECT_EQ(p.query.config[0].op, ">=");
  EXPECT_EQ(p.query.config[0].value, json(2.0));
  EXPECT_EQ(p.query.config[1].op, "<");
  EXPECT_DOUBLE_EQ(p.query.config[1].value.get<double>(), 1e-3);
  EXPECT_EQ(p.query.config[2].value, json("cosine"));
  // A text field compares as text even when the value looks like a number.
  const auto named = parse_run_query("name=123");
  ASSERT_EQ(named.query.config.size(), 1u);
  EXPECT_EQ(named.query.config[0].value, json("123"));
}

TEST(RunQuery, UnknownFieldIsReportedAndTheRestStillApplies) {
  const auto p = parse_run_query("model.moe.topk=2 status:completed =3");
  ASSERT_EQ(p.errors.size(), 2u);
  EXPECT_NE(p.errors[0].find("no config field model.moe.topk"), std::string::npos) << p.errors[0];
  EXPECT_NE(p.errors[1].find("expected field=value"), std::string::npos) << p.errors[1];
  EXPECT_EQ(p.query.statuses, std::vector<std::string>{"completed"});
}

TEST(RunQuery, StoreFiltersByNameStatusTagAndConfigField) {
  BrowserStore b;
  b.add("tiny-moe-1", "tiny-moe", 2, 1e-3, "completed");
  const int64_t k4 = b.add("tiny-moe-2", "tiny-moe", 4, 3e-4, "failed");
  const int64_t big = b.add("big-1", "big", 8, 1e-4, "completed");
  b.store.set_tags(k4, {"baseline", "k4"});
  b.store.set_tags(big, {"baseline"});
  b.store.set_notes(big, "the 100% run");

  EXPECT_EQ(b.find(""), (std::vector<std::string>{"big-1", "tiny-moe-2", "tiny-moe-1"}));
  EXPECT_EQ(b.find("TINY"), (std::vector<std::string>{"tiny-moe-2", "tiny-moe-1"})) << "case-insensitive";
  EXPECT_EQ(b.find("status:failed"), std::vector<std::string>{"tiny-moe-2"});
  EXPECT_EQ(b.find("status:failed status:completed").size(), 3u) << "statuses are alternatives";
  EXPECT_EQ(b.find("tag:baseline"), (std::vector<std::string>{"big-1", "tiny-moe-2"}));
  EXPECT_EQ(b.find("tag:baseline tag:k4"), std::vector<std::string>{"tiny-moe-2"}) << "tags must all be present";
  EXPECT_EQ(b.find("tag:base"), std::vector<std::string>{}) << "a tag matches whole";
  // Numbers compare as numbers: 8 > 4 > 2 (as text "8" > "4" would hold too; 1e-4 < 3e-4 would not).
  EXPECT_EQ(b.find("model.moe.top_k>=4"), (std::vector<std::string>{"big-1", "tiny-moe-2"}));
  EXPECT_EQ(b.find("train.lr<5e-4"), (std::vector<std::string>{"big-1", "tiny-moe-2"}));
  EXPECT_EQ(b.find("train.lr!=0.001 tiny"), std::vector<std::string>{"tiny-moe-2"});
  EXPECT_EQ(b.find("100%"), std::vector<std::string>{"big-1"}) << "notes are searched; % is literal";
  EXPECT_EQ(b.find("1_"), std::vector<std::string>{}) << "_ is literal, not a wildcard";
}

TEST(RunQuery, SchemaOneStoreGainsTagsAndNotes) {
  r1wb::testing::TempDir t;
  const std::string db = (t.path / "old.db").string();
  {
    Store s(db);
    s.create_run("old-1", "old", "{}", "/runs/old-1", "h");
    // Turn it back into a schema-1 file: no tags, no notes, no snapshot labels columns.
    ASSERT_EQ(sqlite3_exec(
                  s.handle(),
                  "ALTER TABLE runs DROP COLUMN notes; ALTER TABLE runs DROP COLUMN tags; "
                  "ALTER TABLE snapshots DROP COLUMN labels; DROP INDEX runs_by_uid; ALTER TABLE runs DROP COLUMN uid; "
                  "ALTER TABLE runs DROP COLUMN target_host; ALTER TABLE runs DROP COLUMN remote_dir; ALTER TABLE runs DROP COLUMN scheduler_job; "
                  "PRAGMA user_version=1;",
                  nullptr, nullptr, nullptr),
              SQLITE_OK);
  }
  Store s(db);
  auto runs = s.list_runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_TRUE(runs[0].tags.empty());
  s.set_tags(runs[0].id, {"kept"});
  EXPECT_EQ(s.run(runs[0].id)->tags, std::vector<std::string>{"kept"});
}

// Pins the store: ingest is idempotent by (run, seq), a resume rewinds the abandoned
// timeline, downsampling keeps every bucket's min and max, and foreign files are refused.
#include "core/store/store.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>

#include <limits>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace r1wb;
namespace fs = std::filesystem;

namespace {

// A store file in a per-test temporary directory.
struct TempStore : r1wb::testing::TempDir {
  std::string db() const { return (path / "workbench.db").string(); }
};

std::vector<wire::Record> loss_records(uint64_t first_seq, int64_t first_step, int64_t last_step) {
  std::vector<wire::Record> out;
  uint64_t seq = first_seq;
  for (int64_t s = first_step; s <= last_step; ++s)
    out.push_back({seq++, wire::Metrics{s, 1000.0 + s, {{"train/loss", 10.0 / s}, {"train/lr", 0.001}}}});
  return out;
}

int64_t count(Store& st, const std::string& sql) {
  sqlite3_stmt* s = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(st.handle(), sql.c_str(), -1, &s, nullptr), SQLITE_OK);
  sqlite3_step(s);
  int64_t n = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  return n;
}

}  // namespace

TEST(Store, IngestTwiceGivesTheSameRows) {
  TempStore t;
  Store st(t.db());
  auto id = st.create_run("tiny-1", "tiny", "{}", "/runs/tiny-1", "host");
  std::vector<wire::Record> recs{{1, wire::RunStarted{"host", 1, 1, -1, 50, "{}"}}};
  auto more = loss_records(2, 1, 50);
  recs.insert(recs.end(), more.begin(), more.end());
  recs.push_back({52, wire::Snapshot{50, "moe/expert_load", 1, 2, {0.5f, 0.5f}}});
  recs.push_back({53, wire::Log{1.0, wire::LogLevel::Info, "hello"}});
  recs.push_back({54, wire::Status{50, "completed", ""}});

  auto first = st.ingest(id, recs);
  EXPECT_EQ(first.applied, recs.size());
  const auto rows = count(st, "SELECT COUNT(*) FROM metrics");
  auto second = st.ingest(id, recs);
  EXPECT_EQ(second.applied, 0u);
  EXPECT_EQ(second.skipped, recs.size());
  EXPECT_EQ(count(st, "SELECT COUNT(*) FROM metrics"), rows);
  EXPECT_EQ(rows, 100);
  EXPECT_EQ(count(st, "SELECT COUNT(*) FROM logs"), 1);
  EXPECT_EQ(st.run(id)->status, RunStatus::Completed);
  EXPECT_EQ(st.run(id)->last_step, 50);
  EXPECT_EQ(count(st, "SELECT COUNT(*) FROM v_metrics WHERE run_name='tiny-1' AND metric='train/loss'"), 50);
}

TEST(Store, OverlappingBatchesApplyOnlyTheNewTail) {
  TempStore t;
  Store st(t.db());
  auto id = st.create_run("r", "e", "{}", "/r", "h");
  st.ingest(id, loss_records(1, 1, 30));
  auto res = st.ingest(id, loss_records(1, 1, 40));  // a replay that goes further
  EXPECT_EQ(res.skipped, 30u);
  EXPECT_EQ(res.applied, 10u);
  EXPECT_EQ(count(st, "SELECT COUNT(DISTINCT step) FROM metrics"), 40);
}

TEST(Store, GapStopsIngestAndIsReported) {
  TempStore t;
  Store st(t.db());
  auto id = st.create_run("r", "e", "{}", "/r", "h");
  st.ingest(id, loss_records(1, 1, 5));
  auto res = st.ingest(id, loss_records(9, 9, 12));
  EXPECT_TRUE(res.gap);
  EXPECT_EQ(res.applied, 0u);
  EXPECT_EQ(res.last_seq, 5u);
}

TEST(Store, ResumeDropsTheAbandonedTimeline) {
  TempStore t;
  Store st(t.db());
  auto id = st.create_run("r", "e", "{}", "/r", "h");
  st.ingest(id, loss_records(1, 1, 150));  // crashed at 150, newest checkpoint at 100
  std::vector<wire::Record> resumed{{151, wire::RunStarted{"h", 2, 1, 100, 200, "{}"}}};
  auto more = loss_records(152, 101, 120);  // stopped again at 120
  resumed.insert(resumed.end(), more.begin(), more.end());
  st.ingest(id, resumed);
  EXPECT_EQ(count(st, "SELECT MAX(step) FROM metrics WHERE name='train/loss'"), 120);
  EXPECT_EQ(count(st, "SELECT COUNT(*) FROM metrics WHERE name='train/loss'"), 120);
}

TEST(Store, MetricPointsComeBackInStepOrderOnEachAxis) {
  TempStore t;
  Store st(t.db());
  auto id = st.create_run("r", "e", "{}", "/r", "h");
  std::vector<wire::Record> recs;
  for (int64_t s = 1; s <= 10000; ++s) {
    std::vector<std::pair<std::string, double>> values{{"train/loss", s == 4321 ? 50.0 : 1.0}};
    if (s % 10 == 0) values.emplace_back("train/tokens", double(s * 512));
    recs.push_back({uint64_t(s), wire::Metrics{s, 1000.0 + 0.25 * double(s), values}});
  }
  st.ingest(id, recs);
  const auto all = st.metric_points(id, "train/loss", std::numeric_limits<int64_t>::min());
  ASSERT_EQ(all.size(), 10000u);
  EXPECT_EQ(all.front().step, 1);
  EXPECT_EQ(all.front().x, 1);
  EXPECT_EQ(all[4320].value, 50.0);
  const auto tail = st.metric_points(id, "train/loss", 9990);
  ASSERT_EQ(tail.size(), 10u);
  EXPECT_EQ(tail.front().step, 9991);
  EXPECT_EQ(st.count_metric_points(id, "train/loss", 100), 100);

  const auto tokens = st.metric_points(id, "train/loss", 0, ChartAxis::Tokens);
  ASSERT_EQ(tokens.size(), 1000u) << "only the steps that logged train/tokens";
  EXPECT_EQ(tokens[0].step, 10);
  EXPECT_EQ(tokens[0].x, 5120);
  EXPECT_EQ(st.count_metric_points(id, "train/loss", 100, ChartAxis::Tokens), 10);

  const auto wall = st.metric_points(id, "train/loss", 0, ChartAxis::WallTime);
  ASSERT_EQ(wall.size(), 10000u);
  EXPECT_EQ(wall[0].x, 0) << "milliseconds since the metric's first point";
  EXPECT_EQ(wall[4].x, 1000);
}

TEST(Store, SnapshotsComeBackAsStored) {
  TempStore t;
  Store st(t.db());
  auto id = st.create_run("r", "e", "{}", "/r", "h");
  st.ingest(id, {{1, wire::Snapshot{10, "moe/expert_load", 2, 2, {0.1f, 0.9f, 0.6f, 0.4f}}},
                 {2, wire::Snapshot{20, "moe/expert_load", 2, 2, {0.2f, 0.8f, 0.5f, 0.5f}}}});
  auto s = st.latest_snapshot(id, "moe/expert_load");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->step, 20);
  EXPECT_EQ(s->rows, 2u);
  EXPECT_FLOAT_EQ(s->data[1], 0.8f);
  EXPECT_FALSE(st.latest_snapshot(id, "other"));
}

TEST(Store, ExportsAreListedPerRunOldestFirst) {
  TempStore t;
  Store st(t.db());
  auto id = st.create_run("r", "e", "{}", "/r", "h");
  auto other = st.create_run("o", "e", "{}", "/o", "h");
  st.ingest(id, {{1, wire::Export{100, 2.0, "exports/e-step100-int4", "safetensors", "int4", "LlamaForCausalLM", 9}},
                 {2, wire::Export{100, 1.0, "exports/e-step100-q4_0.gguf", "gguf", "q4_0", "llama", 7}}});
  const auto rows = st.exports(id);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].path, "exports/e-step100-q4_0.gguf");
  EXPECT_EQ(rows[0].type, "q4_0");
  EXPECT_EQ(rows[1].format, "safetensors");
  EXPECT_EQ(rows[1].bytes, 9u);
  EXPECT_TRUE(st.exports(other).empty());
  EXPECT_EQ(st.count_rows("exports", id), 2);
}

TEST(Store, ReopenKeepsEverything) {
  TempStore t;
  int64_t id;
  {
    Store st(t.db());
    id = st.create_run("r", "e", "{}", "/r", "h");
    st.ingest(id, loss_records(1, 1, 10));
  }
  Store st(t.db());
  EXPECT_EQ(st.run(id)->last_seq, 10u);
  EXPECT_EQ(st.next_run_name("e"), "e-1");
  EXPECT_EQ(st.metric_names(id), (std::vector<std::string>{"train/loss", "train/lr"}));
}

TEST(Store, NotADatabaseIsAClearError) {
  TempStore t;
  std::ofstream(t.db()) << "this is a text file, not SQLite, and it is long enough to have a header";
  try {
    Store st(t.db());
    FAIL() << "opened a text file";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot use '" + t.db() + "' as a store"), std::string::npos) << e.what();
  }
}

TEST(Store, ForeignSqliteDatabaseIsRefused) {
  TempStore t;
  sqlite3* db = nullptr;
  sqlite3_open(t.db().c_str(), &db);
  sqlite3_exec(db, "CREATE TABLE invoices(id INTEGER); INSERT INTO invoices VALUES(1);", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  try {
    Store st(t.db());
    FAIL() << "opened a foreign database";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("another application"), std::string::npos) << e.what();
  }
  // And it was left untouched.
  sqlite3_open(t.db().c_str(), &db);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM sqlite_master", -1, &s, nullptr);
  sqlite3_step(s);
  EXPECT_EQ(sqlite3_column_int(s, 0), 1);
  sqlite3_finalize(s);
  sqlite3_close(db);
}

TEST(Store, SnapshotStepAtAnswersWithoutThePayload) {
  TempStore t;
  Store st(t.db());
  auto id = st.create_run("tiny-1", "tiny", "{}", "/runs/tiny-1", "host");
  st.ingest(id, {{1, wire::Snapshot{10, "moe/expert_load", 1, 2, {0.5f, 0.5f}}},
                 {2, wire::Snapshot{20, "moe/expert_load", 1, 2, {0.9f, 0.1f}}}});
  EXPECT_FALSE(st.snapshot_step_at(id, "moe/expert_load", 9));
  EXPECT_EQ(st.snapshot_step_at(id, "moe/expert_load", 15), 10);
  EXPECT_EQ(st.snapshot_step_at(id, "moe/expert_load", std::numeric_limits<int64_t>::max()), 20);
  EXPECT_EQ(st.snapshot_at(id, "moe/expert_load", 15)->step, 10) << "the same snapshot snapshot_at reads";
  EXPECT_FALSE(st.snapshot_step_at(id, "probe/tokens", 100));
}

TEST(Store, SchemaTwoStoreGainsSnapshotRowLabels) {
  r1wb::testing::TempDir t;
  const std::string db = (t.path / "two.db").string();
  int64_t id = 0;
  {
    Store s(db);
    id = s.create_run("old-1", "old", "{}", "/runs/old-1", "h");
    s.ingest(id, {{1, wire::Snapshot{1, "moe/expert_load", 1, 2, {0.5f, 0.5f}, {}}}});
    ASSERT_EQ(sqlite3_exec(s.handle(),
                           "DROP INDEX runs_by_uid; ALTER TABLE runs DROP COLUMN uid; ALTER TABLE snapshots DROP "
                           "COLUMN labels; ALTER TABLE runs DROP COLUMN target_host; "
                           "ALTER TABLE runs DROP COLUMN remote_dir; ALTER TABLE runs DROP COLUMN scheduler_job; PRAGMA user_version=2;",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
  }
  Store s(db);
  const auto old = s.latest_snapshot(id, "moe/expert_load");
  ASSERT_TRUE(old);
  EXPECT_TRUE(old->row_labels.empty()) << "rows written before labels existed have none";
  s.ingest(id, {{2, wire::Snapshot{2, "probe/expert_choice", 1, 1, {1.0f}, {"layer 0 / choice 0"}}}});
  EXPECT_EQ(s.latest_snapshot(id, "probe/expert_choice")->row_labels, std::vector<std::string>{"layer 0 / choice 0"});
}

TEST(Store, AnOfflineIngestKeepsTheRunsOwnStartAndEndTimes) {
  r1wb::testing::TempDir t;
  Store s((t.path / "w.db").string());
  const int64_t id = s.create_run("r-1", "r", "{}", "/runs/r-1", "h");
  // An 87-second run read from its events.log long after it ended.
  const std::vector<wire::Record> log = {
      {1, wire::RunStarted{"h", 1, wire::kProtocolVersion, -1, 20, "{}"}},
      {2, wire::Log{1000.0, wire::LogLevel::Info, "started"}},
      {3, wire::Metrics{10, 1040.0, {{"train/loss", 1.0}}}},
      {4, wire::Metrics{20, 1087.0, {{"train/loss", 0.5}}}},
      {5, wire::Status{20, "completed", ""}},
  };
  s.ingest(id, log);
  const auto row = s.run(id);
  EXPECT_DOUBLE_EQ(row->started_at, 1000.0);
  EXPECT_DOUBLE_EQ(row->finished_at, 1087.0);
}

namespace {
wire::Record started(uint64_t seq, const std::string& uid, int64_t resumed_from = -1) {
  wire::RunStarted s;
  s.host = "h";
  s.resumed_from_step = resumed_from;
  s.run_uid = uid;
  return {seq, s};
}
}  // namespace

TEST(Store, RecordsOfAnotherRunIdAreRefusedWholeAndTheRunKeepsItsRows) {
  TempStore t;
  Store s(t.db());
  const auto id = s.create_run("r-1", "r", "{}", "/runs/r", "h");
  auto first = loss_records(2, 1, 20);
  first.insert(first.begin(), started(1, "aaaa"));
  EXPECT_EQ(s.ingest(id, first).applied, 21u);
  EXPECT_EQ(s.run(id)->uid, "aaaa") << "the run learns its id from its log";
  auto second = loss_records(2, 1, 5);  // the directory emptied and trained again
  second.insert(second.begin(), started(1, "bbbb"));
  const auto res = s.ingest(id, second);
  EXPECT_TRUE(res.foreign);
  EXPECT_EQ(res.applied, 0u);
  EXPECT_EQ(s.metric_points(id, "train/loss", 0).size(), 20u);
}

TEST(Store, ALogIsMatchedToItsRunByIdAndToAnIdlessRunOnlyWhereThatCannotMixTwoLogs) {
  TempStore t;
  Store s(t.db());
  const auto fresh = s.create_run("r-1", "r", "{}", "/runs/a", "h");  // made before its runner spoke
  EXPECT_EQ(s.run_of_log("u1", "/runs/a", true)->id, fresh);
  s.ingest(fresh, {started(1, "u1")});
  EXPECT_EQ(s.run_of_log("u1", "/elsewhere", true)->id, fresh) << "by id, wherever the directory is now";
  EXPECT_FALSE(s.run_of_log("u2", "/runs/a", true)) << "another log in the same directory is another run";

  const auto legacy = s.create_run("r-2", "r", "{}", "/runs/b", "h");  // filled by an older runner
  s.ingest(legacy, loss_records(1, 1, 10));
  EXPECT_FALSE(s.run_of_log("u3", "/runs/b", true)) << "a log begun with an id is not the old log";
  EXPECT_EQ(s.run_of_log("u3", "/runs/b", false)->id, legacy) << "the old log, continued by this build";
}

TEST(Store, SeqsALogReportedLostArePassedOverAndCountedOthersStopAtTheGap) {
  TempStore t;
  Store s(t.db());
  const auto id = s.create_run("r-1", "r", "{}", "/runs/r", "h");
  auto records = loss_records(1, 1, 10);
  records.erase(records.begin() + 3, records.begin() + 5);  // seqs 4 and 5 lost to damage
  const auto gap = s.ingest(id, records);
  EXPECT_TRUE(gap.gap);
  EXPECT_EQ(gap.last_seq, 3u);
  const auto res = s.ingest(id, records, {{4, 5}});
  EXPECT_FALSE(res.gap);
  EXPECT_EQ(res.lost, 2u);
  EXPECT_EQ(res.last_seq, 10u);
  EXPECT_EQ(s.metric_points(id, "train/loss", 0).size(), 8u);
}

TEST(Store, ASchemaSevenStoreGainsSlurmHostsAndSchedulerJobsAndKeepsItsHosts) {
  r1wb::testing::TempDir t;
  const std::string db = (t.path / "seven.db").string();
  int64_t id = 0;
  {
    Store s(db);
    HostRow h;
    h.name = "gpu1", h.host = "10.0.0.5", h.max_runs = 3;
    s.put_host(h);
    id = s.create_run("old-1", "old", "{}", "/runs/old-1", "h");
    ASSERT_EQ(sqlite3_exec(s.handle(),
                           "ALTER TABLE hosts DROP COLUMN slurm; ALTER TABLE runs DROP COLUMN scheduler_job; "
                           "PRAGMA user_version=7;",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
  }
  Store s(db);
  const auto old = s.host("gpu1");
  ASSERT_TRUE(old);
  EXPECT_EQ(old->max_runs, 3);
  EXPECT_EQ(old->slurm, "") << "a host of schema 7 is a plain node";
  HostRow cluster;
  cluster.name = "cluster", cluster.host = "login.example", cluster.slurm = R"({"partition":"gpu"})";
  s.put_host(cluster);
  EXPECT_EQ(s.host("cluster")->slurm, cluster.slurm);
  EXPECT_EQ(s.run(id)->scheduler_job, "");
  s.set_scheduler_job(id, "40_3");
  EXPECT_EQ(s.run(id)->scheduler_job, "40_3");
}

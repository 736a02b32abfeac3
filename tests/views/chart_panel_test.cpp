// The chart panel's series cache: bounded (least recently read first out), and a series it
// evicted is read again from the store, whole and up to date. With "ancestors" on, a later
// stage is drawn after the run it continues, its steps running on from the parent's.
#include "views/charts/chart_panel.h"
#include "views/charts/metric_chart.h"
#include "views/charts/series_cache.h"
#include "views/shell/workbench_context.h"

#include <gtest/gtest.h>

#include <QCheckBox>
#include <QComboBox>
#include <QTemporaryDir>

#include <vector>

namespace r1wb::views {
namespace {

constexpr int kRuns = 70;  // more than the bound

// A store of kRuns runs; run i (1-based) has 10 + i points of train/loss.
class ChartPanelCache : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 1; i <= kRuns; ++i) {
      const int64_t id = store_.create_run("run-" + std::to_string(i), "tiny-moe", "{}", "/r", "h");
      ids_.push_back(id);
      add_points(id, 1, 10 + i);
    }
    context_.set_runs(store_.list_runs());
  }
  void add_points(int64_t id, int64_t from, int64_t to) {
    std::vector<wire::Record> records;
    for (int64_t s = from; s <= to; ++s)
      records.push_back({uint64_t(s), wire::Metrics{s, 0, {{"train/loss", 1.0 / double(s)}}}});
    store_.ingest(id, records);
  }
  QTemporaryDir dir_;
  Store store_{dir_.filePath("workbench.db").toStdString()};
  RunQueue queue_{store_, dir_.filePath("no-runner").toStdString(), dir_.filePath("runs").toStdString()};
  WorkbenchContext context_{store_, queue_};
  std::vector<int64_t> ids_;
};

TEST_F(ChartPanelCache, NeverHoldsMoreThanItsBoundAndReadsAnEvictedSeriesAgain) {
  SeriesCache cache(store_);
  ASSERT_EQ(cache.capacity(), 64u);
  for (int64_t id : ids_) {
    cache.get(id, "train/loss", ChartAxis::Step, 0.0);
    EXPECT_LE(cache.size(), cache.capacity());
  }
  EXPECT_EQ(cache.size(), 64u);
  EXPECT_FALSE(cache.holds(ids_[0], "train/loss", ChartAxis::Step)) << "the least recently read went first";
  EXPECT_TRUE(cache.holds(ids_.back(), "train/loss", ChartAxis::Step));

  add_points(ids_[0], 12, 20);  // it streamed on while evicted
  const auto again = cache.get(ids_[0], "train/loss", ChartAxis::Step, 0.0);
  EXPECT_EQ(again->raw().size(), 20u) << "read again from the store: every point, the new ones too";
  EXPECT_EQ(again->raw().x_last(), 20);
  EXPECT_LE(cache.size(), cache.capacity());
  EXPECT_FALSE(cache.holds(ids_[6], "train/loss", ChartAxis::Step)) << "the next least recent made room";
}

TEST_F(ChartPanelCache, ThePanelOverlaysMoreRunsThanItCachesAndRedrawsAnEvictedOne) {
  ChartPanel panel(context_);
  panel.resize(900, 400);
  context_.add_viewer(&panel);
  context_.select({ids_[0], ids_});
  ASSERT_EQ(panel.chart()->series_count(), kRuns) << "every selected run is drawn";
  for (const auto& d : panel.chart()->drawn()) EXPECT_FALSE(d.empty());
  EXPECT_LE(panel.series_cache().size(), SeriesCache::kDefaultCapacity);

  context_.select({ids_[0], {ids_[0]}});
  ASSERT_EQ(panel.chart()->series_count(), 1);
  ASSERT_FALSE(panel.chart()->drawn()[0].empty());
  EXPECT_EQ(panel.chart()->drawn()[0].back().step_hi, 11) << "run 1's 11 points, read again";
  EXPECT_LE(panel.series_cache().size(), SeriesCache::kDefaultCapacity);

  context_.run_removed(ids_[0]);
  EXPECT_FALSE(panel.series_cache().holds(ids_[0], "train/loss", ChartAxis::Step)) << "a deleted run's series go";
}

TEST(ChartPanelAncestors, ARlRunIsDrawnAfterItsBaseWithStepsContinuing) {
  QTemporaryDir dir;
  Store store(dir.filePath("workbench.db").toStdString());
  RunQueue queue(store, dir.filePath("no-runner").toStdString(), dir.filePath("runs").toStdString());
  WorkbenchContext context(store, queue);
  auto add = [&](int64_t id, int64_t steps) {
    std::vector<wire::Record> records;
    for (int64_t s = 1; s <= steps; ++s)
      records.push_back({uint64_t(s), wire::Metrics{s, 0, {{"train/loss", 1.0 / double(s)}}}});
    store.ingest(id, records);
  };
  const int64_t base = store.create_run("base", "rl-base", R"({"name": "rl-base"})", "/runs/base", "h");
  const int64_t rl =
      store.create_run("grpo", "rl-grpo", R"({"stage": "rl", "init": {"run": "/runs/base"}})", "/runs/grpo", "h");
  add(base, 100);
  add(rl, 50);
  context.set_runs(store.list_runs());
  ChartPanel panel(context);
  panel.resize(900, 400);
  context.add_viewer(&panel);
  context.select({rl, {rl}});
  ASSERT_EQ(panel.chart()->series_count(), 1) << "off by default";
  EXPECT_EQ(panel.chart()->drawn()[0].back().step_hi, 50);

  panel.ancestors_box()->setChecked(true);
  ASSERT_EQ(panel.chart()->series_count(), 2) << "the base, then the RL run";
  const auto& drawn = panel.chart()->drawn();
  ASSERT_FALSE(drawn[0].empty());
  ASSERT_FALSE(drawn[1].empty());
  EXPECT_EQ(drawn[0].front().step_lo, 1);
  EXPECT_EQ(drawn[0].back().step_hi, 100);
  EXPECT_EQ(drawn[1].front().step_lo, 101) << "RL's step 1 comes after the base's 100 steps";
  EXPECT_EQ(drawn[1].back().step_hi, 150);

  panel.x_axis_box()->setCurrentIndex(2);  // wall time: stages do not continue
  EXPECT_FALSE(panel.ancestors_box()->isEnabled());
  EXPECT_EQ(panel.chart()->series_count(), 1);
}

}  // namespace
}  // namespace r1wb::views

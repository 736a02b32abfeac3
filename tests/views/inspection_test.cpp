// The live inspection panels on a store produced by a real short run with probes and a
// phased curriculum: routing (scrubber, per-layer history, probe tokens), attention (layer x
// head grid, chosen head, picked token) and the curriculum timeline each hold the run's data.
#include "test_support.h"
#include "views/charts/curriculum_view.h"
#include "views/experiment/config_editor.h"
#include "views/inspect/attention_panel.h"
#include "views/inspect/routing_panel.h"
#include "views/runs/run_list.h"
#include "window_support.h"

#include <gtest/gtest.h>

#include <QAction>
#include <QMenu>
#include <QPushButton>
#include <QSettings>
#include <QTabWidget>
#include <QToolButton>

#include <cstdio>

namespace r1wb::views {
namespace {

class Inspection : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new QTemporaryDir;
    QString error;
    window_ = MainWindow::open(temp_options(*dir_), &error).release();
    ASSERT_TRUE(window_) << error.toStdString();
    window_->show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(window_));
    json doc = short_run(30);
    doc["telemetry"]["probe_every"] = 10;
    doc["curriculum"]["mode"] = "phases";
    window_->editor()->set_text(QString::fromStdString(doc.dump(2)));
    ASSERT_TRUE(window_->editor()->is_valid()) << window_->editor()->errors().join("\n").toStdString();
    QTest::mouseClick(window_->editor()->run_button(), Qt::LeftButton);
    ASSERT_TRUE(wait_for_run_end(*window_, 120000));
    run_ = window_->last_started_run();
    ASSERT_EQ(window_->store().run(run_)->status, RunStatus::Completed);
    window_->run_list()->select_run(run_);
    window_->refresh();
  }
  static void TearDownTestSuite() {
    delete window_;
    delete dir_;
  }
  void show(QWidget* tab, const char* shot) {
    window_->inspect_tabs()->setCurrentWidget(tab);
    window_->refresh();
    QTest::qWait(300);
    window_->grab().save(test::screenshot_path(shot));
  }
  static inline QTemporaryDir* dir_ = nullptr;
  static inline MainWindow* window_ = nullptr;
  static inline int64_t run_ = 0;
};

TEST_F(Inspection, RoutingHoldsLoadHistoryAndProbeTokensAndScrubs) {
  RoutingPanel& r = *window_->heatmap();
  show(&r, "routing-load.png");
  EXPECT_EQ(r.steps(), (std::vector<int64_t>{5, 10, 15, 20, 25, 30}));
  EXPECT_EQ(r.snapshot().step, 30) << "live: the newest snapshot";
  EXPECT_EQ(r.snapshot().rows, 2);
  ASSERT_EQ(r.imbalance().size(), 2u) << "one line per MoE layer";
  EXPECT_EQ(r.imbalance()[0].points.size(), 6u);
  for (const auto& [step, ratio] : r.imbalance()[0].points) EXPECT_GE(ratio, 1.0f) << "max/mean is at least 1";
  ASSERT_EQ(r.entropy().size(), 2u);
  const ProbeRouting& p = r.probe();
  ASSERT_FALSE(p.empty());
  EXPECT_EQ(p.step, 30);
  EXPECT_EQ(p.tokens[0], "5") << "byte tokens of the probe text";
  EXPECT_EQ(p.layers, 2);
  EXPECT_EQ(p.k, 2);
  for (int t = 0; t < p.T(); ++t) EXPECT_NEAR(p.weight(0, 0, t) + p.weight(0, 1, t), 1.0f, 1e-4);

  r.scrub_to(10);  // the scrubber asks the window for step 10 (a queued request)
  QTest::qWait(20);
  EXPECT_EQ(r.snapshot().step, 10);
  EXPECT_EQ(r.probe().step, 10);
  r.show_tab(RoutingPanel::Tab::OverTime);
  QTest::qWait(200);
  window_->grab().save(test::screenshot_path("routing-over-time.png"));
  r.show_tab(RoutingPanel::Tab::ProbeTokens);
  QTest::qWait(200);
  window_->grab().save(test::screenshot_path("routing-probe-tokens.png"));
  r.scrub_to(-1);
  QTest::qWait(20);
  EXPECT_EQ(r.snapshot().step, 30) << "back to live";
  r.show_tab(RoutingPanel::Tab::Load);
}

TEST_F(Inspection, AttentionHoldsEveryHeadAndFollowsTheChosenHeadAndToken) {
  AttentionPanel& a = *window_->attention();
  show(&a, "attention.png");
  const AttentionProbe& p = a.probe();
  ASSERT_FALSE(p.empty());
  EXPECT_EQ(p.layers, 2);
  EXPECT_EQ(p.heads, 4);
  EXPECT_EQ(p.thumbs.size(), 8u);
  EXPECT_EQ(p.entropy.size(), 8u);
  EXPECT_EQ(a.steps(), (std::vector<int64_t>{10, 20, 30}));
  a.select_head(1, 2);  // another layer: the window loads its weights (a queued request)
  QTest::qWait(20);
  EXPECT_EQ(a.probe().layer, 1);
  EXPECT_EQ(a.selected_head(), 2);
  a.select_query(12);
  for (int h = 0; h < 4; ++h) {
    const auto keys = a.top_keys(h, 3);
    ASSERT_EQ(keys.size(), 3u);
    for (int k : keys) EXPECT_LE(k, 12) << "causal: token 12 attends to keys 0..12 only";
  }
  QTest::qWait(200);
  window_->grab().save(test::screenshot_path("attention-token.png"));
  a.scrub_to(10);
  QTest::qWait(20);
  EXPECT_EQ(a.probe().step, 10);
  a.scrub_to(-1);
}

TEST_F(Inspection, ChartDrawsSeveralMetricsOfTheRun) {
  QMenu* menu = window_->more_metrics_button()->menu();
  QAction* grad_norm = nullptr;
  for (QAction* a : menu->actions())
    if (a->text() == "train/grad_norm") grad_norm = a;
  ASSERT_TRUE(grad_norm) << "the + menu offers the run's other metrics";
  grad_norm->setChecked(true);
  EXPECT_EQ(window_->chart()->series_count(), 2);
  EXPECT_EQ(window_->chart()->title(), "train/loss, train/grad_norm");
  EXPECT_EQ(window_->chart()->drawn()[1].size(), 6u) << "grad_norm's six logged steps";
  QTest::qWait(200);
  window_->grab().save(test::screenshot_path("chart-two-metrics.png"));
  grad_norm->setChecked(false);
  EXPECT_EQ(window_->chart()->series_count(), 1);
}

TEST_F(Inspection, DarkThemeRepaintsChartAndPanelsAndIsRemembered) {
  window_->inspect_tabs()->setCurrentWidget(window_->heatmap());
  window_->action("theme_dark")->trigger();
  QTest::qWait(300);
  const QImage chart = window_->chart()->grab().toImage();
  EXPECT_LT(QColor(chart.pixel(chart.width() / 2, chart.height() - 4)).lightness(), 80) << "chart background";
  const QImage panel = window_->heatmap()->grabFramebuffer();
  EXPECT_LT(QColor(panel.pixel(panel.width() - 4, panel.height() - 4)).lightness(), 80) << "ImGui background";
  window_->grab().save(test::screenshot_path("dark-theme.png"));
  EXPECT_EQ(QSettings(dir_->filePath("settings.ini"), QSettings::IniFormat).value("view/theme").toString(), "dark");
  window_->action("theme_light")->trigger();
  QTest::qWait(100);
  EXPECT_GT(QColor(window_->chart()->grab().toImage().pixel(chart.width() / 2, chart.height() - 4)).lightness(), 200);
}

TEST_F(Inspection, CurriculumShowsEveryPhaseBesideTheLoss) {
  CurriculumView& c = *window_->curriculum();
  show(&c, "curriculum.png");
  const CurriculumTimeline& t = c.timeline();
  ASSERT_EQ(t.phases.size(), 3u) << "easy, mixed, hard";
  EXPECT_EQ(t.phases[0].start_step, 1);
  EXPECT_LT(t.phases[1].start_step, t.phases[2].start_step);
  EXPECT_FLOAT_EQ(t.phases[0].mix[0], 1.0f) << "phase 0: all difficulty 1";
  EXPECT_FLOAT_EQ(t.phases[2].mix.back(), 1.0f) << "phase 2: all difficulty 2";
  EXPECT_EQ(t.loss.size(), 6u);
  EXPECT_EQ(t.current_step, 30);
  EXPECT_EQ(c.phase_at(30), 2);
  EXPECT_EQ(c.phase_at(t.phases[1].start_step), 1);
}

}  // namespace
}  // namespace r1wb::views

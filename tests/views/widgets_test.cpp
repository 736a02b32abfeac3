// The chart and the ImGui heatmap on synthetic data: they draw what they are given, the chart
// overlays runs and zooms, pans and resets under the mouse, and the ImGui bridge keeps one
// context per widget and feeds it Qt's mouse input.
#include "test_support.h"
#include "views/charts/metric_chart.h"
#include "views/inspect/attention_panel.h"
#include "views/inspect/routing_panel.h"

#include <gtest/gtest.h>
#include <imgui.h>

#include <QApplication>
#include <QHBoxLayout>
#include <QMouseEvent>
#include <QTest>
#include <QWheelEvent>

#include <QElapsedTimer>

#include <cmath>
#include <cstdio>
#include <random>

namespace r1wb::views {
namespace {

ExpertLoad skewed_load(int layers, int experts, int64_t step) {
  ExpertLoad load;
  load.run_name = "synthetic";
  load.step = step;
  load.rows = layers;
  load.cols = experts;
  for (int l = 0; l < layers; ++l) {
    float sum = 0;
    std::vector<float> row;
    for (int e = 0; e < experts; ++e) row.push_back(1.0f + float((e + l) % experts));
    for (float v : row) sum += v;
    for (float v : row) load.data.push_back(v / sum);
  }
  return load;
}

namespace {
// A loss-like curve of n points, with a one-step spike at `spike` (0: none).
std::shared_ptr<MetricSeries> loss_curve(int64_t n, double scale, int64_t spike) {
  auto s = std::make_shared<MetricSeries>();
  for (int64_t i = 1; i <= n; ++i)
    s->append(
        i, i,
        scale * (3.0 * std::exp(-double(i) / (n / 4.0)) + 0.2 + 0.05 * std::sin(i * 0.7)) + (i == spike ? 5.0 : 0.0));
  return s;
}

void send_wheel(QWidget& w, QPoint at, int delta) {
  QWheelEvent e(at, w.mapToGlobal(at), QPoint(), QPoint(0, delta), Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase,
                false);
  QApplication::sendEvent(&w, &e);
}
}  // namespace

TEST(MetricChart, OverlaysRunsAndKeepsASpikeAmongAMillionPoints) {
  MetricChart chart;
  chart.resize(900, 360);
  chart.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&chart));
  chart.set_series({{"run-a", loss_curve(1'000'000, 1.0, 654'321)}, {"run-b", loss_curve(400'000, 0.8, 0)}},
                   "train/loss", "2 runs overlaid");
  ASSERT_EQ(chart.drawn().size(), 2u);
  EXPECT_LE(int(chart.drawn()[0].size()), chart.plot_width());
  EXPECT_EQ(chart.drawn()[0].back().step_hi, 1'000'000);
  EXPECT_EQ(chart.drawn()[1].back().step_hi, 400'000) << "the shorter run ends where its points end";
  int spikes = 0;
  for (const auto& b : chart.drawn()[0]) spikes += b.max > 5.0;
  EXPECT_EQ(spikes, 1) << "the one-step spike is in exactly one bucket";
  const QImage image = chart.grab().toImage();
  image.save(test::screenshot_path("chart_overlay.png"));
  EXPECT_GT(test::colour_count(image), 20) << "bands, lines, grid and labels are drawn";
  chart.clear("train/loss", "No run selected.");
  EXPECT_EQ(chart.point_count(), 0);
}

TEST(MetricChart, TwelveRunsAreAllDrawnInDistinctColours) {
  MetricChart chart;
  chart.resize(700, 360);
  std::vector<ChartSeries> series;
  for (int i = 0; i < 12; ++i) series.push_back({QString("run-%1").arg(i), loss_curve(2000, 1.0 + 0.1 * i, 0)});
  chart.set_series(std::move(series), "train/loss", "12 runs");
  ASSERT_EQ(chart.drawn().size(), 12u) << "no cap on runs";
  for (const auto& d : chart.drawn()) EXPECT_FALSE(d.empty());
  QSet<QRgb> colours;
  for (size_t i = 0; i < 12; ++i) colours.insert(series_color(i).rgb());
  EXPECT_EQ(colours.size(), 12);
}

TEST(MetricChart, WheelZoomsAroundTheCursorDragPansDoubleClickShowsAll) {
  MetricChart chart;
  chart.resize(900, 360);
  chart.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&chart));
  chart.set_series({{"run-a", loss_curve(100'000, 1.0, 0)}}, "train/loss", "");
  ASSERT_EQ(chart.x_view(), (std::pair<int64_t, int64_t>{1, 100'000}));
  const QPoint centre(64 + chart.plot_width() / 2, 150);
  for (int i = 0; i < 5; ++i) send_wheel(chart, centre, 120);  // five notches in: 0.8^5 of the width
  auto [lo, hi] = chart.x_view();
  EXPECT_NEAR(double(hi - lo), 0.8 * 0.8 * 0.8 * 0.8 * 0.8 * 99'999, 50);
  EXPECT_NEAR(0.5 * double(lo + hi), 50'000, 200) << "zoomed around the cursor";
  EXPECT_LE(int(chart.drawn()[0].size()), chart.plot_width());
  EXPECT_GE(chart.drawn()[0].front().step_lo, lo);

  QTest::mousePress(&chart, Qt::LeftButton, Qt::NoModifier, centre);
  QTest::mouseMove(&chart, centre - QPoint(200, 0));
  QTest::mouseRelease(&chart, Qt::LeftButton, Qt::NoModifier, centre - QPoint(200, 0));
  auto [lo2, hi2] = chart.x_view();
  EXPECT_GT(lo2, lo) << "dragging left shows later steps";
  EXPECT_NEAR(double(hi2 - lo2), double(hi - lo), 2);

  chart.set_log_y(true);
  const QImage zoomed = chart.grab().toImage();
  zoomed.save(test::screenshot_path("chart_zoomed_log.png"));
  EXPECT_GT(test::colour_count(zoomed), 10);

  QTest::mouseDClick(&chart, Qt::LeftButton, Qt::NoModifier, centre);
  EXPECT_EQ(chart.x_view(), (std::pair<int64_t, int64_t>{1, 100'000}));
}

TEST(MetricChart, SmoothingDrawsTheEmaLineInsideTheRawBand) {
  MetricChart chart;
  chart.resize(900, 360);
  chart.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&chart));
  auto noisy = std::make_shared<MetricSeries>();
  for (int64_t i = 1; i <= 600; ++i) noisy->append(i, i, 2.0 + (i % 2 ? 0.5 : -0.5) - i / 600.0);
  noisy->set_smoothing(0.9);
  chart.set_series({{"run-a", noisy}}, "train/loss", "smoothed 0.9");
  ASSERT_EQ(chart.drawn_smoothed().size(), 1u);
  ASSERT_FALSE(chart.drawn_smoothed()[0].empty());
  // Step-to-step jumps after the first few points (where the debiased average settles).
  auto largest_jump = [](const std::vector<SeriesPoint>& b) {
    double jump = 0;
    for (size_t i = 20; i < b.size(); ++i) jump = std::max(jump, std::fabs(b[i].mean - b[i - 1].mean));
    return jump;
  };
  const double raw = largest_jump(chart.drawn()[0]), smooth = largest_jump(chart.drawn_smoothed()[0]);
  EXPECT_GT(raw, 0.9);
  EXPECT_LT(smooth, 0.2 * raw) << "the EMA line does not zigzag with the noise";
  chart.grab().save(test::screenshot_path("chart_smoothed.png"));
}

TEST(RoutingPanel, DrawsTheSnapshotItWasGiven) {
  RoutingPanel panel;
  panel.resize(560, 300);
  panel.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&panel));
  const int empty_colours = test::colour_count(panel.grabFramebuffer());

  panel.set_snapshot(skewed_load(3, 6, 40));
  EXPECT_EQ(panel.snapshot().rows, 3);
  EXPECT_EQ(panel.snapshot().cols, 6);
  EXPECT_EQ(panel.snapshot().step, 40);
  const QImage image = panel.grabFramebuffer();
  EXPECT_GT(test::colour_count(image), empty_colours + 10) << "cells, labels and legend are drawn";
  EXPECT_EQ(ImGui::GetCurrentContext(), nullptr) << "the bridge never leaves its context current";
}

// Causal attention of T tokens, H heads: each query spreads over its keys with one sharp key.
AttentionProbe synthetic_attention(int T, int H) {
  AttentionProbe p;
  p.run_name = "synthetic";
  p.step = 100;
  p.layers = 1;
  p.heads = H;
  for (int t = 0; t < T; ++t) p.tokens.push_back(std::to_string(t % 10));
  p.weights.assign(size_t(H) * T * T, 0.0f);
  std::mt19937 rng(1);
  for (int h = 0; h < H; ++h) {
    for (int q = 0; q < T; ++q) {
      float* row = &p.weights[(size_t(h) * T + q) * T];
      const int sharp = int(rng() % uint32_t(q + 1));
      for (int k = 0; k <= q; ++k) row[k] = 0.5f / float(q + 1);
      row[sharp] += 0.5f;
    }
    p.thumbs.push_back(AttentionProbe::thumbnail(&p.weights[size_t(h) * T * T], T));
    p.entropy.push_back(1.0f + float(h));
  }
  return p;
}

TEST(AttentionPanel, TwoThousandTokenProbeDrawsAndPicksTokens) {
  AttentionPanel panel;
  panel.resize(1000, 760);
  panel.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&panel));
  for (int T : {512, 2048}) {
    QElapsedTimer upload;
    upload.start();
    panel.set_probe(synthetic_attention(T, 4));
    panel.grabFramebuffer();  // the first frame uploads the textures
    const double first_ms = double(upload.nsecsElapsed()) / 1e6;
    ASSERT_EQ(panel.probe().T(), T);
    // Frames after that only draw: time a few (figures printed, not asserted: a benchmark).
    double worst = 0, sum = 0;
    const int frames = 20;
    for (int i = 0; i < frames; ++i) {
      QElapsedTimer f;
      f.start();
      panel.grabFramebuffer();
      const double ms = double(f.nsecsElapsed()) / 1e6;
      worst = std::max(worst, ms);
      sum += ms;
    }
    std::printf(
        "[ info ] attention panel T=%d: first frame (upload) %.1f ms; then frame mean %.2f ms, worst %.2f ms, "
        "draw_ui %.2f ms\n",
        T, first_ms, sum / frames, worst, panel.last_draw_ms());
  }
  panel.select_query(2047);
  const auto keys = panel.top_keys(0, 3);
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_NEAR(panel.probe().at(0, 2047, keys[0]), 0.5f + 0.5f / 2048, 1e-6) << "the sharp key comes first";
  const QImage image = panel.grabFramebuffer();
  EXPECT_GT(test::colour_count(image), 50) << "map, thumbnails and the token strip are drawn";
  image.save(test::screenshot_path("attention-2048.png"));
}

TEST(ImGuiBridge, EachWidgetHasItsOwnContextAndGetsMouseInput) {
  QWidget window;
  auto* a = new RoutingPanel(&window);
  auto* b = new RoutingPanel(&window);
  auto* layout = new QHBoxLayout(&window);
  layout->addWidget(a);
  layout->addWidget(b);
  window.resize(1000, 320);
  window.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&window));
  ASSERT_NE(a->imgui_context(), nullptr);
  ASSERT_NE(a->imgui_context(), b->imgui_context());

  a->set_snapshot(skewed_load(2, 4, 10));
  b->set_snapshot(skewed_load(4, 8, 20));
  EXPECT_GT(test::colour_count(a->grabFramebuffer()), 10);
  EXPECT_GT(test::colour_count(b->grabFramebuffer()), 10);

  QMouseEvent move(QEvent::MouseMove, QPointF(120, 90), a->mapToGlobal(QPointF(120, 90)), Qt::NoButton, Qt::NoButton,
                   Qt::NoModifier);
  QApplication::sendEvent(a, &move);
  QMouseEvent press(QEvent::MouseButtonPress, QPointF(120, 90), a->mapToGlobal(QPointF(120, 90)), Qt::LeftButton,
                    Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(a, &press);
  ImGui::SetCurrentContext(a->imgui_context());
  EXPECT_FLOAT_EQ(ImGui::GetIO().MousePos.x, 120.0f);
  EXPECT_FLOAT_EQ(ImGui::GetIO().MousePos.y, 90.0f);
  EXPECT_TRUE(ImGui::GetIO().MouseDown[0]);
  ImGui::SetCurrentContext(b->imgui_context());
  EXPECT_FALSE(ImGui::GetIO().MouseDown[0]) << "input goes to the widget's own context only";
  ImGui::SetCurrentContext(nullptr);

  const int frames = a->frame_count();
  EXPECT_TRUE(QTest::qWaitFor([&] { return a->frame_count() > frames; }, 2000)) << "input schedules a repaint";
  QTest::qWait(300);
  const int settled = a->frame_count();
  QTest::qWait(300);
  EXPECT_EQ(a->frame_count(), settled) << "no repaint without input or new data";
}

}  // namespace
}  // namespace r1wb::views

// The chart and the ImGui heatmap on synthetic data: they draw what they are given, and the
// ImGui bridge keeps one context per widget and feeds it Qt's mouse input.
#include "test_support.h"
#include "views/expert_load_panel.h"
#include "views/metric_chart.h"

#include <gtest/gtest.h>
#include <imgui.h>

#include <QApplication>
#include <QHBoxLayout>
#include <QMouseEvent>
#include <QTest>

#include <cmath>

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

TEST(MetricChart, DrawsEnvelopeAndMeanOfTheGivenBuckets) {
  MetricChart chart;
  chart.resize(640, 320);
  chart.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&chart));
  EXPECT_GT(chart.plot_width(), 400);
  std::vector<SeriesPoint> pts;
  for (int i = 0; i < 120; ++i) {
    const double mean = 3.0 * std::exp(-i / 40.0) + 0.2;
    pts.push_back({i * 5 + 1, i * 5 + 5, mean - 0.1, mean + 0.15, mean, 5});
  }
  chart.set_series(pts, "train/loss", "synthetic");
  EXPECT_EQ(chart.point_count(), 120);
  const QImage image = chart.grab().toImage();
  EXPECT_GT(test::colour_count(image), 20) << "band, line, grid and labels are drawn";

  chart.clear("train/loss", "No run selected.");
  EXPECT_EQ(chart.point_count(), 0);
}

TEST(ExpertLoadPanel, DrawsTheSnapshotItWasGiven) {
  ExpertLoadPanel panel;
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

TEST(ImGuiBridge, EachWidgetHasItsOwnContextAndGetsMouseInput) {
  QWidget window;
  auto* a = new ExpertLoadPanel(&window);
  auto* b = new ExpertLoadPanel(&window);
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

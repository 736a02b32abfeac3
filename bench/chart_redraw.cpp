// r1wb-bench-chart: how long the metric chart takes to redraw a one-million-point series
// (issue target: under 16 ms), at full range and at random zoom/pan windows. A redraw is
// the chart taking per-pixel buckets from the series pyramid (core/series/series_pyramid.h) for
// its new x-range plus painting them into an image. Printed beside it, in the same run: the same buckets from a linear
// pass over all points, the cost the pyramid avoids. Runs without a display
// (QT_QPA_PLATFORM=offscreen). Usage: r1wb-bench-chart [POINTS] [REDRAWS]
#include "core/series/metric_series.h"
#include "views/charts/metric_chart.h"

#include <QApplication>
#include <QImage>
#include <QPainter>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

struct Figures {
  double mean = 0, p95 = 0, max = 0;
};

Figures summarise(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  Figures f;
  for (double m : ms) f.mean += m / ms.size();
  f.p95 = ms[std::min(ms.size() - 1, size_t(0.95 * ms.size()))];
  f.max = ms.back();
  return f;
}

// The buckets a chart without the pyramid computes: one pass over every point in range.
std::vector<r1wb::SeriesPoint> linear_buckets(const std::vector<double>& y, int64_t lo, int64_t hi, int n) {
  std::vector<r1wb::SeriesPoint> out(n);
  const double width = double(hi - lo + 1) / n;
  for (int64_t x = lo; x <= hi; ++x) {
    auto& b = out[std::min<int64_t>(n - 1, int64_t((x - lo) / width))];
    const double v = y[size_t(x - 1)];
    if (b.count == 0) b = {x, x, v, v, 0, 0};
    b.step_hi = x, b.min = std::min(b.min, v), b.max = std::max(b.max, v), b.mean += v, ++b.count;
  }
  for (auto& b : out) b.mean /= std::max<int64_t>(b.count, 1);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  const int64_t points = argc > 1 ? std::stoll(argv[1]) : 1'000'000;
  const int redraws = argc > 2 ? std::stoi(argv[2]) : 200;

  // A loss-like curve: decay, noise, and a few one-step spikes.
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise(0, 0.05);
  std::vector<double> y(points);
  for (int64_t i = 0; i < points; ++i)
    y[i] = 4.0 * std::exp(-double(i) / (points / 5.0)) + 0.5 + noise(rng) + (rng() % 100000 == 0 ? 3.0 : 0.0);
  auto t = Clock::now();
  auto series = std::make_shared<r1wb::MetricSeries>();
  for (int64_t i = 0; i < points; ++i) series->append(i + 1, i + 1, y[i]);
  const double build_ms = ms_since(t);

  r1wb::views::MetricChart chart;
  chart.resize(1920, 600);
  chart.set_series({{"bench", series}}, "train/loss", "bench");
  QImage image(chart.size(), QImage::Format_ARGB32_Premultiplied);
  const int pixels = chart.plot_width();

  std::vector<double> full, zoomed, query, paint, linear;
  for (int r = 0; r < redraws; ++r) {
    // Half the redraws at full range, half at a random window of 0.1 % to 100 % of the run.
    int64_t lo = 1, hi = points;
    if (r % 2 == 1) {
      const int64_t span = std::max<int64_t>(pixels, int64_t(points * std::pow(10.0, -3.0 * (rng() % 1000) / 1000.0)));
      lo = 1 + int64_t(rng() % uint64_t(points - span + 1)), hi = lo + span - 1;
    }
    auto t0 = Clock::now();
    if (r % 2 == 0)
      chart.reset_view();
    else
      chart.set_x_view(double(lo), double(hi));  // the chart asks the pyramid for its buckets
    const double q = ms_since(t0);
    auto t1 = Clock::now();
    {
      QPainter p(&image);
      chart.render(&p);
    }
    const double draw = ms_since(t1);
    (r % 2 == 0 ? full : zoomed).push_back(q + draw);
    query.push_back(q), paint.push_back(draw);
    auto t2 = Clock::now();
    auto naive = linear_buckets(y, lo, hi, pixels);
    linear.push_back(ms_since(t2) + draw);
    if (naive.empty()) return 1;
  }
  if (argc > 3) image.save(argv[3]);
  const auto f = summarise(full), z = summarise(zoomed), q = summarise(query), p = summarise(paint),
             l = summarise(linear);
  std::printf("chart redraw, %lld points, %d px wide plot, %d redraws (offscreen raster)\n", (long long)points, pixels,
              redraws);
  std::printf("  pyramid build          %8.1f ms  (%.0f ns per appended point)\n", build_ms, build_ms * 1e6 / points);
  std::printf("  redraw, full range     %8.2f ms mean  %8.2f p95  %8.2f max\n", f.mean, f.p95, f.max);
  std::printf("  redraw, zoom/pan       %8.2f ms mean  %8.2f p95  %8.2f max\n", z.mean, z.p95, z.max);
  std::printf("    of which buckets     %8.2f ms mean, painting %.2f ms mean\n", q.mean, p.mean);
  std::printf("  linear-pass redraw     %8.2f ms mean  %8.2f p95  (pyramid %.1fx faster)\n", l.mean, l.p95,
              l.mean / std::max(1e-9, (f.mean + z.mean) / 2));
  std::printf("  target: under 16 ms per redraw: %s\n", std::max(f.p95, z.p95) < 16.0 ? "met (p95)" : "NOT met");
  return 0;
}

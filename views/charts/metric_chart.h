// A live line chart of one metric for one or more runs, painted with QPainter.
//
// Each series is a full-fidelity MetricSeries (core/series/metric_series.h) that its owner appends
// to as the run streams; the chart asks its pyramid for one exact min/max/mean bucket per
// pixel of the visible x-range and draws the min/max envelope as a band (so a one-step
// spike shows at any zoom) and the mean, or with smoothing on the smoothed points, as a line.
// Wheel zooms around the cursor, dragging pans, a double click returns to the whole run (the
// view then follows new steps); log-y is a switch. Nothing is sampled away, whatever the
// number of points. Ticks and the data-to-pixel mapping come from plot_axes.h.
#pragma once
#include "core/series/metric_series.h"
#include "core/store/store.h"

#include <QColor>
#include <QString>
#include <QWidget>

#include <memory>
#include <optional>
#include <vector>

namespace r1wb::views {

struct PlotMapping;

struct ChartSeries {
  QString label;                               //!< the run's name
  std::shared_ptr<const MetricSeries> points;  //!< may grow between redraws
};

class MetricChart : public QWidget {
  Q_OBJECT
 public:
  explicit MetricChart(QWidget* parent = nullptr);

  //! Replaces the drawn series; `title` is e.g. "train/loss", `subtitle` a line about the runs.
  //! The zoom is kept while the title stays the same.
  void set_series(std::vector<ChartSeries> series, const QString& title, const QString& subtitle);
  //! Shows an empty chart with a hint instead of data.
  void clear(const QString& title, const QString& hint);

  //! What x counts (the series' owner reads the points on the same axis); labels follow it.
  void set_x_axis(ChartAxis axis);
  ChartAxis x_axis() const { return x_axis_; }
  void set_log_y(bool on);
  bool log_y() const { return log_y_; }
  //! Scales the visible x-range by `factor` (< 1 zooms in) around x = `anchor`.
  void zoom(double factor, double anchor);
  //! Shifts the visible x-range by `dx` (in x units, clamped to the data).
  void pan(double dx);
  //! Shows x in [first, last] (clamped to the data).
  void set_x_view(double first, double last);
  //! Back to the whole x-range, following new points.
  void reset_view();
  //! The visible x-range [first, last].
  std::pair<int64_t, int64_t> x_view() const;

  //! Buckets drawn per series (for tests and the readout).
  const std::vector<std::vector<SeriesPoint>>& drawn() const { return drawn_; }
  //! The smoothed line's buckets per series (empty for a series without smoothing).
  const std::vector<std::vector<SeriesPoint>>& drawn_smoothed() const { return drawn_smoothed_; }
  int series_count() const { return int(series_.size()); }
  //! Buckets drawn, all series together.
  int point_count() const;
  const QString& title() const { return title_; }
  //! Width of the plot area in pixels: the number of buckets per series.
  int plot_width() const;

  QSize sizeHint() const override { return {640, 300}; }
  QSize minimumSizeHint() const override { return {280, 180}; }

 protected:
  void paintEvent(QPaintEvent*) override;
  void resizeEvent(QResizeEvent*) override;
  void mouseMoveEvent(QMouseEvent* e) override;  // the readout follows the mouse; drag pans
  void mousePressEvent(QMouseEvent* e) override;
  void mouseReleaseEvent(QMouseEvent* e) override;
  void mouseDoubleClickEvent(QMouseEvent* e) override;
  void wheelEvent(QWheelEvent* e) override;
  void leaveEvent(QEvent*) override;

 private:
  QRect plot_rect() const;
  //! The x-range of all series' points, or nothing when they are empty.
  std::optional<std::pair<int64_t, int64_t>> data_range() const;
  void rebucket();
  struct Colours;
  //! The title and the subtitle beside it.
  void paint_title(QPainter& p, const Colours& c) const;
  //! The plot area's data range: the x view, y over every drawn bucket, padded.
  PlotMapping mapping() const;
  //! Grid, tick labels, axis name and frame; returns the decimals the readout shows.
  int paint_axes(QPainter& p, const PlotMapping& map, const Colours& c) const;
  //! One series: the min/max band of `buckets`, and the mean line of `smoothed` (raw under it,
  //! faint) or, when that is empty, of `buckets`.
  void paint_series(QPainter& p, const std::vector<SeriesPoint>& buckets, const std::vector<SeriesPoint>& smoothed,
                    const QColor& color, const PlotMapping& map) const;
  //! Each series' value at its end or under the mouse, top right.
  void paint_readout(QPainter& p, const PlotMapping& map, const Colours& c, int decimals) const;

  std::vector<ChartSeries> series_;
  std::vector<std::vector<SeriesPoint>> drawn_, drawn_smoothed_;
  std::optional<std::pair<double, double>> view_;  // unset: the whole range, following new points
  QString title_, subtitle_, hint_;
  bool log_y_ = false;
  ChartAxis x_axis_ = ChartAxis::Step;
  int hover_x_ = -1;      // mouse x over the plot, -1 when away
  int drag_from_x_ = -1;  // mouse x where a pan drag started, -1 when not dragging
  std::pair<double, double> drag_view_{0, 0};
};

//! The colour of the i-th series of a chart (a palette that stays apart in both themes).
QColor series_color(size_t i);

}  // namespace r1wb::views

// A live line chart for one metric of one run, painted with QPainter.
//
// The store hands out series already downsampled to about one bucket per horizontal pixel,
// each bucket with min, max and mean; the chart draws the min/max envelope as a filled band
// (so spikes stay visible however far it is zoomed out) and the mean as a line, with
// "nice" tick labels on both axes. It holds only the points it was given: whoever owns
// the store asks plot_width() for the bucket count and calls set_series() when new data
// arrived.
#pragma once
#include "core/store.h"

#include <QString>
#include <QWidget>

#include <vector>

namespace r1wb::views {

class MetricChart : public QWidget {
  Q_OBJECT
 public:
  explicit MetricChart(QWidget* parent = nullptr);

  //! Replaces the drawn series; `title` is e.g. "train/loss", `subtitle` the run name.
  void set_series(std::vector<SeriesPoint> points, const QString& title, const QString& subtitle);
  //! Shows an empty chart with a hint instead of data.
  void clear(const QString& title, const QString& hint);

  //! Buckets currently drawn.
  int point_count() const { return int(points_.size()); }
  const std::vector<SeriesPoint>& points() const { return points_; }
  const QString& title() const { return title_; }
  //! Width of the plot area in pixels: the number of buckets worth asking the store for.
  int plot_width() const;

  QSize sizeHint() const override { return {640, 300}; }
  QSize minimumSizeHint() const override { return {280, 180}; }

 signals:
  //! The plot area changed width: the owner may re-query at the new resolution.
  void plot_width_changed(int pixels);

 protected:
  void paintEvent(QPaintEvent*) override;
  void resizeEvent(QResizeEvent*) override;
  void mouseMoveEvent(QMouseEvent* e) override;  // the readout follows the mouse
  void leaveEvent(QEvent*) override;

 private:
  QRect plot_rect() const;
  std::vector<SeriesPoint> points_;
  QString title_, subtitle_, hint_;
  int hover_x_ = -1;  // mouse x over the plot, -1 when away
};

}  // namespace r1wb::views

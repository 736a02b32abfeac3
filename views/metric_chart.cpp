#include "views/metric_chart.h"

#include <QMouseEvent>
#include <QPainter>

#include <algorithm>
#include <cmath>

namespace r1wb::views {
namespace {

constexpr int kLeft = 64, kRight = 18, kTop = 44, kBottom = 42;
const QColor kLine(31, 102, 170);
const QColor kBand(31, 102, 170, 56);
const QColor kGrid(226, 228, 232);
const QColor kAxis(120, 124, 130);
const QColor kText(40, 42, 46);
const QColor kDim(110, 114, 120);

struct Ticks {
  double first = 0, step = 1;
  int count = 0;
  int decimals = 0;
};

// Round tick spacing (1, 2 or 5 times a power of ten) giving at most `max_ticks` ticks.
Ticks nice_ticks(double lo, double hi, int max_ticks, bool integers) {
  Ticks t;
  max_ticks = std::max(2, max_ticks);
  const double raw = (hi - lo) / max_ticks;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / mag;
  t.step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
  if (integers) t.step = std::max(1.0, std::round(t.step));
  t.first = std::ceil(lo / t.step - 1e-9) * t.step;
  t.count = int(std::floor((hi - t.first) / t.step + 1e-9)) + 1;
  t.decimals = std::max(0, -int(std::floor(std::log10(t.step) + 1e-9)));
  return t;
}

QString value_text(double v, int decimals) {
  if (std::fabs(v) < 1e-12) v = 0;
  return QString::number(v, 'f', std::min(decimals, 6));
}

}  // namespace

MetricChart::MetricChart(QWidget* parent) : QWidget(parent), hint_("No run selected.") {
  setAttribute(Qt::WA_OpaquePaintEvent);
  setMouseTracking(true);
}

void MetricChart::set_series(std::vector<SeriesPoint> points, const QString& title, const QString& subtitle) {
  points_ = std::move(points);
  title_ = title;
  subtitle_ = subtitle;
  hint_ = points_.empty() ? QStringLiteral("No data yet.") : QString();
  update();
}

void MetricChart::clear(const QString& title, const QString& hint) {
  points_.clear();
  title_ = title;
  subtitle_.clear();
  hint_ = hint;
  update();
}

QRect MetricChart::plot_rect() const {
  return QRect(kLeft, kTop, std::max(1, width() - kLeft - kRight), std::max(1, height() - kTop - kBottom));
}

int MetricChart::plot_width() const { return plot_rect().width(); }

void MetricChart::resizeEvent(QResizeEvent*) { emit plot_width_changed(plot_width()); }

void MetricChart::mouseMoveEvent(QMouseEvent* e) {
  const QPoint p = e->position().toPoint();
  hover_x_ = plot_rect().contains(p) ? p.x() : -1;
  update();
}

void MetricChart::leaveEvent(QEvent*) {
  hover_x_ = -1;
  update();
}

void MetricChart::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), Qt::white);
  p.setRenderHint(QPainter::Antialiasing, true);
  const QRect pr = plot_rect();

  QFont title_font = font();
  title_font.setBold(true);
  title_font.setPointSizeF(font().pointSizeF() * 1.1);
  p.setFont(title_font);
  p.setPen(kText);
  const int title_w = p.fontMetrics().horizontalAdvance(title_);
  p.drawText(QRect(kLeft, 8, width() - kLeft, 22), Qt::AlignLeft | Qt::AlignVCenter, title_);
  p.setFont(font());
  p.setPen(kDim);
  if (!subtitle_.isEmpty())
    p.drawText(QRect(kLeft + title_w + 10, 8, width(), 22), Qt::AlignLeft | Qt::AlignVCenter, subtitle_);

  p.setPen(QPen(kAxis, 1));
  if (points_.empty()) {
    p.drawRect(pr.adjusted(0, 0, -1, -1));
    p.setPen(kDim);
    p.drawText(pr, Qt::AlignCenter, hint_);
    return;
  }

  // Data ranges, padded so a flat or single-point series still has an area to sit in.
  double x0 = double(points_.front().step_lo), x1 = double(points_.back().step_hi);
  double y0 = points_.front().min, y1 = points_.front().max;
  for (const auto& s : points_) y0 = std::min(y0, s.min), y1 = std::max(y1, s.max);
  if (x1 <= x0) x0 -= 1, x1 += 1;
  if (y1 - y0 < 1e-12) {
    const double d = std::max(std::fabs(y0) * 0.1, 0.5);
    y0 -= d, y1 += d;
  } else {
    const double d = (y1 - y0) * 0.06;
    y0 -= d, y1 += d;
  }
  auto px = [&](double x) { return pr.left() + (x - x0) / (x1 - x0) * pr.width(); };
  auto py = [&](double y) { return pr.bottom() - (y - y0) / (y1 - y0) * pr.height(); };
  auto mid = [](const SeriesPoint& s) { return 0.5 * double(s.step_lo + s.step_hi); };

  // Grid and tick labels.
  const Ticks yt = nice_ticks(y0, y1, pr.height() / 42, false);
  const Ticks xt = nice_ticks(x0, x1, pr.width() / 90, true);
  const QFontMetrics fm = p.fontMetrics();
  for (int i = 0; i < yt.count; ++i) {
    const double v = yt.first + i * yt.step;
    const double y = py(v);
    p.setPen(QPen(kGrid, 1));
    p.drawLine(QPointF(pr.left(), y), QPointF(pr.right(), y));
    p.setPen(kDim);
    p.drawText(QRectF(0, y - fm.height() / 2.0, kLeft - 8, fm.height()), Qt::AlignRight | Qt::AlignVCenter,
               value_text(v, yt.decimals));
  }
  for (int i = 0; i < xt.count; ++i) {
    const double v = xt.first + i * xt.step;
    const double x = px(v);
    p.setPen(QPen(kGrid, 1));
    p.drawLine(QPointF(x, pr.top()), QPointF(x, pr.bottom()));
    p.setPen(kDim);
    p.drawText(QRectF(x - 40, pr.bottom() + 4, 80, fm.height()), Qt::AlignHCenter | Qt::AlignTop,
               QString::number(qint64(std::llround(v))));
  }
  p.setPen(kDim);
  p.drawText(QRect(pr.left(), pr.bottom() + 4 + fm.height(), pr.width(), fm.height() + 2), Qt::AlignCenter, "step");
  p.setPen(QPen(kAxis, 1));
  p.drawRect(QRectF(pr).adjusted(0.5, 0.5, -0.5, -0.5));

  // Envelope, then the mean on top. Dense buckets (more than one per 3 pixels) draw the band
  // as one vertical hairline per bucket and the mean as a hairline, without antialiasing: a
  // polygon through a million-point band's zigzag, a rectangle per bucket (Qt hands large
  // fills to its thread pool, one hand-off each) or a wide antialiased stroke of a noisy
  // series cost Qt's rasterizer 50 ms to a second. Sparse buckets get a filled band and a
  // smooth wider line.
  p.save();
  p.setClipRect(pr.adjusted(1, 1, -1, -1));
  const bool dense = 3 * points_.size() > size_t(pr.width());
  QPolygonF line;
  line.reserve(int(points_.size()));
  for (const auto& s : points_) line << QPointF(px(mid(s)), py(s.mean));
  if (dense) {
    QVector<QLineF> columns;
    columns.reserve(int(points_.size()));
    for (const auto& s : points_) columns << QLineF(px(mid(s)), py(s.max), px(mid(s)), py(s.min));
    p.setRenderHint(QPainter::Antialiasing, false);
    p.setPen(QPen(kBand, 0));
    p.drawLines(columns);
  } else {
    QPolygonF band;
    for (const auto& s : points_) band << QPointF(px(mid(s)), py(s.max));
    for (auto it = points_.rbegin(); it != points_.rend(); ++it) band << QPointF(px(mid(*it)), py(it->min));
    p.setPen(Qt::NoPen);
    p.setBrush(kBand);
    p.drawPolygon(band);
  }
  p.setRenderHint(QPainter::Antialiasing, !dense);
  p.setPen(QPen(kLine, dense ? 0 : 1.8, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
  p.setBrush(Qt::NoBrush);
  p.drawPolyline(line);
  if (points_.size() == 1) {
    p.setBrush(kLine);
    p.drawEllipse(QPointF(px(mid(points_.front())), py(points_.front().mean)), 3, 3);
  }
  p.restore();

  // Readout: the latest value at the top right, or the bucket under the mouse.
  const SeriesPoint* shown = &points_.back();
  if (hover_x_ >= 0) {
    const double x = x0 + (hover_x_ - pr.left()) / double(pr.width()) * (x1 - x0);
    shown = &*std::min_element(points_.begin(), points_.end(), [&](const SeriesPoint& a, const SeriesPoint& b) {
      return std::fabs(mid(a) - x) < std::fabs(mid(b) - x);
    });
    p.setPen(QPen(kAxis, 1, Qt::DashLine));
    p.drawLine(QPointF(px(mid(*shown)), pr.top()), QPointF(px(mid(*shown)), pr.bottom()));
  }
  const int decimals = std::max(3, yt.decimals + 2);
  QString readout = QString("step %1: %2").arg(shown->step_hi).arg(value_text(shown->mean, decimals));
  if (shown->count > 1)
    readout += QString("  [%1, %2]").arg(value_text(shown->min, decimals), value_text(shown->max, decimals));
  p.setPen(kText);
  p.drawText(QRect(0, 8, width() - kRight, 22), Qt::AlignRight | Qt::AlignVCenter, readout);
  p.setPen(kDim);
  p.drawText(QRect(0, 24, width() - kRight, 18), Qt::AlignRight | Qt::AlignVCenter,
             QString("%1 buckets, min/max band").arg(points_.size()));
}

}  // namespace r1wb::views

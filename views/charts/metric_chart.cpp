#include "views/charts/metric_chart.h"

#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace r1wb::views {
namespace {

constexpr int kLeft = 64, kRight = 18, kTop = 44, kBottom = 42;

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

// Log-y ticks as values: 1, 2 and 5 times powers of ten inside [10^lo, 10^hi] (decades
// only when those are too many); inside less than a decade, linear nice ticks of the values.
std::vector<double> log_ticks(double lo, double hi, int max_ticks) {
  std::vector<double> all, decades;
  for (int k = int(std::floor(lo)); k <= int(std::ceil(hi)); ++k)
    for (double m : {1.0, 2.0, 5.0}) {
      const double v = m * std::pow(10.0, k), l = std::log10(v);
      if (l < lo || l > hi) continue;
      all.push_back(v);
      if (m == 1.0) decades.push_back(v);
    }
  if (int(all.size()) <= max_ticks && all.size() >= 3) return all;
  if (decades.size() >= 2) return decades;
  const Ticks t = nice_ticks(std::pow(10.0, lo), std::pow(10.0, hi), max_ticks, false);
  std::vector<double> linear;
  for (int i = 0; i < t.count; ++i)
    if (const double v = t.first + i * t.step; v > 0) linear.push_back(v);
  return linear;
}

// Wall-time ticks (x in ms) at clock-friendly spacings: 1, 2, 5, 10, 15, 30 s, then minutes
// and hours the same way.
Ticks clock_ticks(double lo, double hi, int max_ticks) {
  static const double steps_s[] = {1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400};
  Ticks t;
  t.step = steps_s[sizeof steps_s / sizeof steps_s[0] - 1] * 1000.0;
  for (double s : steps_s)
    if ((hi - lo) / (s * 1000.0) <= std::max(2, max_ticks)) {
      t.step = s * 1000.0;
      break;
    }
  t.first = std::ceil(lo / t.step - 1e-9) * t.step;
  t.count = int(std::floor((hi - t.first) / t.step + 1e-9)) + 1;
  return t;
}

QString value_text(double v, int decimals) {
  if (std::fabs(v) < 1e-12) v = 0;
  return QString::number(v, 'f', std::min(decimals, 6));
}

// An x value as its axis reads: steps as integers, tokens with k/M/B, wall time as h:mm:ss.
QString x_text(double x, ChartAxis axis) {
  if (axis == ChartAxis::Tokens) {
    const double a = std::fabs(x);
    if (a >= 1e9) return QString::number(x / 1e9, 'g', 3) + "B";
    if (a >= 1e6) return QString::number(x / 1e6, 'g', 3) + "M";
    if (a >= 1e3) return QString::number(x / 1e3, 'g', 3) + "k";
  }
  if (axis == ChartAxis::WallTime) {
    const qint64 s = qint64(std::llround(x / 1000.0));
    const QString mmss = QString("%1:%2").arg((s / 60) % 60, 2, 10, QChar('0')).arg(s % 60, 2, 10, QChar('0'));
    return s >= 3600 ? QString::number(s / 3600) + ":" + mmss : mmss;
  }
  return QString::number(qint64(std::llround(x)));
}

const char* axis_name(ChartAxis axis) {
  return axis == ChartAxis::Tokens ? "tokens" : axis == ChartAxis::WallTime ? "wall time" : "step";
}

double mid(const SeriesPoint& s) { return 0.5 * double(s.step_lo + s.step_hi); }

}  // namespace

QColor series_color(size_t i) {
  static const QColor palette[] = {{31, 102, 170}, {214, 96, 39},  {44, 150, 84},  {148, 82, 178},
                                   {196, 58, 76},  {24, 150, 160}, {160, 120, 30}, {90, 90, 96}};
  constexpr size_t n = sizeof palette / sizeof palette[0];
  if (i < n) return palette[i];
  // Beyond the palette: hues a golden angle apart, so any number of series stay distinct.
  return QColor::fromHsvF(std::fmod(0.07 + double(i - n) * 0.618034, 1.0), 0.7, 0.72);
}

MetricChart::MetricChart(QWidget* parent) : QWidget(parent), hint_("No run selected.") {
  setAttribute(Qt::WA_OpaquePaintEvent);
  setMouseTracking(true);
}

void MetricChart::set_series(std::vector<ChartSeries> series, const QString& title, const QString& subtitle) {
  if (title != title_) view_.reset();
  series_ = std::move(series);
  title_ = title;
  subtitle_ = subtitle;
  hint_ = data_range() ? QString() : QStringLiteral("No data yet.");
  rebucket();
}

void MetricChart::data_changed() { rebucket(); }

void MetricChart::clear(const QString& title, const QString& hint) {
  series_.clear();
  drawn_.clear();
  drawn_smoothed_.clear();
  view_.reset();
  title_ = title;
  subtitle_.clear();
  hint_ = hint;
  update();
}

int MetricChart::point_count() const {
  int n = 0;
  for (const auto& d : drawn_) n += int(d.size());
  return n;
}

QRect MetricChart::plot_rect() const {
  return QRect(kLeft, kTop, std::max(1, width() - kLeft - kRight), std::max(1, height() - kTop - kBottom));
}

int MetricChart::plot_width() const { return plot_rect().width(); }

std::optional<std::pair<int64_t, int64_t>> MetricChart::data_range() const {
  std::optional<std::pair<int64_t, int64_t>> r;
  for (const auto& s : series_) {
    if (!s.points || s.points->raw().size() == 0) continue;
    const SeriesPyramid& p = s.points->raw();
    if (!r) r = {p.x_first(), p.x_last()};
    r->first = std::min(r->first, p.x_first());
    r->second = std::max(r->second, p.x_last());
  }
  return r;
}

std::pair<int64_t, int64_t> MetricChart::x_view() const {
  if (view_) return {int64_t(std::floor(view_->first)), int64_t(std::ceil(view_->second))};
  return data_range().value_or(std::pair<int64_t, int64_t>{0, 0});
}

void MetricChart::rebucket() {
  drawn_.clear();
  drawn_smoothed_.clear();
  const auto [lo, hi] = x_view();
  for (const auto& s : series_) {
    drawn_.push_back(s.points ? s.points->raw().buckets(lo, hi, plot_width()) : std::vector<SeriesPoint>{});
    const SeriesPyramid* smooth = s.points ? s.points->smoothed() : nullptr;
    drawn_smoothed_.push_back(smooth ? smooth->buckets(lo, hi, plot_width()) : std::vector<SeriesPoint>{});
  }
  update();
}

void MetricChart::set_x_axis(ChartAxis axis) {
  if (axis == x_axis_) return;
  x_axis_ = axis;
  view_.reset();
  rebucket();
}

void MetricChart::set_log_y(bool on) {
  log_y_ = on;
  update();
}

void MetricChart::zoom(double factor, double anchor) {
  const auto range = data_range();
  if (!range) return;
  const auto [lo, hi] = x_view();
  const double full = double(range->second - range->first);
  const double width = std::clamp(double(hi - lo) * factor, std::min(full, 8.0), full);
  const double share = hi > lo ? (anchor - lo) / double(hi - lo) : 0.5;
  double first = anchor - share * width;
  first = std::clamp(first, double(range->first), double(range->second) - width);
  view_ = {first, first + width};
  if (width >= full) view_.reset();  // all of it: follow new points again
  rebucket();
}

void MetricChart::pan(double dx) {
  const auto range = data_range();
  if (!range || !view_) return;
  const double width = view_->second - view_->first;
  const double first = std::clamp(view_->first + dx, double(range->first), double(range->second) - width);
  view_ = {first, first + width};
  rebucket();
}

void MetricChart::set_x_view(double first, double last) {
  const auto range = data_range();
  if (!range) return;
  first = std::max(first, double(range->first));
  last = std::min(last, double(range->second));
  if (last <= first) return;
  view_ = {first, last};
  if (first <= range->first && last >= range->second) view_.reset();
  rebucket();
}

void MetricChart::reset_view() {
  view_.reset();
  rebucket();
}

void MetricChart::resizeEvent(QResizeEvent*) { rebucket(); }

void MetricChart::mousePressEvent(QMouseEvent* e) {
  if (e->button() != Qt::LeftButton || !plot_rect().contains(e->position().toPoint())) return;
  const auto [lo, hi] = x_view();
  drag_from_x_ = e->position().toPoint().x();
  drag_view_ = {double(lo), double(hi)};
}

void MetricChart::mouseReleaseEvent(QMouseEvent*) { drag_from_x_ = -1; }

void MetricChart::mouseDoubleClickEvent(QMouseEvent*) { reset_view(); }

void MetricChart::mouseMoveEvent(QMouseEvent* e) {
  const QPoint p = e->position().toPoint();
  if (drag_from_x_ >= 0 && (e->buttons() & Qt::LeftButton)) {
    const double per_pixel = (drag_view_.second - drag_view_.first) / double(plot_width());
    if (!view_) view_ = drag_view_;
    pan(drag_view_.first - (p.x() - drag_from_x_) * per_pixel - view_->first);
  }
  hover_x_ = plot_rect().contains(p) ? p.x() : -1;
  update();
}

void MetricChart::wheelEvent(QWheelEvent* e) {
  const QRect pr = plot_rect();
  const auto [lo, hi] = x_view();
  const double anchor = lo + (e->position().x() - pr.left()) / double(pr.width()) * double(hi - lo);
  const double notches = e->angleDelta().y() / 120.0;
  if (notches != 0) zoom(std::pow(0.8, notches), anchor);
  e->accept();
}

void MetricChart::leaveEvent(QEvent*) {
  hover_x_ = -1;
  update();
}

void MetricChart::paint_series(QPainter& p, const std::vector<SeriesPoint>& buckets,
                               const std::vector<SeriesPoint>& smoothed, const QColor& color, const QRect& pr,
                               double x0, double x1, double y0, double y1) const {
  auto px = [&](double x) { return pr.left() + (x - x0) / (x1 - x0) * pr.width(); };
  auto py = [&](double y) {
    const double v = log_y_ ? std::log10(std::max(y, 1e-300)) : y;
    return pr.bottom() - (v - y0) / (y1 - y0) * pr.height();
  };
  QColor band = color;
  band.setAlpha(56);
  // Dense buckets (more than one per 3 pixels) draw the band as one vertical hairline per
  // bucket and the mean as a hairline, without antialiasing: a polygon through a
  // million-point band's zigzag, a rectangle per bucket (Qt hands large fills to its thread
  // pool, one hand-off each) or a wide antialiased stroke of a noisy series cost Qt's
  // rasterizer 50 ms to a second. Sparse buckets get a filled band and a smooth wider line.
  const bool dense = 3 * buckets.size() > size_t(pr.width());
  auto mean_line = [&](const std::vector<SeriesPoint>& b) {
    QPolygonF line;
    line.reserve(int(b.size()));
    for (const auto& s : b) line << QPointF(px(mid(s)), py(s.mean));
    return line;
  };
  if (dense) {
    QVector<QLineF> columns;
    columns.reserve(int(buckets.size()));
    for (const auto& s : buckets) columns << QLineF(px(mid(s)), py(s.max), px(mid(s)), py(s.min));
    p.setRenderHint(QPainter::Antialiasing, false);
    p.setPen(QPen(band, 0));
    p.drawLines(columns);
  } else {
    QPolygonF outline;
    for (const auto& s : buckets) outline << QPointF(px(mid(s)), py(s.max));
    for (auto it = buckets.rbegin(); it != buckets.rend(); ++it) outline << QPointF(px(mid(*it)), py(it->min));
    p.setRenderHint(QPainter::Antialiasing, true);
    p.setPen(Qt::NoPen);
    p.setBrush(band);
    p.drawPolygon(outline);
  }
  if (!smoothed.empty()) {  // the raw line stays visible, faint, under the EMA
    QColor faint = color;
    faint.setAlpha(90);
    p.setRenderHint(QPainter::Antialiasing, false);
    p.setPen(QPen(faint, 0));
    p.drawPolyline(mean_line(buckets));
  }
  const QPolygonF line = mean_line(smoothed.empty() ? buckets : smoothed);
  p.setRenderHint(QPainter::Antialiasing, !dense);
  p.setPen(QPen(color, dense ? 0 : 1.8, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
  p.setBrush(Qt::NoBrush);
  p.drawPolyline(line);
  if (line.size() == 1) {
    p.setBrush(color);
    p.drawEllipse(line.front(), 3, 3);
  }
}

void MetricChart::paintEvent(QPaintEvent*) {
  // Colours from the palette, so the chart follows the light or dark theme.
  const QColor background = palette().color(QPalette::Base), kText = palette().color(QPalette::Text);
  const QColor kDim = palette().color(QPalette::PlaceholderText);
  auto blend = [&](double t) {
    return QColor::fromRgbF(kText.redF() * (1 - t) + background.redF() * t, kText.greenF() * (1 - t) + background.greenF() * t,
                            kText.blueF() * (1 - t) + background.blueF() * t);
  };
  const QColor kAxis = blend(0.5), kGrid = blend(0.87);
  QPainter p(this);
  p.fillRect(rect(), background);
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
  if (point_count() == 0) {
    p.drawRect(pr.adjusted(0, 0, -1, -1));
    p.setPen(kDim);
    p.drawText(pr, Qt::AlignCenter, hint_.isEmpty() ? QStringLiteral("No points in this range.") : hint_);
    return;
  }

  // Ranges: x is the view; y spans every drawn bucket (log-y: the positive ones), padded so a
  // flat or single-point series still has an area to sit in.
  const auto [view_lo, view_hi] = x_view();
  double x0 = double(view_lo), x1 = double(view_hi);
  double y0 = 1e300, y1 = -1e300;
  for (const auto& d : drawn_)
    for (const auto& s : d) {
      const double lo = log_y_ ? (s.min > 0 ? std::log10(s.min) : (s.max > 0 ? std::log10(s.max) : 1e300)) : s.min;
      const double hi = log_y_ ? (s.max > 0 ? std::log10(s.max) : -1e300) : s.max;
      y0 = std::min(y0, lo), y1 = std::max(y1, hi);
    }
  if (y0 > y1) y0 = 0, y1 = 1;  // log-y with nothing positive
  if (x1 <= x0) x0 -= 1, x1 += 1;
  if (y1 - y0 < 1e-12) {
    const double d = std::max(std::fabs(y0) * 0.1, 0.5);
    y0 -= d, y1 += d;
  } else {
    const double d = (y1 - y0) * 0.06;
    y0 -= d, y1 += d;
  }
  auto px = [&](double x) { return pr.left() + (x - x0) / (x1 - x0) * pr.width(); };
  auto py_axis = [&](double v) { return pr.bottom() - (v - y0) / (y1 - y0) * pr.height(); };

  // Grid and tick labels (log-y: ticks in log space, labelled with the value).
  const Ticks yt = nice_ticks(y0, y1, pr.height() / 42, false);
  Ticks xt = nice_ticks(x0, x1, pr.width() / 90, true);
  if (x_axis_ == ChartAxis::WallTime) xt = clock_ticks(x0, x1, pr.width() / 90);
  const QFontMetrics fm = p.fontMetrics();
  std::vector<std::pair<double, QString>> y_ticks;  // (axis position, label)
  if (log_y_) {
    for (double v : log_ticks(y0, y1, pr.height() / 36)) y_ticks.emplace_back(std::log10(v), QString::number(v, 'g', 4));
  } else {
    for (int i = 0; i < yt.count; ++i) y_ticks.emplace_back(yt.first + i * yt.step, value_text(yt.first + i * yt.step, yt.decimals));
  }
  for (const auto& [v, label] : y_ticks) {
    const double y = py_axis(v);
    p.setPen(QPen(kGrid, 1));
    p.drawLine(QPointF(pr.left(), y), QPointF(pr.right(), y));
    p.setPen(kDim);
    p.drawText(QRectF(0, y - fm.height() / 2.0, kLeft - 8, fm.height()), Qt::AlignRight | Qt::AlignVCenter, label);
  }
  for (int i = 0; i < xt.count; ++i) {
    const double v = xt.first + i * xt.step;
    const double x = px(v);
    p.setPen(QPen(kGrid, 1));
    p.drawLine(QPointF(x, pr.top()), QPointF(x, pr.bottom()));
    p.setPen(kDim);
    p.drawText(QRectF(x - 40, pr.bottom() + 4, 80, fm.height()), Qt::AlignHCenter | Qt::AlignTop, x_text(v, x_axis_));
  }
  p.setPen(kDim);
  p.drawText(QRect(pr.left(), pr.bottom() + 4 + fm.height(), pr.width(), fm.height() + 2), Qt::AlignCenter,
             QString(axis_name(x_axis_)) + (log_y_ ? " (log y)" : "") + (view_ ? "  (zoomed: double-click for all)" : ""));
  p.setPen(QPen(kAxis, 1));
  p.drawRect(QRectF(pr).adjusted(0.5, 0.5, -0.5, -0.5));

  p.save();
  p.setClipRect(pr.adjusted(1, 1, -1, -1));
  for (size_t i = 0; i < drawn_.size(); ++i)
    paint_series(p, drawn_[i], drawn_smoothed_[i], series_color(i), pr, x0, x1, y0, y1);
  p.restore();

  // Readout: each series' latest drawn bucket, or the bucket under the mouse.
  const int decimals = log_y_ ? 4 : std::max(3, yt.decimals + 2);
  int line = 0;
  for (size_t i = 0; i < drawn_.size() && line < 4; ++i) {
    if (drawn_[i].empty()) continue;
    const SeriesPoint* shown = &drawn_[i].back();
    if (hover_x_ >= 0) {
      const double x = x0 + (hover_x_ - pr.left()) / double(pr.width()) * (x1 - x0);
      shown = &*std::min_element(drawn_[i].begin(), drawn_[i].end(), [&](const SeriesPoint& a, const SeriesPoint& b) {
        return std::fabs(mid(a) - x) < std::fabs(mid(b) - x);
      });
      if (i == 0) {
        p.setPen(QPen(kAxis, 1, Qt::DashLine));
        p.drawLine(QPointF(px(mid(*shown)), pr.top()), QPointF(px(mid(*shown)), pr.bottom()));
      }
    }
    QString readout = (series_.size() > 1 ? series_[i].label + "  " : QString()) +
                      QString("%1 %2: %3")
                          .arg(axis_name(x_axis_), x_text(double(shown->step_hi), x_axis_), value_text(shown->mean, decimals));
    if (shown->count > 1)
      readout += QString("  [%1, %2]").arg(value_text(shown->min, decimals), value_text(shown->max, decimals));
    const auto& smooth = drawn_smoothed_[i];
    if (!smooth.empty()) {  // the smoothed bucket over the same steps
      const auto it = std::lower_bound(smooth.begin(), smooth.end(), shown->step_hi,
                                       [](const SeriesPoint& b, int64_t x) { return b.step_hi < x; });
      if (it != smooth.end()) readout += "  smoothed " + value_text(it->mean, decimals);
    }
    p.setPen(series_.size() > 1 ? series_color(i) : kText);
    p.drawText(QRect(0, 4 + 14 * line, width() - kRight, 16), Qt::AlignRight | Qt::AlignVCenter, readout);
    ++line;
  }
  if (line == 4 && drawn_.size() > 4) {  // the rest are drawn; say so instead of crowding the plot
    p.setPen(kDim);
    p.drawText(QRect(0, 4 + 14 * line, width() - kRight, 16), Qt::AlignRight | Qt::AlignVCenter,
               QString("+%1 more series").arg(drawn_.size() - 4));
  }
  if (series_.size() == 1) {
    p.setPen(kDim);
    p.drawText(QRect(0, 24, width() - kRight, 18), Qt::AlignRight | Qt::AlignVCenter,
               QString("%1 buckets of %2 points, min/max band").arg(point_count()).arg(series_[0].points->raw().size()));
  }
}

}  // namespace r1wb::views

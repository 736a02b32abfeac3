#include "views/charts/metric_chart.h"

#include "views/charts/plot_axes.h"

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

QString label(double v, int decimals) { return QString::fromStdString(tick_label(v, decimals)); }

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

// Colours from the palette, so the chart follows the light or dark theme.
struct MetricChart::Colours {
  QColor background, text, dim, axis, grid;
  explicit Colours(const QPalette& palette)
      : background(palette.color(QPalette::Base)), text(palette.color(QPalette::Text)),
        dim(palette.color(QPalette::PlaceholderText)), axis(blend(0.5)), grid(blend(0.87)) {}
  // Text faded towards the background by t.
  QColor blend(double t) const {
    auto mix = [t](double a, double b) { return a * (1 - t) + b * t; };
    return QColor::fromRgbF(mix(text.redF(), background.redF()), mix(text.greenF(), background.greenF()),
                            mix(text.blueF(), background.blueF()));
  }
};

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
                               const std::vector<SeriesPoint>& smoothed, const QColor& color,
                               const PlotMapping& map) const {
  QColor band = color;
  band.setAlpha(56);
  // Dense buckets (more than one per 3 pixels) draw the band as one vertical hairline per
  // bucket and the mean as a hairline, without antialiasing: a polygon through a
  // million-point band's zigzag, a rectangle per bucket (Qt hands large fills to its thread
  // pool, one hand-off each) or a wide antialiased stroke of a noisy series cost Qt's
  // rasterizer 50 ms to a second. Sparse buckets get a filled band and a smooth wider line.
  const bool dense = 3 * buckets.size() > size_t(map.width);
  auto at = [&](double x, double y) { return QPointF(map.px(x), map.py(y)); };
  auto mean_line = [&](const std::vector<SeriesPoint>& b) {
    QPolygonF line;
    line.reserve(int(b.size()));
    for (const auto& s : b) line << at(mid(s), s.mean);
    return line;
  };
  if (dense) {
    QVector<QLineF> columns;
    columns.reserve(int(buckets.size()));
    for (const auto& s : buckets) columns << QLineF(at(mid(s), s.max), at(mid(s), s.min));
    p.setRenderHint(QPainter::Antialiasing, false);
    p.setPen(QPen(band, 0));
    p.drawLines(columns);
  } else {
    QPolygonF outline;
    for (const auto& s : buckets) outline << at(mid(s), s.max);
    for (auto it = buckets.rbegin(); it != buckets.rend(); ++it) outline << at(mid(*it), it->min);
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

void MetricChart::paint_title(QPainter& p, const Colours& c) const {
  QFont title_font = font();
  title_font.setBold(true);
  title_font.setPointSizeF(font().pointSizeF() * 1.1);
  p.setFont(title_font);
  p.setPen(c.text);
  const int title_w = p.fontMetrics().horizontalAdvance(title_);
  p.drawText(QRect(kLeft, 8, width() - kLeft, 22), Qt::AlignLeft | Qt::AlignVCenter, title_);
  p.setFont(font());
  p.setPen(c.dim);
  if (!subtitle_.isEmpty())
    p.drawText(QRect(kLeft + title_w + 10, 8, width(), 22), Qt::AlignLeft | Qt::AlignVCenter, subtitle_);
}

PlotMapping MetricChart::mapping() const {
  // x is the view; y spans every drawn bucket (log-y: the positive ones), padded so a flat or
  // single-point series still has an area to sit in.
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
  const Span y = padded(y0, y1, 0.06);
  const QRect pr = plot_rect();
  return {double(pr.left()), double(pr.bottom()), double(pr.width()), double(pr.height()), x0, x1, y.lo, y.hi, log_y_};
}

int MetricChart::paint_axes(QPainter& p, const PlotMapping& map, const Colours& c) const {
  // Grid and tick labels (log-y: ticks in log space, labelled with the value).
  const QRect pr = plot_rect();
  const Ticks yt = nice_ticks(map.y0, map.y1, pr.height() / 42, false);
  const Ticks xt = x_axis_ == ChartAxis::WallTime ? clock_ticks(map.x0, map.x1, pr.width() / 90)
                                                  : nice_ticks(map.x0, map.x1, pr.width() / 90, true);
  const QFontMetrics fm = p.fontMetrics();
  std::vector<std::pair<double, QString>> y_ticks;  // (axis position, label)
  if (log_y_) {
    for (double v : log_ticks(map.y0, map.y1, pr.height() / 36))
      y_ticks.emplace_back(std::log10(v), QString::number(v, 'g', 4));
  } else {
    for (int i = 0; i < yt.count; ++i) y_ticks.emplace_back(yt.at(i), label(yt.at(i), yt.decimals));
  }
  for (const auto& [v, text] : y_ticks) {
    const double y = map.py_axis(v);
    p.setPen(QPen(c.grid, 1));
    p.drawLine(QPointF(pr.left(), y), QPointF(pr.right(), y));
    p.setPen(c.dim);
    p.drawText(QRectF(0, y - fm.height() / 2.0, kLeft - 8, fm.height()), Qt::AlignRight | Qt::AlignVCenter, text);
  }
  for (int i = 0; i < xt.count; ++i) {
    const double x = map.px(xt.at(i));
    p.setPen(QPen(c.grid, 1));
    p.drawLine(QPointF(x, pr.top()), QPointF(x, pr.bottom()));
    p.setPen(c.dim);
    p.drawText(QRectF(x - 40, pr.bottom() + 4, 80, fm.height()), Qt::AlignHCenter | Qt::AlignTop,
               x_text(xt.at(i), x_axis_));
  }
  p.setPen(c.dim);
  p.drawText(
      QRect(pr.left(), pr.bottom() + 4 + fm.height(), pr.width(), fm.height() + 2), Qt::AlignCenter,
      QString(axis_name(x_axis_)) + (log_y_ ? " (log y)" : "") + (view_ ? "  (zoomed: double-click for all)" : ""));
  p.setPen(QPen(c.axis, 1));
  p.drawRect(QRectF(pr).adjusted(0.5, 0.5, -0.5, -0.5));
  return log_y_ ? 4 : std::max(3, yt.decimals + 2);
}

void MetricChart::paint_readout(QPainter& p, const PlotMapping& map, const Colours& c, int decimals) const {
  // Each series' latest drawn bucket, or the bucket under the mouse.
  const QRect pr = plot_rect();
  int line = 0;
  for (size_t i = 0; i < drawn_.size() && line < 4; ++i) {
    if (drawn_[i].empty()) continue;
    const SeriesPoint* shown = &drawn_[i].back();
    if (hover_x_ >= 0) {
      const double x = map.x_at(hover_x_);
      shown = &*std::min_element(drawn_[i].begin(), drawn_[i].end(), [&](const SeriesPoint& a, const SeriesPoint& b) {
        return std::fabs(mid(a) - x) < std::fabs(mid(b) - x);
      });
      if (i == 0) {
        p.setPen(QPen(c.axis, 1, Qt::DashLine));
        p.drawLine(QPointF(map.px(mid(*shown)), pr.top()), QPointF(map.px(mid(*shown)), pr.bottom()));
      }
    }
    QString readout =
        (series_.size() > 1 ? series_[i].label + "  " : QString()) +
        QString("%1 %2: %3")
            .arg(axis_name(x_axis_), x_text(double(shown->step_hi), x_axis_), label(shown->mean, decimals));
    if (shown->count > 1)
      readout += QString("  [%1, %2]").arg(label(shown->min, decimals), label(shown->max, decimals));
    const auto& smooth = drawn_smoothed_[i];
    if (!smooth.empty()) {  // the smoothed bucket over the same steps
      const auto it = std::lower_bound(smooth.begin(), smooth.end(), shown->step_hi,
                                       [](const SeriesPoint& b, int64_t x) { return b.step_hi < x; });
      if (it != smooth.end()) readout += "  smoothed " + label(it->mean, decimals);
    }
    p.setPen(series_.size() > 1 ? series_color(i) : c.text);
    p.drawText(QRect(0, 4 + 14 * line, width() - kRight, 16), Qt::AlignRight | Qt::AlignVCenter, readout);
    ++line;
  }
  p.setPen(c.dim);
  if (line == 4 && drawn_.size() > 4)  // the rest are drawn; say so instead of crowding the plot
    p.drawText(QRect(0, 4 + 14 * line, width() - kRight, 16), Qt::AlignRight | Qt::AlignVCenter,
               QString("+%1 more series").arg(drawn_.size() - 4));
  if (series_.size() == 1)
    p.drawText(
        QRect(0, 24, width() - kRight, 18), Qt::AlignRight | Qt::AlignVCenter,
        QString("%1 buckets of %2 points, min/max band").arg(point_count()).arg(series_[0].points->raw().size()));
}

void MetricChart::paintEvent(QPaintEvent*) {
  const Colours c(palette());
  QPainter p(this);
  p.fillRect(rect(), c.background);
  p.setRenderHint(QPainter::Antialiasing, true);
  paint_title(p, c);
  const QRect pr = plot_rect();
  p.setPen(QPen(c.axis, 1));
  if (point_count() == 0) {
    p.drawRect(pr.adjusted(0, 0, -1, -1));
    p.setPen(c.dim);
    p.drawText(pr, Qt::AlignCenter, hint_.isEmpty() ? QStringLiteral("No points in this range.") : hint_);
    return;
  }
  const PlotMapping map = mapping();
  const int decimals = paint_axes(p, map, c);
  p.save();
  p.setClipRect(pr.adjusted(1, 1, -1, -1));
  for (size_t i = 0; i < drawn_.size(); ++i) paint_series(p, drawn_[i], drawn_smoothed_[i], series_color(i), map);
  p.restore();
  paint_readout(p, map, c, decimals);
}

}  // namespace r1wb::views

#include "views/charts/curriculum_view.h"

#include "views/charts/metric_chart.h"
#include "views/charts/plot_axes.h"

#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace r1wb::views {
namespace {

// Easy to hard: green through amber to red, so "harder" reads at a glance.
QColor difficulty_colour(size_t i, size_t n) {
  const double t = n <= 1 ? 0.0 : double(i) / double(n - 1);
  return QColor::fromHsvF(0.33 * (1.0 - t), 0.55, 0.85);
}

}  // namespace

CurriculumView::CurriculumView(QWidget* parent) : QWidget(parent) {
  setMouseTracking(true);
  setAutoFillBackground(true);
}

void CurriculumView::set_timeline(CurriculumTimeline t) {
  timeline_ = std::move(t);
  update();
}

void CurriculumView::clear(const QString& hint) {
  timeline_ = {};
  hint_ = hint;
  update();
}

QRect CurriculumView::plot_area() const {
  const int line = fontMetrics().height();
  return rect().adjusted(56, line + 10, -12, -line - 8);
}

int64_t CurriculumView::last_step() const {
  return std::max<int64_t>(timeline_.total_steps, timeline_.loss.empty() ? 1 : timeline_.loss.back().first);
}

int CurriculumView::phase_at(int64_t step) const {
  int at = -1;
  for (size_t i = 0; i < timeline_.phases.size(); ++i)
    if (timeline_.phases[i].start_step <= step) at = int(i);
  return at;
}

void CurriculumView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing);
  const QColor text = palette().color(QPalette::WindowText);
  QFont bold = font();
  bold.setBold(true);
  p.setFont(bold);
  p.setPen(text);
  const int line = fontMetrics().height();
  p.drawText(QPoint(8, line), "Curriculum");
  p.setFont(font());
  if (timeline_.empty()) {
    p.setPen(palette().color(QPalette::PlaceholderText));
    p.drawText(QPoint(8, 2 * line + 6), hint_);
    return;
  }
  p.setPen(palette().color(QPalette::PlaceholderText));
  p.drawText(QPoint(8 + QFontMetrics(bold).horizontalAdvance("Curriculum  "), line),
             QString("%1  \u00B7  %2 phases  \u00B7  loss above, difficulty mix below")
                 .arg(timeline_.run_name)
                 .arg(timeline_.phases.size()));

  const QRect area = plot_area();
  const int split = area.top() + area.height() * 2 / 5;
  const QRect loss_r(area.left(), area.top(), area.width(), split - area.top() - 6);
  const QRect mix_r(area.left(), split, area.width(), area.bottom() - split);
  const int64_t x1 = last_step();
  // Steps across the whole area (both plots); y is the loss, in the upper plot.
  PlotMapping map{double(area.left()), double(loss_r.bottom()), double(area.width()), double(loss_r.height()), 0.0,
                  double(x1)};
  auto px = [&](int64_t s) { return map.px(double(s)); };

  // Stacked area: each phase a block of bands, levels bottom (easy) to top (hard).
  for (size_t i = 0; i < timeline_.phases.size(); ++i) {
    const auto& ph = timeline_.phases[i];
    const double a = px(ph.start_step),
                 b = i + 1 < timeline_.phases.size() ? px(timeline_.phases[i + 1].start_step) : px(x1);
    double y = mix_r.bottom();
    for (size_t d = 0; d < ph.mix.size(); ++d) {
      const double h = ph.mix[d] * mix_r.height();
      if (h <= 0) continue;
      p.fillRect(QRectF(a, y - h, b - a, h), difficulty_colour(d, ph.mix.size()));
      y -= h;
    }
  }
  p.setPen(QPen(palette().color(QPalette::Mid), 1));
  p.drawRect(mix_r);
  p.drawRect(loss_r);

  // Loss above, same x, with round ticks (plot_axes.h, as the metric chart's).
  if (timeline_.loss.size() > 1) {
    double lo = timeline_.loss.front().second, hi = lo;
    for (const auto& [s, v] : timeline_.loss) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    const Span y = padded(lo, hi, 0.05);
    map.y0 = y.lo;
    map.y1 = y.hi;
    QPainterPath path;
    for (size_t i = 0; i < timeline_.loss.size(); ++i) {
      const auto& [s, v] = timeline_.loss[i];
      const QPointF pt(px(s), map.py(v));
      if (i == 0)
        path.moveTo(pt);
      else
        path.lineTo(pt);
    }
    p.save();
    p.setClipRect(loss_r);
    p.setPen(QPen(series_color(0), 1.5));
    p.drawPath(path);
    p.restore();
    p.setPen(palette().color(QPalette::PlaceholderText));
    const Ticks t = nice_ticks(y.lo, y.hi, std::max(2, loss_r.height() / (2 * line)));
    for (int i = 0; i < t.count; ++i) {
      const int ty = int(std::lround(map.py(t.at(i))));
      p.drawText(QRect(0, ty - line / 2, area.left() - 4, line), Qt::AlignRight | Qt::AlignVCenter,
                 QString::fromStdString(tick_label(t.at(i), t.decimals)));
    }
    p.drawText(QPointF(loss_r.left() + 4, loss_r.top() + line), "loss");
  }
  p.setPen(palette().color(QPalette::PlaceholderText));
  p.drawText(QRect(0, mix_r.center().y() - line / 2, area.left() - 4, line), Qt::AlignRight, "mix");

  // Phase boundaries through both, labelled.
  QPen boundary(palette().color(QPalette::Dark), 1, Qt::DashLine);
  for (size_t i = 1; i < timeline_.phases.size(); ++i) {
    const double x = px(timeline_.phases[i].start_step);
    p.setPen(boundary);
    p.drawLine(QPointF(x, loss_r.top()), QPointF(x, mix_r.bottom()));
    p.setPen(text);
    p.drawText(QPointF(x + 3, loss_r.top() + line), QString("phase %1").arg(i));
  }
  // The current step.
  if (timeline_.current_step >= 0) {
    const double x = px(timeline_.current_step);
    p.setPen(QPen(QColor(200, 60, 30), 2));
    p.drawLine(QPointF(x, loss_r.top()), QPointF(x, mix_r.bottom()));
  }
  // Step axis and difficulty legend.
  p.setPen(palette().color(QPalette::PlaceholderText));
  p.drawText(QPointF(area.left(), area.bottom() + line + 2), "0");
  const QString end = QString("step %1").arg(x1);
  p.drawText(QPointF(area.right() - fontMetrics().horizontalAdvance(end), area.bottom() + line + 2), end);
  const size_t levels = timeline_.phases.front().mix.size();
  double lx = area.left() + area.width() * 0.25;
  for (size_t d = 0; d < levels; ++d) {
    p.fillRect(QRectF(lx, area.bottom() + 6, 10, 10), difficulty_colour(d, levels));
    const QString label = QString("d%1").arg(timeline_.min_difficulty + int(d));
    p.setPen(text);
    p.drawText(QPointF(lx + 13, area.bottom() + 15), label);
    lx += 20 + fontMetrics().horizontalAdvance(label);
  }
}

void CurriculumView::mouseMoveEvent(QMouseEvent* e) {
  if (timeline_.empty()) return;
  const QRect area = plot_area();
  const double share = double(e->position().x() - area.left()) / area.width();
  const int64_t step = int64_t(std::llround(share * double(last_step())));
  const int ph = phase_at(step);
  if (ph < 0 || !area.contains(e->position().toPoint())) {
    QToolTip::hideText();
    return;
  }
  QString tip =
      QString("step %1: phase %2 (from step %3)\n").arg(step).arg(ph).arg(timeline_.phases[size_t(ph)].start_step);
  const auto& mix = timeline_.phases[size_t(ph)].mix;
  for (size_t d = 0; d < mix.size(); ++d)
    if (mix[d] > 0)
      tip += QString("difficulty %1: %2 %\n").arg(timeline_.min_difficulty + int(d)).arg(mix[d] * 100, 0, 'f', 1);
  QToolTip::showText(e->globalPosition().toPoint(), tip.trimmed(), this);
}

}  // namespace r1wb::views

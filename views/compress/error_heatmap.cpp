#include "views/compress/error_heatmap.h"

#include <QHelpEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace r1wb::views {
namespace {

constexpr int kMapLeft = 70, kMapTop = 64, kCellW = 84, kCellH = 26, kMapBottom = 40;

//! Low error dark blue, high error bright yellow-red (a perceptual ramp in a few stops).
QColor ramp(double t) {
  static const QColor stops[] = {QColor(20, 30, 80), QColor(40, 110, 160), QColor(80, 180, 120), QColor(240, 200, 60),
                                 QColor(220, 70, 40)};
  t = std::clamp(t, 0.0, 1.0) * 4;
  const int i = std::min(3, int(t));
  const double f = t - i;
  const auto& a = stops[i];
  const auto& b = stops[i + 1];
  return QColor(int(a.red() + (b.red() - a.red()) * f), int(a.green() + (b.green() - a.green()) * f),
                int(a.blue() + (b.blue() - a.blue()) * f));
}

QString percent(double v) { return v >= 0.1 ? QString::number(v * 100, 'f', 1) + "%" : QString::number(v * 100, 'f', 2) + "%"; }

}  // namespace

ErrorHeatmap::ErrorHeatmap(QWidget* parent) : QWidget(parent) { setMinimumHeight(120); }

void ErrorHeatmap::show_errors(const QString& title, const LayerErrors& errors) {
  title_ = title;
  errors_ = errors;
  lo_ = 1e30, hi_ = 0;
  for (size_t l = 0; l < errors_.weight.size(); ++l)
    for (int c = 0; c < columns(); ++c) {
      const double v = value(int(l), c);
      if (std::isnan(v) || v <= 0) continue;
      lo_ = std::min(lo_, v), hi_ = std::max(hi_, v);
    }
  if (hi_ <= 0) lo_ = 1e-4, hi_ = 1;
  if (hi_ <= lo_ * 1.01) lo_ = hi_ / 10;
  updateGeometry();
  update();
}

double ErrorHeatmap::value(int layer, int column) const {
  if (column < int(errors_.matrices.size())) return errors_.weight[layer][column];
  return errors_.output[layer];
}

QSize ErrorHeatmap::sizeHint() const {
  return {kMapLeft + columns() * kCellW + 20, kMapTop + int(errors_.weight.size()) * kCellH + kMapBottom};
}

QRect ErrorHeatmap::cell_rect(int layer, int column) const {
  // The output column stands a little apart from the weight columns.
  const int gap = column == int(errors_.matrices.size()) ? 10 : 0;
  return {kMapLeft + column * kCellW + gap, kMapTop + layer * kCellH, kCellW - 2, kCellH - 2};
}

std::pair<int, int> ErrorHeatmap::cell_at(QPoint p) const {
  for (int l = 0; l < int(errors_.weight.size()); ++l)
    for (int c = 0; c < columns(); ++c)
      if (cell_rect(l, c).contains(p)) return {l, c};
  return {-1, -1};
}

void ErrorHeatmap::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing, false);
  const auto text = palette().color(QPalette::WindowText);
  p.setPen(text);
  QFont bold = font();
  bold.setBold(true);
  p.setFont(bold);
  p.drawText(QRect(8, 4, width() - 16, 20), Qt::AlignLeft | Qt::AlignVCenter, title_);
  p.setFont(font());
  if (errors_.empty()) return;
  p.drawText(QRect(8, 22, width() - 16, 18), Qt::AlignLeft | Qt::AlignVCenter,
             "relative error ||q - x|| / ||x|| per layer: each matrix's weights, and the block's output");
  const double span = std::log(hi_) - std::log(lo_);
  for (int c = 0; c < columns(); ++c) {
    const auto r = cell_rect(0, c);
    const QString name = c < int(errors_.matrices.size()) ? QString::fromStdString(errors_.matrices[c]) : "block output";
    p.drawText(QRect(r.x(), kMapTop - 22, r.width(), 20), Qt::AlignCenter,
               p.fontMetrics().elidedText(name, Qt::ElideLeft, r.width()));
  }
  for (int l = 0; l < int(errors_.weight.size()); ++l) {
    p.setPen(text);
    p.drawText(QRect(8, kMapTop + l * kCellH, kMapLeft - 14, kCellH - 2), Qt::AlignRight | Qt::AlignVCenter,
               QString("layer %1").arg(l));
    for (int c = 0; c < columns(); ++c) {
      const auto r = cell_rect(l, c);
      const double v = value(l, c);
      if (std::isnan(v)) {
        p.fillRect(r, palette().color(QPalette::AlternateBase));
        continue;
      }
      const double t = v > 0 ? (std::log(v) - std::log(lo_)) / span : 0;
      const auto fill = ramp(t);
      p.fillRect(r, fill);
      p.setPen(fill.lightness() > 140 ? Qt::black : Qt::white);
      p.drawText(r, Qt::AlignCenter, percent(v));
    }
  }
  // The scale.
  const int y = kMapTop + int(errors_.weight.size()) * kCellH + 12, w = std::min(240, columns() * kCellW);
  for (int i = 0; i < w; ++i) p.fillRect(kMapLeft + i, y, 1, 12, ramp(double(i) / (w - 1)));
  p.setPen(text);
  p.drawText(QRect(kMapLeft - 64, y - 3, 60, 18), Qt::AlignRight | Qt::AlignVCenter, percent(lo_));
  p.drawText(QRect(kMapLeft + w + 6, y - 3, 80, 18), Qt::AlignLeft | Qt::AlignVCenter, percent(hi_));
}

bool ErrorHeatmap::event(QEvent* e) {
  if (e->type() == QEvent::ToolTip) {
    auto* help = static_cast<QHelpEvent*>(e);
    const auto [l, c] = cell_at(help->pos());
    if (l < 0) {
      QToolTip::hideText();
    } else {
      const QString name = c < int(errors_.matrices.size()) ? QString::fromStdString(errors_.matrices[c]) : "block output";
      const double v = value(l, c);
      QToolTip::showText(help->globalPos(), QString("layer %1, %2: %3").arg(l).arg(name).arg(
                                                std::isnan(v) ? QString("not in this layer") : percent(v)));
    }
    return true;
  }
  return QWidget::event(e);
}

}  // namespace r1wb::views

// The per-layer quantization error of one variant as a heatmap: a row per layer, a column per
// matrix the grid rounds (weight error) and a last column for the block's output (weights and
// inputs rounded), each cell coloured on one log scale shared by the whole map and labelled
// with its percentage. Empty cells are matrices a layer does not have (a dense first layer in
// an MoE model). Painted with QPainter: a static picture, no interaction but the tooltip.
#pragma once
#include "core/formats/compression_report.h"

#include <QWidget>

namespace r1wb::views {

class ErrorHeatmap : public QWidget {
  Q_OBJECT
 public:
  explicit ErrorHeatmap(QWidget* parent = nullptr);
  //! Shows `errors` under `title`; an empty LayerErrors shows `title` alone (e.g. "float: no error").
  void show_errors(const QString& title, const LayerErrors& errors);
  const LayerErrors& errors() const { return errors_; }
  QSize sizeHint() const override;

 protected:
  void paintEvent(QPaintEvent*) override;
  bool event(QEvent* e) override;

 private:
  //! The cell under a point: {layer, column} or {-1, -1}.
  std::pair<int, int> cell_at(QPoint p) const;
  QRect cell_rect(int layer, int column) const;
  int columns() const { return int(errors_.matrices.size()) + 1; }
  double value(int layer, int column) const;

  QString title_;
  LayerErrors errors_;
  double lo_ = 1e-4, hi_ = 1;  //!< the colour scale (log), from the data
};

}  // namespace r1wb::views

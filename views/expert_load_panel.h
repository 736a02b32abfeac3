// The expert-load heatmap: which share of each MoE layer's tokens every expert received,
// drawn with Dear ImGui on top of the ImGuiWidget bridge. Rows are layers, columns are
// experts; colour says how far a cell is from the uniform share 1/E (blue: starved,
// white: balanced, red: overloaded), and hovering a cell shows its exact numbers.
//
// The panel draws only its own copy of the data (ExpertLoad), set from the UI thread; it
// never reaches into the store.
#pragma once
#include "views/imgui_widget.h"

#include <QString>

#include <cstdint>
#include <string>
#include <vector>

namespace r1wb::views {

//! One "moe/expert_load" snapshot as the panel draws it.
struct ExpertLoad {
  QString run_name;
  int64_t step = -1;        //!< training step of the snapshot; -1 when there is none
  int rows = 0;             //!< MoE layers
  int cols = 0;             //!< experts per layer
  std::vector<float> data;  // [rows, cols], each row sums to 1
  //! Row names ("layer 3", "MTP"; core's moe_layer_names); empty: "layer <row>".
  std::vector<std::string> row_names;
  std::string row_name(int row) const {
    return size_t(row) < row_names.size() ? row_names[size_t(row)] : "layer " + std::to_string(row);
  }
  bool empty() const { return rows <= 0 || cols <= 0 || data.size() != size_t(rows) * size_t(cols); }
  float at(int layer, int expert) const { return data[size_t(layer) * size_t(cols) + size_t(expert)]; }
};

class ExpertLoadPanel : public ImGuiWidget {
  Q_OBJECT
 public:
  explicit ExpertLoadPanel(QWidget* parent = nullptr);

  //! Replaces the drawn data and schedules one repaint.
  void set_snapshot(ExpertLoad load);
  //! Shows the empty state with a hint, e.g. "no MoE snapshot yet".
  void clear(const QString& hint);
  const ExpertLoad& snapshot() const { return load_; }

  QSize sizeHint() const override { return {520, 300}; }

 protected:
  void draw_ui() override;

 private:
  ExpertLoad load_;
  QString hint_;
};

}  // namespace r1wb::views

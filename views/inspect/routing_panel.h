// The routing panel, drawn with Dear ImGui on top of the ImGuiWidget bridge. Three tabs under
// one step scrubber:
//   Load:         layers x experts heatmap of the share of tokens each expert received;
//                 colour says how far a cell is from the uniform share 1/E (blue: starved,
//                 white: balanced, red: overloaded); hovering a cell gives its numbers.
//   Over time:    load imbalance (max/mean) and router entropy per layer over the steps,
//                 with the scrubbed step marked.
//   Probe tokens: the probe text, each token coloured by the expert that got the largest
//                 gate weight in the chosen layer; hovering a token lists every layer's
//                 experts and weights.
//
// The panel draws only its own copies of the data, set from the UI thread; it never reaches
// into the store. Moving the scrubber asks the owner for that step's data (ScrubbedPanel's
// step_requested).
#pragma once
#include "views/inspect/scrubbed_panel.h"

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

//! One line of an over-time chart: a layer's value at each logged step.
struct LayerSeries {
  std::string name;
  std::vector<std::pair<int64_t, float>> points;  // (step, value), ascending steps
};

//! The router's choices on the probe text at one step.
struct ProbeRouting {
  int64_t step = -1;
  std::vector<std::string> tokens;  //!< T token texts
  int layers = 0, k = 0;            //!< MoE layers, experts per token
  std::vector<float> experts;       //!< [layers * k, T]; -1 for an inactive slot
  std::vector<float> weights;       //!< [layers * k, T]
  int T() const { return int(tokens.size()); }
  bool empty() const { return tokens.empty() || layers == 0 || experts.size() != size_t(layers * k) * tokens.size(); }
  float expert(int layer, int j, int t) const { return experts[size_t(layer * k + j) * tokens.size() + size_t(t)]; }
  float weight(int layer, int j, int t) const { return weights[size_t(layer * k + j) * tokens.size() + size_t(t)]; }
};

class RoutingPanel : public ScrubbedPanel {
  Q_OBJECT
 public:
  enum class Tab { Load, OverTime, ProbeTokens };
  explicit RoutingPanel(QWidget* parent = nullptr);

  //! Replaces the heatmap's data and schedules one repaint. The scrubber's stops (set_steps)
  //! are the steps that have a load snapshot.
  void set_snapshot(ExpertLoad load);
  //! Imbalance (max/mean) and router entropy per layer over the run.
  void set_history(std::vector<LayerSeries> imbalance, std::vector<LayerSeries> entropy);
  void set_probe(ProbeRouting probe);
  //! Shows the empty state with a hint, e.g. "no MoE snapshot yet".
  void clear(const QString& hint);
  const ExpertLoad& snapshot() const { return load_; }
  const ProbeRouting& probe() const { return probe_; }
  const std::vector<LayerSeries>& imbalance() const { return imbalance_; }
  const std::vector<LayerSeries>& entropy() const { return entropy_; }
  //! Opens a tab at the next frame.
  void show_tab(Tab t);

  QSize sizeHint() const override { return {520, 300}; }

 protected:
  void draw_ui() override;

 private:
  void draw_load();
  void draw_history();
  void draw_probe();
  ExpertLoad load_;
  std::vector<LayerSeries> imbalance_, entropy_;
  ProbeRouting probe_;
  QString hint_;
  int probe_layer_ = 0;
  int pending_tab_ = -1;
};

}  // namespace r1wb::views

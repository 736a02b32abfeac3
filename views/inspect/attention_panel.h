// The attention panel (Dear ImGui): what every head attends to on the probe text.
//   Left:   a layer x head grid of thumbnails (max-pooled, so a sharp pattern survives the
//           shrink) with each head's entropy; clicking one chooses it.
//   Right:  the chosen head's token x token heatmap, probe tokens on both axes; hover names
//           the query, the key and the weight; clicking picks the query token.
//   Bottom: where the picked token attends in every head of the layer, with its top keys.
// The step scrubber above them is ScrubbedPanel's. Heatmaps are textures (uploaded once when
// the data or the choice changes), so a frame costs the same for 64 tokens as for 2,048: the
// panel stays smooth where a per-cell notebook plot stops being usable.
#pragma once
#include "views/inspect/scrubbed_panel.h"

#include <QString>

struct ImVec2;

#include <cstdint>
#include <string>
#include <vector>

namespace r1wb::views {

struct AttentionProbe {
  QString run_name;
  int64_t step = -1;
  std::vector<std::string> tokens;  //!< T
  int layers = 0, heads = 0;
  std::vector<float> entropy;  //!< [layers, heads], nats
  //! Per (layer, head), a kThumb x kThumb max-pooled copy of its weights.
  std::vector<std::vector<float>> thumbs;
  int layer = 0;               //!< the layer `weights` holds
  std::vector<float> weights;  //!< [heads * T, T]: row h * T + query, column key
  int T() const { return int(tokens.size()); }
  bool empty() const {
    return tokens.empty() || heads == 0 || weights.size() != size_t(heads) * tokens.size() * tokens.size();
  }
  float at(int head, int query, int key) const {
    return weights[(size_t(head) * tokens.size() + size_t(query)) * tokens.size() + size_t(key)];
  }
  static constexpr int kThumb = 48;
  //! Max-pools a [T, T] matrix into kThumb x kThumb.
  static std::vector<float> thumbnail(const float* matrix, int T);
};

class AttentionPanel : public ScrubbedPanel {
  Q_OBJECT
 public:
  explicit AttentionPanel(QWidget* parent = nullptr);
  ~AttentionPanel() override;

  void set_probe(AttentionProbe probe);
  void clear(const QString& hint);
  const AttentionProbe& probe() const { return probe_; }
  //! Chooses a head; a different layer asks the owner for its weights (layer_requested).
  void select_head(int layer, int head);
  //! Picks the query token whose attention the bottom strip shows (-1: none).
  void select_query(int t);
  int selected_layer() const { return layer_; }
  int selected_head() const { return head_; }
  //! The keys the picked token attends to most in `head`, strongest first.
  std::vector<int> top_keys(int head, int n) const;
  //! Milliseconds the last frame's draw_ui took (the 2,048-token smoothness figure).
  double last_draw_ms() const { return last_draw_ms_; }

  QSize sizeHint() const override { return {640, 420}; }

 signals:
  //! Another layer was chosen: the owner loads its weights.
  void layer_requested(int layer);

 protected:
  void draw_ui() override;

 private:
  struct Layout;
  //! The layer x head grid of thumbnails at `origin`; returns its size.
  ImVec2 draw_thumbnails(ImVec2 origin);
  //! Places the chosen head's map and the picked token's strip beside a grid of that size.
  Layout layout(ImVec2 origin, ImVec2 grid) const;
  //! The chosen head's token x token map with its token labels; hover and click pick a query.
  void draw_head_map(const Layout& at);
  //! Where the picked query attends in every head of the layer, with its strongest keys.
  void draw_query_strip(const Layout& at);
  void upload_textures();
  //! Creates or refills a GL texture from RGBA bytes (the widget's context is current).
  void upload(unsigned& tex, int w, int h, const unsigned char* rgba, int min_filter);
  AttentionProbe probe_;
  QString hint_;
  int layer_ = 0, head_ = 0, query_ = -1;
  unsigned thumb_tex_ = 0, map_tex_ = 0;  // GL textures: thumbnail atlas, chosen head
  bool thumbs_dirty_ = true, map_dirty_ = true;
  int atlas_cols_ = 0, atlas_rows_ = 0;
  double last_draw_ms_ = 0;
};

}  // namespace r1wb::views

#include "views/inspect/attention_panel.h"

#include <imgui.h>

#include <QElapsedTimer>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace r1wb::views {
namespace {

// Weight -> colour: white (nothing) to deep indigo (all of the row's attention). A square
// root lifts small weights so a spread-out head is still visible next to a sharp one.
void ramp(float v, unsigned char* rgba) {
  const float t = std::sqrt(std::clamp(v, 0.0f, 1.0f));
  const float r = 1.0f + (0.16f - 1.0f) * t, g = 1.0f + (0.11f - 1.0f) * t, b = 1.0f + (0.42f - 1.0f) * t;
  rgba[0] = (unsigned char)(r * 255);
  rgba[1] = (unsigned char)(g * 255);
  rgba[2] = (unsigned char)(b * 255);
  rgba[3] = 255;
}

ImTextureID tex_id(unsigned tex) { return reinterpret_cast<ImTextureID>(static_cast<intptr_t>(tex)); }

}  // namespace

std::vector<float> AttentionProbe::thumbnail(const float* m, int T) {
  std::vector<float> out(size_t(kThumb) * kThumb, 0.0f);
  if (T <= 0) return out;
  for (int q = 0; q < T; ++q) {
    const int ty = q * kThumb / T;
    for (int k = 0; k < T; ++k) {
      float& cell = out[size_t(ty) * kThumb + size_t(k * kThumb / T)];
      cell = std::max(cell, m[size_t(q) * size_t(T) + size_t(k)]);
    }
  }
  return out;
}

AttentionPanel::AttentionPanel(QWidget* parent) : ScrubbedPanel(parent), hint_("No run selected.") {
  setMinimumSize(360, 240);
}

AttentionPanel::~AttentionPanel() {
  if (context() && (thumb_tex_ || map_tex_)) {
    makeCurrent();
    if (thumb_tex_) glDeleteTextures(1, &thumb_tex_);
    if (map_tex_) glDeleteTextures(1, &map_tex_);
    doneCurrent();
  }
}

void AttentionPanel::set_probe(AttentionProbe probe) {
  const bool same_shape = probe.layers == probe_.layers && probe.heads == probe_.heads;
  probe_ = std::move(probe);
  if (!same_shape) {
    layer_ = std::clamp(layer_, 0, std::max(probe_.layers - 1, 0));
    head_ = std::clamp(head_, 0, std::max(probe_.heads - 1, 0));
  }
  if (query_ >= probe_.T()) query_ = -1;
  thumbs_dirty_ = map_dirty_ = true;
  update();
}

void AttentionPanel::clear(const QString& hint) {
  probe_ = AttentionProbe{};
  hint_ = hint;
  query_ = -1;
  update();
}

void AttentionPanel::select_head(int layer, int head) {
  head_ = std::clamp(head, 0, std::max(probe_.heads - 1, 0));
  map_dirty_ = true;
  if (layer != layer_) {
    layer_ = layer;
    emit layer_requested(layer);
  }
  update();
}

void AttentionPanel::select_query(int t) {
  query_ = t < probe_.T() ? t : -1;
  update();
}

std::vector<int> AttentionPanel::top_keys(int head, int n) const {
  std::vector<int> keys;
  if (probe_.empty() || query_ < 0 || probe_.layer != layer_) return keys;
  keys.resize(size_t(probe_.T()));
  std::iota(keys.begin(), keys.end(), 0);
  const int m = std::min(n, probe_.T());
  std::partial_sort(keys.begin(), keys.begin() + m, keys.end(),
                    [&](int a, int b) { return probe_.at(head, query_, a) > probe_.at(head, query_, b); });
  keys.resize(size_t(m));
  return keys;
}

void AttentionPanel::upload(unsigned& tex, int w, int h, const unsigned char* rgba, int min_filter) {
  if (!tex) glGenTextures(1, &tex);
  glBindTexture(GL_TEXTURE_2D, tex);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, min_filter);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);  // magnified cells stay sharp
  glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, w, h, 0, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
}

void AttentionPanel::upload_textures() {
  const int T = probe_.T();
  if (thumbs_dirty_ && !probe_.thumbs.empty()) {
    // One atlas: heads across, layers down, a 2-pixel gutter between thumbnails.
    const int K = AttentionProbe::kThumb, g = 2;
    atlas_cols_ = probe_.heads;
    atlas_rows_ = probe_.layers;
    const int W = atlas_cols_ * (K + g), H = atlas_rows_ * (K + g);
    std::vector<unsigned char> px(size_t(W) * size_t(H) * 4, 255);
    for (int l = 0; l < probe_.layers; ++l)
      for (int h = 0; h < probe_.heads; ++h) {
        const auto& th = probe_.thumbs[size_t(l * probe_.heads + h)];
        for (int y = 0; y < K; ++y)
          for (int x = 0; x < K; ++x)
            ramp(th[size_t(y * K + x)], &px[(size_t(l * (K + g) + y) * size_t(W) + size_t(h * (K + g) + x)) * 4]);
      }
    upload(thumb_tex_, W, H, px.data(), GL_NEAREST);
    thumbs_dirty_ = false;
  }
  if (map_dirty_ && !probe_.empty() && probe_.layer == layer_) {
    std::vector<unsigned char> px(size_t(T) * size_t(T) * 4);
    for (int q = 0; q < T; ++q)
      for (int k = 0; k < T; ++k) ramp(probe_.at(head_, q, k), &px[(size_t(q) * size_t(T) + size_t(k)) * 4]);
    upload(map_tex_, T, T, px.data(), GL_LINEAR);
    map_dirty_ = false;
  }
}

// Where this frame's parts go: the thumbnail grid at the left, the chosen head's map beside
// it, the picked token's strip to the map's right (a wide panel) or below it (a narrow one).
struct AttentionPanel::Layout {
  ImVec2 origin;   // top left of the grid
  ImVec2 grid;     // the grid's size
  float axis = 0;  // room for the query labels left of the map
  ImVec2 map_lo, map_hi;
  bool strip_right = false;
  bool have_map = false;  // the chosen head's texture is there to draw
};

void AttentionPanel::draw_ui() {
  QElapsedTimer clock;
  clock.start();
  begin_panel("attention", "Attention");
  ImGui::SameLine();
  if (probe_.tokens.empty() || probe_.heads == 0) {
    ImGui::TextDisabled("(layers x heads on the probe text)");
    ImGui::TextDisabled("%s", hint_.toUtf8().constData());
    ImGui::End();
    return;
  }
  ImGui::TextDisabled("%s  \xC2\xB7  step %lld  \xC2\xB7  %d tokens  \xC2\xB7  layer %d, head %d",
                      probe_.run_name.toUtf8().constData(), static_cast<long long>(probe_.step), probe_.T(), layer_,
                      head_);
  draw_scrubber(60);
  upload_textures();
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const Layout at = layout(origin, draw_thumbnails(origin));
  draw_head_map(at);
  if (query_ >= 0 && at.have_map) draw_query_strip(at);
  ImGui::End();
  last_draw_ms_ = double(clock.nsecsElapsed()) / 1e6;
}

ImVec2 AttentionPanel::draw_thumbnails(ImVec2 o) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImU32 dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  const float line = ImGui::GetTextLineHeight();
  char buf[96];
  const int K = AttentionProbe::kThumb, g = 2;
  const float cell = float(K) + 4, label_w = 34;
  for (int h = 0; h < probe_.heads; ++h) {
    std::snprintf(buf, sizeof buf, "H%d", h);
    dl->AddText(ImVec2(o.x + label_w + cell * float(h) + 2, o.y), dim, buf);
  }
  const float aw = float(atlas_cols_ * (K + g)), ah = float(atlas_rows_ * (K + g));
  for (int l = 0; l < probe_.layers; ++l) {
    const float y = o.y + line + (cell + line) * float(l);
    std::snprintf(buf, sizeof buf, "L%d", l);
    dl->AddText(ImVec2(o.x, y + cell * 0.4f), dim, buf);
    for (int h = 0; h < probe_.heads; ++h) {
      const ImVec2 lo(o.x + label_w + cell * float(h), y), hi(lo.x + float(K), lo.y + float(K));
      if (thumb_tex_)
        dl->AddImage(tex_id(thumb_tex_), lo, hi, ImVec2(float(h * (K + g)) / aw, float(l * (K + g)) / ah),
                     ImVec2(float(h * (K + g) + K) / aw, float(l * (K + g) + K) / ah));
      const bool chosen = l == layer_ && h == head_;
      dl->AddRect(lo, hi, chosen ? IM_COL32(200, 60, 30, 255) : IM_COL32(160, 160, 160, 255), 0, 0,
                  chosen ? 2.5f : 1.0f);
      if (size_t(l * probe_.heads + h) < probe_.entropy.size()) {
        std::snprintf(buf, sizeof buf, "%.2f", double(probe_.entropy[size_t(l * probe_.heads + h)]));
        dl->AddText(ImVec2(lo.x, hi.y + 1), dim, buf);
      }
      if (ImGui::IsMouseHoveringRect(lo, hi)) {
        ImGui::SetTooltip("layer %d, head %d\nentropy %s nats (max %.2f)\nclick to open", l, h, buf,
                          std::log(double(probe_.T())));
        if (ImGui::IsMouseClicked(0)) select_head(l, h);
      }
    }
  }
  return ImVec2(label_w + cell * float(probe_.heads), line + (cell + line) * float(probe_.layers));
}

AttentionPanel::Layout AttentionPanel::layout(ImVec2 origin, ImVec2 grid) const {
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  const float line = ImGui::GetTextLineHeight();
  Layout at;
  at.origin = origin;
  at.grid = grid;
  at.axis = std::min(110.0f, 8.0f * line);
  at.map_lo = ImVec2(origin.x + grid.x + 16 + at.axis, origin.y + line);
  // The map takes the height; a picked token's strip goes where it leaves the bigger map.
  const float strip_rows_h = (2 * line + 6) * float(probe_.heads) + 2 * line + 4;
  const float strip_w_min = 160;
  const float avail_w = display.x - at.map_lo.x - 8, avail_h = display.y - at.map_lo.y - 8 - line;  // key labels
  const float side_right = std::min(avail_h, avail_w - strip_w_min - 8);
  const float side_below = std::min(avail_w, avail_h - strip_rows_h);
  at.strip_right = query_ >= 0 && side_right >= side_below;
  const float side = std::max(40.0f, query_ < 0       ? std::min(avail_w, avail_h)
                                     : at.strip_right ? side_right
                                                      : side_below);
  at.map_hi = ImVec2(at.map_lo.x + side, at.map_lo.y + side);
  at.have_map = map_tex_ && probe_.layer == layer_ && !probe_.empty();
  return at;
}

void AttentionPanel::draw_head_map(const Layout& at) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImU32 dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  const float line = ImGui::GetTextLineHeight();
  const int T = probe_.T();
  const ImVec2 map_lo = at.map_lo, map_hi = at.map_hi;
  if (at.have_map)
    dl->AddImage(tex_id(map_tex_), map_lo, map_hi);
  else
    dl->AddText(map_lo, dim, "loading this layer...");
  dl->AddRect(map_lo, map_hi, IM_COL32(150, 150, 150, 255));
  const float px_per_token = (map_hi.x - map_lo.x) / float(T);
  // Axis labels where they fit: every n-th token so labels never overlap.
  const int every = std::max(1, int(std::ceil((line + 1) / px_per_token)));
  for (int t = 0; t < T; t += every) {
    const std::string& tok = probe_.tokens[size_t(t)];
    const float y = map_lo.y + px_per_token * (float(t) + 0.5f) - line * 0.5f;
    const ImVec2 sz = ImGui::CalcTextSize(tok.c_str());
    dl->AddText(ImVec2(map_lo.x - 4 - std::min(sz.x, at.axis - 4), y), t == query_ ? IM_COL32(200, 60, 30, 255) : dim,
                tok.c_str());
  }
  for (int t = 0; t < T; t += every) {  // keys along the bottom, the same tokens
    const std::string& tok = probe_.tokens[size_t(t)];
    const float x = map_lo.x + px_per_token * (float(t) + 0.5f) - ImGui::CalcTextSize(tok.c_str()).x * 0.5f;
    dl->AddText(ImVec2(x, map_hi.y + 1), dim, tok.c_str());
  }
  dl->AddText(ImVec2(map_lo.x - at.axis, map_lo.y - line), dim, "rows: query, columns: key");
  if (query_ >= 0) {
    const float y = map_lo.y + px_per_token * float(query_);
    dl->AddRect(ImVec2(map_lo.x, y), ImVec2(map_hi.x, y + std::max(px_per_token, 1.0f)), IM_COL32(200, 60, 30, 255));
  }
  if (at.have_map && ImGui::IsMouseHoveringRect(map_lo, map_hi)) {
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    const int q = std::clamp(int((mouse.y - map_lo.y) / px_per_token), 0, T - 1);
    const int k = std::clamp(int((mouse.x - map_lo.x) / px_per_token), 0, T - 1);
    ImGui::SetTooltip("query %d '%s'\nkey %d '%s'\nweight %.4f\nclick: where this token attends in every head", q,
                      probe_.tokens[size_t(q)].c_str(), k, probe_.tokens[size_t(k)].c_str(),
                      double(probe_.at(head_, q, k)));
    if (ImGui::IsMouseClicked(0)) select_query(q);
  }
}

void AttentionPanel::draw_query_strip(const Layout& at) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImU32 dim = ImGui::GetColorU32(ImGuiCol_TextDisabled), text = ImGui::GetColorU32(ImGuiCol_Text);
  const float line = ImGui::GetTextLineHeight();
  const int T = probe_.T();
  char buf[96];
  const float left = at.strip_right ? at.map_hi.x + 16 : at.origin.x;
  float y = at.strip_right ? at.map_lo.y : std::max(at.map_hi.y + line, at.origin.y + at.grid.y) + 6;
  std::snprintf(buf, sizeof buf, "token %d '%s' attends to:", query_, probe_.tokens[size_t(query_)].c_str());
  dl->AddText(ImVec2(left, y), text, buf);
  y += line + 2;
  const float x0 = left + 30, w = ImGui::GetIO().DisplaySize.x - x0 - 8;
  for (int h = 0; h < probe_.heads; ++h) {
    std::snprintf(buf, sizeof buf, "H%d", h);
    dl->AddText(ImVec2(left, y), dim, buf);
    // One bin per pixel (max of its keys), so a single sharp key still shows.
    const int bins = std::max(1, std::min(T, int(w)));
    for (int b = 0; b < bins; ++b) {
      float v = 0;
      for (int k = b * T / bins; k < std::max((b + 1) * T / bins, b * T / bins + 1); ++k)
        v = std::max(v, probe_.at(h, query_, k));
      unsigned char c[4];
      ramp(v, c);
      dl->AddRectFilled(ImVec2(x0 + w * float(b) / float(bins), y),
                        ImVec2(x0 + w * float(b + 1) / float(bins), y + line), IM_COL32(c[0], c[1], c[2], 255));
    }
    dl->AddRect(ImVec2(x0, y), ImVec2(x0 + w, y + line), IM_COL32(170, 170, 170, 255));
    std::string tops;
    for (int k : top_keys(h, 3)) {
      std::snprintf(buf, sizeof buf, "%s'%s' %.2f", tops.empty() ? "" : "  ", probe_.tokens[size_t(k)].c_str(),
                    double(probe_.at(h, query_, k)));
      tops += buf;
    }
    dl->AddText(ImVec2(x0, y + line + 1), text, tops.c_str());  // its strongest keys under the strip
    y += 2 * line + 6;
  }
}

}  // namespace r1wb::views

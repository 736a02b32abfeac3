#include "views/inspect/routing_panel.h"

#include "views/charts/plot_axes.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>

namespace r1wb::views {
namespace {

ImU32 mix(ImVec4 a, ImVec4 b, float t) {
  return ImGui::GetColorU32(ImVec4(a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t, a.z + (b.z - a.z) * t, 1.0f));
}

const ImVec4 kStarved(0.19f, 0.40f, 0.70f, 1);
const ImVec4 kBalanced(0.97f, 0.97f, 0.96f, 1);
const ImVec4 kOverloaded(0.75f, 0.20f, 0.17f, 1);

// Signed distance from the uniform share, in units of the uniform share, clamped to [-1, 1].
float deviation(float load, int experts) {
  const float uniform = 1.0f / float(experts);
  return std::clamp((load - uniform) / uniform, -1.0f, 1.0f);
}

ImU32 cell_colour(float dev) { return dev < 0 ? mix(kBalanced, kStarved, -dev) : mix(kBalanced, kOverloaded, dev); }

void centred_text(ImDrawList* dl, ImVec2 lo, ImVec2 hi, ImU32 colour, const char* text) {
  const ImVec2 size = ImGui::CalcTextSize(text);
  dl->AddText(ImVec2(std::floor((lo.x + hi.x - size.x) * 0.5f), std::floor((lo.y + hi.y - size.y) * 0.5f)), colour,
              text);
}

// A hue per expert that stays apart for up to ~12 experts and cycles beyond.
ImU32 expert_colour(int e, float alpha = 1.0f) {
  static const ImVec4 palette[] = {{0.12f, 0.47f, 0.71f, 1}, {1.00f, 0.50f, 0.05f, 1}, {0.17f, 0.63f, 0.17f, 1},
                                   {0.84f, 0.15f, 0.16f, 1}, {0.58f, 0.40f, 0.74f, 1}, {0.55f, 0.34f, 0.29f, 1},
                                   {0.89f, 0.47f, 0.76f, 1}, {0.50f, 0.50f, 0.50f, 1}, {0.74f, 0.74f, 0.13f, 1},
                                   {0.09f, 0.75f, 0.81f, 1}, {0.00f, 0.30f, 0.45f, 1}, {0.60f, 0.25f, 0.00f, 1}};
  ImVec4 c = palette[size_t(e) % (sizeof palette / sizeof palette[0])];
  c.w = alpha;
  return ImGui::GetColorU32(c);
}

// A legend entry: a colour swatch and its label, on the current line.
void swatch(ImU32 colour, const char* label) {
  const ImVec2 at = ImGui::GetCursorScreenPos();
  const float h = ImGui::GetTextLineHeight();
  ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(at.x, at.y + h * 0.2f), ImVec2(at.x + h * 0.6f, at.y + h * 0.8f),
                                            colour);
  ImGui::Dummy(ImVec2(h * 0.7f, h));
  ImGui::SameLine(0, 2);
  ImGui::TextUnformatted(label);
}

// One small line chart of every layer's series, the scrubbed step marked; y ticks where
// they fit (plot_axes.h, as the metric chart's), the step range below.
void line_chart(const char* title, const std::vector<LayerSeries>& series, int64_t marker, ImVec2 size) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 lo = ImGui::GetCursorScreenPos();
  const float line = ImGui::GetTextLineHeight();
  const ImVec2 plot_lo(lo.x + 44, lo.y + line + 2), plot_hi(lo.x + size.x - 8, lo.y + size.y - line - 2);
  dl->AddText(lo, ImGui::GetColorU32(ImGuiCol_Text), title);
  int64_t x0 = INT64_MAX, x1 = INT64_MIN;
  float y0 = INFINITY, y1 = -INFINITY;
  for (const auto& s : series)
    for (const auto& [x, y] : s.points) {
      x0 = std::min(x0, x);
      x1 = std::max(x1, x);
      y0 = std::min(y0, y);
      y1 = std::max(y1, y);
    }
  dl->AddRect(plot_lo, plot_hi, ImGui::GetColorU32(ImGuiCol_Border));
  ImGui::Dummy(size);
  if (x0 > x1 || plot_hi.x - plot_lo.x < 10) return;
  const Span y = padded(y0, y1, 0.08);
  const PlotMapping map{plot_lo.x, plot_hi.y, plot_hi.x - plot_lo.x, plot_hi.y - plot_lo.y, double(x0), double(x1),
                        y.lo,      y.hi};
  const ImU32 dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  const ImU32 grid = ImGui::GetColorU32(ImGuiCol_Border, 0.45f);
  const Ticks yt = nice_ticks(y.lo, y.hi, int(map.height / (2 * line)));
  for (int i = 0; i < yt.count; ++i) {
    const float ty = float(map.py(yt.at(i)));
    dl->AddLine(ImVec2(plot_lo.x, ty), ImVec2(plot_hi.x, ty), grid);
    const std::string label = tick_label(yt.at(i), yt.decimals);
    dl->AddText(ImVec2(plot_lo.x - 4 - ImGui::CalcTextSize(label.c_str()).x, ty - line * 0.5f), dim, label.c_str());
  }
  char buf[48];
  std::snprintf(buf, sizeof buf, "step %lld", static_cast<long long>(x0));
  dl->AddText(ImVec2(plot_lo.x, plot_hi.y + 1), dim, buf);
  std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(x1));
  dl->AddText(ImVec2(plot_hi.x - ImGui::CalcTextSize(buf).x, plot_hi.y + 1), dim, buf);
  dl->PushClipRect(plot_lo, plot_hi, true);
  for (size_t i = 0; i < series.size(); ++i) {
    std::vector<ImVec2> pts;
    for (const auto& [x, v] : series[i].points) pts.emplace_back(float(map.px(double(x))), float(map.py(v)));
    if (pts.size() > 1) dl->AddPolyline(pts.data(), int(pts.size()), expert_colour(int(i)), 0, 1.6f);
  }
  if (marker >= 0) {
    const float mx = float(map.px(double(marker)));
    dl->AddLine(ImVec2(mx, plot_lo.y), ImVec2(mx, plot_hi.y), IM_COL32(60, 60, 60, 200), 1.5f);
  }
  dl->PopClipRect();
  // Legend on hover: every layer's value at the nearest logged step.
  if (ImGui::IsMouseHoveringRect(plot_lo, plot_hi)) {
    const double x = map.x_at(ImGui::GetIO().MousePos.x);
    std::string tip;
    for (const auto& s : series) {
      if (s.points.empty()) continue;
      auto it = std::min_element(s.points.begin(), s.points.end(), [&](const auto& a, const auto& b) {
        return std::fabs(double(a.first) - x) < std::fabs(double(b.first) - x);
      });
      std::snprintf(buf, sizeof buf, "step %lld: %.4f", static_cast<long long>(it->first), double(it->second));
      tip += s.name + "  " + buf + "\n";
    }
    ImGui::SetTooltip("%s", tip.c_str());
  }
}

}  // namespace

RoutingPanel::RoutingPanel(QWidget* parent) : ScrubbedPanel(parent), hint_("No run selected.") {
  setMinimumSize(320, 200);
}

void RoutingPanel::set_snapshot(ExpertLoad load) {
  load_ = std::move(load);
  update();
}

void RoutingPanel::set_history(std::vector<LayerSeries> imbalance, std::vector<LayerSeries> entropy) {
  imbalance_ = std::move(imbalance);
  entropy_ = std::move(entropy);
  update();
}

void RoutingPanel::set_probe(ProbeRouting probe) {
  probe_ = std::move(probe);
  probe_layer_ = std::clamp(probe_layer_, 0, std::max(probe_.layers - 1, 0));
  update();
}

void RoutingPanel::clear(const QString& hint) {
  load_ = ExpertLoad{};
  probe_ = ProbeRouting{};
  reset_scrubber();
  imbalance_.clear();
  entropy_.clear();
  hint_ = hint;
  update();
}

void RoutingPanel::show_tab(Tab t) {
  pending_tab_ = int(t);
  update();
}

void RoutingPanel::draw_ui() {
  begin_panel("routing", "Routing");
  if (load_.empty() && probe_.empty()) {
    ImGui::SameLine();
    ImGui::TextDisabled("(layers x experts)");
    ImGui::Spacing();
    ImGui::TextDisabled("%s", hint_.toUtf8().constData());
    ImGui::End();
    return;
  }
  ImGui::SameLine();
  ImGui::TextDisabled("%s  \xC2\xB7  step %lld", load_.run_name.toUtf8().constData(),
                      static_cast<long long>(load_.step));
  // The scrubber: one stop per load snapshot; at the right end it follows the newest.
  if (steps().size() > 1) {
    ImGui::SameLine();
    draw_scrubber(90);
  }
  if (ImGui::BeginTabBar("routing-tabs")) {
    const char* names[] = {"Load", "Over time", "Probe tokens"};
    for (int i = 0; i < 3; ++i) {
      const ImGuiTabItemFlags flags = pending_tab_ == i ? ImGuiTabItemFlags_SetSelected : 0;
      if (ImGui::BeginTabItem(names[i], nullptr, flags)) {
        if (i == 0)
          draw_load();
        else if (i == 1)
          draw_history();
        else
          draw_probe();
        ImGui::EndTabItem();
      }
    }
    pending_tab_ = -1;
    ImGui::EndTabBar();
  }
  ImGui::End();
}

void RoutingPanel::draw_history() {
  if (imbalance_.empty()) {
    ImGui::TextDisabled("No per-layer routing metrics yet (moe/L<i>/load_ratio, router_entropy).");
    return;
  }
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const int64_t marker = scrub_step() >= 0 ? scrub_step() : load_.step;
  const float h = std::max(60.0f, (avail.y - 2 * ImGui::GetTextLineHeight()) / 2);
  line_chart("load imbalance (max/mean; 1 is balanced)", imbalance_, marker, ImVec2(avail.x, h));
  line_chart("router entropy (normalised; 1 is uniform)", entropy_, marker, ImVec2(avail.x, h));
  // Layer colours.
  for (size_t i = 0; i < imbalance_.size(); ++i) {
    if (i) ImGui::SameLine();
    swatch(expert_colour(int(i)), imbalance_[i].name.c_str());
  }
}

void RoutingPanel::draw_probe() {
  if (probe_.empty()) {
    ImGui::TextDisabled("No probe yet (telemetry.probe_every): the router's choices on the probe text appear here.");
    return;
  }
  ImGui::SetNextItemWidth(140);
  std::vector<std::string> names;
  for (int l = 0; l < probe_.layers; ++l) names.push_back(load_.row_name(l));
  if (ImGui::BeginCombo("##layer", names[size_t(probe_layer_)].c_str())) {
    for (int l = 0; l < probe_.layers; ++l)
      if (ImGui::Selectable(names[size_t(l)].c_str(), l == probe_layer_)) probe_layer_ = l;
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  ImGui::TextDisabled("step %lld  \xC2\xB7  colour: top expert, strength: its gate weight",
                      static_cast<long long>(probe_.step));
  // Expert legend.
  int experts = 0;
  for (float e : probe_.experts) experts = std::max(experts, int(e) + 1);
  for (int e = 0; e < experts; ++e) {
    if (e) ImGui::SameLine(0, 6);
    swatch(expert_colour(e), ("E" + std::to_string(e)).c_str());
  }
  ImGui::Separator();
  // Tokens flow like text, wrapping at the panel's edge; the child scrolls long probes.
  ImGui::BeginChild("probe-tokens", ImVec2(0, 0), false);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const float width = ImGui::GetContentRegionAvail().x, line = ImGui::GetTextLineHeight() + 6;
  float x = 0, y = 0;
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  const bool hovered_window = ImGui::IsWindowHovered();
  for (int t = 0; t < probe_.T(); ++t) {
    const std::string& text = probe_.tokens[size_t(t)];
    const float w = ImGui::CalcTextSize(text.c_str()).x + 6;
    if (x + w > width && x > 0) {
      x = 0;
      y += line + 2;
    }
    int best = -1;
    float best_w = 0;
    for (int j = 0; j < probe_.k; ++j)
      if (probe_.expert(probe_layer_, j, t) >= 0 && probe_.weight(probe_layer_, j, t) > best_w) {
        best = int(probe_.expert(probe_layer_, j, t));
        best_w = probe_.weight(probe_layer_, j, t);
      }
    const ImVec2 lo(origin.x + x, origin.y + y), hi(lo.x + w, lo.y + line);
    if (best >= 0) dl->AddRectFilled(lo, hi, expert_colour(best, 0.25f + 0.75f * std::clamp(best_w, 0.0f, 1.0f)), 3.0f);
    dl->AddText(ImVec2(lo.x + 3, lo.y + 3), best_w > 0.6f ? IM_COL32_WHITE : ImGui::GetColorU32(ImGuiCol_Text),
                text.c_str());
    if (hovered_window && mouse.x >= lo.x && mouse.x < hi.x && mouse.y >= lo.y && mouse.y < hi.y) {
      dl->AddRect(lo, hi, IM_COL32(20, 20, 20, 255), 3.0f, 0, 2.0f);
      std::string tip = "token " + std::to_string(t) + ": '" + text + "'\n";
      char buf[64];
      for (int l = 0; l < probe_.layers; ++l) {
        tip += names[size_t(l)] + ":";
        for (int j = 0; j < probe_.k; ++j) {
          if (probe_.expert(l, j, t) < 0) continue;
          std::snprintf(buf, sizeof buf, "  E%d %.3f", int(probe_.expert(l, j, t)), double(probe_.weight(l, j, t)));
          tip += buf;
        }
        tip += "\n";
      }
      ImGui::SetTooltip("%s", tip.c_str());
    }
    x += w + 2;
  }
  ImGui::Dummy(ImVec2(width, y + line));
  ImGui::EndChild();
}

void RoutingPanel::draw_load() {
  if (load_.empty()) {
    ImGui::TextDisabled("No expert-load snapshot at this step.");
    return;
  }
  const ImGuiIO& io = ImGui::GetIO();
  ImGui::TextDisabled("%d layers x %d experts, share of routed tokens", load_.rows, load_.cols);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImU32 text = ImGui::GetColorU32(ImGuiCol_Text);
  const ImU32 dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  const ImU32 grid = ImGui::GetColorU32(ImVec4(0.55f, 0.55f, 0.55f, 1));
  const float line = ImGui::GetTextLineHeight();
  const float pad = 6.0f;

  // Layout: corner/column labels on top, row labels on the left, imbalance on the right,
  // colour legend at the bottom; the cells take the rest, within sane bounds.
  char buf[64];
  float label_w = ImGui::CalcTextSize("layer").x;
  for (int l = 0; l < load_.rows; ++l) label_w = std::max(label_w, ImGui::CalcTextSize(load_.row_name(l).c_str()).x);
  label_w += 2 * pad;
  const float imbalance_w = ImGui::CalcTextSize("max/mean").x + 2 * pad;
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float header_h = line + pad;
  const float legend_h = 2 * line + 3 * pad;
  const float cell_w = std::clamp((avail.x - label_w - imbalance_w) / float(load_.cols), 8.0f, 140.0f);
  const float cell_h = std::clamp((avail.y - header_h - legend_h) / float(load_.rows), 6.0f, 64.0f);
  const ImVec2 grid_lo(origin.x + label_w, origin.y + header_h);
  const ImVec2 grid_hi(grid_lo.x + cell_w * float(load_.cols), grid_lo.y + cell_h * float(load_.rows));

  // Axis labels: experts across the top, layers down the left.
  dl->AddText(ImVec2(origin.x, origin.y), dim, "layer");
  for (int e = 0; e < load_.cols; ++e) {
    std::snprintf(buf, sizeof buf, cell_w >= ImGui::CalcTextSize("E00").x + 4 ? "E%d" : "%d", e);
    const float x = grid_lo.x + cell_w * float(e);
    centred_text(dl, ImVec2(x, origin.y), ImVec2(x + cell_w, origin.y + line), dim, buf);
  }
  centred_text(dl, ImVec2(grid_hi.x, origin.y), ImVec2(grid_hi.x + imbalance_w, origin.y + line), dim, "max/mean");

  const bool values_fit = cell_w >= ImGui::CalcTextSize("0.000").x + 6 && cell_h >= line + 2;
  const bool short_fit = cell_w >= ImGui::CalcTextSize(".00").x + 4 && cell_h >= line + 2;
  for (int l = 0; l < load_.rows; ++l) {
    const float y = grid_lo.y + cell_h * float(l);
    const std::string name = load_.row_name(l);
    const ImVec2 size = ImGui::CalcTextSize(name.c_str());
    dl->AddText(ImVec2(grid_lo.x - pad - size.x, y + (cell_h - size.y) * 0.5f), text, name.c_str());
    float row_max = 0;
    for (int e = 0; e < load_.cols; ++e) {
      const float v = load_.at(l, e);
      row_max = std::max(row_max, v);
      const ImVec2 lo(grid_lo.x + cell_w * float(e), y), hi(lo.x + cell_w, y + cell_h);
      const float dev = deviation(v, load_.cols);
      dl->AddRectFilled(lo, hi, cell_colour(dev));
      if (values_fit || short_fit) {
        std::snprintf(buf, sizeof buf, values_fit ? "%.3f" : "%.2f", double(v));
        const char* shown = (!values_fit && buf[0] == '0') ? buf + 1 : buf;  // ".25" when narrow
        centred_text(dl, lo, hi, std::fabs(dev) > 0.6f ? IM_COL32_WHITE : IM_COL32(33, 35, 38, 255), shown);
      }
    }
    std::snprintf(buf, sizeof buf, "%.2f", double(row_max) * load_.cols);
    centred_text(dl, ImVec2(grid_hi.x, y), ImVec2(grid_hi.x + imbalance_w, y + cell_h), text, buf);
  }
  for (int e = 0; e <= load_.cols; ++e) {
    const float x = grid_lo.x + cell_w * float(e);
    dl->AddLine(ImVec2(x, grid_lo.y), ImVec2(x, grid_hi.y), grid);
  }
  for (int l = 0; l <= load_.rows; ++l) {
    const float y = grid_lo.y + cell_h * float(l);
    dl->AddLine(ImVec2(grid_lo.x, y), ImVec2(grid_hi.x, y), grid);
  }

  // Hover: outline the cell and give its exact numbers.
  if (ImGui::IsWindowHovered() && ImGui::IsMouseHoveringRect(grid_lo, grid_hi)) {
    const int e = std::min(load_.cols - 1, int((io.MousePos.x - grid_lo.x) / cell_w));
    const int l = std::min(load_.rows - 1, int((io.MousePos.y - grid_lo.y) / cell_h));
    const ImVec2 lo(grid_lo.x + cell_w * float(e), grid_lo.y + cell_h * float(l));
    dl->AddRect(lo, ImVec2(lo.x + cell_w, lo.y + cell_h), IM_COL32(20, 20, 20, 255), 0, 0, 2.0f);
    const float v = load_.at(l, e);
    ImGui::SetTooltip("%s, expert %d\nshare %.4f  (%.2fx uniform 1/%d)", load_.row_name(l).c_str(), e, double(v),
                      double(v) * load_.cols, load_.cols);
  }

  // Legend: the colour ramp from starved through balanced to overloaded.
  const float legend_y = grid_hi.y + 2 * pad;
  const float legend_w = std::min(260.0f, std::max(120.0f, grid_hi.x - grid_lo.x));
  const ImVec2 bar_lo(grid_lo.x, legend_y), bar_hi(grid_lo.x + legend_w, legend_y + line * 0.7f);
  const int steps = 32;
  for (int i = 0; i < steps; ++i) {
    const float x0 = bar_lo.x + legend_w * float(i) / steps, x1 = bar_lo.x + legend_w * float(i + 1) / steps;
    dl->AddRectFilled(ImVec2(x0, bar_lo.y), ImVec2(x1, bar_hi.y),
                      cell_colour(-1.0f + 2.0f * (float(i) + 0.5f) / steps));
  }
  dl->AddRect(bar_lo, bar_hi, grid);
  const float uniform = 1.0f / float(load_.cols);
  const float ly = bar_hi.y + 2;
  dl->AddText(ImVec2(bar_lo.x, ly), dim, "0");
  std::snprintf(buf, sizeof buf, "1/E = %.3g", double(uniform));
  const ImVec2 mid = ImGui::CalcTextSize(buf);
  dl->AddText(ImVec2(bar_lo.x + (legend_w - mid.x) * 0.5f, ly), dim, buf);
  std::snprintf(buf, sizeof buf, ">= %.3g", double(2 * uniform));
  dl->AddText(ImVec2(bar_hi.x - ImGui::CalcTextSize(buf).x, ly), dim, buf);
}

}  // namespace r1wb::views

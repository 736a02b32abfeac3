#include "views/expert_load_panel.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
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

ImU32 cell_colour(float dev) {
  return dev < 0 ? mix(kBalanced, kStarved, -dev) : mix(kBalanced, kOverloaded, dev);
}

void centred_text(ImDrawList* dl, ImVec2 lo, ImVec2 hi, ImU32 colour, const char* text) {
  const ImVec2 size = ImGui::CalcTextSize(text);
  dl->AddText(ImVec2(std::floor((lo.x + hi.x - size.x) * 0.5f), std::floor((lo.y + hi.y - size.y) * 0.5f)), colour,
              text);
}

}  // namespace

ExpertLoadPanel::ExpertLoadPanel(QWidget* parent) : ImGuiWidget(parent), hint_("No run selected.") {
  setMinimumSize(320, 200);
}

void ExpertLoadPanel::set_snapshot(ExpertLoad load) {
  load_ = std::move(load);
  update();
}

void ExpertLoadPanel::clear(const QString& hint) {
  load_ = ExpertLoad{};
  hint_ = hint;
  update();
}

void ExpertLoadPanel::draw_ui() {
  const ImGuiIO& io = ImGui::GetIO();
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(io.DisplaySize);
  ImGui::Begin("expert-load", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                   ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoScrollWithMouse);

  ImGui::PushFont(bold_font());
  ImGui::TextUnformatted("Expert load");
  ImGui::PopFont();
  if (load_.empty()) {
    ImGui::SameLine();
    ImGui::TextDisabled("(layers x experts)");
    ImGui::Spacing();
    ImGui::TextDisabled("%s", hint_.toUtf8().constData());
    ImGui::End();
    return;
  }
  ImGui::SameLine();
  ImGui::TextDisabled("%s  \xC2\xB7  step %lld  \xC2\xB7  %d layers x %d experts, share of routed tokens",
                      load_.run_name.toUtf8().constData(), static_cast<long long>(load_.step), load_.rows,
                      load_.cols);
  ImGui::Spacing();

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
        centred_text(dl, lo, hi, std::fabs(dev) > 0.6f ? IM_COL32_WHITE : text, shown);
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
    dl->AddRectFilled(ImVec2(x0, bar_lo.y), ImVec2(x1, bar_hi.y), cell_colour(-1.0f + 2.0f * (float(i) + 0.5f) / steps));
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

  ImGui::End();
}

}  // namespace r1wb::views

#include "views/inspect/completions_panel.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace r1wb::views {
namespace {

ImU32 rgb(float r, float g, float b, float a = 1) { return ImGui::GetColorU32(ImVec4(r, g, b, a)); }

//! 0 -> red, 0.5 -> yellow, 1 -> green (reward components, which live in [0, 1]).
ImU32 red_to_green(double v) {
  const float t = float(std::clamp(v, 0.0, 1.0));
  return t < 0.5f ? rgb(0.85f, 0.25f + 1.1f * t, 0.2f) : rgb(0.85f - 1.2f * (t - 0.5f), 0.8f, 0.25f);
}

//! Negative blue, positive orange, |v| >= 2 saturated (advantages are about unit scale).
ImU32 signed_colour(double v, float alpha) {
  const float t = 0.2f + 0.8f * float(std::clamp(std::abs(v) / 2.0, 0.0, 1.0));
  return v < 0 ? rgb(0.2f, 0.45f, 0.9f, alpha * t) : rgb(0.95f, 0.55f, 0.1f, alpha * t);
}

//! Token underlay: a confident token is clear, an unlikely one (log-prob -4 and below) red.
ImU32 logprob_colour(float lp) { return rgb(0.9f, 0.2f, 0.2f, std::clamp(-lp / 4.0f, 0.0f, 1.0f) * 0.8f); }
ImU32 entropy_colour(float h) { return rgb(0.6f, 0.3f, 0.9f, std::clamp(h / 2.0f, 0.0f, 1.0f) * 0.8f); }

//! A small filled cell with a number in it.
void value_cell(ImU32 colour, const char* text, float width) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 at = ImGui::GetCursorScreenPos();
  const float h = ImGui::GetTextLineHeight();
  dl->AddRectFilled(at, ImVec2(at.x + width, at.y + h), colour, 2);
  const ImVec2 size = ImGui::CalcTextSize(text);
  dl->AddText(ImVec2(at.x + (width - size.x) * 0.5f, at.y), rgb(0.05f, 0.05f, 0.05f), text);
  ImGui::Dummy(ImVec2(width, h));
}

const char* kFilterNames[] = {"all", "correct", "wrong", "truncated", "zero spread"};
const char* kColourNames[] = {"log-prob", "entropy", "advantage"};
const char* kOrderNames[] = {"batch order", "best first", "worst first"};

}  // namespace

CompletionsPanel::CompletionsPanel(QWidget* parent) : ScrubbedPanel(parent) {}

void CompletionsPanel::set_samples(int64_t step, std::vector<SampleRow> rows) {
  step_ = step;
  rows_ = std::move(rows);
  std::map<int, std::pair<double, double>> range;  // group -> (min, max) reward
  for (const auto& r : rows_) {
    auto [it, fresh] = range.try_emplace(r.group, r.reward, r.reward);
    if (!fresh) it->second = {std::min(it->second.first, r.reward), std::max(it->second.second, r.reward)};
  }
  flat_groups_.clear();
  for (const auto& [g, mm] : range)
    if (mm.second - mm.first < 1e-9) flat_groups_.push_back(g);
  hint_.clear();
  update();
}

void CompletionsPanel::set_followed(std::string prompt, std::vector<SampleRow> rows) {
  followed_ = std::move(prompt);
  followed_rows_ = std::move(rows);
  update();
}

void CompletionsPanel::clear(const QString& hint) {
  rows_.clear();
  followed_rows_.clear();
  flat_groups_.clear();
  step_ = -1;
  hint_ = hint;
  reset_scrubber();
  update();
}

void CompletionsPanel::set_filter(Filter f) {
  filter_ = f;
  update();
}
void CompletionsPanel::set_colour_by(ColourBy c) {
  colour_by_ = c;
  update();
}
void CompletionsPanel::set_order(Order o) {
  order_ = o;
  update();
}

void CompletionsPanel::follow(const std::string& prompt) {
  followed_ = prompt;
  if (prompt.empty()) followed_rows_.clear();
  emit follow_requested(QString::fromStdString(prompt));
  update();
}

bool CompletionsPanel::zero_spread(const SampleRow& r) const {
  return std::find(flat_groups_.begin(), flat_groups_.end(), r.group) != flat_groups_.end();
}

std::vector<const SampleRow*> CompletionsPanel::visible() const {
  std::vector<const SampleRow*> out;
  for (const auto& r : rows_) {
    const bool correct = r.component("accuracy") > 0;
    const bool keep = filter_ == Filter::All || (filter_ == Filter::Correct && correct) ||
                      (filter_ == Filter::Wrong && !correct) || (filter_ == Filter::Truncated && r.truncated) ||
                      (filter_ == Filter::ZeroSpread && zero_spread(r));
    if (keep) out.push_back(&r);
  }
  if (order_ != Order::Batch)
    std::stable_sort(out.begin(), out.end(), [&](const SampleRow* a, const SampleRow* b) {
      return order_ == Order::BestFirst ? a->reward > b->reward : a->reward < b->reward;
    });
  return out;
}

void CompletionsPanel::draw_ui() {
  begin_panel("##completions", "Completions");
  if (rows_.empty()) {
    ImGui::TextDisabled("%s", hint_.isEmpty() ? "No rollouts yet." : hint_.toUtf8().constData());
    ImGui::End();
    return;
  }
  draw_scrubber(0);
  draw_summary();
  draw_controls();
  draw_header();
  ImGui::BeginChild("##rows", ImVec2(0, 0), false);
  if (!followed_.empty()) {
    ImGui::Text("Following %s across %zu completions", followed_.c_str(), followed_rows_.size());
    ImGui::SameLine();
    if (ImGui::SmallButton("stop following")) follow("");
    int64_t last_step = -1;
    for (const auto& r : followed_rows_) {
      if (r.step != last_step) {
        ImGui::PushFont(bold_font());
        ImGui::Text("step %lld", (long long)r.step);
        ImGui::PopFont();
        last_step = r.step;
      }
      draw_row(r);
    }
  } else {
    int last_group = -1;
    for (const SampleRow* r : visible()) {
      if (order_ == Order::Batch && r->group != last_group) {
        ImGui::Separator();
        ImGui::PushFont(bold_font());
        ImGui::Text("%s", r->prompt.c_str());
        ImGui::PopFont();
        ImGui::SameLine();
        if (zero_spread(*r)) {
          ImGui::TextColored(ImVec4(0.6f, 0.6f, 0.6f, 1), " zero spread (no gradient)");
          ImGui::SameLine();
        }
        ImGui::PushID(r->group);
        if (ImGui::SmallButton("follow")) follow(r->prompt);
        ImGui::PopID();
        last_group = r->group;
      }
      draw_row(*r);
    }
  }
  ImGui::EndChild();
  ImGui::End();
}

void CompletionsPanel::draw_summary() {
  double correct = 0, reward = 0, truncated = 0;
  for (const auto& r : rows_) correct += r.component("accuracy") > 0, reward += r.reward, truncated += r.truncated;
  const double n = double(rows_.size());
  std::map<int, int> groups;
  for (const auto& r : rows_) groups[r.group]++;
  ImGui::Text(
      "step %lld: %zu prompts x %d completions   accuracy %.2f   mean reward %.3f   zero-spread groups %zu   "
      "truncated %.0f",
      (long long)step_, groups.size(), groups.empty() ? 0 : groups.begin()->second, correct / n, reward / n,
      flat_groups_.size(), truncated);
}

void CompletionsPanel::draw_controls() {
  int f = int(filter_), c = int(colour_by_), o = int(order_);
  ImGui::SetNextItemWidth(120);
  if (ImGui::Combo("show", &f, kFilterNames, IM_ARRAYSIZE(kFilterNames))) filter_ = Filter(f);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(120);
  if (ImGui::Combo("order", &o, kOrderNames, IM_ARRAYSIZE(kOrderNames))) order_ = Order(o);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(110);
  if (ImGui::Combo("tokens by", &c, kColourNames, IM_ARRAYSIZE(kColourNames))) colour_by_ = ColourBy(c);
}

void CompletionsPanel::draw_header() {
  // The column names over the cells of draw_row: each component, the advantage, the length.
  for (const auto& [name, v] : rows_.front().components) {
    const std::string label = name.substr(0, 4);
    const ImVec2 at = ImGui::GetCursorScreenPos();
    ImGui::GetWindowDrawList()->AddText(ImVec2(at.x + (34 - ImGui::CalcTextSize(label.c_str()).x) * 0.5f, at.y),
                                        ImGui::GetColorU32(ImGuiCol_TextDisabled), label.c_str());
    ImGui::Dummy(ImVec2(34, ImGui::GetTextLineHeight()));
    ImGui::SameLine(0, 2);
  }
  ImGui::TextDisabled("  adv   len   completion (token underlay: %s)", kColourNames[int(colour_by_)]);
}

void CompletionsPanel::draw_row(const SampleRow& r) {
  ImGui::PushID(r.index + int(r.step) * 100000);
  char buf[32];
  for (const auto& [name, v] : r.components) {
    std::snprintf(buf, sizeof buf, "%.2f", v);
    value_cell(red_to_green(v), buf, 34);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s %.3f", name.c_str(), v);
    ImGui::SameLine(0, 2);
  }
  std::snprintf(buf, sizeof buf, "%+.2f", r.advantage);
  value_cell(signed_colour(r.advantage, 1.0f), buf, 44);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("advantage %.3f, reward %.3f", r.advantage, r.reward);
  ImGui::SameLine(0, 6);
  ImGui::TextDisabled("%3zu%s", r.tokens.size(), r.truncated ? " cut" : "    ");
  ImGui::SameLine(0, 6);
  draw_text(r);
  ImGui::PopID();
}

void CompletionsPanel::draw_text(const SampleRow& r) {
  // Byte-level runs have one token per character: each character is underlaid by its token's
  // value. A BPE run's pieces are not in the store, so its text is drawn without underlay.
  const bool per_char = r.tokens.size() == r.completion.size() && r.logprobs.size() == r.tokens.size();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float h = ImGui::GetTextLineHeight();
  ImVec2 at = ImGui::GetCursorScreenPos();
  const ImVec2 start = at;
  const float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  const size_t think_end = r.completion.find("</think>");
  const size_t answer_at = r.completion.find("<answer>");
  int hovered = -1;
  for (size_t i = 0; i < r.completion.size(); ++i) {
    const char ch[2] = {r.completion[i] >= 32 && r.completion[i] < 127 ? r.completion[i] : '?', 0};
    const float w = ImGui::CalcTextSize(ch).x;
    if (at.x + w > right) at = ImVec2(start.x, at.y + h);
    if (per_char) {
      const ImU32 under = colour_by_ == ColourBy::LogProb   ? logprob_colour(r.logprobs[i])
                          : colour_by_ == ColourBy::Entropy ? entropy_colour(r.entropy[i])
                                                            : signed_colour(r.advantage, 0.5f);
      dl->AddRectFilled(at, ImVec2(at.x + w, at.y + h), under);
      if (ImGui::IsMouseHoveringRect(at, ImVec2(at.x + w, at.y + h))) hovered = int(i);
    }
    const bool thinking = think_end != std::string::npos && i < think_end + 8;
    const bool answer = answer_at != std::string::npos && i >= answer_at;
    const ImU32 fg = answer     ? rgb(0.05f, 0.35f, 0.1f)
                     : thinking ? rgb(0.45f, 0.45f, 0.45f)
                                : ImGui::GetColorU32(ImGuiCol_Text);
    dl->AddText(at, fg, ch);
    at.x += w;
  }
  ImGui::Dummy(ImVec2(std::max(1.0f, right - start.x), at.y - start.y + h));
  if (hovered >= 0)
    ImGui::SetTooltip("token %d '%c': log-prob %.3f, entropy %.3f", r.tokens[size_t(hovered)],
                      r.completion[size_t(hovered)], r.logprobs[size_t(hovered)], r.entropy[size_t(hovered)]);
}

}  // namespace r1wb::views

#include "views/inspect/inspection_feed.h"

#include "core/config/config.h"
#include "core/store/sample_rows.h"
#include "core/tasks/probe_tokens.h"
#include "core/wire/telemetry.h"
#include "views/charts/curriculum_view.h"
#include "views/inspect/attention_panel.h"
#include "views/inspect/completions_panel.h"
#include "views/inspect/routing_panel.h"

#include <algorithm>
#include <limits>
#include <optional>

namespace r1wb::views {
namespace {

constexpr int64_t kNewest = std::numeric_limits<int64_t>::max();

std::vector<std::string> tokens_at(Store& store, const RunRow& run, int64_t step) {
  auto ids = store.snapshot_at(run.id, telemetry::kProbeTokens, step);
  if (!ids) return {};
  const auto config = parse_experiment(run.config_json);
  const std::string tokenizer = config.ok() ? name_of(config.experiment.model.tokenizer) : "byte";
  return probe_token_texts(ids->data, tokenizer, run.run_dir);
}

// Every moe/L<i>/<what> metric of the run as one line per layer, in layer order.
std::vector<LayerSeries> layer_series(Store& store, int64_t run, const std::vector<std::string>& names,
                                      const std::string& what) {
  std::vector<std::pair<int, std::string>> layers;
  for (const auto& n : names) {
    int block = 0;
    std::string name;
    if (telemetry::parse_moe_layer_metric(n, &block, &name) && name == what) layers.emplace_back(block, n);
  }
  std::sort(layers.begin(), layers.end());
  std::vector<LayerSeries> out;
  for (const auto& [layer, name] : layers) {
    LayerSeries s{"L" + std::to_string(layer), {}};
    for (const auto& p : store.metric_points(run, name, std::numeric_limits<int64_t>::min()))
      s.points.emplace_back(p.step, float(p.value));
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

void InspectionFeed::completions(Store& store, const RunRow& run, CompletionsPanel& panel) {
  if (completions_run_ != run.id) {
    panel.follow_newest();
    if (!panel.followed_prompt().empty()) panel.follow("");
    completions_run_ = run.id;
  }
  const auto steps = sample_steps(store, run.id);
  if (steps.empty()) {
    if (!samples_.same(run.id, -1)) {
      panel.clear(QString::fromStdString(run.name) +
                  ": no rollouts (an rl run records them every rl.rollouts_every steps and at its end).");
      samples_ = {run.id, -1};
    }
    return;
  }
  if (panel.steps() != steps) panel.set_steps(steps);
  const int64_t want = panel.scrub_step() >= 0 ? panel.scrub_step() : steps.back();
  const auto after = std::upper_bound(steps.begin(), steps.end(), want);
  const int64_t step = after == steps.begin() ? steps.front() : *(after - 1);
  if (!samples_.same(run.id, step)) {
    panel.set_samples(step, samples_at(store, run.id, step));
    samples_ = {run.id, step};
  }
  const auto& prompt = panel.followed_prompt();
  if (prompt.empty()) {
    followed_prompt_.clear();
  } else if (prompt != followed_prompt_ || !followed_.same(run.id, steps.back())) {
    panel.set_followed(prompt, samples_of_prompt(store, run.id, prompt));
    followed_prompt_ = prompt;
    followed_ = {run.id, steps.back()};
  }
}

void InspectionFeed::routing(Store& store, const RunRow& run, RoutingPanel& panel) {
  const QString name = QString::fromStdString(run.name);
  if (routing_run_ != run.id) {
    panel.follow_newest();
    routing_run_ = run.id;
  }
  const int64_t want = panel.scrub_step() >= 0 ? panel.scrub_step() : kNewest;
  auto steps = store.snapshot_steps(run.id, telemetry::kExpertLoad);
  const bool has_probe = store.snapshot_step_at(run.id, telemetry::kProbeExpertChoice, kNewest).has_value();
  if (steps.empty() && !has_probe) {
    if (!load_.same(run.id, -1)) {
      panel.clear(
          name + ": no routing snapshot yet" +
          (run.status == RunStatus::Running ? QString(" (the runner sends one every few steps).") : QString(".")));
      load_ = {run.id, -1};
      history_ = probe_ = {};  // cleared with the panel: read again once there is data
    }
    return;
  }
  if (panel.steps() != steps) panel.set_steps(steps);
  // Which block each row is: the run's own config says (first_k_dense, MTP). Parsed only when
  // a snapshot is read, not on every refresh.
  std::optional<std::vector<std::string>> names_of_rows;
  auto row_names = [&]() -> const std::vector<std::string>& {
    if (!names_of_rows) {
      const auto config = parse_experiment(run.config_json);
      names_of_rows = config.ok() ? moe_layer_names(config.experiment.model) : std::vector<std::string>{};
    }
    return *names_of_rows;
  };
  // Steps first: a matrix is read from the store only when the panel does not hold it yet.
  const auto load_step = store.snapshot_step_at(run.id, telemetry::kExpertLoad, want);
  if (!load_step && !load_.same(run.id, -1)) {  // scrubbed before the first load snapshot
    panel.set_snapshot(ExpertLoad{});
    load_ = {run.id, -1};
  }
  if (load_step && !load_.same(run.id, *load_step)) {
    auto snap = store.snapshot_at(run.id, telemetry::kExpertLoad, *load_step);
    if (!snap) return;  // same connection and thread: only a corrupt row gets here
    ExpertLoad load;
    load.run_name = name;
    load.step = snap->step;
    load.rows = int(snap->rows);
    load.cols = int(snap->cols);
    load.data = std::move(snap->data);
    load.row_names = row_names();
    panel.set_snapshot(std::move(load));
    load_ = {run.id, panel.snapshot().step};
  }
  if (!history_.same(run.id, run.last_step)) {
    const auto names = store.metric_names(run.id);
    panel.set_history(layer_series(store, run.id, names, telemetry::kLayerLoadRatio),
                      layer_series(store, run.id, names, telemetry::kLayerRouterEntropy));
    history_ = {run.id, run.last_step};
  }
  const auto probe_step = store.snapshot_step_at(run.id, telemetry::kProbeExpertChoice, want);
  if (probe_step && !probe_.same(run.id, *probe_step)) {
    auto choice = store.snapshot_at(run.id, telemetry::kProbeExpertChoice, *probe_step);
    if (!choice) return;
    auto weight = store.snapshot_at(run.id, telemetry::kProbeExpertWeight, choice->step);
    ProbeRouting p;
    p.step = choice->step;
    p.tokens = tokens_at(store, run, choice->step);
    // Rows are layers x k, each labelled "layer <i> / choice <j>" by the runner; a run written
    // before the labels existed has its k counted from the config's MoE layers (no MTP).
    const int moe_rows = int(choice->rows);
    p.k = telemetry::probe_choices_per_layer(choice->row_labels);
    if (p.k == 0) {
      int layers = 0;
      for (const auto& n : row_names()) layers += n != "MTP";
      p.k = moe_rows / std::max(layers, 1);
    }
    p.layers = std::max(moe_rows / std::max(p.k, 1), 1);
    p.experts = std::move(choice->data);
    p.weights = weight && weight->data.size() == p.experts.size() ? std::move(weight->data)
                                                                  : std::vector<float>(p.experts.size(), 1.0f);
    if (p.tokens.size() == choice->cols) panel.set_probe(std::move(p));
    probe_ = {run.id, choice->step};
  }
}

void InspectionFeed::attention(Store& store, const RunRow& run, AttentionPanel& panel) {
  if (attention_run_ != run.id) {
    panel.follow_newest();
    attention_run_ = run.id;
  }
  const int64_t want = panel.scrub_step() >= 0 ? panel.scrub_step() : kNewest;
  if (attention_steps_run_ != run.id || panel.probe().run_name != QString::fromStdString(run.name) ||
      panel.steps().empty() || panel.steps().back() < run.last_step) {
    auto steps = store.snapshot_steps(run.id, telemetry::kProbeAttentionEntropy);
    if (panel.steps() != steps) panel.set_steps(std::move(steps));
    attention_steps_run_ = run.id;
  }
  const auto probe_step = store.snapshot_step_at(run.id, telemetry::kProbeAttentionEntropy, want);
  if (!probe_step) {
    if (!attention_.same(run.id, -1)) {
      panel.clear(QString::fromStdString(run.name) + ": no attention probe yet (telemetry.probe_every).");
      attention_ = {run.id, -1};
    }
    return;
  }
  const int layer = panel.selected_layer();
  if (attention_.same(run.id, *probe_step, layer)) return;  // the panel holds it: nothing read
  auto entropy = store.snapshot_at(run.id, telemetry::kProbeAttentionEntropy, *probe_step);
  if (!entropy) return;
  AttentionProbe p;
  p.run_name = QString::fromStdString(run.name);
  p.step = entropy->step;
  p.tokens = tokens_at(store, run, entropy->step);
  p.layers = int(entropy->rows);
  p.heads = int(entropy->cols);
  p.entropy = std::move(entropy->data);
  const int T = p.T();
  for (int l = 0; l < p.layers; ++l) {
    auto w = store.snapshot_at(run.id, telemetry::probe_attention(int(l)), p.step);
    if (!w || w->cols != uint32_t(T) || w->rows != uint32_t(p.heads * T)) {
      for (int h = 0; h < p.heads; ++h)
        p.thumbs.emplace_back(size_t(AttentionProbe::kThumb) * AttentionProbe::kThumb, 0.0f);
      continue;
    }
    for (int h = 0; h < p.heads; ++h)
      p.thumbs.push_back(AttentionProbe::thumbnail(w->data.data() + size_t(h) * T * T, T));
    if (l == std::clamp(layer, 0, p.layers - 1)) {  // only the chosen layer is kept whole
      p.layer = l;
      p.weights = std::move(w->data);
    }
  }
  panel.set_probe(std::move(p));
  attention_ = {run.id, panel.probe().step, layer};
}

void InspectionFeed::curriculum(Store& store, const RunRow& run, CurriculumView& view) {
  if (curriculum_.same(run.id, run.last_step)) return;
  curriculum_ = {run.id, run.last_step};
  CurriculumTimeline t;
  t.run_name = QString::fromStdString(run.name);
  t.total_steps = run.total_steps;
  t.current_step = run.last_step;
  const auto config = parse_experiment(run.config_json);
  if (config.ok()) t.min_difficulty = config.experiment.data.min_difficulty;
  for (int64_t step : store.snapshot_steps(run.id, telemetry::kCurriculumMix))
    if (auto s = store.snapshot_at(run.id, telemetry::kCurriculumMix, step))
      t.phases.push_back({s->step, std::move(s->data)});
  if (t.phases.empty()) {
    view.clear(t.run_name + ": no curriculum phases recorded (data.curriculum, or a run before its first step).");
    return;
  }
  for (const auto& p : store.metric_points(run.id, telemetry::kLoss, std::numeric_limits<int64_t>::min()))
    t.loss.emplace_back(p.step, p.value);
  view.set_timeline(std::move(t));
}

}  // namespace r1wb::views

#include "views/charts/chart_panel.h"

#include "core/store/run_lineage.h"
#include "views/charts/metric_chart.h"
#include "views/shell/theme.h"
#include "views/shell/workbench_context.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QSettings>
#include <QSlider>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

namespace r1wb::views {

ChartPanel::ChartPanel(WorkbenchContext& context, QWidget* parent)
    : QWidget(parent), context_(context), cache_(context.store()) {
  build_controls();
  lay_out();
  connect_controls();
}

void ChartPanel::build_controls() {
  chart_ = new MetricChart(this);
  chart_->setToolTip(
      "Wheel: zoom around the cursor. Drag: pan. Double-click: the whole run.\n"
      "Ctrl/Shift-click runs in the list to overlay them.");
  log_y_box_ = new QCheckBox("log y", this);
  log_y_box_->setObjectName("log_y");
  ancestors_box_ = new QCheckBox("ancestors", this);
  ancestors_box_->setObjectName("ancestors");
  ancestors_box_->setToolTip(
      "Draw each run after the runs it continues (base, SFT, RL), the steps running on across stages");
  smoothing_slider_ = new QSlider(Qt::Horizontal, this);
  smoothing_slider_->setRange(0, 99);
  smoothing_slider_->setTracking(false);  // smoothing recomputes every point: once, on release
  smoothing_slider_->setFixedWidth(80);
  smoothing_slider_->setToolTip("EMA smoothing of the line (TensorBoard's, debiased); the band stays the raw min/max.");
  smoothing_label_ = new QLabel("smooth 0.00", this);
  x_axis_box_ = new QComboBox(this);
  x_axis_box_->addItems({"step", "tokens", "wall time"});
  x_axis_box_->setToolTip(
      "x axis: optimizer steps, training tokens (train/tokens), or wall time since the first point");
  metric_box_ = new QComboBox(this);
  metric_box_->setMinimumContentsLength(12);
  metric_box_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  metric_box_->addItem(metric_);
  more_metrics_ = new QToolButton(this);
  more_metrics_->setObjectName("more_metrics");
  more_metrics_->setText("+");
  more_metrics_->setToolTip("Draw more metrics in the same chart (log y helps when their scales differ)");
  more_metrics_->setPopupMode(QToolButton::InstantPopup);
  more_metrics_->setMenu(new QMenu(more_metrics_));
  // The presets head the "+" menu (a submenu, kept when the menu's metrics are rebuilt).
  presets_ = new QMenu("Presets", more_metrics_);
  presets_->setToolTip("Metric sets for a kind of run, drawn in one chart");
  for (const auto& p : chart_presets()) {
    QAction* a = presets_->addAction(p.name);
    connect(a, &QAction::triggered, this, [this, p] { apply_preset(p); });
  }
  more_metrics_->menu()->addMenu(presets_);
}

const std::vector<ChartPreset>& chart_presets() {
  static const std::vector<ChartPreset> presets = {
      {"Pretraining: loss", "train/loss", {"train/aux_loss", "train/mtp_loss"}},
      // RL should move pass@k into pass@1: both on one axis, with the reward they follow.
      {"RL: reward and accuracy", "reward", {"rewards/accuracy/mean", "eval/accuracy", "eval/pass@k"}},
      {"RL: policy (KL, entropy, clipping)", "entropy", {"kl", "clip_ratio/region_mean", "frac_reward_zero_std"}},
      {"RL: completion length", "completions/mean_length", {"completions/min_length", "completions/max_length"}},
  };
  return presets;
}

void ChartPanel::apply_preset(const ChartPreset& p) {
  metric_ = p.metric;
  extra_metrics_ = p.extras;
  context_.refresh(*this);
}

void ChartPanel::lay_out() {
  auto* header = new QHBoxLayout;
  header->addWidget(section_title("Metrics", this));
  header->addStretch(1);
  header->addWidget(new QLabel("x", this));
  header->addWidget(x_axis_box_);
  header->addSpacing(6);
  header->addWidget(smoothing_label_);
  header->addWidget(smoothing_slider_);
  header->addSpacing(6);
  header->addWidget(log_y_box_);
  header->addWidget(ancestors_box_);
  header->addSpacing(6);
  header->addWidget(new QLabel("Metric", this));
  header->addWidget(metric_box_);
  header->addWidget(more_metrics_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(6, 6, 6, 6);  // the splitter handles do not touch the content
  layout->addLayout(header);
  layout->addWidget(chart_, 1);
}

void ChartPanel::connect_controls() {
  connect(metric_box_, &QComboBox::currentTextChanged, this, [this](const QString& m) {
    if (m.isEmpty() || m == metric_) return;
    metric_ = m;
    context_.refresh(*this);
  });
  connect(log_y_box_, &QCheckBox::toggled, chart_, &MetricChart::set_log_y);
  connect(ancestors_box_, &QCheckBox::toggled, this, [this] { context_.refresh(*this); });
  connect(x_axis_box_, &QComboBox::currentIndexChanged, this, [this](int i) {
    chart_->set_x_axis(i == 1 ? ChartAxis::Tokens : i == 2 ? ChartAxis::WallTime : ChartAxis::Step);
    ancestors_box_->setEnabled(i == 0);  // stages continue in steps; tokens and clocks restart
    context_.refresh(*this);
  });
  connect(smoothing_slider_, &QSlider::valueChanged, this, [this](int v) {
    smoothing_label_->setText(QString("smooth %1").arg(v / 100.0, 0, 'f', 2));
    context_.refresh(*this);
  });
}

void ChartPanel::save_settings(QSettings& s) const {
  s.setValue("chart/metric", metric_);
  s.setValue("chart/extra_metrics", extra_metrics_);
  s.setValue("chart/x_axis", x_axis_box_->currentText());
  s.setValue("chart/smoothing", smoothing_slider_->value());
  s.setValue("chart/log_y", log_y_box_->isChecked());
  s.setValue("chart/ancestors", ancestors_box_->isChecked());
}

void ChartPanel::restore_settings(const QSettings& s) {
  metric_ = s.value("chart/metric", metric_).toString();
  extra_metrics_ = s.value("chart/extra_metrics").toStringList();
  x_axis_box_->setCurrentText(s.value("chart/x_axis", "step").toString());
  smoothing_slider_->setValue(s.value("chart/smoothing", 0).toInt());
  log_y_box_->setChecked(s.value("chart/log_y", false).toBool());
  ancestors_box_->setChecked(s.value("chart/ancestors", false).toBool());
}

QStringList ChartPanel::offer_metrics(const QStringList& names) {
  QStringList shown;
  for (int i = 0; i < metric_box_->count(); ++i) shown << metric_box_->itemText(i);
  if (shown != names) {
    const QSignalBlocker block(metric_box_);
    metric_box_->clear();
    metric_box_->addItems(names);
  }
  metric_box_->setCurrentText(metric_);
  // The "+" menu offers every other metric of the run to draw in the same chart.
  QMenu* menu = more_metrics_->menu();
  QStringList offered;
  for (QAction* a : menu->actions())
    if (!a->menu() && !a->isSeparator()) offered << a->text();
  QStringList others = names;
  others.removeAll(metric_);
  if (offered != others) {
    menu->clear();
    menu->addMenu(presets_);
    menu->addSeparator();
    for (const QString& m : others) {
      QAction* a = menu->addAction(m);
      a->setCheckable(true);
      a->setChecked(extra_metrics_.contains(m));
      connect(a, &QAction::toggled, this, [this, m](bool on) {
        if (on && !extra_metrics_.contains(m)) extra_metrics_ << m;
        if (!on) extra_metrics_.removeAll(m);
        context_.refresh(*this);
      });
    }
  }
  for (QAction* a : menu->actions()) {  // a preset may have changed the choice
    if (a->menu() || a->isSeparator()) continue;
    const QSignalBlocker block(a);
    a->setChecked(extra_metrics_.contains(a->text()));
  }
  QStringList metrics{metric_};
  for (const QString& m : extra_metrics_)
    if (m != metric_ && names.contains(m)) metrics << m;
  more_metrics_->setText(metrics.size() > 1 ? QString("+%1").arg(metrics.size() - 1) : QString("+"));
  return metrics;
}

void ChartPanel::show(const Selection& selection) {
  if (selection.empty()) {
    chart_->clear(metric_, "Select a run to see its metrics.");
    return;
  }
  // Offer the primary run's metrics; keep the chosen one even before the run has logged it.
  QStringList names;
  for (const auto& m : context_.store().metric_names(selection.primary)) names << QString::fromStdString(m);
  if (!names.contains(metric_)) names.prepend(metric_);
  const QStringList metrics = drawn_ = offer_metrics(names);

  // Every selected run times every chosen metric; no cap (colours cycle beyond the palette).
  auto name_of = [this](int64_t id) { return context_.run_name(id); };
  const double smoothing = smoothing_slider_->value() / 100.0;
  // Each run with its ancestors first when asked for (a stage shared by two runs drawn once).
  std::vector<std::pair<int64_t, int64_t>> drawn_runs;  // (run, step offset)
  const auto& runs = context_.runs();
  const bool with_ancestors = ancestors_box_->isChecked() && chart_->x_axis() == ChartAxis::Step;
  for (int64_t run : selection.runs) {
    const RunRow* at = context_.run(run);  // an element of runs
    if (!with_ancestors || !at) {
      drawn_runs.emplace_back(run, 0);
      continue;
    }
    for (const auto& stage : lineage(runs, size_t(at - runs.data()))) {
      const std::pair<int64_t, int64_t> key{runs[stage.index].id, stage.step_offset};
      if (std::find(drawn_runs.begin(), drawn_runs.end(), key) == drawn_runs.end()) drawn_runs.push_back(key);
    }
  }
  std::vector<ChartSeries> series;
  for (const auto& [run, offset] : drawn_runs)
    for (const QString& m : metrics)
      series.push_back({metrics.size() > 1 ? name_of(run) + " \u00B7 " + m : name_of(run),
                        cache_.get(run, m.toStdString(), chart_->x_axis(), smoothing, offset)});
  const RunRow* row = context_.run(selection.primary);
  QString subtitle = name_of(selection.primary);
  if (selection.runs.size() > 1)
    subtitle = QString("%1 runs overlaid").arg(selection.runs.size());
  else if (drawn_runs.size() > 1)
    subtitle +=
        QString("  \u00B7  after %1 earlier stage%2").arg(drawn_runs.size() - 1).arg(drawn_runs.size() > 2 ? "s" : "");
  else if (row && row->last_step >= 0)
    subtitle += QString("  \u00B7  step %1 of %2").arg(row->last_step).arg(row->total_steps);
  chart_->set_series(std::move(series), metrics.join(", "), subtitle);
}

}  // namespace r1wb::views

#include "views/experiment/ablation_panel.h"

#include "core/config/config_schema.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <set>

namespace r1wb::views {
namespace {

constexpr int kRunIdRole = Qt::UserRole;
const char* kStats[] = {"final", "min", "max", "best"};

QString json_text(const nlohmann::json& v) { return QString::fromStdString(value_text(v)); }

// A cell that sorts by number when it holds one.
QTableWidgetItem* cell(const nlohmann::json& v) {
  auto* item = new QTableWidgetItem;
  if (v.is_number())
    item->setData(Qt::DisplayRole, v.get<double>());
  else
    item->setText(json_text(v));
  return item;
}

}  // namespace

AblationPanel::AblationPanel(QWidget* parent) : QWidget(parent) {
  auto* form = new QFormLayout;
  for (int a = 0; a < 2; ++a) {
    field_[a] = new QComboBox(this);
    field_[a]->setObjectName(QString("ablation_field_%1").arg(a));
    if (a == 1) field_[a]->addItem("(none)", QString());
    for (const auto& f : experiment_schema())
      if (f.type != FieldType::List && f.type != FieldType::String)
        field_[a]->addItem(QString::fromStdString(f.path), QString::fromStdString(f.path));
    field_[a]->setToolTip("The config field this axis varies");
    field_[a]->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    field_[a]->setMinimumContentsLength(12);
    values_[a] = new QLineEdit(this);
    values_[a]->setObjectName(QString("ablation_values_%1").arg(a));
    values_[a]->setPlaceholderText("values, comma-separated: 1, 2, 4");
    auto* row = new QHBoxLayout;
    row->addWidget(field_[a], 3);
    row->addWidget(values_[a], 2);
    form->addRow(a == 0 ? "Vary" : "and", row);
    connect(field_[a], &QComboBox::currentIndexChanged, this, [this, a] {
      // Start from the experiment's own value: the user adds the alternatives.
      const std::string path = field_[a]->currentData().toString().toStdString();
      values_[a]->setText(path.empty() || base_.is_null() ? QString() : json_text(value_at(base_, path)));
      update_plan();
    });
    connect(values_[a], &QLineEdit::textChanged, this, &AblationPanel::update_plan);
  }
  preview_ = new QLabel(this);
  preview_->setObjectName("ablation_preview");
  preview_->setWordWrap(true);
  preview_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  queue_ = new QPushButton("Queue runs", this);
  queue_->setObjectName("ablation_queue");
  queue_->setToolTip("Create one run per combination and queue them (the Queue tab sets how many run at once)");
  connect(queue_, &QPushButton::clicked, this, [this] {
    if (plan_.ok()) emit queue_requested();
  });
  auto* queue_row = new QHBoxLayout;
  queue_row->addWidget(preview_, 1);
  queue_row->addWidget(queue_);

  table_ = new QTableWidget(this);
  table_->setObjectName("ablation_results");
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::ExtendedSelection);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setSortingEnabled(true);
  table_->verticalHeader()->hide();
  table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 6);
  table_->horizontalHeader()->setDefaultSectionSize(84);
  connect(table_, &QTableWidget::itemSelectionChanged, this, [this] {
    if (filling_) return;
    std::vector<int64_t> ids;
    std::set<int> rows;
    for (auto* item : table_->selectedItems()) rows.insert(item->row());
    for (int r : rows) ids.push_back(table_->item(r, 0)->data(kRunIdRole).toLongLong());
    if (!ids.empty()) emit runs_selected(ids);
  });

  pivot_ = new QTableWidget(this);
  pivot_->setObjectName("ablation_pivot");
  pivot_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  pivot_metric_ = new QComboBox(this);
  pivot_metric_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  pivot_metric_->setMinimumContentsLength(12);
  pivot_stat_ = new QComboBox(this);
  for (const char* s : kStats) pivot_stat_->addItem(s);
  pivot_stat_->setCurrentText("best");
  connect(pivot_metric_, &QComboBox::currentTextChanged, this, &AblationPanel::fill_pivot);
  connect(pivot_stat_, &QComboBox::currentTextChanged, this, &AblationPanel::fill_pivot);
  auto* pivot_page = new QWidget(this);
  auto* pivot_controls = new QHBoxLayout;
  pivot_controls->addWidget(pivot_metric_, 1);
  pivot_controls->addWidget(pivot_stat_);
  auto* pivot_layout = new QVBoxLayout(pivot_page);
  pivot_layout->setContentsMargins(0, 2, 0, 0);
  pivot_layout->addLayout(pivot_controls);
  pivot_layout->addWidget(pivot_, 1);
  auto* results_tabs = new QTabWidget(this);
  results_tabs->setObjectName("ablation_result_tabs");
  results_tabs->addTab(table_, "Runs");
  results_tabs->addTab(pivot_page, "Pivot");

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(form);
  layout->addLayout(queue_row);
  auto* results_title = new QLabel("Results (click a header to sort; select rows to overlay their runs)", this);
  results_title->setStyleSheet("color: #6e7278;");
  results_title->setWordWrap(true);
  layout->addWidget(results_title);
  layout->addWidget(results_tabs, 1);
  set_axis(0, "model.moe.top_k", "");
  update_plan();
}

void AblationPanel::set_base(const nlohmann::json& resolved) {
  const bool first = base_.is_null();
  base_ = resolved;
  if (first)
    for (int a = 0; a < 2; ++a)
      if (values_[a]->text().isEmpty() && !field_[a]->currentData().toString().isEmpty())
        values_[a]->setText(json_text(value_at(base_, field_[a]->currentData().toString().toStdString())));
  update_plan();
}

void AblationPanel::set_axis(int axis, const QString& path, const QString& values) {
  const int i = field_[axis]->findData(path);
  if (i >= 0) field_[axis]->setCurrentIndex(i);
  values_[axis]->setText(values);
  update_plan();
}

std::vector<std::string> AblationPanel::axis_paths() const {
  std::vector<std::string> out;
  for (int a = 0; a < 2; ++a)
    if (const QString p = field_[a]->currentData().toString(); !p.isEmpty()) out.push_back(p.toStdString());
  return out;
}

void AblationPanel::update_plan() {
  std::vector<AblationAxis> axes;
  std::vector<std::string> errors;
  for (const auto& path : axis_paths())
    axes.push_back({path, parse_axis_values(path, values_[axes.size()]->text().toStdString(), errors)});
  if (base_.is_null()) errors.insert(errors.begin(), "the experiment in the editor is not valid");
  plan_ = errors.empty() ? expand_ablation(base_, axes) : AblationPlan{{}, errors};
  if (plan_.ok()) {
    preview_->setStyleSheet("color: #1e823c;");
    preview_->setText(QString("%1 runs").arg(plan_.cells.size()));
    queue_->setText(QString("Queue %1 runs").arg(plan_.cells.size()));
  } else {
    preview_->setStyleSheet("color: #c0392b;");
    QStringList lines;
    for (const auto& e : plan_.errors) lines << QString::fromStdString(e);
    preview_->setText(lines.join("\n"));
    queue_->setText("Queue runs");
  }
  queue_->setEnabled(plan_.ok());
}

void AblationPanel::set_pivot(const QString& metric, const QString& stat) {
  pivot_stat_->setCurrentText(stat);
  pivot_metric_->setCurrentText(metric);
  fill_pivot();
}

void AblationPanel::fill_pivot() {
  pivot_->clear();
  const std::string metric = pivot_metric_->currentText().toStdString();
  const QString stat = pivot_stat_->currentText();
  if (axis_paths_.empty() || metric.empty()) return;
  // Distinct values per axis, in the order the grid was queued (numbers ascending).
  auto distinct = [&](size_t a) {
    std::vector<nlohmann::json> out;
    for (const auto& r : rows_)
      if (a < r.axis_values.size() && std::find(out.begin(), out.end(), r.axis_values[a]) == out.end())
        out.push_back(r.axis_values[a]);
    std::sort(out.begin(), out.end());
    return out;
  };
  const auto down = distinct(0);
  const auto across = axis_paths_.size() > 1 ? distinct(1) : std::vector<nlohmann::json>{nullptr};
  pivot_->setRowCount(int(down.size()));
  pivot_->setColumnCount(int(across.size()));
  QStringList row_labels, col_labels;
  const QString row_field = QString::fromStdString(axis_paths_[0]).section('.', -1);
  for (const auto& v : down) row_labels << row_field + " = " + json_text(v);
  for (const auto& v : across)
    col_labels << (v.is_null() ? QString::fromStdString(metric) + " " + stat
                               : QString::fromStdString(axis_paths_[1]).section('.', -1) + " = " + json_text(v));
  pivot_->setVerticalHeaderLabels(row_labels);
  pivot_->setHorizontalHeaderLabels(col_labels);
  for (int i = 0; i < int(down.size()); ++i)
    for (int j = 0; j < int(across.size()); ++j) {
      // The newest run of the combination (a duplicate repeats a cell; the tooltip counts them).
      const ResultRow* hit = nullptr;
      int runs = 0;
      for (const auto& r : rows_) {
        if (r.axis_values.empty() || r.axis_values[0] != down[size_t(i)]) continue;
        if (!across[size_t(j)].is_null() && (r.axis_values.size() < 2 || r.axis_values[1] != across[size_t(j)]))
          continue;
        ++runs;
        if (!hit || r.run_id > hit->run_id) hit = &r;
      }
      auto* item = new QTableWidgetItem;
      if (hit) {
        auto m = hit->metrics.find(metric);
        if (m != hit->metrics.end()) {
          const double v = stat == "final" ? m->second.final
                           : stat == "min" ? m->second.min
                           : stat == "max" ? m->second.max
                                           : hit->best(metric);
          item->setText(std::isnan(v) ? QString("NaN") : QString::number(v, 'g', 5));
        }
        item->setToolTip(QString::fromStdString(hit->run_name) +
                         (runs > 1 ? QString(" (newest of %1 runs)").arg(runs) : QString()));
      }
      pivot_->setItem(i, j, item);
    }
}

int AblationPanel::column_of(const QString& metric, const QString& stat) const {
  const int m = int(metric_columns_.indexOf(metric));
  int s = -1;
  for (int i = 0; i < 4; ++i)
    if (stat == kStats[i]) s = i;
  return m < 0 || s < 0 ? -1 : fixed_columns_ + 4 * m + s;
}

void AblationPanel::set_results(const std::vector<std::string>& axis_paths, const std::vector<ResultRow>& rows) {
  std::set<int64_t> selected;
  for (auto* item : table_->selectedItems())
    selected.insert(table_->item(item->row(), 0)->data(kRunIdRole).toLongLong());
  // What a grid is judged by first: the loss, then the other training and evaluation
  // metrics; routing, data and throughput after.
  auto rank = [](const std::string& m) {
    int i = 0;
    for (const char* prefix : {"train/loss", "eval/", "rl/", "train/", "moe/", "data/", "curriculum/", "perf/"}) {
      if (m.rfind(prefix, 0) == 0) return i;
      ++i;
    }
    return i;
  };
  std::set<std::pair<int, std::string>> metrics;
  for (const auto& r : rows)
    for (const auto& [name, s] : r.metrics) metrics.insert({rank(name), name});

  axis_paths_ = axis_paths;
  rows_ = rows;
  filling_ = true;
  table_->setSortingEnabled(false);
  QStringList headers{"Run", "Status"};
  for (const auto& p : axis_paths) headers << QString::fromStdString(p);
  fixed_columns_ = int(headers.size());
  metric_columns_.clear();
  for (const auto& [rank_of, m] : metrics) {
    metric_columns_ << QString::fromStdString(m);
    for (const char* s : kStats) headers << QString::fromStdString(m) + "\n" + s;
  }
  table_->setColumnCount(int(headers.size()));
  table_->setHorizontalHeaderLabels(headers);
  for (int c = 0; c < table_->columnCount(); ++c) table_->horizontalHeaderItem(c)->setToolTip(headers[c]);
  for (size_t a = 0; a < axis_paths.size(); ++a)  // the field's last key; the tooltip has the path
    table_->horizontalHeaderItem(2 + int(a))->setText(QString::fromStdString(axis_paths[a]).section('.', -1));
  table_->setRowCount(int(rows.size()));
  for (int i = 0; i < int(rows.size()); ++i) {
    const ResultRow& r = rows[size_t(i)];
    auto* name = new QTableWidgetItem(QString::fromStdString(r.run_name));
    name->setData(kRunIdRole, qlonglong(r.run_id));
    table_->setItem(i, 0, name);
    table_->setItem(i, 1, new QTableWidgetItem(QString(status_name(r.status))));
    for (size_t a = 0; a < r.axis_values.size(); ++a) table_->setItem(i, 2 + int(a), cell(r.axis_values[a]));
    for (int m = 0; m < int(metric_columns_.size()); ++m) {
      const std::string metric = metric_columns_[m].toStdString();
      auto it = r.metrics.find(metric);
      for (int s = 0; s < 4; ++s) {
        auto* item = new QTableWidgetItem;
        if (it != r.metrics.end()) {
          const double v = s == 0   ? it->second.final
                           : s == 1 ? it->second.min
                           : s == 2 ? it->second.max
                                    : r.best(metric);
          if (std::isnan(v)) {  // a diverged run: said in words, never sorted as if it were best
            item->setText("NaN");
            item->setForeground(QColor(192, 57, 43));
          } else {
            item->setData(Qt::DisplayRole, v);
          }
        }
        table_->setItem(i, fixed_columns_ + 4 * m + s, item);
      }
    }
  }
  table_->setSortingEnabled(true);  // re-sorts by the header's current indicator
  QStringList offered;
  for (int i = 0; i < pivot_metric_->count(); ++i) offered << pivot_metric_->itemText(i);
  if (offered != metric_columns_) {
    const QString keep = pivot_metric_->currentText();
    const QSignalBlocker quiet(pivot_metric_);
    pivot_metric_->clear();
    pivot_metric_->addItems(metric_columns_);
    pivot_metric_->setCurrentText(keep.isEmpty() ? "train/loss" : keep);
  }
  fill_pivot();
  for (int i = 0; i < table_->rowCount(); ++i)
    if (selected.count(table_->item(i, 0)->data(kRunIdRole).toLongLong()))
      table_->selectionModel()->select(table_->model()->index(i, 0),
                                       QItemSelectionModel::Select | QItemSelectionModel::Rows);
  filling_ = false;
}

}  // namespace r1wb::views

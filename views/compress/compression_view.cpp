#include "views/compress/compression_view.h"

#include "views/compress/error_heatmap.h"

#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace r1wb::views {
namespace {

enum Column { kRun, kRole, kVariant, kStep, kSize, kSmaller, kAccuracy, kLoss, kSpeed, kColumns };

QString megabytes(int64_t bytes) { return QString::number(bytes / 1e6, 'f', bytes < 10'000'000 ? 3 : 1) + " MB"; }

QTableWidgetItem* cell(const QString& text, bool number = false) {
  auto* item = new QTableWidgetItem(text);
  item->setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled);
  if (number) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
  return item;
}

}  // namespace

CompressionView::CompressionView(std::vector<RunRow> runs, size_t selected, QString runner_path, QWidget* parent)
    : QDialog(parent), runs_(std::move(runs)), runner_(std::move(runner_path)) {
  for (const auto& place : compression_family(runs_, selected)) members_.push_back({place, std::nullopt, ""});
  const auto& root = runs_[members_.front().place.index];
  setWindowTitle(QString("Compression of %1").arg(QString::fromStdString(root.experiment)));
  auto* layout = new QVBoxLayout(this);
  auto* intro = new QLabel(
      QString("The lineage of <b>%1</b>: %2 run(s). Size is the exported weights; accuracy and loss are held out; "
              "tokens/s is the engine sampling each variant (quantized variants are simulated in float).")
          .arg(QString::fromStdString(root.name).toHtmlEscaped())
          .arg(members_.size()));
  intro->setWordWrap(true);
  layout->addWidget(intro);
  auto* controls = new QHBoxLayout;
  measure_missing_ = new QPushButton("Measure runs without a report");
  measure_all_ = new QPushButton("Measure all again");
  corpus_ = new QLineEdit;
  corpus_->setPlaceholderText("held-out text for text runs (--corpus)");
  controls->addWidget(measure_missing_);
  controls->addWidget(measure_all_);
  controls->addWidget(corpus_, 1);
  layout->addLayout(controls);
  progress_ = new QProgressBar;
  progress_->setRange(0, 1);
  progress_->setValue(0);
  progress_->setFormat("");
  progress_->hide();  // shown while measuring
  layout->addWidget(progress_);
  status_ = new QLabel;
  status_->setWordWrap(true);
  status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(status_);
  auto* split = new QSplitter(Qt::Vertical);
  table_ = new QTableWidget(0, kColumns);
  table_->setHorizontalHeaderLabels(
      {"Run", "Made by", "Variant", "Step", "Size", "x smaller", "Accuracy", "Loss", "Tokens/s"});
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::SingleSelection);
  table_->verticalHeader()->hide();
  table_->horizontalHeader()->setStretchLastSection(true);
  table_->setTextElideMode(Qt::ElideMiddle);
  split->addWidget(table_);
  heatmap_ = new ErrorHeatmap;
  auto* scroll = new QScrollArea;
  scroll->setWidget(heatmap_);
  scroll->setWidgetResizable(true);
  split->addWidget(scroll);
  split->setSizes({460, 300});
  layout->addWidget(split, 1);
  connect(measure_missing_, &QPushButton::clicked, this, [this] { measure(false); });
  connect(measure_all_, &QPushButton::clicked, this, [this] { measure(true); });
  connect(table_, &QTableWidget::currentCellChanged, this, [this](int row) { show_row(row); });
  connect(&process_, &QProcess::finished, this, &CompressionView::finished);
  connect(&process_, &QProcess::readyReadStandardError, this, [this] {
    const auto lines = QString::fromUtf8(process_.readAllStandardError()).trimmed().split('\n');
    if (!lines.isEmpty() && !lines.back().isEmpty())
      progress_->setFormat(QString("%1: %2").arg(current_, lines.back().trimmed()).replace('%', "%%"));  // % is the format's
  });
  connect(&process_, &QProcess::errorOccurred, this, [this](QProcess::ProcessError e) {
    if (e != QProcess::FailedToStart) return;
    pending_.clear();
    status_->setText("<span style='color:#c0392b'>The runner did not start (" + runner_.toHtmlEscaped() + "): " +
                     process_.errorString().toHtmlEscaped() + "</span>");
    progress_->setRange(0, 1);
    measure_missing_->setEnabled(true), measure_all_->setEnabled(true);
  });
  resize(1100, 820);
  reload();
}

void CompressionView::reload() {
  for (auto& m : members_) {
    m.report.reset();
    m.problem.clear();
    const auto& run = runs_[m.place.index];
    try {
      m.report = read_compression_report(compression_report_path(run.run_dir));
    } catch (const std::exception& e) {
      const std::string what = e.what();
      m.problem = what.find("no compression report") != std::string::npos ? "not measured"
                                                                          : QString::fromStdString(what);
    }
  }
  // Sizes relative to the lineage's float model (the root's float variant) when it is measured.
  int64_t float_bytes = 0;
  if (const auto& r = members_.front().report; r && !r->variants.empty() && r->variants.front().errors.empty())
    float_bytes = r->variants.front().bytes;
  table_->setRowCount(0);
  row_variant_.clear();
  int first_quantized = -1;
  for (size_t mi = 0; mi < members_.size(); ++mi) {
    const auto& m = members_[mi];
    const auto& run = runs_[m.place.index];
    const QString name = QString(m.place.depth * 3, ' ') + QString::fromStdString(run.name);
    const int n = m.report ? int(m.report->variants.size()) : 1;
    for (int v = 0; v < n; ++v) {
      const int row = table_->rowCount();
      table_->insertRow(row);
      row_variant_.push_back({int(mi), m.report ? v : -1});
      table_->setItem(row, kRun, cell(v == 0 ? name : ""));
      table_->setItem(row, kRole, cell(v == 0 ? QString::fromStdString(m.place.role) : ""));
      if (!m.report) {
        auto* problem = cell(m.problem);
        if (m.problem != "not measured") problem->setForeground(QColor(0xc0, 0x39, 0x2b));
        problem->setToolTip(m.problem);
        table_->setItem(row, kVariant, problem);
        continue;
      }
      const auto& var = m.report->variants[v];
      if (first_quantized < 0 && !var.errors.empty()) first_quantized = row;
      auto* variant = cell(QString::fromStdString(var.name));
      variant->setToolTip(QString::fromStdString(var.quant));
      table_->setItem(row, kVariant, variant);
      table_->setItem(row, kStep, cell(QString::number(m.report->step), true));
      table_->setItem(row, kSize, cell(megabytes(var.bytes), true));
      table_->setItem(row, kSmaller,
                      cell(float_bytes > 0 ? QString::number(double(float_bytes) / var.bytes, 'f', 2) + "x" : "",
                           true));
      table_->setItem(row, kAccuracy, cell(var.accuracy ? QString::number(*var.accuracy, 'f', 3) : "-", true));
      auto* loss = cell(QString::number(var.loss, 'f', 4), true);
      loss->setToolTip(QString::fromStdString(m.report->loss_kind));
      table_->setItem(row, kLoss, loss);
      table_->setItem(row, kSpeed, cell(QString::number(var.tokens_per_s, 'f', 0), true));
    }
  }
  table_->resizeColumnsToContents();
  for (int c = 0; c < kColumns; ++c) table_->setColumnWidth(c, std::min(table_->columnWidth(c), 320));
  QString damaged;
  for (const auto& m : members_)
    if (!m.report && m.problem != "not measured") damaged += "<br>" + m.problem.toHtmlEscaped();
  if (!busy())
    status_->setText(failures_.isEmpty() && damaged.isEmpty()
                         ? QString()
                         : "<span style='color:#c0392b'>" +
                               (failures_.isEmpty() ? QString() : "Not measured:" + failures_ + "<br>") +
                               (damaged.isEmpty() ? QString() : "Damaged reports (measure again):" + damaged) +
                               "</span>");
  table_->setCurrentCell(first_quantized >= 0 ? first_quantized : 0, kVariant);
  show_row(table_->currentRow());
  int missing = 0;
  for (const auto& m : members_) missing += m.report ? 0 : 1;
  measure_missing_->setText(missing ? QString("Measure %1 run(s) without a report").arg(missing)
                                    : QString("Every run has a report"));
  measure_missing_->setEnabled(missing > 0 && !busy());
}

void CompressionView::show_row(int row) {
  if (row < 0 || row >= int(row_variant_.size())) {
    heatmap_->show_errors("", {});
    return;
  }
  const auto [mi, v] = row_variant_[row];
  const auto& run = runs_[members_[mi].place.index];
  if (v < 0) {
    heatmap_->show_errors(QString::fromStdString(run.name) + ": no report yet", {});
    return;
  }
  const auto& var = members_[mi].report->variants[v];
  const QString title = QString::fromStdString(run.name + ", " + var.name);
  heatmap_->show_errors(var.errors.empty() ? title + ": float, nothing rounded" : title, var.errors);
}

void CompressionView::measure(bool all) {
  if (busy()) return;
  pending_.clear();
  for (size_t i = 0; i < members_.size(); ++i)
    if (all || !members_[i].report) pending_.push_back(i);
  total_ = pending_.size();
  failures_.clear();
  if (pending_.empty()) return;
  measure_missing_->setEnabled(false), measure_all_->setEnabled(false);
  progress_->setRange(0, int(total_));
  progress_->setValue(0);
  progress_->show();
  status_->clear();
  start_next();
}

void CompressionView::start_next() {
  const size_t mi = pending_.front();
  const auto& run = runs_[members_[mi].place.index];
  current_ = QString("run %1 of %2, %3").arg(total_ - pending_.size() + 1).arg(total_).arg(QString::fromStdString(run.name));
  progress_->setFormat(QString(current_).replace('%', "%%"));
  // Every run on the lineage root's evaluation prompts, so the rows compare.
  const auto& root = runs_[members_.front().place.index];
  QStringList args{"compress-report", QString::fromStdString(run.run_dir), "--as",
                   QString::fromStdString(root.run_dir + "/config.json")};
  if (!corpus_->text().trimmed().isEmpty()) args << "--corpus" << corpus_->text().trimmed();
  process_.setProcessChannelMode(QProcess::SeparateChannels);
  process_.start(runner_, args);
}

void CompressionView::finished(int code, QProcess::ExitStatus status) {
  const size_t mi = pending_.front();
  pending_.erase(pending_.begin());
  const auto& run = runs_[members_[mi].place.index];
  if (status != QProcess::NormalExit || code != 0) {
    const QString out = QString::fromUtf8(process_.readAllStandardOutput() + process_.readAllStandardError()).trimmed();
    failures_ += QString("<br><b>%1</b> (exit %2): %3")
                     .arg(QString::fromStdString(run.name).toHtmlEscaped())
                     .arg(status == QProcess::NormalExit ? QString::number(code) : QString("crashed"))
                     .arg(out.right(600).toHtmlEscaped());
  }
  progress_->setValue(int(total_ - pending_.size()));
  if (!pending_.empty()) {
    start_next();
    return;
  }
  progress_->setFormat(QString("measured %1 run(s)").arg(total_));
  measure_all_->setEnabled(true);
  reload();
  emit measured();
}

}  // namespace r1wb::views

#include "views/runs/export_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QJsonDocument>
#include <QJsonObject>
#include <QDir>
#include <QFileInfo>
#include <QFormLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace r1wb::views {
namespace {

QString size_text(double bytes) {
  if (bytes >= 1 << 20) return QString::number(bytes / (1 << 20), 'f', 2) + " MiB";
  return QString::number(bytes / 1024, 'f', 1) + " KiB";
}

}  // namespace

ExportDialog::ExportDialog(const RunRow& run, QString runner_path, QString store_path, QWidget* parent)
    : QDialog(parent), run_(run), runner_(std::move(runner_path)), store_(std::move(store_path)) {
  setWindowTitle(QString("Export %1").arg(QString::fromStdString(run.name)));
  auto* layout = new QVBoxLayout(this);
  auto* form = new QFormLayout;
  form->addRow("Run", new QLabel(QString::fromStdString(run.name + "  (" + run.run_dir + ")")));
  format_ = new QComboBox;
  format_->addItem("GGUF, for llama.cpp", "gguf");
  format_->addItem("safetensors, for Hugging Face", "safetensors");
  form->addRow("Format", format_);
  type_ = new QComboBox;
  form->addRow("Type", type_);
  step_ = new QSpinBox;
  step_->setRange(-1, 1 << 30);
  step_->setValue(-1);
  step_->setSpecialValueText("newest intact checkpoint");
  form->addRow("Checkpoint", step_);
  check_ = new QCheckBox("then check it with llama.cpp");
  check_->setChecked(true);
  check_->setToolTip("r1wb-run llama-check: llama.cpp loads the GGUF file and its next-token log-probs are compared "
                     "with the engine's on the same weights");
  form->addRow("", check_);
  layout->addLayout(form);
  export_ = new QPushButton("Export");
  export_->setDefault(true);
  layout->addWidget(export_);
  progress_ = new QProgressBar;
  progress_->setRange(0, 1);
  progress_->setValue(0);
  progress_->setTextVisible(true);
  progress_->setFormat("");
  layout->addWidget(progress_);
  result_ = new QLabel;
  result_->setWordWrap(true);
  result_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(result_);
  verdict_ = new QLabel;
  verdict_->setWordWrap(true);
  verdict_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(verdict_);
  output_ = new QPlainTextEdit;
  output_->setReadOnly(true);
  output_->setMaximumBlockCount(2000);
  output_->setPlaceholderText("the runner's output");
  layout->addWidget(output_, 1);
  earlier_ = new QLabel;
  earlier_->setWordWrap(true);
  earlier_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(earlier_);
  resize(640, 420);

  fill_types();
  list_exports();
  connect(format_, &QComboBox::currentIndexChanged, this, [this] { fill_types(); });
  connect(export_, &QPushButton::clicked, this, [this] { start(); });
  connect(&process_, &QProcess::finished, this, &ExportDialog::finished);
  connect(&process_, &QProcess::readyReadStandardOutput, this,
          [this] { output_->appendPlainText(QString::fromUtf8(process_.readAllStandardOutput()).trimmed()); });
  connect(&checker_, &QProcess::finished, this, &ExportDialog::check_finished);
  for (auto* p : {&process_, &checker_})
    connect(p, &QProcess::errorOccurred, this, [this, p](QProcess::ProcessError e) {
      if (e != QProcess::FailedToStart) return;
      (p == &process_ ? result_ : verdict_)
          ->setText("<span style='color:#c0392b'>The runner did not start (" + runner_ +
                    "): " + p->errorString().toHtmlEscaped() + "</span>");
      set_idle();
    });
  ticker_.setInterval(200);
  connect(&ticker_, &QTimer::timeout, this,
          [this] { progress_->setFormat(QString("%1... %2 s").arg(busy_what_).arg(clock_.elapsed() / 1000.0, 0, 'f', 1)); });
}

void ExportDialog::fill_types() {
  type_->clear();
  const bool gguf = format_->currentData().toString() == "gguf";
  const QStringList types = gguf ? QStringList{"f32", "f16", "bf16", "q8_0", "q4_0"}
                                 : QStringList{"f32", "f16", "bf16", "int8", "int4"};
  for (const auto& t : types) type_->addItem(t);
  type_->setToolTip(gguf ? "q8_0 and q4_0 are ggml's blocks of 32 values with one fp16 scale"
                         : "int8: one scale per output channel; int4: one scale per group of inputs");
  check_->setEnabled(gguf);
}

void ExportDialog::start() {
  QStringList args{"export", QString::fromStdString(run_.run_dir), "--format", format_->currentData().toString(),
                   "--type", type_->currentText(), "--store", store_};
  if (step_->value() >= 0) args << "--step" << QString::number(step_->value());
  output_->clear();
  result_->clear();
  verdict_->clear();
  output_->appendPlainText("r1wb-run " + args.join(' '));
  set_busy("exporting");
  process_.start(runner_, args);
}

void ExportDialog::set_busy(const QString& what) {
  busy_what_ = what;
  export_->setEnabled(false);
  progress_->setRange(0, 0);  // busy: neither an export nor the check has a step count to show
  clock_.start();
  ticker_.start();
}

void ExportDialog::set_idle() {
  ticker_.stop();
  progress_->setRange(0, 1);
  progress_->setValue(1);
  progress_->setFormat(QString("%1 s").arg(clock_.elapsed() / 1000.0, 0, 'f', 1));
  export_->setEnabled(true);
}

void ExportDialog::finished(int code, QProcess::ExitStatus status) {
  set_idle();
  const QString err = QString::fromUtf8(process_.readAllStandardError()).trimmed();
  if (status != QProcess::NormalExit || code != 0) {
    result_->setText("<span style='color:#c0392b'>Not exported: " + err.toHtmlEscaped().replace("\n", "<br>") +
                     "</span>");
    return;
  }
  // The runner's first stdout line: "<path>: <format>, <architecture>, <type>, ..."
  const auto lines = output_->toPlainText().split('\n');
  QString path;
  for (const auto& l : lines)
    if (l.contains(": GGUF, ") || l.contains(": safetensors, ")) path = l.section(": ", 0, 0);
  double bytes = 0;
  const QFileInfo info(path);
  if (info.isDir()) {
    for (const auto& f : QDir(path).entryInfoList(QDir::Files)) bytes += double(f.size());
  } else {
    bytes = double(info.size());
  }
  result_->setText("<span style='color:#1e8449'>Exported " + path.toHtmlEscaped() + " (" + size_text(bytes) +
                   ")</span>");
  list_exports();
  emit exported(path);
  if (check_->isEnabled() && check_->isChecked() && info.isFile()) start_check(path);
}

void ExportDialog::start_check(const QString& path) {
  QStringList args{"llama-check", QString::fromStdString(run_.run_dir), "--export", path, "--json"};
  if (step_->value() >= 0) args << "--step" << QString::number(step_->value());
  output_->appendPlainText("r1wb-run " + args.join(' '));
  verdict_->setText("<span style='color:#7f8c8d'>Checking with llama.cpp...</span>");
  set_busy("checking with llama.cpp");
  checker_.start(runner_, args);
}

void ExportDialog::check_finished(int code, QProcess::ExitStatus status) {
  set_idle();
  const QString err = QString::fromUtf8(checker_.readAllStandardError()).trimmed();
  const auto v = QJsonDocument::fromJson(checker_.readAllStandardOutput()).object();
  const QString verdict = v.value("verdict").toString(), message = v.value("message").toString();
  if (!err.isEmpty()) output_->appendPlainText(err);
  QString colour = "#c0392b", text = message;
  if (status != QProcess::NormalExit || verdict.isEmpty())
    text = "llama.cpp check did not finish (exit " + QString::number(code) + "): " + err;
  else if (verdict == "passed")
    colour = "#1e8449";
  else if (verdict == "not-run")
    colour = "#7f8c8d";
  verdict_->setText("<span style='color:" + colour + "'>" + text.toHtmlEscaped().replace("\n", "<br>") + "</span>");
}

QString ExportDialog::check_text() const { return verdict_->text(); }

QString ExportDialog::result_text() const { return result_->text(); }

void ExportDialog::list_exports() {
  QString text;
  try {
    Store store(store_.toStdString());
    for (const auto& e : store.exports(run_.id))
      text += QString("<br>step %1 &middot; %2 %3 &middot; %4 &middot; %5")
                  .arg(e.step)
                  .arg(QString::fromStdString(e.format), QString::fromStdString(e.type),
                       QString::fromStdString(e.path).toHtmlEscaped(), size_text(double(e.bytes)));
  } catch (const std::exception& e) {
    text = QString("<br>(the store cannot be read: %1)").arg(QString(e.what()).toHtmlEscaped());
  }
  earlier_->setText(text.isEmpty() ? "No exports of this run yet." : "Exports of this run:" + text);
}

}  // namespace r1wb::views

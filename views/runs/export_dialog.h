// Run > Export: a checkpoint of the selected run as a file the ecosystem loads, through the
// runner (`r1wb-run export`; the GUI never links the engine). Format (GGUF for llama.cpp,
// safetensors for Hugging Face) and type, the step (newest or one checkpoint), then Export:
// a busy bar with the elapsed time while the runner works, and the result: the file with its
// size and the exporter's notes, or the runner's error (a model a format cannot hold is
// refused with its fields). The export lands in the run's exports/ folder and in the store
// (the runner appends an Export record and ingests it with --store); the dialog lists the
// run's earlier exports from the store. A GGUF export is then checked by its real consumer
// (`r1wb-run llama-check`: llama.cpp loads it, its log-probs against the engine's on the same
// weights) and the verdict shown: passed, failed with the figure, or not run and how to install
// llama.cpp (the product does not ship it).
#pragma once
#include "core/store/store.h"

#include <QDialog>
#include <QElapsedTimer>
#include <QProcess>
#include <QTimer>

class QCheckBox;
class QComboBox;
class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace r1wb::views {

class ExportDialog : public QDialog {
  Q_OBJECT
 public:
  ExportDialog(const RunRow& run, QString runner_path, QString store_path, QWidget* parent = nullptr);
  QComboBox* format_box() const { return format_; }
  QComboBox* type_box() const { return type_; }
  QSpinBox* step_box() const { return step_; }
  QPushButton* export_button() const { return export_; }
  QCheckBox* check_box() const { return check_; }
  //! The last export's outcome in words (the file and size, or the error).
  QString result_text() const;
  //! The llama.cpp check's verdict on the last GGUF export ("" before one).
  QString check_text() const;
  bool busy() const {
    return process_.state() != QProcess::NotRunning || checker_.state() != QProcess::NotRunning;
  }

 signals:
  void exported(const QString& path);

 private:
  void fill_types();
  void start();
  void finished(int code, QProcess::ExitStatus status);
  void start_check(const QString& path);
  void check_finished(int code, QProcess::ExitStatus status);
  void set_busy(const QString& what);
  void set_idle();
  void list_exports();

  RunRow run_;
  QString runner_, store_;
  QComboBox *format_, *type_;
  QSpinBox* step_;
  QPushButton* export_;
  QCheckBox* check_;
  QProgressBar* progress_;
  QLabel *result_, *verdict_, *earlier_;
  QPlainTextEdit* output_;
  QProcess process_, checker_;
  QString busy_what_;
  QElapsedTimer clock_;
  QTimer ticker_;
};

}  // namespace r1wb::views

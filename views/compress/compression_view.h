// Run > Compare compression: one lineage's float model and everything made from it (QAT
// fine-tunes, distilled students, pruned models; core/store/compression_family.h) side by
// side, each as the variants its compression report holds (float, PTQ to each grid, or the
// grid it trained against): size of the exported weights and how much smaller than the float
// model, held-out accuracy and loss, sampled tokens/s. Selecting a row shows that variant's
// per-layer quantization error as a heatmap. Reports are measured by the runner
// (`r1wb-run compress-report`, one run after another, with progress, every run on the lineage
// root's evaluation prompts) and kept in each run
// directory, so opening the view again reads them; a damaged report is shown as such, named.
#pragma once
#include "core/formats/compression_report.h"
#include "core/store/compression_family.h"

#include <QDialog>
#include <QProcess>

#include <optional>

class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QTableWidget;

namespace r1wb::views {

class ErrorHeatmap;

class CompressionView : public QDialog {
  Q_OBJECT
 public:
  CompressionView(std::vector<RunRow> runs, size_t selected, QString runner_path, QWidget* parent = nullptr);
  QTableWidget* table() const { return table_; }
  ErrorHeatmap* heatmap() const { return heatmap_; }
  QPushButton* measure_missing_button() const { return measure_missing_; }
  QPushButton* measure_all_button() const { return measure_all_; }
  QLineEdit* corpus_edit() const { return corpus_; }
  QLabel* status_label() const { return status_; }
  bool busy() const { return process_.state() != QProcess::NotRunning || !pending_.empty(); }
  //! Re-reads every member's report and refills the table.
  void reload();

 signals:
  void measured();

 private:
  struct Member {
    FamilyMember place;
    std::optional<CompressionReport> report;
    QString problem;  //!< why there is no report (not measured, or damaged: the reader's words)
  };
  void measure(bool all);
  void start_next();
  void finished(int code, QProcess::ExitStatus status);
  void show_row(int row);

  std::vector<RunRow> runs_;
  std::vector<Member> members_;
  std::vector<std::pair<int, int>> row_variant_;  //!< per table row: member, variant (-1: none)
  QString runner_;
  QTableWidget* table_;
  ErrorHeatmap* heatmap_;
  QPushButton *measure_missing_, *measure_all_;
  QLineEdit* corpus_;
  QProgressBar* progress_;
  QLabel* status_;
  QProcess process_;
  std::vector<size_t> pending_;  //!< members still to measure
  size_t total_ = 0;
  QString current_, failures_;
};

}  // namespace r1wb::views

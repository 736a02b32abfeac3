// The selected run's log lines: a text filter and a minimum level, following the tail as
// the run streams (unless the user scrolled up or turned "follow" off). It keeps every
// line it was given, so changing the filter never loses any; the owner appends what the
// store has past last_seq().
#pragma once
#include "core/store/store.h"

#include <QWidget>

#include <vector>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;

namespace r1wb::views {

class LogView : public QWidget {
  Q_OBJECT
 public:
  explicit LogView(QWidget* parent = nullptr);

  //! Shows another run's lines (clears when run_id changes; a no-op for the same run).
  void set_run(int64_t run_id, const QString& name);
  int64_t run() const { return run_id_; }
  //! Adds lines that arrived (seq above last_seq()).
  void append(const std::vector<LogRow>& rows);
  uint64_t last_seq() const { return rows_.empty() ? 0 : rows_.back().seq; }

  void set_filter(const QString& text);
  //! 0 debug and up, 1 info and up, 2 warnings and errors, 3 errors only.
  void set_min_level(int level);
  //! The lines shown now, for tests.
  QStringList shown_lines() const;

 private:
  bool matches(const LogRow& r) const;
  QString format(const LogRow& r) const;
  void rebuild();
  void update_count();

  int64_t run_id_ = 0;
  std::vector<LogRow> rows_;
  int shown_ = 0;
  QLineEdit* filter_ = nullptr;
  QComboBox* level_ = nullptr;
  QCheckBox* follow_ = nullptr;
  QLabel* count_ = nullptr;
  QPlainTextEdit* text_ = nullptr;
};

}  // namespace r1wb::views

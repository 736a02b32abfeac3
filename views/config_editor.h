// The experiment editor: JSON text validated live against the experiment schema, with the
// Run and Stop buttons that act on it.
//
// Every edit restarts a short debounce timer; when it fires the text is parsed with
// parse_experiment() and each error is listed as "path: message", the offending lines are
// marked in the text, and Run is disabled until the document is valid again. Clicking an
// error moves the cursor to its line. Run hands out the resolved (defaults filled in)
// experiment; the editor itself starts nothing.
#pragma once
#include "core/config.h"

#include <QStringList>
#include <QWidget>

class QLabel;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QTimer;

namespace r1wb::views {

class ConfigEditor : public QWidget {
  Q_OBJECT
 public:
  explicit ConfigEditor(QWidget* parent = nullptr);

  //! Replaces the text (e.g. a loaded experiment file) and validates it at once.
  void set_text(const QString& text, const QString& source = {});
  QString text() const;
  //! Validates the current text now instead of waiting for the debounce.
  void validate_now();

  //! Enables Stop (the window's selected run is running or queued).
  void set_stop_enabled(bool enabled);

  bool is_valid() const { return result_.ok(); }
  //! True when Run can be clicked: the document is valid. Runs queue, so a run in progress
  //! does not block another.
  bool run_enabled() const { return result_.ok(); }
  //! The errors shown, each "path: message".
  QStringList errors() const;
  //! The last successful validation (valid only if is_valid()).
  const ConfigResult& result() const { return result_; }

  QPlainTextEdit* text_edit() const { return edit_; }
  QPushButton* run_button() const { return run_; }
  QPushButton* stop_button() const { return stop_; }

  //! Debounce between the last keystroke and validation.
  static constexpr int kDebounceMs = 150;

 signals:
  //! Run was clicked on a valid document.
  void run_requested();
  void stop_requested();
  //! Validation finished; `valid` tells the outcome.
  void validated(bool valid);

 private:
  void show_result();
  void mark_error_lines();
  int line_of(const ConfigError& e) const;

  QPlainTextEdit* edit_;
  QLabel* source_;
  QLabel* state_;
  QListWidget* error_list_;
  QPushButton* run_;
  QPushButton* stop_;
  QTimer* debounce_;
  ConfigResult result_;
};

}  // namespace r1wb::views

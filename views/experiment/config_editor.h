// The experiment editor: a form generated from the schema beside the JSON text, both
// validated live, with undo/redo, derive-and-diff, RL presets, a cost line, and the Run and Stop
// buttons.
//
// The text is the one source. Every edit restarts a short debounce timer; when it fires the
// text is parsed with parse_experiment(), each error is listed as "path: message", the
// offending lines are marked in the text and the fields in the form, and Run is disabled
// until the document is valid again. A form edit rewrites the text as one undoable step, so
// Undo/Redo walk back through form and text edits alike. Derive keeps the current document
// as the parent and lists every field changed since. Run hands out the resolved (defaults
// filled in) experiment; the editor itself starts nothing.
#pragma once
#include "core/config/config.h"
#include "core/config/model_cost.h"

#include <optional>

#include <QStringList>
#include <QWidget>

class QLabel;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QTimer;
class QToolButton;

namespace r1wb::views {

class ConfigForm;

class ConfigEditor : public QWidget {
  Q_OBJECT
 public:
  explicit ConfigEditor(QWidget* parent = nullptr);

  //! Replaces the text (e.g. a loaded experiment file) and validates it at once.
  void set_text(const QString& text, const QString& source = {});
  QString text() const;
  //! Validates the current text now instead of waiting for the debounce.
  void validate_now();

  //! Starts a derived experiment: `parent_text` (another experiment, e.g. a run's config)
  //! becomes the parent, the text becomes a copy of it renamed "<name>-derived", and the
  //! changes against the parent are listed from then on. Empty: derive from the current text.
  void derive(const QString& parent_text = {}, const QString& parent_label = {});
  //! The changes against the parent, each "path: before -> after"; empty when not derived.
  QStringList diff() const;
  //! This machine's measured training throughput, for the cost line's time estimate.
  void set_throughput(std::optional<Throughput> t);
  //! "params 1.2 M · active 0.6 M · ...": the cost line as shown.
  QString cost_text() const;

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
  ConfigForm* form() const { return form_; }
  QPushButton* undo_button() const { return undo_; }
  QPushButton* redo_button() const { return redo_; }
  QPushButton* derive_button() const { return derive_; }
  //! "RL preset": GRPO, Dr. GRPO, DAPO, GSPO, RLOO (core/config/rl_presets.h) as one undoable edit.
  QToolButton* rl_preset_button() const { return rl_preset_; }
  //! Sets stage rl and the preset's rl fields in the text, one undoable edit.
  void apply_rl_preset(const std::string& name);
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
  //! Applies a form edit to the text as one undoable step.
  void apply_field(const QString& path, const QString& value_json);
  void show_cost();
  void show_diff();
  void mark_error_lines();
  int line_of(const ConfigError& e) const;

  QPlainTextEdit* edit_;
  QLabel* source_;
  QLabel* state_;
  QListWidget* error_list_;
  QPushButton* run_;
  QPushButton* stop_;
  QPushButton *undo_, *redo_, *derive_;
  QToolButton* rl_preset_;
  ConfigForm* form_;
  QLabel* cost_;
  QListWidget* diff_list_;
  QTimer* debounce_;
  ConfigResult result_;
  nlohmann::json parent_;  // the experiment derived from; null when not derived
  QString parent_label_;
  std::optional<Throughput> throughput_;
};

}  // namespace r1wb::views

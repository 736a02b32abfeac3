#include "views/experiment/config_editor.h"

#include "core/config/rl_presets.h"

#include "core/config/config_diff.h"
#include "views/experiment/config_form.h"

#include <QAction>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QSplitter>
#include <QTextBlock>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include "core/jobs/progress_estimate.h"

namespace r1wb::views {
namespace {

constexpr int kLineRole = Qt::UserRole;
const char* kEditorOk = "QPlainTextEdit { border: 1px solid palette(mid); }";  // colours: the theme's
const char* kEditorBad = "QPlainTextEdit { border: 2px solid #c0392b; }";

}  // namespace

ConfigEditor::ConfigEditor(QWidget* parent)
    : QWidget(parent), edit_(new QPlainTextEdit(this)), source_(new QLabel(this)), state_(new QLabel(this)),
      error_list_(new QListWidget(this)), run_(new QPushButton("Run", this)), stop_(new QPushButton("Stop", this)),
      undo_(new QPushButton("Undo", this)), redo_(new QPushButton("Redo", this)),
      derive_(new QPushButton("Derive", this)), form_(new ConfigForm), cost_(new QLabel(this)),
      diff_list_(new QListWidget(this)), debounce_(new QTimer(this)) {
  auto* title = new QLabel("Experiment", this);
  QFont bold = title->font();
  bold.setBold(true);
  title->setFont(bold);
  source_->setStyleSheet("color: #6e7278;");
  source_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  source_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);  // a long path must not widen the window
  auto* header = new QHBoxLayout;
  header->addWidget(title);
  header->addWidget(source_, 1);

  QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
  edit_->setFont(mono);
  edit_->setTabStopDistance(QFontMetricsF(mono).horizontalAdvance(' ') * 2);
  edit_->setLineWrapMode(QPlainTextEdit::NoWrap);
  edit_->setStyleSheet(kEditorOk);
  edit_->setObjectName("config_text");

  state_->setObjectName("config_state");
  state_->setWordWrap(true);  // a long experiment name must not widen the window
  error_list_->setObjectName("config_errors");
  error_list_->setMaximumHeight(96);
  error_list_->setWordWrap(true);
  error_list_->setStyleSheet("QListWidget { color: #a3281f; border: 1px solid #e4b9b5; background: #fff6f5; }");
  error_list_->hide();

  run_->setObjectName("run_button");
  stop_->setObjectName("stop_button");
  run_->setDefault(true);
  run_->setMinimumWidth(80);
  stop_->setMinimumWidth(70);
  run_->setToolTip("Queue a training run of this experiment (Ctrl+R); it starts when a slot is free");
  stop_->setToolTip("Stop the selected run: it checkpoints and exits (a waiting run leaves the queue)");
  stop_->setEnabled(false);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(state_, 1);
  buttons->addWidget(stop_);
  buttons->addWidget(run_);

  undo_->setToolTip("Undo the last edit, in the form or the text (Ctrl+Z in the text)");
  redo_->setToolTip("Redo (Ctrl+Shift+Z in the text)");
  derive_->setToolTip(
      "Start a new experiment from this one: it is renamed, and every field you change is listed "
      "against this parent");
  undo_->setEnabled(false);
  redo_->setEnabled(false);
  for (auto* b : {undo_, redo_, derive_}) b->setAutoDefault(false);
  header->addWidget(undo_);
  header->addWidget(redo_);
  header->addWidget(derive_);
  rl_preset_ = new QToolButton(this);
  rl_preset_->setText("RL preset");
  rl_preset_->setToolTip("Make this an RL experiment with a recipe's settings: GRPO, Dr. GRPO, DAPO, GSPO, RLOO");
  rl_preset_->setPopupMode(QToolButton::InstantPopup);
  auto* presets = new QMenu(rl_preset_);
  for (const auto& p : rl_presets()) {
    const std::string name = p.name;
    connect(presets->addAction(QString::fromStdString(name)), &QAction::triggered, this,
            [this, name] { apply_rl_preset(name); });
  }
  rl_preset_->setMenu(presets);
  buttons->insertWidget(1, rl_preset_);  // beside Stop and Run: the header has no width to spare

  auto* scroll = new QScrollArea(this);
  scroll->setWidget(form_);
  scroll->setWidgetResizable(true);
  scroll->setObjectName("config_form");
  scroll->setMinimumWidth(120);
  auto* split = new QSplitter(Qt::Horizontal, this);
  split->addWidget(scroll);
  split->addWidget(edit_);
  split->setStretchFactor(0, 1);
  split->setStretchFactor(1, 1);
  split->setChildrenCollapsible(false);

  cost_->setObjectName("config_cost");
  cost_->setWordWrap(true);
  cost_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  diff_list_->setObjectName("config_diff");
  diff_list_->setMaximumHeight(90);
  diff_list_->setStyleSheet("QListWidget { color: #1f4e79; background: #f3f7fb; border: 1px solid #c9d8e8; }");
  diff_list_->hide();

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(header);
  layout->addWidget(split, 1);
  layout->addWidget(error_list_);
  layout->addWidget(diff_list_);
  layout->addWidget(cost_);
  layout->addLayout(buttons);

  connect(form_, &ConfigForm::field_edited, this, &ConfigEditor::apply_field);
  connect(edit_, &QPlainTextEdit::undoAvailable, undo_, &QPushButton::setEnabled);
  connect(edit_, &QPlainTextEdit::redoAvailable, redo_, &QPushButton::setEnabled);
  connect(undo_, &QPushButton::clicked, this, [this] {
    edit_->undo();
    validate_now();
  });
  connect(redo_, &QPushButton::clicked, this, [this] {
    edit_->redo();
    validate_now();
  });
  connect(derive_, &QPushButton::clicked, this, [this] { derive(); });

  debounce_->setSingleShot(true);
  debounce_->setInterval(kDebounceMs);
  connect(edit_, &QPlainTextEdit::textChanged, debounce_, qOverload<>(&QTimer::start));
  connect(debounce_, &QTimer::timeout, this, &ConfigEditor::validate_now);
  connect(run_, &QPushButton::clicked, this, [this] {
    validate_now();  // a keystroke inside the debounce window must not slip through
    if (run_enabled()) emit run_requested();
  });
  connect(stop_, &QPushButton::clicked, this, &ConfigEditor::stop_requested);
  connect(error_list_, &QListWidget::itemClicked, this, [this](QListWidgetItem* item) {
    const int line = item->data(kLineRole).toInt();
    if (line < 0) return;
    QTextCursor c(edit_->document()->findBlockByNumber(line));
    edit_->setTextCursor(c);
    edit_->setFocus();
  });
  validate_now();
}

void ConfigEditor::set_text(const QString& text, const QString& source) {
  source_->setText(source);
  source_->setToolTip(source);
  edit_->setPlainText(text);
  validate_now();
}

QString ConfigEditor::text() const { return edit_->toPlainText(); }

void ConfigEditor::validate_now() {
  debounce_->stop();
  const std::string text = edit_->toPlainText().toStdString();
  result_ = parse_experiment(text);
  form_->set_document(nlohmann::json::parse(text, nullptr, false), result_.errors);
  show_result();
  show_cost();
  show_diff();
  emit validated(result_.ok());
}

void ConfigEditor::set_stop_enabled(bool enabled) { stop_->setEnabled(enabled); }

void ConfigEditor::apply_field(const QString& path, const QString& value_json) {
  auto doc = nlohmann::ordered_json::parse(edit_->toPlainText().toStdString(), nullptr, false);
  if (!doc.is_object()) return;  // the form is disabled while the text does not parse
  try {
    doc[config_pointer(path.toStdString())] = nlohmann::ordered_json::parse(value_json.toStdString());
  } catch (const std::exception&) {
    // A section that is not an object ("model": 3): the error list already names it.
    state_->setText("Fix " + path.section('.', 0, -2) + " in the text first: it is not an object.");
    return;
  }
  // One edit block: a single Undo takes the whole form edit back.
  QTextCursor c(edit_->document());
  c.beginEditBlock();
  c.select(QTextCursor::Document);
  c.insertText(QString::fromStdString(doc.dump(2)));
  c.endEditBlock();
  validate_now();
}

void ConfigEditor::apply_rl_preset(const std::string& name) {
  auto doc = nlohmann::ordered_json::parse(edit_->toPlainText().toStdString(), nullptr, false);
  if (!doc.is_object()) return;
  for (const auto& p : rl_presets()) {
    if (p.name != name) continue;
    QTextCursor c(edit_->document());  // one edit block: a single Undo takes the preset back
    c.beginEditBlock();
    c.select(QTextCursor::Document);
    c.insertText(QString::fromStdString(r1wb::apply_rl_preset(doc, p).dump(2)));
    c.endEditBlock();
    validate_now();
  }
}

void ConfigEditor::derive(const QString& parent_text, const QString& parent_label) {
  const QString text = parent_text.isEmpty() ? edit_->toPlainText() : parent_text;
  auto doc = nlohmann::ordered_json::parse(text.toStdString(), nullptr, false);
  if (!doc.is_object()) return;
  parent_ = nlohmann::json::parse(text.toStdString());
  const std::string name =
      doc.contains("name") && doc["name"].is_string() ? doc["name"].get<std::string>() : "experiment";
  parent_label_ = parent_label.isEmpty() ? QString::fromStdString(name) : parent_label;
  doc["name"] = name + "-derived";
  QTextCursor c(edit_->document());
  c.beginEditBlock();
  c.select(QTextCursor::Document);
  c.insertText(QString::fromStdString(doc.dump(2)));
  c.endEditBlock();
  source_->setText("derived from " + parent_label_);
  validate_now();
}

QStringList ConfigEditor::diff() const {
  QStringList out;
  for (int i = 0; i < diff_list_->count(); ++i) out << diff_list_->item(i)->text();
  return out;
}

void ConfigEditor::show_diff() {
  diff_list_->clear();
  diff_list_->setVisible(!parent_.is_null());
  if (parent_.is_null()) return;
  const auto doc = nlohmann::json::parse(edit_->toPlainText().toStdString(), nullptr, false);
  if (doc.is_discarded()) return;
  const auto changes = diff_configs(parent_, doc);
  diff_list_->setToolTip("Changes against " + parent_label_);
  for (const auto& ch : changes) diff_list_->addItem(QString::fromStdString(to_string(ch)));
  if (changes.empty()) diff_list_->addItem("no changes against " + parent_label_ + " yet");
}

void ConfigEditor::set_throughput(std::optional<Throughput> t) {
  throughput_ = t;
  show_cost();
}

QString ConfigEditor::cost_text() const { return cost_->text(); }

void ConfigEditor::show_cost() {
  if (!result_.ok()) {
    cost_->setText("Cost: fix the errors to see parameters, FLOPs and time.");
    return;
  }
  const RunCost c = run_cost(result_.experiment);
  QString text = QString::fromUtf8("params %1 \u00B7 active %2 \u00B7 %3FLOP/token \u00B7 %4FLOP for %5 steps")
                     .arg(QString::fromStdString(si_number(double(c.model.params))),
                          QString::fromStdString(si_number(double(c.model.active_params))),
                          QString::fromStdString(si_number(c.train_flops_per_token)),
                          QString::fromStdString(si_number(c.total_flops)))
                     .arg(result_.experiment.train.steps);
  if (throughput_ && throughput_->flops_per_s > 0)
    text += QString::fromUtf8(" \u00B7 \u2248 %1 here (%2FLOP/s measured over %3 run%4)")
                .arg(QString::fromStdString(format_duration(c.total_flops / throughput_->flops_per_s)),
                     QString::fromStdString(si_number(throughput_->flops_per_s)))
                .arg(throughput_->runs)
                .arg(throughput_->runs == 1 ? "" : "s");
  else
    text += QString::fromUtf8(" \u00B7 time: no run finished on this machine yet to measure its throughput");
  cost_->setText(text);
}

QStringList ConfigEditor::errors() const {
  QStringList out;
  for (const auto& e : result_.errors) out << QString::fromStdString(e.to_string());
  return out;
}

void ConfigEditor::show_result() {
  error_list_->clear();
  for (const auto& e : result_.errors) {
    auto* item = new QListWidgetItem(QString::fromStdString(e.to_string()), error_list_);
    const int line = line_of(e);
    item->setData(kLineRole, line);
    if (line >= 0) item->setToolTip(QString("line %1; click to go there").arg(line + 1));
  }
  const bool ok = result_.ok();
  error_list_->setVisible(!ok);
  edit_->setStyleSheet(ok ? kEditorOk : kEditorBad);
  if (ok) {
    state_->setStyleSheet("color: #1e823c;");
    state_->setText(QString("\u2713 valid: %1, %2 steps")
                        .arg(QString::fromStdString(result_.experiment.name))
                        .arg(result_.experiment.train.steps));
  } else {
    const int n = int(result_.errors.size());
    state_->setStyleSheet("color: #c0392b; font-weight: bold;");
    state_->setText(QString("\u2717 %1 error%2: fix to run").arg(n).arg(n == 1 ? "" : "s"));
  }
  run_->setEnabled(run_enabled());
  mark_error_lines();
}

void ConfigEditor::mark_error_lines() {
  QList<QTextEdit::ExtraSelection> marks;
  for (const auto& e : result_.errors) {
    const int line = line_of(e);
    if (line < 0) continue;
    QTextEdit::ExtraSelection s;
    s.cursor = QTextCursor(edit_->document()->findBlockByNumber(line));
    s.format.setBackground(QColor(255, 222, 218));
    s.format.setProperty(QTextFormat::FullWidthSelection, true);
    marks << s;
  }
  edit_->setExtraSelections(marks);
}

// Best-effort location of an error in the text: the line a parse error names, or the line
// of the deepest key of the path that is present ("model" -> "moe" -> "top_k").
int ConfigEditor::line_of(const ConfigError& e) const {
  const QString text = edit_->toPlainText();
  if (e.path.empty()) {
    static const QRegularExpression at_line("at line (\\d+)");
    const auto m = at_line.match(QString::fromStdString(e.message));
    return m.hasMatch() ? m.captured(1).toInt() - 1 : -1;
  }
  int pos = -1, found = -1;
  for (const QString& key : QString::fromStdString(e.path).split('.')) {
    const int at = text.indexOf('"' + key + '"', pos + 1);
    if (at < 0) break;
    pos = found = at;
  }
  return found < 0 ? -1 : int(text.left(found).count('\n'));
}

}  // namespace r1wb::views

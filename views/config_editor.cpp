#include "views/config_editor.h"

#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QTextBlock>
#include <QTimer>
#include <QVBoxLayout>

namespace r1wb::views {
namespace {

constexpr int kLineRole = Qt::UserRole;
const char* kEditorOk = "QPlainTextEdit { border: 1px solid #b8bcc2; background: #ffffff; }";
const char* kEditorBad = "QPlainTextEdit { border: 2px solid #c0392b; background: #fffafa; }";

}  // namespace

ConfigEditor::ConfigEditor(QWidget* parent)
    : QWidget(parent),
      edit_(new QPlainTextEdit(this)),
      source_(new QLabel(this)),
      state_(new QLabel(this)),
      error_list_(new QListWidget(this)),
      run_(new QPushButton("Run", this)),
      stop_(new QPushButton("Stop", this)),
      debounce_(new QTimer(this)) {
  auto* title = new QLabel("Experiment", this);
  QFont bold = title->font();
  bold.setBold(true);
  title->setFont(bold);
  source_->setStyleSheet("color: #6e7278;");
  source_->setTextInteractionFlags(Qt::TextSelectableByMouse);
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
  run_->setMinimumWidth(90);
  stop_->setMinimumWidth(90);
  run_->setToolTip("Queue a training run of this experiment (Ctrl+R); it starts when a slot is free");
  stop_->setToolTip("Stop the selected run: it checkpoints and exits (a waiting run leaves the queue)");
  stop_->setEnabled(false);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(state_, 1);
  buttons->addWidget(stop_);
  buttons->addWidget(run_);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(header);
  layout->addWidget(edit_, 1);
  layout->addWidget(error_list_);
  layout->addLayout(buttons);

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
  result_ = parse_experiment(edit_->toPlainText().toStdString());
  show_result();
  emit validated(result_.ok());
}

void ConfigEditor::set_stop_enabled(bool enabled) { stop_->setEnabled(enabled); }

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

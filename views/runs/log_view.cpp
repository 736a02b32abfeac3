#include "views/runs/log_view.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QVBoxLayout>

namespace r1wb::views {

LogView::LogView(QWidget* parent) : QWidget(parent) {
  filter_ = new QLineEdit(this);
  filter_->setPlaceholderText("filter lines");
  filter_->setClearButtonEnabled(true);
  level_ = new QComboBox(this);
  level_->addItems({"debug+", "info+", "warnings+", "errors"});
  level_->setCurrentIndex(0);
  follow_ = new QCheckBox("follow", this);
  follow_->setChecked(true);
  follow_->setToolTip("Keep the newest line in view as the run streams");
  count_ = new QLabel(this);
  text_ = new QPlainTextEdit(this);
  text_->setReadOnly(true);
  text_->setLineWrapMode(QPlainTextEdit::NoWrap);
  QFont mono("monospace");
  mono.setStyleHint(QFont::Monospace);
  text_->setFont(mono);

  auto* bar = new QHBoxLayout;
  bar->addWidget(filter_, 1);
  bar->addWidget(level_);
  bar->addWidget(follow_);
  bar->addWidget(count_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(bar);
  layout->addWidget(text_, 1);

  connect(filter_, &QLineEdit::textChanged, this, [this] { rebuild(); });
  connect(level_, &QComboBox::currentIndexChanged, this, [this] { rebuild(); });
  update_count();
}

void LogView::set_run(int64_t run_id, const QString& name) {
  if (run_id == run_id_) return;
  run_id_ = run_id;
  rows_.clear();
  text_->setPlaceholderText(run_id ? name + ": no log lines yet." : "Select a run to see its log.");
  rebuild();
}

void LogView::set_filter(const QString& text) { filter_->setText(text); }

void LogView::set_min_level(int level) { level_->setCurrentIndex(level); }

bool LogView::matches(const LogRow& r) const {
  if (int(r.level) < level_->currentIndex()) return false;
  const QString f = filter_->text();
  return f.isEmpty() || QString::fromStdString(r.text).contains(f, Qt::CaseInsensitive);
}

QString LogView::format(const LogRow& r) const {
  static const char* names[] = {"debug", "info", "WARN", "ERROR"};
  const QString time = QDateTime::fromMSecsSinceEpoch(qint64(r.wall_time * 1000)).toString("HH:mm:ss");
  return QString("%1 %2 %3").arg(time, QString(names[int(r.level)]).leftJustified(5), QString::fromStdString(r.text));
}

void LogView::append(const std::vector<LogRow>& rows) {
  QScrollBar* bar = text_->verticalScrollBar();
  const bool at_bottom = bar->value() >= bar->maximum() - 2;
  for (const auto& r : rows) {
    if (r.seq <= last_seq()) continue;  // already held
    rows_.push_back(r);
    if (!matches(r)) continue;
    text_->appendPlainText(format(r));
    ++shown_;
  }
  if (follow_->isChecked() && at_bottom) bar->setValue(bar->maximum());
  update_count();
}

void LogView::rebuild() {
  QStringList lines;
  for (const auto& r : rows_)
    if (matches(r)) lines << format(r);
  shown_ = int(lines.size());
  text_->setPlainText(lines.join('\n'));
  if (follow_->isChecked()) text_->verticalScrollBar()->setValue(text_->verticalScrollBar()->maximum());
  update_count();
}

void LogView::update_count() { count_->setText(QString("%1 of %2 lines").arg(shown_).arg(rows_.size())); }

QStringList LogView::shown_lines() const {
  const QString all = text_->toPlainText();
  return all.isEmpty() ? QStringList() : all.split('\n');
}

}  // namespace r1wb::views

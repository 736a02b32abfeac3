#include "views/runs/run_list.h"

#include "views/runs/status_colour.h"

#include "core/jobs/progress_estimate.h"
#include "core/store/run_lineage.h"

#include <filesystem>

#include <QDateTime>
#include <QHeaderView>

namespace r1wb::views {
namespace {

constexpr int kRunRowIdRole = Qt::UserRole;

QString time_text(double unix_seconds) {
  if (unix_seconds <= 0) return QStringLiteral("\u2014");
  const QDateTime t = QDateTime::fromMSecsSinceEpoch(qint64(unix_seconds * 1000.0));
  return t.date() == QDate::currentDate() ? t.toString("HH:mm:ss") : t.toString("yyyy-MM-dd HH:mm");
}

QString step_text(const RunRow& r) {
  const QString done = r.last_step >= 0 ? QString::number(r.last_step) : QStringLiteral("\u2014");
  return r.total_steps > 0 ? done + " / " + QString::number(r.total_steps) : done;
}

QString duration_text(const RunRow& r) {
  if (r.started_at <= 0) return QStringLiteral("\u2014");
  const double end = r.finished_at > r.started_at ? r.finished_at : QDateTime::currentMSecsSinceEpoch() / 1000.0;
  return QString::fromStdString(format_duration(end - r.started_at));
}

QString tags_text(const RunRow& r) {
  QStringList tags;
  for (const auto& t : r.tags) tags << QString::fromStdString(t);
  return tags.join(", ");
}

}  // namespace

RunList::RunList(QWidget* parent) : QTreeWidget(parent) {
  setColumnCount(ColumnCount);
  setHeaderLabels({"Run", "Experiment", "Parent", "Status", "Step", "Progress", "Started", "Duration", "Host", "Tags"});
  setRootIsDecorated(false);
  setUniformRowHeights(true);
  setAlternatingRowColors(true);
  setSelectionMode(QAbstractItemView::ExtendedSelection);  // several runs overlay in the chart
  setAllColumnsShowFocus(true);
  header()->setStretchLastSection(true);
  header()->setSectionResizeMode(QHeaderView::Interactive);
  header()->setMinimumSectionSize(40);
  setColumnWidth(Name, 124);
  setColumnWidth(Experiment, 90);
  setColumnWidth(Parent, 90);
  setColumnWidth(Status, 82);
  setColumnWidth(Step, 74);
  setColumnWidth(Progress, 130);
  setColumnWidth(Started, 72);
  setColumnWidth(Duration, 80);
  setColumnWidth(Host, 80);
  connect(this, &QTreeWidget::itemSelectionChanged, this, [this] {
    if (!refreshing_) emit run_selected(selected_run());
  });
}

void RunList::set_runs(const std::vector<RunRow>& runs, const std::map<int64_t, QString>& eta) {
  const int64_t keep = selected_run();
  const std::vector<int64_t> keep_all = selected_runs();
  refreshing_ = true;
  // Update rows in place when the set of runs is unchanged (the common live case), so
  // the view neither flickers nor loses its scroll position.
  bool same = topLevelItemCount() == int(runs.size());
  for (int i = 0; same && i < int(runs.size()); ++i)
    same = topLevelItem(i)->data(Name, kRunRowIdRole).toLongLong() == runs[size_t(i)].id;
  if (!same) clear();
  for (int i = 0; i < int(runs.size()); ++i) {
    const RunRow& r = runs[size_t(i)];
    QTreeWidgetItem* item = same ? topLevelItem(i) : new QTreeWidgetItem(this);
    item->setData(Name, kRunRowIdRole, qlonglong(r.id));
    item->setText(Name, QString::fromStdString(r.name));
    item->setText(Experiment, QString::fromStdString(r.experiment));
    // The run this one continues (a later stage's init.run); its directory when not listed.
    const auto parent = parent_index(runs, r);
    const std::string parent_dir = parent ? std::string() : parent_dir_of(r);
    item->setText(Parent, parent ? QString::fromStdString(runs[*parent].name)
                                 : QString::fromStdString(std::filesystem::path(parent_dir).filename().string()));
    item->setText(Status, QString(status_name(r.status)));
    item->setForeground(Status, status_colour(r.status));
    item->setText(Step, step_text(r));
    QString progress;
    if (r.total_steps > 0 && r.last_step >= 0) progress = QString("%1 %").arg(int(100.0 * r.last_step / r.total_steps));
    if (const auto e = eta.find(r.id); e != eta.end()) progress += QString::fromUtf8(" \u00B7 ETA ") + e->second;
    item->setText(Progress, progress);
    item->setTextAlignment(Step, Qt::AlignRight | Qt::AlignVCenter);
    item->setText(Started, time_text(r.started_at > 0 ? r.started_at : r.created_at));
    item->setText(Duration, duration_text(r));
    // Where the run lives: a stored host by its name (the node's own name after it), else the
    // machine that ran it.
    item->setText(Host, r.target_host.empty() ? QString::fromStdString(r.host)
                                              : QString::fromStdString(r.target_host) +
                                                    (r.host.empty() ? QString() : " (" + QString::fromStdString(r.host) + ")"));
    item->setText(Tags, tags_text(r));
    QString tip = QString::fromStdString(r.run_dir);
    if (!r.target_host.empty()) tip = QString::fromStdString(r.target_host + ":" + r.remote_dir) + "\n" + tip;
    if (!r.message.empty()) tip += "\n" + QString::fromStdString(r.message);
    if (!r.notes.empty()) tip += "\n\n" + QString::fromStdString(r.notes);
    for (int c = 0; c < ColumnCount; ++c) item->setToolTip(c, tip);
  }
  for (int64_t id : keep_all)
    if (const int row = row_of(id); row >= 0) topLevelItem(row)->setSelected(true);
  if (const int row = row_of(keep); row >= 0) setCurrentItem(topLevelItem(row), 0, QItemSelectionModel::NoUpdate);
  refreshing_ = false;
  if (keep != 0 && row_of(keep) < 0) emit run_selected(0);
}

void RunList::select_run(int64_t run_id) {
  const int row = row_of(run_id);
  if (row < 0) return;
  setCurrentItem(topLevelItem(row));  // emits run_selected via itemSelectionChanged
}

void RunList::select_runs(const std::vector<int64_t>& run_ids) {
  refreshing_ = true;
  clearSelection();
  bool first = true;
  for (int64_t id : run_ids) {
    const int row = row_of(id);
    if (row < 0) continue;
    if (first) setCurrentItem(topLevelItem(row), 0, QItemSelectionModel::Select);
    topLevelItem(row)->setSelected(true);
    first = false;
  }
  refreshing_ = false;
  emit run_selected(selected_run());
}

int64_t RunList::selected_run() const {
  if (const QTreeWidgetItem* item = currentItem(); item && item->isSelected())
    return item->data(Name, kRunRowIdRole).toLongLong();
  const auto items = selectedItems();
  return items.isEmpty() ? 0 : items.front()->data(Name, kRunRowIdRole).toLongLong();
}

std::vector<int64_t> RunList::selected_runs() const {
  std::vector<int64_t> ids;
  for (int i = 0; i < topLevelItemCount(); ++i)
    if (topLevelItem(i)->isSelected()) ids.push_back(topLevelItem(i)->data(Name, kRunRowIdRole).toLongLong());
  return ids;
}

int RunList::row_of(int64_t run_id) const {
  for (int i = 0; i < topLevelItemCount(); ++i)
    if (topLevelItem(i)->data(Name, kRunRowIdRole).toLongLong() == run_id) return i;
  return -1;
}

QString RunList::cell(int row, Column column) const {
  const QTreeWidgetItem* item = topLevelItem(row);
  return item ? item->text(column) : QString();
}

}  // namespace r1wb::views

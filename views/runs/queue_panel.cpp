#include "views/runs/queue_panel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace r1wb::views {
namespace {
constexpr int kQueuedRunRole = Qt::UserRole;
}

QueuePanel::QueuePanel(QWidget* parent) : QWidget(parent) {
  list_ = new QTreeWidget(this);
  list_->setObjectName("queue_list");
  list_->setColumnCount(3);
  list_->setHeaderLabels({"Run", "Progress", "State"});
  list_->setRootIsDecorated(false);
  list_->header()->setStretchLastSection(true);
  list_->setColumnWidth(0, 130);
  list_->setColumnWidth(1, 140);
  concurrency_ = new QSpinBox(this);
  concurrency_->setObjectName("queue_concurrency");
  concurrency_->setRange(1, 64);
  concurrency_->setToolTip("How many runs execute at once; the rest wait in order");
  target_ = new QComboBox(this);
  target_->setObjectName("queue_target");
  target_->setToolTip("Where Run and ablation grids send new runs: this machine, or a host (Hosts tab)");
  target_->addItem("this machine", QString());
  stop_ = new QPushButton("Stop", this);
  stop_->setToolTip("Running: checkpoint and stop. Waiting: take it off the queue.");
  stop_->setEnabled(false);
  auto* row = new QHBoxLayout;
  row->addWidget(new QLabel("Run at most", this));
  row->addWidget(concurrency_);
  row->addWidget(new QLabel("at once here", this));
  row->addStretch(1);
  row->addWidget(stop_);
  auto* target_row = new QHBoxLayout;
  target_row->addWidget(new QLabel("New runs go to", this));
  target_row->addWidget(target_);
  target_row->addStretch(1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(list_, 1);
  layout->addLayout(row);
  layout->addLayout(target_row);
  connect(concurrency_, &QSpinBox::valueChanged, this, &QueuePanel::concurrency_changed);
  connect(list_, &QTreeWidget::itemSelectionChanged, this, [this] { stop_->setEnabled(list_->currentItem()); });
  connect(stop_, &QPushButton::clicked, this, [this] {
    if (auto* item = list_->currentItem()) emit stop_requested(item->data(0, kQueuedRunRole).toLongLong());
  });
}

int QueuePanel::entry_count() const { return list_->topLevelItemCount(); }

QString QueuePanel::target() const { return target_->currentData().toString(); }

void QueuePanel::set_hosts(const QStringList& hosts) {
  const QString keep = target();
  target_->clear();
  target_->addItem("this machine", QString());
  for (const auto& h : hosts) target_->addItem(h, h);
  const int at = target_->findData(keep);
  target_->setCurrentIndex(at >= 0 ? at : 0);
}

void QueuePanel::set_entries(const std::vector<QueueEntry>& entries) {
  const int64_t keep = list_->currentItem() ? list_->currentItem()->data(0, kQueuedRunRole).toLongLong() : 0;
  bool same = list_->topLevelItemCount() == int(entries.size());
  for (int i = 0; same && i < int(entries.size()); ++i)
    same = list_->topLevelItem(i)->data(0, kQueuedRunRole).toLongLong() == entries[size_t(i)].run_id;
  if (!same) list_->clear();
  for (int i = 0; i < int(entries.size()); ++i) {
    const QueueEntry& e = entries[size_t(i)];
    QTreeWidgetItem* item = same ? list_->topLevelItem(i) : new QTreeWidgetItem(list_);
    item->setData(0, kQueuedRunRole, qlonglong(e.run_id));
    item->setText(0, e.name);
    item->setText(2, e.detail);
    auto* bar = qobject_cast<QProgressBar*>(list_->itemWidget(item, 1));
    if (!bar) {
      bar = new QProgressBar(list_);
      bar->setRange(0, 1000);
      bar->setTextVisible(true);
      bar->setMaximumHeight(16);
      list_->setItemWidget(item, 1, bar);
    }
    bar->setValue(int(e.fraction * 1000));
    bar->setFormat(e.active ? QString("%1 %").arg(int(e.fraction * 100)) : QString("waiting"));
    if (e.run_id == keep) list_->setCurrentItem(item);
  }
  stop_->setEnabled(list_->currentItem());
}

}  // namespace r1wb::views

#include "views/runs/cluster_panel.h"
#include "views/runs/ssh_prompts.h"

#include "views/runs/status_colour.h"

#include "core/jobs/host_endpoint.h"
#include "core/slurm/slurm_queue.h"

#include <QComboBox>
#include <QCoreApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPointer>
#include <QPushButton>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <thread>

namespace r1wb::views {

struct ClusterPanel::Listing {
  bool ok = false;
  slurm::ClusterQueue queue;
  QString error;
};

ClusterPanel::ClusterPanel(Store& store, QString known_hosts, QWidget* parent)
    : QWidget(parent), store_(store), known_hosts_(std::move(known_hosts)) {
  host_box_ = new QComboBox(this);
  host_box_->setObjectName("cluster_host");
  host_box_->setToolTip("A Slurm login node of the Hosts tab");
  refresh_ = new QPushButton("Refresh", this);
  refresh_->setObjectName("cluster_refresh");
  refresh_->setToolTip("List your jobs now (one squeue --json); it also refreshes every 15 s while shown");
  jobs_ = new QTreeWidget(this);
  jobs_->setObjectName("cluster_jobs");
  jobs_->setColumnCount(ColumnCount);
  jobs_->setHeaderLabels({"Job", "State", "Run", "Elapsed", "Reason", "Nodes", "Job name"});
  jobs_->setRootIsDecorated(false);
  jobs_->setSortingEnabled(false);
  jobs_->header()->setStretchLastSection(true);
  for (auto [c, w] : {std::pair{Job, 56}, {State, 76}, {Run, 96}, {Elapsed, 56}, {Reason, 96}, {Nodes, 72}})
    jobs_->setColumnWidth(c, w);
  summary_ = new QLabel(this);
  summary_->setObjectName("cluster_summary");
  summary_->setWordWrap(true);
  auto* row = new QHBoxLayout;
  row->addWidget(new QLabel("Cluster", this));
  row->addWidget(host_box_, 1);
  row->addWidget(refresh_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(row);
  layout->addWidget(jobs_, 1);
  layout->addWidget(summary_);
  timer_ = new QTimer(this);
  timer_->setInterval(15000);
  connect(timer_, &QTimer::timeout, this, &ClusterPanel::refresh);
  connect(refresh_, &QPushButton::clicked, this, &ClusterPanel::refresh);
  connect(host_box_, &QComboBox::currentTextChanged, this, [this] {
    jobs_->clear();
    if (isVisible()) refresh();
  });
  reload_hosts();
}

ClusterPanel::~ClusterPanel() = default;  // a listing in flight holds its own state and never touches a dead panel

void ClusterPanel::reload_hosts() {
  const QString keep = host_box_->currentText();
  QSignalBlocker block(host_box_);
  host_box_->clear();
  for (const auto& h : store_.list_hosts())
    if (!h.slurm.empty()) host_box_->addItem(QString::fromStdString(h.name));
  if (const int i = host_box_->findText(keep); i >= 0) host_box_->setCurrentIndex(i);
  const bool any = host_box_->count() > 0;
  refresh_->setEnabled(any);
  if (!any)
    summary_->setText("No Slurm login node yet: add one in the Hosts tab (Slurm login node), or with "
                      "`r1wb-ctl hosts add NAME ... --slurm -`.");
}

void ClusterPanel::refresh() {
  const QString name = host_box_->currentText();
  const auto host = store_.host(name.toStdString());
  if (name.isEmpty() || !host || refreshing_) return;
  remote::SshEndpoint endpoint;
  try {
    endpoint = endpoint_of(*host, known_hosts_.toStdString());
  } catch (const std::exception& e) {
    summary_->setText(name + ": " + e.what());
    emit refreshed(false);
    return;
  }
  refreshing_ = true;
  refresh_->setEnabled(false);
  summary_->setText(name + ": asking squeue...");
  QPointer<ClusterPanel> self(this);
  std::thread([self, endpoint, name] {
    auto l = std::make_shared<Listing>();
    try {
      const auto session = app_ssh_pool()->session(endpoint, ssh_prompts());
      auto& ssh = *session;
      l->queue = slurm::list_queue(ssh);
      l->ok = true;
    } catch (const std::exception& e) {
      l->error = QString::fromStdString(e.what());
    }
    QMetaObject::invokeMethod(
        qApp,
        [self, l, name] {
          if (!self) return;
          self->refreshing_ = false;
          self->refresh_->setEnabled(true);
          self->show_listing(name, *l);
          emit self->refreshed(l->ok);
        },
        Qt::QueuedConnection);
  }).detach();
}

void ClusterPanel::show_listing(const QString& host, const Listing& l) {
  if (!l.ok) {
    summary_->setText(host + ": " + l.error);  // the last listing stays
    return;
  }
  if (host != host_box_->currentText()) return;  // the user picked another cluster meanwhile
  const QString keep = jobs_->currentItem() ? jobs_->currentItem()->text(Job) : QString();
  jobs_->clear();
  const auto runs = store_.list_runs();
  for (const auto& j : l.queue.jobs) {
    auto* item = new QTreeWidgetItem(jobs_);
    const RunStatus status = slurm::status_of(j);
    item->setText(Job, QString::fromStdString(j.id));
    item->setText(State, status_name(status));
    item->setForeground(State, status_colour(status));
    item->setToolTip(State, QString::fromStdString(slurm::describe(j)));
    item->setText(Elapsed, QString::fromStdString(slurm::format_duration(j.elapsed_s)));
    item->setText(Nodes, QString::fromStdString(j.nodes));
    item->setText(Reason, j.reason == "None" ? QString() : QString::fromStdString(j.reason));
    item->setText(Name, QString::fromStdString(j.name));
    for (const auto& r : runs)
      if (r.target_host == host.toStdString() && r.scheduler_job == j.id) item->setText(Run, QString::fromStdString(r.name));
    if (item->text(Job) == keep) jobs_->setCurrentItem(item);
  }
  summary_->setText(QString("%1: %2 job(s) of %3; squeue answered in %4 s")
                        .arg(host)
                        .arg(l.queue.jobs.size())
                        .arg(QString::fromStdString(l.queue.user))
                        .arg(l.queue.seconds, 0, 'f', 2));
}

void ClusterPanel::showEvent(QShowEvent* e) {
  QWidget::showEvent(e);
  timer_->start();
  refresh();
}

void ClusterPanel::hideEvent(QHideEvent* e) {
  QWidget::hideEvent(e);
  timer_->stop();
}

}  // namespace r1wb::views

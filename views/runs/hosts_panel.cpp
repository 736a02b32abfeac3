#include "views/runs/hosts_panel.h"
#include "views/runs/ssh_prompts.h"

#include "core/jobs/host_endpoint.h"
#include "core/remote/host_probe.h"
#include "core/remote/known_hosts.h"
#include "core/slurm/slurm_options.h"
#include "views/runs/runner_install_dialog.h"

#include <QCoreApplication>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QSpinBox>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <thread>

namespace r1wb::views {

//! One probe's outcome, filled on a worker thread and read on the GUI thread after `probed`.
struct HostsPanel::Probe {
  bool running = true, ready = false;
  QString text;
  std::optional<remote::HostKeyRefused> refused;  //!< the key offered, when it was not accepted
};

namespace {

//! "Slurm login node (partition=gpu ...)", or "" for a plain node.
QString slurm_text(const HostRow& h) {
  if (h.slurm.empty()) return {};
  std::string err;
  const auto o = slurm::options_from_json(h.slurm, err);
  return "Slurm login node (" + QString::fromStdString(o ? slurm::to_words(*o) : "unreadable options: " + err) + ")";
}

QString summary(const remote::HostProbe& p) {
  QString s = QString::fromStdString(p.os) + QString(", %1 CPUs, %2 GiB").arg(p.cpus).arg(double(p.memory_bytes) / (1 << 30), 0, 'f', 1);
  s += p.gpus.empty() ? QString(", no GPU") : QString(", %1 GPU (%2)").arg(p.gpus.size()).arg(QString::fromStdString(p.gpus[0]));
  if (!p.runner_version.empty())
    s += ", runner " + QString::fromStdString(p.runner_version + " (protocol " + p.runner_protocol + ")");
  for (const auto& problem : p.problems) s += "; problem: " + QString::fromStdString(problem);
  return s;
}

}  // namespace

HostsPanel::HostsPanel(Store& store, QString known_hosts, QWidget* parent)
    : QWidget(parent), store_(store), known_hosts_(std::move(known_hosts)) {
  list_ = new QTreeWidget(this);
  list_->setObjectName("hosts_list");
  list_->setColumnCount(ColumnCount);
  list_->setHeaderLabels({"Host", "Address", "Working directory", "Runner", "Runs", "Last probe"});
  list_->setRootIsDecorated(false);
  list_->header()->setStretchLastSection(true);
  list_->setColumnWidth(Name, 80);
  list_->setColumnWidth(Address, 170);
  list_->setColumnWidth(Workdir, 130);
  list_->setColumnWidth(Runner, 110);
  list_->setColumnWidth(MaxRuns, 40);
  details_ = new QLabel(this);
  details_->setObjectName("hosts_details");
  details_->setWordWrap(true);
  details_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  details_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
  details_->setMinimumHeight(72);
  add_ = new QPushButton("Add...", this);
  add_->setToolTip("A host by address, or by a Host entry of ~/.ssh/config");
  remove_ = new QPushButton("Remove", this);
  remove_->setToolTip("Forget the host (its runs and their files stay where they are)");
  probe_ = new QPushButton("Probe", this);
  probe_->setObjectName("hosts_probe");
  probe_->setToolTip("Connect (the host key checked against known_hosts) and ask what the host is");
  trust_ = new QPushButton("Trust key...", this);
  trust_->setObjectName("hosts_trust");
  trust_->setToolTip("Add the key the last probe was offered to known_hosts, after you compared its fingerprint");
  install_ = new QPushButton("Install runner...", this);
  install_->setObjectName("hosts_install");
  install_->setToolTip("Build and install r1wb-run on the host from its checkout of this release, output shown");
  auto* row = new QHBoxLayout;  // the host's own actions beside the list's, so the tab stays narrow
  for (auto* b : {add_, remove_, probe_}) row->addWidget(b);
  row->addStretch(1);
  auto* row2 = new QHBoxLayout;
  for (auto* b : {trust_, install_}) row2->addWidget(b);
  row2->addStretch(1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(list_, 1);
  layout->addWidget(details_);
  layout->addLayout(row);
  layout->addLayout(row2);
  confirm_ = [this](const QString& question) {
    return QMessageBox::question(this, "Trust host key", question, QMessageBox::Yes | QMessageBox::Cancel,
                                 QMessageBox::Cancel) == QMessageBox::Yes;
  };
  connect(list_, &QTreeWidget::itemSelectionChanged, this, &HostsPanel::update_buttons);
  connect(add_, &QPushButton::clicked, this, &HostsPanel::show_add_dialog);
  connect(remove_, &QPushButton::clicked, this, [this] {
    if (selected().isEmpty()) return;
    store_.remove_host(selected().toStdString());
    reload();
    emit hosts_changed();
  });
  connect(probe_, &QPushButton::clicked, this, [this] { probe(selected()); });
  connect(install_, &QPushButton::clicked, this, [this] { install_runner(selected()); });
  connect(trust_, &QPushButton::clicked, this, [this] {
    if (trust(selected())) probe(selected());
  });
  reload();
}

HostsPanel::~HostsPanel() = default;  // probe threads hold their own state and never touch a dead panel

QString HostsPanel::selected() const {
  return list_->currentItem() ? list_->currentItem()->text(Name) : QString();
}

void HostsPanel::update_buttons() {
  const QString name = selected();
  if (auto* item = list_->currentItem()) {
    const QString probe = probe_text(name);
    const QString slurm = item->data(Address, Qt::UserRole).toString();
    details_->setText("<b>" + name.toHtmlEscaped() + "</b>  " + item->text(Address).toHtmlEscaped() +
                      (slurm.isEmpty() ? QString() : "<br>" + slurm.toHtmlEscaped() + ": runs are submitted with sbatch") +
                      "<br>runs in " +
                      item->text(Workdir).toHtmlEscaped() + " with " + item->text(Runner).toHtmlEscaped() + "<br>" +
                      (probe.isEmpty() ? QString("not probed yet: Probe connects and asks what it is")
                                       : probe.toHtmlEscaped()));
  } else {
    details_->setText("Add a host by address or by a Host entry of ~/.ssh/config; runs go there from the Queue tab.");
  }
  remove_->setEnabled(!name.isEmpty());
  install_->setEnabled(!name.isEmpty());
  const auto it = probes_.find(name);
  const bool probing = it != probes_.end() && it->second->running;
  probe_->setEnabled(!name.isEmpty() && !probing);
  trust_->setEnabled(it != probes_.end() && !probing && it->second->refused &&
                     it->second->refused->check.verdict == remote::HostKeyVerdict::Unknown);
}

void HostsPanel::reload() {
  const QString keep = selected();
  list_->clear();
  for (const auto& h : store_.list_hosts()) {
    auto* item = new QTreeWidgetItem(list_);
    const QString name = QString::fromStdString(h.name);
    item->setText(Name, name);
    item->setText(Address, QString::fromStdString(address_of(h)) + (h.slurm.empty() ? "" : "  [Slurm]"));
    item->setData(Address, Qt::UserRole, slurm_text(h));
    item->setText(Workdir, QString::fromStdString(h.workdir));
    item->setText(Runner, QString::fromStdString(h.runner));
    item->setText(MaxRuns, QString::number(h.max_runs));
    item->setText(State, probe_text(name));
    item->setToolTip(State, probe_text(name));
    if (name == keep) list_->setCurrentItem(item);
  }
  update_buttons();
}

QString HostsPanel::probe_text(const QString& name) const {
  const auto it = probes_.find(name);
  return it == probes_.end() ? QString() : it->second->text;
}

void HostsPanel::probe(const QString& name) {
  const auto host = store_.host(name.toStdString());
  if (!host) return;
  auto state = std::make_shared<Probe>();
  state->text = "probing...";
  probes_[name] = state;
  reload();
  remote::SshEndpoint endpoint;
  try {
    endpoint = endpoint_of(*host, known_hosts_.toStdString());
  } catch (const std::exception& e) {
    state->running = false;
    state->text = QString("cannot connect: ") + e.what();
    reload();
    emit probed(name, false);
    return;
  }
  QPointer<HostsPanel> self(this);
  // The worker fills a result of its own; the GUI thread takes it over when it is done.
  std::thread([self, state, endpoint, name, runner = host->runner, workdir = host->workdir] {
    auto result = std::make_shared<Probe>();
    try {
      const auto session = app_ssh_pool()->session(endpoint, ssh_prompts());
      auto& ssh = *session;
      const auto p = remote::probe_host(ssh, runner, workdir);
      result->ready = p.problems.empty();
      result->text = summary(p);
    } catch (const remote::HostKeyRefused& e) {
      result->refused = e;
      result->text = QString::fromStdString(e.what());
    } catch (const std::exception& e) {
      result->text = QString("cannot connect: ") + e.what();
    }
    QMetaObject::invokeMethod(
        qApp,
        [self, state, result, name] {
          *state = *result;
          state->running = false;
          if (!self) return;
          self->reload();
          emit self->probed(name, state->ready);
        },
        Qt::QueuedConnection);
  }).detach();
}

bool HostsPanel::trust(const QString& name) {
  const auto it = probes_.find(name);
  if (it == probes_.end() || !it->second->refused) return false;
  const auto& refused = *it->second->refused;
  if (refused.check.verdict != remote::HostKeyVerdict::Unknown) return false;  // changed or revoked: never here
  const auto host = store_.host(name.toStdString());
  if (!host) return false;
  const auto endpoint = endpoint_of(*host, known_hosts_.toStdString());
  const QString question = QString("The host %1 (%2) offers the %3 key\n\n%4\n\nCompare it with `ssh-keygen -lf` of "
                                   "the host's key on the host itself. Trust it (add it to %5)?")
                               .arg(name, QString::fromStdString(endpoint.host),
                                    QString::fromStdString(refused.key_type),
                                    QString::fromStdString(refused.check.fingerprint), known_hosts_);
  if (!confirm_(question)) return false;
  remote::trust_host_key(known_hosts_.toStdString(), endpoint.host, endpoint.port, refused.key_type, refused.key_blob);
  it->second->refused.reset();
  it->second->text = "key trusted: " + QString::fromStdString(refused.check.fingerprint);
  reload();
  return true;
}

RunnerInstallDialog* HostsPanel::install_runner(const QString& name) {
  const auto host = store_.host(name.toStdString());
  if (!host) return nullptr;
  remote::SshEndpoint endpoint;
  try {
    endpoint = endpoint_of(*host, known_hosts_.toStdString());
  } catch (const std::exception& e) {
    details_->setText(name.toHtmlEscaped() + ": " + QString(e.what()).toHtmlEscaped());
    return nullptr;
  }
  auto* dialog = new RunnerInstallDialog(name, endpoint, this);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  connect(dialog, &RunnerInstallDialog::finished_install, this, [this, name](bool ok, const QString& runner) {
    if (!ok) return;
    if (auto h = store_.host(name.toStdString())) {
      h->runner = runner.toStdString();
      store_.put_host(*h);
      reload();
      probe(name);
    }
  });
  dialog->show();
  return dialog;
}

void HostsPanel::add(const HostRow& h) {
  store_.put_host(h);
  reload();
  emit hosts_changed();
}

void HostsPanel::show_add_dialog() {
  QDialog dialog(this);
  dialog.setWindowTitle("Add a host");
  auto* form = new QFormLayout(&dialog);
  auto field = [&](const char* label, const QString& placeholder) {
    auto* e = new QLineEdit(&dialog);
    e->setPlaceholderText(placeholder);
    form->addRow(label, e);
    return e;
  };
  auto* name = field("Name", "lab");
  auto* alias = field("~/.ssh/config Host", "(or the address below)");
  auto* address = field("Address", "gpu-node.example.org");
  auto* port = new QSpinBox(&dialog);
  port->setRange(1, 65535);
  port->setValue(22);
  form->addRow("Port", port);
  auto* user = field("User", "(your login name)");
  auto* key = field("Key file", "(the agent, then ~/.ssh/id_*)");
  auto* workdir = field("Working directory", "r1wb-runs");
  auto* runner = field("Runner", "r1wb-run");
  auto* runs = new QSpinBox(&dialog);
  runs->setRange(1, 64);
  form->addRow("Runs at once", runs);
  auto* slurm_words = field("Slurm options", "(empty: a plain node; '-' or partition=gpu time=4:00:00 gpus=1: Slurm)");
  slurm_words->setObjectName("hosts_slurm_options");
  slurm_words->setToolTip("A Slurm login node: runs are submitted with sbatch. Keys: partition, account, time, mem, "
                          "gpus, cpus_per_task, extra (one more sbatch option), signal_lead_s, stop_grace_s");
  slurm::SlurmOptions slurm_options;
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
  form->addRow(buttons);
  connect(buttons, &QDialogButtonBox::accepted, &dialog, [&] {
    if (name->text().trimmed().isEmpty() || (alias->text().isEmpty() == address->text().isEmpty())) {
      QMessageBox::warning(&dialog, "Add a host", "Give a name, and either a ~/.ssh/config Host or an address.");
      return;
    }
    slurm_options = {};
    if (const auto problem = slurm::set_options(slurm_options, slurm_words->text().toStdString()); !problem.empty()) {
      QMessageBox::warning(&dialog, "Add a host", "Slurm options: " + QString::fromStdString(problem));
      return;
    }
    dialog.accept();
  });
  connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
  if (dialog.exec() != QDialog::Accepted) return;
  HostRow h;
  h.name = name->text().trimmed().toStdString();
  h.ssh_alias = alias->text().trimmed().toStdString();
  h.host = address->text().trimmed().toStdString();
  h.port = port->value();
  h.user = user->text().trimmed().toStdString();
  h.identity_file = key->text().trimmed().toStdString();
  if (!workdir->text().trimmed().isEmpty()) h.workdir = workdir->text().trimmed().toStdString();
  if (!runner->text().trimmed().isEmpty()) h.runner = runner->text().trimmed().toStdString();
  h.max_runs = runs->value();
  if (!slurm_words->text().trimmed().isEmpty()) h.slurm = slurm::to_json(slurm_options);
  add(h);
}

}  // namespace r1wb::views

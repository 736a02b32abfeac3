// The hosts runs can go to (the store's hosts table, the same rows `r1wb-ctl hosts` edits): add,
// remove, probe and trust. A probe connects off the GUI thread and fills the host's row with what
// it found (OS, CPUs, memory, GPUs, runner), or why it could not; an unknown host key shows its
// SHA256 fingerprint, and "Trust key..." adds that key to known_hosts only after the user
// confirms that fingerprint. Nothing is trusted silently; a changed key is refused with its line.
#pragma once
#include "core/store/store.h"

#include <QWidget>

#include <functional>
#include <map>
#include <memory>
#include <string>

class QLabel;
class QPushButton;
class QTreeWidget;

namespace r1wb::views {

class RunnerInstallDialog;

class HostsPanel : public QWidget {
  Q_OBJECT
 public:
  HostsPanel(Store& store, QString known_hosts, QWidget* parent = nullptr);
  ~HostsPanel() override;

  //! Re-reads the hosts from the store.
  void reload();
  //! Probes a host in the background; `probed` is emitted when it answered or failed.
  void probe(const QString& name);
  //! Trusts the key the last probe of `name` was offered (after `confirm` said yes to its
  //! fingerprint); false when there is none to trust or the user declined.
  bool trust(const QString& name);

  QTreeWidget* list() const { return list_; }
  QLabel* details() const { return details_; }
  //! What the last probe of a host said (one line), empty before one.
  QString probe_text(const QString& name) const;
  //! Asks the user a yes/no question (a dialog; tests answer themselves).
  void set_confirm(std::function<bool(const QString&)> confirm) { confirm_ = std::move(confirm); }
  //! Adds (or replaces) a host and lists it; the Add... dialog ends here.
  void add(const HostRow& h);
  //! Opens the install dialog for a host (not modal); on success the host's runner becomes the
  //! installed one and the host is probed again. Null when the host is not in the store.
  RunnerInstallDialog* install_runner(const QString& name);

  enum Column { Name, Address, Workdir, Runner, MaxRuns, State, ColumnCount };

 signals:
  void probed(const QString& name, bool ready);
  //! The hosts changed (added, removed): the run target list follows.
  void hosts_changed();

 private:
  struct Probe;
  void show_add_dialog();
  void update_buttons();
  QString selected() const;
  Store& store_;
  QString known_hosts_;
  QTreeWidget* list_;
  QLabel* details_;  // the selected host's last probe in full (the column shows its start)
  QPushButton *add_, *remove_, *probe_, *trust_, *install_;
  std::map<QString, std::shared_ptr<Probe>> probes_;
  std::function<bool(const QString&)> confirm_;
};

}  // namespace r1wb::views

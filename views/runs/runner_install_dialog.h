// "Install runner..." of the Hosts tab: builds and installs r1wb-run on a host from the host's own
// checkout of this release (core/remote/runner_install.h) on a worker thread, the script's output
// shown as it comes; on success the host's runner becomes the installed one (absolute path).
#pragma once
#include "core/remote/ssh_session.h"

#include <QDialog>

#include <atomic>
#include <memory>

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace r1wb::views {

class RunnerInstallDialog : public QDialog {
  Q_OBJECT
 public:
  RunnerInstallDialog(const QString& host_name, remote::SshEndpoint endpoint, QWidget* parent = nullptr);
  ~RunnerInstallDialog() override;

  //! Starts the install with the checkout and prefix in the fields.
  void start();
  QLineEdit* checkout() const { return checkout_; }
  QLineEdit* prefix() const { return prefix_; }
  QPlainTextEdit* output() const { return output_; }
  QLabel* status() const { return status_; }

 signals:
  //! ok: the runner is at `runner` on the host; else `runner` is empty.
  void finished_install(bool ok, const QString& runner);

 private:
  QString host_name_;
  remote::SshEndpoint endpoint_;
  QLineEdit *checkout_, *prefix_;
  QPlainTextEdit* output_;
  QLabel* status_;
  QPushButton* start_;
  std::shared_ptr<std::atomic<bool>> cancel_ = std::make_shared<std::atomic<bool>>(false);
};

}  // namespace r1wb::views

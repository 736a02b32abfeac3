#include "views/runs/runner_install_dialog.h"
#include "views/runs/ssh_prompts.h"

#include "core/remote/runner_install.h"

#include <QCoreApplication>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QVBoxLayout>

#include <thread>

namespace r1wb::views {

RunnerInstallDialog::RunnerInstallDialog(const QString& host_name, remote::SshEndpoint endpoint, QWidget* parent)
    : QDialog(parent), host_name_(host_name), endpoint_(std::move(endpoint)) {
  setWindowTitle("Install the runner on " + host_name);
  checkout_ = new QLineEdit("~/r1-workbench", this);
  checkout_->setObjectName("install_checkout");
  checkout_->setToolTip("A checkout of this release on the host (git clone, then the same tag as the app)");
  prefix_ = new QLineEdit("~/.local", this);
  prefix_->setObjectName("install_prefix");
  output_ = new QPlainTextEdit(this);
  output_->setObjectName("install_output");
  output_->setReadOnly(true);
  output_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  output_->setMinimumSize(620, 260);
  status_ = new QLabel("Runs scripts/install-runner.sh PREFIX in the checkout over SSH (CMake, LibTorch and a "
                       "compiler on the host; several minutes). Its output shows here.",
                       this);
  status_->setWordWrap(true);
  start_ = new QPushButton("Install", this);
  start_->setObjectName("install_start");
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
  buttons->addButton(start_, QDialogButtonBox::ActionRole);
  auto* form = new QFormLayout;
  form->addRow("Checkout on the host", checkout_);
  form->addRow("Install prefix", prefix_);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(output_, 1);
  layout->addWidget(status_);
  layout->addWidget(buttons);
  connect(start_, &QPushButton::clicked, this, &RunnerInstallDialog::start);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

RunnerInstallDialog::~RunnerInstallDialog() { cancel_->store(true); }  // the worker stops following

void RunnerInstallDialog::start() {
  start_->setEnabled(false);
  output_->clear();
  status_->setText("Connecting to " + host_name_ + "...");
  QPointer<RunnerInstallDialog> self(this);
  const auto post = [self](auto f) {
    QMetaObject::invokeMethod(qApp, [self, f] { if (self) f(*self); }, Qt::QueuedConnection);
  };
  std::thread([endpoint = endpoint_, checkout = checkout_->text().toStdString(), prefix = prefix_->text().toStdString(),
               cancel = cancel_, post] {
    QString verdict, runner;
    bool ok = false;
    try {
      const auto session = app_ssh_pool()->session(endpoint, ssh_prompts());
      auto& ssh = *session;
      post([](RunnerInstallDialog& d) { d.status_->setText("Building on the host..."); });
      const int code = remote::install_runner(
          ssh, checkout, prefix,
          [&](const std::string& out) {
            post([text = QString::fromStdString(out)](RunnerInstallDialog& d) {
              d.output_->moveCursor(QTextCursor::End);
              d.output_->insertPlainText(text);
              d.output_->ensureCursorVisible();
            });
          },
          cancel.get());
      if (code == 0) {
        runner = QString::fromStdString(remote::installed_runner(ssh, prefix));
        ok = true;
        verdict = "Installed: the host's runner is now " + runner;
      } else {
        verdict = QString("The install ended with %1; its output is above.").arg(code);
      }
    } catch (const std::exception& e) {
      verdict = QString("The install did not run: ") + e.what();
    }
    post([ok, verdict, runner](RunnerInstallDialog& d) {
      d.status_->setText(verdict);
      d.start_->setEnabled(true);
      emit d.finished_install(ok, runner);
    });
  }).detach();
}

}  // namespace r1wb::views

// The Hosts tab and a run on a host, through a real OpenSSH server on 127.0.0.1 and the real
// runner as the node's: a probe refuses the unknown key and shows its fingerprint, Trust adds it
// only after the user confirms that fingerprint, the next probe reports the machine; a run sent
// to the host from the Queue tab's target trains there, streams into the run list (which says
// where it lives) and ends completed; a host that asks a one-time code after the key asks it in
// a dialog, once for the app's connection to it. Screenshots of each for people to look at.
#include "core/jobs/detached_runner.h"
#include "tests/support/ssh_test_host.h"
#include "tests/support/stub_checkout.h"
#include "tests/support/two_factor_host.h"
#include "tests/views/window_support.h"
#include "views/runs/hosts_panel.h"
#include "views/runs/queue_panel.h"
#include "views/runs/run_list.h"
#include "views/runs/runner_install_dialog.h"

#include <QComboBox>
#include <QInputDialog>
#include <QTimer>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTabWidget>
#include <QTreeWidget>

#include <filesystem>

namespace r1wb::views {

TEST(RemoteHosts, ProbeTrustAndARunOnTheHostFromTheQueueTab) {
  if (!runner_built()) GTEST_SKIP() << "r1wb-run not built";
  QTemporaryDir dir;
  r1wb::testing::SshTestHost node(std::filesystem::path(dir.path().toStdString()) / "sshd");
  WorkbenchOptions o = temp_options(dir);
  o.known_hosts = QString::fromStdString(node.known_hosts());
  auto w = open_shown(o);
  ASSERT_TRUE(w);
  HostsPanel* hosts = w->hosts_panel();
  hosts->add(node.host_row("lab", dir.filePath("node runs").toStdString(), R1WB_RUNNER));
  ASSERT_EQ(hosts->list()->topLevelItemCount(), 1);
  EXPECT_EQ(w->queue_panel()->target_box()->count(), 2) << "this machine and lab";
  hosts->list()->setCurrentItem(hosts->list()->topLevelItem(0));
  // The left tabs (a page's parent is the tab widget's stack).
  auto* tabs = qobject_cast<QTabWidget*>(hosts->parentWidget()->parentWidget());
  ASSERT_TRUE(tabs);

  // First probe: the key is unknown; its fingerprint shows and Trust becomes possible.
  QSignalSpy probed(hosts, &HostsPanel::probed);
  QTest::mouseClick(hosts->findChild<QPushButton*>("hosts_probe"), Qt::LeftButton);
  ASSERT_TRUE(probed.wait(20000));
  EXPECT_FALSE(probed.takeFirst().at(1).toBool());
  EXPECT_TRUE(hosts->probe_text("lab").contains("SHA256:")) << hosts->probe_text("lab").toStdString();
  auto* trust = hosts->findChild<QPushButton*>("hosts_trust");
  EXPECT_TRUE(trust->isEnabled());
  QString asked;
  hosts->set_confirm([&](const QString& q) {
    asked = q;
    return false;
  });
  QTest::mouseClick(trust, Qt::LeftButton);
  EXPECT_TRUE(asked.contains("SHA256:")) << asked.toStdString();
  EXPECT_FALSE(std::filesystem::exists(node.known_hosts())) << "declined: nothing trusted";
  hosts->set_confirm([](const QString&) { return true; });
  QTest::mouseClick(trust, Qt::LeftButton);  // trusts, then probes again
  ASSERT_TRUE(probed.wait(20000));
  EXPECT_TRUE(probed.takeFirst().at(1).toBool()) << hosts->probe_text("lab").toStdString();
  EXPECT_TRUE(hosts->probe_text("lab").contains("CPUs")) << hosts->probe_text("lab").toStdString();
  EXPECT_TRUE(hosts->probe_text("lab").contains("runner")) << hosts->probe_text("lab").toStdString();
  EXPECT_TRUE(hosts->details()->text().contains("CPUs")) << "the selected host's probe in full";
  tabs->setCurrentWidget(hosts);
  QTest::qWait(100);
  w->grab().save(test::screenshot_path("hosts_tab.png"));

  // A run sent to lab from the Queue tab.
  w->queue_panel()->target_box()->setCurrentIndex(1);
  EXPECT_EQ(w->queue_panel()->target(), "lab");
  auto doc = short_run(40);
  doc["train"]["threads"] = 1;  // ctest runs two suites at once on two cores
  w->editor()->set_text(QString::fromStdString(doc.dump(2)));
  ASSERT_TRUE(w->editor()->run_enabled());
  QTest::mouseClick(w->editor()->run_button(), Qt::LeftButton);
  ASSERT_TRUE(wait_for_run_end(*w, 120000));
  const auto runs = w->store().list_runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].target_host, "lab");
  EXPECT_EQ(runs[0].status, RunStatus::Completed) << runs[0].message;
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(runs[0].remote_dir) / "events.log"));
  EXPECT_EQ(w->store().count_metric_points(runs[0].id, "train/loss", int64_t(1) << 40), 8) << "every 5th of 40 steps";
  w->refresh();
  EXPECT_TRUE(w->run_list()->cell(0, RunList::Host).startsWith("lab")) << w->run_list()->cell(0, RunList::Host).toStdString();
  tabs->setCurrentWidget(w->queue_panel());
  w->run_list()->scrollToItem(w->run_list()->topLevelItem(0));
  w->run_list()->horizontalScrollBar()->setValue(w->run_list()->horizontalScrollBar()->maximum());  // Host shows
  QTest::qWait(100);
  w->grab().save(test::screenshot_path("remote_run.png"));

  // Delete: the node's directory goes on a worker while the window stays usable (a slow host
  // or a one-time code must not freeze it), then the store's row and the local directory.
  const std::filesystem::path node_dir = runs[0].remote_dir, local_dir = runs[0].run_dir;
  EXPECT_TRUE(std::filesystem::exists(local_dir)) << local_dir;
  w->run_list()->select_run(runs[0].id);
  w->set_confirm([](const QString&) { return true; });
  QTest::mouseClick(w->delete_button(), Qt::LeftButton);
  EXPECT_TRUE(w->statusBar()->currentMessage().startsWith("Deleting ")) << w->statusBar()->currentMessage().toStdString();
  EXPECT_FALSE(w->delete_button()->isEnabled()) << "not twice while the node's copy is being removed";
  // Closing now waits for it: the row must not outlive its node directory in the store.
  w->close();
  EXPECT_TRUE(w->isVisible()) << "closed with the node's directory half removed";
  for (int i = 0; i < 200 && !w->store().list_runs().empty(); ++i) QTest::qWait(100);
  EXPECT_TRUE(w->store().list_runs().empty()) << w->statusBar()->currentMessage().toStdString();
  EXPECT_FALSE(std::filesystem::exists(node_dir)) << node_dir;
  EXPECT_FALSE(std::filesystem::exists(local_dir)) << local_dir;
  EXPECT_TRUE(w->statusBar()->currentMessage().startsWith("Deleted ")) << w->statusBar()->currentMessage().toStdString();
  for (int i = 0; i < 50 && w->isVisible(); ++i) QTest::qWait(100);
  EXPECT_FALSE(w->isVisible()) << "then the window closes";
}

}  // namespace r1wb::views

namespace r1wb::views {

TEST(RemoteHosts, AHostAskingAOneTimeCodeAsksItInADialogOnceAndTheProbeGoesThrough) {
  ASSERT_TRUE(r1wb::testing::pam_service_installed()) << "scripts/install-test-consumers.sh writes its PAM service";
  QTemporaryDir dir;
  r1wb::testing::TwoFactorHost node(std::filesystem::path(dir.path().toStdString()) / "sshd");
  WorkbenchOptions o = temp_options(dir);
  o.known_hosts = QString::fromStdString(node.known_hosts());
  auto w = open_shown(o);
  ASSERT_TRUE(w);
  HostsPanel* hosts = w->hosts_panel();
  hosts->add(node.host_row("lab", dir.filePath("node").toStdString(), R1WB_RUNNER));
  hosts->list()->setCurrentItem(hosts->list()->topLevelItem(0));
  // The dialog runs its own event loop (the probe's worker waits for it): answer it from a timer.
  int dialogs = 0;
  QString label;
  bool hidden = false;
  QTimer answer;
  answer.setInterval(50);
  QObject::connect(&answer, &QTimer::timeout, [&] {
    auto* d = qobject_cast<QInputDialog*>(QApplication::activeModalWidget());
    if (!d || !d->isVisible()) return;
    ++dialogs;
    label = d->labelText();
    hidden = d->textEchoMode() == QLineEdit::Password;
    d->setTextValue(QString::fromStdString(r1wb::testing::totp(node.key, std::time(nullptr))));
    d->grab().save(test::screenshot_path("one-time-code.png"));
    d->accept();
  });
  answer.start();
  QSignalSpy probed(hosts, &HostsPanel::probed);
  QTest::mouseClick(hosts->findChild<QPushButton*>("hosts_probe"), Qt::LeftButton);
  ASSERT_TRUE(probed.wait(30000));
  answer.stop();
  EXPECT_TRUE(probed.takeFirst().at(1).toBool()) << hosts->probe_text("lab").toStdString();
  EXPECT_TRUE(hosts->probe_text("lab").contains("CPUs")) << hosts->probe_text("lab").toStdString();
  EXPECT_EQ(dialogs, 1);
  EXPECT_TRUE(label.contains("Verification code")) << label.toStdString();
  EXPECT_TRUE(hidden) << "the host said not to echo the code";
  // Probing again goes over the app's connection to the host: no second code.
  answer.start();
  QTest::mouseClick(hosts->findChild<QPushButton*>("hosts_probe"), Qt::LeftButton);
  ASSERT_TRUE(probed.wait(30000));
  answer.stop();
  EXPECT_TRUE(probed.takeFirst().at(1).toBool()) << hosts->probe_text("lab").toStdString();
  EXPECT_EQ(dialogs, 1) << "one code per connection, and the app keeps one per host";
}

TEST(RemoteHosts, ClosingTheAppLeavesTheRunGoingOnTheHostAndTheNextStartFollowsItToTheEnd) {
  if (!runner_built()) GTEST_SKIP() << "r1wb-run not built";
  QTemporaryDir dir;
  r1wb::testing::SshTestHost node(std::filesystem::path(dir.path().toStdString()) / "sshd");
  node.trust();
  WorkbenchOptions o = temp_options(dir);
  o.known_hosts = QString::fromStdString(node.known_hosts());
  Store(o.store_path.toStdString()).put_host(node.host_row("lab", dir.filePath("node").toStdString(), R1WB_RUNNER));
  const int steps = 150;
  int64_t id = 0;
  {
    auto w = open_shown(o);
    ASSERT_TRUE(w);
    w->queue_panel()->target_box()->setCurrentIndex(1);
    auto doc = short_run(steps);
    doc["train"]["threads"] = 1;  // ctest runs two suites at once on two cores
    w->editor()->set_text(QString::fromStdString(doc.dump(2)));
    QTest::mouseClick(w->editor()->run_button(), Qt::LeftButton);
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < 60000 && (w->store().list_runs().empty() || w->store().list_runs()[0].last_step < 20))
      QTest::qWait(50);
    id = w->store().list_runs().at(0).id;
    t.restart();
    w->close();  // no stop: the run is on lab
    EXPECT_LT(t.elapsed(), 3000) << "closing waits for nothing on a host";
    EXPECT_FALSE(w->isVisible());
  }
  Store store(o.store_path.toStdString());
  const auto left = *store.run(id);
  EXPECT_EQ(runner_status(left.remote_dir).state, RunnerState::Running) << "the runner goes on without the app";
  EXPECT_LT(left.last_step, steps);
  auto w = open_shown(o);
  ASSERT_TRUE(w);
  EXPECT_TRUE(w->run_active()) << "the next start follows it again";
  ASSERT_TRUE(wait_for_run_end(*w, 300000));
  const auto done = *w->store().run(id);
  EXPECT_EQ(done.status, RunStatus::Completed) << done.message;
  EXPECT_EQ(w->store().count_metric_points(id, "train/loss", int64_t(1) << 40), steps / 5) << "backfilled, once each";
}

}  // namespace r1wb::views

namespace r1wb::views {

TEST(RemoteHosts, InstallRunnerShowsTheHostsBuildOutputAndTheNextProbeFindsTheRunner) {
  if (!runner_built()) GTEST_SKIP() << "r1wb-run not built";
  QTemporaryDir dir;
  const std::filesystem::path root = dir.path().toStdString();
  r1wb::testing::SshTestHost node(root / "sshd");
  node.trust();
  WorkbenchOptions o = temp_options(dir);
  o.known_hosts = QString::fromStdString(node.known_hosts());
  auto w = open_shown(o);
  ASSERT_TRUE(w);
  HostsPanel* hosts = w->hosts_panel();
  hosts->add(node.host_row("lab", dir.filePath("node").toStdString(), "no-runner-yet"));
  r1wb::testing::write_stub_checkout(root / "broken checkout", R1WB_RUNNER, 3);
  r1wb::testing::write_stub_checkout(root / "checkout", R1WB_RUNNER);
  RunnerInstallDialog* d = hosts->install_runner("lab");
  ASSERT_TRUE(d);
  d->prefix()->setText(QString::fromStdString((root / "pre fix").string()));
  d->checkout()->setText(QString::fromStdString((root / "broken checkout").string()));
  QSignalSpy done(d, &RunnerInstallDialog::finished_install);
  QTest::mouseClick(d->findChild<QPushButton*>("install_start"), Qt::LeftButton);
  ASSERT_TRUE(done.wait(20000));
  EXPECT_FALSE(done.takeFirst().at(0).toBool());
  EXPECT_TRUE(d->output()->toPlainText().contains("error: no LibTorch found")) << d->output()->toPlainText().toStdString();
  EXPECT_TRUE(d->status()->text().contains("ended with 3")) << d->status()->text().toStdString();
  EXPECT_EQ(w->store().host("lab")->runner, "no-runner-yet") << "a failed install changes nothing";

  d->checkout()->setText(QString::fromStdString((root / "checkout").string()));
  QSignalSpy probed(hosts, &HostsPanel::probed);
  QTest::mouseClick(d->findChild<QPushButton*>("install_start"), Qt::LeftButton);
  ASSERT_TRUE(done.wait(20000));
  EXPECT_TRUE(done.takeFirst().at(0).toBool()) << d->status()->text().toStdString();
  EXPECT_TRUE(d->output()->toPlainText().contains("[3/3] compiling")) << d->output()->toPlainText().toStdString();
  EXPECT_EQ(w->store().host("lab")->runner, (root / "pre fix" / "bin" / "r1wb-run").string());
  ASSERT_TRUE(probed.wait(20000)) << "the host is probed again";
  EXPECT_TRUE(probed.takeFirst().at(1).toBool()) << hosts->probe_text("lab").toStdString();
  EXPECT_TRUE(hosts->probe_text("lab").contains("runner")) << hosts->probe_text("lab").toStdString();
  QTest::qWait(100);
  d->grab().save(test::screenshot_path("install_runner.png"));
}

}  // namespace r1wb::views

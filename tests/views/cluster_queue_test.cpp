// A Slurm cluster in the app, on a real one-node cluster reached through a real OpenSSH server on
// 127.0.0.1: a login node added with Slurm options in the Hosts tab, a run sent there from the
// Queue tab goes as a batch job and ends completed in the run list, and the Cluster tab lists
// the user's jobs (the run's, named to its run, and three held ones, pending for JobHeldUser)
// from one squeue; Fetch brings the run's checkpoint home. A screenshot of the Cluster tab.
#include "tests/support/slurm_test_cluster.h"
#include "tests/support/ssh_test_host.h"
#include "tests/views/window_support.h"
#include "views/runs/cluster_panel.h"
#include "views/runs/hosts_panel.h"
#include "views/runs/queue_panel.h"

#include <QAction>
#include <QComboBox>
#include <QElapsedTimer>
#include <QStatusBar>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTreeWidget>

#include <filesystem>
#include <fstream>
#include <iterator>

namespace r1wb::views {

TEST(ClusterQueue, ARunOnASlurmHostFromTheQueueTabAndTheClusterTabListsTheJobs) {
  if (!runner_built()) GTEST_SKIP() << "r1wb-run not built";
  QTemporaryDir dir;
  const std::filesystem::path root = dir.path().toStdString();
  r1wb::testing::SlurmTestCluster cluster(root / "cluster");
  r1wb::testing::SshTestHost login(root / "sshd", cluster.sshd_line());
  login.trust();
  WorkbenchOptions o = temp_options(dir);
  o.known_hosts = QString::fromStdString(login.known_hosts());
  auto w = open_shown(o);
  ASSERT_TRUE(w);
  HostRow h = login.host_row("cluster", dir.filePath("cluster runs").toStdString(), R1WB_RUNNER);
  h.slurm = R"({"cpus_per_task": 1, "time": "30"})";
  w->hosts_panel()->add(h);
  auto* hosts = w->hosts_panel()->list();
  ASSERT_EQ(hosts->topLevelItemCount(), 1);
  EXPECT_TRUE(hosts->topLevelItem(0)->text(HostsPanel::Address).endsWith("[Slurm]"));
  hosts->setCurrentItem(hosts->topLevelItem(0));
  EXPECT_TRUE(w->hosts_panel()->details()->text().contains("Slurm login node (time=30 cpus_per_task=1)"))
      << w->hosts_panel()->details()->text().toStdString();
  ClusterPanel* panel = w->cluster_panel();
  ASSERT_EQ(panel->host_box()->count(), 1) << "the Cluster tab offers the Slurm host";

  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(std::system("sbatch --hold --job-name=held-sweep --wrap=true >/dev/null"), 0);
  w->queue_panel()->target_box()->setCurrentIndex(1);
  ASSERT_EQ(w->queue_panel()->target(), "cluster");
  auto doc = short_run(30);
  doc["train"]["threads"] = 1;  // ctest runs two suites at once on two cores
  w->editor()->set_text(QString::fromStdString(doc.dump(2)));
  QTest::mouseClick(w->editor()->run_button(), Qt::LeftButton);
  ASSERT_TRUE(wait_for_run_end(*w, 180000));
  const auto runs = w->store().list_runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, RunStatus::Completed) << runs[0].message;
  EXPECT_EQ(runs[0].scheduler_job, "4") << "three held jobs came first";

  // Fetch brings the run's newest checkpoint home, off the GUI thread.
  w->refresh();
  w->run_list()->select_runs({runs[0].id});
  ASSERT_TRUE(w->action("fetch")->isEnabled()) << "a remote run can be fetched";
  w->action("fetch")->trigger();
  const auto fetched = std::filesystem::path(runs[0].run_dir) / "checkpoints" / "step-30";
  QElapsedTimer t;
  t.start();
  while (t.elapsed() < 30000 && !w->statusBar()->currentMessage().contains("fetched into")) QTest::qWait(50);
  EXPECT_TRUE(w->statusBar()->currentMessage().contains("step 30 fetched into")) << w->statusBar()->currentMessage().toStdString();
  EXPECT_TRUE(std::filesystem::exists(fetched / "model.pt"));
  const auto bytes = [](const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  EXPECT_EQ(bytes(fetched / "model.pt"), bytes(std::filesystem::path(runs[0].remote_dir) / "checkpoints" / "step-30" / "model.pt"));

  auto* tabs = qobject_cast<QTabWidget*>(panel->parentWidget()->parentWidget());
  ASSERT_TRUE(tabs);
  QSignalSpy refreshed(panel, &ClusterPanel::refreshed);
  tabs->setCurrentWidget(panel);  // showing it refreshes
  ASSERT_TRUE(refreshed.wait(20000));
  EXPECT_TRUE(refreshed.takeFirst().at(0).toBool()) << panel->summary()->text().toStdString();
  auto* jobs = panel->jobs();
  ASSERT_EQ(jobs->topLevelItemCount(), 4) << panel->summary()->text().toStdString();
  const auto* newest = jobs->topLevelItem(0);
  EXPECT_EQ(newest->text(ClusterPanel::Job), "4");
  EXPECT_EQ(newest->text(ClusterPanel::State), "completed");
  EXPECT_EQ(newest->text(ClusterPanel::Run).toStdString(), runs[0].name);
  for (int i = 1; i < 4; ++i) {
    EXPECT_EQ(jobs->topLevelItem(i)->text(ClusterPanel::State), "pending");
    EXPECT_EQ(jobs->topLevelItem(i)->text(ClusterPanel::Reason), "JobHeldUser");
  }
  EXPECT_TRUE(panel->summary()->text().contains("4 job(s)")) << panel->summary()->text().toStdString();
  QTest::qWait(100);
  w->grab().save(test::screenshot_path("cluster_tab.png"));
}

}  // namespace r1wb::views

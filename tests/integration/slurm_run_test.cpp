// Runs on a real Slurm cluster (slurm_test_cluster.h: one node, or two) reached through a real
// OpenSSH server on 127.0.0.1, with the runner just built as the cluster's: submitted with sbatch
// from the generated script, followed through the scheduler. A job waiting for resources shows
// pending and stopping it cancels it; a running one stops with a checkpoint and resubmits from
// there; kill is Slurm's cancel; a USR1 (Slurm's warning before preemption or the time limit)
// checkpoints, requeues and resumes to the same final step with every step once; two nodes'
// ranks train as one; a grid of four from the run queue goes as one job array; the queue of 100
// jobs comes from one squeue call.
#include "core/jobs/host_jobs.h"
#include "core/jobs/run_controller.h"
#include "core/jobs/run_queue.h"
#include "core/slurm/slurm_queue.h"
#include "core/slurm/slurm_submit.h"
#include "core/slurm/slurm_watch.h"
#include "core/wire/event_log.h"
#include "tests/integration/host_runs.h"
#include "tests/support/slurm_test_cluster.h"
#include "tests/support/ssh_test_host.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

using namespace r1wb;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct SlurmFixture : r1wb::testing::HostRuns {
  r1wb::testing::SlurmTestCluster cluster;
  r1wb::testing::SshTestHost login{dir / "sshd", cluster.sshd_line()};
  explicit SlurmFixture(const std::string& options_json = "{}", int nodes = 1)
      : HostRuns("r1wb-slurm-", "cluster", "cluster runs"), cluster(dir / "cluster", nodes) {
    login.trust();
    known_hosts = login.known_hosts();
    HostRow h = login.host_row("cluster", workdir, R1WB_RUNNER);
    h.slurm = options_json;
    h.max_runs = 8;
    store.put_host(h);
  }
  //! Prepares a run of `doc` on the cluster and starts it through `c`.
  int64_t start(RunController& c, const nlohmann::json& doc) {
    const int64_t id = prepare(doc);
    c.resume(id, R1WB_RUNNER);
    return id;
  }
  std::string job_id(int64_t id) {
    return nlohmann::json::parse(r1wb::testing::slurp((fs::path(row(id).remote_dir) / slurm::kJobFile).string()))
        .at("job_id")
        .get<std::string>();
  }
  std::string scontrol(const std::string& job) {
    return r1wb::testing::SlurmTestCluster::capture("scontrol show job -o " + job);
  }
};

template <class Done>
bool pump_until(std::vector<RunController*> cs, Done done, std::chrono::seconds limit = std::chrono::seconds(180)) {
  const auto deadline = Clock::now() + limit;
  while (!done() && Clock::now() < deadline) {
    for (auto* c : cs) c->pump();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

//! Every train/loss step of the run is in the store once, 1..steps.
void expect_every_step_once(Store& store, int64_t id, int steps) {
  EXPECT_EQ(store.count_metric_points(id, "train/loss", int64_t(1) << 40), steps);
}

}  // namespace

TEST(SlurmRun, APendingJobShowsPendingAndStopCancelsItARunningOneStopsWithACheckpointAndResubmitsFromThere) {
  SlurmFixture f(R"({"cpus_per_task": 2, "stop_grace_s": 30})");  // one job fills the node's two CPUs
  const int steps = 60;
  const int64_t a = f.prepare(r1wb::testing::tiny_moe_doc(steps, 10, 1));
  const int64_t b = f.prepare(r1wb::testing::tiny_moe_doc(steps, 10, 1));
  RunController ca(f.store, f.jobs()), cb(f.store, f.jobs());
  ca.resume(a, R1WB_RUNNER);
  ASSERT_TRUE(pump_until({&ca}, [&] { return f.row(a).last_step >= 1; })) << f.row(a).message;
  cb.resume(b, R1WB_RUNNER);
  ASSERT_TRUE(pump_until({&ca, &cb}, [&] { return f.row(b).status == RunStatus::Pending; }, std::chrono::seconds(30)))
      << status_name(f.row(b).status) << ": " << f.row(b).message;
  EXPECT_NE(f.row(b).message.find("pending (Resources)"), std::string::npos) << f.row(b).message;
  const std::string script = r1wb::testing::slurp((fs::path(f.row(a).remote_dir) / "job.sbatch").string());
  EXPECT_NE(script.find("#SBATCH --cpus-per-task=2\n"), std::string::npos) << script;

  cb.stop();  // never ran: Slurm cancels it
  ASSERT_TRUE(pump_until({&ca, &cb}, [&] { return cb.finished(); }, std::chrono::seconds(60)));
  EXPECT_EQ(f.row(b).status, RunStatus::Cancelled) << f.row(b).message;
  EXPECT_EQ(f.row(b).last_step, -1) << "a cancelled pending job never trained";

  ASSERT_TRUE(pump_until({&ca}, [&] { return f.row(a).last_step >= 8; }));
  ca.stop();  // TERM to the batch shell: the runner checkpoints and exits 3
  ASSERT_TRUE(pump_until({&ca}, [&] { return ca.finished(); }, std::chrono::seconds(60)));
  EXPECT_EQ(ca.exit_code(), 3);
  const auto stopped = f.row(a);
  EXPECT_EQ(stopped.status, RunStatus::Stopped) << stopped.message;
  EXPECT_LT(stopped.last_step, steps);
  const std::string first_job = f.job_id(a);
  EXPECT_NE(f.scontrol(first_job).find("ExitCode=3:0"), std::string::npos) << f.scontrol(first_job);

  RunController again(f.store, f.jobs());
  again.resume(a, R1WB_RUNNER);  // a new job; the runner resumes from the checkpoint
  ASSERT_TRUE(pump_until({&again}, [&] { return again.finished(); }));
  EXPECT_NE(f.job_id(a), first_job);
  EXPECT_EQ(again.exit_code(), 0);
  EXPECT_EQ(f.row(a).status, RunStatus::Completed) << f.row(a).message;
  EXPECT_EQ(f.row(a).last_step, steps);
  expect_every_step_once(f.store, a, steps);
}

TEST(SlurmRun, AUsr1PreemptionCheckpointsRequeuesAndResumesToTheSameFinalStepWithEveryStepOnce) {
  SlurmFixture f;
  const int steps = 80;
  RunController c(f.store, f.jobs());
  const int64_t id = f.start(c, r1wb::testing::tiny_moe_doc(steps, 20, 1));
  ASSERT_TRUE(pump_until({&c}, [&] { return f.row(id).last_step >= 12; })) << f.row(id).message;
  const std::string job = f.job_id(id);
  EXPECT_EQ(f.row(id).scheduler_job, job) << "the store knows the run's job";
  EXPECT_NE(r1wb::testing::slurp((fs::path(f.row(id).remote_dir) / "job.sbatch").string()).find("--signal=B:USR1@120"),
            std::string::npos);
  // What --signal=B:USR1@N does ahead of a time limit or a preemption, now.
  ASSERT_EQ(std::system(("scancel --batch --signal=USR1 " + job).c_str()), 0);
  ASSERT_TRUE(pump_until({&c}, [&] { return f.row(id).status == RunStatus::Preempted; }, std::chrono::seconds(60)))
      << status_name(f.row(id).status);
  const int64_t preempted_at = f.row(id).last_step;
  EXPECT_LT(preempted_at, steps);
  ASSERT_TRUE(pump_until({&c}, [&] { return c.finished(); }, std::chrono::seconds(240))) << f.row(id).message;
  EXPECT_EQ(c.exit_code(), 0);
  const auto row = f.row(id);
  EXPECT_EQ(row.status, RunStatus::Completed) << row.message;
  EXPECT_EQ(row.last_step, steps) << "an uninterrupted run ends at train.steps";
  expect_every_step_once(f.store, id, steps);
  EXPECT_NE(f.scontrol(job).find("Restarts=1"), std::string::npos) << f.scontrol(job);
  const auto log = read_event_log((fs::path(row.remote_dir) / "events.log").string());
  ASSERT_TRUE(log.clean()) << log.error;
  EXPECT_EQ(row.last_seq, log.records.back().seq);
  int started = 0;
  for (const auto& r : log.records) started += std::holds_alternative<wire::RunStarted>(r.payload);
  EXPECT_EQ(started, 2) << "started, then resumed once after the requeue";
  std::printf("[ slurm   ] preempted at step %lld, requeued, resumed, completed %d/%d steps\n",
              (long long)preempted_at, int(row.last_step), steps);
}

TEST(SlurmRun, TwoRanksThroughSrunTrainAsOneAndAPreemptionRequeuesBoth) {
  SlurmFixture f(R"({"tasks_per_node": 2, "cpus_per_task": 1})");
  const int steps = 60;
  RunController c(f.store, f.jobs());
  const int64_t id = f.start(c, r1wb::testing::tiny_moe_doc(steps, 20, 1));
  ASSERT_TRUE(pump_until({&c}, [&] { return f.row(id).last_step >= 10 || c.finished(); })) << f.row(id).message;
  ASSERT_FALSE(c.finished()) << f.row(id).message;
  const std::string job = f.job_id(id);
  const std::string script = r1wb::testing::slurp((fs::path(f.row(id).remote_dir) / "job.sbatch").string());
  EXPECT_NE(script.find("#SBATCH --ntasks-per-node=2\n"), std::string::npos) << script;
  EXPECT_NE(script.find("exec srun --kill-on-bad-exit=1 "), std::string::npos) << script;
  ASSERT_EQ(std::system(("scancel --batch --signal=USR1 " + job).c_str()), 0);  // srun passes it to both ranks
  ASSERT_TRUE(pump_until({&c}, [&] { return f.row(id).status == RunStatus::Preempted; }, std::chrono::seconds(60)))
      << status_name(f.row(id).status) << ": " << f.row(id).message;
  ASSERT_TRUE(pump_until({&c}, [&] { return c.finished(); }, std::chrono::seconds(240))) << f.row(id).message;
  const auto row = f.row(id);
  EXPECT_EQ(row.status, RunStatus::Completed) << row.message;
  EXPECT_EQ(row.last_step, steps);
  expect_every_step_once(f.store, id, steps);
  EXPECT_NE(f.scontrol(job).find("Restarts=1"), std::string::npos) << "rank 0 alone asked for the requeue";
  // The two ranks summed their gradients: identical weights at the end.
  const auto drift = f.store.metric_points(id, "dp/max_weight_diff", 0);
  ASSERT_FALSE(drift.empty()) << "a data-parallel run reports its ranks' drift";
  EXPECT_EQ(drift.back().value, 0.0);
  EXPECT_TRUE(fs::exists(fs::path(row.remote_dir) / "ranks" / "rank-1")) << "rank 1 ran beside rank 0";
}

TEST(SlurmRun, AnAllocationOfTwoNodesTrainsAsOneWithARankOnEachNode) {
  // Two slurmds on this machine stand for two nodes (slurm_test_cluster.h): the allocation
  // spans both, srun starts rank 1 through the second node's slurmd, and the ranks meet at
  // the TCP store rank 0 serves at the batch node's address.
  SlurmFixture f(R"({"nodes": 2, "tasks_per_node": 1, "cpus_per_task": 1})", 2);
  const int steps = 40;
  RunController c(f.store, f.jobs());
  const int64_t id = f.start(c, r1wb::testing::tiny_moe_doc(steps, 20, 1));
  ASSERT_TRUE(pump_until(
      {&c}, [&] { return c.finished(); }, std::chrono::seconds(240)))
      << f.row(id).message;
  const auto row = f.row(id);
  EXPECT_EQ(row.status, RunStatus::Completed) << row.message;
  expect_every_step_once(f.store, id, steps);
  const std::string job = f.job_id(id);
  const std::string script = r1wb::testing::slurp((fs::path(row.remote_dir) / "job.sbatch").string());
  EXPECT_NE(script.find("#SBATCH --nodes=2\n#SBATCH --ntasks-per-node=1\n"), std::string::npos) << script;
  EXPECT_NE(f.scontrol(job).find("NodeList=node[1-2]"), std::string::npos) << f.scontrol(job);
  // Each node's slurmd launched a task of the job's srun step.
  for (const char* node : {"node1", "node2"}) {
    const auto log = r1wb::testing::slurp((f.dir / "cluster" / (std::string("slurmd") + node + ".log")).string());
    EXPECT_NE(log.find("launch task StepId=" + job + ".0"), std::string::npos) << node << ":\n" << log;
  }
  const auto drift = f.store.metric_points(id, "dp/max_weight_diff", 0);
  ASSERT_FALSE(drift.empty()) << "a data-parallel run reports its ranks' drift";
  EXPECT_EQ(drift.back().value, 0.0) << "the ranks summed their gradients";
  EXPECT_TRUE(fs::exists(fs::path(row.remote_dir) / "ranks" / "rank-1")) << "rank 1 ran beside rank 0";
}

TEST(SlurmRun, ARequeueBySlurmItselfIsFollowedThroughToTheResumedRunsEnd) {
  SlurmFixture f;
  const int steps = 80;
  RunController c(f.store, f.jobs());
  const int64_t id = f.start(c, r1wb::testing::tiny_moe_doc(steps, 20, 1));
  ASSERT_TRUE(pump_until({&c}, [&] { return f.row(id).last_step >= 12; })) << f.row(id).message;
  // What a preemption with PreemptMode=REQUEUE does: Slurm ends the job (TERM: the runner
  // checkpoints and writes "stopped") and queues it again.
  ASSERT_EQ(std::system(("scontrol requeue " + f.job_id(id)).c_str()), 0);
  ASSERT_TRUE(pump_until({&c}, [&] { return f.row(id).status == RunStatus::Preempted; }, std::chrono::seconds(60)))
      << status_name(f.row(id).status) << ": " << f.row(id).message;
  EXPECT_FALSE(c.finished()) << "the follow goes on through the requeue";
  ASSERT_TRUE(pump_until({&c}, [&] { return c.finished(); }, std::chrono::seconds(240))) << f.row(id).message;
  EXPECT_EQ(f.row(id).status, RunStatus::Completed) << f.row(id).message;
  EXPECT_EQ(f.row(id).last_step, steps);
  expect_every_step_once(f.store, id, steps);
}

TEST(SlurmRun, ANodeFailureRequeuesTheJobAndTheRunResumesInsteadOfEnding) {
  SlurmFixture f;
  const int steps = 80;
  RunController c(f.store, f.jobs());
  const int64_t id = f.start(c, r1wb::testing::tiny_moe_doc(steps, 10, 1));
  ASSERT_TRUE(pump_until({&c}, [&] { return f.row(id).last_step >= 22; })) << f.row(id).message;
  // The node fails under the job: Slurm ends it (TERM: the runner checkpoints) and, the job
  // being requeueable, queues it again; the node returns to service (ReturnToService=2) and the
  // job runs again from the checkpoint. The run is never taken for ended on the way.
  ASSERT_EQ(std::system("scontrol update NodeName=localhost State=DOWN Reason=r1wb-test"), 0);
  std::set<std::string> seen;
  ASSERT_TRUE(pump_until({&c}, [&] {
    if (!c.finished()) seen.insert(std::string(status_name(f.row(id).status)));
    return c.finished();
  }, std::chrono::seconds(240))) << f.row(id).message;
  std::printf("[ slurm   ] after the node failed the run went through:");
  for (const auto& s : seen) std::printf(" %s", s.c_str());
  std::printf("\n");
  EXPECT_TRUE(seen.count("preempted")) << "requeued: shown as preempted";
  EXPECT_FALSE(seen.count("failed") || seen.count("cancelled")) << "never shown as ended before it was";
  EXPECT_EQ(f.row(id).status, RunStatus::Completed) << f.row(id).message;
  EXPECT_EQ(f.row(id).last_step, steps);
  expect_every_step_once(f.store, id, steps);
  EXPECT_NE(f.scontrol(f.job_id(id)).find("Restarts=1"), std::string::npos) << f.scontrol(f.job_id(id));
}

TEST(SlurmRun, KillIsSlurmsCancel) {
  SlurmFixture f;
  RunController c(f.store, f.jobs());
  const int64_t id = f.start(c, r1wb::testing::tiny_moe_doc(400, 100, 1));
  ASSERT_TRUE(pump_until({&c}, [&] { return f.row(id).last_step >= 2; }));
  c.kill();
  ASSERT_TRUE(pump_until({&c}, [&] { return c.finished(); }, std::chrono::seconds(60)));
  EXPECT_EQ(f.row(id).status, RunStatus::Cancelled) << f.row(id).message;
  EXPECT_NE(f.scontrol(f.job_id(id)).find("JobState=CANCELLED"), std::string::npos);
}

TEST(SlurmRun, AGridOfFourFromTheQueueGoesAsOneJobArrayAndEachCompletes) {
  SlurmFixture f;
  const int steps = 20;
  RunQueue queue(f.store, R1WB_RUNNER, (f.dir / "local").string(), 1, f.jobs());
  queue.set_array_submitter(any_host_array_submitter(f.store, f.known_hosts));
  std::vector<std::pair<std::string, std::string>> grid;
  for (int i = 0; i < 4; ++i) {
    auto doc = r1wb::testing::tiny_moe_doc(steps, 10, 1);
    doc["train"]["lr"] = 0.001 * (i + 1);
    grid.emplace_back("grid", doc.dump());
  }
  const auto t0 = Clock::now();
  const auto ids = queue.enqueue_array(grid, {"ablation-x"}, "cluster");
  EXPECT_LT(Clock::now() - t0, std::chrono::milliseconds(500)) << "submitting happens on a worker";
  ASSERT_EQ(ids.size(), 4u);
  for (auto id : ids) EXPECT_EQ(f.row(id).status, RunStatus::Pending) << f.row(id).message;
  const auto deadline = Clock::now() + std::chrono::seconds(300);
  while (queue.busy() && Clock::now() < deadline) {
    queue.pump();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_FALSE(queue.busy());
  std::string array_id;
  for (size_t i = 0; i < 4; ++i) {
    const auto row = f.row(ids[i]);
    EXPECT_EQ(row.status, RunStatus::Completed) << row.name << ": " << row.message;
    EXPECT_EQ(row.last_step, steps);
    expect_every_step_once(f.store, ids[i], steps);
    if (i == 0) array_id = row.scheduler_job.substr(0, row.scheduler_job.find('_'));
    EXPECT_EQ(row.scheduler_job, array_id + "_" + std::to_string(i)) << "task " << i << " of one array";
    EXPECT_EQ(f.job_id(ids[i]), row.scheduler_job);
    EXPECT_NE(f.scontrol(row.scheduler_job).find("JobState=COMPLETED"), std::string::npos) << f.scontrol(row.scheduler_job);
    EXPECT_TRUE(fs::exists(fs::path(row.remote_dir) / ("slurm-" + row.scheduler_job + ".out")));
    EXPECT_EQ(row.tags, std::vector<std::string>{"ablation-x"});
  }
  // Each task trained its own experiment.
  EXPECT_NE(r1wb::testing::slurp((fs::path(f.row(ids[3]).remote_dir) / "config.json").string()).find("0.004"),
            std::string::npos);

  // A plain node takes no array.
  HostRow plain = f.login.host_row("plain", f.workdir, R1WB_RUNNER);
  f.store.put_host(plain);
  EXPECT_THROW(queue.enqueue_array(grid, {}, "plain"), std::runtime_error);
}

TEST(SlurmRun, TheQueueOfAHundredJobsComesFromOneSqueueCall) {
  SlurmFixture f;
  remote::SshSession session(f.login.endpoint());
  const auto held = session.exec(
      "cd /tmp && for i in $(seq 100); do sbatch --hold --parsable --job-name=\"q$i\" --wrap=true >/dev/null || exit 1; "
      "done");
  ASSERT_EQ(held.exit_status, 0) << held.err;
  const auto q = slurm::list_queue(session);
  EXPECT_EQ(q.user, f.login.sshd.user);
  ASSERT_EQ(q.jobs.size(), 100u);
  for (const auto& j : q.jobs) {
    EXPECT_EQ(slurm::status_of(j), RunStatus::Pending) << j.id << " " << j.state;
    EXPECT_EQ(j.reason, "JobHeldUser");
  }
  EXPECT_EQ(q.jobs.front().name, "q100") << "newest first";
  std::printf("[ slurm   ] 100 jobs listed in %.3f s (one squeue --json over SSH)\n", q.seconds);
}

namespace {

struct Shell {
  int code = -1;
  std::string out;
};
//! Runs a shell command line, stdout and stderr together.
Shell shell(const std::string& cmd) {
  Shell r;
  if (FILE* p = ::popen((cmd + " 2>&1").c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
    const int status = ::pclose(p);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  return r;
}

std::string q(const std::string& s) { return remote::shell_quote(s); }

}  // namespace

TEST(SlurmRun, FromATerminalHostsAddSlurmRunsTwoConfigsAsAnArrayAndQueueListsThem) {
  const auto dir = fs::temp_directory_path() / ("r1wb-ctl-slurm-" + std::to_string(::getpid()));
  {
    r1wb::testing::SlurmTestCluster cluster(dir / "cluster");
    r1wb::testing::SshTestHost login(dir / "sshd", cluster.sshd_line());
    login.trust();
    const std::string common = " --store " + q((dir / "workbench.db").string()) + " --known-hosts " + q(login.known_hosts());
    const std::string ctl = q(R1WB_CTL);
    auto bad = shell(ctl + " hosts add c --host 127.0.0.1 --slurm 'time=1 day'" + common);
    EXPECT_EQ(bad.code, 2) << bad.out;
    EXPECT_NE(bad.out.find("--slurm 'day': expected key=value"), std::string::npos) << bad.out;  // time=1 is a minute
    bad = shell(ctl + " hosts add c --host 127.0.0.1 --slurm 'gpus=two'" + common);
    EXPECT_NE(bad.out.find("slurm.gpus: 'two' is not an integer"), std::string::npos) << bad.out;
    const auto added = shell(ctl + " hosts add cluster --host 127.0.0.1 --port " + std::to_string(login.sshd.port) +
                             " --user " + q(login.sshd.user) + " --key " + q(login.sshd.user_key.string()) +
                             " --workdir " + q((dir / "runs").string()) + " --runner " + q(R1WB_RUNNER) +
                             " --slurm 'cpus_per_task=1 stop_grace_s=20'" + common);
    ASSERT_EQ(added.code, 0) << added.out;
    const auto listed = shell(ctl + " hosts list" + common);
    EXPECT_NE(listed.out.find("Slurm: cpus_per_task=1 stop_grace_s=20"), std::string::npos) << listed.out;
    for (int i = 0; i < 2; ++i) {
      auto doc = r1wb::testing::tiny_moe_doc(25, 5, 1);
      doc["name"] = "arr";
      doc["train"]["lr"] = 0.002 * (i + 1);
      std::ofstream(dir / ("exp" + std::to_string(i) + ".json")) << doc.dump(2);
    }
    const auto ran = shell(ctl + " run " + q((dir / "exp0.json").string()) + " " + q((dir / "exp1.json").string()) +
                           " --host cluster --quiet --runs-dir " + q((dir / "local").string()) + common);
    EXPECT_EQ(ran.code, 0) << ran.out;
    EXPECT_NE(ran.out.find("arr-1: Slurm job 1_0 on cluster"), std::string::npos) << ran.out;
    EXPECT_NE(ran.out.find("arr-2: Slurm job 1_1 on cluster"), std::string::npos) << ran.out;
    EXPECT_NE(ran.out.find("arr-1: completed"), std::string::npos) << ran.out;
    EXPECT_NE(ran.out.find("arr-2: completed"), std::string::npos) << ran.out;
    const auto queue = shell(ctl + " queue --host cluster" + common);
    EXPECT_EQ(queue.code, 0) << queue.out;
    EXPECT_NE(queue.out.find("cluster: 2 job(s) of " + login.sshd.user), std::string::npos) << queue.out;
    EXPECT_NE(queue.out.find("1_0          completed"), std::string::npos) << queue.out;
    EXPECT_NE(queue.out.find("arr-2"), std::string::npos) << queue.out;
    std::printf("%s", queue.out.c_str());
    const auto none = shell(ctl + " queue --host nowhere" + common);
    EXPECT_EQ(none.code, 1);
    EXPECT_NE(none.out.find("no Slurm host nowhere"), std::string::npos) << none.out;
  }
  fs::remove_all(dir);
}

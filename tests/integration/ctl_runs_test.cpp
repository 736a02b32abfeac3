// `r1wb-ctl run|attach|stop|fetch|delete` end to end through a real OpenSSH server on 127.0.0.1, with the
// real runner as the node's: Ctrl-C detaches `run` (exit 130) and the runner goes on on the node;
// `attach` backfills what the store missed and follows the run to its end (exit 0, every step
// once); fetch brings the newest checkpoint home, where eval reads it; delete removes the node's
// directory with the run; bad input is a usage error naming what is wrong.
#include "core/jobs/detached_runner.h"
#include "core/jobs/local_job.h"
#include "core/store/store.h"
#include "tests/integration/run_runner.h"
#include "tests/support/ssh_test_host.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

using namespace r1wb;
namespace fs = std::filesystem;

namespace {

struct Ctl {
  int code = -1;
  std::string err;
};

//! Runs r1wb-ctl ARGS; `until` (given stderr so far) true sends SIGINT once.
Ctl ctl(const fs::path& dir, std::vector<std::string> args, std::function<bool(const std::string&)> until = {}) {
  args.insert(args.begin(), R1WB_CTL);
  const auto err_path = (dir / "ctl-stderr.txt").string();
  fs::remove(err_path);
  LocalJob job(args, err_path);
  bool interrupted = false;
  while (!job.stream_closed()) {
    job.read_available();
    if (until && !interrupted && until(r1wb::testing::slurp(err_path))) {
      ::kill(job.pid(), SIGINT);
      interrupted = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::optional<int> code;
  while (!(code = job.poll_exit())) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return {*code, r1wb::testing::slurp(err_path)};
}

}  // namespace

TEST(CtlRuns, CtrlCDetachesTheRunGoesOnAndAttachBackfillsItToTheEnd) {
  const auto dir = fs::temp_directory_path() / ("r1wb-ctl-runs-" + std::to_string(::getpid()));
  {
    r1wb::testing::SshTestHost node(dir / "sshd");
    node.trust();
    const std::string db = (dir / "workbench.db").string();
    Store(db).put_host(node.host_row("lab", (dir / "node").string(), R1WB_RUNNER));
    const int steps = 120;
    const auto config = dir / "experiment.json";
    std::ofstream(config) << r1wb::testing::tiny_moe_doc(steps, 60, 1).dump();
    const std::vector<std::string> common{"--store", db, "--known-hosts", node.known_hosts()};
    auto with = [&](std::vector<std::string> a) {
      a.insert(a.end(), common.begin(), common.end());
      return a;
    };

    auto r = ctl(dir, with({"run", config.string(), "--host", "lab", "--runs-dir", (dir / "local").string()}),
                 [](const std::string& err) {  // once the run is past step 5 (lines may skip steps)
                   const auto at = err.rfind("step ");
                   return at != std::string::npos && std::atoi(err.c_str() + at + 5) >= 5;
                 });
    EXPECT_EQ(r.code, 130) << r.err;
    EXPECT_NE(r.err.find("detached from tiny-moe-1"), std::string::npos) << r.err;
    Store store(db);
    const auto run = store.list_runs().at(0);
    EXPECT_EQ(run.target_host, "lab");
    EXPECT_EQ(runner_status(run.remote_dir).state, RunnerState::Running) << "Ctrl-C never stops the runner";
    const int64_t held = store.run(run.id)->last_step;
    EXPECT_LT(held, steps - 1);

    r = ctl(dir, with({"attach", "tiny-moe-1"}));
    EXPECT_EQ(r.code, 0) << r.err;
    const auto done = *store.run(run.id);
    EXPECT_EQ(done.status, RunStatus::Completed) << done.message;
    EXPECT_EQ(store.count_metric_points(run.id, "train/loss", int64_t(1) << 40), steps);
    r = ctl(dir, with({"stop", std::to_string(run.id)}));
    EXPECT_EQ(r.code, 0) << r.err;

    // The newest checkpoint comes home over SFTP, and the local run directory evaluates it.
    r = ctl(dir, with({"fetch", "tiny-moe-1"}));
    EXPECT_EQ(r.code, 0) << r.err;
    const auto fetched = fs::path(run.run_dir) / "checkpoints" / ("step-" + std::to_string(steps));
    EXPECT_TRUE(fs::exists(fetched / "model.pt")) << r.err;
    EXPECT_FALSE(fs::exists(fs::path(run.run_dir) / "checkpoints" / ("step-" + std::to_string(steps) + ".fetching")));
    std::string eval_err;
    EXPECT_EQ(r1wb::testing::run_runner({"eval", run.run_dir, "--n", "4", "--k", "1"}, dir, &eval_err), 0) << eval_err;
    r = ctl(dir, with({"fetch", "tiny-moe-1", "--step", "7"}));
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("no checkpoint at step 7"), std::string::npos) << r.err;

    // Delete takes the node's directory with the run.
    r = ctl(dir, with({"delete", "tiny-moe-1", "--yes"}));
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_FALSE(fs::exists(run.remote_dir));
    EXPECT_TRUE(store.list_runs().empty());

    // Bad input: what is wrong, exit 2; an unknown run or host, exit 1.
    r = ctl(dir, with({"run", config.string()}));
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("--host"), std::string::npos) << r.err;
    std::ofstream(dir / "bad.json") << R"({"train": {"steps": -3}})";
    r = ctl(dir, with({"run", (dir / "bad.json").string(), "--host", "lab"}));
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("train.steps"), std::string::npos) << r.err;
    r = ctl(dir, with({"run", config.string(), "--host", "nosuch"}));
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("no host nosuch"), std::string::npos) << r.err;
    r = ctl(dir, with({"attach", "nosuch-run"}));
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("no run nosuch-run"), std::string::npos) << r.err;
  }
  fs::remove_all(dir);
}

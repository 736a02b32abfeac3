// A detached runner outlives its starter and tells anyone on the node how it is; `follow`
// streams its log until it ended, serves requests, and exits with its code.
#include "core/jobs/detached_runner.h"
#include "core/jobs/run_follow.h"
#include "core/wire/event_log.h"
#include "core/wire/requests.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

using namespace r1wb;
namespace fs = std::filesystem;

namespace {

RunnerStatus wait_until_not_running(const std::string& dir) {
  for (int i = 0; i < 200; ++i) {
    const auto s = runner_status(dir);
    if (s.state != RunnerState::Running) return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return runner_status(dir);
}

std::vector<std::string> sh(const std::string& script) { return {"/bin/sh", "-c", script}; }

}  // namespace

TEST(DetachedRunner, RecordsItsPidAndItsExitCodeAndRefusesASecondRunner) {
  r1wb::testing::TempDir t;
  const std::string dir = (t.path / "run").string();
  EXPECT_EQ(runner_status(dir).state, RunnerState::NeverStarted);
  const auto p = start_detached(sh("echo to-the-log >&2; sleep 0.5; exit 3"), dir);
  EXPECT_GT(p.runner, 0);
  EXPECT_NE(p.runner, p.supervisor);
  EXPECT_EQ(::getpgid(p.runner), p.runner) << "the runner leads a process group of its own";
  EXPECT_NE(::getsid(p.supervisor), ::getsid(0)) << "a session of its own: no SIGHUP from our terminal";
  EXPECT_EQ(runner_status(dir).state, RunnerState::Running);
  EXPECT_THROW(start_detached(sh("exit 0"), dir), std::runtime_error);
  const auto s = wait_until_not_running(dir);
  EXPECT_EQ(s.state, RunnerState::Exited);
  EXPECT_EQ(s.exit_code, 3);
  std::ifstream log(fs::path(dir) / "runner.log");
  std::stringstream text;
  text << log.rdbuf();
  EXPECT_NE(text.str().find("to-the-log"), std::string::npos);
  // Started again: the old exit code is gone until the new one ends.
  start_detached(sh("sleep 0.3"), dir);
  EXPECT_EQ(runner_status(dir).state, RunnerState::Running);
  EXPECT_EQ(wait_until_not_running(dir).exit_code, 0);
}

TEST(DetachedRunner, KillEndsTheWholeGroupAndIsRecordedAsTheSignal) {
  r1wb::testing::TempDir t;
  const std::string dir = (t.path / "run").string();
  // A runner with a child of its own (as data-parallel ranks are): both must go.
  start_detached(sh("sleep 30 & echo $! > child.pid; wait"), dir);
  for (int i = 0; i < 100 && !fs::exists(fs::path(dir) / "child.pid"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  pid_t child = 0;
  std::ifstream(fs::path(dir) / "child.pid") >> child;
  ASSERT_GT(child, 0);
  EXPECT_TRUE(signal_runner(dir, SIGKILL, true));
  const auto s = wait_until_not_running(dir);
  EXPECT_EQ(s.exit_code, 128 + SIGKILL);
  for (int i = 0; i < 100 && ::kill(child, 0) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_NE(::kill(child, 0), 0) << "the runner's child was killed with it";
  EXPECT_FALSE(signal_runner(dir, SIGTERM)) << "nothing runs any more";
}

TEST(DetachedRunner, ASupervisorThatVanishedIsToldApartFromAnEndedRunner) {
  r1wb::testing::TempDir t;
  const std::string dir = (t.path / "run").string();
  const auto p = start_detached(sh("sleep 30"), dir);
  ::kill(p.supervisor, SIGKILL);
  ::kill(-p.runner, SIGKILL);
  const auto s = wait_until_not_running(dir);
  EXPECT_EQ(s.state, RunnerState::Vanished);
  EXPECT_NE(describe(s).find("without an exit code"), std::string::npos);
}

TEST(RunFollow, StreamsTheLogAsItGrowsServesAStopAndExitsWithTheRunnersCode) {
  r1wb::testing::TempDir t;
  const std::string dir = (t.path / "run").string();
  fs::create_directories(dir);
  // A stand-in runner: appends records until SIGTERM, then exits 3 as the engine does.
  start_detached(sh("trap 'exit 3' TERM; while :; do sleep 0.05; done"), dir);
  int out[2], in[2];
  ASSERT_EQ(::pipe(out), 0);
  ASSERT_EQ(::pipe(in), 0);
  std::ostringstream err;
  int code = -1;
  std::thread follower([&] {
    code = follow_run(dir, 2, in[0], out[1], err);
    ::close(out[1]);
  });
  {
    EventLogWriter w((fs::path(dir) / "events.log").string());
    for (int i = 1; i <= 10; ++i) {
      w.append(wire::Metrics{i, 0.0, {{"train/loss", 1.0}}});
      w.flush();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  const std::string stop = wire::encode_request({wire::RequestKind::Stop, 0});
  ASSERT_EQ(::write(in[1], stop.data(), stop.size()), ssize_t(stop.size()));
  std::string stream;
  char buf[4096];
  for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;) stream.append(buf, size_t(n));
  follower.join();
  EXPECT_EQ(code, 3) << err.str();
  wire::StreamDecoder d;
  d.feed(stream.data(), stream.size());
  std::vector<uint64_t> seqs;
  while (auto r = d.next()) seqs.push_back(r->seq);
  EXPECT_EQ(seqs, (std::vector<uint64_t>{3, 4, 5, 6, 7, 8, 9, 10}));
  EXPECT_EQ(d.good_offset(), stream.size());
  ::close(out[0]), ::close(in[0]), ::close(in[1]);
}

TEST(RunFollow, ARunDirectoryWithoutARunnerIsRefused) {
  r1wb::testing::TempDir t;
  std::ostringstream err;
  EXPECT_EQ(follow_run(t.path.string(), 0, -1, -1, err), 2);
  EXPECT_NE(err.str().find("no runner"), std::string::npos);
}

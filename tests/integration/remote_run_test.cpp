// Remote runs through a real OpenSSH server on 127.0.0.1, with the real runner as the node's:
// the runner is detached on the node, so breaking the link never stops it. Ten breaks of three
// kinds during one streaming run (the client's socket cut, the node's follow process killed,
// the app's job layer thrown away and attached again) leave every record of the node's log in
// the store exactly once, and the run completes. Stop checkpoints on the node and resume goes on
// from there; kill ends the runner's group; names with shell metacharacters reach the node as data.
#include "core/jobs/host_jobs.h"
#include "core/jobs/run_controller.h"
#include "core/jobs/run_queue.h"
#include "core/jobs/ssh_job.h"
#include "core/wire/event_log.h"
#include "tests/integration/host_runs.h"
#include "tests/support/ssh_test_host.h"
#include "tests/support/two_factor_host.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <ctime>
#include <set>
#include <filesystem>
#include <fstream>
#include <thread>

using namespace r1wb;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

//! A node that asks a one-time code after the key (tests/support/two_factor_host.h), and jobs
//! whose prompts answer it with the code `next_code` holds, counting the questions.
struct TwoFactorFixture : r1wb::testing::HostRuns {
  r1wb::testing::TwoFactorHost node{dir / "sshd"};
  int asked = 0;
  std::string next_code;
  TwoFactorFixture() : HostRuns("r1wb-remote-2fa-", "lab", "node-runs") {
    known_hosts = node.known_hosts();
    store.put_host(node.host_row("lab", workdir, R1WB_RUNNER));
  }
  JobFactory jobs() {
    remote::Prompts p;
    p.keyboard_interactive = [this](const std::string&, const std::string&, const std::vector<remote::KbdPrompt>& q) {
      asked += int(q.size());
      return std::optional<std::vector<std::string>>(std::vector<std::string>(q.size(), next_code));
    };
    return any_host_job_factory(store, known_hosts, p);
  }
};

struct RemoteFixture : r1wb::testing::HostRuns {
  r1wb::testing::SshTestHost node{dir / "sshd"};
  explicit RemoteFixture(const std::string& workdir_name = "node-runs") : HostRuns("r1wb-remote-", "lab", workdir_name) {
    node.trust();
    known_hosts = node.known_hosts();
    store.put_host(node.host_row("lab", workdir, R1WB_RUNNER));
  }
};

//! Pumps until `done` or the deadline; false on the deadline.
template <class Done>
bool pump_until(RunController& c, Done done, std::chrono::seconds limit = std::chrono::seconds(120)) {
  const auto deadline = Clock::now() + limit;
  while (!done() && Clock::now() < deadline) {
    c.pump();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}

}  // namespace

TEST(RemoteRun, TenBreaksDuringAStreamingRunLeaveEveryRecordOnceAndTheRunNeverStops) {
  RemoteFixture f;
  const int steps = 150;
  auto doc = r1wb::testing::tiny_moe_doc(steps, 50, 1);
  const int64_t id = f.prepare(doc);
  auto c = std::make_unique<RunController>(f.store, f.jobs());
  c->resume(id, R1WB_RUNNER);
  int breaks = 0, reconnects = 0, restarts = 0, unreachable_seen = 0;
  int64_t step_at_break = -1;
  while (!c->finished()) {
    // Let the run move on by two steps since the last break (and be back on the link) first.
    ASSERT_TRUE(pump_until(*c, [&] { return c->finished() || (c->job()->reachable() && f.row(id).last_step >= step_at_break + 2); }))
        << "the run did not move on after break " << breaks;
    if (c->finished() || breaks == 10) {
      pump_until(*c, [&] { return c->finished(); }, std::chrono::seconds(300));
      break;
    }
    ASSERT_LT(f.row(id).last_step, steps - 5) << "the run outran the breaks; give it more steps";
    step_at_break = f.row(id).last_step;
    switch (breaks % 3) {
      case 0: {  // the network under the client fails
        dynamic_cast<SshJob&>(*c->job()).sever();
        pump_until(*c, [&] { return f.row(id).status == RunStatus::Unreachable; }, std::chrono::seconds(10));
        if (f.row(id).status == RunStatus::Unreachable) ++unreachable_seen;
        break;
      }
      case 1:  // the node's end of the stream dies
        // "[f]" so the pattern does not match the shell that runs pkill
        EXPECT_EQ(std::system(("pkill -KILL -f -- '[f]ollow " + f.workdir + "'").c_str()), 0);
        break;
      case 2:  // the app's job layer restarts and attaches again
        reconnects += dynamic_cast<SshJob&>(*c->job()).reconnects();
        c = std::make_unique<RunController>(f.store, f.jobs());
        c->attach(id);
        ++restarts;
        break;
    }
    ++breaks;
  }
  reconnects += dynamic_cast<SshJob&>(*c->job()).reconnects();
  ASSERT_TRUE(c->finished());
  EXPECT_EQ(breaks, 10);
  EXPECT_EQ(c->exit_code(), 0);
  const auto row = f.row(id);
  EXPECT_EQ(row.status, RunStatus::Completed) << row.message;
  EXPECT_EQ(unreachable_seen, 4) << "each cut link showed as unreachable";
  // Each cut link was picked up again (the loop waits for it); a killed follow is picked up again
  // too, unless records already on their way let the run move on and a restart came first.
  EXPECT_GE(reconnects, 4);
  EXPECT_LE(reconnects, 7);
  EXPECT_EQ(restarts, 3);
  // The store holds the node's log exactly: every seq once (ingest is by seq: a gap would stop
  // last_seq short, a duplicate would be counted as skipped, never stored twice).
  const auto log = read_event_log((fs::path(row.remote_dir) / "events.log").string());
  ASSERT_TRUE(log.clean()) << log.error;
  EXPECT_EQ(row.last_seq, log.records.back().seq);
  EXPECT_EQ(f.store.count_metric_points(id, "train/loss", int64_t(1) << 40), steps);
  size_t log_records = 0, run_started = 0;
  for (const auto& r : log.records) {
    log_records += std::holds_alternative<wire::Log>(r.payload);
    run_started += std::holds_alternative<wire::RunStarted>(r.payload);
  }
  EXPECT_EQ(size_t(f.store.count_rows("logs", id)), log_records);
  EXPECT_EQ(run_started, 1u) << "the runner was never restarted: it never stopped";
  std::ifstream exit_file(fs::path(row.remote_dir) / "runner.exit");
  int code = -1;
  exit_file >> code;
  EXPECT_EQ(code, 0);
  std::printf("[ remote  ] %d breaks (%d cut links, %d killed follows, %d restarts), %d reconnects, %llu records\n",
              breaks, unreachable_seen, breaks - unreachable_seen - restarts, restarts, reconnects,
              (unsigned long long)row.last_seq);
}

TEST(RemoteRun, StopCheckpointsOnTheNodeResumeGoesOnFromThereAndKillEndsTheGroup) {
  RemoteFixture f;
  const int steps = 60;
  const int64_t id = f.prepare(r1wb::testing::tiny_moe_doc(steps, 10, 1));
  {
    RunController c(f.store, f.jobs());
    c.resume(id, R1WB_RUNNER);
    ASSERT_TRUE(pump_until(c, [&] { return f.row(id).last_step >= 12; }));
    c.stop();
    ASSERT_TRUE(pump_until(c, [&] { return c.finished(); }));
    EXPECT_EQ(c.exit_code(), 3);
    EXPECT_EQ(f.row(id).status, RunStatus::Stopped) << f.row(id).message;
  }
  const auto stopped_at = f.row(id).last_step;
  EXPECT_LT(stopped_at, steps - 1);
  EXPECT_GT(f.store.count_rows("checkpoints", id), 0);
  EXPECT_FALSE(fs::is_empty(fs::path(f.row(id).remote_dir) / "checkpoints")) << "the stop wrote a checkpoint on the node";
  {
    RunController c(f.store, f.jobs());
    c.resume(id, R1WB_RUNNER);  // the same run, on the node, from its newest checkpoint
    ASSERT_TRUE(pump_until(c, [&] { return c.finished(); }));
    EXPECT_EQ(c.exit_code(), 0);
  }
  EXPECT_EQ(f.row(id).status, RunStatus::Completed) << f.row(id).message;
  EXPECT_EQ(f.store.count_metric_points(id, "train/loss", int64_t(1) << 40), steps) << "every step once across the stop";

  const int64_t killed = f.prepare(r1wb::testing::tiny_moe_doc(400, 100, 1));
  RunController c(f.store, f.jobs());
  c.resume(killed, R1WB_RUNNER);
  ASSERT_TRUE(pump_until(c, [&] { return f.row(killed).last_step >= 3; }));
  c.kill();
  ASSERT_TRUE(pump_until(c, [&] { return c.finished(); }, std::chrono::seconds(30)));
  EXPECT_EQ(c.exit_code(), 128 + SIGKILL);
  EXPECT_EQ(f.row(killed).status, RunStatus::Failed);
  EXPECT_NE(f.row(killed).message.find("exited with code 137"), std::string::npos) << f.row(killed).message;
}

TEST(RemoteRun, NamesWithShellMetacharactersReachTheNodeAsData) {
  const std::string nasty = "it's \"q\"; $(touch pwned) `touch pwned2` & x";
  RemoteFixture f("node runs " + nasty);
  const int64_t id = f.prepare(r1wb::testing::tiny_moe_doc(24, 100, 1), "exp " + nasty);
  RunController c(f.store, f.jobs());
  c.resume(id, R1WB_RUNNER);
  ASSERT_TRUE(pump_until(c, [&] { return c.finished(); }));
  EXPECT_EQ(c.exit_code(), 0) << f.row(id).message;
  const auto remote = fs::path(f.row(id).remote_dir);
  EXPECT_EQ(remote.filename().string(), "exp " + nasty + "-1");
  EXPECT_TRUE(fs::exists(remote / "events.log"));
  for (const auto& e : fs::recursive_directory_iterator(f.dir))
    EXPECT_EQ(e.path().filename().string().rfind("pwned", 0), std::string::npos) << e.path();
  const char* home = std::getenv("HOME");
  EXPECT_FALSE(fs::exists(fs::path(home ? home : "/") / "pwned"));
}

TEST(RemoteRun, TheQueueKeepsTheHostsLimitAndANewQueueAttachesTheRunLeftGoing) {
  RemoteFixture f;
  auto host = *f.store.host("lab");
  host.max_runs = 1;
  f.store.put_host(host);
  const int steps = 60;
  const auto doc = r1wb::testing::tiny_moe_doc(steps, 100, 1);
  int64_t first = 0, second = 0;
  {
    RunQueue queue(f.store, R1WB_RUNNER, (f.dir / "local").string(), 4, f.jobs());
    first = queue.enqueue("tiny-moe", doc.dump(), {}, "lab");
    second = queue.enqueue("tiny-moe", doc.dump(), {}, "lab");
    EXPECT_THROW(queue.enqueue("tiny-moe", doc.dump(), {}, "nosuch"), std::runtime_error);
    const auto ev = queue.fill_slots();
    EXPECT_EQ(ev.started, std::vector<int64_t>{first}) << "one run at a time on lab";
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    while (f.row(first).last_step < 5 && Clock::now() < deadline) {
      queue.pump();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_TRUE(queue.is_queued(second));
  }  // the app closes: the queue goes, the run on lab does not
  EXPECT_EQ(f.row(first).status, RunStatus::Running);
  RunQueue queue(f.store, R1WB_RUNNER, (f.dir / "local").string(), 4, f.jobs());
  EXPECT_TRUE(queue.is_active(first)) << "attached again";
  EXPECT_TRUE(queue.is_queued(second));
  const auto deadline = Clock::now() + std::chrono::seconds(180);
  while (queue.busy() && Clock::now() < deadline) {
    queue.pump();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (int64_t id : {first, second}) {
    EXPECT_EQ(f.row(id).status, RunStatus::Completed) << f.row(id).message;
    EXPECT_EQ(f.store.count_metric_points(id, "train/loss", int64_t(1) << 40), steps) << "every step once";
  }
}

TEST(RemoteRun, AStartThatFailsOnTheNodeFailsTheRunNamingWhy) {
  RemoteFixture f;
  f.store.put_host(f.node.host_row("broken", f.workdir, "/nowhere/r1wb-run"));
  RunLaunch l;
  l.runs_root = (f.dir / "local").string();
  l.experiment_name = "tiny-moe";
  l.config_json = r1wb::testing::tiny_moe_doc(10, 100, 1).dump();
  l.target_host = "broken";
  l.remote_workdir = f.workdir;
  const int64_t id = RunController::prepare(f.store, l);
  RunController c(f.store, f.jobs());
  const auto t0 = Clock::now();
  c.resume(id, "/nowhere/r1wb-run");
  EXPECT_LT(Clock::now() - t0, std::chrono::milliseconds(200)) << "starting never waits on the network";
  ASSERT_TRUE(pump_until(c, [&] { return c.finished(); }, std::chrono::seconds(30)));
  EXPECT_EQ(c.exit_code(), 1);
  const auto row = f.row(id);
  EXPECT_EQ(row.status, RunStatus::Failed);
  EXPECT_NE(row.message.find("cannot start the runner"), std::string::npos) << row.message;
  EXPECT_NE(row.message.find("/nowhere/r1wb-run"), std::string::npos) << row.message;
}

TEST(RemoteRun, OnATwoFactorHostACutLinkWaitsUnreachableWithoutAskingUntilTheUserReconnectsOrAttaches) {
  ASSERT_TRUE(r1wb::testing::pam_service_installed()) << "scripts/install-test-consumers.sh writes its PAM service";
  TwoFactorFixture f;
  const int steps = 300;
  const int64_t id = f.prepare(r1wb::testing::tiny_moe_doc(steps, 100, 1));
  // A code the host accepts now (its window is the 30 s before, now, and the 30 s after) and
  // has not seen: a used one is refused.
  std::set<std::string> used;
  const auto fresh_code = [&] {
    for (int w : {0, 1, -1}) {
      const auto code = r1wb::testing::totp(f.node.key, std::time(nullptr) + 30 * w);
      if (used.insert(code).second) return code;
    }
    return std::string("none left");
  };
  f.next_code = fresh_code();
  auto c = std::make_unique<RunController>(f.store, f.jobs());
  c->resume(id, R1WB_RUNNER);
  ASSERT_TRUE(pump_until(*c, [&] { return f.row(id).last_step >= 5; })) << f.row(id).message;
  EXPECT_EQ(f.asked, 1) << "one code for the connection that started the run";
  // The link breaks: the job reconnects with its backoff, but a one-time code cannot be replayed
  // and is not asked again, so the run waits unreachable, saying why, and is never stopped.
  dynamic_cast<SshJob&>(*c->job()).sever();
  ASSERT_TRUE(pump_until(
      *c, [&] { return f.row(id).message.find("keyboard-interactive") != std::string::npos; },
      std::chrono::seconds(30)))
      << f.row(id).message;
  EXPECT_EQ(f.row(id).status, RunStatus::Unreachable);
  std::printf("[ 2fa     ] after the cut: %s\n", f.row(id).message.c_str());
  EXPECT_NE(f.row(id).message.find("reconnect the run (Run menu, r1wb-ctl attach) to enter one"), std::string::npos);
  pump_until(*c, [] { return false; }, std::chrono::seconds(3));  // more backoff rounds
  EXPECT_EQ(f.asked, 1) << "no question at any reconnect";
  // The user reconnects (the app's Run > Reconnect): one new code, and the stream goes on.
  f.next_code = fresh_code();
  c->reconnect_now();
  ASSERT_TRUE(pump_until(*c, [&] { return c->job()->reachable() && f.row(id).status == RunStatus::Running; }))
      << f.row(id).message;
  EXPECT_EQ(f.asked, 2);
  // Cut again; this time the app is restarted (r1wb-ctl attach, the next app start): the new
  // job asks one new code and backfills to the end.
  dynamic_cast<SshJob&>(*c->job()).sever();
  pump_until(*c, [&] { return f.row(id).status == RunStatus::Unreachable; }, std::chrono::seconds(10));
  f.next_code = fresh_code();
  c = std::make_unique<RunController>(f.store, f.jobs());
  c->attach(id);
  ASSERT_TRUE(pump_until(*c, [&] { return c->finished(); })) << f.row(id).message;
  EXPECT_EQ(f.asked, 3);
  EXPECT_EQ(f.row(id).status, RunStatus::Completed) << f.row(id).message;
  EXPECT_EQ(f.store.count_metric_points(id, "train/loss", int64_t(1) << 40), steps) << "every step once";
}

TEST(RemoteRun, ALocalCorpusIsSentOnceByContentAndTheNodeTrainsOnTheCopy) {
  RemoteFixture f;
  // A corpus folder on this machine, its names full of shell metacharacters.
  const auto corpus = f.dir / "my corpus; $(touch pwned)";
  fs::create_directories(corpus / "sub 'dir'");
  std::string text;
  for (int i = 0; i < 400; ++i) text += "the quick brown fox " + std::to_string(i) + " jumps over the lazy dog.\n\n";
  std::ofstream(corpus / "a \"quoted\" file.txt") << text;
  std::ofstream(corpus / "sub 'dir'" / "b.txt") << text.substr(0, 5000);
  auto doc = r1wb::testing::tiny_moe_doc(30, 0, 5);
  doc["data"] = {{"task", "text"}, {"corpus", corpus.string()}, {"packing", "pack"}, {"seq_len", 32}};
  const auto run = [&] {
    const int64_t id = f.prepare(doc, "text");
    RunController c(f.store, f.jobs());
    c.resume(id, R1WB_RUNNER);
    EXPECT_TRUE(pump_until(c, [&] { return c.finished(); })) << f.row(id).message;
    EXPECT_EQ(f.row(id).status, RunStatus::Completed) << f.row(id).message;
    return nlohmann::json::parse(std::ifstream(fs::path(f.row(id).remote_dir) / "config.json"));
  };
  const auto first = run(), second = run();
  const std::string copy = first["data"]["corpus"];
  std::printf("[ inputs  ] the node's config names %s\n", copy.c_str());
  EXPECT_EQ(copy.rfind(f.workdir + "/.r1wb-inputs/", 0), 0u) << copy;
  EXPECT_EQ(second["data"]["corpus"], copy) << "the same content, the same copy";
  EXPECT_TRUE(fs::exists(fs::path(copy).parent_path() / ".complete"));
  for (const auto& rel : {fs::path("a \"quoted\" file.txt"), fs::path("sub 'dir'") / "b.txt"}) {
    std::ifstream a(corpus / rel), b(fs::path(copy) / rel);
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(a), {}), std::string(std::istreambuf_iterator<char>(b), {}))
        << rel;
  }
  auto folders = [&] {
    int n = 0;
    for (const auto& e : fs::directory_iterator(fs::path(f.workdir) / ".r1wb-inputs")) n += e.is_directory();
    return n;
  };
  EXPECT_EQ(folders(), 1) << "a second run over the same corpus sends nothing";
  EXPECT_FALSE(fs::exists(f.dir / "pwned")) << "names reach the node as data";
  EXPECT_FALSE(fs::exists(fs::current_path() / "pwned"));
  // The local config keeps the local path; a changed corpus is a new copy.
  std::ofstream(corpus / "sub 'dir'" / "b.txt", std::ios::app) << "one more line\n";
  const auto third = run();
  EXPECT_NE(third["data"]["corpus"], copy);
  EXPECT_EQ(folders(), 2);
}

TEST(RemoteRun, ThreeRunsOnOneHostStreamOverOneConnectionAndACutOneIsMadeAgainOnceForAll) {
  RemoteFixture f;
  // sshd logs each login; the trust step before made none (it stopped at the host key).
  const auto logins = [&] {
    std::ifstream log(f.dir / "sshd" / "sshd.log");
    int n = 0;
    for (std::string line; std::getline(log, line);) n += line.find("Accepted publickey") != std::string::npos;
    return n;
  };
  const int steps = 120;
  const auto jobs = f.jobs();  // one factory, as the app's queue has: its runs share connections
  std::vector<std::unique_ptr<RunController>> cs;
  std::vector<int64_t> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(f.prepare(r1wb::testing::tiny_moe_doc(steps, 40, 1)));
    cs.push_back(std::make_unique<RunController>(f.store, jobs));
    cs.back()->resume(ids.back(), R1WB_RUNNER);
  }
  const auto pump_all = [&](auto done, std::chrono::seconds limit) {
    const auto deadline = Clock::now() + limit;
    while (!done() && Clock::now() < deadline) {
      for (auto& c : cs) c->pump();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return done();
  };
  const auto all = [&](auto pred) {
    for (size_t i = 0; i < cs.size(); ++i)
      if (!pred(i)) return false;
    return true;
  };
  ASSERT_TRUE(pump_all([&] { return all([&](size_t i) { return f.row(ids[i]).last_step >= 5; }); },
                       std::chrono::seconds(120)));
  EXPECT_EQ(logins(), 1) << "three runs, one connection";
  // The connection breaks under all three; the first to reconnect makes the new one, the others
  // share it.
  dynamic_cast<SshJob&>(*cs[0]->job()).sever();
  ASSERT_TRUE(pump_all([&] { return all([&](size_t i) { return !cs[i]->job()->reachable(); }); },
                       std::chrono::seconds(10)))
      << "one cut reaches every run on the connection";
  ASSERT_TRUE(pump_all([&] { return all([&](size_t i) { return cs[i]->finished(); }); }, std::chrono::seconds(240)));
  std::printf("[ pool    ] 3 runs, %d logins (one before the cut, one after)\n", logins());
  EXPECT_EQ(logins(), 2);
  for (int64_t id : ids) {
    EXPECT_EQ(f.row(id).status, RunStatus::Completed) << f.row(id).message;
    EXPECT_EQ(f.store.count_metric_points(id, "train/loss", int64_t(1) << 40), steps) << "every step once";
  }
}

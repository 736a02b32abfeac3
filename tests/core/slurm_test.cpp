// The Slurm pieces that need no cluster: the batch script (run under bash with a stand-in
// runner, so what would run is asserted, not the text), option checks, and reading scontrol's
// and squeue's output (22.05's layout and 23.02+'s), the follow's place lines, and the follow of
// an ended job reading on while a shared filesystem's view of the log lags (a stand-in scontrol).
#include "core/jobs/run_follow.h"
#include "core/slurm/slurm_job_state.h"
#include "core/slurm/slurm_script.h"
#include "core/slurm/slurm_watch.h"
#include "core/wire/event_log.h"
#include "tests/support/test_dirs.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace r1wb::slurm {
namespace {
namespace fs = std::filesystem;
using r1wb::testing::slurp;
using r1wb::testing::TempDir;

TEST(SlurmScript, CarriesTheOptionsAndRunsTheRunnerInTheRunDirectoryWithNamesAsData) {
  TempDir tmp;
  const std::string odd = "it's a \"run\"; $(touch pwned) `x` \nnew line";
  fs::create_directories(tmp.path / odd);
  // A stand-in runner that writes the arguments and directory it was given.
  const auto runner = tmp.path / "fake runner";
  std::ofstream(runner) << "#!/bin/sh\nprintf '%s\\n' \"$PWD\" \"$@\" > \"$PWD/ran.txt\"\n";
  fs::permissions(runner, fs::perms::owner_all);
  SlurmOptions o;
  o.partition = "gpu", o.account = "lab-a", o.time = "1-02:00:00", o.mem = "16G", o.gpus = 2, o.cpus_per_task = 8;
  o.extra = {"--qos=high"};
  o.signal_lead_s = 300;
  const std::string script = batch_script(o, {odd, runner.string(), {odd}});
  for (const char* line : {"#SBATCH --partition=gpu\n", "#SBATCH --account=lab-a\n", "#SBATCH --time=1-02:00:00\n",
                           "#SBATCH --mem=16G\n", "#SBATCH --gres=gpu:2\n", "#SBATCH --cpus-per-task=8\n",
                           "#SBATCH --qos=high\n", "#SBATCH --signal=B:USR1@300\n", "#SBATCH --requeue\n",
                           "#SBATCH --open-mode=append\n", "#SBATCH --output=slurm-%j.out\n"})
    EXPECT_NE(script.find(line), std::string::npos) << line << " missing from\n" << script;
  EXPECT_EQ(script.find("--array"), std::string::npos);
  EXPECT_NE(script.find("#SBATCH --job-name=r1wb-it_s_a__run_____touch_pwned___x___new_line\n"), std::string::npos)
      << script;
  std::ofstream(tmp.path / "job.sbatch") << script;
  ASSERT_EQ(std::system(("cd '" + tmp.path.string() + "' && bash job.sbatch").c_str()), 0);
  EXPECT_FALSE(fs::exists(tmp.path / "pwned"));
  const std::string ran = slurp((tmp.path / odd / "ran.txt").string());
  EXPECT_EQ(ran, (tmp.path / odd).string() + "\ntrain\nconfig.json\n--run-dir\n" + (tmp.path / odd).string() +
                     "\n--no-stream\n");
}

TEST(SlurmScript, SeveralRanksGoThroughSrunOneRankPerTask) {
  SlurmOptions o;
  EXPECT_EQ(set_options(o, "nodes=2 tasks_per_node=4"), "");
  const std::string script = batch_script(o, {"dp", "r1wb-run", {"."}});
  EXPECT_NE(script.find("#SBATCH --nodes=2\n#SBATCH --ntasks-per-node=4\n"), std::string::npos) << script;
  EXPECT_NE(script.find("exec srun --kill-on-bad-exit=1 'r1wb-run' train config.json --run-dir \"$PWD\" --no-stream "
                        "--slurm-ranks\n"),
            std::string::npos)
      << script;
  const std::string alone = batch_script({}, {"one", "r1wb-run", {"."}});
  EXPECT_EQ(alone.find("srun"), std::string::npos);
  EXPECT_EQ(alone.find("--nodes"), std::string::npos);
  EXPECT_NE(set_option(o, "nodes=0").find("slurm.nodes: '0'"), std::string::npos);
}

TEST(SlurmScript, AnArrayRunsTheDirectoryOfItsTask) {
  TempDir tmp;
  const auto runner = tmp.path / "runner";
  std::ofstream(runner) << "#!/bin/sh\nprintf '%s\\n' \"$PWD\" > ran.txt\n";
  fs::permissions(runner, fs::perms::owner_all);
  std::vector<std::string> dirs{"a-1", "a 2", "a;3", "a'4"};
  for (const auto& d : dirs) fs::create_directories(tmp.path / d);
  const std::string script = batch_script({}, {"grid", runner.string(), dirs});
  EXPECT_NE(script.find("#SBATCH --array=0-3\n"), std::string::npos);
  EXPECT_NE(script.find("#SBATCH --output=slurm-%A_%a.out\n"), std::string::npos);
  std::ofstream(tmp.path / "job.sbatch") << script;
  for (int task = 0; task < 4; ++task) {
    const std::string cmd = "cd '" + tmp.path.string() + "' && SLURM_ARRAY_JOB_ID=7 SLURM_ARRAY_TASK_ID=" +
                            std::to_string(task) + " bash job.sbatch";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    EXPECT_EQ(slurp((tmp.path / dirs[size_t(task)] / "ran.txt").string()), (tmp.path / dirs[size_t(task)]).string() + "\n");
    EXPECT_TRUE(fs::exists(tmp.path / dirs[size_t(task)] / ("slurm-7_" + std::to_string(task) + ".out")));
  }
}

TEST(SlurmOptions, EveryBadValueIsRefusedNamingTheFieldAndTheValue) {
  struct Case {
    const char* key_value;
    const char* expect;
  };
  for (const Case c : {Case{"partition=gpu;rm -rf", "slurm.partition: 'gpu;rm -rf'"},
                       Case{"time=1 day", "slurm.time: '1 day'"}, Case{"mem=lots", "slurm.mem: 'lots'"},
                       Case{"gpus=-1", "slurm.gpus: '-1'"}, Case{"gpus=two", "slurm.gpus: 'two' is not an integer"},
                       Case{"extra=--wrap=\"rm -rf /\"", "slurm.extra: '--wrap=\"rm -rf /\"'"},
                       Case{"extra=-p x", "slurm.extra"}, Case{"signal_lead_s=5", "slurm.signal_lead_s: '5'"},
                       Case{"colour=red", "unknown key 'colour'"}, Case{"partition", "expected key=value"}}) {
    SlurmOptions o;
    const std::string err = set_option(o, c.key_value);
    EXPECT_NE(err.find(c.expect), std::string::npos) << c.key_value << " -> " << err;
    EXPECT_EQ(to_json(o), to_json(SlurmOptions{})) << "a refused value changed the options";
  }
  SlurmOptions o;
  for (const char* kv : {"partition=gpu", "time=2:00:00", "mem=4000M", "gpus=1", "extra=--qos=high", "stop_grace_s=30"})
    EXPECT_EQ(set_option(o, kv), "") << kv;
  std::string err;
  const auto back = options_from_json(to_json(o), err);
  ASSERT_TRUE(back) << err;
  EXPECT_EQ(to_json(*back), to_json(o));
  EXPECT_EQ(to_words(o), "partition=gpu time=2:00:00 mem=4000M gpus=1 extra=--qos=high stop_grace_s=30");
  SlurmOptions words;
  EXPECT_EQ(set_options(words, to_words(o)), "");
  EXPECT_EQ(to_json(words), to_json(o)) << "the words read back as the same options";
  EXPECT_NE(set_options(words, "gpus=3 mem=lots").find("slurm.mem"), std::string::npos);
  EXPECT_EQ(words.gpus, 1) << "a list with a bad word changes nothing";
  EXPECT_EQ(to_words(SlurmOptions{}), "-");
  EXPECT_FALSE(options_from_json("{\"gpus\": \"x\"}", err));
  EXPECT_NE(err.find("slurm"), std::string::npos);
}

TEST(SlurmJobState, ReadsScontrolLinesWithSpacesInValues) {
  const auto j = parse_scontrol_line(
      "JobId=41 ArrayJobId=40 ArrayTaskId=1 JobName=r1wb-x UserId=ana(1000) GroupId=ana(1000) JobState=PENDING "
      "Reason=BeginTime Dependency=(null) Requeue=1 Restarts=2 BatchFlag=1 ExitCode=0:0 RunTime=00:01:05 "
      "TimeLimit=1-00:00:00 Partition=debug NodeList=(null) WorkDir=/home/ana/my runs/x StdOut=/tmp/o\n");
  ASSERT_TRUE(j);
  EXPECT_EQ(j->id, "40_1");
  EXPECT_EQ(j->user, "ana");
  EXPECT_EQ(j->work_dir, "/home/ana/my runs/x");
  EXPECT_EQ(j->restarts, 2);
  EXPECT_TRUE(j->requeue);
  EXPECT_EQ(j->elapsed_s, 65);
  EXPECT_EQ(j->time_limit_s, 86400);
  EXPECT_EQ(j->nodes, "");
  EXPECT_EQ(status_of(*j), RunStatus::Preempted);
  EXPECT_NE(describe(*j).find("requeued (2 restarts)"), std::string::npos) << describe(*j);
  struct Case {
    const char* state;
    int restarts;
    RunStatus status;
    Phase phase;
    bool requeue = false;
  };
  for (const Case c : {Case{"PENDING", 0, RunStatus::Pending, Phase::Waiting},
                       Case{"RUNNING", 1, RunStatus::Running, Phase::Running},
                       Case{"COMPLETING", 0, RunStatus::Running, Phase::Running},
                       Case{"COMPLETED", 0, RunStatus::Completed, Phase::Ended},
                       Case{"CANCELLED", 0, RunStatus::Cancelled, Phase::Ended},
                       Case{"TIMEOUT", 0, RunStatus::TimedOut, Phase::Ended},
                       Case{"NODE_FAIL", 0, RunStatus::Failed, Phase::Ended},
                       Case{"OUT_OF_MEMORY", 0, RunStatus::Failed, Phase::Ended},
                       Case{"REQUEUE_HOLD", 1, RunStatus::Preempted, Phase::Waiting},
                       // Requeueable: the moment before Slurm queues it again, not the run's end.
                       Case{"NODE_FAIL", 0, RunStatus::Preempted, Phase::Waiting, true},
                       Case{"PREEMPTED", 0, RunStatus::Preempted, Phase::Waiting, true},
                       Case{"PREEMPTED", 0, RunStatus::Preempted, Phase::Ended, false},
                       Case{"FAILED", 0, RunStatus::Failed, Phase::Ended, true}}) {
    JobInfo i;
    i.state = c.state, i.restarts = c.restarts, i.requeue = c.requeue;
    EXPECT_EQ(status_of(i), c.status) << c.state << " requeue " << c.requeue;
    EXPECT_EQ(phase_of(i), c.phase) << c.state << " requeue " << c.requeue;
  }
  JobInfo failed_node;
  failed_node.id = "7", failed_node.state = "NODE_FAIL", failed_node.requeue = true;
  EXPECT_NE(describe(failed_node).find("requeueable, waiting for Slurm to queue it again"), std::string::npos);
  JobInfo killed;
  killed.state = "FAILED", killed.exit_signal = 9;
  EXPECT_EQ(exit_code_of(killed), 137);
  EXPECT_FALSE(parse_scontrol_line("slurm_load_jobs error: Invalid job id specified"));
}

TEST(SlurmJobState, ReadsSqueueJsonOfBothLayouts) {
  const std::string v22 = R"({"meta":{},"errors":[],"jobs":[
    {"job_id":7,"name":"r1wb-a","user_name":"ana","job_state":"RUNNING","state_reason":"None","nodes":"n1",
     "partition":"gpu","current_working_directory":"/w/a","restart_cnt":0,"exit_code":0,"start_time":1000,
     "end_time":0,"time_limit":60,"array_job_id":0,"array_task_id":null},
    {"job_id":9,"name":"r1wb-b","user_name":"ana","job_state":"PENDING","state_reason":"Resources","nodes":"",
     "partition":"gpu","current_working_directory":"/w/b","restart_cnt":0,"exit_code":0,"start_time":0,
     "end_time":0,"time_limit":null,"array_job_id":8,"array_task_id":1},
    {"job_id":5,"name":"x","user_name":"ana","job_state":"FAILED","state_reason":"None","nodes":"n2",
     "partition":"gpu","current_working_directory":"/w/c","restart_cnt":0,"exit_code":768,"start_time":100,
     "end_time":160,"time_limit":60,"array_job_id":0,"array_task_id":null}]})";
  const auto jobs = parse_squeue_json(v22, 1100);
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(jobs[0].elapsed_s, 100);
  EXPECT_EQ(jobs[0].time_limit_s, 3600);
  EXPECT_EQ(jobs[1].id, "8_1");
  EXPECT_EQ(status_of(jobs[1]), RunStatus::Pending);
  EXPECT_EQ(jobs[2].exit_code, 3);
  EXPECT_EQ(jobs[2].elapsed_s, 60);
  const std::string v23 = R"({"jobs":[{"job_id":11,"name":"r1wb-c","user_name":"ana","job_state":["TIMEOUT"],
     "state_reason":"TimeLimit","nodes":"n3","partition":"gpu","current_working_directory":"/w/d",
     "restart_cnt":0,"exit_code":{"status":["SIGNALED"],"return_code":{"set":true,"number":0},
     "signal":{"id":{"set":true,"number":15}}},"start_time":{"set":true,"number":10},
     "end_time":{"set":true,"number":70},"time_limit":{"set":true,"number":1},
     "array_job_id":{"set":true,"number":0},"array_task_id":{"set":false,"number":0}}]})";
  const auto j23 = parse_squeue_json(v23, 100);
  ASSERT_EQ(j23.size(), 1u);
  EXPECT_EQ(j23[0].id, "11");
  EXPECT_EQ(status_of(j23[0]), RunStatus::TimedOut);
  EXPECT_EQ(exit_code_of(j23[0]), 143);
  EXPECT_EQ(j23[0].elapsed_s, 60);
  EXPECT_THROW(parse_squeue_json("squeue: error: Unable to contact slurm controller", 0), std::runtime_error);
  EXPECT_THROW(parse_squeue_json("{\"errors\":[]}", 0), std::runtime_error);
}

TEST(PlaceLine, RoundTripsWhatTheFollowWrites) {
  const auto p = parse_place_line(std::string(kPlaceLinePrefix) + "42 pending Slurm job 7 pending (Resources)");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->seq, 42u);
  EXPECT_EQ(p->status, "pending");
  EXPECT_EQ(p->note, "Slurm job 7 pending (Resources)");
  EXPECT_FALSE(parse_place_line("r1wb-run follow: something else"));
  EXPECT_FALSE(parse_place_line(std::string(kPlaceLinePrefix) + "x pending"));
}

}  // namespace
}  // namespace r1wb::slurm

namespace r1wb::slurm {
namespace {

TEST(SlurmFollow, AJobSlurmCallsEndedIsReadOnUntilTheLogSaysTheRunEndedAsASharedFilesystemLags) {
  TempDir t;
  const auto run = t.path / "run";
  fs::create_directories(run);
  std::ofstream(run / kJobFile) << R"({"job_id": "77", "stop_grace_s": 60})";
  // A stand-in scontrol: the job has ended (the compute node wrote its last records already).
  const auto bin = t.path / "bin";
  fs::create_directories(bin);
  std::ofstream(bin / "scontrol") << "#!/bin/sh\necho 'JobId=77 JobName=r1wb-x UserId=u(1) JobState=COMPLETED "
                                     "Reason=None Requeue=1 Restarts=0 ExitCode=0:0 RunTime=00:00:05 "
                                     "TimeLimit=UNLIMITED Partition=debug NodeList=n1 WorkDir=/tmp'\n";
  fs::permissions(bin / "scontrol", fs::perms::owner_all);
  const std::string old_path = std::getenv("PATH");
  ::setenv("PATH", (bin.string() + ":" + old_path).c_str(), 1);
  const auto log = (run / "events.log").string();
  {
    EventLogWriter w(log);
    w.append(wire::Status{0, "running", ""});
    for (int i = 1; i <= 3; ++i) w.append(wire::Metrics{i, 0.0, {{"train/loss", 1.0}}});
    w.flush();
  }
  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  std::ostringstream err;
  int code = -1;
  const auto start = std::chrono::steady_clock::now();
  std::thread follower([&] {
    code = follow_run(run.string(), 0, -1, out[1], err);
    ::close(out[1]);
  });
  // The last records reach this machine's view of the log 1.5 s after Slurm said "ended".
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  {
    EventLogWriter w(log);
    w.append(wire::Metrics{4, 0.0, {{"train/loss", 1.0}}});
    w.append(wire::Status{4, "completed", ""});
    w.flush();
  }
  std::string stream;
  char buf[4096];
  for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;) stream.append(buf, size_t(n));
  follower.join();
  ::close(out[0]);
  ::setenv("PATH", old_path.c_str(), 1);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(code, 0) << err.str();
  wire::StreamDecoder d;
  d.feed(stream.data(), stream.size());
  std::vector<uint64_t> seqs;
  while (auto r = d.next()) seqs.push_back(r->seq);
  EXPECT_EQ(seqs, (std::vector<uint64_t>{1, 2, 3, 4, 5, 6})) << "the late records are in the stream";
  EXPECT_LT(took, 10.0) << "done once the log said so, not after the whole linger";
}

}  // namespace
}  // namespace r1wb::slurm

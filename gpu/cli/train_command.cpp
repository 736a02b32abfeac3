// `r1wb-run train CONFIG --run-dir DIR`: one rank of a run (or the launcher of --nproc ranks),
// its event sink, the request listener on stdin, and the trainer.
#include "core/config/config.h"
#include "core/run_command.h"
#include "core/store/store.h"
#include "gpu/cli/cli_args.h"
#include "gpu/cli/commands.h"
#include "gpu/cli/request_listener.h"
#include "gpu/cli/stage_objective.h"
#include "gpu/dist/data_parallel.h"
#include "gpu/dist/rank_launcher.h"
#include "gpu/train/event_sink.h"
#include "gpu/train/trainer.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <optional>
#include <iostream>

namespace fs = std::filesystem;

namespace r1wb::gpu {
namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) { g_stop.store(true); }
std::atomic<bool> g_preempt{false};  // SIGUSR1: Slurm's warning before preemption or the time limit
extern "C" void on_preempt_signal(int) { g_preempt.store(true); }
std::atomic<bool> g_probe{false};  // SIGUSR2 or a ProbeNow request: probes after this step
extern "C" void on_probe_signal(int) { g_probe.store(true); }

const char* kTrainUsage =
    "usage: r1wb-run train CONFIG --run-dir DIR [--steps N] [--store DB] [--nproc N]\n"
    "                      [--stream | --no-stream]\n"
    "\n"
    "Trains the experiment in CONFIG. Records go to DIR/events.log and, when stdout is not a\n"
    "terminal (or with --stream), the same bytes to stdout. A progress line goes to stderr.\n"
    "  --run-dir DIR   run directory (config.json, events.log, checkpoints/); resumes from\n"
    "                  its newest checkpoint when it holds one\n"
    "  --steps N       stop after global step N (the schedule still spans train.steps);\n"
    "                  run again without it to continue\n"
    "  --store DB      also ingest every record into the SQLite store DB as it is written\n"
    "  --slurm-ranks   one task of `srun` in a Slurm allocation: rank $SLURM_PROCID of\n"
    "                  $SLURM_NTASKS, meeting at a TCP store rank 0 serves on the node srun\n"
    "                  ran on ($SLURM_LAUNCH_NODE_IPADDR, port 29500 + job id mod 10000)\n"
    "  --nproc N       data parallel over N processes on this machine (c10d Gloo): each takes\n"
    "                  train.batch_size / N rows of every micro-batch; rank 0 writes the run\n"
    "                  (ranks 1..N-1 log to DIR/ranks/rank-R.log)\n"
    "SIGUSR2: probe routing and attention after the current step.\n"
    "SIGUSR1 (Slurm's --signal=B:USR1@N): finish the step, checkpoint, end as preempted and, in a\n"
    "Slurm job, ask for it to be requeued (scontrol requeue $SLURM_JOB_ID); exit 3.\n"
    "SIGTERM or SIGINT: finish the step, checkpoint, exit 3. Exit 4: the run finished, but\n"
    "DIR/events.log was damaged before it began (records were lost; the warnings say which).\n";

//! The paths to other runs (a parent, a teacher, a teacher's kept samples) as absolute paths,
//! resolved against this working directory: the run's config.json is read later from others
//! (the app's lineage and compression views, compress-report), where a relative path would
//! name nothing or the wrong run.
void store_other_runs_absolute(ConfigResult& r) {
  for (auto [pointer, field] : {std::pair{"/init/run", &r.experiment.init.run},
                                {"/distill/teacher", &r.experiment.distill.teacher},
                                {"/distill/dataset", &r.experiment.distill.dataset}}) {
    if (field->empty() || fs::path(*field).is_absolute()) continue;
    *field = fs::absolute(*field).lexically_normal().string();
    r.resolved[nlohmann::json::json_pointer(pointer)] = *field;
  }
}

struct SlurmRanks {
  int64_t rank = 0, world = 1;
  std::string host;
  int port = 0;
};

//! This task's place in its srun step, from Slurm's environment; nullopt with `why` outside one.
std::optional<SlurmRanks> slurm_ranks_from_env(std::string& why) {
  const char *procid = std::getenv("SLURM_PROCID"), *ntasks = std::getenv("SLURM_NTASKS"),
             *host = std::getenv("SLURM_LAUNCH_NODE_IPADDR"), *job = std::getenv("SLURM_JOB_ID");
  if (!procid || !ntasks || !host || !job) {
    why = "SLURM_PROCID, SLURM_NTASKS, SLURM_LAUNCH_NODE_IPADDR and SLURM_JOB_ID must be set (run it under srun)";
    return std::nullopt;
  }
  SlurmRanks r;
  r.rank = std::atoll(procid), r.world = std::atoll(ntasks), r.host = host;
  r.port = 29500 + int(std::atoll(job) % 10000);
  if (r.world < 1 || r.rank < 0 || r.rank >= r.world) {
    why = std::string("SLURM_PROCID ") + procid + " of SLURM_NTASKS " + ntasks + " is no rank";
    return std::nullopt;
  }
  return r;
}

//! After a checkpoint on SIGUSR1: puts this Slurm job back in the queue, where it resumes from
//! the checkpoint. Slurm ends this process as it requeues; the exit code is for when it does not.
int requeue_slurm_job() {
  const char* job = std::getenv("SLURM_JOB_ID");
  if (!job) {
    std::cerr << "preempted (SIGUSR1) outside a Slurm job: checkpointed; run again to resume\n";
    return kExitStopped;
  }
  std::cerr << "checkpointed on SIGUSR1; requeueing Slurm job " << job << "\n";
  const auto r = run_command({"scontrol", "requeue", job}, 60);
  if (r.exit_code != 0) std::cerr << "error: scontrol requeue " << job << " failed: " << r.err << r.out << "\n";
  return kExitStopped;
}

}  // namespace

int cmd_train(const std::vector<std::string>& args) {
  if (wants_help(args)) {
    std::cout << kTrainUsage;
    return kExitOk;
  }
  std::string err;
  auto a = parse_args(args, {"run-dir", "steps", "store", "nproc", "rank", "world"}, {"stream", "no-stream", "slurm-ranks"},
                      err);
  if (!a) return usage_error(err, kTrainUsage);
  if (a->positional.size() != 1) return usage_error("train takes one CONFIG file", kTrainUsage);
  if (!a->options.count("run-dir")) return usage_error("train needs --run-dir DIR", kTrainUsage);
  const auto steps = int_option(*a, "steps", -1, 1);
  if (!steps) return usage_error("--steps: '" + a->options["steps"] + "' is not a positive integer", kTrainUsage);
  const int64_t stop_after = *steps;
  const auto nproc = int_option(*a, "nproc", 1, 1);
  if (!nproc) return usage_error("--nproc: '" + a->options["nproc"] + "' is not a positive integer", kTrainUsage);
  auto rank = int_option(*a, "rank", 0, 0), world = int_option(*a, "world", *nproc, 1);
  std::optional<SlurmRanks> slurm_ranks;
  if (a->flags.count("slurm-ranks")) {
    std::string why;
    slurm_ranks = slurm_ranks_from_env(why);
    if (!slurm_ranks) return usage_error("--slurm-ranks: " + why, kTrainUsage);
    rank = slurm_ranks->rank, world = slurm_ranks->world;
  }
  if (!rank || !world || *rank >= *world) return usage_error("--rank/--world: expected 0 <= rank < world", kTrainUsage);
  auto r = load_experiment_file(a->positional[0]);
  if (!r.ok()) {
    print_errors(r);
    return kExitUsage;
  }
  store_other_runs_absolute(r);

  try {
    check_batch_divides(r.experiment.train, int(*world));
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << " (--nproc " << *world << ")\n";
    return kExitUsage;
  }
  if (a->options.count("store")) {  // an unusable store fails before anything is created
    try {
      Store check(a->options["store"]);
    } catch (const std::exception& e) {
      std::cerr << "error: --store: " << e.what() << "\n";
      return kExitFailure;
    }
  }
  const std::string run_dir = a->options["run-dir"];
  std::error_code ec;
  fs::create_directories(run_dir, ec);
  if (ec) {
    std::cerr << "error: cannot create run directory '" << run_dir << "': " << ec.message() << "\n";
    return kExitFailure;
  }
  const auto config_path = fs::path(run_dir) / "config.json";
  const std::string resolved = r.resolved.dump(2);
  if (fs::exists(config_path)) {
    auto existing = load_experiment_file(config_path.string());
    if (existing.ok() && existing.resolved != r.resolved) {
      std::cerr << "error: " << run_dir << " holds a run of a different experiment (config.json differs);"
                << " use a new --run-dir or resume with " << config_path.string() << "\n";
      return kExitUsage;
    }
  }
  if (!fs::exists(config_path) || fs::path(a->positional[0]) != config_path) {
    std::ofstream(config_path) << resolved << "\n";
  }

  const bool stream = a->flags.count("stream") || (!a->flags.count("no-stream") && !::isatty(STDOUT_FILENO));
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGTERM, on_stop_signal);
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGUSR2, on_probe_signal);
  std::signal(SIGUSR1, on_preempt_signal);

  std::unique_ptr<EventSink> sink;
  std::vector<pid_t> ranks;
  try {
    const bool worker = *rank > 0;
    if (*nproc > 1) ranks = start_ranks(run_dir, int(*nproc));
    const std::string sink_dir =
        worker ? (fs::path(run_dir) / "ranks" / ("rank-" + std::to_string(*rank))).string() : run_dir;
    fs::create_directories(sink_dir);
    sink = std::make_unique<EventSink>(sink_dir, stream && !worker ? STDOUT_FILENO : -1,
                                       a->options.count("store") && !worker ? a->options["store"] : "", resolved,
                                       r.experiment.name);
    const auto& events = sink->writer();
    for (const auto& d : events.damage()) {
      std::string text = (fs::path(run_dir) / "events.log").string() + ": " + d.describe();
      if (!events.cut_tail_copy().empty() && d.resumes_at_seq == 0)
        text += "; the cut bytes are kept in " + events.cut_tail_copy();
      std::cerr << "warning: " << text << "\n";
      sink->log(wire::LogLevel::Warning, text);
    }
    // Requests (resend, stop, probe) come on stdin when a job started this runner.
    std::unique_ptr<RequestListener> requests;
    if (!worker && wire::carries_requests(STDIN_FILENO))
      requests = std::make_unique<RequestListener>(STDIN_FILENO, sink->writer(), g_stop, g_probe);
    std::unique_ptr<DataParallel> dp;
    if (*world > 1)
      dp = slurm_ranks ? std::make_unique<DataParallel>(int(*rank), int(*world), slurm_ranks->host, slurm_ranks->port)
                       : std::make_unique<DataParallel>(int(*rank), int(*world), rendezvous_path(run_dir));
    Trainer trainer(r.experiment, run_dir, *sink, resolved, make_stage_objective(r.experiment, run_dir));
    TrainOptions opts;
    opts.stop_after_step = stop_after;
    opts.stop_requested = &g_stop;
    opts.preempt_requested = &g_preempt;
    opts.progress = !worker;
    opts.probe_requested = &g_probe;
    opts.ranks = dp.get();
    auto res = trainer.run(opts);
    std::cerr << "run " << status_name(res.state) << " at step " << res.last_step << ": loss " << res.last_loss << ", "
              << static_cast<long long>(res.tokens_per_s) << " tokens/s\n";
    if (const auto failed = wait_ranks(ranks, run_dir); !failed.empty()) throw std::runtime_error(failed);
    // Rank 0 speaks for the run; a worker's 3 would make srun (--kill-on-bad-exit) end rank 0
    // while it writes the checkpoint or asks for the requeue.
    if (worker && (res.state == RunStatus::Preempted || res.state == RunStatus::Stopped)) return kExitOk;
    if (res.state == RunStatus::Preempted) return requeue_slurm_job();
    if (g_stop.load() && res.state == RunStatus::Stopped) return kExitStopped;
    return events.opened().lost_records() ? kExitDataLost : kExitOk;
  } catch (const std::exception& e) {
    for (pid_t pid : ranks) ::kill(pid, SIGKILL);  // they would wait for this rank until Gloo's timeout
    wait_ranks(ranks, run_dir);
    std::cerr << "error: " << e.what() << "\n";
    if (sink) {
      try {
        sink->log(wire::LogLevel::Error, e.what());
        sink->emit(wire::Status{0, status_name(RunStatus::Failed), e.what()});
        sink->flush(true);
      } catch (...) {}
    }
    return kExitFailure;
  }
}

}  // namespace r1wb::gpu

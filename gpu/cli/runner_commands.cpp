#include "gpu/cli/runner_commands.h"

#include "core/config/config.h"
#include "core/config/config_schema.h"
#include "core/wire/event_log.h"
#include "core/paths.h"
#include "core/store/store.h"
#include "gpu/cli/bench_command.h"
#include "gpu/cli/cli_args.h"
#include "gpu/dist/data_parallel.h"
#include "gpu/train/event_sink.h"
#include "gpu/dist/rank_launcher.h"
#include "gpu/train/trainer.h"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>

namespace fs = std::filesystem;

namespace r1wb::gpu {
namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) { g_stop.store(true); }

const char* kUsage =
    "r1wb-run: the R1 Workbench engine\n"
    "\n"
    "usage: r1wb-run COMMAND [ARGS]\n"
    "  validate CONFIG                      check an experiment; errors name the field path\n"
    "  train CONFIG --run-dir DIR [...]     train, writing DIR/events.log; resumes if DIR has a checkpoint\n"
    "  ingest DIR --store DB                load DIR/events.log into a store (idempotent)\n"
    "  bench CONFIG [--steps N]             time training steps: tokens/s, model FLOP/s, step parts\n"
    "  schema                               print every config key as a Markdown table\n"
    "\n"
    "`r1wb-run COMMAND --help` describes a command. Exit codes: 0 done, 1 failure,\n"
    "2 bad usage or invalid experiment, 3 stopped by a signal (resumable).\n";

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
    "  --nproc N       data parallel over N processes on this machine (c10d Gloo): each takes\n"
    "                  train.batch_size / N rows of every micro-batch; rank 0 writes the run\n"
    "                  (ranks 1..N-1 log to DIR/ranks/rank-R.log)\n"
    "SIGTERM or SIGINT: finish the step, checkpoint, exit 3.\n";

const char* kValidateUsage =
    "usage: r1wb-run validate CONFIG\n"
    "\n"
    "Validates CONFIG against the schema. Exit 0 when valid (the resolved experiment is\n"
    "printed with --print), 2 with one 'error: <path>: <message>' line per problem.\n";

const char* kIngestUsage =
    "usage: r1wb-run ingest DIR --store DB\n"
    "\n"
    "Ingests DIR/events.log into DB. Records the store already holds are skipped, so it\n"
    "can be run any number of times. A torn tail is reported and ignored.\n";

int cmd_validate(const std::vector<std::string>& args) {
  if (wants_help(args)) { std::cout << kValidateUsage; return kExitOk; }
  std::string err;
  auto a = parse_args(args, {}, {"print"}, err);
  if (!a) return usage_error(err, kValidateUsage);
  if (a->positional.size() != 1) return usage_error("validate takes one CONFIG file", kValidateUsage);
  auto r = load_experiment_file(a->positional[0]);
  if (!r.ok()) { print_errors(r); return kExitUsage; }
  if (a->flags.count("print")) std::cout << r.resolved.dump(2) << "\n";
  else std::cerr << a->positional[0] << ": valid\n";
  return kExitOk;
}

int cmd_train(const std::vector<std::string>& args) {
  if (wants_help(args)) { std::cout << kTrainUsage; return kExitOk; }
  std::string err;
  auto a = parse_args(args, {"run-dir", "steps", "store", "nproc", "rank", "world"}, {"stream", "no-stream"}, err);
  if (!a) return usage_error(err, kTrainUsage);
  if (a->positional.size() != 1) return usage_error("train takes one CONFIG file", kTrainUsage);
  if (!a->options.count("run-dir")) return usage_error("train needs --run-dir DIR", kTrainUsage);
  const auto steps = int_option(*a, "steps", -1, 1);
  if (!steps) return usage_error("--steps: '" + a->options["steps"] + "' is not a positive integer", kTrainUsage);
  const int64_t stop_after = *steps;
  const auto nproc = int_option(*a, "nproc", 1, 1);
  if (!nproc) return usage_error("--nproc: '" + a->options["nproc"] + "' is not a positive integer", kTrainUsage);
  const auto rank = int_option(*a, "rank", 0, 0), world = int_option(*a, "world", *nproc, 1);
  if (!rank || !world || *rank >= *world) return usage_error("--rank/--world: expected 0 <= rank < world", kTrainUsage);
  auto r = load_experiment_file(a->positional[0]);
  if (!r.ok()) { print_errors(r); return kExitUsage; }

  if (*world > 1 && r.experiment.train.batch_size % *world != 0) {
    std::cerr << "error: train.batch_size: " << r.experiment.train.batch_size << " does not divide among " << *world
              << " data-parallel ranks (--nproc " << *world << ")\n";
    return kExitUsage;
  }
  const std::string run_dir = a->options["run-dir"];
  std::error_code ec;
  fs::create_directories(run_dir, ec);
  if (ec) { std::cerr << "error: cannot create run directory '" << run_dir << "': " << ec.message() << "\n"; return kExitFailure; }
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

  std::unique_ptr<EventSink> sink;
  std::vector<pid_t> ranks;
  try {
    const bool worker = *rank > 0;
    if (*nproc > 1) ranks = start_ranks(run_dir, int(*nproc));
    const std::string sink_dir = worker ? (fs::path(run_dir) / "ranks" / ("rank-" + std::to_string(*rank))).string() : run_dir;
    fs::create_directories(sink_dir);
    sink = std::make_unique<EventSink>(sink_dir, stream && !worker ? STDOUT_FILENO : -1,
                                       a->options.count("store") && !worker ? a->options["store"] : "", resolved,
                                       r.experiment.name);
    if (!sink->writer().recovery_note().empty())
      sink->log(wire::LogLevel::Warning, "events.log: dropped " + std::to_string(sink->writer().dropped_bytes()) +
                                             " bytes after a crash (" + sink->writer().recovery_note() + ")");
    std::unique_ptr<DataParallel> dp;
    if (*world > 1) dp = std::make_unique<DataParallel>(int(*rank), int(*world), rendezvous_path(run_dir));
    Trainer trainer(r.experiment, run_dir, *sink, resolved);
    TrainOptions opts;
    opts.stop_after_step = stop_after;
    opts.stop_requested = &g_stop;
    opts.progress = !worker;
    opts.data_parallel = dp.get();
    auto res = trainer.run(opts);
    std::cerr << "run " << res.state << " at step " << res.last_step << ": loss " << res.last_loss << ", "
              << static_cast<long long>(res.tokens_per_s) << " tokens/s\n";
    if (const auto failed = wait_ranks(ranks, run_dir); !failed.empty()) throw std::runtime_error(failed);
    return g_stop.load() && res.state == "stopped" ? kExitStopped : kExitOk;
  } catch (const std::exception& e) {
    for (pid_t pid : ranks) ::kill(pid, SIGKILL);  // they would wait for this rank until Gloo's timeout
    wait_ranks(ranks, run_dir);
    std::cerr << "error: " << e.what() << "\n";
    if (sink) {
      try {
        sink->log(wire::LogLevel::Error, e.what());
        sink->emit(wire::Status{0, "failed", e.what()});
        sink->flush(true);
      } catch (...) {
      }
    }
    return kExitFailure;
  }
}

int cmd_ingest(const std::vector<std::string>& args) {
  if (wants_help(args)) { std::cout << kIngestUsage; return kExitOk; }
  std::string err;
  auto a = parse_args(args, {"store"}, {}, err);
  if (!a) return usage_error(err, kIngestUsage);
  if (a->positional.size() != 1) return usage_error("ingest takes one run directory", kIngestUsage);
  if (!a->options.count("store")) return usage_error("ingest needs --store DB", kIngestUsage);
  const auto dir = absolute_path(a->positional[0]);
  const auto log = fs::path(dir) / "events.log";
  if (!fs::exists(log)) { std::cerr << "error: " << log.string() << " does not exist\n"; return kExitFailure; }
  try {
    auto contents = read_event_log(log.string());
    if (!contents.clean()) std::cerr << "warning: " << log.string() << ": " << contents.error << "; ingesting what precedes it\n";
    Store store(a->options["store"]);
    int64_t run_id;
    if (auto row = store.run_by_dir(dir)) {
      run_id = row->id;
    } else {
      auto cfg = load_experiment_file((fs::path(dir) / "config.json").string());
      const std::string name = cfg.ok() ? cfg.experiment.name : fs::path(dir).filename().string();
      run_id = store.create_run(store.next_run_name(name), name, cfg.ok() ? cfg.resolved.dump() : "{}", dir, host_name());
    }
    auto res = store.ingest(run_id, contents.records);
    auto row = store.run(run_id);
    std::cout << "ingested " << res.applied << " new records (" << res.skipped << " already held) into run "
              << row->name << " of " << a->options["store"] << "\n";
    if (res.gap) { std::cerr << "error: the store holds records this log lacks\n"; return kExitFailure; }
    return kExitOk;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return kExitFailure;
  }
}

}  // namespace

int run_command_line(const std::vector<std::string>& args) {
  if (args.empty()) { std::cerr << kUsage; return kExitUsage; }
  const std::string cmd = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (cmd == "--help" || cmd == "-h" || cmd == "help") { std::cout << kUsage; return kExitOk; }
  if (cmd == "validate") return cmd_validate(rest);
  if (cmd == "train") return cmd_train(rest);
  if (cmd == "ingest") return cmd_ingest(rest);
  if (cmd == "bench") return cmd_bench(rest);
  if (cmd == "schema") { std::cout << schema_markdown(); return kExitOk; }
  std::cerr << "r1wb-run: unknown command '" << cmd << "'\n\n" << kUsage;
  return kExitUsage;
}

}  // namespace r1wb::gpu

#include "ctl/runs_command.h"
#include "ctl/exit_codes.h"
#include "ctl/stored_runs.h"
#include "ctl/terminal_prompts.h"

#include "core/cli/command_args.h"
#include "core/config/config.h"
#include "core/jobs/host_endpoint.h"
#include "core/jobs/host_jobs.h"
#include "core/jobs/remote_run_dir.h"
#include "core/jobs/run_controller.h"
#include "core/paths.h"
#include "core/slurm/slurm_submit.h"
#include "core/store/store.h"

#include <poll.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>

namespace r1wb::ctl {
namespace {

const char* kRunsUsage =
    "usage: r1wb-ctl run CONFIG... --host NAME  start experiments on a stored host, follow them\n"
    "                        [--runs-dir DIR]   (where local run directories go; default the app's)\n"
    "                                           several CONFIGs on a Slurm host go as one job array\n"
    "       r1wb-ctl attach RUN                 follow a running remote run (backfills what was missed)\n"
    "       r1wb-ctl stop RUN                   checkpoint and stop it (resumable), follow it to the end\n"
    "       r1wb-ctl kill RUN                   end it at once (its whole process group)\n"
    "       r1wb-ctl resume RUN                 continue a stopped or failed run on its host from its\n"
    "                                           newest checkpoint there, and follow it\n"
    "       r1wb-ctl delete RUN [--yes]         remove it from the store and its directory from the host\n"
    "                                           (asks first unless --yes; refused while it runs)\n"
    "RUN: a run's name or id. Options of all: --store DB (default the app's store), --known-hosts\n"
    "FILE (default ~/.ssh/known_hosts), --quiet (no progress lines).\n"
    "\n"
    "The runner on the host is detached from the connection: Ctrl-C, a dropped link or a closed\n"
    "laptop never stops it (the run shows 'unreachable' while the link is down, and the stream\n"
    "picks up after the last record the store holds, with no gap and no duplicate). Exit codes\n"
    "are the runner's: 0 done, 1 failed, 3 stopped (resumable), 4 done but records were lost;\n"
    "2 bad usage, 130 detached by Ctrl-C.\n"
    "On a Slurm login node (r1wb-ctl hosts add ... --slurm) a run is a batch job: it shows 'pending'\n"
    "until it gets its allocation and 'preempted' while a requeued job waits (it checkpointed on\n"
    "Slurm's USR1 and resumes); stop is TERM to the job (checkpoint) and Slurm's cancel after the\n"
    "host's stop grace; kill is Slurm's cancel. r1wb-ctl queue lists the jobs.\n";

std::atomic<bool> g_detach{false};
extern "C" void on_interrupt(int) { g_detach.store(true); }

//! One usage for run, attach, stop, kill, resume and delete.
int runs_usage(const std::string& msg) { return usage_error("", msg, kRunsUsage); }

struct Common {
  std::string store_path, known_hosts;
  bool quiet = false;
};

std::optional<Args> parse(const std::vector<std::string>& in, std::vector<std::string> with_value, Common& c,
                          std::string& err, std::vector<std::string> flags = {}) {
  with_value.insert(with_value.end(), {"store", "known-hosts"});
  flags.push_back("quiet");
  auto a = parse_args(in, with_value, flags, err);
  if (!a) return a;
  c.store_path = a->options.count("store") ? a->options.at("store") : default_store_path();
  c.known_hosts = a->options.count("known-hosts") ? a->options.at("known-hosts") : default_known_hosts();
  c.quiet = a->flags.count("quiet") > 0;
  return a;
}

//! The runner's exit code for how an ended run ended, as the store has it.
int exit_code_of(const RunRow& r) {
  switch (r.status) {
    case RunStatus::Completed: return kOk;
    case RunStatus::Stopped: return 3;
    default: return kFailure;
  }
}

//! Pumps until the run ends (its exit code) or Ctrl-C detaches (130), printing progress.
int follow(Store& store, RunController& c, const Common& common) {
  g_detach = false;
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  int64_t printed_step = -2;
  RunStatus printed_status = RunStatus::Created;
  while (!c.finished()) {
    pollfd p{c.stream_fd(), POLLIN, 0};
    ::poll(&p, c.stream_fd() >= 0 ? 1 : 0, 100);
    c.pump();
    if (g_detach) {
      const auto r = store.run(c.run_id());
      std::fprintf(stderr, "detached from %s: it goes on on %s; `r1wb-ctl attach %s` follows it again\n",
                   r->name.c_str(), r->target_host.c_str(), r->name.c_str());
      return kDetached;
    }
    const auto r = store.run(c.run_id());
    if (!common.quiet && r && (r->last_step != printed_step || r->status != printed_status)) {
      if (r->status != printed_status && r->status == RunStatus::Unreachable)
        std::fprintf(stderr, "%s: unreachable (%s); the runner goes on, reconnecting\n", r->name.c_str(),
                     r->message.c_str());
      else if (printed_status == RunStatus::Unreachable && r->status == RunStatus::Running)
        std::fprintf(stderr, "%s: reconnected\n", r->name.c_str());
      else if (r->status != printed_status && (r->status == RunStatus::Pending || r->status == RunStatus::Preempted))
        std::fprintf(stderr, "%s: %s%s%s\n", r->name.c_str(), status_name(r->status), r->message.empty() ? "" : ": ",
                     r->message.c_str());
      if (r->last_step != printed_step && r->last_step >= 0)
        std::fprintf(stderr, "%s: step %lld/%lld\n", r->name.c_str(), (long long)r->last_step,
                     (long long)r->total_steps);
      printed_step = r->last_step, printed_status = r->status;
    }
  }
  const auto r = store.run(c.run_id());
  if (!c.stream_error().empty()) std::fprintf(stderr, "stream: %s\n", c.stream_error().c_str());
  std::fprintf(stderr, "%s: %s%s%s\n", r->name.c_str(), status_name(r->status), r->message.empty() ? "" : ": ",
               r->message.c_str());
  return c.exit_code().value_or(exit_code_of(*r));
}

//! attach, stop and kill: a run of the store, followed after `act` was asked of it.
int on_existing_run(const std::vector<std::string>& in, const char* verb, void (RunController::*act)()) {
  Common common;
  std::string err;
  const auto a = parse(in, {}, common, err);
  if (!a) return runs_usage(err);
  if (a->positional.size() != 1) return runs_usage(std::string(verb) + " takes one RUN");
  try {
    Store store(common.store_path);
    const auto run = remote_run(store, a->positional[0], common.store_path);
    if (!run) return kFailure;
    if (is_terminal(run->status)) {
      std::printf("%s: %s already\n", run->name.c_str(), status_name(run->status));
      return exit_code_of(*run);
    }
    RunController c(store, any_host_job_factory(store, common.known_hosts, terminal_prompts()));
    c.attach(run->id);
    if (act) (c.*act)();
    return follow(store, c, common);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return kFailure;
  }
}

//! Several experiments on a Slurm host: prepared, submitted as one job array, followed together.
int run_array(const std::vector<ConfigResult>& configs, const Args& a, const Common& common) {
  try {
    Store store(common.store_path);
    const auto host = store.host(a.options.at("host"));
    if (!host || host->slurm.empty()) {
      std::cerr << "error: several CONFIGs go as a job array to a Slurm host; " << a.options.at("host")
                << (host ? " is a plain node (start them one by one)" : " is not in the store") << "\n";
      return kFailure;
    }
    std::vector<std::pair<std::string, std::string>> experiments;
    for (const auto& config : configs) experiments.emplace_back(config.experiment.name, config.resolved.dump(2));
    const auto runs_root = a.options.count("runs-dir") ? a.options.at("runs-dir") : default_runs_dir();
    auto [ids, runs] = prepare_array(store, *host, runs_root, "", experiments);
    // The same submission as the app's (the data the runs read sent first, then sbatch).
    const auto submit = any_host_array_submitter(store, common.known_hosts, terminal_prompts());
    const auto tasks = submit(host->name, configs[0].experiment.name, std::move(runs))();
    std::vector<std::unique_ptr<RunController>> controllers;
    for (size_t i = 0; i < ids.size(); ++i) {
      store.set_scheduler_job(ids[i], tasks[i]);
      std::fprintf(stderr, "%s: Slurm job %s on %s\n", store.run(ids[i])->name.c_str(), tasks[i].c_str(),
                   host->name.c_str());
      controllers.push_back(std::make_unique<RunController>(store, any_host_job_factory(store, common.known_hosts,
                                                                                          terminal_prompts())));
      controllers.back()->attach(ids[i]);
    }
    g_detach = false;
    std::signal(SIGINT, on_interrupt);
    int worst = kOk;
    for (size_t left = ids.size(); left > 0;) {
      ::poll(nullptr, 0, 50);
      if (g_detach) {
        std::fprintf(stderr, "detached; the jobs go on (r1wb-ctl queue --host %s, r1wb-ctl attach RUN)\n",
                     host->name.c_str());
        return kDetached;
      }
      left = 0;
      for (size_t i = 0; i < ids.size(); ++i) {
        auto& c = *controllers[i];
        if (c.finished()) continue;
        c.pump();
        if (!c.finished()) {
          ++left;
          continue;
        }
        const auto r = store.run(ids[i]);
        std::fprintf(stderr, "%s: %s%s%s\n", r->name.c_str(), status_name(r->status), r->message.empty() ? "" : ": ",
                     r->message.c_str());
        worst = std::max(worst, exit_code_of(*r));
      }
    }
    return worst;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return kFailure;
  }
}

}  // namespace

int cmd_run(const std::vector<std::string>& in) {
  if (wants_help(in)) return std::cout << kRunsUsage, kOk;
  Common common;
  std::string err;
  const auto a = parse(in, {"host", "runs-dir"}, common, err);
  if (!a) return runs_usage(err);
  if (a->positional.empty()) return runs_usage("run takes a CONFIG");
  if (!a->options.count("host")) return runs_usage("run takes --host NAME (r1wb-ctl hosts list)");
  std::vector<ConfigResult> configs;
  for (const auto& path : a->positional) {
    configs.push_back(load_experiment_file(path));
    if (!configs.back().ok()) {
      for (const auto& e : configs.back().errors) std::cerr << "error: " << path << ": " << e.to_string() << "\n";
      return kUsage;
    }
  }
  if (configs.size() > 1) return run_array(configs, *a, common);
  const auto& config = configs[0];
  try {
    Store store(common.store_path);
    const auto host = store.host(a->options.at("host"));
    if (!host) {
      std::cerr << "error: no host " << a->options.at("host") << " in " << common.store_path
                << " (r1wb-ctl hosts add)\n";
      return kFailure;
    }
    RunLaunch launch;
    launch.runs_root = a->options.count("runs-dir") ? a->options.at("runs-dir") : default_runs_dir();
    launch.experiment_name = config.experiment.name;
    launch.config_json = config.resolved.dump(2);
    launch.target_host = host->name;
    launch.remote_workdir = host->workdir;
    const int64_t id = RunController::prepare(store, launch);
    const auto row = store.run(id);
    std::fprintf(stderr, "%s: starting on %s in %s\n", row->name.c_str(), host->name.c_str(), row->remote_dir.c_str());
    RunController c(store, any_host_job_factory(store, common.known_hosts, terminal_prompts()));
    c.resume(id, host->runner);
    return follow(store, c, common);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return kFailure;
  }
}

int cmd_attach(const std::vector<std::string>& in) {
  if (wants_help(in)) return std::cout << kRunsUsage, kOk;
  return on_existing_run(in, "attach", nullptr);
}
int cmd_stop(const std::vector<std::string>& in) {
  if (wants_help(in)) return std::cout << kRunsUsage, kOk;
  return on_existing_run(in, "stop", &RunController::stop);
}
int cmd_kill(const std::vector<std::string>& in) {
  if (wants_help(in)) return std::cout << kRunsUsage, kOk;
  return on_existing_run(in, "kill", &RunController::kill);
}

int cmd_resume(const std::vector<std::string>& in) {
  if (wants_help(in)) return std::cout << kRunsUsage, kOk;
  Common common;
  std::string err;
  const auto a = parse(in, {}, common, err);
  if (!a) return runs_usage(err);
  if (a->positional.size() != 1) return runs_usage("resume takes one RUN");
  try {
    Store store(common.store_path);
    const auto run = remote_run(store, a->positional[0], common.store_path);
    if (!run) return kFailure;
    if (run->status == RunStatus::Completed || !is_terminal(run->status)) {
      std::cerr << "error: " << run->name << " is " << status_name(run->status)
                << (is_terminal(run->status) ? "; nothing to resume" : "; attach to follow it") << "\n";
      return kFailure;
    }
    const auto host = host_of(store, *run);
    if (!host) return kFailure;
    RunController c(store, any_host_job_factory(store, common.known_hosts, terminal_prompts()));
    c.resume(run->id, host->runner);
    return follow(store, c, common);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return kFailure;
  }
}

int cmd_delete(const std::vector<std::string>& in) {
  if (wants_help(in)) return std::cout << kRunsUsage, kOk;
  Common common;
  std::string err;
  const auto a = parse(in, {}, common, err, {"yes"});
  if (!a) return runs_usage(err);
  if (a->positional.size() != 1) return runs_usage("delete takes one RUN");
  try {
    Store store(common.store_path);
    const auto run = remote_run(store, a->positional[0], common.store_path);
    if (!run) return kFailure;
    if (!is_terminal(run->status)) {
      std::cerr << "error: " << run->name << " is " << status_name(run->status) << "; stop or kill it first\n";
      return kFailure;
    }
    if (!a->flags.count("yes")) {
      std::fprintf(stderr, "Delete %s from the store, and %s:%s with its checkpoints? [y/N] ", run->name.c_str(),
                   run->target_host.c_str(), run->remote_dir.c_str());
      std::string answer;
      if (!std::getline(std::cin, answer) || (answer != "y" && answer != "yes")) {
        std::fprintf(stderr, "nothing deleted\n");
        return kFailure;
      }
    }
    const auto host = host_of(store, *run);
    if (!host) return kFailure;
    remote::SshSession ssh(endpoint_of(*host, common.known_hosts), terminal_prompts());
    delete_remote_run_dir(ssh, run->remote_dir);  // first: a refusal there keeps the store's rows
    store.delete_run(run->id);
    std::error_code ec;
    std::filesystem::remove_all(run->run_dir, ec);
    std::printf("deleted %s and %s:%s\n", run->name.c_str(), run->target_host.c_str(), run->remote_dir.c_str());
    return kOk;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return kFailure;
  }
}

}  // namespace r1wb::ctl

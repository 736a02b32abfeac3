#include "ctl/queue_command.h"
#include "ctl/exit_codes.h"
#include "ctl/terminal_prompts.h"

#include "core/cli/command_args.h"
#include "core/jobs/host_endpoint.h"
#include "core/paths.h"
#include "core/slurm/slurm_queue.h"
#include "core/store/store.h"

#include <cstdio>
#include <iostream>

namespace r1wb::ctl {
namespace {

const char* kQueueUsage =
    "usage: r1wb-ctl queue [--host NAME] [--store DB] [--known-hosts FILE]\n"
    "\n"
    "Lists your jobs on each Slurm login node of the store (r1wb-ctl hosts add ... --slurm), or on\n"
    "the one named: job id, state, elapsed time, nodes, Slurm's reason, and the run it is. One\n"
    "squeue --json per cluster. Exit 1 when a cluster did not answer.\n";

//! The stored run the job runs, by the job id the store keeps for it.
std::string run_of(const std::vector<RunRow>& runs, const std::string& host, const std::string& job) {
  for (const auto& r : runs)
    if (r.target_host == host && r.scheduler_job == job) return r.name;
  return "";
}

}  // namespace

int cmd_queue(const std::vector<std::string>& in) {
  if (wants_help(in)) return std::cout << kQueueUsage, kOk;
  std::string err;
  const auto a = parse_args(in, {"host", "store", "known-hosts"}, {}, err);
  if (!a) return usage_error("queue", err, kQueueUsage);
  if (!a->positional.empty()) return usage_error("queue", "queue takes no arguments", kQueueUsage);
  const std::string store_path = a->options.count("store") ? a->options.at("store") : default_store_path();
  const std::string known_hosts = a->options.count("known-hosts") ? a->options.at("known-hosts") : default_known_hosts();
  try {
    Store store(store_path);
    std::vector<HostRow> clusters;
    for (const auto& h : store.list_hosts())
      if (!h.slurm.empty() && (!a->options.count("host") || a->options.at("host") == h.name)) clusters.push_back(h);
    if (clusters.empty()) {
      std::cerr << "error: " << (a->options.count("host") ? "no Slurm host " + a->options.at("host") : "no Slurm host")
                << " in " << store_path << " (r1wb-ctl hosts add NAME ... --slurm -)\n";
      return kFailure;
    }
    const auto runs = store.list_runs();
    int status = kOk;
    for (const auto& h : clusters) {
      try {
        remote::SshSession ssh(endpoint_of(h, known_hosts), terminal_prompts());
        const auto q = slurm::list_queue(ssh);
        std::printf("%s: %zu job(s) of %s (squeue in %.3f s)\n", h.name.c_str(), q.jobs.size(), q.user.c_str(), q.seconds);
        if (!q.jobs.empty())
          std::printf("  %-12s %-11s %-10s %-12s %-16s %-20s %s\n", "JOB", "STATE", "ELAPSED", "NODES", "REASON", "NAME", "RUN");
        for (const auto& j : q.jobs)
          std::printf("  %-12s %-11s %-10s %-12s %-16s %-20s %s\n", j.id.c_str(), status_name(slurm::status_of(j)),
                      slurm::format_duration(j.elapsed_s).c_str(), j.nodes.empty() ? "-" : j.nodes.c_str(),
                      j.reason == "None" ? "-" : j.reason.c_str(), j.name.c_str(), run_of(runs, h.name, j.id).c_str());
      } catch (const std::exception& e) {
        std::cerr << "error: " << h.name << ": " << e.what() << "\n";
        status = kFailure;
      }
    }
    return status;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return kFailure;
  }
}

}  // namespace r1wb::ctl

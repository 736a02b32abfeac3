#include "ctl/hosts_command.h"
#include "ctl/exit_codes.h"
#include "ctl/terminal_prompts.h"

#include "core/cli/command_args.h"
#include "core/jobs/host_endpoint.h"
#include "core/paths.h"
#include "core/remote/host_probe.h"
#include "core/remote/runner_install.h"
#include "core/remote/ssh_config.h"
#include "core/slurm/slurm_options.h"
#include "core/store/store.h"

#include <cstdio>
#include <iostream>

namespace r1wb::ctl {
namespace {

const char* kHostsUsage =
    "usage: r1wb-ctl hosts add NAME (--ssh ALIAS | --host HOST [--port N] [--user USER] [--key FILE])\n"
    "                          [--workdir DIR] [--runner PATH] [--max-runs N] [--slurm OPTS]\n"
    "       r1wb-ctl hosts list\n"
    "       r1wb-ctl hosts probe NAME\n"
    "       r1wb-ctl hosts trust NAME --fingerprint SHA256:...\n"
    "       r1wb-ctl hosts install NAME --checkout DIR [--prefix DIR]\n"
    "       r1wb-ctl hosts remove NAME\n"
    "options of all: --store DB (default the app's store), --known-hosts FILE (default\n"
    "~/.ssh/known_hosts)\n"
    "\n"
    "add: a host by a Host entry of ~/.ssh/config (--ssh; HostName, Port, User, IdentityFile are\n"
    "read from it at each connection) or by address; --workdir is where its runs live (default\n"
    "r1wb-runs in the login's home), --runner its r1wb-run (default the one on its PATH),\n"
    "--max-runs how many runs the app's queue starts there at once (default 1).\n"
    "--slurm makes it a Slurm login node: runs are submitted with sbatch. OPTS is '-' for the\n"
    "cluster's defaults or 'key=value ...' of partition, account, time, mem, gpus, cpus_per_task,\n"
    "extra (one more sbatch option, e.g. extra=--qos=high; repeatable), signal_lead_s (USR1 this\n"
    "long before the time limit: checkpoint and requeue; default 120), stop_grace_s (stop: TERM,\n"
    "then Slurm's cancel after this; default 60).\n"
    "probe: connects (the host key checked against known_hosts) and prints the host's OS, CPUs,\n"
    "memory, GPUs, free disk and its runner's release and protocol; exit 1 when it is not ready.\n"
    "trust: adds the host key to known_hosts when the host offers the fingerprint given (the one\n"
    "probe printed, compared with `ssh-keygen -lf` of the host's key on the host itself).\n"
    "install: builds and installs the runner on the host from its checkout of this release\n"
    "(--checkout, e.g. ~/r1-workbench) with scripts/install-runner.sh into --prefix (default\n"
    "~/.local), its output shown as it comes; then the host's runner is PREFIX/bin/r1wb-run.\n";

int hosts_usage(const std::string& msg) { return usage_error("hosts", msg, kHostsUsage); }

void print_probe(const HostRow& h, const remote::HostProbe& p) {
  std::printf("%s: %s, %d CPUs, %.1f GiB memory, %.1f GiB free in %s\n", h.name.c_str(), p.os.c_str(), p.cpus,
              double(p.memory_bytes) / (1 << 30), double(p.disk_free_bytes) / (1 << 30), h.workdir.c_str());
  if (p.gpus.empty()) std::printf("  GPUs: none (no nvidia-smi)\n");
  for (const auto& g : p.gpus) std::printf("  GPU: %s (driver %s)\n", g.c_str(), p.cuda_driver.c_str());
  if (!p.runner_version.empty())
    std::printf("  runner %s: release %s, protocol %s, LibTorch %s, %d CUDA device(s)\n", p.runner_path.c_str(),
                p.runner_version.c_str(), p.runner_protocol.c_str(), p.runner_libtorch.c_str(), p.runner_cuda_devices);
  for (const auto& problem : p.problems) std::printf("  problem: %s\n", problem.c_str());
}

//! "  Slurm: partition=gpu time=2:00:00" for a login node; empty for a plain node.
std::string slurm_summary(const HostRow& h) {
  if (h.slurm.empty()) return "";
  std::string err;
  const auto o = slurm::options_from_json(h.slurm, err);
  return "  Slurm: " + (o ? slurm::to_words(*o) : "unreadable options (" + err + ")");
}

}  // namespace

int cmd_hosts(const std::vector<std::string>& in) {
  if (wants_help(in) || in.empty()) {
    std::cout << kHostsUsage;
    return in.empty() ? kUsage : kOk;
  }
  std::string err;
  const auto a = parse_args(std::vector<std::string>(in.begin() + 1, in.end()),
                            {"ssh", "host", "port", "user", "key", "workdir", "runner", "store", "known-hosts",
                             "fingerprint", "max-runs", "slurm", "checkout", "prefix"},
                            {}, err);
  if (!a) return hosts_usage(err);
  const std::string verb = in[0];
  const auto port = int_option(*a, "port", 22, 1);
  if (!port || *port > 65535) return hosts_usage("--port: '" + a->options.at("port") + "' is not a port number (1-65535)");
  const auto max_runs = int_option(*a, "max-runs", 1, 1);
  if (!max_runs) return hosts_usage("--max-runs: '" + a->options.at("max-runs") + "' is not a count (1 or more)");
  const std::string store_path = a->options.count("store") ? a->options.at("store") : default_store_path();
  const std::string known_hosts =
      a->options.count("known-hosts") ? a->options.at("known-hosts") : default_known_hosts();
  try {
    Store store(store_path);
    if (verb == "list") {
      if (!a->positional.empty()) return hosts_usage("list takes no NAME");
      for (const auto& h : store.list_hosts())
        std::printf("%-16s %s  workdir %s  runner %s  runs at once %d%s\n", h.name.c_str(), address_of(h).c_str(),
                    h.workdir.c_str(), h.runner.c_str(), h.max_runs, slurm_summary(h).c_str());
      return kOk;
    }
    if (a->positional.size() != 1) return hosts_usage(verb + " takes one NAME");
    const std::string name = a->positional[0];
    if (verb == "add") {
      HostRow h;
      h.name = name;
      if (a->options.count("ssh") == a->options.count("host")) return hosts_usage("add takes --ssh ALIAS or --host HOST");
      if (a->options.count("ssh")) {
        for (const char* o : {"port", "user", "key"})
          if (a->options.count(o)) return hosts_usage(std::string("--") + o + " comes from ~/.ssh/config with --ssh");
        h.ssh_alias = a->options.at("ssh");
      } else {
        h.host = a->options.at("host");
        h.port = int(*port);
        if (a->options.count("user")) h.user = a->options.at("user");
        if (a->options.count("key")) h.identity_file = a->options.at("key");
      }
      if (a->options.count("workdir")) h.workdir = a->options.at("workdir");
      if (a->options.count("runner")) h.runner = a->options.at("runner");
      h.max_runs = int(*max_runs);
      if (a->options.count("slurm")) {
        slurm::SlurmOptions o;
        if (const auto problem = slurm::set_options(o, a->options.at("slurm")); !problem.empty())
          return hosts_usage(problem);
        h.slurm = slurm::to_json(o);
      }
      store.put_host(h);
      std::printf("host %s added; `r1wb-ctl hosts probe %s` checks it\n", name.c_str(), name.c_str());
      return kOk;
    }
    const auto h = store.host(name);
    if (!h) {
      std::cerr << "error: no host " << name << " in " << store_path << " (r1wb-ctl hosts list)\n";
      return kFailure;
    }
    if (verb == "remove") {
      store.remove_host(name);
      std::printf("host %s removed (its runs and their files stay where they are)\n", name.c_str());
      return kOk;
    }
    std::vector<std::string> notes;
    const auto endpoint = endpoint_of(*h, known_hosts, &notes);
    for (const auto& note : notes) std::cerr << "note: " << note << "\n";
    if (verb == "install") {
      if (!a->options.count("checkout"))
        return hosts_usage("install needs --checkout DIR (a checkout of this release on the host)");
      const std::string prefix = a->options.count("prefix") ? a->options.at("prefix") : "~/.local";
      remote::SshSession ssh(endpoint, terminal_prompts());
      const int code = remote::install_runner(ssh, a->options.at("checkout"), prefix, [](const std::string& out) {
        std::fwrite(out.data(), 1, out.size(), stdout);
        std::fflush(stdout);
      });
      if (code != 0) {
        std::cerr << "error: the install on " << name << " ended with " << code << " (its output is above)\n";
        return kFailure;
      }
      HostRow updated = *h;
      updated.runner = remote::installed_runner(ssh, prefix);
      store.put_host(updated);
      std::printf("host %s: runner %s; `r1wb-ctl hosts probe %s` checks it\n", name.c_str(), updated.runner.c_str(),
                  name.c_str());
      return kOk;
    }
    if (verb == "probe") {
      try {
        remote::SshSession ssh(endpoint, terminal_prompts());
        const auto p = remote::probe_host(ssh, h->runner, h->workdir);
        print_probe(*h, p);
        return p.problems.empty() ? kOk : kFailure;
      } catch (const remote::HostKeyRefused& refused) {
        std::cerr << "error: " << refused.what() << "\n";
        if (refused.check.verdict == remote::HostKeyVerdict::Unknown)
          std::cerr << "then: r1wb-ctl hosts trust " << name << " --fingerprint " << refused.check.fingerprint << "\n";
        return kFailure;
      }
    }
    if (verb == "trust") {
      if (!a->options.count("fingerprint"))
        return hosts_usage("trust needs --fingerprint SHA256:... (the one probe printed, checked on the host)");
      const std::string wanted = a->options.at("fingerprint");
      try {
        remote::SshSession ssh(endpoint, terminal_prompts());
        std::printf("%s is known already (%s)\n", name.c_str(), known_hosts.c_str());
        return kOk;
      } catch (const remote::HostKeyRefused& refused) {
        if (refused.check.verdict != remote::HostKeyVerdict::Unknown) {
          std::cerr << "error: " << refused.what() << "\n";
          return kFailure;
        }
        if (refused.check.fingerprint != wanted) {
          std::cerr << "error: " << endpoint.host << " offers " << refused.check.fingerprint << ", not " << wanted
                    << ": nothing trusted\n";
          return kFailure;
        }
        remote::trust_host_key(known_hosts, endpoint.host, endpoint.port, refused.key_type, refused.key_blob);
        std::printf("trusted the %s key %s of %s (added to %s)\n", refused.key_type.c_str(), wanted.c_str(),
                    endpoint.host.c_str(), known_hosts.c_str());
        return kOk;
      }
    }
    return hosts_usage("unknown verb '" + verb + "'");
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return kFailure;
  }
}

}  // namespace r1wb::ctl

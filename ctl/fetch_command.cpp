#include "ctl/fetch_command.h"

#include "core/cli/command_args.h"
#include "core/jobs/host_endpoint.h"
#include "core/paths.h"
#include "core/remote/sftp_fetch.h"
#include "core/store/store.h"
#include "ctl/exit_codes.h"
#include "ctl/stored_runs.h"
#include "ctl/terminal_prompts.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

namespace r1wb::ctl {
namespace fs = std::filesystem;
namespace {

const char* kFetchUsage =
    "usage: r1wb-ctl fetch RUN [--step N] [--store DB] [--known-hosts FILE]\n"
    "\n"
    "Copies a remote run's checkpoint (the newest, or step N) into its local run directory over\n"
    "SFTP, each file checked against the host's SHA-256; a broken fetch resumes when run again.\n"
    "Then eval, sample, export or a new stage work on the local run directory as on any run.\n";

int fetch_usage(const std::string& msg) { return usage_error("fetch", msg, kFetchUsage); }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

}  // namespace

int cmd_fetch(const std::vector<std::string>& in) {
  if (wants_help(in)) return std::cout << kFetchUsage, kOk;
  std::string err;
  const auto a = parse_args(in, {"step", "store", "known-hosts"}, {}, err);
  if (!a) return fetch_usage(err);
  if (a->positional.size() != 1) return fetch_usage("fetch takes one RUN");
  const auto step = int_option(*a, "step", -1, 0);
  if (!step) return fetch_usage("--step takes a step number (an integer >= 0)");
  const std::string store_path = a->options.count("store") ? a->options.at("store") : default_store_path();
  const std::string known_hosts = a->options.count("known-hosts") ? a->options.at("known-hosts") : default_known_hosts();
  try {
    Store store(store_path);
    const auto run = remote_run(store, a->positional[0], store_path);
    if (!run) return kFailure;
    const auto host = host_of(store, *run);
    if (!host) return kFailure;
    remote::SshSession ssh(endpoint_of(*host, known_hosts), terminal_prompts());
    const std::string remote_ckpts = run->remote_dir + "/checkpoints";
    // The complete checkpoints there (step-N folders; .damaged and partial ones are not).
    const auto listed = ssh.exec("ls -1 -- " + remote::shell_quote(remote_ckpts));
    std::vector<int64_t> steps;
    for (const auto& name : lines_of(listed.out))
      if (name.rfind("step-", 0) == 0 && name.find_first_not_of("0123456789", 5) == std::string::npos && name.size() > 5)
        steps.push_back(std::stoll(name.substr(5)));
    std::sort(steps.begin(), steps.end());
    if (steps.empty()) {
      std::cerr << "error: " << run->name << " has no checkpoint on " << host->name << " (" << remote_ckpts << ")\n";
      return kFailure;
    }
    const int64_t want = *step >= 0 ? *step : steps.back();
    if (!std::binary_search(steps.begin(), steps.end(), want)) {
      std::cerr << "error: " << run->name << " has no checkpoint at step " << want << " on " << host->name
                << " (it has " << steps.size() << ", the newest at step " << steps.back() << ")\n";
      return kFailure;
    }
    const std::string name = "step-" + std::to_string(want);
    const fs::path local_ckpts = fs::path(run->run_dir) / "checkpoints";
    const fs::path final_dir = local_ckpts / name, gathering = local_ckpts / (name + ".fetching");
    if (fs::exists(final_dir)) {
      std::printf("%s: %s is here already (%s)\n", run->name.c_str(), name.c_str(), final_dir.c_str());
      return kOk;
    }
    const auto files = lines_of(
        ssh.exec("find " + remote::shell_quote(remote_ckpts + "/" + name) + " -maxdepth 1 -type f -printf '%f\\n'").out);
    uint64_t total_bytes = 0;
    double total_seconds = 0;
    auto fetch_one = [&](const std::string& remote_path, const fs::path& local) {
      const auto r = remote::sftp_fetch(ssh, remote_path, local.string(), [&](const remote::FetchProgress& p) {
        const double rate = p.seconds > 0 ? double(p.done) / p.seconds : 0;
        std::fprintf(stderr, "\r%s: %5.1f%% of %.1f MiB, %.0f MiB/s, ETA %.0f s   ", local.filename().c_str(),
                     p.total ? 100.0 * double(p.done) / double(p.total) : 100.0, double(p.total) / (1 << 20),
                     rate / (1 << 20), rate > 0 ? double(p.total - p.done) / rate : 0.0);
      });
      std::fprintf(stderr, "\r%s: %.1f MiB%s, sha256 %s\n", local.filename().c_str(), double(r.bytes) / (1 << 20),
                   r.resumed_from ? (", resumed at " + std::to_string(r.resumed_from) + " bytes").c_str() : "",
                   r.sha256.substr(0, 16).c_str());
      total_bytes += r.bytes, total_seconds += r.seconds;
    };
    fs::create_directories(gathering);
    for (const auto& f : files) fetch_one(remote_ckpts + "/" + name + "/" + f, gathering / f);
    fs::rename(gathering, final_dir);
    // A BPE run's tokenizer, which evaluating the checkpoint needs.
    for (const char* f : {"tokenizer.model", "tokenizer.vocab"}) {
      if (fs::exists(fs::path(run->run_dir) / f)) continue;
      if (ssh.exec("test -f " + remote::shell_quote(run->remote_dir + "/" + f)).exit_status == 0)
        fetch_one(run->remote_dir + "/" + f, fs::path(run->run_dir) / f);
    }
    std::printf("%s: %s fetched into %s (%zu files, %.1f MiB, %.0f MiB/s)\n", run->name.c_str(), name.c_str(),
                final_dir.c_str(), files.size(), double(total_bytes) / (1 << 20),
                total_seconds > 0 ? double(total_bytes) / (1 << 20) / total_seconds : 0.0);
    return kOk;
  } catch (const remote::HostKeyRefused& e) {
    std::cerr << "error: " << e.what() << "\n";
    return kFailure;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return kFailure;
  }
}

}  // namespace r1wb::ctl

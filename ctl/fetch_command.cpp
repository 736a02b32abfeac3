#include "ctl/fetch_command.h"

#include "core/cli/command_args.h"
#include "core/jobs/checkpoint_fetch.h"
#include "core/jobs/host_endpoint.h"
#include "core/paths.h"
#include "core/store/store.h"
#include "ctl/exit_codes.h"
#include "ctl/stored_runs.h"
#include "ctl/terminal_prompts.h"

#include <cstdio>
#include <iostream>

namespace r1wb::ctl {
namespace {

const char* kFetchUsage =
    "usage: r1wb-ctl fetch RUN [--step N] [--store DB] [--known-hosts FILE]\n"
    "\n"
    "Copies a remote run's checkpoint (the newest, or step N) into its local run directory over\n"
    "SFTP, each file checked against the host's SHA-256; a broken fetch resumes when run again.\n"
    "Then eval, sample, export or a new stage work on the local run directory as on any run.\n";

int fetch_usage(const std::string& msg) { return usage_error("fetch", msg, kFetchUsage); }

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
    std::optional<int64_t> want;
    if (*step >= 0) want = *step;
    const auto f = fetch_checkpoint(ssh, *run, want, [](const std::string& file, const remote::FetchProgress& p) {
      const double rate = p.seconds > 0 ? double(p.done) / p.seconds : 0;
      std::fprintf(stderr, "\r%s: %5.1f%% of %.1f MiB, %.0f MiB/s, ETA %.0f s   ", file.c_str(),
                   p.total ? 100.0 * double(p.done) / double(p.total) : 100.0, double(p.total) / (1 << 20),
                   rate / (1 << 20), rate > 0 ? double(p.total - p.done) / rate : 0.0);
    });
    if (f.already_here) {
      std::printf("%s: step-%lld is here already (%s)\n", run->name.c_str(), (long long)f.step, f.local_dir.c_str());
      return kOk;
    }
    std::printf("\r%s: step-%lld fetched into %s (%zu files, %.1f MiB, %.0f MiB/s, each SHA-256 checked)\n",
                run->name.c_str(), (long long)f.step, f.local_dir.c_str(), f.files, double(f.bytes) / (1 << 20),
                f.seconds > 0 ? double(f.bytes) / (1 << 20) / f.seconds : 0.0);
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

#include "ctl/stored_runs.h"

#include <iostream>

namespace r1wb::ctl {

std::optional<RunRow> find_run(Store& store, const std::string& key) {
  for (const auto& r : store.list_runs())
    if (r.name == key || std::to_string(r.id) == key) return r;
  return std::nullopt;
}

std::optional<RunRow> remote_run(Store& store, const std::string& key, const std::string& store_path) {
  const auto run = find_run(store, key);
  if (!run) {
    std::cerr << "error: no run " << key << " in " << store_path << "\n";
    return std::nullopt;
  }
  if (run->target_host.empty()) {
    std::cerr << "error: " << run->name << " ran on this machine, not on a host (its run directory: " << run->run_dir
              << "); the app controls it\n";
    return std::nullopt;
  }
  return run;
}

std::optional<HostRow> host_of(Store& store, const RunRow& run) {
  auto host = store.host(run.target_host);
  if (!host) std::cerr << "error: the run's host " << run.target_host << " is not in the store any more\n";
  return host;
}

}  // namespace r1wb::ctl

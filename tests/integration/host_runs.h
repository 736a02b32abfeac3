// What the remote and Slurm run tests share: a store in a fresh directory, runs prepared on one
// stored host, and that host's jobs as the app makes them (any_host_job_factory). The derived
// fixture starts the host (sshd, a cluster), stores its row and sets known_hosts.
#pragma once
#include "core/jobs/host_jobs.h"
#include "core/jobs/run_controller.h"

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace r1wb::testing {

struct HostRuns {
  HostRuns(const std::string& prefix, std::string host_name, const std::string& workdir_name)
      : dir(fresh(std::filesystem::temp_directory_path() / (prefix + std::to_string(::getpid())))),
        store((dir / "workbench.db").string()),
        host(std::move(host_name)),
        workdir((dir / workdir_name).string()) {}
  ~HostRuns() { std::filesystem::remove_all(dir); }
  std::filesystem::path dir;
  Store store;
  std::string host, workdir, known_hosts;

  JobFactory jobs() { return any_host_job_factory(store, known_hosts); }
  //! A run of `doc` on the host, created (not started).
  int64_t prepare(const nlohmann::json& doc, const std::string& name = "tiny-moe") {
    RunLaunch l;
    l.runner_path = R1WB_RUNNER;
    l.runs_root = (dir / "local").string();
    l.experiment_name = name;
    l.config_json = doc.dump();
    l.target_host = host;
    l.remote_workdir = workdir;
    return RunController::prepare(store, l);
  }
  RunRow row(int64_t id) { return *store.run(id); }

 private:
  static std::filesystem::path fresh(const std::filesystem::path& d) {
    std::filesystem::remove_all(d);
    std::filesystem::create_directories(d);
    return d;
  }
};

}  // namespace r1wb::testing

#include "core/jobs/host_jobs.h"

#include "core/jobs/host_endpoint.h"
#include "core/jobs/run_controller.h"
#include "core/jobs/run_inputs.h"
#include "core/jobs/ssh_job.h"

#include <stdexcept>

namespace r1wb {

namespace {

//! How a stored host is reached and what runs there.
SshTarget target_of(Store& store, const std::string& known_hosts, const std::string& name) {
  const auto h = store.host(name);
  if (!h) throw std::runtime_error("the run belongs to host " + name + ", which is not in the store any more");
  SshTarget t;
  t.endpoint = endpoint_of(*h, known_hosts);
  t.runner = h->runner;
  if (!h->slurm.empty()) {
    std::string err;
    t.slurm = slurm::options_from_json(h->slurm, err);
    if (!t.slurm) throw std::runtime_error("host " + name + "'s Slurm options: " + err);
  }
  return t;
}

}  // namespace

ArraySubmitter any_host_array_submitter(Store& store, const std::string& known_hosts, remote::Prompts prompts) {
  return [&store, known_hosts, prompts](const std::string& host, const std::string& name,
                                        std::vector<slurm::ArrayRun> runs) -> ArraySubmit {
    const SshTarget t = target_of(store, known_hosts, host);
    if (!t.slurm) throw std::runtime_error(host + " is not a Slurm login node: a job array needs one");
    return [t, prompts, name, runs = std::move(runs)]() mutable {
      remote::SshSession ssh(t.endpoint, prompts);
      for (auto& r : runs) r.config_json = upload_run_inputs(ssh, r.remote_dir, r.config_json);  // once per content
      return slurm::submit_array(ssh, *t.slurm, t.runner, name, runs);
    };
  };
}

PreparedArray prepare_array(Store& store, const HostRow& host, const std::string& runs_root,
                            const std::string& runner_path,
                            const std::vector<std::pair<std::string, std::string>>& experiments,
                            const std::vector<std::string>& tags) {
  PreparedArray a;
  for (const auto& [name, config] : experiments) {
    RunLaunch launch;
    launch.runner_path = runner_path;
    launch.runs_root = runs_root;
    launch.experiment_name = name;
    launch.config_json = config;
    launch.target_host = host.name;
    launch.remote_workdir = host.workdir;
    a.ids.push_back(RunController::prepare(store, launch));
    if (!tags.empty()) store.set_tags(a.ids.back(), tags);
    a.runs.push_back({store.run(a.ids.back())->remote_dir, config});
  }
  return a;
}

JobFactory any_host_job_factory(Store& store, const std::string& known_hosts, remote::Prompts prompts,
                                std::shared_ptr<remote::SshPool> pool) {
  auto ssh = ssh_job_factory([&store, known_hosts](const std::string& name) { return target_of(store, known_hosts, name); },
                             std::move(prompts), std::move(pool));
  auto local = local_job_factory();
  return [ssh, local](const JobSpec& spec) { return spec.target_host.empty() ? local(spec) : ssh(spec); };
}

}  // namespace r1wb

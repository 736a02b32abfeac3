// The job factory the app and r1wb-ctl hand to the run controller and the queue: a run whose
// spec names no host starts locally (local_job.h), one on a stored host over SSH (ssh_job.h),
// reached as the hosts table says (host_endpoint.h); on a Slurm login node (HostRow::slurm) that
// job submits with sbatch.
#pragma once
#include "core/jobs/job_factory.h"
#include "core/remote/ssh_pool.h"
#include "core/remote/ssh_session.h"
#include "core/slurm/slurm_submit.h"
#include "core/store/store.h"

#include <functional>
#include <string>
#include <vector>

namespace r1wb {

//! `pool`: the connections to share (the app's, which its panels use too); none: the factory's own.
JobFactory any_host_job_factory(Store& store, const std::string& known_hosts, remote::Prompts prompts = {},
                                std::shared_ptr<remote::SshPool> pool = nullptr);

//! The network half of a job array's submission (connect, upload, sbatch), for a worker thread;
//! it returns each run's task id ("12_0", ...) or throws the reason.
using ArraySubmit = std::function<std::vector<std::string>()>;
//! Resolves a Slurm host (on the caller's thread: the store is read here) and returns the work
//! that submits `runs` there as one job array named `name`. Throws when the host is not a Slurm
//! login node in the store.
using ArraySubmitter =
    std::function<ArraySubmit(const std::string& host, const std::string& name, std::vector<slurm::ArrayRun> runs)>;
ArraySubmitter any_host_array_submitter(Store& store, const std::string& known_hosts, remote::Prompts prompts = {});

//! Runs prepared for one job array on a Slurm host: their store ids and what the array runs.
struct PreparedArray {
  std::vector<int64_t> ids;
  std::vector<slurm::ArrayRun> runs;
};
//! Prepares each (experiment name, resolved config) as a run on `host` (RunController::prepare:
//! a local run directory, the store row, the remote directory under the host's workdir), tagged
//! with `tags`: what the app's queue and r1wb-ctl both do before submitting an array.
PreparedArray prepare_array(Store& store, const HostRow& host, const std::string& runs_root,
                            const std::string& runner_path,
                            const std::vector<std::pair<std::string, std::string>>& experiments,
                            const std::vector<std::string>& tags = {});

}  // namespace r1wb

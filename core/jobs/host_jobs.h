// The job factory the app and r1wb-ctl hand to the run controller and the queue: a run whose
// spec names no host starts locally (local_job.h), one on a stored host over SSH (ssh_job.h),
// reached as the hosts table says (host_endpoint.h); on a Slurm login node (HostRow::slurm) that
// job submits with sbatch.
#pragma once
#include "core/jobs/job_factory.h"
#include "core/remote/ssh_session.h"
#include "core/store/store.h"

#include <string>

namespace r1wb {

JobFactory any_host_job_factory(Store& store, const std::string& known_hosts, remote::Prompts prompts = {});

}  // namespace r1wb

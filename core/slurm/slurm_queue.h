// A cluster's queue as the user sees it: their jobs with state, elapsed time, nodes and reason,
// from one `squeue --json` per refresh over the login node's SSH session (Slurm 22.05 ignores
// squeue's filters with --json, so the user's jobs are picked out here, by the login's name).
#pragma once
#include "core/remote/ssh_session.h"
#include "core/slurm/slurm_job_state.h"

#include <string>
#include <vector>

namespace r1wb::slurm {

struct ClusterQueue {
  std::string user;           //!< the login's user name
  std::vector<JobInfo> jobs;  //!< that user's, newest first
  double seconds = 0;         //!< the round trip
};

//! Throws std::runtime_error with squeue's words when the cluster does not answer.
ClusterQueue list_queue(remote::SshSession& session);

}  // namespace r1wb::slurm

// Submitting runs to a Slurm cluster through an SSH session to its login node: the experiment
// and the generated batch script (slurm_script.h) are uploaded into the run directory, `sbatch
// --parsable` submits it there, and <run-dir>/slurm.job records the job id (and the stop grace)
// for the follow (slurm_watch.h). An ablation grid is one job array: its runs' directories share
// a parent, where the array's script and output live, and each gets the id of its task.
// A run whose job is still pending or running is never submitted twice.
#pragma once
#include "core/remote/ssh_session.h"
#include "core/slurm/slurm_options.h"

#include <string>
#include <vector>

namespace r1wb::slurm {

//! Submits one run (resubmits it: the runner resumes from its newest checkpoint); returns the
//! job id. Throws std::runtime_error with the reason (sbatch's words, the live job).
std::string submit_run(remote::SshSession& session, const SlurmOptions& options, const std::string& runner,
                       const std::string& remote_dir, const std::string& config_json);

struct ArrayRun {
  std::string remote_dir;  //!< must be a direct child of the array's parent directory
  std::string config_json;
};
//! Submits the runs as one job array (task N runs runs[N]); returns each task's id ("12_0", ...).
std::vector<std::string> submit_array(remote::SshSession& session, const SlurmOptions& options,
                                      const std::string& runner, const std::string& name,
                                      const std::vector<ArrayRun>& runs);

}  // namespace r1wb::slurm

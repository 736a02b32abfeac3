// The batch script that runs an experiment on a Slurm cluster, generated from the run(s) and
// the host's SlurmOptions: #SBATCH lines (checked values only), output appended to
// slurm-<job>.out in the run directory across requeues, `--requeue` and `--signal=B:USR1@lead`
// so the batch shell, which is the runner (`exec`), checkpoints on Slurm's warning and asks to
// be requeued (r1wb-run train on SIGUSR1); a requeued job resumes from that checkpoint. Several
// runs (an ablation grid) become one job array whose task N runs the Nth directory.
#pragma once
#include "core/slurm/slurm_options.h"

#include <string>
#include <vector>

namespace r1wb::slurm {

struct BatchJob {
  std::string name;                   //!< the job's name (made safe for Slurm: "r1wb-" + [A-Za-z0-9._-])
  std::string runner = "r1wb-run";    //!< the node's runner: a path, or a name on its PATH
  std::vector<std::string> run_dirs;  //!< relative to where sbatch runs; one: a plain job, more: an array
};

//! The script's text; throws std::invalid_argument when validate(options) finds a problem.
std::string batch_script(const SlurmOptions& options, const BatchJob& job);

//! "r1wb-" and the name with every character outside [A-Za-z0-9._-] made '_'.
std::string job_name(const std::string& run_name);

}  // namespace r1wb::slurm

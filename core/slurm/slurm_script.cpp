#include "core/slurm/slurm_script.h"

#include "core/remote/ssh_session.h"

#include <sstream>
#include <stdexcept>

namespace r1wb::slurm {

std::string job_name(const std::string& run_name) {
  std::string out = "r1wb-";
  for (char c : run_name) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-') ? c : '_';
  return out;
}

std::string batch_script(const SlurmOptions& o, const BatchJob& job) {
  if (const auto problem = validate(o); !problem.empty()) throw std::invalid_argument(problem);
  if (job.run_dirs.empty()) throw std::invalid_argument("a batch job needs at least one run directory");
  const bool array = job.run_dirs.size() > 1;
  std::ostringstream s;
  s << "#!/bin/bash\n";
  s << "#SBATCH --job-name=" << job_name(job.name) << "\n";
  if (array) s << "#SBATCH --array=0-" << job.run_dirs.size() - 1 << "\n";
  // Relative to the directory sbatch ran in (the run directory; an array's parent directory).
  s << "#SBATCH --output=" << (array ? "slurm-%A_%a.out" : "slurm-%j.out") << "\n";
  s << "#SBATCH --open-mode=append\n#SBATCH --requeue\n";
  s << "#SBATCH --signal=B:USR1@" << o.signal_lead_s << "\n";
  if (!o.partition.empty()) s << "#SBATCH --partition=" << o.partition << "\n";
  if (!o.account.empty()) s << "#SBATCH --account=" << o.account << "\n";
  if (!o.time.empty()) s << "#SBATCH --time=" << o.time << "\n";
  if (!o.mem.empty()) s << "#SBATCH --mem=" << o.mem << "\n";
  if (o.gpus > 0) s << "#SBATCH --gres=gpu:" << o.gpus << "\n";
  if (o.cpus_per_task > 0) s << "#SBATCH --cpus-per-task=" << o.cpus_per_task << "\n";
  const bool ranks = o.nodes * o.tasks_per_node > 1;
  if (ranks) s << "#SBATCH --nodes=" << o.nodes << "\n#SBATCH --ntasks-per-node=" << o.tasks_per_node << "\n";
  for (const auto& e : o.extra) s << "#SBATCH " << e << "\n";
  s << "# Written by R1 Workbench. The runner replaces this shell (exec), so Slurm's signals reach it:\n"
       "# USR1 (the time limit or preemption is near): checkpoint, then scontrol requeue; TERM: checkpoint, stop.\n";
  s << "dirs=(";
  for (size_t i = 0; i < job.run_dirs.size(); ++i) s << (i ? " " : "") << remote::shell_quote(job.run_dirs[i]);
  s << ")\n";
  s << "cd -- \"${dirs[${SLURM_ARRAY_TASK_ID:-0}]}\" || exit 1\n";
  if (array)  // the runner's own output beside its run, as a plain job's is
    s << "exec >>\"slurm-${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}.out\" 2>&1\n";
  if (ranks)  // srun starts a rank per task and passes Slurm's signals on to each
    s << "exec srun --kill-on-bad-exit=1 " << remote::shell_quote(job.runner)
      << " train config.json --run-dir \"$PWD\" --no-stream --slurm-ranks\n";
  else
    s << "exec " << remote::shell_quote(job.runner) << " train config.json --run-dir \"$PWD\" --no-stream\n";
  return s.str();
}

}  // namespace r1wb::slurm

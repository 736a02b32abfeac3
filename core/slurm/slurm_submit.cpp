#include "core/slurm/slurm_submit.h"

#include "core/slurm/slurm_job_state.h"
#include "core/slurm/slurm_script.h"
#include "core/slurm/slurm_watch.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <stdexcept>

namespace r1wb::slurm {
namespace {
using remote::shell_quote;

//! Writes `bytes` to dir/name through a partial name, renamed when complete.
void upload(remote::SshSession& s, const std::string& dir, const std::string& name, const std::string& bytes) {
  const std::string d = shell_quote(dir), part = d + "/" + shell_quote(name + ".partial"), dst = d + "/" + shell_quote(name);
  const auto r = s.exec("mkdir -p -- " + d + " && cat > " + part + " && mv -f -- " + part + " " + dst, bytes);
  if (r.exit_status != 0) throw std::runtime_error("cannot upload " + name + " to " + dir + ": " + r.err);
}

//! Refuses when dir's recorded job is still pending or running.
void refuse_live_job(remote::SshSession& s, const std::string& dir) {
  const auto recorded = s.exec("cat -- " + shell_quote(dir) + "/" + kJobFile + " 2>/dev/null");
  if (recorded.exit_status != 0 || recorded.out.empty()) return;
  std::string id;
  try {
    id = nlohmann::json::parse(recorded.out).at("job_id").get<std::string>();
  } catch (const std::exception&) {
    return;  // unreadable: nothing to protect
  }
  const auto shown = s.exec("scontrol show job -o " + shell_quote(id));
  if (shown.exit_status != 0) {
    if (shown.err.find("Invalid job id") != std::string::npos) return;  // purged: long over
    // The controller did not answer: the job may be running; a second runner would share the directory.
    throw std::runtime_error("cannot tell whether Slurm job " + id + " of " + dir + " still runs (" + shown.err +
                             "); not submitted again");
  }
  const auto info = parse_scontrol_line(shown.out);
  if (info && phase_of(*info) != Phase::Ended)
    throw std::runtime_error("the run in " + dir + " is still " + describe(*info) + "; stop it before resubmitting");
}

std::string sbatch(remote::SshSession& s, const std::string& dir, const std::string& script,
                   const std::string& where) {
  const auto r = s.exec("cd -- " + shell_quote(dir) + " && sbatch --parsable " + shell_quote(script));
  if (r.exit_status != 0)
    throw std::runtime_error("sbatch refused the job on " + where + ": " + (r.err.empty() ? r.out : r.err));
  std::string id = r.out.substr(0, r.out.find_first_of(";\n"));
  if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
    throw std::runtime_error("sbatch on " + where + " printed no job id: '" + r.out + "'");
  return id;
}

void record_job(remote::SshSession& s, const std::string& dir, const std::string& id, int stop_grace_s) {
  upload(s, dir, kJobFile, nlohmann::json{{"job_id", id}, {"stop_grace_s", stop_grace_s}}.dump() + "\n");
}

//! A job nobody could follow is cancelled rather than left running untracked.
template <class Record>
void record_or_cancel(remote::SshSession& s, const std::string& id, Record record) {
  try {
    record();
  } catch (const std::exception& e) {
    try {
      s.exec("scancel " + shell_quote(id));
    } catch (const std::exception&) {
    }
    throw std::runtime_error(std::string(e.what()) + "; Slurm job " + id + " was cancelled, since nothing could follow it");
  }
}

}  // namespace

std::string submit_run(remote::SshSession& s, const SlurmOptions& o, const std::string& runner,
                       const std::string& dir, const std::string& config_json) {
  BatchJob job;
  job.name = std::filesystem::path(dir).filename().string();
  job.runner = runner;
  job.run_dirs = {"."};
  const std::string script = batch_script(o, job);  // checks the options before anything is sent
  refuse_live_job(s, dir);
  upload(s, dir, "config.json", config_json);
  upload(s, dir, "job.sbatch", script);
  const std::string id = sbatch(s, dir, "job.sbatch", s.endpoint().host);
  record_or_cancel(s, id, [&] { record_job(s, dir, id, o.stop_grace_s); });
  return id;
}

std::vector<std::string> submit_array(remote::SshSession& s, const SlurmOptions& o, const std::string& runner,
                                      const std::string& name, const std::vector<ArrayRun>& runs) {
  if (runs.empty()) throw std::invalid_argument("an array needs at least one run");
  const std::filesystem::path parent = std::filesystem::path(runs[0].remote_dir).parent_path();
  BatchJob job;
  job.name = name;
  job.runner = runner;
  for (const auto& r : runs) {
    if (std::filesystem::path(r.remote_dir).parent_path() != parent)
      throw std::invalid_argument("the runs of an array share one parent directory: " + r.remote_dir);
    job.run_dirs.push_back(std::filesystem::path(r.remote_dir).filename().string());
  }
  const std::string script = batch_script(o, job);
  for (const auto& r : runs) {
    refuse_live_job(s, r.remote_dir);
    upload(s, r.remote_dir, "config.json", r.config_json);
  }
  const std::string array_dir = parent.empty() ? "." : parent.string();
  // Named after its first run (a unique name), so two grids submitted at once never share a script.
  const std::string script_name = "array-" + job.run_dirs[0] + ".sbatch";
  upload(s, array_dir, script_name, script);
  const std::string id = sbatch(s, array_dir, script_name, s.endpoint().host);
  std::vector<std::string> tasks;
  for (size_t i = 0; i < runs.size(); ++i) tasks.push_back(id + "_" + std::to_string(i));
  record_or_cancel(s, id, [&] {
    for (size_t i = 0; i < runs.size(); ++i) record_job(s, runs[i].remote_dir, tasks[i], o.stop_grace_s);
  });
  return tasks;
}

}  // namespace r1wb::slurm

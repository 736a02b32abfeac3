#include "core/jobs/checkpoint_fetch.h"

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <stdexcept>

namespace r1wb {
namespace fs = std::filesystem;
using remote::shell_quote;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

}  // namespace

CheckpointFetch fetch_checkpoint(remote::SshSession& ssh, const RunRow& run, std::optional<int64_t> step,
                                 const FetchProgressFn& progress) {
  const std::string host = run.target_host, remote_ckpts = run.remote_dir + "/checkpoints";
  // The complete checkpoints there (step-N folders; .damaged and partial ones are not).
  std::vector<int64_t> steps;
  for (const auto& name : lines_of(ssh.exec("ls -1 -- " + shell_quote(remote_ckpts)).out))
    if (name.size() > 5 && name.rfind("step-", 0) == 0 && name.find_first_not_of("0123456789", 5) == std::string::npos)
      steps.push_back(std::stoll(name.substr(5)));
  std::sort(steps.begin(), steps.end());
  if (steps.empty()) throw std::runtime_error(run.name + " has no checkpoint on " + host + " (" + remote_ckpts + ")");
  CheckpointFetch out;
  out.step = step.value_or(steps.back());
  if (!std::binary_search(steps.begin(), steps.end(), out.step))
    throw std::runtime_error(run.name + " has no checkpoint at step " + std::to_string(out.step) + " on " + host +
                             " (it has " + std::to_string(steps.size()) + ", the newest at step " +
                             std::to_string(steps.back()) + ")");
  const std::string name = "step-" + std::to_string(out.step);
  const fs::path local_ckpts = fs::path(run.run_dir) / "checkpoints";
  const fs::path final_dir = local_ckpts / name, gathering = local_ckpts / (name + ".fetching");
  out.local_dir = final_dir.string();
  if (fs::exists(final_dir)) {
    out.already_here = true;
    return out;
  }
  auto fetch_one = [&](const std::string& remote_path, const fs::path& local) {
    const auto r = remote::sftp_fetch(ssh, remote_path, local.string(), [&](const remote::FetchProgress& p) {
      if (progress) progress(local.filename().string(), p);
    });
    out.bytes += r.bytes, out.seconds += r.seconds;
  };
  const auto files =
      lines_of(ssh.exec("find " + shell_quote(remote_ckpts + "/" + name) + " -maxdepth 1 -type f -printf '%f\\n'").out);
  if (files.empty()) throw std::runtime_error(remote_ckpts + "/" + name + " on " + host + " holds no file");
  fs::create_directories(gathering);
  for (const auto& f : files) fetch_one(remote_ckpts + "/" + name + "/" + f, gathering / f);
  out.files = files.size();
  fs::rename(gathering, final_dir);
  // A BPE run's tokenizer, which evaluating the checkpoint needs.
  for (const char* f : {"tokenizer.model", "tokenizer.vocab"}) {
    if (fs::exists(fs::path(run.run_dir) / f)) continue;
    if (ssh.exec("test -f " + shell_quote(run.remote_dir + "/" + f)).exit_status == 0)
      fetch_one(run.remote_dir + "/" + f, fs::path(run.run_dir) / f);
  }
  return out;
}

}  // namespace r1wb

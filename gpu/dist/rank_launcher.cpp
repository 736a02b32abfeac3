#include "gpu/dist/rank_launcher.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <stdexcept>

extern char** environ;

namespace r1wb::gpu {
namespace fs = std::filesystem;

std::string rendezvous_path(const std::string& run_dir) { return (fs::path(run_dir) / ".rendezvous").string(); }

std::vector<pid_t> start_ranks(const std::string& run_dir, int world) {
  fs::create_directories(fs::path(run_dir) / "ranks");
  fs::remove(rendezvous_path(run_dir));
  const std::string exe = fs::read_symlink("/proc/self/exe").string();
  const std::string config = (fs::path(run_dir) / "config.json").string();
  std::vector<pid_t> pids;
  for (int rank = 1; rank < world; ++rank) {
    std::vector<std::string> args = {exe,
                                     "train",
                                     config,
                                     "--run-dir",
                                     run_dir,
                                     "--rank",
                                     std::to_string(rank),
                                     "--world",
                                     std::to_string(world),
                                     "--no-stream"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string log = (fs::path(run_dir) / "ranks" / ("rank-" + std::to_string(rank) + ".log")).string();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, exe.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start rank " + std::to_string(rank) + ": " + std::strerror(rc));
    pids.push_back(pid);
  }
  return pids;
}

std::string wait_ranks(const std::vector<pid_t>& pids, const std::string& run_dir) {
  std::string failed;
  for (size_t i = 0; i < pids.size(); ++i) {
    int status = 0;
    ::waitpid(pids[i], &status, 0);
    const bool ok = WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 3);
    if (!ok)
      failed += (failed.empty() ? "" : "; ") + std::string("rank ") + std::to_string(i + 1) + " failed (see " +
                (fs::path(run_dir) / "ranks" / ("rank-" + std::to_string(i + 1) + ".log")).string() + ")";
  }
  return failed;
}

}  // namespace r1wb::gpu

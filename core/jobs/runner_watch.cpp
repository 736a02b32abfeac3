#include "core/jobs/runner_watch.h"

#include "core/jobs/detached_runner.h"
#include "core/slurm/slurm_watch.h"

#include <csignal>
#include <filesystem>

namespace r1wb {
namespace {

class DetachedWatch : public RunnerWatch {
 public:
  explicit DetachedWatch(std::string run_dir) : run_dir_(std::move(run_dir)) {}
  RunnerLook look() override {
    const RunnerStatus s = runner_status(run_dir_);
    RunnerLook l;
    if (s.state == RunnerState::Exited) l.state = RunnerLook::State::Ended, l.exit_code = s.exit_code;
    else if (s.state == RunnerState::Vanished) l.state = RunnerLook::State::Vanished;
    else l.state = RunnerLook::State::Running;
    l.note = "the runner of " + run_dir_ + " is " + describe(s);
    return l;
  }
  void stop() override { signal_runner(run_dir_, SIGTERM); }
  void probe() override { signal_runner(run_dir_, SIGUSR2); }
  void kill() override { signal_runner(run_dir_, SIGKILL, true); }

 private:
  std::string run_dir_;
};

}  // namespace

std::unique_ptr<RunnerWatch> watch_runner(const std::string& run_dir) {
  if (std::filesystem::exists(std::filesystem::path(run_dir) / slurm::kJobFile))
    return std::make_unique<slurm::SlurmWatch>(run_dir);
  if (runner_status(run_dir).state == RunnerState::NeverStarted) return nullptr;
  return std::make_unique<DetachedWatch>(run_dir);
}

}  // namespace r1wb

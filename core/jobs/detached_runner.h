// A runner that outlives whoever started it: what a remote run is (the SSH connection may drop,
// the laptop close), and what `r1wb-run start` makes. start_detached forks a supervisor in a
// session of its own (no controlling terminal, so no SIGHUP), every descriptor redirected
// (stdin and stdout /dev/null, stderr appended to <run-dir>/runner.log), which starts the runner
// in a process group of its own and waits for it. The run directory holds
//   runner.pid    "SUPERVISOR RUNNER\n" (the runner's pid is its process group's id)
//   runner.exit   "CODE\n" once it ended (128 + signal when a signal ended it)
// so anyone on the node can tell a running, an ended and a vanished runner apart, and stop
// (SIGTERM: checkpoint and exit) or kill (SIGKILL) its whole group (data-parallel ranks too).
#pragma once
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace r1wb {

struct RunnerProcess {
  pid_t supervisor = 0;
  pid_t runner = 0;  //!< also its process group
};

enum class RunnerState {
  NeverStarted,  //!< no runner.pid in the run directory
  Running,       //!< its supervisor is alive
  Exited,        //!< runner.exit holds its code
  Vanished,      //!< neither alive nor an exit code (the node rebooted, or the supervisor was killed)
};

struct RunnerStatus {
  RunnerState state = RunnerState::NeverStarted;
  std::optional<int> exit_code;
  RunnerProcess process;
};

//! What the run directory says about its runner.
RunnerStatus runner_status(const std::string& run_dir);
//! "running (pid 123)", "exited with 3", ...
std::string describe(const RunnerStatus& s);

//! Starts argv (argv[0] a path) detached (it forks: call it from a single-threaded process,
//! as `r1wb-run start` is), with `run_dir` as its working directory; returns once
//! runner.pid is written. Throws std::runtime_error when a runner of run_dir is still running,
//! or it cannot start.
RunnerProcess start_detached(const std::vector<std::string>& argv, const std::string& run_dir);

//! Sends `signal` to the runner (SIGTERM: stop, SIGUSR2: probe; rank 0 tells the other ranks),
//! or with `whole_group` to its process group (SIGKILL: every rank). False when no runner of
//! run_dir is running.
bool signal_runner(const std::string& run_dir, int signal, bool whole_group = false);

}  // namespace r1wb

#include "core/jobs/detached_runner.h"

#include "core/formats/atomic_file.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace r1wb {
namespace fs = std::filesystem;
namespace {

std::string pid_file(const std::string& d) { return (fs::path(d) / "runner.pid").string(); }
std::string exit_file(const std::string& d) { return (fs::path(d) / "runner.exit").string(); }

void write_text(const std::string& path, const std::string& text) {
  write_file_atomically(path, std::vector<uint8_t>(text.begin(), text.end()));
}

bool alive(pid_t pid) { return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM); }

//! Every descriptor from 3 on closed except `keep`.
void close_others(int keep) {
  const int max = int(std::min<long>(::sysconf(_SC_OPEN_MAX), 65536));
  for (int fd = 3; fd < max; ++fd)
    if (fd != keep) ::close(fd);
}

//! In the supervisor: starts the runner, records it, waits, records its end. Never returns.
[[noreturn]] void supervise(const std::vector<std::string>& argv, const std::string& run_dir, int report_fd) {
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGUSR1, SIGUSR2}) std::signal(sig, SIG_IGN);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t runner = ::fork();
  if (runner == 0) {
    ::setpgid(0, 0);
    for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGUSR1, SIGUSR2}) std::signal(sig, SIG_DFL);
    ::close(report_fd);
    ::execv(args[0], args.data());
    const std::string why = "r1wb: cannot start " + argv[0] + ": " + std::strerror(errno) + "\n";
    (void)!::write(STDERR_FILENO, why.data(), why.size());
    ::_exit(127);
  }
  std::string report;
  if (runner < 0) {
    report = std::string("fork: ") + std::strerror(errno);
  } else {
    ::setpgid(runner, runner);  // both sides, so a signal sent right after start reaches its group
    try {
      write_text(pid_file(run_dir), std::to_string(::getpid()) + " " + std::to_string(runner) + "\n");
      report = "ok";
    } catch (const std::exception& e) {
      report = e.what();
    }
  }
  (void)!::write(report_fd, report.data(), report.size());
  ::close(report_fd);
  if (runner < 0) ::_exit(1);
  int status = 0;
  while (::waitpid(runner, &status, 0) < 0 && errno == EINTR) {
  }
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  try {
    write_text(exit_file(run_dir), std::to_string(code) + "\n");
  } catch (...) {
  }
  ::_exit(0);
}

}  // namespace

RunnerStatus runner_status(const std::string& run_dir) {
  RunnerStatus s;
  std::ifstream pid_in(pid_file(run_dir));
  if (!(pid_in >> s.process.supervisor >> s.process.runner)) return s;
  int code = 0;
  std::ifstream exit_in(exit_file(run_dir));
  if (exit_in >> code) {
    s.state = RunnerState::Exited;
    s.exit_code = code;
  } else {
    s.state = alive(s.process.supervisor) ? RunnerState::Running : RunnerState::Vanished;
  }
  return s;
}

std::string describe(const RunnerStatus& s) {
  switch (s.state) {
    case RunnerState::NeverStarted: return "never started (no runner.pid)";
    case RunnerState::Running: return "running (pid " + std::to_string(s.process.runner) + ")";
    case RunnerState::Exited: return "exited with " + std::to_string(*s.exit_code);
    case RunnerState::Vanished:
      return "gone without an exit code (pid " + std::to_string(s.process.runner) +
             "; the node restarted, or its supervisor was killed)";
  }
  return "unknown";
}

RunnerProcess start_detached(const std::vector<std::string>& argv, const std::string& run_dir) {
  if (argv.empty()) throw std::runtime_error("start_detached: empty command");
  if (const auto s = runner_status(run_dir); s.state == RunnerState::Running)
    throw std::runtime_error(run_dir + " already has a runner: " + describe(s));
  fs::create_directories(run_dir);
  std::error_code ec;
  fs::remove(exit_file(run_dir), ec);  // the previous runner's; runner.pid is replaced below
  fs::remove(pid_file(run_dir), ec);
  const std::string log = (fs::path(run_dir) / "runner.log").string();
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  const pid_t first = ::fork();
  if (first < 0) {
    ::close(report[0]), ::close(report[1]);
    throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  }
  if (first == 0) {
    ::close(report[0]);
    // The middle process: a session of its own, then fork once more so the supervisor is not a
    // session leader (it can never acquire a controlling terminal), and leave.
    ::setsid();
    if (::fork() != 0) ::_exit(0);
    const int null_fd = ::open("/dev/null", O_RDWR);
    const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    ::dup2(null_fd, STDIN_FILENO);
    ::dup2(null_fd, STDOUT_FILENO);
    ::dup2(log_fd >= 0 ? log_fd : null_fd, STDERR_FILENO);
    close_others(report[1]);
    (void)!::chdir(run_dir.c_str());  // the run directory exists: created above
    supervise(argv, run_dir, report[1]);
  }
  ::close(report[1]);
  int status = 0;
  ::waitpid(first, &status, 0);
  std::string answer;
  char buf[512];
  for (ssize_t n; (n = ::read(report[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR);)
    if (n > 0) answer.append(buf, size_t(n));
  ::close(report[0]);
  if (answer != "ok")
    throw std::runtime_error("cannot start the runner in " + run_dir + ": " +
                             (answer.empty() ? std::string("its supervisor ended without a word") : answer));
  return runner_status(run_dir).process;
}

bool signal_runner(const std::string& run_dir, int signal, bool whole_group) {
  const auto s = runner_status(run_dir);
  if (s.state != RunnerState::Running) return false;
  return ::kill(whole_group ? -s.process.runner : s.process.runner, signal) == 0;
}

}  // namespace r1wb

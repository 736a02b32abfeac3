#include "core/jobs/local_job.h"

#include "core/jobs/job_factory.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace r1wb {

JobFactory local_job_factory() {
  return [](const JobSpec& spec) -> std::unique_ptr<Job> {
    if (!spec.target_host.empty())
      throw std::runtime_error("the run belongs to host " + spec.target_host + ", not to this machine");
    if (spec.attach_after)
      throw std::runtime_error("a local run cannot be attached to: its runner ended with the app that started it");
    return std::make_unique<LocalJob>(
        std::vector<std::string>{spec.runner_path, "train", spec.config_path, "--run-dir", spec.run_dir},
        spec.stderr_path);
  };
}

LocalJob::LocalJob(const std::vector<std::string>& argv, const std::string& stderr_path) : stderr_path_(stderr_path) {
  if (argv.empty()) throw std::runtime_error("LocalJob: empty command");
  int fds[2], in[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  if (::pipe2(in, O_CLOEXEC) != 0) {
    ::close(fds[0]), ::close(fds[1]);
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int rc = ::posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(fds[1]);
  ::close(in[0]);
  if (rc != 0) {
    ::close(fds[0]);
    ::close(in[1]);
    throw std::runtime_error("cannot start '" + argv[0] + "': " + std::strerror(rc));
  }
  fd_ = fds[0];
  request_fd_ = in[1];
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
}

LocalJob::~LocalJob() {
  if (!poll_exit()) {
    kill();
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  if (fd_ >= 0) ::close(fd_);
  if (request_fd_ >= 0) ::close(request_fd_);
}

bool LocalJob::send(const wire::Request& request) {
  if (request_fd_ < 0) return false;
  // A runner that exited leaves a pipe without reader: the write fails with EPIPE, and the
  // SIGPIPE it raises is blocked here and consumed, so it cannot end the GUI.
  sigset_t pipe_set, old;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  const std::string bytes = wire::encode_request(request);
  ssize_t n;
  do n = ::write(request_fd_, bytes.data(), bytes.size());  // 16 bytes < PIPE_BUF: all or nothing
  while (n < 0 && errno == EINTR);
  const bool ok = n == ssize_t(bytes.size());
  if (!ok) {
    const timespec zero{0, 0};
    while (sigtimedwait(&pipe_set, nullptr, &zero) > 0) {}
    ::close(request_fd_);
    request_fd_ = -1;
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return ok;
}

std::string LocalJob::read_available() {
  std::string out;
  char buf[65536];
  while (!eof_) {
    ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) {
      eof_ = true;
      break;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) eof_ = true;
    break;
  }
  return out;
}

void LocalJob::request_stop() {
  if (poll_exit()) return;
  if (!send({wire::RequestKind::Stop, 0})) ::kill(pid_, SIGTERM);
}

void LocalJob::kill() {
  if (!poll_exit()) ::kill(pid_, SIGKILL);
}

std::optional<int> LocalJob::poll_exit() {
  if (exit_) return exit_;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    if (WIFEXITED(status))
      exit_ = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
      exit_ = 128 + WTERMSIG(status);
    else
      exit_ = -1;
  }
  return exit_;
}

}  // namespace r1wb

#include "core/jobs/run_follow.h"

#include "core/jobs/detached_runner.h"
#include "core/wire/event_protocol.h"
#include "core/wire/log_follower.h"
#include "core/wire/requests.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <filesystem>

namespace r1wb {
namespace {

bool write_all(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, 1000);
      continue;
    }
    if (n <= 0) return false;
    done += size_t(n);
  }
  return true;
}

}  // namespace

int follow_run(const std::string& run_dir, uint64_t after_seq, int in_fd, int out_fd, std::ostream& err) {
  std::signal(SIGPIPE, SIG_IGN);
  if (runner_status(run_dir).state == RunnerState::NeverStarted) {
    err << "r1wb-run follow: " << run_dir << " has no runner (no runner.pid); start it with r1wb-run start\n";
    return 2;
  }
  const std::string log = (std::filesystem::path(run_dir) / "events.log").string();
  const bool requests = wire::carries_requests(in_fd);
  if (requests) ::fcntl(in_fd, F_SETFL, ::fcntl(in_fd, F_GETFL) | O_NONBLOCK);
  wire::RequestDecoder decoder;
  wire::LogFollower follower(log, after_seq);
  if (!write_all(out_fd, wire::encode_stream_header())) return 0;
  bool requests_open = requests;
  for (;;) {
    // Requests first, so a resend is served before more is streamed.
    if (requests_open) {
      char buf[256];
      ssize_t n;
      while ((n = ::read(in_fd, buf, sizeof buf)) > 0) decoder.feed(buf, size_t(n));
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return 0;  // the reader went
      while (auto r = decoder.next()) {
        switch (r->kind) {
          case wire::RequestKind::ResendAfter: follower = wire::LogFollower(log, r->argument); break;
          case wire::RequestKind::Stop: signal_runner(run_dir, SIGTERM); break;
          case wire::RequestKind::ProbeNow: signal_runner(run_dir, SIGUSR2); break;
          case wire::RequestKind::Kill: signal_runner(run_dir, SIGKILL, true); break;
        }
      }
      if (!decoder.error().empty()) {
        err << "r1wb-run follow: requests ignored from here on: " << decoder.error() << "\n";
        requests_open = false;
      }
    }
    // The state before the read: a runner seen ended has written its last record already.
    const RunnerStatus status = runner_status(run_dir);
    if (!write_all(out_fd, follower.poll())) return 0;
    if (auto note = follower.take_note(); !note.empty()) err << "r1wb-run follow: " << note << "\n";
    if (!follower.error().empty()) {
      err << "r1wb-run follow: " << follower.error() << "\n";
      return 1;
    }
    if (status.state == RunnerState::Exited) return *status.exit_code;
    if (status.state == RunnerState::Vanished) {
      err << "r1wb-run follow: the runner of " << run_dir << " is " << describe(status) << "\n";
      return 1;
    }
    pollfd p{in_fd, POLLIN, 0};
    ::poll(&p, requests_open ? 1 : 0, 50);
  }
}

}  // namespace r1wb

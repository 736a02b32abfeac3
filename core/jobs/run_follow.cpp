#include "core/jobs/run_follow.h"

#include "core/jobs/runner_watch.h"
#include "core/store/run_status.h"
#include "core/wire/event_log.h"
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

//! Whether the log leaves nothing to wait for: its last status record says the run ended
//! (completed, stopped, failed...), or it has none (the runner never began: a job cancelled
//! while pending).
bool log_is_done(const std::string& log) {
  if (!std::filesystem::exists(log)) return true;
  EventLogContents l;
  try {
    l = read_event_log(log);
  } catch (const std::exception&) {
    return false;  // not readable this moment: read on until the linger ends
  }
  for (auto it = l.records.rbegin(); it != l.records.rend(); ++it)
    if (const auto* s = std::get_if<wire::Status>(&it->payload)) {
      const auto state = parse_run_status(s->state);
      return state && is_terminal(*state);
    }
  return true;
}

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

std::optional<PlaceLine> parse_place_line(const std::string& line) {
  const std::string prefix = kPlaceLinePrefix;
  if (line.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  const size_t a = line.find(' ', prefix.size());
  if (a == std::string::npos) return std::nullopt;
  const size_t b = line.find(' ', a + 1);
  PlaceLine p;
  try {
    p.seq = std::stoull(line.substr(prefix.size(), a - prefix.size()));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  p.status = line.substr(a + 1, b == std::string::npos ? std::string::npos : b - a - 1);
  if (b != std::string::npos) p.note = line.substr(b + 1);
  return p;
}

int follow_run(const std::string& run_dir, uint64_t after_seq, int in_fd, int out_fd, std::ostream& err) {
  std::signal(SIGPIPE, SIG_IGN);
  std::unique_ptr<RunnerWatch> watch;
  try {
    watch = watch_runner(run_dir);
  } catch (const std::exception& e) {
    err << "r1wb-run follow: " << e.what() << "\n";
    return 2;
  }
  if (!watch) {
    err << "r1wb-run follow: " << run_dir << " has no runner (no runner.pid, no slurm.job); start it with r1wb-run start\n";
    return 2;
  }
  const std::string log = (std::filesystem::path(run_dir) / "events.log").string();
  const bool requests = wire::carries_requests(in_fd);
  if (requests) ::fcntl(in_fd, F_SETFL, ::fcntl(in_fd, F_GETFL) | O_NONBLOCK);
  wire::RequestDecoder decoder;
  wire::LogFollower follower(log, after_seq);
  if (!write_all(out_fd, wire::encode_stream_header())) return 0;
  bool requests_open = requests;
  std::string place_status, place_note;
  bool ended = false;  // seen ended; since ended_seen
  std::chrono::steady_clock::time_point ended_seen{};
  std::chrono::steady_clock::time_point next_log_check{};
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
          case wire::RequestKind::Stop: watch->stop(); break;
          case wire::RequestKind::ProbeNow: watch->probe(); break;
          case wire::RequestKind::Kill: watch->kill(); break;
        }
      }
      if (!decoder.error().empty()) {
        err << "r1wb-run follow: requests ignored from here on: " << decoder.error() << "\n";
        requests_open = false;
      }
    }
    // The state before the read: a runner seen ended has written its last record already (to
    // this machine's view of the log, after the linger below where that view lags).
    const RunnerLook look = watch->look();
    if (!look.status.empty() && (look.status != place_status || look.note != place_note)) {
      place_status = look.status, place_note = look.note;
      err << kPlaceLinePrefix << follower.last_seq() << " " << look.status << " " << look.note << std::endl;
    }
    if (!write_all(out_fd, follower.poll())) return 0;
    if (auto note = follower.take_note(); !note.empty()) err << "r1wb-run follow: " << note << "\n";
    if (!follower.error().empty()) {
      err << "r1wb-run follow: " << follower.error() << "\n";
      return 1;
    }
    if (look.state == RunnerLook::State::Ended) {
      // Where the log arrives through a shared filesystem, read on until it says the run ended
      // (its last status is terminal, or it never began) or the linger is over: a lagging cache
      // must not cut the stream short of the final records.
      const auto now = std::chrono::steady_clock::now();
      if (!ended) ended = true, ended_seen = now;
      if (now - ended_seen >= watch->end_linger()) return look.exit_code.value_or(1);
      if (now >= next_log_check) {
        if (log_is_done(log)) return look.exit_code.value_or(1);
        next_log_check = now + std::chrono::seconds(1);
      }
    } else {
      ended = false;
    }
    if (look.state == RunnerLook::State::Vanished) {
      err << "r1wb-run follow: " << look.note << "\n";
      return 1;
    }
    pollfd p{in_fd, POLLIN, 0};
    ::poll(&p, requests_open ? 1 : 0, 50);
  }
}

}  // namespace r1wb

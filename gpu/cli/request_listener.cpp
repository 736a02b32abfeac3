#include "gpu/cli/request_listener.h"

#include <csignal>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace r1wb::gpu {

RequestListener::RequestListener(int fd, EventLogWriter& writer, std::atomic<bool>& stop, std::atomic<bool>& probe)
    : fd_(fd), writer_(writer), stop_(stop), probe_(probe) {
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
  thread_ = std::thread([this] { loop(); });
}

RequestListener::~RequestListener() {
  done_ = true;
  thread_.join();
  if (!closed_) serve_available();  // a request that came while the run ended
}

void RequestListener::loop() {
  while (!done_ && !closed_) {
    pollfd p{fd_, POLLIN, 0};
    const int n = ::poll(&p, 1, 100);
    if (n > 0 && !serve_available()) closed_ = true;
  }
}

bool RequestListener::serve_available() {
  char buf[4096];
  bool open = true;
  for (;;) {
    const ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n > 0) {
      decoder_.feed(buf, size_t(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    open = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    break;
  }
  while (auto r = decoder_.next()) {
    try {
      switch (r->kind) {
        case wire::RequestKind::ResendAfter: writer_.resend_after(r->argument); break;
        case wire::RequestKind::Stop:
          std::fprintf(stderr, "stop requested through the request channel\n");
          stop_ = true;
          break;
        case wire::RequestKind::ProbeNow: probe_ = true; break;
        case wire::RequestKind::Kill:
          std::fprintf(stderr, "killed through the request channel\n");
          ::kill(::getpid(), SIGKILL);
          break;
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "warning: request %d not served: %s\n", int(r->kind), e.what());
    }
  }
  if (!decoder_.error().empty()) {
    // Closed, so the job's next request fails to write and it falls back to a signal.
    std::fprintf(stderr, "warning: request channel: %s; no further requests are read\n", decoder_.error().c_str());
    ::close(fd_);
    return false;
  }
  return open;
}

}  // namespace r1wb::gpu

// The libssh2 state behind SshSession, for the files that implement its parts (ssh_session.cpp,
// sftp_fetch.cpp); nothing outside core/remote includes it.
#pragma once
#include "core/remote/ssh_session.h"

#include <libssh2.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

namespace r1wb::remote {

class SshTunnel;

struct SshSession::Impl {
  int fd = -1;
  LIBSSH2_SESSION* session = nullptr;
  //! Held around every libssh2 call on the session: a session shared by several jobs
  //! (ssh_pool.h) is used from the GUI thread (their channels) and from workers (exec). Never
  //! held while waiting on the socket.
  std::mutex lock;
  std::atomic<bool> broken{false};  //!< a call failed as a broken link would, or sever()
  //! The last ProxyJump hop this session runs through (it goes after the session: members are
  //! destroyed after the destructor's body).
  std::shared_ptr<SshTunnel> tunnel;

  ~Impl() {
    if (session) {
      libssh2_session_disconnect(session, "bye");
      libssh2_session_free(session);
    }
    if (fd >= 0) ::close(fd);
  }
  std::string last_error() const {
    char* msg = nullptr;
    libssh2_session_last_error(session, &msg, nullptr, 0);
    return msg ? msg : "unknown error";
  }
  //! Another thread may take what arrives into libssh2's buffers first: waits are short.
  static constexpr int shared_wait_ms = 20;
  //! Waits until the socket is ready in the direction libssh2 is blocked on (or briefly).
  void wait() {
    pollfd p{fd, 0, 0};
    int dir = 0;
    {
      std::lock_guard hold(lock);
      dir = libssh2_session_block_directions(session);
    }
    if (dir & LIBSSH2_SESSION_BLOCK_INBOUND) p.events |= POLLIN;
    if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND) p.events |= POLLOUT;
    ::poll(&p, 1, shared_wait_ms);
  }
};

}  // namespace r1wb::remote
